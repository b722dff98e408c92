"""Fines from attendance, each line citing its rule and rulebook clause, and the 预警 they raise.

Rules are small functions with one signature, listed in ``RULES``: (person-days of one employee,
rules) → fine lines. Amounts come from the 规则 sheet.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .alerts import Alert
from .calendar import WORKDAY
from .money import fmt_yuan
from .rules import Rules


@dataclass(frozen=True)
class Fine:
    employee_id: str
    date: str
    rule: str
    clause: str
    amount: int  # fen
    explanation: str


def absence_fines(emp: str, days: pd.DataFrame, rules: Rules) -> list[Fine]:
    """ABS-08: 旷工一次扣 100，两次扣 300 — counted per calendar month."""
    absent = days[days["absent"]].sort_values("date")
    fines = []
    for n, rec in enumerate(absent.itertuples(index=False), start=1):
        if n == 1:
            amount = rules.absence_fine_first
            why = f"本月第 1 次旷工，扣 {fmt_yuan(amount)}"
        elif n == 2:
            if rules.absence_fine_mode == "cumulative":
                amount = rules.absence_fine_second - rules.absence_fine_first
                why = f"本月第 2 次旷工，两次合计 {fmt_yuan(rules.absence_fine_second)}，本次加扣 {fmt_yuan(amount)}"
            else:
                amount = rules.absence_fine_second
                why = f"本月第 2 次旷工，扣 {fmt_yuan(amount)}（逐次口径）"
        else:
            amount = 0
            why = f"本月第 {n} 次旷工：制度未规定更多罚款，只预警（ABS-09）"
        fines.append(Fine(emp, str(rec.date), "absence_fine", "ABS-08", amount, f"{why}。{rec.reason}"))
    return fines


def late_early_fines(emp: str, days: pd.DataFrame, rules: Rules) -> list[Fine]:
    """ATT-07: per-occurrence late / early / missing-punch fines, 0 unless the finance rule sets them."""
    fines = []
    for rec in days.sort_values("date").itertuples(index=False):
        if rec.is_late and rules.late_fine:
            fines.append(Fine(emp, str(rec.date), "late_fine", "ATT-07", rules.late_fine,
                              f"迟到 {rec.late_min} 分钟，按规则每次扣 {fmt_yuan(rules.late_fine)}"))
        if rec.is_early and rules.early_fine:
            fines.append(Fine(emp, str(rec.date), "early_fine", "ATT-07", rules.early_fine,
                              f"早退 {rec.early_min} 分钟，按规则每次扣 {fmt_yuan(rules.early_fine)}"))
        if rec.missing_punch and not rec.absent and rules.missing_punch_fine:
            fines.append(Fine(emp, str(rec.date), "missing_punch_fine", "ATT-06", rules.missing_punch_fine,
                              f"缺卡，按规则每次扣 {fmt_yuan(rules.missing_punch_fine)}"))
    return fines


RULES = (absence_fines, late_early_fines)


def alerts_for(emp: str, days: pd.DataFrame, rules: Rules, earlier_absences: int = 0) -> list[Alert]:
    """ABS-09: 连续旷工两日 / 一年累计三日 → 开除预警 (never automatic). ``earlier_absences`` are
    this calendar year's absent days before the month (from earlier runs)."""
    alerts = []
    work = days[days["kind"] == WORKDAY].sort_values("date")
    run = best = 0
    for absent in work["absent"]:
        run = run + 1 if absent else 0
        best = max(best, run)
    if best >= rules.dismissal_consecutive_days:
        alerts.append(Alert(emp, "连续旷工", "ABS-09",
                            f"连续旷工 {best} 个工作日，达到 {rules.dismissal_consecutive_days} 日的开除条件，请人工复核"
                            "（劳动合同法第39条，不自动执行）"))
    month_total = int(work["absent"].sum())
    total = month_total + earlier_absences
    if month_total and total >= rules.dismissal_year_days:
        alerts.append(Alert(emp, "累计旷工", "ABS-09",
                            f"本年累计旷工 {total} 日（本月 {month_total} 日），达到一年累计 {rules.dismissal_year_days} "
                            "日的开除条件，请人工复核（不自动执行）"))
    return alerts


def assess(days: pd.DataFrame, rules: Rules, earlier_absences: dict[str, int] | None = None
           ) -> tuple[list[Fine], list[Alert]]:
    fines: list[Fine] = []
    alerts: list[Alert] = []
    for emp, group in days.groupby("employee_id", sort=False):
        if not group["absent"].any() and not (group["is_late"].any() or group["is_early"].any()
                                              or group["missing_punch"].any()):
            continue
        for rule in RULES:
            fines.extend(rule(emp, group, rules))
        alerts.extend(alerts_for(emp, group, rules, (earlier_absences or {}).get(emp, 0)))
    return fines, alerts
