"""One separately taxed 全年一次性奖金 per person and tax year, whatever the order of the runs (国税发〔2005〕9号
第三条; 财政部 税务总局公告2023年第30号). 规则 iit_period = work_month keeps March and December in tax year 2026.

March's bonus 30,000: 30,000 ÷ 12 = 2,500 → 3%: 900.00. December's 50,000: ÷ 12 = 4,166.67 → 10% − 210: 4,790.00.
"""

import copy

import pytest

from ecomdept.inputs.master_workbook import write_master
from ecomdept.run import sample
from ecomdept.run.pipeline import run_payroll

MARCH = ["2026-03", None, 3000000, None, "上年年终奖"]
DECEMBER = ["2026-12", None, 5000000, None, "年终奖"]


@pytest.fixture(scope="module")
def year_data():
    data = sample.build(employees=3, month="2026-03", months=10, orders_per_employee=1)
    next(r for r in data["规则"] if r[0] == "iit_period")[2] = "work_month"
    return data


def book(tmp_path, data, rows, name="m.xlsx", **rules):
    data = copy.deepcopy(data)
    emp = data["员工"][0][0]
    data["年终奖"] = [[r[0], emp, *r[2:]] for r in rows]
    for key, value in rules.items():
        next(r for r in data["规则"] if r[0] == key)[2] = value
    return write_master(tmp_path / name, data, month="2026-03"), emp


def run(path, month, out):
    outcome = run_payroll(path, month, out, pdf=False, show_progress=False)
    return outcome


def bonus(outcome, emp):
    pay = next(p for p in outcome.result.pays if p.employee_id == emp)
    return pay.annual_bonus_method, pay.annual_bonus_iit, pay


def test_march_then_december_december_is_merged(tmp_path, year_data):
    path, emp = book(tmp_path, year_data, [MARCH, DECEMBER])
    march = run(path, "2026-03", tmp_path / "out")
    assert march.code == 0, march.message
    assert bonus(march, emp)[:2] == ("separate", 90000)
    december = run(path, "2026-12", tmp_path / "out")
    method, iit, pay = bonus(december, emp)
    assert (method, iit) == ("merged", 0)
    assert any("2026-03 的运行结果" in w[2] and "国税发〔2005〕9号第三条" in w[2] for w in pay.warnings)


def test_december_before_march_december_is_merged_and_march_keeps_it(tmp_path, year_data):
    path, emp = book(tmp_path, year_data, [MARCH, DECEMBER])
    december = run(path, "2026-12", tmp_path / "out")
    assert december.code == 0, december.message
    method, iit, pay = bonus(december, emp)
    assert (method, iit) == ("merged", 0)                          # not 4,790 beside March's 900
    assert any("年终奖表第 2 行（2026-03 随工资发放，所属期 2026-03）" in w[2] for w in pay.warnings)
    march = run(path, "2026-03", tmp_path / "out")
    assert bonus(march, emp)[:2] == ("separate", 90000) and "2026-12" in march.stale


def test_december_alone_with_a_march_row_is_merged(tmp_path, year_data):
    path, emp = book(tmp_path, year_data, [MARCH, DECEMBER])
    december = run(path, "2026-12", tmp_path / "out")
    method, iit, pay = bonus(december, emp)
    assert (method, iit) == ("merged", 0)
    assert next(l for l in pay.lines if l.code == "annual_bonus_iit").amount == 0


def test_a_december_run_that_took_it_is_stale_once_march_is_paid(tmp_path, year_data):
    """December was run before the March row was entered, and took the separate method; March's run keeps it
    (the earlier payment) and marks December stale; run again, December is merged."""
    only_december, emp = book(tmp_path, year_data, [DECEMBER], "dec.xlsx")
    first = run(only_december, "2026-12", tmp_path / "out")
    assert bonus(first, emp)[:2] == ("separate", 479000)
    both, _ = book(tmp_path, year_data, [MARCH, DECEMBER], "both.xlsx")
    march = run(both, "2026-03", tmp_path / "out")
    assert bonus(march, emp)[:2] == ("separate", 90000) and "2026-12" in march.stale
    assert any(a.kind == "年终奖" and "2026-12 的结果已过期" in a.message for a in march.result.alerts)
    again = run(both, "2026-12", tmp_path / "out")
    assert bonus(again, emp)[:2] == ("merged", 0)


def test_stop_names_both_rows(tmp_path, year_data):
    path, emp = book(tmp_path, year_data, [MARCH, DECEMBER], annual_bonus_repeat="stop")
    december = run(path, "2026-12", tmp_path / "out")
    assert december.code == 1
    (issue,) = [i for i in december.issues if i.blocking]
    assert issue.sheet == "年终奖" and issue.row == 3
    assert "年终奖表第 2 行（2026-03 随工资发放，所属期 2026-03）要单独计税" in issue.message
    assert "本表第 3 行（2026-12 随工资发放，所属期 2026-12）" in issue.message


def test_a_merged_row_claims_nothing(tmp_path, year_data):
    path, emp = book(tmp_path, year_data, [[*MARCH[:3], "并入综合所得", ""], DECEMBER])
    december = run(path, "2026-12", tmp_path / "out")
    assert bonus(december, emp)[:2] == ("separate", 479000)


def test_paid_in_different_tax_years_both_are_separate(tmp_path, year_data):
    """With the default iit_period = pay_month, December 2026's wages (and its bonus) are paid in January 2027:
    tax year 2027, not March's 2026 — each year has its one separate bonus."""
    path, emp = book(tmp_path, year_data, [MARCH, DECEMBER], iit_period="pay_month")
    december = run(path, "2026-12", tmp_path / "out")
    assert december.code == 0, december.message
    assert bonus(december, emp)[:2] == ("separate", 479000) and december.result.tax_period == "2027-01"
