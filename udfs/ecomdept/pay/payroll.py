"""Payroll per employee: gross (应发) → social insurance, housing fund, IIT (代扣) → net (实发).

Every amount is integer fen and carries a line with its explanation and clause, so the payslip,
the results workbook and payroll.csv tell the same story. Identities (DESIGN.md):
    gross_pay = base_pay + allowance + overtime_pay + bonus − unpaid_leave_deduction − penalties
    net_pay   = gross_pay − social_insurance − housing_fund − iit
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from ecomdept.pay import annual_bonus
from ecomdept.pay import tax
from ecomdept.worktime.attendance import hours_text
from ecomdept.core.calendar import HOLIDAY, WorkCalendar, month_dates
from ecomdept.pay.deductions import Basis, below_minimum, fine_limit, minimum_wage, service_years, sick_leave
from ecomdept.pay.history import YearToDate
from ecomdept.core.money import fmt_yuan, mul_round, percent, round_half_up
from ecomdept.worktime.overtime import OvertimeLine
from ecomdept.pay.penalties import Fine
from ecomdept.inputs.rules import Rules
from ecomdept.pay.social_insurance import contributions
from ecomdept.core.statutory import CityTable

EARNING, DEDUCTION, WITHHOLDING = "应发", "扣款", "代扣"


@dataclass(frozen=True)
class Line:
    section: str
    code: str
    label: str
    amount: int
    explanation: str
    clause: str = ""


@dataclass
class Pay:
    employee_id: str
    name: str
    base_pay: int = 0
    allowance: int = 0
    overtime_pay: int = 0
    bonus: int = 0
    unpaid_leave_deduction: int = 0
    penalties: int = 0
    penalties_carried: int = 0
    gross_pay: int = 0
    social_insurance: int = 0
    housing_fund: int = 0
    additional_deductions: int = 0
    iit: int = 0
    net_pay: int = 0
    ytd_income: int = 0
    ytd_basic_deduction: int = 0
    ytd_special_deduction: int = 0
    ytd_additional_deduction: int = 0
    ytd_taxable_income: int = 0
    ytd_iit_before_this_month: int = 0
    employer_cost: dict[str, int] = field(default_factory=dict)
    lines: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pay_date: dt.date | None = None
    held: bool = False  # HR-03 with short_notice_settlement = hold
    warnings: list[tuple[str, str, str]] = field(default_factory=list)  # (sheet, column, text) for HR, never the payslip
    annual_bonus: int = 0
    annual_bonus_iit: int = 0
    annual_bonus_method: str = ""          # separate | merged
    tax_period: str = ""                   # YYYY-MM the withholding belongs to
    deferred: bool = False                 # PAY-05: paid and taxed with next month's wages
    carried_net: int = 0                   # last month's deferred net paid with this month (bank and cash lists)
    carried_month: str = ""
    annual_bonus_compare: tuple[int, int] | None = None  # this month's tax: (separately taxed, merged)
    annual_leave_pay: int = 0              # 未休年休假工资, included in allowance
    correction: int = 0                    # 补发补扣 of earlier months, included in allowance
    workdays: int = 0
    employed_workdays: int = 0


@dataclass
class LeaveTerms:
    """What the leave ledgers say about one person's month (entitlements.py)."""
    annual: object = None                  # entitlements.AnnualLeave
    excess: object = None                  # entitlements.Excess (statutory leave above its allowance)
    nursing_min: int = 0                   # 哺乳假 above 60 minutes a day
    excess_rule: str = "personal"          # 规则 leave_excess
    average: object = None                 # history.AverageWage: the unused-leave payout's monthly wage (第十一条)

    def excess_clauses(self) -> str:
        """LV-11 for annual leave above the balance, LV-12 for statutory leave above its days."""
        ids = ["LV-11"] if self.annual is not None and self.annual.excess_min else []
        if self.excess_rule == "personal" and ((self.excess is not None and self.excess.minutes) or self.nursing_min):
            ids.append("LV-12")
        return "/".join(ids)

    def unpaid_excess(self) -> tuple[int, str]:
        """Minutes deducted as 事假, and why."""
        minutes, why = 0, []
        if self.annual is not None and self.annual.excess_min:
            minutes += self.annual.excess_min
            why.append(f"年假超出余额 {hours_text(self.annual.excess_min)} 小时")
        if self.excess_rule == "personal":
            if self.excess is not None and self.excess.minutes:
                minutes += sum(self.excess.minutes.values())
                why += self.excess.notes
            if self.nursing_min:
                minutes += self.nursing_min
                why.append(f"哺乳假每天超过 1 小时共 {hours_text(self.nursing_min)} 小时")
        return minutes, "；".join(why)


def is_deferred(year: int, month: int, hire_date: dt.date, rules: Rules) -> bool:
    """PAY-05: hired after the pay day of the month → this month is paid with next month's wages."""
    return hire_date.year == year and hire_date.month == month and hire_date.day > rules.pay_day


def pay_date(year: int, month: int, hire_date: dt.date, calendar: WorkCalendar, rules: Rules) -> tuple[dt.date, str]:
    """PAY-03/04/05: the 15th of the next month, moved off rest days; late-month hires a month later."""
    deferred = is_deferred(year, month, hire_date, rules)
    months_ahead = 2 if deferred else 1
    y, m = divmod((month - 1) + months_ahead, 12)
    days = month_dates(year + y, m + 1)
    nominal = days[min(int(rules.pay_day), len(days)) - 1]  # pay_day = 月末 is kept as 31
    moved = (calendar.previous_workday(nominal) if rules.pay_day_shift == "earlier"
             else calendar.next_workday(nominal))
    day = "月末" if int(rules.pay_day) >= 29 else f"{int(rules.pay_day)}日"
    note = f"每月{day}发放上月工资（PAY-03）"
    if deferred:
        note = f"{day}以后入职，本月工资与次月工资一起发放（PAY-05）"
    if moved != nominal:
        note += f"；{nominal} 为休息日，{'提前' if moved < nominal else '推后'}至 {moved}（PAY-04）"
    return moved, note


def hf_explanation(c, city: CityTable) -> str:
    exact = Fraction(c.hf_base) * Fraction(c.hf_rate) / 100  # yuan
    text = f"公积金基数 {fmt_yuan(c.hf_base)}"
    if c.hf_base != c.declared_base:
        side = "下限（最低工资）" if c.hf_base > c.declared_base else "上限"
        text += f"（申报 {fmt_yuan(c.declared_base)}，按{city.name}{city.effective_from} 起的{side}）"
    text += f" × {percent(c.hf_rate)} = {_exact_yuan(exact)} 元"
    if city.hf_rounding == "yuan":
        text += f"，四舍五入到元 = {fmt_yuan(c.housing_fund)}（{city.name}公积金缴存额取整到元）"
    elif city.hf_rounding == "jiao":
        text += f"，四舍五入到角 = {fmt_yuan(c.housing_fund)}（{city.name}公积金缴存额取整到角）"
    elif Fraction(c.housing_fund, 100) != exact:
        text += f"，四舍五入到分 = {fmt_yuan(c.housing_fund)}"
    return text


def _exact_yuan(value: Fraction) -> str:
    """An exact yuan amount with as many decimals as it needs (522.4954), at least two."""
    text = f"{Decimal(value.numerator) / Decimal(value.denominator):f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    return f"{int(whole):,}.{frac.ljust(2, '0')}"


def paid_holidays(emp, calendar: WorkCalendar, year: int, month: int) -> int:
    """Statutory holidays of the month on which the employee was employed."""
    return sum(1 for day in month_dates(year, month)
               if emp.hire_date <= day and (emp.leave_date is None or day <= emp.leave_date)
               and calendar.kind(day) == HOLIDAY)


def iit_explanation(p, bracket, cumulative: int, carried: str) -> str:
    """Each step written so that its numbers, as printed, give the amount printed."""
    raw = p.ytd_income - p.ytd_basic_deduction - p.ytd_special_deduction - p.ytd_additional_deduction
    taxable = (f"累计收入 {fmt_yuan(p.ytd_income)}{carried} − 减除费用 {fmt_yuan(p.ytd_basic_deduction)} − 专项扣除 "
               f"{fmt_yuan(p.ytd_special_deduction)} − 专项附加扣除 {fmt_yuan(p.ytd_additional_deduction)} = "
               f"{fmt_yuan(raw)}")
    if raw < 0:
        taxable += "，不足减除，累计应纳税所得额为 ¥0.00"
    else:
        taxable += "（累计应纳税所得额）"
    quick = round_half_up(bracket.quick_deduction * 100)
    steps = [f"所属期 {p.tax_period}", taxable]
    if p.ytd_taxable_income > 0:
        steps.append(f"{fmt_yuan(p.ytd_taxable_income)} × {percent(bracket.rate)} − 速算扣除数 {fmt_yuan(quick)} = "
                     f"{fmt_yuan(cumulative)}（累计应纳税额）")
    due = cumulative - p.ytd_iit_before_this_month
    steps.append(f"{fmt_yuan(cumulative)} − 已预扣 {fmt_yuan(p.ytd_iit_before_this_month)} = {fmt_yuan(due)}"
                 + ("" if due >= 0 else "，为负不退税，本月预扣 ¥0.00"))
    return "；".join(steps)


def tax_period(year: int, month: int, paid_on: dt.date, rules: Rules) -> tuple[int, int]:
    """The withholding's tax period: the payment month (default) or the work month (规则 iit_period)."""
    return (paid_on.year, paid_on.month) if rules.iit_period == "pay_month" else (year, month)


def first_period(emp, rules: Rules, calendar: WorkCalendar) -> tuple[int, int]:
    """The tax period of the employee's first wages with this employer."""
    hire = emp.hire_date
    paid_on, _ = pay_date(hire.year, hire.month, hire, calendar, rules)
    return tax_period(hire.year, hire.month, paid_on, rules)


def tax_months(emp, period: tuple[int, int], rules: Rules, calendar: WorkCalendar) -> int:
    """Months of this tax year with wages from this employer, up to and including ``period``."""
    first = first_period(emp, rules, calendar)
    start = first[1] if first[0] == period[0] else 1
    return max(1, period[1] - start + 1)


def ytd_basic_before(emp, period: tuple[int, int], rules: Rules, ytd: YearToDate) -> int:
    """累计减除费用 of the periods already withheld this year (a deferred row withholds nothing)."""
    if not ytd.months:
        return 0
    on = dt.date(period[0], period[1], 1)
    return tax.basic_deduction(max(ytd.months), len(ytd.months), bool(emp.first_job_this_year),
                               bool(emp.prior_year_under_60k), on)


def annual_leave_payout(p: Pay, leave: LeaveTerms, base: int, allowance: int) -> int:
    """未休年休假工资: unused days × the daily wage (the average monthly wage ÷ 21.75, 实施办法第十一条) × 200%
    more than the normal wage (300% in all, 第十条)."""
    days = leave.annual.payout_days
    if leave.average is not None:
        monthly, basis = leave.average.average, leave.average.text
    else:
        monthly = base + allowance
        parts = f"月基本工资 {fmt_yuan(base)}" + (f" + 岗位津贴 {fmt_yuan(allowance)} = {fmt_yuan(monthly)}" if allowance else "")
        basis = f"月平均工资：没有往期工资记录（往期运行与工资台账均无），按本月{parts}（实施办法第十一条）"
    pay = round_half_up(Fraction(monthly * days * 2) / Fraction(2175, 100))
    p.lines.append(Line(EARNING, "annual_leave_pay", "未休年休假工资", pay,
                        f"{leave.annual.payout_text}；{basis}；{fmt_yuan(monthly)} ÷ 21.75 × {days} 天 × 200% = "
                        f"{fmt_yuan(pay)}（日工资 = 月平均工资 ÷ 21.75；支付日工资的 300%，其中 100% 已含在当月工资里，"
                        "实施办法第十条）", "LV-11"))
    return pay


def compute(emp, summary: dict, ot_lines: list[OvertimeLine], fines: list[Fine], bonus: int | tuple[int, str],
            ytd: YearToDate,
            calendar: WorkCalendar, rules: Rules, city: CityTable, year: int, month: int,
            shift_minutes: int, annual=None, leave: LeaveTerms | None = None, corrections=()) -> Pay:
    p = Pay(emp.employee_id, emp.name)
    base = emp.base_salary
    workdays = len(calendar.workdays(year, month))
    employed = int(summary.get("workdays", 0))
    p.workdays, p.employed_workdays = workdays, employed
    divisor = Fraction(workdays) if rules.day_divisor == "workdays" else Fraction(2175, 100)
    divisor_text = f"当月实际工作日 {workdays} 天" if rules.day_divisor == "workdays" else "法定月计薪天数 21.75 天"

    # 应发：基本工资、岗位津贴（按在职工作日折算；21.75 口径下法定节假日也是计薪日，劳社部发〔2008〕3号）
    paid_days, paid_text = employed, f"在职工作日 {employed}"
    if rules.day_divisor != "workdays" and employed < workdays:
        holidays = paid_holidays(emp, calendar, year, month)
        if holidays:
            paid_days += holidays
            paid_text = f"计薪日 {paid_days}（在职工作日 {employed} + 法定节假日 {holidays}）"
    if employed >= workdays:
        p.base_pay = base
        why = f"月基本工资 {fmt_yuan(base)}，全月在职"
    else:
        p.base_pay = min(base, mul_round(base, Fraction(paid_days) / divisor))
        why = f"月基本工资 {fmt_yuan(base)} × {paid_text} ÷ {divisor_text} = {fmt_yuan(p.base_pay)}（PAY-08）"
    p.lines.append(Line(EARNING, "base_pay", "基本工资", p.base_pay, why, "PAY-08"))
    allowance = emp.allowance or 0
    if allowance:
        p.allowance = allowance if employed >= workdays else min(
            allowance, mul_round(allowance, Fraction(paid_days) / divisor))
        p.lines.append(Line(EARNING, "allowance", "岗位津贴", p.allowance,
                            f"岗位津贴 {fmt_yuan(allowance)}" + ("" if employed >= workdays else
                                                               f" × {paid_days} ÷ {divisor_text} = {fmt_yuan(p.allowance)}")))
    if leave is not None and leave.annual is not None and leave.annual.payout_days:
        p.annual_leave_pay = annual_leave_payout(p, leave, base, allowance)
        p.allowance += p.annual_leave_pay
    for line in ot_lines:
        p.overtime_pay += line.amount
        p.lines.append(Line(EARNING, "overtime_pay", "加班工资" if line.amount else "加班补休", line.amount,
                            line.explanation, line.clause))
    for fix in corrections:  # 补发补扣 of months already paid (ecomdept.close.corrections)
        p.correction += fix.amount
        p.allowance += fix.amount
        p.lines.append(Line(EARNING, "correction", fix.label, fix.amount, fix.explanation()))
    bonus, bonus_note = bonus if isinstance(bonus, tuple) else (bonus, "绩效表本月奖金（PAY-10）")
    if bonus:
        p.bonus = bonus
        p.lines.append(Line(EARNING, "bonus", "绩效奖金", bonus, bonus_note, "PAY-10"))

    # 扣款：无薪假与旷工按分钟折算（PAY-08：日工资 = 月基本工资 ÷ 当月工作日，小时 = 日 ÷ 7.5）
    basis = Basis(base, divisor, f"{workdays} 天" if rules.day_divisor == "workdays" else "21.75 天", shift_minutes)
    unpaid_min = int(summary.get("unpaid_leave_min", 0))
    sick_min = min(int(summary.get("leave_min_病假", 0)), unpaid_min)
    personal_min = unpaid_min - sick_min if rules.personal_leave_pay == "deduct" else 0  # 规则: 事假 paid
    absent_min = int(summary.get("absent_unworked_min", 0))
    cap = p.base_pay
    personal_amount = min(basis.amount(personal_min), cap)
    if personal_amount:
        p.lines.append(Line(DEDUCTION, "unpaid_leave", "事假扣款", personal_amount,
                            f"事假 {hours_text(personal_min)} 小时：{basis.formula(personal_min)}"
                            + ("" if personal_amount == basis.amount(personal_min) else f"，以基本工资 {fmt_yuan(cap)} 为限")
                            + "（LV-10）", "LV-10"))
    sick_amount = 0
    if sick_min:
        on = dt.date(year, month, 1)
        years = service_years(getattr(emp, "service_start", None) or emp.hire_date, on)
        sick = sick_leave(basis, sick_min, years, city, rules.sick_pay_floor_ratio, workdays)
        sick_amount = min(sick.deduction, cap - personal_amount)
        p.lines.append(Line(DEDUCTION, "sick_leave", "病假扣款", sick_amount, sick.explanation, "LV-10"))
        if sick.raised:
            p.warnings.append(("规则", "值", f"病假 {hours_text(sick_min)} 小时：{sick.raised} {fmt_yuan(sick.kept)}"))
    leave_amount = personal_amount + sick_amount
    absent_amount = basis.amount(absent_min)
    if absent_amount:
        full_absent = absent_amount
        absent_amount = min(absent_amount, cap - leave_amount)
        p.lines.append(Line(DEDUCTION, "absence", "旷工扣款", absent_amount,
                            f"旷工未出勤 {hours_text(absent_min)} 小时：{basis.formula(absent_min)}"
                            + ("" if absent_amount == full_absent else f"，以基本工资余额为限")
                            + "（ABS-01/ABS-04）", "ABS-08"))
    excess_min, excess_text = leave.unpaid_excess() if leave is not None else (0, "")
    if excess_min:
        excess_amount = min(basis.amount(excess_min), cap - leave_amount - absent_amount)
        if excess_amount:
            p.lines.append(Line(DEDUCTION, "leave_excess", "超额假期扣款", excess_amount,
                                f"{excess_text}，超出 {hours_text(excess_min)} 小时按事假：{basis.formula(excess_min)}",
                                leave.excess_clauses()))
            absent_amount += excess_amount
    p.unpaid_leave_deduction = leave_amount + absent_amount

    # 代扣：社保、公积金（罚款的最低工资检验要用到本人缴纳部分）
    declared = emp.si_base if emp.si_base else base
    hf_rate = Decimal(emp.hf_rate) if emp.hf_rate is not None else rules.default_hf_rate
    c = contributions(declared, hf_rate, rules, city)
    p.social_insurance, p.housing_fund = c.social_insurance, c.housing_fund
    for code, label, amount, text in c.lines():  # each insurance's base and rate in the person's city
        p.lines.append(Line(WITHHOLDING, code, label, amount, text))
    p.lines.append(Line(WITHHOLDING, "housing_fund", "住房公积金", c.housing_fund, hf_explanation(c, city)))
    p.employer_cost = c.employer

    # 最低工资（最低工资规定第12条）与罚款上限（工资支付暂行规定第16条，PAY-07）
    mw = minimum_wage(city, p, personal_min + absent_min + excess_min, sick_min, workdays, employed, shift_minutes)
    fine_total = sum(f.amount for f in fines)
    wage = p.base_pay + p.allowance + p.overtime_pay + p.bonus - p.unpaid_leave_deduction
    if fine_total:
        limit, limit_text = fine_limit(wage, rules.penalty_cap_ratio, mw)
        p.penalties = min(fine_total, limit)
        for fine in fines:
            if fine.amount:
                p.lines.append(Line(DEDUCTION, fine.rule, "罚款", fine.amount, f"{fine.date} {fine.explanation}",
                                    fine.clause))
        if p.penalties < fine_total:
            excess = fine_total - p.penalties
            p.penalties_carried = excess if rules.penalty_cap_excess == "carry" else 0
            action = "结转下月" if rules.penalty_cap_excess == "carry" else "免除"
            p.lines.append(Line(DEDUCTION, "penalty_cap", "罚款上限调整", -excess,
                                f"罚款合计 {fmt_yuan(fine_total)} 超过上限 {fmt_yuan(limit)}（{limit_text}），"
                                f"{fmt_yuan(fine_total)} − {fmt_yuan(limit)} = {fmt_yuan(excess)} {action}",
                                "PAY-07"))
    shortfall = below_minimum(base + allowance, p, city)
    if shortfall:
        p.warnings.append(("员工", "月基本工资", shortfall))
    p.pay_date, note = pay_date(year, month, emp.hire_date, calendar, rules)
    p.notes.append(note)
    p.deferred = is_deferred(year, month, emp.hire_date, rules)
    period = tax_period(year, month, p.pay_date, rules)
    p.tax_period = f"{period[0]:04d}-{period[1]:02d}"

    # 全年一次性奖金（财政部 税务总局公告2023年第30号）：单独计税或并入综合所得
    bonus_plan = annual_bonus.plan(annual, ytd, p.pay_date) if annual else None
    if bonus_plan:
        p.annual_bonus, p.annual_bonus_method = bonus_plan.amount, bonus_plan.method
        p.warnings += [("年终奖", "计税方式", w) for w in bonus_plan.warnings]
    p.gross_pay = (p.base_pay + p.allowance + p.overtime_pay + p.bonus + p.annual_bonus - p.unpaid_leave_deduction
                   - p.penalties)

    # 代扣：个税（累计预扣法，国家税务总局公告2018年第61号；所属期为发放月，规则 iit_period）
    on = dt.date(period[0], period[1], 1)
    p.additional_deductions = emp.special_deduction or 0
    if p.deferred and rules.iit_period == "pay_month":
        next_year, next_month = divmod(year * 12 + month, 12)
        next_month += 1
        # paid and taxed with next month's wages (PAY-05): nothing is withheld in this run
        p.ytd_income, p.ytd_special_deduction, p.ytd_additional_deduction = ytd.income, ytd.special, ytd.additional
        p.ytd_basic_deduction = ytd_basic_before(emp, period, rules, ytd)
        p.ytd_iit_before_this_month = ytd.iit
        p.ytd_taxable_income = tax.taxable_income(p.ytd_income, 0, p.ytd_basic_deduction, p.ytd_special_deduction,
                                                  p.ytd_additional_deduction, 0)
        p.iit = 0
        p.additional_deductions = 0
        p.lines.append(Line(WITHHOLDING, "iit", "个人所得税", 0,
                            f"本月（{year}-{month:02d}）的工资与下月（{next_year}-{next_month:02d}）的工资一起在 "
                            f"{p.pay_date:%Y-%m-%d} 发放，个税在所属期 {p.tax_period}（发放的月份）一并计算预扣",
                            "PAY-05"))
    else:
        merged = p.annual_bonus if p.annual_bonus_method == "merged" else 0
        this_income = p.gross_pay - p.annual_bonus + merged + ytd.carried_income
        p.ytd_income = ytd.income + this_income
        p.ytd_basic_deduction = tax.basic_deduction(period[1], tax_months(emp, period, rules, calendar),
                                                    bool(emp.first_job_this_year), bool(emp.prior_year_under_60k), on)
        p.ytd_special_deduction = ytd.special + ytd.carried_special + p.social_insurance + p.housing_fund
        p.ytd_additional_deduction = ytd.additional + p.additional_deductions
        p.ytd_iit_before_this_month = ytd.iit
        p.ytd_taxable_income = tax.taxable_income(p.ytd_income, 0, p.ytd_basic_deduction, p.ytd_special_deduction,
                                                  p.ytd_additional_deduction, 0)
        cumulative = tax.tax_on(p.ytd_taxable_income, on)
        p.iit = max(0, cumulative - p.ytd_iit_before_this_month)
        bracket = tax.bracket_for(p.ytd_taxable_income, on)
        carried = (f"（含 {ytd.carried_month} 随本月发放的工资 {fmt_yuan(ytd.carried_income)}）"
                   if ytd.carried_income else "")
        p.lines.append(Line(WITHHOLDING, "iit", "个人所得税", p.iit, iit_explanation(p, bracket, cumulative, carried),
                            "STA-2018-61"))
        if bonus_plan:
            p.annual_bonus_iit = annual_bonus.add_lines(p, bonus_plan, on, cumulative)
    p.carried_net = ytd.carried_net
    p.carried_month = ytd.carried_month
    p.net_pay = p.gross_pay - p.social_insurance - p.housing_fund - p.iit - p.annual_bonus_iit
    return p
