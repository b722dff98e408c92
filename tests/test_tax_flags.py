"""Plausibility warnings on the roster's tax flags and deductions, and year-to-date gaps (tax_flags.py)."""

import datetime as dt

from builders import employees
from ecomdept.pay import tax_flags
from ecomdept.pay.history import YearToDate


def messages(issues):
    return [i.message for i in issues]


def test_no19_needs_a_full_last_year_under_60000():
    """国家税务总局公告2020年第19号: paid by this employer every month of last year, income ≤ 60,000."""
    staff = employees("E1", "E2", "E3", base=400000, prior_year_under_60k=True)
    staff.loc[0, "hire_date"] = dt.date(2025, 6, 1)           # hired last June
    staff.loc[2, "first_job_this_year"] = True                 # No. 13 and No. 19 together
    found = tax_flags.roster_flags(staff, 2026, {"E2": 7_000_000})
    assert found and not any(i.blocking for i in found)
    by_row = {}
    for issue in found:
        by_row.setdefault(issue.row, []).append(issue.message)
    assert any("晚于 2025-01-01" in m for m in by_row[2])
    assert any("¥70,000.00 超过 60,000" in m for m in by_row[3])
    assert any("不能同时适用" in m for m in by_row[4])


def test_special_deduction_above_the_standards_is_warned():
    """国发〔2023〕13号: the monthly standards add up to 8,900 for one child and one infant."""
    staff = employees("E1", "E2", special_deduction=5_000_000)
    staff.loc[1, "special_deduction"] = 300_000
    found = tax_flags.roster_flags(staff, 2026, {})
    assert [i.row for i in found] == [2] and "¥50,000.00 超过各项标准之和 ¥8,900.00" in found[0].message


def test_a_ytd_gap_names_the_missing_periods():
    staff = employees("E1", "E2", hire=dt.date(2026, 6, 1))
    ytd = {"E1": YearToDate(months={7, 8, 9, 10}), "E2": YearToDate(months={7, 10})}
    # period 2026-11: June's wages were period 07 (hired on the 1st), so 07 … 10 are expected
    found = tax_flags.ytd_gaps(staff, ytd, (2026, 11), "pay_month", 15)
    assert len(found) == 1 and "E2" in found[0].message and "2026-08、2026-09" in found[0].message
    late = employees("E3", hire=dt.date(2026, 6, 20))         # June paid with July (PAY-05): 07 has no wages
    assert not tax_flags.ytd_gaps(late, {"E3": YearToDate(months={8, 9, 10})}, (2026, 11), "pay_month", 15)
    assert "2026-06" in tax_flags.ytd_gaps(staff.iloc[:1], {}, (2026, 7), "work_month", 15)[0].message
