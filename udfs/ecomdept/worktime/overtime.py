"""Overtime: approved 加班 records only (OT-01); rest-day hours become comp time when filed (OT-02).

A person's day is judged by their own schedule (排班): 休 on a calendar workday makes it a rest day,
a rostered shift on a weekend a workday; on a rostered day the part of a record inside the shift is
ordinary work, not overtime. Comp time is credited only as far as the person's punches cover the
record (``credit_comp``: rest-day duty without punches earns none).

Pay basis is the legal hourly wage, monthly base ÷ (21.75 × 8) (劳社部发〔2008〕3号), at 150% on
workdays, 200% on rest days without comp time, 300% on the 13 statutory days (劳动法 第44条).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from fractions import Fraction

import pandas as pd

from ecomdept.core.calendar import HOLIDAY, RESTDAY, WORKDAY, WorkCalendar
from ecomdept.core.issues import WARNING, Issue
from ecomdept.core.money import fmt_yuan, round_half_up
from ecomdept.inputs.rules import Rules
from ecomdept.inputs.schema import OVERTIME
from ecomdept.inputs.shifts import overlap

LEGAL_MONTH_DAYS = Fraction(2175, 100)


@dataclass(frozen=True)
class OvertimeLine:
    employee_id: str
    request_id: str
    day: dt.date
    kind: str
    minutes: int
    rate: Fraction
    amount: int  # fen; 0 when taken as comp time
    comp_minutes: int
    explanation: str
    clause: str
    start: dt.datetime | None = None
    end: dt.datetime | None = None


def month_records(overtime: pd.DataFrame, year: int, month: int) -> pd.DataFrame:
    if overtime.empty:
        return overtime
    starts = pd.to_datetime(overtime["start"])
    return overtime[(starts.dt.year == year) & (starts.dt.month == month)]


def lines_for(records: pd.DataFrame, base_salary: dict[str, int], calendar: WorkCalendar, rules: Rules,
              issues: list[Issue], days: pd.DataFrame | None = None, schedule=None) -> list[OvertimeLine]:
    """Overtime lines of the approved records. ``days`` (attendance) and ``schedule`` give each person's
    kind of day and rostered shift; without them the calendar decides (everyone on the admin shift)."""
    plans = _day_plans(days, schedule)
    lines = []
    for rec in records.itertuples(index=False):
        if rec.status != "已批准":
            continue
        minutes = int((rec.end - rec.start).total_seconds() // 60)
        day = rec.start.date()
        kind, shift = plans.get((rec.employee_id, day), (calendar.kind(day), None))
        base = base_salary[rec.employee_id]
        if shift is not None and kind == WORKDAY:
            midnight = dt.datetime.combine(day, dt.time())
            inside = overlap(shift.intervals, int((rec.start - midnight).total_seconds()),
                             int((rec.end - midnight).total_seconds())) // 60
            if inside:
                issues.append(Issue(OVERTIME.name, rec.xl_row, "开始时间",
                                    f"加班时间有 {inside} 分钟在本人当天的排班（{shift.label()}）之内：班内是正常上班，"
                                    f"不计加班，按 {minutes - inside} 分钟计（OT-01）", WARNING, "start"))
                minutes -= inside
                if minutes <= 0:
                    continue
        hours = Fraction(minutes, 60)
        comp = rec.compensation == "补休" and kind == RESTDAY
        unfiled = comp and not rec.filed
        label = {WORKDAY: "工作日", RESTDAY: "休息日", HOLIDAY: "法定节假日"}[kind]
        if kind != calendar.kind(day):
            label += "（排班）"
        if unfiled:
            issues.append(Issue(OVERTIME.name, rec.xl_row, "已备案",
                                "公休日加班申请补休但办公室无备案（OT-02）：没有实际安排补休，按休息日加班工资支付"
                                "（劳动法第44条：不能安排补休的支付不低于 200%）", WARNING, "filed"))
        elif comp:
            lines.append(OvertimeLine(rec.employee_id, rec.request_id, day, kind, minutes, Fraction(0), 0, minutes,
                                      f"{day} {label}加班 {float(hours):g} 小时，已备案，计入补休（OT-02）", "OT-02",
                                      rec.start, rec.end))
            continue
        rate = {WORKDAY: rules.ot_rate_workday, RESTDAY: rules.ot_rate_restday,
                HOLIDAY: rules.ot_rate_holiday}[kind]
        rate = Fraction(rate)
        amount = round_half_up(Fraction(base * minutes) * rate / (LEGAL_MONTH_DAYS * 8 * 60))
        why = "申请补休未备案、未安排补休，" if unfiled else ""
        lines.append(OvertimeLine(
            rec.employee_id, rec.request_id, day, kind, minutes, rate, amount, 0,
            f"{day} {label}加班 {float(hours):g} 小时，{why}月基本工资 {fmt_yuan(base)} × {minutes} 分钟 ÷ "
            f"(21.75 天 × 480 分钟) × {float(rate):g} 倍 = {fmt_yuan(amount)}", "OT-02" if unfiled else "OT-01",
            rec.start, rec.end))
    return lines


def _day_plans(days: pd.DataFrame | None, schedule) -> dict[tuple[str, dt.date], tuple[str, object]]:
    """(工号, 日期) → (the person's kind of day, the rostered Shift or None) for days a 排班 row decided."""
    if days is None or schedule is None or not len(days):
        return {}
    marked = days.loc[days["rostered"] | days["rota_rest"], ["employee_id", "date", "kind", "shift_code"]]
    return {(emp, day): (kind, schedule.shifts[code] if code else None)
            for emp, day, kind, code in zip(marked["employee_id"], marked["date"], marked["kind"], marked["shift_code"])}


def credit_comp(lines: list[OvertimeLine], days: pd.DataFrame) -> tuple[list[OvertimeLine], list]:
    """OT-02 with DUTY-01: rest-day hours become comp time only as far as the person's first and last
    punches around them cover the record. Returns the lines (comp cut where punches fall short) and
    预警 for each cut."""
    from ecomdept.worktime.alerts import Alert
    from ecomdept.worktime.attendance import hours_text

    wanted = {line.employee_id for line in lines if line.comp_minutes and line.start is not None}
    if not wanted:
        return lines, []
    punched = days[days["employee_id"].isin(wanted) & (days["punches"] >= 2)]
    spans: dict[tuple[str, dt.date], tuple[dt.datetime, dt.datetime]] = {}
    for rec in punched.itertuples(index=False):
        midnight = dt.datetime.combine(rec.date, dt.time())
        spans[(rec.employee_id, rec.date)] = (midnight + dt.timedelta(seconds=int(rec.first_in)),
                                              midnight + dt.timedelta(seconds=int(rec.last_out)))
    out, alerts = [], []
    for line in lines:
        if not line.comp_minutes or line.start is None:
            out.append(line)
            continue
        covered, shown = 0, []
        for day in sorted({line.start.date() - dt.timedelta(days=1), line.start.date(), line.end.date()}):
            span = spans.get((line.employee_id, day))
            if span is None:
                continue
            seconds = (min(span[1], line.end) - max(span[0], line.start)).total_seconds()
            if seconds > 0:
                covered += int(seconds)
                shown.append(f"{span[0]:%H:%M}–{span[1]:%H:%M}")
        credit = min(line.comp_minutes, covered // 60)
        if credit == line.comp_minutes:
            out.append(line)
            continue
        asked = hours_text(line.comp_minutes)
        punches = f"打卡只覆盖 {hours_text(credit)} 小时（{'、'.join(shown)}）" if shown else "没有覆盖这段时间的上下班打卡"
        out.append(replace(line, comp_minutes=credit,
                           explanation=f"{line.day} 休息日加班 {asked} 小时，已备案；{punches}，按打卡计入补休 "
                                       f"{hours_text(credit)} 小时（OT-02）"))
        alerts.append(Alert(line.employee_id, "补休无打卡", "OT-02",
                            f"{line.day} 加班单 {line.request_id}（{line.start:%H:%M}–{line.end:%H:%M}）申请补休 {asked} 小时，"
                            f"{punches}：补休只计 {hours_text(credit)} 小时。值班须有打卡（DUTY-01），请核实是否到岗"))
    return out, alerts
