"""Bad input: every problem is one clear message naming sheet, row and column; exit 1; no payslips."""

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from ecomdept.run import sample
from ecomdept.cli import main
from ecomdept.inputs.master_workbook import write_master
from ecomdept.inputs.schema import EMPLOYEES
from ecomdept.inputs.workbook_io import load_path


def small_data():
    return sample.build(employees=8, orders_per_employee=2)


def write_plain(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def test_sample_reads_clean(sample_path):
    book = load_path(sample_path)
    assert [i for i in book.issues if i.blocking] == []
    assert book.counts["员工"] == 30 and book.counts["打卡"] > 1500


def test_duplicate_id_text_salary_missing_column(tmp_path, capsys):
    headers = [c.header for c in EMPLOYEES.columns if c.id != "hire_date"]
    rows = [headers]
    for emp_id, salary in (("E1", 8000), ("E2", "八千元"), ("E1", 9000)):
        row = {c.header: None for c in EMPLOYEES.columns}
        row.update({"工号": emp_id, "姓名": "张三", "岗位": "程序员", "月基本工资": salary})
        rows.append([row[h] for h in headers])
    path = write_plain(tmp_path / "bad.xlsx", {"员工": rows})
    before = path.read_bytes()
    code = main(["payroll", "--month", "2026-10", "--workbook", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert "工作表「员工」 第 1 行 列「入职日期（hire_date）」：缺少必填列「入职日期」" in err
    assert "工作表「员工」 第 3 行 列「H·月基本工资（base_salary）」：值「八千元」无效" in err
    assert "工作表「员工」 第 4 行 列「A·工号（employee_id）」：工号「E1」重复，与第 2 行相同" in err
    assert not (tmp_path / "out" / "2026-10").exists()
    assert (tmp_path / "out" / "数据问题_2026-10.xlsx").exists()
    assert path.read_bytes() == before


def test_check_command_reports_and_exits(tmp_path, capsys):
    data = small_data()
    salary = [c.id for c in EMPLOYEES.columns].index("base_salary")
    data["员工"][2][salary] = "abc"
    data["员工"][3][0] = data["员工"][1][0]  # duplicate 工号
    data["请假"].append(["X1", "E9999", "事假", dt.datetime(2026, 10, 12, 8, 30), dt.datetime(2026, 10, 12, 18),
                       None, "已批准", None, None, None, ""])
    path = write_master(tmp_path / "m.xlsx", data)
    assert main(["check", "--workbook", str(path)]) == 1
    out = capsys.readouterr().out
    assert "第 4 行" in out and "月基本工资" in out
    assert "重复" in out and "E9999" in out


def test_good_rows_are_kept_when_one_punch_is_bad(tmp_path):
    data = small_data()
    n = len(data["打卡"])
    data["打卡"][5][2] = "昨天早上"
    book = load_path(write_master(tmp_path / "m.xlsx", data))
    bad = [i for i in book.issues if i.sheet == "打卡" and i.blocking]
    assert len(bad) == 1 and bad[0].row == 7 and "打卡时间" in bad[0].column
    assert len(book.frames["punches"]) == n - 1


@pytest.mark.parametrize("content", [b"", b"not a workbook", b"PK\x03\x04broken zip"])
def test_corrupt_file(tmp_path, capsys, content):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(content)
    assert main(["check", "--workbook", str(path)]) == 1
    assert "无法打开工作簿" in capsys.readouterr().err


def test_missing_file_and_usage_errors(tmp_path, capsys):
    assert main(["check", "--workbook", str(tmp_path / "nope.xlsx")]) == 2  # a path that is not a file is a usage error
    with pytest.raises(SystemExit) as exc:
        main(["payroll", "--month", "2026-13", "--workbook", "x.xlsx"])
    assert exc.value.code == 2
    assert "月份应写作 YYYY-MM" in capsys.readouterr().err


def test_missing_rules_sheet_uses_defaults_with_warning(tmp_path):
    data = small_data()
    del data["规则"]
    path = write_master(tmp_path / "m.xlsx", data)
    # the writer always writes every sheet; drop 规则 from a copy with openpyxl
    book = openpyxl.load_workbook(path)
    del book["规则"]
    book.save(tmp_path / "no_rules.xlsx")
    loaded = load_path(tmp_path / "no_rules.xlsx")
    assert any("缺少工作表「规则」" in i.message and not i.blocking for i in loaded.issues)
    assert loaded.rules.absence_fine_first == 10000


def test_bad_rule_value_is_blocking(tmp_path):
    data = small_data()
    for row in data["规则"]:
        if row[0] == "grace_minutes":
            row[2] = "五分钟"
    loaded = load_path(write_master(tmp_path / "m.xlsx", data))
    assert any(i.sheet == "规则" and i.blocking and "grace_minutes" in i.message for i in loaded.issues)


def test_unknown_clock_id_is_a_warning_not_a_loss(tmp_path):
    data = small_data()
    data["打卡"].append([None, "99999", dt.datetime(2026, 10, 12, 8, 0), "考勤机", None])
    loaded = load_path(write_master(tmp_path / "m.xlsx", data))
    warn = [i for i in loaded.issues if i.sheet == "打卡"]
    assert len(warn) == 1 and not warn[0].blocking and "99999" in warn[0].message
