"""Versioned statutory data (IIT brackets, city social-insurance bases, minimum wage, statutory days).

Each table is a JSON file under ``data/`` whose versions carry ``effective_from``; the version in
force on a date is the latest one that starts on or before it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"


class StatutoryDataError(LookupError):
    pass


@cache
def _load(name: str) -> dict:
    path = DATA / name
    if not path.exists():
        raise StatutoryDataError(f"找不到法定数据文件 {name}")
    return json.loads(path.read_text(encoding="utf-8"))


def _in_force(versions: list[dict], on: dt.date, what: str) -> dict:
    chosen = None
    for version in sorted(versions, key=lambda v: v["effective_from"]):
        if dt.date.fromisoformat(version["effective_from"]) <= on:
            chosen = version
    if chosen is None:
        raise StatutoryDataError(f"{what}：{on} 之前没有生效的版本")
    return chosen


@dataclass(frozen=True)
class Bracket:
    up_to: Decimal | None
    rate: Decimal
    quick_deduction: Decimal


@dataclass(frozen=True)
class IitTable:
    effective_from: str
    monthly_basic_deduction: Decimal
    under_60k_annual_deduction: Decimal
    brackets: tuple[Bracket, ...]


@cache
def iit_table(on: dt.date) -> IitTable:
    version = _in_force(_load("iit.json")["versions"], on, "个税税率表")
    return IitTable(
        version["effective_from"],
        Decimal(version["monthly_basic_deduction"]),
        Decimal(version["under_60k_annual_deduction"]),
        _brackets(version["brackets"]),
    )


@dataclass(frozen=True)
class AnnualBonusTable:
    effective_from: str
    separate_until: dt.date
    brackets: tuple[Bracket, ...]
    source: str

    def separate_allowed(self, paid_on: dt.date) -> bool:
        return paid_on <= self.separate_until


def _brackets(rows: list[dict]) -> tuple[Bracket, ...]:
    return tuple(Bracket(Decimal(b["up_to"]) if b["up_to"] is not None else None, Decimal(b["rate"]),
                         Decimal(b["quick_deduction"])) for b in rows)


@cache
def annual_bonus_table(on: dt.date) -> AnnualBonusTable:
    data = _load("annual_bonus.json")
    version = _in_force(data["versions"], on, "全年一次性奖金税率表")
    return AnnualBonusTable(version["effective_from"], dt.date.fromisoformat(version["separate_until"]),
                            _brackets(version["brackets"]), data["source"])


@dataclass(frozen=True)
class SpecialDeductionCaps:
    effective_from: str
    monthly: dict[str, Decimal]
    source: str

    @property
    def total_fen(self) -> int:
        return int(sum(self.monthly.values()) * 100)


@cache
def special_deduction_caps(on: dt.date) -> SpecialDeductionCaps:
    data = _load("special_deductions.json")
    version = _in_force(data["versions"], on, "专项附加扣除标准")
    return SpecialDeductionCaps(version["effective_from"], {k: Decimal(v) for k, v in version["monthly"].items()},
                                data["source"])


INSURANCES = ("pension", "medical", "unemployment", "injury")
# figures of a city table the payroll computes with (an unconfirmed one is warned about when used);
# minimum_wage_hourly is recorded for reference and not used by the monthly payroll
FIGURE_LABELS = {
    "si_floor": "社保缴费基数下限", "si_cap": "社保缴费基数上限", "si_rounding": "社保取整规则",
    "bases.pension": "养老保险基数上下限", "bases.medical": "医疗保险基数上下限",
    "bases.unemployment": "失业保险基数上下限", "bases.injury": "工伤保险基数上下限",
    "hf_floor": "公积金基数下限", "hf_cap": "公积金基数上限", "hf_rounding": "公积金取整规则",
    "hf_rate_range": "基本公积金比例范围",
    "employee.pension": "养老保险个人费率", "employee.medical": "医疗保险个人费率",
    "employee.medical_fixed": "医疗保险个人定额", "employee.unemployment": "失业保险个人费率",
    "employer.pension": "养老保险单位费率", "employer.medical": "医疗保险单位费率",
    "employer.unemployment": "失业保险单位费率", "employer.injury": "工伤保险单位费率",
    "minimum_wage": "月最低工资标准", "minimum_wage_hourly": "非全日制小时最低工资标准",
    "minimum_wage_excludes": "最低工资不含的项目",
}
UNUSED_FIGURES = frozenset({"minimum_wage_hourly"})
ROUNDINGS = ("fen", "jiao", "yuan")


@dataclass(frozen=True)
class CityTable:
    """One city's statutory figures in force on a date.

    ``si_floor``/``si_cap`` are the pension base limits and the limits of every insurance that
    ``bases`` does not name (Shenzhen and Guangzhou set medical, unemployment and injury apart);
    ``employee`` holds the city's statutory employee rates (used where the 规则 rate is left at the
    rulebook default, see social_insurance.employee_rates); ``unconfirmed`` names the figures not
    confirmed from a source naming the official notice, with why."""
    city: str
    name: str
    effective_from: str
    si_floor: Decimal
    si_cap: Decimal
    hf_floor: Decimal
    hf_cap: Decimal
    hf_rounding: str
    employer: dict
    minimum_wage: Decimal
    file: str = ""
    hf_rate_range: tuple[Decimal, Decimal] | None = None
    minimum_wage_excludes: frozenset[str] = frozenset()
    sick_pay: SickPay | None = None
    notice: str = ""
    bases: dict = field(default_factory=dict)        # insurance → (floor, cap) yuan, where it differs
    employee: dict = field(default_factory=dict)     # pension / medical / unemployment rates, medical_fixed yuan
    minimum_wage_hourly: Decimal | None = None
    si_rounding: str = "fen"
    sources: dict = field(default_factory=dict)      # figure group (si, hf, minimum_wage, rates) → notice
    unconfirmed: dict = field(default_factory=dict)  # figure → why it is not confirmed

    @property
    def minimum_wage_fen(self) -> int:
        return int(self.minimum_wage * 100)

    def base_range(self, insurance: str) -> tuple[Decimal, Decimal]:
        """(floor, cap) in yuan of one insurance's contribution base."""
        return self.bases.get(insurance, (self.si_floor, self.si_cap))

    def months_old(self, on: dt.date) -> int:
        start = dt.date.fromisoformat(self.effective_from)
        return (on.year - start.year) * 12 + on.month - start.month

    def figure(self, key: str) -> str:
        """The value of one figure as a person reads it: 7,460 元, 0.5%, 到元 …"""
        from ecomdept.core.money import percent

        group, _, name = key.partition(".")
        if group in ("employee", "employer") and name:
            value = (self.employee if group == "employee" else self.employer).get(name)
            if value is None:
                return "—"
            return f"{Decimal(value):f} 元" if name == "medical_fixed" else percent(Decimal(value))
        if group == "bases":
            low, high = self.base_range(name)
            return f"{low:,f}–{high:,f} 元"
        if key in ("hf_rounding", "si_rounding"):
            return {"yuan": "到元", "jiao": "到角", "fen": "到分"}.get(getattr(self, key), getattr(self, key))
        if key == "hf_rate_range":
            return "—" if self.hf_rate_range is None else "–".join(percent(r) for r in self.hf_rate_range)
        if key == "minimum_wage_excludes":
            names = {"overtime_pay": "加班工资", "social_insurance": "个人社保", "housing_fund": "个人公积金"}
            return "、".join(names.get(k, k) for k in sorted(self.minimum_wage_excludes)) or "无"
        value = getattr(self, key, None)
        return "—" if value is None else f"{value:,f} 元"

    def unconfirmed_used(self) -> dict[str, str]:
        """The unconfirmed figures the payroll computes with (those only recorded are left out)."""
        return {key: why for key, why in self.unconfirmed.items() if key not in UNUSED_FIGURES}


@dataclass(frozen=True)
class SickPay:
    """A city's legal minimum of sick pay: a share of the wage by years of continuous service."""
    source: str
    by_service_years: tuple[tuple[Decimal, Decimal], ...]  # (from years, share of the wage)
    floor_of_minimum_wage: Decimal
    months_limit: int = 0

    @property
    def clause(self) -> str:
        """The clause as cited on a payslip line: the source up to its colon."""
        return self.source.split("：")[0]

    def share(self, years: Fraction | Decimal) -> tuple[Decimal, Decimal] | None:
        """The share of the wage for this many years of service, and the band's lower bound (None where the
        law sets only the floor of the minimum wage)."""
        if not self.by_service_years:
            return None
        chosen = self.by_service_years[0]
        for band in self.by_service_years:
            if years >= band[0]:
                chosen = band
        return chosen[1], chosen[0]


@cache
def national_sick_pay() -> SickPay:
    """The national floor of sick pay (leave.json), for a city whose data file names no rule of its own."""
    floor = _load("leave.json")["sick_pay_floor"]
    return SickPay(floor["source"], (), Decimal(floor["floor_of_minimum_wage"]))


def cities() -> list[str]:
    return sorted(p.stem for p in (DATA / "cities").glob("*.json"))


@cache
def city_table(city: str, on: dt.date) -> CityTable:
    data = _load(f"cities/{city}.json")
    v = _in_force(data["versions"], on, f"{data['name']}社保基数")
    sick = data.get("sick_pay")
    rates = data.get("hf_rate_range")
    employer = {**data.get("employer", {}), **v.get("employer", {})}
    employee = {key: Decimal(value) for key, value in {**data.get("employee", {}), **v.get("employee", {})}.items()}
    bases = {kind: (Decimal(low), Decimal(high)) for kind, (low, high) in v.get("bases", {}).items()}
    hourly = v.get("minimum_wage_hourly")
    unconfirmed = {**data.get("unconfirmed", {}), **v.get("unconfirmed", {})}
    sources = {**data.get("sources", {}), **v.get("sources", {})}
    return CityTable(city, data["name"], v["effective_from"], Decimal(v["si_floor"]), Decimal(v["si_cap"]),
                     Decimal(v["hf_floor"]), Decimal(v["hf_cap"]), v["hf_rounding"], employer,
                     Decimal(v["minimum_wage"]), f"data/cities/{city}.json",
                     (Decimal(rates[0]), Decimal(rates[1])) if rates else None,
                     frozenset(data.get("minimum_wage_excludes", ())),
                     SickPay(sick["source"], tuple((Decimal(a), Decimal(b)) for a, b in sick["by_service_years"]),
                             Decimal(sick["floor_of_minimum_wage"]), int(sick.get("months_limit", 0))) if sick else None,
                     v.get("notice", ""), bases, employee, Decimal(hourly) if hourly is not None else None,
                     v.get("si_rounding", "fen"), sources, unconfirmed)


@cache
def statutory_days() -> dict[int, frozenset[dt.date]]:
    data = _load("statutory_holidays.json")
    return {int(year): frozenset(dt.date.fromisoformat(d) for d in days) for year, days in data["years"].items()}


def versions_used(city: str, on: dt.date) -> dict[str, str]:
    return {
        "iit": iit_table(on).effective_from,
        "annual_bonus": annual_bonus_table(on).effective_from,
        f"city:{city}": city_table(city, on).effective_from,
        "statutory_holidays": ",".join(str(y) for y in sorted(statutory_days())),
    }
