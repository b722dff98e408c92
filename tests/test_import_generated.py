"""Generated attlog, DingTalk and Tmall files with junk lines, every line end (mixed per line), BOM
and encoding: no valid row is lost — kept + folded duplicates + rejected == non-blank lines read,
and every generated valid punch or order is among the kept rows with its own date and time."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings, strategies as st

from ecomdept.inputs.order_import import import_orders
from ecomdept.inputs.punch_import import import_punches

ENCODINGS = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8-sig": lambda t: t.encode("utf-8-sig"),
    "gb18030": lambda t: t.encode("gb18030"),
    "utf-16-le": lambda t: b"\xff\xfe" + t.encode("utf-16-le"),
    "utf-16-be": lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
}
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                             HealthCheck.too_slow])
WHEN = st.datetimes(dt.datetime(2000, 1, 2), dt.datetime(2024, 12, 30)).map(lambda d: d.replace(microsecond=0))
# junk: anything but a line end (and, in CSV files, a quote, which may join lines into one record)
JUNK = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r\n"), max_size=30)
CSV_JUNK = st.text(st.characters(exclude_categories=("Cs",), exclude_characters='\r\n"'), max_size=30)


def blank(line: str) -> bool:
    return not (line[1:] if line.startswith("\ufeff") else line).strip()


@st.composite
def file_bytes(draw, lines: list[str], first: list[str] = ()):
    """``first`` then ``lines`` shuffled, each with its own line end, in one of the encodings."""
    lines = list(first) + draw(st.permutations(lines))
    ends = draw(st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=len(lines), max_size=len(lines)))
    text = "".join(line + end for line, end in zip(lines, ends))
    if draw(st.booleans()) and text:
        text = text[:-len(ends[-1])]  # no line end after the last line
    encoding = draw(st.sampled_from(list(ENCODINGS)))
    try:
        data = ENCODINGS[encoding](text)
    except UnicodeEncodeError:
        assume(False)
    return lines, data


def attlog_line(pin: str, when: dt.datetime, pad: int) -> str:
    return f"{pin:>{pad}}\t{when:%Y-%m-%d %H:%M:%S}\t1\t0\t1\t0"


@SETTINGS
@given(data=st.data(), punches=st.lists(st.tuples(st.integers(1, 99999).map(str), WHEN), max_size=30),
       junk=st.lists(JUNK, max_size=15))
def test_generated_attlog_loses_no_punch(tmp_path, data, punches, junk):
    again = data.draw(st.lists(st.sampled_from(punches), max_size=5)) if punches else []
    lines = [attlog_line(pin, when, data.draw(st.sampled_from([0, 5, 9]))) for pin, when in punches + again] + junk
    lines, raw = data.draw(file_bytes(lines))
    path = tmp_path / "attlog.dat"
    path.write_bytes(raw)
    result = import_punches("zkteco", [path])
    assert len(result.rows) + result.duplicates + len(result.rejects) == sum(not blank(line) for line in lines)
    assert set(punches) <= {(r[1], r[2]) for r in result.rows}
    assert result.duplicates >= len(again)


DINGTALK_HEADER = ["姓名", "考勤组", "部门", "工号", "职位", "UserId", "考勤日期", "考勤时间", "打卡时间", "打卡结果",
                   "打卡地址", "打卡备注", "异常打卡原因", "打卡设备", "管理员修改备注"]
NAMES = st.text(st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\r\n"), min_size=1, max_size=8)


@st.composite
def dingtalk_punch(draw):
    """A DingTalk 原始记录 row and the punch it stands for."""
    who = f"E{draw(st.integers(1, 500)):04d}"
    day = draw(st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 30)))
    at = draw(st.times()).replace(microsecond=0)
    style = draw(st.sampled_from(["hm", "hms", "next", "full"]))
    if style != "hms":
        at = at.replace(second=0)
    when = dt.datetime.combine(day, at)
    stamp = {"hm": f"{at:%H:%M}", "hms": f"{at:%H:%M:%S}", "next": f"次日 {at:%H:%M}",
             "full": f"{when:%Y-%m-%d %H:%M:%S}"}[style]
    if style == "next":
        when += dt.timedelta(days=1)
    weekday = "一二三四五六日"[day.weekday()]
    row = [draw(NAMES), "行政班", "电商部", who, "客服", "u" + who, f"{day:%y-%m-%d} 星期{weekday}", "08:30", stamp,
           draw(st.sampled_from(["正常", "迟到", "早退"])), draw(NAMES), "", "", "手机", ""]
    return row, (who, when)


def csv_line(row) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(row)
    return buffer.getvalue()


@SETTINGS
@given(data=st.data(), punches=st.lists(dingtalk_punch(), max_size=25), junk=st.lists(CSV_JUNK, max_size=15),
       title=st.booleans())
def test_generated_dingtalk_loses_no_punch(tmp_path, data, punches, junk, title):
    again = data.draw(st.lists(st.sampled_from(punches), max_size=5)) if punches else []
    first = (["原始记录 统计日期：2026-10-01 至 2026-10-31"] if title else []) + [csv_line(DINGTALK_HEADER)]
    lines, raw = data.draw(file_bytes([csv_line(row) for row, _ in punches + again] + junk, first))
    path = tmp_path / "钉钉原始记录.csv"
    path.write_bytes(raw)
    result = import_punches("dingtalk", [path])
    read = sum(not blank(line) for line in lines) - 1  # the header
    assert len(result.rows) + result.duplicates + len(result.rejects) == read
    assert {p for _, p in punches} <= {(r[0], r[2]) for r in result.rows}
    assert result.duplicates >= len(again)


TMALL_HEADER = ["订单编号", "总金额", "买家实际支付金额", "收货地址 ", "订单创建时间", "订单付款时间 ", "退款金额"]
PROVINCES = ["上海", "内蒙古自治区", "浙江省", "广东省", "北京", "新疆维吾尔自治区", "澳门特别行政区", "江苏省, 南京"]
MONEY = st.decimals(0, 100000, places=2).map(lambda d: d.quantize(Decimal("0.01")))


@st.composite
def tmall_order(draw, order_id: int):
    total = draw(MONEY)
    created = draw(WHEN)
    paid_at = draw(st.none() | st.just(created + dt.timedelta(seconds=draw(st.integers(0, 86400)))))
    paid = draw(st.sampled_from([total, Decimal("0.00"), (total / 2).quantize(Decimal("0.01"))]))
    refund = draw(st.sampled_from([Decimal("0.0"), paid]))
    row = [str(order_id), f"{total}", f"{paid}", draw(st.sampled_from(PROVINCES)), f"{created:%Y-%m-%d %H:%M:%S}",
           f"{paid_at:%Y-%m-%d %H:%M:%S}" if paid_at else "", f"{refund}"]
    expected = (str(order_id), int(total * 100), int(paid * 100), row[3], created, paid_at, int(refund * 100))
    return row, expected


@SETTINGS
@given(data=st.data(), n=st.integers(0, 25), junk=st.lists(CSV_JUNK, max_size=15))
def test_generated_tmall_loses_no_order(tmp_path, data, n, junk):
    orders = [data.draw(tmall_order(i)) for i in range(1, n + 1)]
    again = data.draw(st.lists(st.sampled_from(orders), max_size=5)) if orders else []
    lines, raw = data.draw(file_bytes([csv_line(row) for row, _ in orders + again] + junk, [csv_line(TMALL_HEADER)]))
    path = tmp_path / "tmall.csv"
    path.write_bytes(raw)
    result = import_orders("tmall", [path])
    read = sum(not blank(line) for line in lines) - 1
    assert len(result.rows) + result.duplicates + len(result.rejects) == read
    kept = {tuple(r[:7]) for r in result.rows}
    assert {expected for _, expected in orders} <= kept
    assert result.duplicates >= len(again)


QUOTED_JUNK = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r\n"), max_size=30).map(
    lambda t: t if '"' in t else '"' + t)


@SETTINGS
@given(data=st.data(), n=st.integers(1, 20), junk=st.lists(QUOTED_JUNK, min_size=1, max_size=6))
def test_junk_with_stray_quotes_takes_no_order_along(tmp_path, data, n, junk):
    orders = [data.draw(tmall_order(i)) for i in range(1, n + 1)]
    lines, raw = data.draw(file_bytes([csv_line(row) for row, _ in orders] + junk, [csv_line(TMALL_HEADER)]))
    path = tmp_path / "tmall.csv"
    path.write_bytes(raw)
    result = import_orders("tmall", [path])
    assert {expected for _, expected in orders} <= {tuple(r[:7]) for r in result.rows}
    assert len(result.rows) + result.duplicates + len(result.rejects) <= sum(not blank(line) for line in lines) - 1
