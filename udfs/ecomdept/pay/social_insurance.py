"""Social insurance and housing fund: employee shares (withheld) and employer shares (cost report).

Each insurance's base is the employee's 社保基数 (or monthly base salary) clamped to that
insurance's floor and cap in the city in force on the month's first day (Shenzhen and Guangzhou
set medical, unemployment and injury limits apart from pension's). The city is the roster's
参保城市 where filled, else 规则 ``city``.

Employee rates: 规则 ``pension_rate``/``medical_rate``/``unemployment_rate`` left at the rulebook
default (8%, 2%, 0.5%) mean "the city's statutory rate" (Guangzhou's unemployment share is 0.2%,
Beijing adds 3 元 a month to medical); a 规则 value other than the default is the company's choice and
is used as written, with a warning where it differs from the city's statutory rate.
"""

from __future__ import annotations

import re

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from ecomdept.core.issues import ERROR, WARNING, Issue
from ecomdept.core.money import fmt_yuan, mul_round, mul_round_yuan, percent, round_half_up
from ecomdept.inputs.rules import PARAMS_BY_ID, Rules
from ecomdept.core.statutory import FIGURE_LABELS, CityTable, StatutoryDataError, city_table

RATE_RULES = {"pension": "pension_rate", "medical": "medical_rate", "unemployment": "unemployment_rate"}
WITHHELD = (("pension", "养老保险"), ("medical", "医疗保险"), ("unemployment", "失业保险"))
ROUNDING_TEXT = {"yuan": "四舍五入到元", "jiao": "四舍五入到角"}


@dataclass(frozen=True)
class Contributions:
    declared_base: int
    base: int                 # the pension base (the others in ``bases``)
    hf_base: int
    hf_rate: Decimal
    pension: int
    medical: int
    unemployment: int
    housing_fund: int
    employer: dict[str, int]
    note: str
    bases: dict[str, int] = field(default_factory=dict)        # insurance → base, fen
    rates: dict[str, Decimal] = field(default_factory=dict)    # employee rates used
    medical_fixed: int = 0                                     # fen a month (Beijing 大额医疗互助 3 元)
    notes: dict[str, str] = field(default_factory=dict)        # insurance → why its base is not the declared one
    si_rounding: str = "fen"

    @property
    def social_insurance(self) -> int:
        return self.pension + self.medical + self.unemployment

    def lines(self) -> list[tuple[str, str, int, str]]:
        """(code, label, amount, explanation) of the employee's withheld shares, each explanation's
        arithmetic giving its amount."""
        out = []
        for code, label in WITHHELD:
            base = self.bases.get(code, self.base)
            note = self.notes.get(code, "")
            shown_note = f"（{note}）" if note and (code == "pension" or base != self.base) else ""
            amount = getattr(self, code)
            text = f"缴费基数 {fmt_yuan(base)}{shown_note} × {percent(self.rates[code])}"
            if code == "medical" and self.medical_fixed:
                text += f" + 定额 {fmt_yuan(self.medical_fixed)}（大额医疗互助）"
            if self.si_rounding in ROUNDING_TEXT:
                text += f"，{ROUNDING_TEXT[self.si_rounding]}"
            out.append((code, label, amount, f"{text} = {fmt_yuan(amount)}"))
        return out


def clamp(value: int, floor: int, cap: int) -> int:
    return min(max(value, floor), cap)


def rounded(fen: int, rate: Decimal, rounding: str) -> int:
    """fen × rate rounded once from the exact product: to the fen, jiao or yuan."""
    if rounding == "yuan":
        return mul_round_yuan(fen, rate)
    if rounding == "jiao":
        return mul_round(fen, rate, Fraction(1, 10)) * 10
    return mul_round(fen, rate)


def is_default(rules: Rules, rule_id: str) -> bool:
    return Decimal(getattr(rules, rule_id)) == Decimal(PARAMS_BY_ID[rule_id].default)


def employee_rates(rules: Rules, city: CityTable) -> dict[str, Decimal]:
    """The employee rates used: the city's statutory rate where the 规则 rate is the default."""
    out = {}
    for kind, rule_id in RATE_RULES.items():
        rate = Decimal(getattr(rules, rule_id))
        out[kind] = city.employee[kind] if kind in city.employee and is_default(rules, rule_id) else rate
    return out


def _fen(yuan: Decimal) -> int:
    return round_half_up(yuan * 100)


def contributions(declared_base: int, hf_rate: Decimal, rules: Rules, city: CityTable) -> Contributions:
    bases, notes = {}, {}
    for kind in ("pension", "medical", "unemployment", "injury"):
        low, high = city.base_range(kind)
        base = clamp(declared_base, _fen(low), _fen(high))
        bases[kind] = base
        if base != declared_base:
            side = "下限" if base > declared_base else "上限"
            what = "" if kind == "pension" or (low, high) == (city.si_floor, city.si_cap) else \
                {"medical": "医疗保险", "unemployment": "失业保险", "injury": "工伤保险"}[kind]
            notes[kind] = (f"申报基数 {declared_base / 100:,.2f} 元按{city.name}{city.effective_from} 起的{what}{side}"
                           f"调整为 {base / 100:,.2f} 元")
    hf_base = clamp(declared_base, _fen(city.hf_floor), _fen(city.hf_cap))
    # one rounding from the exact product: 7,464.22 × 7% = 522.4954 → 522 (not 522.50 → 523)
    housing = rounded(hf_base, hf_rate, city.hf_rounding)
    rates = employee_rates(rules, city)
    fixed = _fen(city.employee.get("medical_fixed", Decimal(0)))
    si = city.si_rounding
    employer = {
        "pension": rounded(bases["pension"], Decimal(city.employer["pension"]), si),
        "medical": rounded(bases["medical"], Decimal(city.employer["medical"]), si),
        "unemployment": rounded(bases["unemployment"], Decimal(city.employer["unemployment"]), si),
        "injury": rounded(bases["injury"], Decimal(city.employer["injury"]), si),
        "housing_fund": housing if city.employer.get("housing_fund_same_as_employee") else 0,
    }
    return Contributions(
        declared_base, bases["pension"], hf_base, hf_rate,
        rounded(bases["pension"], rates["pension"], si), rounded(bases["medical"], rates["medical"], si) + fixed,
        rounded(bases["unemployment"], rates["unemployment"], si), housing, employer, notes.get("pension", ""),
        bases, rates, fixed, notes, si)


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
                            WARNING, "city", "city_data"))
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


def rate_checks(city: CityTable, rules: Rules) -> list[Issue]:
    """规则 employee rates set away from the default that differ from the city's statutory rate."""
    issues = []
    for kind, rule_id in RATE_RULES.items():
        statutory = city.employee.get(kind)
        if statutory is None or is_default(rules, rule_id) or Decimal(getattr(rules, rule_id)) == statutory:
            continue
        issues.append(Issue("规则", None, "值", f"{rule_id} = {percent(getattr(rules, rule_id))}：与{city.name}法定个人"
                            f"费率 {percent(statutory)} 不同（{city.file}），按规则所填计算；保持默认值 "
                            f"{percent(Decimal(PARAMS_BY_ID[rule_id].default))} 即按各参保城市的法定费率", WARNING, rule_id))
    return issues


def unconfirmed_checks(city: CityTable, sheet: str = "规则", row: int | None = None, who: str = "") -> list[Issue]:
    """A warning naming the city, the figures and the data file when the run computes with figures
    not confirmed from a source naming the official notice."""
    used = city.unconfirmed_used()
    if not used:
        return []
    figures = "；".join(f"{FIGURE_LABELS.get(key, key)} {city.figure(key)}" for key in used)
    people = f"（{who}）" if who else ""
    return [Issue(sheet, row, "值" if sheet == "规则" else "参保城市",
                  f"{city.name}{people}社保公积金与最低工资数据（{city.file}，{city.effective_from} 起的版本）中下列数字"
                  f"未能从官方通知核实（原因见数据文件的 unconfirmed），本次照此计算，请对照当地通知核对：{figures}", WARNING,
                  "city" if sheet == "规则" else "si_city", "city_data")]


def roster_cities(staff, default: CityTable, on: dt.date) -> tuple[dict[str, CityTable], list[Issue]]:
    """Each employee's city table (参保城市 where filled, else 规则 city) and the problems found:
    an unknown city blocks and names the known ones; an employee with one keeps 规则 city."""
    from ecomdept.inputs.rules import _city

    by_emp: dict[str, CityTable] = {}
    issues: list[Issue] = []
    for rec in staff.itertuples(index=False):
        text = getattr(rec, "si_city", None)
        if text is None or text != text or not str(text).strip():  # blank (None, or NaN in a built frame)
            by_emp[rec.employee_id] = default
            continue
        try:
            city = _city(str(text).strip())
            by_emp[rec.employee_id] = default if city == default.city else city_table(city, on)
        except ValueError as exc:
            issues.append(Issue("员工", rec.xl_row, "参保城市", f"{rec.employee_id} 参保城市「{text}」：{exc}",
                                ERROR, "si_city"))
            by_emp[rec.employee_id] = default
        except (StatutoryDataError, FileNotFoundError) as exc:
            issues.append(Issue("员工", rec.xl_row, "参保城市", f"{rec.employee_id} 参保城市「{text}」：{exc}",
                                ERROR, "si_city"))
            by_emp[rec.employee_id] = default
    return by_emp, issues


def city_checks(default: CityTable, by_emp: dict[str, CityTable], staff, rules: Rules, on: dt.date) -> list[Issue]:
    """table_checks, rate_checks and unconfirmed_checks for every city the month computes with."""
    issues = table_checks(default, staff[[by_emp.get(e, default).city == default.city
                                          for e in staff["employee_id"]]] if len(staff) else staff, rules, on)
    issues += rate_checks(default, rules) + unconfirmed_checks(default)
    others: dict[str, list] = {}
    for rec in staff.itertuples(index=False):
        city = by_emp.get(rec.employee_id, default)
        if city.city != default.city:
            others.setdefault(city.city, []).append(rec)
    for records in others.values():
        city = by_emp[records[0].employee_id]
        ids = [r.employee_id for r in records]
        subset = staff[staff["employee_id"].isin(ids)]
        for issue in table_checks(city, subset, rules, on):
            if issue.sheet == "规则" and issue.field != "city":
                continue  # default_hf_rate against this city: said once for 规则 city
            issues.append(issue if issue.sheet != "规则" else
                          Issue("员工", records[0].xl_row, "参保城市", issue.message, WARNING, "si_city", issue.code))
        issues += rate_checks(city, rules)
        issues += unconfirmed_checks(city, "员工", records[0].xl_row, "参保员工 " + "、".join(ids))
    return merge_data_notices(issues)


DATA_ACTION = ("这是随 ecomdept 安装的法定数据，不在工作簿里，人事不用改工作簿，本次照常计算："
               "请维护 ecomdept 的同事按当地最新通知核对并更新这个数据文件（或升级 ecomdept）")
_DATA_FILE = re.compile(r"data/cities/[\w-]+\.json")
_AGE = re.compile(r"到 (\d{4}-\d{2}) 已 (\d+) 个月")
_UNCONFIRMED = "未能从官方通知核实"


def merge_data_notices(issues: list[Issue]) -> list[Issue]:
    """One notice per city data file — what in it is unconfirmed and how old it is — said once, with
    who can act on it (the data installed with ecomdept, not the workbook)."""
    def path(issue: Issue) -> str:
        return _DATA_FILE.search(issue.message).group(0)

    notices = [i for i in issues if i.code == "city_data"]
    stale = {path(i): i for i in notices if _UNCONFIRMED not in i.message}
    with_figures = {path(i) for i in notices if _UNCONFIRMED in i.message}
    out: list[Issue] = []
    for issue in issues:
        if issue.code != "city_data":
            out.append(issue)
            continue
        if _UNCONFIRMED not in issue.message:
            if path(issue) in with_figures:
                continue  # said in that file's notice of unconfirmed figures
            text = issue.message
        else:
            age = _AGE.search(stale[path(issue)].message) if path(issue) in stale else None
            text = issue.message + (f"；这份数据到 {age.group(1)} 已 {age.group(2)} 个月没有更新，请一并核对当年公布的"
                                    f"缴费基数上下限与最低工资" if age else "")
        out.append(Issue(issue.sheet, issue.row, issue.column, f"{text}。{DATA_ACTION}", issue.severity, issue.field,
                         issue.code))
    return out
