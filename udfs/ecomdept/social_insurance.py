"""Social insurance and housing fund: employee shares (withheld) and employer shares (cost report).

The base is the employee's 社保基数 (or monthly base salary) clamped to the city's floor and cap in
force on the month's first day; rates for the employee shares come from the 规则 sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .issues import WARNING, Issue
from .money import mul_round, mul_round_yuan, percent, round_half_up
from .rules import Rules
from .statutory import CityTable


@dataclass(frozen=True)
class Contributions:
    declared_base: int
    base: int
    hf_base: int
    hf_rate: Decimal
    pension: int
    medical: int
    unemployment: int
    housing_fund: int
    employer: dict[str, int]
    note: str

    @property
    def social_insurance(self) -> int:
        return self.pension + self.medical + self.unemployment


def clamp(value: int, floor: int, cap: int) -> int:
    return min(max(value, floor), cap)


def contributions(declared_base: int, hf_rate: Decimal, rules: Rules, city: CityTable) -> Contributions:
    floor, cap = round_half_up(city.si_floor * 100), round_half_up(city.si_cap * 100)
    base = clamp(declared_base, floor, cap)
    hf_base = clamp(declared_base, round_half_up(city.hf_floor * 100), round_half_up(city.hf_cap * 100))
    # one rounding from the exact product: 7,464.22 × 7% = 522.4954 → 522 (not 522.50 → 523)
    housing = mul_round_yuan(hf_base, hf_rate) if city.hf_rounding == "yuan" else mul_round(hf_base, hf_rate)
    note = ""
    if base != declared_base:
        side = "下限" if base > declared_base else "上限"
        note = f"申报基数 {declared_base / 100:,.2f} 元按{city.name}{city.effective_from} 起的{side}调整为 {base / 100:,.2f} 元"
    employer = {
        "pension": mul_round(base, Decimal(city.employer["pension"])),
        "medical": mul_round(base, Decimal(city.employer["medical"])),
        "unemployment": mul_round(base, Decimal(city.employer["unemployment"])),
        "injury": mul_round(base, Decimal(city.employer["injury"])),
        "housing_fund": housing if city.employer.get("housing_fund_same_as_employee") else 0,
    }
    return Contributions(
        declared_base, base, hf_base, hf_rate,
        mul_round(base, rules.pension_rate), mul_round(base, rules.medical_rate),
        mul_round(base, rules.unemployment_rate), housing, employer, note)


STALE_MONTHS = 12


def table_checks(city: CityTable, staff, rules: Rules, on) -> list[Issue]:
    """Warnings about the city's data and the rates used: a table more than a year old at the run's
    month, housing-fund rates outside the city's basic range (above it is the separate 补充公积金)."""
    issues: list[Issue] = []
    age = city.months_old(on)
    if age > STALE_MONTHS:
        issues.append(Issue("规则", None, "值",
                            f"{city.name}社保公积金与最低工资数据（{city.file}）最新为 {city.effective_from} 起的版本，"
                            f"到 {on:%Y-%m} 已 {age} 个月：请核对当年公布的缴费基数上下限与最低工资并更新数据文件",
                            WARNING, "city"))
    if city.hf_rate_range is None:
        return issues
    low, high = city.hf_rate_range
    span = f"{percent(low)[:-1]}%–{percent(high)}"

    def outside(rate) -> bool:
        return rate is not None and rate != 0 and not low <= Decimal(rate) <= high

    if outside(rules.default_hf_rate):
        issues.append(Issue("规则", None, "值", f"default_hf_rate = {rules.default_hf_rate}：{city.name}基本住房公积金"
                            f"比例为 {span}；超出部分属补充公积金（另有基数与取整规则），本工具不计算", WARNING,
                            "default_hf_rate"))
    for rec in staff.itertuples(index=False):
        if outside(rec.hf_rate):
            issues.append(Issue("员工", rec.xl_row, "公积金比例",
                                f"{rec.employee_id} 公积金比例 {percent(rec.hf_rate)}：{city.name}基本住房公积金比例为 "
                                f"{span}，超出部分属补充公积金（另有基数与取整规则），本工具按所填比例计算基本公积金，请核对",
                                WARNING, "hf_rate"))
    return issues
