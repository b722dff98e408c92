"""Fines from attendance, each line citing its rule and rulebook clause, and the 预警 they raise.

Rules are small functions with one signature, listed in ``RULES``: (person-days of one employee,
rules) → fine lines. Amounts come from the 规则 sheet.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ecomdept.worktime.alerts import Alert
from ecomdept.core.calendar import WORKDAY
from ecomdept.core.money import fmt_yuan
from ecomdept.inputs.rules import Rules


@dataclass(frozen=True)
class Fine:
    employee_id: str
    date: str
    rule: str
    clause: str
    amount: int  # fen
    explanation: str


def absence_fines(days: pd.DataFrame, rules: Rules) -> list[Fine]:
    """ABS-08: 旷工一次扣 100，两次扣 300 — counted per calendar month."""
    absent = days[days["absent"]].sort_values(["employee_id", "date"])
    fines = []
    for n, rec in zip(absent.groupby("employee_id", sort=False).cumcount() + 1, absent.itertuples(index=False)):
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
        fines.append(Fine(rec.employee_id, str(rec.date), "absence_fine", "ABS-08", amount, f"{why}。{rec.reason}"))
    return fines


def late_early_fines(days: pd.DataFrame, rules: Rules) -> list[Fine]:
    """ATT-07: per-occurrence late / early / missing-punch fines, 0 unless the finance rule sets them."""
    fines = []
    checks = (("is_late", rules.late_fine, "late_fine", "ATT-07", "迟到 {late_min} 分钟"),
              ("is_early", rules.early_fine, "early_fine", "ATT-07", "早退 {early_min} 分钟"),
              ("missing_punch", rules.missing_punch_fine, "missing_punch_fine", "ATT-06", "缺卡"))
    for flag, amount, rule, clause, text in checks:
        if not amount:
            continue
        hit = days[days[flag] & ~days["absent"]].sort_values(["employee_id", "date"])
        for rec in hit.itertuples(index=False):
            what = text.format(late_min=rec.late_min, early_min=rec.early_min)
            fines.append(Fine(rec.employee_id, str(rec.date), rule, clause, amount,
                              f"{what}，按规则每次扣 {fmt_yuan(amount)}"))
    return fines


RULES = (absence_fines, late_early_fines)


def dismissal_alerts(days: pd.DataFrame, rules: Rules, earlier_absences: dict[str, int]) -> list[Alert]:
    """ABS-09: 连续旷工两日 / 一年累计三日 → 开除预警 (never automatic). ``earlier_absences`` are
    this calendar year's absent days before the month (from earlier runs). Consecutive means
    consecutive scheduled workdays: Friday and the next Monday count."""
    work = days[days["kind"] == WORKDAY].sort_values(["employee_id", "date"])
    emp, absent = work["employee_id"].to_numpy(), work["absent"].to_numpy()
    if not absent.any():
        return []
    breaks = (pd.Series(emp).ne(pd.Series(emp).shift()) | pd.Series(absent).ne(pd.Series(absent).shift())).cumsum()
    runs = pd.DataFrame({"emp": emp, "absent": absent, "run": breaks.to_numpy()})
    longest = runs[runs["absent"]].groupby(["emp", "run"]).size().groupby(level=0).max()
    totals = runs[runs["absent"]].groupby("emp").size()
    alerts = []
    for person, best in longest.items():
        if best >= rules.dismissal_consecutive_days:
            alerts.append(Alert(person, "连续旷工", "ABS-09",
                                f"连续旷工 {best} 个工作日，达到 {rules.dismissal_consecutive_days} 日的开除条件，请人工复核"
                                "（劳动合同法第39条，不自动执行）"))
    for person, month_total in totals.items():
        total = int(month_total) + earlier_absences.get(person, 0)
        if total >= rules.dismissal_year_days:
            alerts.append(Alert(person, "累计旷工", "ABS-09",
                                f"本年累计旷工 {total} 日（本月 {month_total} 日），达到一年累计 {rules.dismissal_year_days} "
                                "日的开除条件，请人工复核（不自动执行）"))
    return alerts


def assess(days: pd.DataFrame, rules: Rules, earlier_absences: dict[str, int] | None = None
           ) -> tuple[list[Fine], list[Alert]]:
    fines = [fine for rule in RULES for fine in rule(days, rules)]
    fines.sort(key=lambda f: (f.employee_id, f.date))
    return fines, dismissal_alerts(days, rules, earlier_absences or {})


def carried_lines(carried: dict[str, int], staff: set[str]) -> list[Fine]:
    """PAY-07 carry-over: last month's fines above the cap come back as this month's first line."""
    return [Fine(emp, "上月", "carried_fine", "PAY-07", amount,
                 f"上月罚款超过上限部分 {fmt_yuan(amount)} 按规则结转至本月（仍受本月上限约束）")
            for emp, amount in sorted(carried.items()) if emp in staff]
