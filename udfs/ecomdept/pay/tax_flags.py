"""Plausibility of what the roster says about tax, and of the year-to-date it was given: each a
warning with the row, never a change to the arithmetic.

- 国家税务总局公告2020年第19号 (累计减除费用 60,000 from January) needs all twelve months of last year
  with this employer and last year's income ≤ 60,000; 2020年第13号 (first job this year) and No. 19
  exclude each other.
- 专项附加扣除 above the sum of the monthly standards (国发〔2023〕13号) is probably a typing error.
- A year-to-date gap: tax periods of this year in which the employee was employed but neither a run
  nor the 工资台账 sheet says what was paid — the cumulative tax would be computed too low.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ecomdept.pay.history import shift
from ecomdept.core.issues import WARNING, Issue
from ecomdept.core.money import fmt_yuan
from ecomdept.core.statutory import special_deduction_caps

UNDER_60K_FEN = 60_000 * 100


def roster_flags(staff: pd.DataFrame, tax_year: int, last_year_income: dict[str, int]) -> list[Issue]:
    caps = special_deduction_caps(dt.date(tax_year, 1, 1))
    issues = []
    for rec in staff.itertuples(index=False):
        def warn(column, text):
            issues.append(Issue("员工", rec.xl_row, column, f"{rec.employee_id}：{text}", WARNING))
        if rec.prior_year_under_60k:
            if rec.hire_date > dt.date(tax_year - 1, 1, 1):
                warn("上年收入不超过6万", f"入职日期 {rec.hire_date} 晚于 {tax_year - 1}-01-01：上年没有在本单位领满 12 个月工资，"
                                    "不符合国家税务总局公告2020年第19号，请核对")
            income = last_year_income.get(rec.employee_id)
            if income is not None and income > UNDER_60K_FEN:
                warn("上年收入不超过6万", f"往期记录中 {tax_year - 1} 年收入 {fmt_yuan(income)} 超过 60,000 元："
                                    "不符合国家税务总局公告2020年第19号，请核对")
            elif income is None and rec.base_salary and rec.base_salary * 12 > UNDER_60K_FEN:
                warn("上年收入不超过6万", f"月基本工资 {fmt_yuan(rec.base_salary)} × 12 超过 60,000 元：请核对上年收入是否"
                                    "不超过 6 万（国家税务总局公告2020年第19号）")
            if rec.first_job_this_year:
                warn("本年首次就业", "「本年首次就业」（2020年第13号）与「上年收入不超过6万」（2020年第19号）不能同时适用，请核对")
        if rec.special_deduction and rec.special_deduction > caps.total_fen:
            parts = "、".join(f"{k} {v:,}" for k, v in caps.monthly.items())
            warn("专项附加扣除", f"每月专项附加扣除 {fmt_yuan(rec.special_deduction)} 超过各项标准之和 "
                              f"{fmt_yuan(caps.total_fen)}（{parts}；国发〔2023〕13号）：多名子女时可以更高，请核对")
    return issues


def employed_in(emp, year: int, month: int) -> bool:
    first = dt.date(year, month, 1)
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return emp.hire_date <= last and (emp.leave_date is None or emp.leave_date >= first)


def ytd_gaps(staff: pd.DataFrame, ytd: dict, period: tuple[int, int], mode: str, pay_day: int) -> list[Issue]:
    """Tax periods of this year before ``period`` in which the employee had wages but no record."""
    issues = []
    for rec in staff.itertuples(index=False):
        have = ytd[rec.employee_id].months if rec.employee_id in ytd else set()
        missing = []
        for t in range(1, period[1]):
            work = shift(period[0], t, -1) if mode == "pay_month" else (period[0], t)
            if not employed_in(rec, *work):
                continue
            hired_late = (rec.hire_date.year, rec.hire_date.month) == work and rec.hire_date.day > pay_day
            if hired_late or t in have:  # a late-month hire's first month is paid in the next period
                continue
            missing.append(f"{period[0]}-{t:02d}")
        if missing:
            issues.append(Issue("工资台账", None, "月份",
                                f"{rec.employee_id}：本纳税年度所属期 {'、'.join(missing)} 在职，但既没有往期运行结果也没有"
                                "工资台账行：本年累计收入与已预扣个税缺这些月份，本月个税可能不对，请补录工资台账",
                                WARNING, "month"))
    return issues
