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
from ecomdept.core.calendar import month_dates
from ecomdept.pay.history import carried_penalties, comp_opening, prior_months
from ecomdept.core.issues import ERROR, WARNING, Issue
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
    rota = alerts_mod.duty_rota(days, schedule)
    alerts += (alerts_mod.leave_alerts(book.frames["leave"], staff, book.calendar, rules, year, month, schedule)
               + uncovered + comp_alerts + alerts_mod.overtime_alerts(ot_lines, rules)
               + resignations
               + alerts_mod.duty_alerts(days, book.calendar, rules, year, month, names, schedule, rota)
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
    by_emp_summary = {rec["employee_id"]: rec for rec in summ.to_dict("records")}
    fines_by, ot_by = _group(fines), _group(ot_lines)
    shift_minutes = schedule.daily_minutes(days)  # a day's minutes of each person's usual shift (PAY-08)
    leave_terms, leave_ledger = _leave_terms(book, staff, days, rules, year, month, out_dir, schedule.default.minutes,
                                             alerts)
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
            leave_terms.get(emp.employee_id)))
    rows = {"员工": dict(zip(staff["employee_id"], staff["xl_row"])),
            "年终奖": dict(zip(annual_rows["employee_id"], annual_rows["xl_row"])) if len(annual_rows) else {}}
    for pay in pays:  # what HR must look at about a person's pay: 预警 and 数据问题, never the payslip
        for sheet, column, warning in pay.warnings:
            alerts.append(alerts_mod.Alert(pay.employee_id, "最低工资" if sheet == "员工" else "年终奖",
                                           "PAY-07" if sheet == "员工" else "STA-2023-30", warning))
            issues.append(Issue(sheet, rows[sheet].get(pay.employee_id), column, f"{pay.employee_id}：{warning}",
                                WARNING))
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
    return MonthResult(year, month, book, staff, days, summ, fines, alerts, ot_lines, pays, sources, timings, ledger,
                       kpis, scores, flow, stage, history.run_hashes, f"{this_period[0]:04d}-{this_period[1]:02d}",
                       leave_ledger, rota,
                       {t.city: t for t in [city, *city_of.values()]})


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


def _leave_terms(book, staff, days, rules, year: int, month: int, out_dir, shift_minutes: int, alerts: list):
    """Annual-leave ledger and statutory-leave allowances for the month (entitlements.py)."""
    from ecomdept.pay.history import previous_run_rows

    annual, annual_alerts = entitlements.annual_ledger(staff, days, previous_run_rows(out_dir, year, month), rules,
                                                      year, month, shift_minutes)
    allowance = entitlements.allowances(rules.city, dt.date(year, month, 1))
    excess, excess_alerts = entitlements.statutory_excess(book.frames["leave"], days, staff, book.calendar, allowance,
                                                          year, month, shift_minutes)
    nursing = entitlements.nursing_excess(days, allowance)
    alerts += annual_alerts + excess_alerts
    terms = {e: payroll_mod.LeaveTerms(annual.get(e), excess.get(e), nursing.get(e, 0), rules.leave_excess)
             for e in staff["employee_id"]}
    return terms, annual


def _group(items) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for item in items:
        grouped.setdefault(item.employee_id, []).append(item)
    return grouped
