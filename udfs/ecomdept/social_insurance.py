"""Social insurance and housing fund: employee shares (withheld) and employer shares (cost report).

The base is the employee's 社保基数 (or monthly base salary) clamped to the city's floor and cap in
force on the month's first day; rates for the employee shares come from the 规则 sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .money import mul_round, round_to_yuan, round_half_up
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
    housing = mul_round(hf_base, hf_rate)
    if city.hf_rounding == "yuan":
        housing = round_to_yuan(housing)
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
