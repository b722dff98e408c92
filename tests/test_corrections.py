"""补发补扣: a September error corrected in October's pay.

Over a full year of runs, the tax withheld ends where an error-free year ends (the cumulative method
of STA-2018-61 taxes the correction in the month it is paid), October pays exactly the difference,
and the payslip says what was corrected and why."""

from __future__ import annotations

import copy
import csv
from decimal import Decimal

import pytest

from ecomdept.cli import main
from ecomdept.inputs.master_workbook import write_master
from ecomdept.inputs.schema import CORRECTIONS, EMPLOYEES
from ecomdept.run import sample
from ecomdept.run.pipeline import run_payroll

MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
COLUMNS = [c.id for c in EMPLOYEES.columns]
WHO = "E0002"
ERROR_YUAN = 1500


def _rows(out, month):
    with open(out / month / "payroll.csv", encoding="utf-8-sig", newline="") as handle:
        return {row["employee_id"]: row for row in csv.DictReader(handle)}


def _fen(text: str) -> int:
    return int(Decimal(text) * 100)


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    """A year run twice: right all year, and with September's base salary entered 1,500 short, the
    difference (as ``diff`` shows it: every line the salary moves, overtime too) entered on 补发补扣
    to be paid with October."""
    base = tmp_path_factory.mktemp("year")
    good = sample.build(3, "2026-01", months=12, orders_per_employee=1)
    for row in good["员工"]:  # SI and housing fund on a declared base: a wrong salary does not move them
        row[COLUMNS.index("si_base")] = row[COLUMNS.index("base_salary")]
    wrong = copy.deepcopy(good)
    emp = next(r for r in wrong["员工"] if r[0] == WHO)
    emp[COLUMNS.index("base_salary")] -= ERROR_YUAN * 100  # the sample's amounts are fen
    books = {name: write_master(base / f"{name}.xlsx", data) for name, data in (("good", good), ("wrong", wrong))}
    right, corrected = base / "right", base / "corrected"
    for month in MONTHS:
        assert run_payroll(books["good"], month, right, pdf=False, show_progress=False).code == 0
        if month <= "2026-09":
            book = books["wrong"] if month == "2026-09" else books["good"]
            assert run_payroll(book, month, corrected, pdf=False, show_progress=False).code == 0
    short = _fen(_rows(right, "2026-09")[WHO]["gross_pay"]) - _fen(_rows(corrected, "2026-09")[WHO]["gross_pay"])
    fixed = copy.deepcopy(good)
    fixed[CORRECTIONS.name] = [[WHO, "2026-09", "2026-10", "工资", short, "9 月基本工资录入少了 1500 元"]]
    books["fixed"] = write_master(base / "fixed.xlsx", fixed)
    for month in MONTHS[9:]:
        outcome = run_payroll(books["fixed"], month, corrected, pdf=False, show_progress=False)
        assert outcome.code == 0, outcome.message
    return right, corrected, short


def test_october_pays_the_difference_and_says_why(year):
    right, corrected, short = year
    assert short > ERROR_YUAN * 100  # overtime was paid on the wrong salary too
    oct_right, oct_fixed = _rows(right, "2026-10")[WHO], _rows(corrected, "2026-10")[WHO]
    assert _fen(oct_fixed["gross_pay"]) - _fen(oct_right["gross_pay"]) == short
    assert _fen(oct_fixed["corrections"]) == short and _fen(oct_right["corrections"]) == 0
    assert _fen(oct_fixed["allowance"]) - _fen(oct_right["allowance"]) == short  # the contract's sum holds
    slip = next((corrected / "2026-10" / "payslips").glob(f"{WHO}_*.html")).read_text(encoding="utf-8")
    shown = f"¥{short // 100:,}.{short % 100:02d}"
    assert "补发（2026-09 工资）" in slip and "9 月基本工资录入少了 1500 元" in slip and shown in slip
    assert "补发补扣" not in next((corrected / "2026-11" / "payslips").glob(f"{WHO}_*.html")).read_text(
        encoding="utf-8")  # paid once: only the 计入月份 uses the row


def test_the_years_tax_ends_as_if_september_had_been_right(year):
    right, corrected, _ = year
    for who in _rows(right, "2026-12"):
        paid_right = sum(_fen(_rows(right, m)[who]["iit"]) for m in MONTHS)
        paid_fixed = sum(_fen(_rows(corrected, m)[who]["iit"]) for m in MONTHS)
        assert paid_fixed == paid_right, who
        december = _rows(right, "2026-12")[who], _rows(corrected, "2026-12")[who]
        for column in ("ytd_income", "ytd_taxable_income"):
            assert december[0][column] == december[1][column], (who, column)
        net_right = sum(_fen(_rows(right, m)[who]["net_pay"]) for m in MONTHS)
        net_fixed = sum(_fen(_rows(corrected, m)[who]["net_pay"]) for m in MONTHS)
        assert net_fixed == net_right, who


def test_diff_lists_corrections_on_their_own(year, capsys):
    _, corrected, _ = year
    assert main(["diff", "--out", str(corrected), "2026-09", "2026-10"]) == 0
    shown = capsys.readouterr().out
    assert "补发补扣" in shown and f"{WHO}" in shown and "9 月基本工资录入少了 1500 元" in shown


@pytest.mark.parametrize("row, column, words", [
    ([WHO, "2026-10", "2026-10", "工资", 10000, "x"], "所属月份", "不早于计入月份"),
    (["E9999", "2026-09", "2026-10", "工资", 10000, "x"], "工号", "不在 2026-10 的工资表中"),
    ([WHO, "2026-09", "2026-10", "工资", 0, "x"], "金额", "金额为 0"),
])
def test_a_correction_that_cannot_be_placed_stops_the_run_with_its_row(tmp_path, row, column, words):
    data = sample.build(3, "2026-10", orders_per_employee=1)
    data[CORRECTIONS.name] = [[WHO, "2026-08", "2026-10", "津贴", -5000, "8 月岗位津贴多发"], row]
    outcome = run_payroll(write_master(tmp_path / "m.xlsx", data), "2026-10", tmp_path / "out", pdf=False,
                          show_progress=False)
    assert outcome.code == 1
    found = [i for i in outcome.issues if i.sheet == "补发补扣" and i.blocking]
    assert len(found) == 1 and found[0].row == 3 and found[0].column == column and words in found[0].message
