"""Importers against the real clock exports in ../shared/data/attendance (see its README)."""

import csv
import datetime as dt
import re

import pytest
from python_calamine import CalamineWorkbook

from conftest import SHARED_DATA
from ecomdept.cli import main
from ecomdept.inputs.punch_import import import_punches
from ecomdept.inputs.schema import PUNCHES
from ecomdept.inputs.workbook_io import read_sheet

ATTLOG = SHARED_DATA / "attendance" / "zkteco" / "attlog.dat"
XLS = [SHARED_DATA / "attendance" / "zkteco_xls" / f"campus-{x}.xls" for x in "ab"]


def independent_attlog_punches() -> set[tuple[str, dt.datetime]]:
    """A second, plain reading of the attlog: every line that holds a PIN and a real timestamp."""
    found = set()
    for raw in ATTLOG.read_bytes().split(b"\r\n"):
        parts = raw.decode("latin-1").split("\t")
        if len(parts) < 2 or not parts[0].strip().isdigit():
            continue
        try:
            when = dt.datetime.strptime(parts[1], "%Y-%m-%d %H:%M:%S")
        except ValueError:
            continue
        found.add((parts[0].strip(), when))
    return found


def test_real_zkteco_attlog_counts():
    result = import_punches("zkteco", [ATTLOG])
    assert len(result.rows) == 34594
    assert result.duplicates == 1833
    assert len(result.rejects) == 89
    assert len(result.rows) + result.duplicates + len(result.rejects) == 36516  # every non-empty line accounted for
    kept = {(r[1], r[2]) for r in result.rows}
    assert kept == independent_attlog_punches()  # no valid punch lost
    assert len({r[1] for r in result.rows}) == 180
    by_line = {r.line: r for r in result.rejects}
    assert "NUL" in by_line[1834].reason and "311077 个 NUL 字节" in by_line[1834].content
    assert "1971--10--29" in by_line[6401].content


def test_attlog_cli_writes_sheet_rejects_and_summary(tmp_path, capsys):
    out = tmp_path / "punches.xlsx"
    assert main(["import", "punches", "--format", "zkteco", str(ATTLOG), "-o", str(out)]) == 0
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert summary.startswith("打卡导入：保留 34,594 行，合并重复 1,833 行，拒绝 89 行")
    with open(tmp_path / "punches.rejects.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 89 and rows[0]["行号"] == "1834"
    book = CalamineWorkbook.from_path(str(out))
    issues = []
    frame = read_sheet(PUNCHES, book.get_sheet_by_name("打卡").to_python(), issues)
    assert issues == [] and len(frame) == 34594


def test_zkteco_report_xls_splits_glued_punches():
    result = import_punches("zkteco-xls", XLS)
    assert len(result.rows) == 28 and result.rejects == [] and result.duplicates == 0
    stamps = {(r[1], r[2]) for r in result.rows}
    assert ("7", dt.datetime(2017, 7, 2, 9, 34)) in stamps and ("7", dt.datetime(2017, 7, 2, 21, 24)) in stamps
    assert ("8", dt.datetime(2017, 7, 3, 7, 0)) in stamps and ("8", dt.datetime(2017, 7, 3, 19, 0)) in stamps
    mary = sorted(t for pin, t in stamps if pin == "7")
    assert len(mary) == 9  # 8 in campus A, 1 in campus B


def test_roster_mapping_reports_unknown_pins():
    result = import_punches("zkteco-xls", XLS, roster={"7": "E0007", "8": "E0008"})
    assert {r[0] for r in result.rows} == {"E0007", "E0008", None}
    assert any("1 个考勤号不在花名册中（9）" in n for n in result.notes)


def _dingtalk_rows():
    header = ["姓名", "考勤组", "部门", "工号", "职位", "UserId", "考勤日期", "考勤时间", "打卡时间", "打卡结果",
              "打卡地址", "打卡备注", "异常打卡原因", "打卡设备", "管理员修改备注"]
    rows = [header,
            ["张三", "行政班", "电商部", "E0001", "美工", "u1", "26-10-12 星期一", "08:30", "08:29", "正常", "", "", "", "", ""],
            ["张三", "行政班", "电商部", "E0001", "美工", "u1", "26-10-12 星期一", "18:00", "18:05", "正常", "", "", "", "", ""],
            ["张三", "行政班", "电商部", "E0001", "美工", "u1", "26-10-12 星期一", "18:00", "18:05", "正常", "", "", "", "", ""],
            ["李四", "行政班", "电商部", "E0002", "客服", "u2", "26-10-12 星期一", "08:30", "", "未打卡", "", "", "", "", ""],
            ["李四", "行政班", "电商部", "E0002", "客服", "u2", "26-10-12 星期一", "18:00", "2026-10-12 18:01:30", "正常",
             "", "", "", "", ""],
            ["王五", "行政班", "电商部", "E0003", "客服", "u3", "坏日期", "08:30", "08:31", "迟到", "", "", "", "", ""]]
    return rows


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_dingtalk_csv(tmp_path, encoding):
    path = tmp_path / "dingtalk.csv"
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(_dingtalk_rows())
    result = import_punches("dingtalk", [path])
    assert [(r[0], r[2]) for r in result.rows] == [
        ("E0001", dt.datetime(2026, 10, 12, 8, 29)), ("E0002", dt.datetime(2026, 10, 12, 18, 1, 30)),
        ("E0001", dt.datetime(2026, 10, 12, 18, 5))]
    assert result.duplicates == 1
    assert [(r.line, re.sub("：.*", "", r.reason)) for r in result.rejects] == [(5, "未打卡（无打卡时间）"), (7, "打卡时间无法识别")]


def test_missing_file_is_a_clear_error(tmp_path, capsys):
    assert main(["import", "punches", "--format", "zkteco", str(tmp_path / "none.dat"), "-o",
                 str(tmp_path / "o.xlsx")]) == 1
    assert "找不到文件" in capsys.readouterr().err
