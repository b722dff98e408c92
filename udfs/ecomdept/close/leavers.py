"""Settling a leaver: 经济补偿 (劳动合同法第四十六条、第四十七条), 代通知金 (第四十条, 实施条例第二十条) and
the tax on them (财税〔2018〕164号第五条第一项).

- **Whether.** By the roster's 离职原因: 协商解除、无过失辞退（第四十条）、经济性裁员（第四十一条）、
  合同到期不续签、被迫解除（第三十八条） are owed compensation; 辞职 and 过失辞退（第三十九条） are not.
- **N.** One month per full year of service at the company; a remainder of six months or more counts a
  full year, less than six months half a month (第四十七条第一款). Service runs from 入职日期 to 离职日期
  inclusive.
- **The monthly wage.** The average of the 12 months paid before (实施条例第二十七条: 应发工资 with
  overtime, bonuses and allowances), from ``history.average_wage`` with its ``SEVERANCE`` rule; fewer
  months where the person worked fewer. Above three times the local average monthly wage of the year
  before, the wage is that cap and N at most 12 (第四十七条第二款).
- **代通知金.** Where the roster says 是 (a 第四十条 dismissal without 30 days' notice): one month's wage at
  the last month's level (实施条例第二十条: the wage of the month before).
- **Tax.** The one-off compensation (经济补偿 plus 代通知金, 164号 counts 其他补助费 with it) is exempt up to
  three times the local average annual wage of the year before; the excess is taxed alone on the annual
  comprehensive-income table, not merged into the month's wages.

The local average wage is versioned data (``data/average_wages.json``), looked up on the leaving date.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

from ecomdept.core.money import fmt_yuan, round_half_up
from ecomdept.pay import tax

DATA = Path(__file__).resolve().parents[1] / "data" / "average_wages.json"
OWED = ("协商解除", "无过失辞退", "经济性裁员", "合同到期不续签", "被迫解除")
NOT_OWED = ("辞职", "过失辞退")
REASONS = OWED + NOT_OWED
CLAUSE = "劳动合同法第四十七条"
TAX_CLAUSE = "财税〔2018〕164号第五条第一项"


class AverageWageMissing(Exception):
    """No local average wage for the city and date: the message says what to add."""


@dataclass(frozen=True)
class LocalWage:
    monthly: int        # fen
    effective_from: str
    derived_from: str


@cache
def _table() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))["cities"]


def local_wage(city: str, on: dt.date) -> LocalWage:
    versions = [v for v in _table().get(city, []) if v["effective_from"] <= on.isoformat()]
    if not versions:
        raise AverageWageMissing(f"没有 {city} 在 {on} 适用的上年度职工月平均工资（data/average_wages.json）")
    v = max(versions, key=lambda v: v["effective_from"])
    return LocalWage(int(v["monthly"]) * 100, v["effective_from"], v["derived_from"])


def service(start: dt.date, last_day: dt.date) -> tuple[int, int, int]:
    """(full years, then full months, then days) from ``start`` through ``last_day`` inclusive."""
    end = last_day + dt.timedelta(days=1)
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    anchor_year, anchor_month = divmod(start.month - 1 + months, 12)
    anchor = _same_day(start.year + anchor_year, anchor_month + 1, start.day)
    return months // 12, months % 12, (end - anchor).days


def _same_day(year: int, month: int, day: int) -> dt.date:
    import calendar

    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def months_owed(start: dt.date, last_day: dt.date) -> tuple[Fraction, str]:
    years, months, days = service(start, last_day)
    if months >= 6:
        return Fraction(years + 1), f"工作 {years} 年 {months} 个月（满六个月按一年）：{years + 1} 个月"
    if months or days:
        return Fraction(2 * years + 1, 2), (f"工作 {years} 年 {months} 个月 {days} 天（不满六个月的部分支付半个月）："
                                            f"{years} + 0.5 = {years}.5 个月")
    return Fraction(years), f"工作满 {years} 年：{years} 个月"


@dataclass(frozen=True)
class Settlement:
    employee_id: str
    reason: str
    months: Fraction            # N, after the 12-year cap
    wage: int                   # the monthly wage the compensation uses (capped), fen
    compensation: int           # 经济补偿, fen
    notice_pay: int             # 代通知金, fen
    exempt: int                 # the tax-free part of the one-off income
    excess: int
    tax: int
    lines: tuple[tuple[str, int, str], ...]   # (label, amount, explanation) for the 离职结算单

    @property
    def total(self) -> int:
        return self.compensation + self.notice_pay

    @property
    def net(self) -> int:
        return self.total - self.tax


def settle(employee_id: str, reason: str, start: dt.date, last_day: dt.date, average, local: LocalWage,
           notice_pay_wage: int | None = None) -> Settlement:
    """The settlement of one leaver owed compensation. ``average``: ``history.average_wage`` with the
    SEVERANCE rule (its ``average`` in fen and ``text``), or an (amount, text) pair where no month was paid
    before; ``notice_pay_wage``: last month's wage when 代通知金 is owed."""
    wage, wage_text = (average.average, average.text) if hasattr(average, "average") else average
    n, n_text = months_owed(start, last_day)
    cap = 3 * local.monthly
    lines = []
    if wage > cap:
        capped_n = min(n, Fraction(12))
        why = (f"月工资 {fmt_yuan(wage)} 高于本地区上年度职工月平均工资 {fmt_yuan(local.monthly)} 的三倍 {fmt_yuan(cap)}：按 "
               f"{fmt_yuan(cap)} 计，年限最高 12 年（{local.derived_from}）")
        n_shown = f"{n_text}" + ("，按 12 个月计" if capped_n < n else "")
        n, wage = capped_n, cap
    else:
        why = f"月工资 {fmt_yuan(wage)} 不高于本地区上年度职工月平均工资的三倍 {fmt_yuan(cap)}"
        n_shown = n_text
    compensation = round_half_up(wage * n)
    lines.append(("经济补偿", compensation,
                  f"{wage_text}；{why}；{n_shown}；{fmt_yuan(wage)} × {_months(n)} = {fmt_yuan(compensation)}（{CLAUSE}）"))
    notice = notice_pay_wage or 0
    if notice:
        lines.append(("代通知金", notice, f"未提前三十日书面通知：额外支付一个月工资，按上一个月的工资 {fmt_yuan(notice)}"
                                          "（劳动合同法第四十条，实施条例第二十条）"))
    exempt = 3 * local.monthly * 12
    total = compensation + notice
    excess = max(0, total - exempt)
    on = last_day
    owed_tax = tax.tax_on(excess, on)
    if excess:
        bracket = tax.bracket_for(excess, on)
        text = (f"一次性补偿收入 {fmt_yuan(total)} 超过当地上年职工平均工资三倍 {fmt_yuan(exempt)}"
                f"（{fmt_yuan(local.monthly)} × 12 × 3）的部分 {fmt_yuan(excess)} 单独按综合所得税率表计税："
                f"{fmt_yuan(excess)} × {(bracket.rate * 100).normalize():f}% − 速算扣除数 {fmt_yuan(int(bracket.quick_deduction * 100))}"
                f" = {fmt_yuan(owed_tax)}，不并入当月工资（{TAX_CLAUSE}）")
    else:
        text = (f"一次性补偿收入 {fmt_yuan(total)} 不超过当地上年职工平均工资三倍 {fmt_yuan(exempt)}"
                f"（{fmt_yuan(local.monthly)} × 12 × 3），免征个人所得税（{TAX_CLAUSE}）")
    lines.append(("补偿金个人所得税", -owed_tax, text))
    return Settlement(employee_id, reason, n, wage, compensation, notice, min(total, exempt), excess, owed_tax,
                      tuple(lines))


def _months(n: Fraction) -> str:
    return f"{n.numerator // n.denominator}" if n.denominator == 1 else f"{float(n):g}"


def for_month(staff, wages: dict, year: int, month: int, city_of: dict, default_city: str, sheet: str = "员工"):
    """The settlements of this month's leavers owed compensation, per 工号, and the problems found
    (a leaver whose city has no average-wage figure cannot be settled: blocking, with the row)."""
    from ecomdept.core.issues import ERROR, WARNING, Issue
    from ecomdept.pay import history

    first = dt.date(year, month, 1)
    found: dict[str, Settlement] = {}
    issues = []
    for emp in staff.itertuples(index=False):
        reason = getattr(emp, "leave_reason", None) or ""
        leave = emp.leave_date
        if not reason:
            continue
        if leave is None:
            issues.append(Issue(sheet, emp.xl_row, "离职原因", f"{emp.employee_id}：填了离职原因「{reason}」但没有离职日期，"
                                                              "离职结算未计算", WARNING))
            continue
        if not (first <= leave < _next_month(first)) or reason not in OWED:
            continue
        city = city_of.get(emp.employee_id)
        city_id = getattr(city, "city", None) or default_city
        try:
            local = local_wage(city_id, leave)
        except AverageWageMissing as exc:
            issues.append(Issue(sheet, emp.xl_row, "离职原因", f"{emp.employee_id}：{exc}，经济补偿无法计算；"
                                                              "请向当地人社部门核实后补充数据文件", ERROR))
            continue
        mine = wages.get(emp.employee_id, {})
        average = history.average_wage(mine, history.SEVERANCE)
        contract = (emp.base_salary or 0) + (emp.allowance or 0)
        if average is None:
            average = (contract, f"没有往月工资记录：按月基本工资与岗位津贴 {fmt_yuan(contract)} 计")
        notice = None
        if getattr(emp, "notice_pay", None):
            last = mine[max(mine)].gross if mine else contract
            notice = last
        found[emp.employee_id] = settle(emp.employee_id, reason, emp.hire_date, leave, average, local, notice)
    return found, issues


def _next_month(first: dt.date) -> dt.date:
    return dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
