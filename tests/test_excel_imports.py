"""The 导入打卡 / 导入订单 buttons on an open book: the CLI's importers, a backup first, rows placed
into 打卡 / 订单 without duplicates, rejects in 导入问题, a summary in the status bar and a box."""

import datetime as dt
import shutil

import pytest

from conftest import SHARED_DATA
from ecomdept.excel import buttons
from ecomdept.excel.filebook import FileBook
from ecomdept.excel.workbook import excel_value
from ecomdept.inputs.punch_import import import_punches

ATTLOG = SHARED_DATA / "attendance" / "zkteco" / "attlog.dat"
XLS = SHARED_DATA / "attendance" / "zkteco_xls" / "campus-a.xls"
TMALL = SHARED_DATA / "orders" / "tmall" / "tmall_order_report.csv"


@pytest.fixture()
def book(sample_path, tmp_path):
    copy = tmp_path / "主工作簿.xlsx"
    shutil.copy(sample_path, copy)
    return FileBook(copy)


def rows_of(book, name):
    return [r for r in book.sheets[name].cells[1:] if any(v not in (None, "") for v in r)]


def test_punches_from_a_real_clock_log_are_added_once(book, tmp_path):
    before = rows_of(book, "打卡")
    others = {s.name: [list(r) for r in s.cells] for s in book.sheets if s.name != "打卡"}
    book.app.choose_files = lambda title, file_filter: [str(ATTLOG)]
    merge = buttons.import_punches(book)
    expected = import_punches("zkteco", [ATTLOG])
    after = rows_of(book, "打卡")
    assert len(after) == len(before) + len(expected.rows) == len(before) + len(merge.appended)
    assert after[:len(before)] == before                         # rows already there are untouched
    header = book.sheets["打卡"].cells[0]
    added = after[len(before):]
    assert {r[header.index("考勤号")] for r in added} == {r[1] for r in expected.rows}
    assert all(isinstance(r[header.index("打卡时间")], dt.datetime) for r in added)
    issues = book.sheets["导入问题"].cells
    assert issues[0] == ["文件", "行号", "原因", "内容"] and len(issues) - 1 == len(expected.rejects) > 0
    backups = list(tmp_path.glob("主工作簿.备份-*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == (tmp_path / "主工作簿.xlsx").read_bytes()
    assert f"新增 {len(expected.rows):,} 行" in book.app.alerts[-1] and backups[0].name in book.app.alerts[-1]
    assert any(f"拒绝 {len(expected.rejects):,} 行" in str(m) for m in book.app.status_history)
    for s in book.sheets:
        if s.name in others:
            assert s.cells == others[s.name], f"导入改动了 {s.name}"

    again = buttons.import_punches(book)                         # the same file again: nothing new
    assert not again.appended and len(rows_of(book, "打卡")) == len(after)
    assert f"已在表中 {len(expected.rows):,} 行" in book.app.alerts[-1]
    assert len(list(tmp_path.glob("主工作簿.备份-*.xlsx"))) == 2   # every import backs up first


def test_report_xls_punches_fill_the_roster_ids(book):
    roster = book.sheets["员工"].cells
    head = roster[0]
    roster[1][head.index("考勤号")] = "8"                        # PIN 8 is in the report
    merge = buttons.import_punches(book, files=[XLS])
    header = book.sheets["打卡"].cells[0]
    mine = [r for r in merge.appended if r[header.index("考勤号")] == "8"]
    assert mine and {r[header.index("工号")] for r in mine} == {roster[1][head.index("工号")]}


def test_orders_are_added_then_updated_by_a_newer_export(book):
    before = rows_of(book, "订单")
    merge = buttons.import_orders(book, files=[TMALL])
    assert len(rows_of(book, "订单")) == len(before) + 28010 == len(before) + len(merge.appended)
    header = book.sheets["订单"].cells[0]
    first = rows_of(book, "订单")[len(before)]
    assert isinstance(first[header.index("总金额")], float)      # yuan in cells, not fen
    again = buttons.import_orders(book, files=[TMALL])
    assert not again.appended and len(again.updated) == 28010
    assert len(rows_of(book, "订单")) == len(before) + 28010
    assert "更新 28,010 行" in book.app.alerts[-1]


def test_a_cancelled_dialog_or_an_unknown_file_changes_nothing(book, tmp_path):
    cells = {s.name: [list(r) for r in s.cells] for s in book.sheets}
    book.app.choose_files = lambda title, file_filter: []
    assert buttons.import_punches(book) is None
    junk = tmp_path / "junk.txt"
    junk.write_text("这不是打卡记录\n", encoding="utf-8")
    assert buttons.import_punches(book, files=[junk]) is None
    assert "导入失败，工作簿未改动" in book.app.alerts[-1] and "无法识别" in book.app.alerts[-1]
    assert buttons.import_orders(book, files=[ATTLOG]) is None
    assert {s.name: s.cells for s in book.sheets} == cells
    assert not list(tmp_path.glob("*.备份-*"))


def test_text_that_excel_would_run_is_written_as_text():
    assert excel_value("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert excel_value("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0"
    assert excel_value("@SUM(A1)") == "'@SUM(A1)"
    assert excel_value("-小明") == "'-小明"                     # Excel keeps the apostrophe out of the value
    assert excel_value(-8882.0) == -8882.0 and excel_value("小明") == "小明"


def test_hostile_ids_arrive_in_the_sheet_exactly(book, tmp_path):
    export = tmp_path / "钉钉原始记录.csv"
    export.write_text("姓名,工号,考勤日期,打卡时间,打卡结果\n"
                      "甲,=HYPERLINK(\"http://x\"),2026-10-08,2026-10-08 08:29:00,正常\n"
                      "乙,-小明,2026-10-08,2026-10-08 08:30:00,正常\n", encoding="utf-8")
    merge = buttons.import_punches(book, files=[export])
    header = book.sheets["打卡"].cells[0]
    ids = {r[header.index("工号")] for r in rows_of(book, "打卡")[-2:]}
    assert len(merge.appended) == 2 and ids == {"=HYPERLINK(\"http://x\")", "-小明"}
