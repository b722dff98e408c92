"""Overtime: approved 加班 records only (OT-01); rest-day hours become comp time when filed (OT-02).

Pay basis is the legal hourly wage, monthly base ÷ (21.75 × 8) (劳社部发〔2008〕3号), at 150% on
workdays, 200% on rest days without comp time, 300% on the 13 statutory days (劳动法 第44条).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

import pandas as pd

from .calendar import HOLIDAY, RESTDAY, WORKDAY, WorkCalendar
from .issues import WARNING, Issue
from .money import fmt_yuan, round_half_up
from .rules import Rules
from .schema import OVERTIME

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


def month_records(overtime: pd.DataFrame, year: int, month: int) -> pd.DataFrame:
    if overtime.empty:
        return overtime
    starts = pd.to_datetime(overtime["start"])
    return overtime[(starts.dt.year == year) & (starts.dt.month == month)]


def lines_for(records: pd.DataFrame, base_salary: dict[str, int], calendar: WorkCalendar, rules: Rules,
              issues: list[Issue]) -> list[OvertimeLine]:
    lines = []
    for rec in records.itertuples(index=False):
        if rec.status != "已批准":
            continue
        minutes = int((rec.end - rec.start).total_seconds() // 60)
        day = rec.start.date()
        kind = calendar.kind(day)
        base = base_salary[rec.employee_id]
        hours = Fraction(minutes, 60)
        comp = rec.compensation == "补休" and kind == RESTDAY
        unfiled = comp and not rec.filed
        if unfiled:
            issues.append(Issue(OVERTIME.name, rec.xl_row, "已备案",
                                "公休日加班申请补休但办公室无备案（OT-02）：没有实际安排补休，按休息日加班工资支付"
                                "（劳动法第44条：不能安排补休的支付不低于 200%）", WARNING, "filed"))
        elif comp:
            lines.append(OvertimeLine(rec.employee_id, rec.request_id, day, kind, minutes, Fraction(0), 0, minutes,
                                      f"{day} 休息日加班 {float(hours):g} 小时，已备案，计入补休（OT-02）", "OT-02"))
            continue
        rate = {WORKDAY: rules.ot_rate_workday, RESTDAY: rules.ot_rate_restday,
                HOLIDAY: rules.ot_rate_holiday}[kind]
        rate = Fraction(rate)
        amount = round_half_up(Fraction(base * minutes) * rate / (LEGAL_MONTH_DAYS * 8 * 60))
        label = {WORKDAY: "工作日", RESTDAY: "休息日", HOLIDAY: "法定节假日"}[kind]
        why = "申请补休未备案、未安排补休，" if unfiled else ""
        lines.append(OvertimeLine(
            rec.employee_id, rec.request_id, day, kind, minutes, rate, amount, 0,
            f"{day} {label}加班 {float(hours):g} 小时，{why}月基本工资 {fmt_yuan(base)} × {minutes} 分钟 ÷ "
            f"(21.75 天 × 480 分钟) × {float(rate):g} 倍 = {fmt_yuan(amount)}", "OT-02" if unfiled else "OT-01"))
    return lines
