"""Hostile input for the importers, built from the real exports in ../shared/data: every line-end
convention, BOM and encoding gives the same punches and orders as the original; report cycles that
cross a month, DingTalk 次日, truncated files, huge fields, NUL bytes; a wrong --format, a binary,
empty, missing or unreadable file is one Chinese message and exit 1 — never a traceback."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import zipfile

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from conftest import SHARED_DATA
from ecomdept.inputs import importing
from ecomdept.cli import main
from ecomdept.inputs.order_import import import_orders
from ecomdept.inputs.punch_import import import_punches

ATTLOG = SHARED_DATA / "attendance" / "zkteco" / "attlog.dat"
XLS = SHARED_DATA / "attendance" / "zkteco_xls" / "campus-a.xls"
TMALL = SHARED_DATA / "orders" / "tmall" / "tmall_order_report.csv"
OLIST_ORDERS = SHARED_DATA / "orders" / "olist" / "olist_orders_dataset.csv"
TMALL_HEADER = "订单编号,总金额,买家实际支付金额,收货地址 ,订单创建时间,订单付款时间 ,退款金额"
DINGTALK_HEADER = ["姓名", "考勤组", "部门", "工号", "职位", "UserId", "考勤日期", "考勤时间", "打卡时间", "打卡结果",
                   "打卡地址", "打卡备注", "异常打卡原因", "打卡设备", "管理员修改备注"]

LINE_ENDS = {"LF": "\n", "CRLF": "\r\n", "CR": "\r"}
ENCODINGS = {  # name → text → bytes
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8-sig": lambda t: t.encode("utf-8-sig"),
    "gb18030": lambda t: t.encode("gb18030"),
    "utf-16": lambda t: t.encode("utf-16"),                      # this machine's order, with BOM
    "utf-16-le": lambda t: b"\xff\xfe" + t.encode("utf-16-le"),
    "utf-16-be": lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
}
VARIANTS = [(end, enc) for end in LINE_ENDS for enc in ENCODINGS]


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module", autouse=True)
def shared_data_untouched():
    """No importer run here changes a byte or the place of any real input file."""
    before = {p: sha(p) for p in SHARED_DATA.rglob("*") if p.is_file()}
    yield
    assert {p: sha(p) for p in SHARED_DATA.rglob("*") if p.is_file()} == before


def lines_of(path, count=None) -> list[str]:
    """The real file's lines (CRLF in both real text exports), as text."""
    text = path.read_bytes().decode("utf-8")
    lines = text.split("\r\n")
    if lines[-1] == "":
        lines.pop()
    return lines[:count] if count else lines


def write(path, lines: list[str], end: str = "\r\n", encoding: str = "utf-8", final: bool = True):
    path.write_bytes(ENCODINGS[encoding](end.join(lines) + (end if final else "")))
    return path


def punches(result) -> list[tuple]:
    return [(r[0], r[1], r[2]) for r in result.rows]


def reject_lines(result) -> list[tuple[int, str]]:
    return [(r.line, r.reason) for r in result.rejects]


# --- the same rows for every line end and encoding ---------------------------------------------

ATTLOG_SLICE = 2500  # includes line 1834, the one with 311,077 NUL bytes


@pytest.fixture(scope="module")
def attlog_slice(tmp_path_factory):
    lines = lines_of(ATTLOG, ATTLOG_SLICE)
    path = write(tmp_path_factory.mktemp("a") / "attlog.dat", lines)
    return lines, import_punches("zkteco", [path])


@pytest.mark.parametrize("end,encoding", VARIANTS)
def test_attlog_same_punches_for_every_line_end_and_encoding(tmp_path, attlog_slice, end, encoding):
    lines, expected = attlog_slice
    result = import_punches("zkteco", [write(tmp_path / "attlog.dat", lines, LINE_ENDS[end], encoding)])
    assert punches(result) == punches(expected) and len(result.rows) > 2000
    assert result.duplicates == expected.duplicates
    assert reject_lines(result) == reject_lines(expected)
    assert any("NUL" in r.reason and r.line == 1834 for r in result.rejects)


@pytest.mark.parametrize("end,encoding", [("CR", "utf-16-le"), ("LF", "utf-16-be"), ("CR", "gb18030")])
def test_the_whole_real_attlog_re_encoded(tmp_path, end, encoding):
    result = import_punches("zkteco", [write(tmp_path / "attlog.dat", lines_of(ATTLOG), LINE_ENDS[end], encoding)])
    assert (len(result.rows), result.duplicates, len(result.rejects)) == (34594, 1833, 89)


@pytest.fixture(scope="module")
def tmall_slice(tmp_path_factory):
    lines = lines_of(TMALL, 1500)
    return lines, import_orders("tmall", [write(tmp_path_factory.mktemp("t") / "t.csv", lines)])


@pytest.mark.parametrize("end,encoding", VARIANTS)
def test_tmall_same_orders_for_every_line_end_and_encoding(tmp_path, tmall_slice, end, encoding):
    lines, expected = tmall_slice
    result = import_orders("tmall", [write(tmp_path / "t.csv", lines, LINE_ENDS[end], encoding)])
    assert result.rows == expected.rows and len(result.rows) == 1499
    assert result.rejects == [] and result.duplicates == 0


def test_the_whole_real_tmall_file_as_gbk_with_cr(tmp_path):
    result = import_orders("tmall", [write(tmp_path / "t.csv", lines_of(TMALL), "\r", "gb18030")])
    assert len(result.rows) == 28010 and result.rejects == []


def dingtalk_rows() -> list[list[str]]:
    row = ["张三", "行政班", "电商部", "E0001", "美工", "u1", "2026-10-12 星期一", "08:30", "08:29", "正常",
           "杭州市西湖区", "", "", "手机", ""]
    rows = [DINGTALK_HEADER, row,
            row[:8] + ["18:05"] + row[9:],
            row[:3] + ["E0002"] + row[4:8] + ["次日 02:03"] + row[9:],
            row[:3] + ["E0003"] + row[4:6] + ["2026-10-31"] + row[7:8] + ["次日 00:10"] + row[9:],
            row[:3] + ["E0004"] + row[4:8] + ["2026-10-12 18:01:30"] + row[9:],
            row[:3] + ["E0005"] + row[4:8] + [""] + ["未打卡"] + row[10:],
            row[:3] + ["E0006"] + row[4:8] + ["8点"] + row[9:]]
    return rows


DINGTALK_EXPECTED = [("E0001", None, dt.datetime(2026, 10, 12, 8, 29)),
                     ("E0004", None, dt.datetime(2026, 10, 12, 18, 1, 30)),
                     ("E0001", None, dt.datetime(2026, 10, 12, 18, 5)),
                     ("E0002", None, dt.datetime(2026, 10, 13, 2, 3)),
                     ("E0003", None, dt.datetime(2026, 11, 1, 0, 10))]


def csv_lines(rows) -> list[str]:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().split("\n")[:-1]


@pytest.mark.parametrize("end,encoding", VARIANTS)
def test_dingtalk_same_punches_for_every_line_end_and_encoding(tmp_path, end, encoding):
    path = write(tmp_path / "钉钉.csv", csv_lines(dingtalk_rows()), LINE_ENDS[end], encoding)
    result = import_punches("dingtalk", [path])
    assert punches(result) == DINGTALK_EXPECTED
    assert [r.line for r in result.rejects] == [7, 8]


# --- DingTalk 次日: the next day, across month, year and leap day -------------------------------

@pytest.mark.parametrize("day,stamp,expected", [
    ("2026-10-12 星期一", "次日 02:03", dt.datetime(2026, 10, 13, 2, 3)),
    ("2026-10-12", "次日02:03", dt.datetime(2026, 10, 13, 2, 3)),
    ("2026-10-12", "次日 02:03:15", dt.datetime(2026, 10, 13, 2, 3, 15)),
    ("2026-10-31", "次日 01:00", dt.datetime(2026, 11, 1, 1, 0)),
    ("2026-12-31", "次日 23:59", dt.datetime(2027, 1, 1, 23, 59)),
    ("2028-02-28", "次日 06:00", dt.datetime(2028, 2, 29, 6, 0)),
    ("2027-02-28", "次日 06:00", dt.datetime(2027, 3, 1, 6, 0)),
    ("26-10-12 星期一", "次日 ０２:０３", dt.datetime(2026, 10, 13, 2, 3)),
    ("2026/10/12", "02:03", dt.datetime(2026, 10, 12, 2, 3)),
    ("2026年10月12日", "第二天 07:30", dt.datetime(2026, 10, 13, 7, 30)),
])
def test_dingtalk_next_day(tmp_path, day, stamp, expected):
    path = tmp_path / "d.csv"
    path.write_text(f"姓名,工号,考勤日期,打卡时间,打卡结果\n甲,E1,{day},{stamp},正常\n", encoding="utf-8")
    result = import_punches("dingtalk", [path])
    assert punches(result) == [("E1", None, expected)] and result.rejects == []


def test_dingtalk_workbook_with_time_cells_and_next_day(tmp_path):
    path = tmp_path / "钉钉原始记录.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("原始记录")
    time_format = book.add_format({"num_format": "hh:mm"})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["姓名", "工号", "考勤日期", "打卡时间", "打卡结果"])
    sheet.write_row(1, 0, ["甲", "E1"])
    sheet.write_datetime(1, 2, dt.datetime(2026, 10, 12), date_format)
    sheet.write_datetime(1, 3, dt.datetime(1899, 12, 31, 8, 29), time_format)
    sheet.write_row(2, 0, ["甲", "E1", "2026-10-12", "次日 02:03", "正常"])
    book.close()
    result = import_punches(None, [path])
    assert [r[2] for r in result.rows] == [dt.datetime(2026, 10, 12, 8, 29), dt.datetime(2026, 10, 13, 2, 3)]


# --- ZKTeco 考勤记录表: the day row of a cycle that crosses a month ---------------------------------

def report(path, start: dt.date, end: dt.date, days: list[int] | None = None):
    """The real campus-a report re-made for another period, every day 09:00 and 18:00 for Mary."""
    rows = [list(r) for r in CalamineWorkbook.from_path(str(XLS)).get_sheet_by_name("Sheet1").to_python()]
    span = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    rows[2][2] = f"{start} ~ {end}"
    rows[3] = days or [d.day for d in span]
    rows[5] = ["09:0018:00"] * len(rows[3])
    rows[7] = rows[7][:len(rows[3])]
    rows[9] = rows[9][:len(rows[3])]
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Sheet1")
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value != "":
                sheet.write(i, j, value)
    book.close()
    return span


@pytest.mark.parametrize("start,end", [
    (dt.date(2017, 7, 1), dt.date(2017, 7, 7)),
    (dt.date(2017, 7, 10), dt.date(2017, 8, 10)),    # 10th to 10th: the 10 appears twice
    (dt.date(2017, 7, 10), dt.date(2017, 8, 9)),
    (dt.date(2017, 12, 26), dt.date(2018, 1, 25)),   # across a year end
    (dt.date(2019, 12, 10), dt.date(2020, 1, 10)),
    (dt.date(2020, 1, 31), dt.date(2020, 3, 1)),     # a leap February
    (dt.date(2019, 2, 10), dt.date(2019, 3, 10)),    # no 29th to 31st in February
    (dt.date(2017, 11, 16), dt.date(2017, 12, 15)),
    (dt.date(2017, 12, 1), dt.date(2017, 12, 31)),
])
def test_report_cycle_dates(tmp_path, start, end):
    span = report(tmp_path / "report.xlsx", start, end)
    result = import_punches("zkteco-xls", [tmp_path / "report.xlsx"])
    mary = sorted(r[2] for r in result.rows if r[1] == "7")
    assert mary == sorted(dt.datetime.combine(d, t) for d in span for t in (dt.time(9), dt.time(18)))
    assert all(start <= r[2].date() <= end for r in result.rows)
    assert result.rejects == [] and result.duplicates == 0


def test_report_day_outside_its_period_is_rejected_not_re_dated(tmp_path):
    report(tmp_path / "r.xlsx", dt.date(2017, 7, 10), dt.date(2017, 7, 12), days=[10, 11, 12, 13])
    result = import_punches("zkteco-xls", [tmp_path / "r.xlsx"])
    assert sorted({r[2].date() for r in result.rows if r[1] == "7"}) == [dt.date(2017, 7, d) for d in (10, 11, 12)]
    assert [(r.line, "不在考勤时间" in r.reason) for r in result.rejects] == [(6, True), (8, True), (10, True)]


# --- truncated files: the good rows kept, the broken tail rejected with its line number ----------

@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "utf-16-le"])
@pytest.mark.parametrize("cut", ["mid-character", "mid-date", "mid-time", "after-province"])
def test_tmall_cut_keeps_the_good_rows(tmp_path, tmall_slice, encoding, cut):
    lines, expected = tmall_slice
    whole = ENCODINGS[encoding]("\r\n".join(lines[:800]) + "\r\n")
    last = lines[800]  # e.g. 800,…,江苏省,2020-02-20 …
    province_at = last.index(",", last.index(",", last.index(",") + 1) + 1) + 1
    keep = {"mid-character": province_at + 1, "mid-date": last.index("-") + 3,
            "mid-time": last.index(":") + 2, "after-province": last.index(",", province_at) + 1}[cut]
    tail = ENCODINGS[encoding](last)[:len(ENCODINGS[encoding](last[:keep]))]
    if cut == "mid-character":
        tail = tail[:-1]  # half of a Chinese character
        if encoding.startswith("utf-16"):
            tail = ENCODINGS[encoding](last[:keep])[2:-1]
    else:
        tail = tail[2:] if encoding.startswith("utf-16") else tail
    path = tmp_path / "cut.csv"
    path.write_bytes(whole + tail)
    result = import_orders("tmall", [path])
    assert result.rows == sorted([r for r in expected.rows if int(r[0]) < 800], key=lambda r: (r[4], r[0]))
    assert [r.line for r in result.rejects] == [801]


@pytest.mark.parametrize("cut", [5, 12, 17, 18])  # characters after the tab: "2020-", … "2020-12-01 07:56:3"
def test_attlog_cut_mid_line(tmp_path, cut):
    lines = lines_of(ATTLOG, 50)
    path = tmp_path / "attlog.dat"
    path.write_bytes(("\r\n".join(lines[:49]) + "\r\n" + lines[49][:lines[49].index("\t") + 1 + cut]).encode())
    result = import_punches("zkteco", [path])
    assert len(result.rows) + result.duplicates == 49 and [r.line for r in result.rejects] == [50]


@pytest.mark.parametrize("cut", ["08:", "08:2", "2026-10-12 08:2", "2026-10-1"])
def test_dingtalk_cut_in_the_time_is_rejected(tmp_path, cut):
    path = tmp_path / "d.csv"
    path.write_text("姓名,工号,考勤日期,打卡时间\n甲,E1,2026-10-12,08:29\n甲,E1,2026-10-12," + cut, encoding="utf-8")
    result = import_punches("dingtalk", [path])
    assert punches(result) == [("E1", None, dt.datetime(2026, 10, 12, 8, 29))] and [r.line for r in result.rejects] == [3]


# --- huge fields, unclosed quotes, NUL bytes ---------------------------------------------------

def tmall_file(path, body: list[str]):
    path.write_text("\n".join([TMALL_HEADER] + body) + "\n", encoding="utf-8")
    return path


GOOD = "2,21.0,21.0,内蒙古自治区,2020-02-20 23:59:54,2020-02-21 00:00:02,0.0"


@pytest.mark.parametrize("size", [131_073, 200_000, 1_000_000])
def test_a_huge_field_in_a_column_not_used_is_kept(tmp_path, size):
    path = tmp_path / "t.csv"
    path.write_text(TMALL_HEADER + ",备注\n" + "1,1.0,1.0,上海,2020-02-01 10:00:00,,0," + "x" * size + "\n"
                    + GOOD + ",\n", encoding="utf-8")
    result = import_orders("tmall", [path])
    assert [r[0] for r in result.rows] == ["1", "2"] and result.rejects == []


def test_a_huge_address_is_rejected_and_the_rest_kept(tmp_path, capsys):
    path = tmall_file(tmp_path / "t.csv", ["1,1.0,1.0," + "上" * 131_073 + ",2020-02-01 10:00:00,,0", GOOD])
    assert main(["import", "orders", "--format", "tmall", str(path), "-o", str(tmp_path / "o.xlsx")]) == 0
    assert "保留 1 行，合并重复 0 行，拒绝 1 行" in capsys.readouterr().out
    assert csv_rows(tmp_path / "o.rejects.csv")[0]["行号"] == "2"


def test_a_huge_dingtalk_remark_is_kept(tmp_path):
    rows = dingtalk_rows()[:2]
    rows[1][11] = "备注" * 100_000
    path = tmp_path / "d.csv"
    path.write_text("\n".join(csv_lines(rows)), encoding="utf-8")
    assert punches(import_punches("dingtalk", [path])) == [("E0001", None, dt.datetime(2026, 10, 12, 8, 29))]


@pytest.mark.parametrize("junk", ['"3,30.0,30.0,上海,2020-02-01 10:00:00,,0', '3,30.0,30.0,"上海,2020-02-01 10:00:00,,0',
                                  '"', '"""', '3,"上海"x,1'])
def test_an_unclosed_quote_spoils_only_its_own_line(tmp_path, junk):
    body = [GOOD.replace("2,", f"{n},", 1) for n in range(10, 15)]
    path = tmall_file(tmp_path / "t.csv", body[:2] + [junk] + body[2:])
    result = import_orders("tmall", [path])
    assert sorted(r[0] for r in result.rows) == ["10", "11", "12", "13", "14"]
    assert [r.line for r in result.rejects] == [4]


def test_a_stray_quote_later_on_does_not_swallow_the_rows_between(tmp_path):
    body = [GOOD.replace("2,", f"{n},", 1) for n in range(10, 14)]
    path = tmall_file(tmp_path / "t.csv", [body[0], '"坏的一行', body[1], body[2], '尾巴"', body[3]])
    result = import_orders("tmall", [path])
    assert sorted(r[0] for r in result.rows) == ["10", "11", "12", "13"]
    assert [r.line for r in result.rejects] == [3, 6]


def test_a_quoted_field_over_several_lines_is_one_row(tmp_path):
    path = tmall_file(tmp_path / "t.csv", ['1,1.0,1.0,"上海\n浦东\r\n新区",2020-02-01 10:00:00,,0', GOOD])
    result = import_orders("tmall", [path])
    assert [r[3] for r in result.rows] == ["上海\n浦东\n新区", "内蒙古自治区"] and result.rejects == []


@pytest.mark.parametrize("where", ["start", "inside", "end", "whole-line"])
def test_nul_bytes_in_a_tmall_file(tmp_path, where):
    line = {"start": "\x00" * 50 + GOOD, "inside": GOOD.replace("内蒙古", "内蒙\x00\x00古"),
            "end": GOOD + "\x00" * 10, "whole-line": "\x00" * 300}[where]
    path = tmall_file(tmp_path / "t.csv", ["1,1.0,1.0,上海,2020-02-01 10:00:00,,0", line])
    result = import_orders("tmall", [path])
    kept = {r[0] for r in result.rows}
    if where == "whole-line":
        assert kept == {"1"} and [r.line for r in result.rejects] == [3]
    else:
        assert kept == {"1", "2"} and result.rejects == []


@pytest.mark.parametrize("nul", ["\x00" * 4096, "\x00", "\x00\t\x00"])
def test_nul_bytes_in_an_attlog(tmp_path, nul):
    lines = lines_of(ATTLOG, 10)
    path = tmp_path / "a.dat"
    path.write_bytes(("\r\n".join(lines[:5] + [nul] + lines[5:]) + "\r\n").encode())
    result = import_punches("zkteco", [path])
    assert len(result.rows) == 10 and [r.line for r in result.rejects] == [6]


# --- one clear message and exit 1: wrong --format, binary, empty, missing, unreadable -----------

def csv_rows(path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def run(capsys, *args):
    code = main(["import", *map(str, args)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err.strip()


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """One file of each export, as the importers know them."""
    folder = tmp_path_factory.mktemp("exports")
    ding = folder / "钉钉.csv"
    ding.write_text("\n".join(csv_lines(dingtalk_rows())), encoding="utf-8")
    return {"zkteco": ATTLOG, "zkteco-xls": XLS, "dingtalk": ding, "tmall": TMALL, "olist": OLIST_ORDERS}


KINDS = {"zkteco": "punches", "zkteco-xls": "punches", "dingtalk": "punches", "tmall": "orders", "olist": "orders"}
LABELS = {"zkteco": "attlog", "zkteco-xls": "考勤记录表", "dingtalk": "原始记录", "tmall": "天猫订单报表", "olist": "Olist"}


@pytest.mark.parametrize("actual,given", [(a, g) for a in KINDS for g in KINDS if a != g])
def test_a_wrong_format_names_the_one_it_looks_like(tmp_path, capsys, exports, actual, given):
    out = tmp_path / "o.xlsx"
    code, _, err = run(capsys, KINDS[given], "--format", given, exports[actual], "-o", out)
    assert code == 1 and len(err.splitlines()) == 1
    assert "看起来是" in err and LABELS[actual] in err and f"--format {actual}" in err
    if KINDS[actual] != KINDS[given]:
        assert f"ecomdept import {KINDS[actual]}" in err
    assert not out.exists() and not (tmp_path / "o.rejects.csv").exists()


@pytest.mark.parametrize("actual", list(KINDS))
def test_without_format_the_content_decides(tmp_path, capsys, exports, actual):
    code, out, _ = run(capsys, KINDS[actual], exports[actual], "-o", tmp_path / "o.xlsx")
    assert code == 0 and ("打卡导入：保留" if KINDS[actual] == "punches" else "订单导入：保留") in out


def png(path):
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)


def random_bytes(path):
    path.write_bytes(hashlib.sha512(b"seed").digest() * 200)


def zip_not_xlsx(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "不是工作簿")


def every_byte(path):
    path.write_bytes(bytes(range(256)) * 40)


def high_bytes(path):
    path.write_bytes(bytes(range(128, 256)) * 50)


def elf(path):
    path.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(500))


BAD_FILES = {"png": png, "random": random_bytes, "zip": zip_not_xlsx, "every-byte": every_byte, "high-bytes": high_bytes,
             "elf": elf}


@pytest.mark.parametrize("kind,fmt", [("punches", "zkteco"), ("punches", "dingtalk"), ("punches", "zkteco-xls"),
                                      ("orders", "tmall"), ("orders", "olist"), ("punches", None)])
@pytest.mark.parametrize("make", list(BAD_FILES))
def test_a_binary_file_is_refused_with_one_message(tmp_path, capsys, kind, fmt, make):
    path = tmp_path / ("x.xlsx" if make == "zip" else "x.dat")
    BAD_FILES[make](path)
    code, _, err = run(capsys, kind, *(["--format", fmt] if fmt else []), path, "-o", tmp_path / "o.xlsx")
    assert code == 1 and "不是" in err and "文件" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "o.xlsx").exists()


def empty(path):
    path.write_bytes(b"")


def only_bom(path):
    path.write_bytes(b"\xef\xbb\xbf\r\n\r\n")


def only_nul(path):
    path.write_bytes(b"\x00" * 1000)


def utf16_bom_only(path):
    path.write_bytes(b"\xff\xfe")


def blank_lines(path):
    path.write_bytes(b" \r\n\t\r\n\r\r\n")


EMPTY_FILES = {"empty": empty, "bom": only_bom, "nul": only_nul, "utf16-bom": utf16_bom_only, "blank": blank_lines}


@pytest.mark.parametrize("kind,fmt", [("punches", "zkteco"), ("punches", "dingtalk"), ("orders", "tmall"),
                                      ("orders", "olist")])
@pytest.mark.parametrize("make", list(EMPTY_FILES))
def test_an_empty_file_is_exit_1(tmp_path, capsys, kind, fmt, make):
    path = tmp_path / "x.csv"
    EMPTY_FILES[make](path)
    code, _, err = run(capsys, kind, "--format", fmt, path, "-o", tmp_path / "o.xlsx")
    assert code == 1 and "空文件" in err
    assert not (tmp_path / "o.xlsx").exists()


@pytest.mark.parametrize("kind,fmt,text", [
    ("punches", "zkteco", "这不是打卡记录\n1971--10--29 -23:-59:-53\n"),
    ("punches", "dingtalk", "姓名,工号,考勤日期,打卡时间\n甲,E1,2026-10-12,\n"),
    ("orders", "tmall", TMALL_HEADER + "\n"),
    ("orders", "tmall", TMALL_HEADER + "\n1,十元,0,上海,昨天,,0\n"),
])
def test_nothing_usable_is_exit_1_and_writes_nothing(tmp_path, capsys, kind, fmt, text):
    path = tmp_path / "x.csv"
    path.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, kind, "--format", fmt, path, "-o", tmp_path / "o.xlsx")
    assert code == 1 and "没有" in err and path.name in err
    assert not (tmp_path / "o.xlsx").exists() and not (tmp_path / "o.rejects.csv").exists()


def missing(tmp_path):
    return tmp_path / "没有这个文件.dat"


def folder(tmp_path):
    (tmp_path / "文件夹").mkdir()
    return tmp_path / "文件夹"


def fifo(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    return tmp_path / "pipe"


def broken_link(tmp_path):
    (tmp_path / "link.dat").symlink_to(tmp_path / "gone.dat")
    return tmp_path / "link.dat"


def under_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    return tmp_path / "f" / "attlog.dat"


def device(tmp_path):
    return "/dev/null"


NOT_FILES = {"missing": (missing, "找不到"), "folder": (folder, "文件夹"), "fifo": (fifo, "不是普通文件"),
             "broken-link": (broken_link, "找不到"), "under-a-file": (under_a_file, "找不到"),
             "device": (device, "不是普通文件")}


@pytest.mark.parametrize("kind,fmt", [("punches", "zkteco"), ("orders", "tmall"), ("punches", None)])
@pytest.mark.parametrize("name", list(NOT_FILES))
def test_a_path_that_is_no_readable_file(tmp_path, capsys, kind, fmt, name):
    make, words = NOT_FILES[name]
    code, _, err = run(capsys, kind, *(["--format", fmt] if fmt else []), make(tmp_path), "-o", tmp_path / "o.xlsx")
    assert code == 1 and words in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("kind", ["punches", "orders"])
def test_an_unreadable_file(tmp_path, capsys, monkeypatch, kind):
    path = tmp_path / "x.csv"
    path.write_text(TMALL_HEADER + "\n", encoding="utf-8")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))
    monkeypatch.setattr(importing, "open", refuse, raising=False)
    code, _, err = run(capsys, kind, path, "-o", tmp_path / "o.xlsx")
    assert code == 1 and "没有读取权限" in err


def test_an_unreadable_roster_workbook(tmp_path, capsys):
    bad = tmp_path / "master.xlsx"
    bad.write_bytes(b"PK\x03\x04 broken")
    code, _, err = run(capsys, "punches", "--format", "zkteco-xls", XLS, "--workbook", bad, "-o", tmp_path / "o.xlsx")
    assert code == 1 and "花名册" in err


def test_an_unknown_format_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["import", "punches", "--format", "excel", str(ATTLOG), "-o", str(tmp_path / "o.xlsx")])
    assert exit_.value.code == 2 and "未知的格式" in capsys.readouterr().err


def test_what_a_file_holds_is_shown_not_run_by_the_terminal(tmp_path, capsys):
    path = tmp_path / "x.csv"
    path.write_text("名\x1b[2J\u202e,金额\n1,2\n", encoding="utf-8")
    code, _, err = run(capsys, "orders", "--format", "olist", path, "-o", tmp_path / "o.xlsx")
    assert code == 1 and "\x1b" not in err and "\u202e" not in err and "\\x1b" in err


@pytest.mark.parametrize("text", ["GIF8 不是图片\n1\t2\n", "\x01\x02\x03\x04\x05\x06\x07\x08" * 20 + "\n"])
def test_text_with_a_signature_or_control_characters_is_read_line_by_line(tmp_path, capsys, text):
    path = tmp_path / "x.dat"
    path.write_text(text, encoding="utf-8")
    result = import_punches("zkteco", [path])
    assert result.rows == [] and len(result.rejects) == len([line for line in text.splitlines() if line.strip()])
    code, _, err = run(capsys, "punches", "--format", "zkteco", path, "-o", tmp_path / "o.xlsx")
    assert code == 1 and "不是" in err and "文件" in err


def test_an_unknown_file_without_format_says_so(tmp_path, capsys):
    path = tmp_path / "notes.txt"
    path.write_text("会议纪要\n第二行\n", encoding="utf-8")
    for kind in ("punches", "orders"):
        code, _, err = run(capsys, kind, path, "-o", tmp_path / "o.xlsx")
        assert code == 1 and "无法识别" in err and "不是支持的" in err


@pytest.mark.parametrize("days", [["10日", "11日", "12日"], ["10", "11", "12"], [10.0, 11.0, 12.0]])
def test_report_day_numbers_as_text_or_numbers(tmp_path, days):
    report(tmp_path / "r.xlsx", dt.date(2017, 7, 10), dt.date(2017, 7, 12), days=days)
    result = import_punches("zkteco-xls", [tmp_path / "r.xlsx"])
    assert sorted({r[2].date() for r in result.rows if r[1] == "7"}) == [dt.date(2017, 7, d) for d in (10, 11, 12)]
