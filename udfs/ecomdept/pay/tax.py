"""Individual income tax on wages, cumulative withholding (STA 2018 No. 61, annex table 1).

    累计预扣预缴应纳税所得额 = 累计收入 − 累计免税收入 − 累计减除费用 − 累计专项扣除
                              − 累计专项附加扣除 − 累计依法确定的其他扣除
    本期应预扣预缴税额 = (累计应纳税所得额 × 预扣率 − 速算扣除数) − 累计减免税额 − 累计已预扣预缴税额

All amounts are integer fen; a negative result withholds nothing (no refund through payroll).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ecomdept.core.money import round_half_up
from ecomdept.core.statutory import Bracket, annual_bonus_table, iit_table


def bracket_for(taxable_fen: int, on: dt.date) -> Bracket:
    """The band whose bound includes the amount (不超过 36,000 → exactly 36,000 is 3%)."""
    for bracket in iit_table(on).brackets:
        if bracket.up_to is None or taxable_fen <= bracket.up_to * 100:
            return bracket
    raise AssertionError("税率表最后一档应无上限")


def tax_on(taxable_fen: int, on: dt.date) -> int:
    """Cumulative tax on a cumulative taxable income (fen), rounded half-up to the fen."""
    if taxable_fen <= 0:
        return 0
    bracket = bracket_for(taxable_fen, on)
    return round_half_up(Decimal(taxable_fen) * bracket.rate - bracket.quick_deduction * 100)


def taxable_income(income: int, exempt: int, basic: int, special: int, additional: int, other: int) -> int:
    return max(0, income - exempt - basic - special - additional - other)


def withholding(income: int, exempt: int, basic: int, special: int, additional: int, other: int,
                withheld: int, relief: int = 0, on: dt.date | None = None) -> int:
    """This period's withholding in fen, never negative."""
    on = on or dt.date.today()
    taxable = taxable_income(income, exempt, basic, special, additional, other)
    return max(0, tax_on(taxable, on) - relief - withheld)


def basic_deduction(month: int, months_employed: int, first_job_this_year: bool, prior_year_under_60k: bool,
                    on: dt.date) -> int:
    """累计减除费用 in fen.

    5,000 × months employed by this employer this year; STA 2020 No. 13 (first job this year):
    5,000 × months elapsed from January; STA 2020 No. 19 (paid here all last year, ≤ 60,000):
    60,000 from January on.
    """
    table = iit_table(on)
    if prior_year_under_60k:
        return round_half_up(table.under_60k_annual_deduction * 100)
    months = month if first_job_this_year else months_employed
    return round_half_up(table.monthly_basic_deduction * 100 * months)


def annual_bonus_tax(bonus_fen: int, on: dt.date) -> tuple[int, Bracket]:
    """全年一次性奖金单独计税 (财政部 税务总局公告2023年第30号): the rate and quick deduction are found
    from bonus ÷ 12 on the monthly table; tax = bonus × rate − quick deduction (once), to the fen."""
    table = annual_bonus_table(on)
    monthly = Decimal(bonus_fen) / 12
    bracket = next(b for b in table.brackets if b.up_to is None or monthly <= b.up_to * 100)
    if bonus_fen <= 0:
        return 0, bracket
    return max(0, round_half_up(Decimal(bonus_fen) * bracket.rate - bracket.quick_deduction * 100)), bracket
