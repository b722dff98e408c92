import datetime as dt
from decimal import Decimal

import pytest

from ecomdept import cells


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
