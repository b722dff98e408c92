"""Attendance per person-day against the shift of the 规则 sheet (ATT-01 08:30–12:00, 14:00–18:00).

Punches are reduced to first-in / last-out per person-day (ATT-04: no lunch punch needed).
Lateness counts the *scheduled* minutes missed before the first punch, truncated to the minute
(08:30:59 is on time, 08:31:00 is 1 minute late); early leave counts the scheduled minutes after the
last punch, rounded up (17:59:59 is 1 minute early). Approved leave and 因公外出 remove their time
from the day's schedule, so a morning of sick leave moves the expected arrival to 14:00.
The common case is computed on whole columns; only person-days touched by leave loop in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .calendar import HOLIDAY, KIND_LABEL, WORKDAY, WorkCalendar, month_dates
from .issues import WARNING, Issue
from .rules import Rules
from .schema import LEAVE, PUNCHES

PAID_LEAVE = {"年假", "婚假", "丧假", "调休", "因公外出"}
UNPAID_LEAVE = {"事假", "病假"}  # LV-10


@dataclass(frozen=True)
class Shift:
    intervals: tuple[tuple[int, int], ...]  # seconds of day

    @classmethod
    def from_rules(cls, rules: Rules) -> "Shift":
        return cls(((rules.seconds("work_am_start"), rules.seconds("work_am_end")),
                    (rules.seconds("work_pm_start"), rules.seconds("work_pm_end"))))

    @property
    def seconds(self) -> int:
        return sum(end - start for start, end in self.intervals)

    @property
    def minutes(self) -> int:
        return self.seconds // 60

    @property
    def midpoint(self) -> int:
        """Middle of the break between the two halves (13:00 by default): splits in from out."""
        return (self.intervals[0][1] + self.intervals[-1][0]) // 2


def scheduled_before(t, intervals) -> np.ndarray | int:
    """Scheduled seconds in [0, t) for scalar or array t."""
    total = 0
    for start, end in intervals:
        total = total + np.clip(np.asarray(t) - start, 0, end - start)
    return total


def subtract(intervals, cuts) -> tuple[tuple[int, int], ...]:
    result = list(intervals)
    for cut_start, cut_end in cuts:
        nxt = []
        for start, end in result:
            if cut_end <= start or cut_start >= end:
                nxt.append((start, end))
                continue
            if start < cut_start:
                nxt.append((start, cut_start))
            if cut_end < end:
                nxt.append((cut_end, end))
        result = nxt
    return tuple(result)


def overlap(intervals, start: int, end: int) -> int:
    return sum(max(0, min(e, end) - max(s, start)) for s, e in intervals)


def _person_days(employees: pd.DataFrame, days: list[dt.date], calendar: WorkCalendar) -> pd.DataFrame:
    emp = employees[["employee_id", "hire_date", "leave_date"]]
    grid = emp.merge(pd.DataFrame({"date": days}), how="cross")
    keep = (grid["date"] >= grid["hire_date"]) & (grid["leave_date"].isna() | (grid["date"] <= grid["leave_date"]))
    grid = grid[keep].drop(columns=["hire_date", "leave_date"]).reset_index(drop=True)
    kinds = {day: calendar.kind(day) for day in days}
    grid["kind"] = grid["date"].map(kinds)
    return grid


def usable_punches(punches: pd.DataFrame, first: dt.date, last: dt.date, issues: list[Issue]) -> pd.DataFrame:
    """Punches of the month; unapproved make-up punches (补卡) are left out with a warning."""
    if punches.empty:
        return pd.DataFrame({"employee_id": pd.Series(dtype=object), "punched_at": pd.Series(dtype="datetime64[ns]")})
    frame = punches.assign(punched_at=pd.to_datetime(punches["punched_at"]))
    start, stop = pd.Timestamp(first), pd.Timestamp(last) + pd.Timedelta(days=1)
    frame = frame[(frame["punched_at"] >= start) & (frame["punched_at"] < stop)]
    makeup = frame["source"].eq("补卡")
    rejected = makeup & ~frame["approved"].eq(True)
    for rec in frame[rejected].itertuples(index=False):
        issues.append(Issue(PUNCHES.name, rec.xl_row, "补卡已批准", "补卡未经批准，不予采用（ATT-06）", WARNING, "approved"))
    return frame[~rejected]


def _leave_pieces(leave: pd.DataFrame, first: dt.date, last: dt.date) -> pd.DataFrame:
    """Split each leave record into per-day pieces (seconds of day)."""
    pieces = []
    for rec in leave.itertuples(index=False):
        day = max(rec.start.date(), first)
        while day <= min(rec.end.date(), last):
            day_start = dt.datetime.combine(day, dt.time())
            start = max(rec.start, day_start)
            end = min(rec.end, day_start + dt.timedelta(days=1))
            pieces.append((rec.employee_id, day, int((start - day_start).total_seconds()),
                           int((end - day_start).total_seconds()), rec.leave_type, rec.status, rec.request_id,
                           rec.xl_row))
            day += dt.timedelta(days=1)
    return pd.DataFrame(pieces, columns=["employee_id", "date", "start", "end", "leave_type", "status",
                                         "request_id", "xl_row"])


def compute(employees: pd.DataFrame, punches: pd.DataFrame, leave: pd.DataFrame, calendar: WorkCalendar,
            rules: Rules, year: int, month: int, issues: list[Issue] | None = None) -> pd.DataFrame:
    """One row per employee and calendar day of employment in the month."""
    issues = issues if issues is not None else []
    days = month_dates(year, month)
    first, last = days[0], days[-1]
    shift = Shift.from_rules(rules)
    grid = _person_days(employees, days, calendar)

    usable = usable_punches(punches, first, last, issues)
    stamps = usable["punched_at"]
    agg = pd.DataFrame({
        "employee_id": usable["employee_id"].to_numpy(),
        "date": stamps.dt.date.to_numpy() if len(usable) else np.array([], dtype=object),
        "sec": (stamps.dt.hour * 3600 + stamps.dt.minute * 60 + stamps.dt.second).to_numpy(),
    }).groupby(["employee_id", "date"], sort=False)["sec"].agg(first_in="min", last_out="max", punches="count")
    grid = grid.merge(agg.reset_index(), on=["employee_id", "date"], how="left")
    grid["punches"] = grid["punches"].fillna(0).astype(int)

    work = grid["kind"].eq(WORKDAY).to_numpy()
    n = grid["punches"].to_numpy()
    first_in = grid["first_in"].fillna(0).to_numpy(dtype=np.int64)
    last_out = grid["last_out"].fillna(0).to_numpy(dtype=np.int64)
    intervals = shift.intervals
    sched_sec = np.where(work, shift.seconds, 0)
    # single punch: an arrival if before the midday midpoint, else a departure (ATT-04 first-in/last-out)
    single = n == 1
    has_in = (n >= 2) | (single & (first_in < shift.midpoint))
    has_out = (n >= 2) | (single & (first_in >= shift.midpoint))
    late_sec = np.where(work & has_in, scheduled_before(first_in, intervals), 0)
    early_sec = np.where(work & has_out, shift.seconds - scheduled_before(last_out, intervals), 0)

    grid["scheduled_min"] = sched_sec // 60
    grid["late_min"] = late_sec // 60
    grid["early_min"] = -(-early_sec // 60)
    grid["missing_punch"] = work & single
    grid["leave_min"] = 0
    grid["unpaid_leave_min"] = 0
    grid["leave_detail"] = ""
    grid["pending_leave"] = ""

    pieces = _leave_pieces(leave, first, last) if len(leave) else None
    if pieces is not None and len(pieces):
        _apply_leave(grid, pieces, shift)
    return _classify(grid, rules, shift)


def _apply_leave(grid: pd.DataFrame, pieces: pd.DataFrame, shift: Shift) -> None:
    """Recompute the person-days that approved leave touches; note unapproved leave for the reason."""
    index = {key: i for i, key in enumerate(zip(grid["employee_id"], grid["date"]))}
    for (emp, day), group in pieces.groupby(["employee_id", "date"], sort=False):
        i = index.get((emp, day))
        if i is None or grid.at[i, "kind"] != WORKDAY:
            continue
        approved = group[group["status"] == "已批准"]
        others = group[group["status"] != "已批准"]
        if len(others):
            grid.at[i, "pending_leave"] = "、".join(f"{r.leave_type}（{r.status}，单号 {r.request_id}）"
                                                   for r in others.itertuples(index=False))
        if approved.empty:
            continue
        cuts = [(int(r.start), int(r.end)) for r in approved.itertuples(index=False)]
        remaining = subtract(shift.intervals, cuts)
        detail, leave_min, unpaid_min = [], 0, 0
        for rec in approved.itertuples(index=False):
            minutes = overlap(shift.intervals, int(rec.start), int(rec.end)) // 60
            if minutes <= 0:
                continue
            leave_min += minutes
            unpaid_min += minutes if rec.leave_type in UNPAID_LEAVE else 0
            detail.append(f"{rec.leave_type} {minutes} 分钟（单号 {rec.request_id}）")
        remaining_sec = sum(e - s for s, e in remaining)
        grid.at[i, "leave_min"] = leave_min
        grid.at[i, "unpaid_leave_min"] = unpaid_min
        grid.at[i, "leave_detail"] = "；".join(detail)
        grid.at[i, "scheduled_min"] = remaining_sec // 60
        n = grid.at[i, "punches"]
        if remaining_sec == 0:
            grid.at[i, "late_min"] = grid.at[i, "early_min"] = 0
            grid.at[i, "missing_punch"] = False
            continue
        first_in, last_out = grid.at[i, "first_in"], grid.at[i, "last_out"]
        mid = shift.midpoint
        has_in = n >= 2 or (n == 1 and first_in < mid)
        has_out = n >= 2 or (n == 1 and first_in >= mid)
        grid.at[i, "late_min"] = int(scheduled_before(int(first_in), remaining)) // 60 if has_in else 0
        grid.at[i, "early_min"] = -(-(remaining_sec - int(scheduled_before(int(last_out), remaining))) // 60) \
            if has_out else 0


def _classify(grid: pd.DataFrame, rules: Rules, shift: Shift) -> pd.DataFrame:
    threshold = rules.absence_threshold_minutes
    grace = rules.grace_minutes
    serious = rules.serious_late_minutes
    statuses, reasons, absent, unworked, late_flags, early_flags, serious_flags = [], [], [], [], [], [], []
    for rec in grid.itertuples(index=False):
        status, reason, is_absent, lost = "", "", False, 0
        is_late = is_early = is_serious = False
        if rec.kind != WORKDAY:
            status = KIND_LABEL[rec.kind] + ("（有打卡）" if rec.punches else "")
        elif rec.scheduled_min == 0:
            status = "请假"
            reason = rec.leave_detail
        elif rec.punches == 0:
            is_absent, lost = True, rec.scheduled_min
            status = "旷工"
            reason = (f"当天无打卡，{rec.pending_leave}未获批准，按旷工处理（ABS-07）" if rec.pending_leave
                      else "当天无打卡且无已批准的请假或外出，按旷工处理（ABS-01）")
        else:
            parts = []
            if rec.late_min >= threshold:
                is_absent, lost = True, lost + rec.late_min
                parts.append(f"迟到 {rec.late_min} 分钟，达到 {threshold} 分钟且未补假，按旷工处理（ABS-04）")
            elif rec.late_min > grace:
                is_late = True
                is_serious = bool(serious) and rec.late_min >= serious
                parts.append(f"迟到 {rec.late_min} 分钟（ATT-04）" + ("，严重迟到" if is_serious else ""))
            if rec.early_min >= threshold:
                is_absent, lost = True, lost + rec.early_min
                parts.append(f"早退 {rec.early_min} 分钟，达到 {threshold} 分钟，按旷工处理（ABS-04）")
            elif rec.early_min > 0:
                if rules.early_leave_mode == "always":
                    is_absent, lost = True, lost + rec.early_min
                    parts.append(f"早退 {rec.early_min} 分钟，按制度字面「早退当天按旷工处理」（ABS-05）")
                else:
                    is_early = True
                    parts.append(f"早退 {rec.early_min} 分钟（ATT-05）")
            if rec.missing_punch:
                parts.append("缺卡：当天只有一次打卡（ATT-06）")
            if rec.leave_detail:
                parts.append(rec.leave_detail)
            if is_absent:
                status = "旷工"
            else:
                status = "+".join(label for flag, label in ((is_late, "迟到"), (is_early, "早退"),
                                                           (rec.missing_punch, "缺卡")) if flag) or (
                    "正常" if not rec.leave_detail else "部分请假")
            reason = "；".join(parts)
        statuses.append(status)
        reasons.append(reason)
        absent.append(is_absent)
        unworked.append(lost)
        late_flags.append(is_late)
        early_flags.append(is_early)
        serious_flags.append(is_serious)
    grid["status"] = statuses
    grid["reason"] = reasons
    grid["absent"] = absent
    grid["absent_unworked_min"] = unworked
    grid["is_late"] = late_flags
    grid["is_early"] = early_flags
    grid["is_serious_late"] = serious_flags
    grid["is_holiday"] = grid["kind"].eq(HOLIDAY)
    return grid


def summary(days: pd.DataFrame) -> pd.DataFrame:
    """Per person-month (考勤汇总), DingTalk-style counts and minutes."""
    work = days[days["kind"] == WORKDAY]
    work = work.assign(
        attended=(work["punches"] > 0) & ~work["absent"],
        late_counted=work["late_min"].where(work["is_late"], 0),
        early_counted=work["early_min"].where(work["is_early"], 0),
    )
    out = work.groupby("employee_id", sort=False).agg(
        workdays=("date", "size"), attended=("attended", "sum"), late_count=("is_late", "sum"),
        late_min=("late_counted", "sum"), serious_late=("is_serious_late", "sum"), early_count=("is_early", "sum"),
        early_min=("early_counted", "sum"), missing_punch=("missing_punch", "sum"), absent_days=("absent", "sum"),
        absent_unworked_min=("absent_unworked_min", "sum"), leave_min=("leave_min", "sum"),
        unpaid_leave_min=("unpaid_leave_min", "sum"))
    return out.reset_index()
