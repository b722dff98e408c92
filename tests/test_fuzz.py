"""Hypothesis fuzzing of every reader: any input gives a value or a clear rejection, never a crash."""

import datetime as dt
import re
import string

from hypothesis import HealthCheck, given, settings, strategies as st

from ecomdept.inputs import cells
from ecomdept.inputs.order_import import OrderImportError, import_orders
from ecomdept.inputs.punch_import import PunchImportError, import_punches
from ecomdept.inputs.schema import EMPLOYEES, PUNCHES
from ecomdept.inputs.workbook_io import read_sheet

cell_values = st.one_of(
    st.none(), st.booleans(), st.integers(-10**15, 10**15), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.text(alphabet="0123456789-/.年月日 :：时分秒TＡ０１２", max_size=25),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)), st.times())


@settings(max_examples=400, deadline=None)
@given(value=cell_values)
def test_every_cell_parser_returns_or_raises_value_error(value):
    for parser in list(cells.PARSERS.values()) + [cells.make_enum(("事假", "病假"))]:
        try:
            parser(value)
        except ValueError as exc:
            assert str(exc)  # a message to show


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(cell_values, min_size=0, max_size=20), max_size=12))
def test_sheet_reader_never_crashes(rows):
    for sheet in (EMPLOYEES, PUNCHES):
        issues = []
        header = [c.header for c in sheet.columns]
        frame = read_sheet(sheet, [header] + [list(r) for r in rows], issues)
        assert len(frame) <= len(rows)
        assert all(i.message and i.sheet == sheet.name for i in issues)


line_chars = st.text(alphabet=string.digits + " \t-:\x00abc\r", max_size=60)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(line_chars, max_size=30))
def test_attlog_reader_accounts_for_every_line(tmp_path, lines):
    path = tmp_path / "attlog.dat"
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    result = import_punches("zkteco", [path])
    # LF, CRLF and a lone CR each end a line; a line of NUL bytes is content (rejected), not blank
    non_empty = sum(1 for l in re.split("\r\n|\r|\n", "\r\n".join(lines)) if l.strip())
    assert len(result.rows) + result.duplicates + len(result.rejects) == non_empty


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(st.lists(st.text(alphabet=string.printable + "上海元", max_size=12), min_size=0, max_size=8),
                     max_size=15), encoding=st.sampled_from(["utf-8", "gbk"]))
def test_tmall_reader_rejects_or_keeps_every_line(tmp_path, body, encoding):
    import csv
    import io
    header = ["订单编号", "总金额", "买家实际支付金额", "收货地址 ", "订单创建时间", "订单付款时间 ", "退款金额"]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header] + body)
    path = tmp_path / "t.csv"
    path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))
    try:
        result = import_orders("tmall", [path])
    except OrderImportError as exc:
        assert str(exc)
        return
    assert len(result.rows) + result.duplicates + len(result.rejects) <= len(body)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(st.lists(st.text(max_size=10), max_size=10), max_size=10))
def test_dingtalk_reader_never_crashes(tmp_path, body):
    import csv
    path = tmp_path / "d.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["姓名", "工号", "考勤日期", "打卡时间", "打卡结果"]] + body)
    try:
        result = import_punches("dingtalk", [path])
    except PunchImportError as exc:
        assert str(exc)
        return
    assert len(result.rows) + result.duplicates + len(result.rejects) <= len(body)
