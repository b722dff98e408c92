"""One month's computation from a loaded workbook: calendar → attendance → penalties → payroll.

Pure: no files written here. The CLI, the Excel buttons and the UDFs all call ``run_month``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ecomdept.worktime import alerts as alerts_mod
from ecomdept.worktime import attendance
from ecomdept.worktime import entitlements
from ecomdept.worktime import leave_year
from ecomdept.sales import kpi
from ecomdept.pay import probation
from ecomdept.worktime import overtime
from ecomdept.pay import penalties
from ecomdept.pay import performance
from ecomdept.run import period
from ecomdept.sales import refunds
from ecomdept.inputs import shifts
from ecomdept.pay import tax_flags
from ecomdept.pay import payroll as payroll_mod
from ecomdept.close import corrections as corrections_mod
from ecomdept.core.calendar import month_dates
from ecomdept.core.money import fmt_yuan
from ecomdept.pay.history import carried_penalties, comp_opening, prior_months
from ecomdept.core.issues import ERROR, WARNING, Issue, fold
from ecomdept.pay.social_insurance import city_checks, roster_cities
from ecomdept.core.statutory import StatutoryDataError, city_table
from ecomdept.inputs.workbook_io import Workbook, employees_on_payroll, month_checks


@dataclass
class MonthResult:
    year: int
    month: int
    book: Workbook
    employees: pd.DataFrame
    days: pd.DataFrame
    summary: pd.DataFrame
    fines: list
    alerts: list
    overtime: list
    pays: list
    ytd_sources: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    comp_ledger: dict[str, dict] = field(default_factory=dict)
    kpis: pd.DataFrame | None = None
    scores: dict = field(default_factory=dict)
    refund_flow: pd.DataFrame | None = None
    sales: "OrderStage | None" = None
    ytd_runs: dict[str, str] = field(default_factory=dict)  # earlier runs read for year-to-date → sha256
    tax_period: str = ""  # the withholding period of this month's wages (a late-month hire's is the next)
    annual_leave: dict = field(default_factory=dict)  # 工号 → entitlements.AnnualLeave
    duty: pd.DataFrame | None = None  # DUTY-01 值班表: per day who was rostered, on duty, rostered and absent
    cities: dict = field(default_factory=dict)  # city id → the CityTable the month computed with (规则 city, 参保城市)
    stale_runs: dict = field(default_factory=dict)  # later month → why its result no longer holds (年终奖 once a year)
    settlements: dict = field(default_factory=dict)  # 工号 → close.leavers.Settlement (经济补偿 of this month's leavers)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass
class OrderStage:
    """Everything the month needs from the (large) order sheets, small enough to pass between processes."""

    kpis: pd.DataFrame
    daily: pd.DataFrame
    province: pd.Series
    hour: pd.Series
    refund_flow: pd.DataFrame | None


def order_stage(frames: dict[str, pd.DataFrame], staff: pd.DataFrame, rules, year: int, month: int,
                with_refunds: bool = True) -> OrderStage:
    orders = kpi.prepare(frames["orders"])
    kpis = kpi.compute(orders, year, month, rules.ship_sla_hours, frames["ads"], staff)
    province, hour = kpi.breakdown(orders, year, month)
    flow = refund_stage(frames["refunds"], frames["employees"], rules, year, month) if with_refunds else None
    return OrderStage(kpis, kpi.daily(orders, year, month), province, hour, flow)


def refund_stage(refund_rows: pd.DataFrame, employees: pd.DataFrame, rules, year: int, month: int):
    if refund_rows.empty:
        return None
    requested = pd.to_datetime(refund_rows["requested_at"])
    month_rows = refund_rows[(requested.dt.year == year) & (requested.dt.month == month)]
    return refunds.flow(month_rows, employees, rules)


def run_month(book: Workbook, year: int, month: int, out_dir: Path | None = None, progress=None,
              stage_provider=None) -> MonthResult:
    """Compute attendance, penalties and payroll. Raises nothing for data problems: they are issues."""
    import time

    timings: dict[str, float] = {}
    tick = time.perf_counter()
    issues = book.issues
    rules = book.rules
    days_list = month_dates(year, month)
    first, last = days_list[0], days_list[-1]
    staff = employees_on_payroll(book.frames["employees"], first, last).reset_index(drop=True)
    issues.extend(month_checks(book, first, last, staff))
    if staff.empty and not book.frames["employees"].empty:
        issues.append(Issue("员工", None, None, f"{year}-{month:02d} 没有在职员工", ERROR))
    issues.extend(period.wrong_month(book.frames["punches"], staff, len(book.calendar.workdays(year, month)), year,
                                     month))
    schedule = shifts.Schedule.from_frames(book.frames.get("shifts"), book.frames.get("rota"), rules)
    days = attendance.compute(staff, book.frames["punches"], book.frames["leave"], book.calendar, rules, year,
                              month, issues, book.frames["events"], schedule)
    summ = attendance.summary(days)
    timings["attendance"] = time.perf_counter() - tick
    tick = time.perf_counter()
    normal_pay_date, _ = payroll_mod.pay_date(year, month, first, book.calendar, rules)
    this_period = payroll_mod.tax_period(year, month, normal_pay_date, rules)
    history = prior_months(book.frames["ledger"], out_dir, year, month, this_period, rules.iit_period)
    ytd, sources = history.ytd, history.sources
    issues.extend(tax_flags.roster_flags(staff, this_period[0], history.last_year_income))
    issues.extend(tax_flags.ytd_gaps(staff, ytd, this_period, rules.iit_period, rules.pay_day))
    fines, alerts = penalties.assess(days, rules, {e: y.absent_days for e, y in ytd.items()})
    fines += penalties.carried_lines(carried_penalties(out_dir, year, month), set(staff["employee_id"]))
    ot_records = overtime.month_records(book.frames["overtime"], year, month)
    base_by_emp = dict(zip(staff["employee_id"], staff["base_salary"]))
    ot_lines = overtime.lines_for(ot_records[ot_records["employee_id"].isin(base_by_emp)], base_by_emp,
                                  book.calendar, rules, issues, days, schedule)
    ot_lines, uncovered = overtime.credit_comp(ot_lines, days)
    resignations = alerts_mod.resignation_alerts(staff, year, month)
    ledger, comp_alerts = alerts_mod.comp_time(ot_lines, days, comp_opening(out_dir, year, month, staff))
    names = dict(zip(staff["employee_id"], staff["name"]))
    alerts += (alerts_mod.leave_alerts(book.frames["leave"], staff, book.calendar, rules, year, month, schedule)
               + uncovered + comp_alerts + alerts_mod.overtime_alerts(ot_lines, rules)
               + resignations
               + alerts_mod.duty_alerts(days, book.calendar, rules, year, month, names, schedule)
               + dispute_alerts(out_dir, f"{year:04d}-{month:02d}"))
    timings["penalties"] = time.perf_counter() - tick
    tick = time.perf_counter()
    try:
        city = city_table(rules.city, dt.date(year, month, 1))
    except (StatutoryDataError, FileNotFoundError) as exc:
        issues.append(Issue("规则", None, "值", f"社保城市「{rules.city}」：{exc}", ERROR, "city"))
        return MonthResult(year, month, book, staff, days, summ, fines, alerts, ot_lines, [], [], timings, ledger)
    issues.extend(i for i in book.calendar.issues if i not in issues)
    city_of, city_issues = roster_cities(staff, city, dt.date(year, month, 1))  # 参保城市 over 规则 city
    issues.extend(city_issues)
    issues.extend(city_checks(city, city_of, staff, rules, dt.date(year, month, 1)))
    issues.extend(probation.checks(staff, city, year, month, city_of))
    label = f"{year:04d}-{month:02d}"
    timings["payroll"] = time.perf_counter() - tick
    tick = time.perf_counter()  # the order stage is timed on its own
    stage = stage_provider() if stage_provider else (
        order_stage(book.frames, staff, rules, year, month) if len(book.frames["orders"]) else None)
    timings["orders"] = time.perf_counter() - tick
    tick = time.perf_counter()
    kpis, flow = (stage.kpis, stage.refund_flow) if stage else (None, None)
    scores = performance.score_people(staff, kpis, book.frames["scores"], rules, label) if stage else {}
    bonus = {emp: (s.bonus, s.explanation()) for emp, s in scores.items()}
    bonus_rows = book.frames["bonus"]
    for rec in bonus_rows[bonus_rows["month"] == label].itertuples(index=False) if len(bonus_rows) else ():
        bonus[rec.employee_id] = (rec.bonus, f"绩效表手工录入：{rec.note or '主管决定'}（PAY-10）")
    annual = {}
    annual_rows = book.frames["annual_bonus"]
    if len(annual_rows):
        annual_rows = annual_rows[annual_rows["month"] == label]
    for rec in annual_rows.itertuples(index=False):
        annual[rec.employee_id] = (rec.amount, rec.method)
    fixes, fix_issues = corrections_mod.for_month(book.frames.get("corrections"), label, set(staff["employee_id"]))
    issues.extend(fix_issues)
    bonus_stale = _one_separate_bonus(book, annual, annual_rows, ytd, out_dir, label, this_period, normal_pay_date,
                                      issues, alerts)
    by_emp_summary = {rec["employee_id"]: rec for rec in summ.to_dict("records")}
    fines_by, ot_by = _group(fines), _group(ot_lines)
    shift_minutes = schedule.daily_minutes(days)  # a day's minutes of each person's usual shift (PAY-08)
    leave_terms, leave_ledger = _leave_terms(book, staff, days, rules, year, month, out_dir, schedule.default.minutes,
                                             alerts, this_period)
    pays = []
    records = list(staff.itertuples(index=False))
    iterator = progress(records, "计算工资") if progress else records
    for emp in iterator:
        pays.append(payroll_mod.compute(
            emp, by_emp_summary.get(emp.employee_id, {}), ot_by.get(emp.employee_id, []),
            fines_by.get(emp.employee_id, []), bonus.get(emp.employee_id, 0),
            ytd.get(emp.employee_id, payroll_mod.YearToDate()), book.calendar, rules,
            city_of.get(emp.employee_id, city), year, month,
            shift_minutes.get(emp.employee_id, schedule.default.minutes), annual.get(emp.employee_id),
            leave_terms.get(emp.employee_id), fixes.get(emp.employee_id, ())))
    rows = {"员工": dict(zip(staff["employee_id"], staff["xl_row"])),
            "年终奖": dict(zip(annual_rows["employee_id"], annual_rows["xl_row"])) if len(annual_rows) else {}}
    kinds = {"员工": ("最低工资", "PAY-07"), "年终奖": ("年终奖", "STA-2023-30"), "规则": ("病假工资", "LV-10")}
    for pay in pays:  # what HR must look at about a person's pay: 预警 and 数据问题, never the payslip
        for sheet, column, warning in pay.warnings:
            kind, clause = kinds[sheet]
            alerts.append(alerts_mod.Alert(pay.employee_id, kind, clause, warning))
            issues.append(Issue(sheet, rows.get(sheet, {}).get(pay.employee_id), column,
                                f"{pay.employee_id}：{warning}", WARNING))
    settlements, settle_issues = _settlements(book, staff, out_dir, this_period, rules, city_of, year, month)
    issues.extend(settle_issues)
    for pay in pays:
        done = settlements.get(pay.employee_id)
        if done is not None:
            pay.notes.append(f"离职结算：经济补偿等一次性补偿 {fmt_yuan(done.total)}，个税 {fmt_yuan(done.tax)}，"
                             f"实付 {fmt_yuan(done.net)}，与本月工资一并发放，明细见离职结算单")
    negative, negative_alerts = period.negative_net(pays, staff, rules.allow_negative_net == "yes")
    issues.extend(negative)
    alerts.extend(negative_alerts)
    if rules.short_notice_settlement == "hold":
        held = {a.employee_id for a in resignations}
        for pay in pays:
            if pay.employee_id in held:
                pay.held = True
                pay.notes.append("辞职未提前一个月（HR-03）：按规则 short_notice_settlement = hold 暂缓结算，"
                                 "金额照算，发放须人工处理")
    timings["payroll"] += time.perf_counter() - tick
    issues[:] = fold(issues)  # follow-on problems marked with the root they follow from
    return MonthResult(year, month, book, staff, days, summ, fines, alerts, ot_lines, pays, sources, timings, ledger,
                       kpis, scores, flow, stage, history.run_hashes, f"{this_period[0]:04d}-{this_period[1]:02d}",
                       leave_ledger, alerts_mod.duty_rota(days, schedule),
                       {t.city: t for t in [city, *city_of.values()]}, bonus_stale, settlements)


def _one_separate_bonus(book, annual: dict, annual_rows, ytd: dict, out_dir, label: str, this_period, paid_on,
                        issues: list, alerts: list) -> dict[str, str]:
    """国税发〔2005〕9号第三条: the separate method once per person and tax year, whatever the order of the runs.

    Each person's earlier claims of the tax year (runs and 年终奖 rows of months not run yet) go into
    ``separate_bonus``, so that this month's bonus is merged (or, 规则 annual_bonus_repeat = stop, the run stops
    naming both rows). Where this month keeps the separate method, later months' runs that took it are stale:
    returned, month → why."""
    from ecomdept.pay import annual_bonus
    from ecomdept.pay.history import YearToDate

    if not annual:
        return {}
    rules = book.rules

    def period_of(month: str) -> tuple[str, dt.date]:
        y, m = int(month[:4]), int(month[5:7])
        on, _ = payroll_mod.pay_date(y, m, dt.date(y, m, 1), book.calendar, rules)
        ty, tm = payroll_mod.tax_period(y, m, on, rules)
        return f"{ty:04d}-{tm:02d}", on

    here = f"{this_period[0]:04d}-{this_period[1]:02d}"
    found = annual_bonus.claims(book.frames["annual_bonus"], out_dir, label, period_of, here[:4])
    rows = dict(zip(annual_rows["employee_id"], annual_rows["xl_row"])) if len(annual_rows) else {}
    allowed = annual_bonus.annual_bonus_table(paid_on).separate_allowed(paid_on)
    stale: dict[str, str] = {}
    for emp, (amount, method) in annual.items():
        mine = found.get(emp, [])
        earlier = sorted((c for c in mine if (c.period, c.month) < (here, label)), key=lambda c: (c.period, c.month))
        ytd.setdefault(emp, YearToDate()).separate_bonus = [c.where for c in earlier]
        wants = annual_bonus.SHEET_METHOD.get(method or "", annual_bonus.SEPARATE) == annual_bonus.SEPARATE
        if not (wants and allowed and amount):
            continue
        if earlier and rules.annual_bonus_repeat == "stop":
            issues.append(Issue("年终奖", rows.get(emp), "计税方式",
                                f"{emp}：一个纳税年度内全年一次性奖金只能单独计税一次（国税发〔2005〕9号第三条）："
                                f"{earlier[0].where}{'已' if earlier[0].run else '要'}单独计税，本表第 {rows.get(emp)} 行（{label} 随工资发放，所属期 {here}）"
                                "又要单独计税。请把其中一行的计税方式改为「并入综合所得」，或把规则 annual_bonus_repeat 设为 merge",
                                ERROR, "method"))
            continue
        if earlier:
            continue
        for claim in (c for c in mine if c.run and (c.period, c.month) > (here, label)):
            text = (f"{emp} 的年终奖在 {label}（所属期 {here}）单独计税，在前；{claim.where}也单独计税了，一个纳税年度"
                    f"只能一次（国税发〔2005〕9号第三条）：{claim.month} 的结果已过期，请重新计算，那次年终奖将并入综合所得")
            stale[claim.month] = text
            alerts.append(alerts_mod.Alert(emp, "年终奖", "STA-2023-30", text))
    return stale


def dispute_alerts(out_dir, label: str) -> list:
    """Disputes HR recorded in earlier months' 签收申诉 sheets (ABS-11), open ones first."""
    if out_dir is None:
        return []
    from ecomdept.outputs import signoff

    found, unreadable = signoff.open_disputes(Path(out_dir), label)
    alerts = [alerts_mod.Alert(e.employee_id, "工资申诉", signoff.CLAUSE, e.describe())
              for e in sorted(found, key=lambda e: (bool(e.resolution), e.month, e.row))]
    alerts += [alerts_mod.Alert(alerts_mod.NOBODY, "工资申诉", signoff.CLAUSE,
                                f"{text}：其中的签收与申诉没有读到，请用 Excel 打开检查后另存为 .xlsx") for text in unreadable]
    return alerts


def _leave_terms(book, staff, days, rules, year: int, month: int, out_dir, shift_minutes: int, alerts: list,
                 this_period: tuple[int, int]):
    """Annual-leave ledger and statutory-leave allowances for the month (entitlements.py); for the unused
    days paid out, the average monthly wage of the 12 months paid before (实施办法第十一条)."""
    from ecomdept.pay import history
    from ecomdept.pay.history import previous_run_rows

    previous = previous_run_rows(out_dir, year, month)
    leave_rows = book.frames["leave"]
    paid = rules.personal_leave_pay == "paid"
    years = {rec.employee_id: entitlements.working_years(getattr(rec, "work_start", None) or rec.hire_date,
                                                         dt.date(year, 1, 1)) for rec in staff.itertuples(index=False)}
    counted = leave_year.count(leave_rows, staff, book.calendar, year, month, previous, shift_minutes, paid, years)
    last_year = None
    if month == 1:  # 实施办法第八条 where no December run says it
        unknown = staff[~staff["employee_id"].map(lambda e: previous.get(e, {}).get("annual_leave_year") == str(year - 1))]
        last_years = {e: entitlements.working_years(s, dt.date(year - 1, 1, 1)) for e, s in
                      ((r.employee_id, getattr(r, "work_start", None) or r.hire_date) for r in unknown.itertuples(index=False))}
        last_year = leave_year.next_year_exclusions(leave_rows, unknown, book.calendar, year, shift_minutes, paid,
                                                    last_years, leave_year.rules_data()["next_year"]) if len(unknown) else {}
    annual, annual_alerts = entitlements.annual_ledger(staff, days, previous, rules, year, month, shift_minutes,
                                                      counted, last_year)
    allowance = entitlements.allowances(rules.city, dt.date(year, month, 1))
    excess, excess_alerts = entitlements.statutory_excess(book.frames["leave"], days, staff, book.calendar, allowance,
                                                          year, month, shift_minutes)
    nursing = entitlements.nursing_excess(days, allowance)
    alerts += annual_alerts + excess_alerts
    paid_out = {e for e, ledger in annual.items() if ledger.payout_days}
    wages = (history.wage_history(book.frames["ledger"], out_dir, this_period, 12, rules.iit_period, paid_out,
                                  f"{year:04d}-{month:02d}") if paid_out else {})
    terms = {e: payroll_mod.LeaveTerms(annual.get(e), excess.get(e), nursing.get(e, 0), rules.leave_excess,
                                       history.average_wage(wages.get(e, {}), history.ANNUAL_LEAVE))
             for e in staff["employee_id"]}
    return terms, annual


def _settlements(book, staff, out_dir, this_period, rules, city_of, year: int, month: int):
    """经济补偿 of this month's leavers (ecomdept.close.leavers), on the 12 months paid before."""
    from ecomdept.close import leavers
    from ecomdept.pay import history

    if "leave_reason" not in staff.columns or not staff["leave_reason"].notna().any():
        return {}, []
    owed = set(staff.loc[staff["leave_reason"].isin(leavers.OWED), "employee_id"])
    wages = (history.wage_history(book.frames["ledger"], out_dir, this_period, 12, rules.iit_period, owed,
                                  f"{year:04d}-{month:02d}") if owed else {})
    return leavers.for_month(staff, wages, year, month, city_of, rules.city)


def _group(items) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for item in items:
        grouped.setdefault(item.employee_id, []).append(item)
    return grouped
