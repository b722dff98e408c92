"""Period integrity: a run is for the month its data is about, and pays nobody a negative amount.

- **Wrong month.** Staff on payroll with (almost) no punches in the month, while the 打卡 sheet's
  punches fall in other months, is a blocking issue naming those months — a September run of an
  October workbook would otherwise mark everyone absent and pay negative amounts.
- **Negative 实发.** A blocking issue per person, unless 规则 ``allow_negative_net = yes`` (then a
  warning and a 预警 for HR).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ecomdept.worktime.alerts import Alert
from ecomdept.core.issues import ERROR, WARNING, Issue
from ecomdept.core.money import fmt_yuan

NEARLY_NONE = 0.1  # punches per person and workday below this share of one: "almost none"


def punch_month(stamps: pd.Series, today: dt.date) -> tuple[str, str] | None:
    """The month to compute when neither --month nor 计算月份 says: the month the punches are in —
    of the months holding a real share of them, the latest that has ended (else the latest) —
    and the reason to print; None without punches."""
    stamps = pd.to_datetime(stamps.dropna())
    if stamps.empty:
        return None
    counts = (stamps.dt.year * 100 + stamps.dt.month).value_counts().sort_index()
    months = [int(m) for m, n in counts.items() if n >= NEARLY_NONE * counts.max()]
    ended = [m for m in months if dt.date(m // 100, m % 100, 1) <= today.replace(day=1) - dt.timedelta(days=1)]
    pick = max(ended or months)
    label = f"{pick // 100:04d}-{pick % 100:02d}"
    if len(months) == 1:
        why = f"打卡表的 {int(counts[pick]):,} 条打卡在 {label}"
    else:
        shown = "、".join(f"{m // 100}-{m % 100:02d}（{int(counts[m]):,} 条）" for m in months)
        why = f"打卡在 {shown}，取{'已结束的' if ended else ''}最近一个月"
    return label, why


def wrong_month(punches: pd.DataFrame, staff: pd.DataFrame, workdays: int, year: int, month: int) -> list[Issue]:
    if punches.empty or staff.empty or workdays == 0:
        return []
    stamps = pd.to_datetime(punches["punched_at"])
    months = stamps.dt.year * 100 + stamps.dt.month
    this = year * 100 + month
    on_staff = punches["employee_id"].isin(set(staff["employee_id"]))
    here = int((on_staff & (months == this)).sum())
    expected = len(staff) * workdays
    if here >= NEARLY_NONE * expected:
        return []
    elsewhere = months[months != this].value_counts().sort_index()
    if elsewhere.empty or int(elsewhere.sum()) < NEARLY_NONE * expected:
        return []  # the sheet is simply short of punches: attendance reports each person's absence
    where = "、".join(f"{m // 100}-{m % 100:02d}（{n:,} 条）" for m, n in elsewhere.items())
    likely = int(elsewhere.idxmax())
    return [Issue("打卡", None, "打卡时间",
                  f"{year}-{month:02d} 在职 {len(staff)} 人只有 {here} 条打卡，而打卡表的打卡在 {where}："
                  f"是否选错了月份？请用 --month {likely // 100}-{likely % 100:02d} 计算打卡所在的月份"
                  f"（或在「说明」表填写 计算月份），或先导入 {year}-{month:02d} 的打卡", ERROR, "punched_at",
                  "wrong_month")]


def negative_net(pays: list, staff: pd.DataFrame, allowed: bool) -> tuple[list[Issue], list[Alert]]:
    rows = dict(zip(staff["employee_id"], staff["xl_row"]))
    issues, alerts = [], []
    for pay in pays:
        if pay.net_pay >= 0:
            continue
        text = (f"{pay.employee_id} {pay.name} 实发工资为 {fmt_yuan(pay.net_pay)}：应发 {fmt_yuan(pay.gross_pay)} "
                f"小于代扣 {fmt_yuan(pay.gross_pay - pay.net_pay)}")
        if allowed:
            issues.append(Issue("员工", rows.get(pay.employee_id), None,
                                text + "（规则 allow_negative_net = yes：照常计算，发放须人工处理）", WARNING,
                                code="negative_net", employee_id=pay.employee_id))
            alerts.append(Alert(pay.employee_id, "实发为负", "PAY-07", text + "，发放须人工处理"))
        else:
            issues.append(Issue("员工", rows.get(pay.employee_id), None,
                                text + "：请核对扣款与考勤；确需照算，在规则表设 allow_negative_net = yes", ERROR,
                                code="negative_net", employee_id=pay.employee_id))
    return issues, alerts
