import datetime as dt
import re
from decimal import Decimal

import pytest

from ecomdept.inputs import cells
from ecomdept.inputs import rules


@pytest.mark.parametrize("value, expected", [
    ("2026-10-08", dt.date(2026, 10, 8)), ("2026/10/8", dt.date(2026, 10, 8)), ("2026年10月8日", dt.date(2026, 10, 8)),
    ("20261008", dt.date(2026, 10, 8)), ("２０２６－１０－０８", dt.date(2026, 10, 8)), (46303.0, dt.date(2026, 10, 8)),
    (dt.datetime(2026, 10, 8, 9, 0), dt.date(2026, 10, 8)),
])
def test_dates(value, expected):
    assert cells.parse_date(value) == expected


@pytest.mark.parametrize("value", ["2026-13-01", "明天", "2026-02-30", True])
def test_bad_dates(value):
    with pytest.raises(ValueError):
        cells.parse_date(value)


def test_datetimes():
    assert cells.parse_datetime("2026-10-08 08:29") == dt.datetime(2026, 10, 8, 8, 29)
    assert cells.parse_datetime("2026/10/08 8:29:59") == dt.datetime(2026, 10, 8, 8, 29, 59)
    assert cells.parse_datetime(46303.5) == dt.datetime(2026, 10, 8, 12, 0)
    assert cells.parse_datetime(dt.datetime(2026, 10, 8, 8, 29, 59, 999000)) == dt.datetime(2026, 10, 8, 8, 30)


def test_money_text_and_full_width():
    assert cells.parse_money("８，０００") == 800000
    assert cells.parse_money(" 8000 ") == 800000
    with pytest.raises(ValueError, match="金额"):
        cells.parse_money("八千")


def test_rate_bool_enum_text():
    assert cells.parse_rate("7%") == Decimal("0.07")
    assert cells.parse_rate(0.12) == Decimal("0.12")
    with pytest.raises(ValueError):
        cells.parse_rate(7)
    assert cells.parse_bool("是") is True and cells.parse_bool("否") is False
    assert cells.make_enum(("事假", "病假"))(" 事 假 ") == "事假"
    assert cells.parse_text(1001.0) == "1001"
    assert cells.normalize_header(" 收货地址 ") == "收货地址"


def test_id_number_check_digit():
    first17 = "11010519491231002"
    assert cells.check_id_number(first17 + cells.id_check_digit(first17))
    assert not cells.check_id_number(first17 + "0")


# --- identity codes, personal numbers, Excel errors, and messages that are always Chinese -------------

@pytest.mark.parametrize("value, expected", [
    (1002.0, "1002"), (1002, "1002"), ("1002", "1002"), (" E 0001 ", "E0001"), ("Ｅ０００１", "E0001"),
    ("E0001\u200b", "E0001"), ("\ufeffE0001", "E0001"), ("E0001\u00a0", "E0001"), (999999999999999.0, "999999999999999"),
])
def test_identity_code(value, expected):
    assert cells.parse_code(value) == expected


@pytest.mark.parametrize("value", [1002.5, 1e15, 6.2226613186091e18, -1e16, "6.2226613186091E+18", "1.5e16",
                                   float("nan"), float("inf")])
def test_identity_code_that_lost_its_digits(value):
    with pytest.raises(ValueError) as exc:
        cells.parse_code(value)
    assert "文本" in str(exc.value) or "编号" in str(exc.value)


@pytest.mark.parametrize("value", [True, dt.date(2026, 10, 1), dt.time(8, 30), dt.timedelta(hours=1)])
def test_identity_code_of_another_type(value):
    with pytest.raises(ValueError, match="编号"):
        cells.parse_code(value)


@pytest.mark.parametrize("value", [6.2226613186091e18, 6222661318609139, 12345, 0.0, 3.10101197602275e17,
                                   "6.2226613186091E+18", "6.2226613186091e18"])
def test_personal_number_stored_as_a_number(value):
    with pytest.raises(cells.NumberStoredError, match="文本"):
        cells.parse_digits(value)


@pytest.mark.parametrize("value, expected", [("6222 6613 1860 9139 099", "6222661318609139099"),
                                             ("31010119760227548x", "31010119760227548X"),
                                             ("６２２２\u200b６６", "622266")])
def test_personal_number_as_text(value, expected):
    assert cells.parse_digits(value) == expected


@pytest.mark.parametrize("value, expected", [("#DIV/0!", "#DIV/0!"), (" #n/a ", "#N/A"), ("#VALUE!", "#VALUE!"),
                                             ("＃N/A", "#N/A"), ("#SPILL!", "#SPILL!"), ("#1", None), ("E0001", None),
                                             (1.0, None), ("", None)])
def test_excel_error_literals(value, expected):
    assert cells.excel_error(value) == expected


@pytest.mark.parametrize("value, words", [(8, ["0.08", "8%"]), (12, ["0.12", "12%"]), (7.5, ["0.075", "7.5%"]),
                                          (150, ["0 到 1"]), (-0.1, ["0 到 1"])])
def test_rate_out_of_range_suggests_the_percentage(value, words):
    with pytest.raises(ValueError) as exc:
        cells.parse_rate(value)
    assert all(w in str(exc.value) for w in words)


@pytest.mark.parametrize("value, words", [("2026-02-30", ["2 月只有 28 天", "30 日"]), ("2028-02-30", ["29 天"]),
                                          ("2026-13-01", ["没有 13 月"]), ("2026-04-31", ["30 天"])])
def test_impossible_dates_say_why(value, words):
    for parser in (cells.parse_date, cells.parse_datetime):
        with pytest.raises(ValueError) as exc:
            parser(value)
        assert all(w in str(exc.value) for w in words)


HOSTILE = [None, "", " ", "abc", "２０２６－０２－３０", "2026-02-30", "2026-10-12 25:61", "9999-12-31 23:59:60",
           "#DIV/0!", "=1/0", "1e400", "-1e400", "nan", "inf", float("nan"), float("inf"), -1.0, 0.0, 1e300, -1e300,
           2958466.0, 10**30, True, False, dt.time(8, 30), dt.timedelta(days=2), dt.date(1, 1, 1),
           dt.datetime(9999, 12, 31, 23, 59, 59), "\u200b", "\ufeff8000", "8,000.00.00", "¥", "%", "50%%", "１/０"]
ENGLISH = re.compile(r"\b(must|range|invalid|out of|day is|month|year|hour|could not|object|None|Decimal|"
                     r"float|int|str|conversion|syntax|not supported|argument)\b", re.I)


@pytest.mark.parametrize("kind", sorted(cells.PARSERS))
def test_every_parser_fails_in_chinese(kind):
    parser = cells.PARSERS[kind]
    for value in HOSTILE:
        try:
            parser(value)
        except ValueError as exc:
            text = str(exc)
            plain = text.replace("YYYY-MM", "")
            assert re.search(r"[\u4e00-\u9fff]", text) and not ENGLISH.search(plain), (value, text)


@pytest.mark.parametrize("param", [p.id for p in rules.PARAMS])
def test_every_rule_fails_in_chinese(param):
    spec = rules.PARAMS_BY_ID[param]
    for value in HOSTILE:
        try:
            rules._parse(spec, value)
        except ValueError as exc:
            text = str(exc).replace("YYYY-MM", "")
            text = re.sub(r"\b(%s)\b" % "|".join(map(re.escape, spec.choices + ("shanghai", "none"))), "", text)
            assert re.search(r"[\u4e00-\u9fff]", text) and not ENGLISH.search(text), (value, text)
