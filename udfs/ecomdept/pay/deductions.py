"""扣款: unpaid leave, sick leave, absence and fines — each a line whose arithmetic, done with the
numbers it shows, gives the amount it shows.

- 事假 and 旷工 are unpaid by the minute (LV-10, ABS-01/04).
- 病假: the law is the floor. Every city keeps at least 80% of the local minimum wage for the sick time
  (劳部发〔1995〕309号第五十九条; 北京市工资支付规定第二十一条; 广东省工资支付条例第二十四条; 深圳市员工工资支付
  条例第二十三条; Zhejiang applies the national rule), and Shanghai (沪劳保发〔1995〕83号, 60%–100% by
  continuous service) and Shenzhen (60%) also a share of the wage. The company's rule (LV-10: unpaid,
  with ``sick_pay_floor_ratio`` of the minimum wage kept) applies where it is more generous; a ratio
  below the legal floor is raised to it, on the payslip line and in 预警.
- Fines: at most ``penalty_cap_ratio`` of the month's wage, and what is left may not fall below the
  minimum wage (工资支付暂行规定第16条, PAY-07). The minimum-wage test is 最低工资规定第12条's: pay
  without what the city excludes (Shanghai: overtime pay and the employee's own social insurance and
  housing fund), against the minimum for the time the employee did not miss by their own doing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from ecomdept.worktime.attendance import hours_text
from ecomdept.core.money import fmt_yuan, mul_round, percent, round_half_up
from ecomdept.core.statutory import CityTable, national_sick_pay


@dataclass(frozen=True)
class Basis:
    """What a minute of normal hours is worth this month, and how it is written."""
    base: int                 # monthly base salary, fen
    divisor: Fraction         # days: the month's workdays or 21.75
    divisor_text: str         # "22 天" / "21.75 天"
    shift_minutes: int

    def amount(self, minutes: int) -> int:
        return round_half_up(Fraction(self.base * minutes) / (self.divisor * self.shift_minutes))

    def formula(self, minutes: int) -> str:
        return (f"{fmt_yuan(self.base)} × {minutes} 分钟 ÷ ({self.divisor_text} × {self.shift_minutes} 分钟)"
                f" = {fmt_yuan(self.amount(minutes))}")


def service_years(start: dt.date | None, on: dt.date) -> int:
    """Whole years of continuous service completed on ``on``."""
    if start is None or start > on:
        return 0
    return on.year - start.year - ((on.month, on.day) < (start.month, start.day))


@dataclass
class SickPay:
    deduction: int
    kept: int
    explanation: str
    raised: str = ""          # the company rule was below the legal floor: why it was raised (for 预警)


def sick_leave(basis: Basis, minutes: int, years: int, city: CityTable, company_floor_ratio,
               workdays: int) -> SickPay:
    """The sick-leave deduction: full pay for the minutes, less what the employee keeps.

    Kept is the highest of: the city's legal share of the wage by service (Shanghai, Shenzhen), the
    legal floor of the minimum wage (the city's rule, else 劳部发〔1995〕309号第五十九条: 80%) and the
    company's 规则 ``sick_pay_floor_ratio``. A company ratio below the legal floor is raised to it,
    and ``raised`` says so with the clause."""
    full = basis.amount(minutes)
    parts = [f"病假 {hours_text(minutes)} 小时全额 {basis.formula(minutes)}"]
    keeps: list[tuple[int, str]] = []
    minimum = city.minimum_wage_fen
    time_share = f"{minutes} 分钟 ÷ ({workdays} 天 × {basis.shift_minutes} 分钟)"
    law = city.sick_pay or national_sick_pay()
    by_service = law.share(years)
    if by_service is not None:
        share, band = by_service
        kept = round_half_up(Fraction(full) * Fraction(share))
        service = f"（连续工龄 {years} 年，满 {band} 年档）" if len(law.by_service_years) > 1 else ""
        keeps.append((kept, f"法定病假工资{service}为本人工资的 {percent(share)}："
                            f"{fmt_yuan(full)} × {percent(share)} = {fmt_yuan(kept)}（{law.clause}）"))
    floor_ratio = law.floor_of_minimum_wage
    floor = _of_minimum(minimum, floor_ratio, minutes, workdays, basis.shift_minutes)
    floor_text = (f"法定下限为最低工资的 {percent(floor_ratio)}：{fmt_yuan(minimum)} × {percent(floor_ratio)} × {time_share} = "
                  f"{fmt_yuan(floor)}"
                  + ("" if by_service is not None else f"（{law.clause}）"))
    keeps.append((floor, floor_text))
    raised = ""
    ratio = Fraction(company_floor_ratio or 0)
    if ratio >= Fraction(floor_ratio):
        company = _of_minimum(minimum, company_floor_ratio, minutes, workdays, basis.shift_minutes)
        keeps.append((company, f"制度（LV-10）保留最低工资的 {percent(company_floor_ratio)}：{fmt_yuan(minimum)} × "
                               f"{percent(company_floor_ratio)} × {time_share} = {fmt_yuan(company)}"))
    else:
        raised = (f"规则「病假工资下限」{percent(company_floor_ratio or 0)} 低于法定下限最低工资的 {percent(floor_ratio)}"
                  f"（{law.clause}），不采用，按法定标准保留")
    kept, why = max(keeps, key=lambda k: k[0])
    kept = min(kept, full)
    if len(keeps) > 1:  # every alternative named, with its arithmetic, and the one taken
        parts.append(f"应保留以下 {len(keeps)} 项中较高的 {fmt_yuan(kept)}")
        parts += [f"{'①②③④⑤'[i]} {text}" for i, (_, text) in enumerate(keeps)]
    else:
        parts.append(f"应保留 {fmt_yuan(kept)}：{why}")
    if raised:
        parts.append(raised)
    deduction = full - kept
    parts.append(f"扣 {fmt_yuan(full)} − {fmt_yuan(kept)} = {fmt_yuan(deduction)}")
    return SickPay(deduction, kept, "；".join(parts), raised)


def _of_minimum(minimum: int, ratio, minutes: int, workdays: int, shift_minutes: int) -> int:
    """``ratio`` of the monthly minimum wage for ``minutes`` of the month's normal hours."""
    return round_half_up(Fraction(minimum * minutes) * Fraction(ratio) / (workdays * shift_minutes))


@dataclass
class MinimumWage:
    """最低工资规定第12条 for one employee and month."""
    floor: int            # the minimum for the time not missed by the employee's own doing
    counted: int          # pay that counts toward it (before fines)
    explanation: str
    excluded: list[str] = field(default_factory=list)


EXCLUSION_LABELS = {"overtime_pay": "加班工资", "social_insurance": "个人社保", "housing_fund": "个人公积金"}


def minimum_wage(city: CityTable, pay, own_missed_minutes: int, sick_kept_floor_minutes: int, workdays: int,
                 employed_workdays: int, shift_minutes: int) -> MinimumWage:
    """The floor is the monthly minimum × the share of the month's normal hours the employee was on
    payroll and did not miss by their own doing (事假、旷工; sick leave has its own floor)."""
    total = workdays * shift_minutes
    owed = max(0, employed_workdays * shift_minutes - own_missed_minutes - sick_kept_floor_minutes)
    floor = round_half_up(Fraction(city.minimum_wage_fen * owed, total)) if total else 0
    counted = pay.base_pay + pay.allowance + pay.overtime_pay + pay.bonus - pay.unpaid_leave_deduction
    excluded = []
    for key in sorted(city.minimum_wage_excludes):
        value = getattr(pay, key)
        if value:
            counted -= value
            excluded.append(f"{EXCLUSION_LABELS[key]} {fmt_yuan(value)}")
    text = (f"最低工资 {fmt_yuan(city.minimum_wage_fen)} × {owed} ÷ {total} 分钟 = {fmt_yuan(floor)}"
            if owed != total else f"最低工资 {fmt_yuan(city.minimum_wage_fen)}")
    return MinimumWage(floor, counted, text, excluded)


def fine_limit(wage: int, cap_ratio, mw: MinimumWage) -> tuple[int, str]:
    """The most that fines may take: ``cap_ratio`` of the wage, and no further than the minimum."""
    by_ratio = mul_round(max(wage, 0), cap_ratio)
    by_minimum = max(0, mw.counted - mw.floor)
    counted = "应发（不含" + "、".join(mw.excluded) + "）" if mw.excluded else "应发"
    text = (f"当月工资 {fmt_yuan(wage)} × {percent(cap_ratio)} = {fmt_yuan(by_ratio)}；扣后不低于{mw.explanation}："
            f"{counted} {fmt_yuan(mw.counted)} − {fmt_yuan(mw.floor)} = {fmt_yuan(mw.counted - mw.floor)}"
            + ("" if mw.counted >= mw.floor else "，不足，不能再扣"))
    return min(by_ratio, by_minimum), text


def below_minimum(monthly: int, pay, city: CityTable) -> str | None:
    """A full month's base and allowance, less what the city excludes from the minimum wage, below
    the minimum: a warning for HR (the month's own absences do not matter here)."""
    counted, parts = monthly, [fmt_yuan(monthly)]
    for key in sorted(city.minimum_wage_excludes - {"overtime_pay"}):
        value = getattr(pay, key)
        if value:
            counted -= value
            parts.append(f"{EXCLUSION_LABELS[key]} {fmt_yuan(value)}")
    if counted >= city.minimum_wage_fen:
        return None
    return (f"月基本工资与津贴 {' − '.join(parts)} = {fmt_yuan(counted)}，低于{city.name}月最低工资 "
            f"{fmt_yuan(city.minimum_wage_fen)}（最低工资规定第12条）：请核对基本工资或补足差额 "
            f"{fmt_yuan(city.minimum_wage_fen - counted)}")
