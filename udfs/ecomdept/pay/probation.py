"""试用期 (劳动合同法第二十条): pay during probation is at least 80% of the agreed wage (the roster's
转正后月工资) and at least the city's minimum wage. A warning with the row when it is not."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pandas as pd

from ecomdept.core.issues import WARNING, Issue
from ecomdept.core.money import fmt_yuan, mul_round
from ecomdept.core.statutory import CityTable

SHARE = Fraction(8, 10)


def checks(staff: pd.DataFrame, city: CityTable, year: int, month: int,
           city_of: dict[str, CityTable] | None = None) -> list[Issue]:
    """``city_of``: a person's own 参保城市 where it differs from the department's."""
    first = dt.date(year, month, 1)
    issues = []
    for rec in staff.itertuples(index=False):
        end = getattr(rec, "probation_end", None)
        if end is None or end < first or rec.hire_date > end:
            continue
        own = (city_of or {}).get(rec.employee_id, city)
        agreed = getattr(rec, "regular_salary", None)
        base = rec.base_salary
        if agreed:
            floor = mul_round(agreed, SHARE)
            if base < floor:
                issues.append(Issue("员工", rec.xl_row, "月基本工资",
                                    f"{rec.employee_id} 试用期（至 {end}）月基本工资 {fmt_yuan(base)} 低于转正后月工资 "
                                    f"{fmt_yuan(agreed)} × 80% = {fmt_yuan(floor)}（劳动合同法第二十条）", WARNING,
                                    "base_salary"))
        if base < own.minimum_wage_fen:
            issues.append(Issue("员工", rec.xl_row, "月基本工资",
                                f"{rec.employee_id} 试用期（至 {end}）月基本工资 {fmt_yuan(base)} 低于{own.name}月最低工资 "
                                f"{fmt_yuan(own.minimum_wage_fen)}（劳动合同法第二十条）", WARNING, "base_salary"))
    return issues
