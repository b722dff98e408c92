"""What a payslip line says is what it means: the month a deferred wage is paid with, every alternative
of a 「取较高者」 named with its arithmetic, and each leave citing the rule that sets it."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from builders import employees, leave
from ecomdept.core import clauses
from ecomdept.core.calendar import WorkCalendar
from ecomdept.inputs import rules as rules_mod
from ecomdept.outputs import payslips
from ecomdept.pay.payroll import LeaveTerms
from ecomdept.worktime import entitlements

MATERNITY = "女职工劳动保护特别规定"


def _slip_text(demo_run, employee_id: str) -> str:
    ctx = next(c for c in payslips.contexts(demo_run.result) if c["employee_id"] == employee_id)
    page = (demo_run.month_dir / "payslips" / f"{payslips.file_stem(ctx)}.html").read_text(encoding="utf-8")
    return re.sub(r"<[^>]+>", "\n", page.split("</style>", 1)[1])


def test_a_late_hires_tax_line_names_the_two_months_and_the_day_they_are_paid(demo_run):
    pay = next(p for p in demo_run.result.pays if p.deferred)
    line = next(l for l in pay.lines if l.code == "iit").explanation
    assert f"本月（2026-10）的工资与下月（2026-11）的工资一起在 {pay.pay_date:%Y-%m-%d} 发放" in line
    assert pay.pay_date == dt.date(2026, 12, 15) and f"所属期 {pay.tax_period}" in line
    assert "随 2026-12 的工资" not in _slip_text(demo_run, pay.employee_id)


def test_the_higher_of_several_amounts_names_each_with_its_arithmetic(demo_run):
    pays = [p for p in demo_run.result.pays if any(l.code == "sick_leave" for l in p.lines)]
    assert pays
    for pay in pays:
        line = next(l for l in pay.lines if l.code == "sick_leave").explanation
        assert "其余为" not in line
        alternatives = re.findall(r"[①②③] ([^；]+)", line)
        assert len(alternatives) >= 2 and all(re.search(r"= ¥[\d,]+\.\d\d", a) for a in alternatives)
        assert "法定病假工资" in alternatives[0] and "最低工资" in alternatives[1]
        kept = re.search(r"中较高的 (¥[\d,.]+)", line).group(1)
        amounts = [re.search(r"= (¥[\d,]+\.\d\d)", a).group(1) for a in alternatives]
        assert max(amounts, key=lambda a: float(a[1:].replace(",", ""))) == kept


def test_each_leave_cites_the_rule_that_sets_its_days():
    shanghai = entitlements.allowances("shanghai", dt.date(2026, 10, 1))
    for kind in ("婚假", "丧假"):
        assert "〔80〕劳总薪字29号" in shanghai[kind].source and MATERNITY not in shanghai[kind].source
    assert MATERNITY in shanghai["产假"].source and "上海市人口与计划生育条例" in shanghai["产假"].source
    assert "上海市人口与计划生育条例" not in shanghai["丧假"].source
    assert shanghai["工伤"].source == "工伤保险条例 第三十三条"
    for clause in ("LV-11", "LV-12"):        # the annual-leave pay and excess-leave lines' citations
        assert MATERNITY not in clauses.section(clause)
    assert "带薪年休假" in clauses.section("LV-11")


def test_an_excess_marriage_leave_line_cites_the_marriage_leave_rule():
    calendar = WorkCalendar()
    staff = employees("E1")
    rows = leave({"employee_id": "E1", "leave_type": "婚假", "start": "2026-10-08 08:30", "end": "2026-11-09 18:00"})
    from ecomdept.worktime import attendance

    punches = pd.DataFrame(columns=["employee_id", "clock_id", "punched_at", "source", "approved", "xl_row"])
    days = attendance.compute(staff, punches, rows, calendar, rules_mod.defaults(), 2026, 10)
    excess, alerts = entitlements.statutory_excess(rows, days, staff, calendar, entitlements.allowances(
        "shanghai", dt.date(2026, 10, 1)), 2026, 10, 450)
    terms = LeaveTerms(None, excess["E1"], 0, "personal")
    minutes, why = terms.unpaid_excess()
    assert minutes and "〔80〕劳总薪字29号" in why and MATERNITY not in why
    assert terms.excess_clauses() == "LV-12" and alerts[0].clause == "LV-12"


def test_no_demo_slip_cites_the_maternity_rule_without_a_maternity_line(demo_run):
    for pay in demo_run.result.pays:
        if any(l.code in ("maternity", "nursing") for l in pay.lines):
            continue
        assert MATERNITY not in _slip_text(demo_run, pay.employee_id), pay.employee_id
