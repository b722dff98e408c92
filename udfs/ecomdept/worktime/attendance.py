"""Attendance per person-day against that person's shift of the day (ATT-01, ATT-09).

Each person-day has a shift (shifts.py): the 规则 sheet's admin shift on calendar workdays, unless the
排班 sheet names another shift or 休 (a rest day for that person). Punches are reduced to first-in /
last-out per person-day (ATT-04: no break punch needed); a punch after midnight belongs to the night
shift that started the day before (shifts.attendance_dates). Lateness counts the *scheduled* minutes
missed before the first punch, truncated to the minute (08:30:59 is on time, 08:31:00 is 1 minute
late); early leave counts the scheduled minutes after the last punch, rounded up (17:59:59 is 1
minute early). Approved leave and 因公外出 remove their time from the day's schedule, so a morning of
sick leave moves the expected arrival to 14:00. The common case is computed on whole columns, one
shift at a time; only person-days touched by leave, and flexible shifts, loop in Python.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ecomdept.core.calendar import HOLIDAY, KIND_LABEL, WORKDAY, WorkCalendar, month_dates
from ecomdept.core.issues import WARNING, Issue
from ecomdept.inputs.rules import Rules
from ecomdept.inputs.schema import LEAVE_TYPES, PUNCHES
from ecomdept.inputs.shifts import DAY, Schedule, Shift, attendance_dates, overlap, scheduled_before, subtract  # noqa: F401

PAID_LEAVE = {"年假", "婚假", "丧假", "调休", "因公外出", "产假", "陪产假", "育儿假", "哺乳假", "工伤"}
UNPAID_LEAVE = {"事假", "病假"}  # LV-10


def hours_text(minutes: int) -> str:
    """Minutes as hours for people: 85 → "1.42", 450 → "7.5"."""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


def _person_days(employees: pd.DataFrame, days: list[dt.date], calendar: WorkCalendar,
                 schedule: Schedule) -> pd.DataFrame:
    emp = employees[["employee_id", "hire_date", "leave_date"]]
    grid = emp.merge(pd.DataFrame({"date": days}), how="cross")
    keep = (grid["date"] >= grid["hire_date"]) & (grid["leave_date"].isna() | (grid["date"] <= grid["leave_date"]))
    grid = grid[keep].drop(columns=["hire_date", "leave_date"]).reset_index(drop=True)
    kinds = {day: calendar.kind(day) for day in days}
    grid["calendar_kind"] = grid["date"].map(kinds)
    plan = schedule.plan(grid)
    grid["kind"] = plan["kind"]
    for column in ("shift_code", "rostered", "rota_rest"):
        grid[column] = plan[column]
    return grid


def usable_punches(punches: pd.DataFrame, first: dt.date, last: dt.date, issues: list[Issue],
                   makeup_limit: int = 10**9, schedule: Schedule | None = None,
                   calendar: WorkCalendar | None = None) -> pd.DataFrame:
    """Punches of the month, each with the person-day it belongs to (``date``) and its seconds on that
    day's axis (``sec``, past 86,400 for a night shift's punches after midnight). Make-up punches
    (补卡, ATT-06) count only when approved and within the monthly limit; the others are left out with
    a warning. The morning after the month may still hold the last night shift's punches; the month's
    first morning may hold the previous month's (left to that month, without a warning)."""
    if punches.empty:
        return pd.DataFrame({"employee_id": pd.Series(dtype=object), "punched_at": pd.Series(dtype="datetime64[ns]"),
                             "date": pd.Series(dtype=object), "sec": pd.Series(dtype=np.int64)})
    frame = punches.assign(punched_at=pd.to_datetime(punches["punched_at"]))
    start, stop = pd.Timestamp(first), pd.Timestamp(last) + pd.Timedelta(days=1)
    inside = (frame["punched_at"] >= start) & (frame["punched_at"] < stop)
    night = schedule is not None and schedule.overnight
    if night:
        inside = inside | ((frame["punched_at"] >= stop) & (frame["punched_at"] < stop + pd.Timedelta(days=1)))
    outside = frame[~inside]
    frame = frame[inside]
    if night:
        days, secs = attendance_dates(frame, schedule, calendar or WorkCalendar())
        frame = frame.assign(date=days, sec=secs)
        mine = (frame["date"] >= first) & (frame["date"] <= last)
        later = frame["punched_at"] >= stop
        outside = pd.concat([outside, frame[~mine & later]]).sort_index()
        frame = frame[mine]
    else:
        stamps = frame["punched_at"]
        frame = frame.assign(date=stamps.dt.date, sec=(stamps.dt.hour * 3600 + stamps.dt.minute * 60
                                                      + stamps.dt.second).astype(np.int64))
    if len(outside):
        rows = outside["xl_row"].tolist()
        shown = "、".join(str(r) for r in rows[:5]) + (" 等" if len(rows) > 5 else "")
        issues.append(Issue(PUNCHES.name, rows[0], "打卡时间",
                            f"{len(rows)} 条打卡不在 {first:%Y-%m}，本月未计入（第 {shown} 行）", WARNING, "punched_at",
                            "punches_outside_month"))
    makeup = frame["source"].eq("补卡")
    rejected = makeup & ~frame["approved"].eq(True)
    for rec in frame[rejected].itertuples(index=False):
        issues.append(Issue(PUNCHES.name, rec.xl_row, "补卡已批准", "补卡未经批准，不予采用（ATT-06）", WARNING, "approved"))
    approved = frame[makeup & ~rejected].sort_values("punched_at")
    rank = approved.groupby("employee_id", sort=False).cumcount()
    over = approved[rank >= makeup_limit]
    for rec in over.itertuples(index=False):
        issues.append(Issue(PUNCHES.name, rec.xl_row, "来源",
                            f"本月补卡超过 {makeup_limit} 次上限，此次补卡不予采用（ATT-06）", WARNING, "source"))
    return frame[~rejected & ~frame.index.isin(over.index)]


def _leave_pieces(leave: pd.DataFrame, first: dt.date, last: dt.date, night: bool = False) -> pd.DataFrame:
    """Split each leave record into per-day pieces, in seconds on each day's axis: from the day's
    midnight up to the end of the next day, where a night shift ends. With night shifts a record also
    gives a piece to the day before its start (the morning after that night)."""
    pieces = []
    for rec in leave.itertuples(index=False):
        day = max(rec.start.date() - dt.timedelta(days=1 if night else 0), first)
        while day <= min(rec.end.date(), last):
            day_start = dt.datetime.combine(day, dt.time())
            start = max(rec.start, day_start)
            end = min(rec.end, day_start + dt.timedelta(days=2))
            pieces.append((rec.employee_id, day, int((start - day_start).total_seconds()),
                           int((end - day_start).total_seconds()), rec.leave_type, rec.status, rec.request_id,
                           rec.xl_row))
            day += dt.timedelta(days=1)
    return pd.DataFrame(pieces, columns=["employee_id", "date", "start", "end", "leave_type", "status",
                                         "request_id", "xl_row"])


def _ends(n, first_in, midpoint):
    """(has arrival, has departure): a lone punch is an arrival before the shift's midpoint, else a
    departure (ATT-04 first-in / last-out)."""
    single = n == 1
    return (n >= 2) | (single & (first_in < midpoint)), (n >= 2) | (single & (first_in >= midpoint))


def _planned(shift: Shift, n: int, first_in) -> tuple[tuple[int, int], ...]:
    """The day's scheduled intervals: a flexible shift starts from the arrival, if there is one."""
    if not shift.flexible:
        return shift.intervals
    has_in, _ = _ends(n, first_in, shift.midpoint)
    return shift.intervals_from(int(first_in) if has_in else None)


def compute(employees: pd.DataFrame, punches: pd.DataFrame, leave: pd.DataFrame, calendar: WorkCalendar,
            rules: Rules, year: int, month: int, issues: list[Issue] | None = None,
            events: pd.DataFrame | None = None, schedule: Schedule | None = None) -> pd.DataFrame:
    """One row per employee and calendar day of employment in the month. ``schedule``: 班次 and 排班
    (None: everyone on the 规则 sheet's admin shift, on the calendar's workdays)."""
    issues = issues if issues is not None else []
    schedule = schedule or Schedule.default_only(rules)
    days = month_dates(year, month)
    first, last = days[0], days[-1]
    grid = _person_days(employees, days, calendar, schedule)

    usable = usable_punches(punches, first, last, issues, rules.makeup_punch_monthly_limit, schedule, calendar)
    agg = pd.DataFrame({
        "employee_id": usable["employee_id"].to_numpy(), "date": usable["date"].to_numpy(),
        "sec": usable["sec"].to_numpy(),
    }).groupby(["employee_id", "date"], sort=False)["sec"].agg(first_in="min", last_out="max", punches="count")
    grid = grid.merge(agg.reset_index(), on=["employee_id", "date"], how="left")
    grid["punches"] = grid["punches"].fillna(0).astype(int)
    _against_shifts(grid, schedule)
    grid["leave_min"] = 0
    grid["unpaid_leave_min"] = 0
    grid["leave_detail"] = ""
    grid["pending_leave"] = ""
    for leave_type in LEAVE_TYPES:
        grid[f"leave_min_{leave_type}"] = 0

    pieces = _leave_pieces(leave, first, last, schedule.overnight) if len(leave) else None
    if pieces is not None and len(pieces):
        _apply_leave(grid, pieces, schedule)
    _apply_events(grid, events, schedule, first, last)
    return _classify(grid, rules, schedule)


def _against_shifts(grid: pd.DataFrame, schedule: Schedule) -> None:
    """Scheduled, late and early minutes and missing punches of every workday, one shift at a time."""
    size = len(grid)
    work = grid["kind"].eq(WORKDAY).to_numpy()
    n = grid["punches"].to_numpy()
    first_in = grid["first_in"].fillna(0).to_numpy(dtype=np.int64)
    last_out = grid["last_out"].fillna(0).to_numpy(dtype=np.int64)
    sched_sec = np.zeros(size, dtype=np.int64)
    late_sec = np.zeros(size, dtype=np.int64)
    early_sec = np.zeros(size, dtype=np.int64)
    codes = grid["shift_code"].to_numpy()
    for code in pd.unique(codes[work]):
        rows = np.flatnonzero(work & (codes == code))
        shift = schedule.shifts[code]
        k, fi, lo = n[rows], first_in[rows], last_out[rows]
        has_in, has_out = _ends(k, fi, shift.midpoint)
        sched_sec[rows] = shift.seconds
        if shift.flexible:
            for j, i in enumerate(rows):
                planned = _planned(shift, k[j], fi[j])
                late_sec[i] = scheduled_before(fi[j], planned) if has_in[j] else 0
                early_sec[i] = shift.seconds - scheduled_before(lo[j], planned) if has_out[j] else 0
            continue
        late_sec[rows] = np.where(has_in, scheduled_before(fi, shift.intervals), 0)
        early_sec[rows] = np.where(has_out, shift.seconds - scheduled_before(lo, shift.intervals), 0)
    grid["scheduled_min"] = sched_sec // 60
    grid["late_min"] = late_sec // 60
    grid["early_min"] = -(-early_sec // 60)
    grid["missing_punch"] = work & (n == 1)


def _apply_events(grid: pd.DataFrame, events: pd.DataFrame | None, schedule: Schedule, first: dt.date,
                  last: dt.date) -> None:
    """考勤事件: 脱岗 minutes (ABS-02), 外出未报告 minutes (OUT-02), 拒绝调岗 (ABS-06) per person-day,
    counted within the day's shift (the night shift of the day before, after midnight)."""
    grid["offpost_min"] = 0
    grid["unreported_out_min"] = 0
    grid["refused_reassignment"] = False
    if events is None or events.empty:
        return
    index = {key: i for i, key in enumerate(zip(grid["employee_id"], grid["date"]))}
    codes = grid["shift_code"].to_numpy()
    for rec in events.itertuples(index=False):
        day = rec.start.date()
        i = index.get((rec.employee_id, day))
        start = int((rec.start - dt.datetime.combine(day, dt.time())).total_seconds())
        end = start if rec.end is None else int((rec.end - dt.datetime.combine(day, dt.time())).total_seconds())
        before = index.get((rec.employee_id, day - dt.timedelta(days=1)))
        if before is not None and codes[before] and start + DAY < schedule.shifts[codes[before]].end:
            i, start, end = before, start + DAY, end + DAY
        if i is None or not first <= grid.at[i, "date"] <= last:
            continue
        if rec.event_type == "拒绝调岗":
            grid.at[i, "refused_reassignment"] = True
            continue
        shift = schedule.shifts[codes[i]] if codes[i] else schedule.default
        minutes = overlap(_planned(shift, grid.at[i, "punches"], grid.at[i, "first_in"]), start, end) // 60
        column = "offpost_min" if rec.event_type == "脱岗" else "unreported_out_min"
        grid.at[i, column] += minutes


def _apply_leave(grid: pd.DataFrame, pieces: pd.DataFrame, schedule: Schedule) -> None:
    """Recompute the person-days that approved leave touches; note unapproved leave for the reason."""
    index = {key: i for i, key in enumerate(zip(grid["employee_id"], grid["date"]))}
    kind = grid["kind"].to_numpy()
    codes = grid["shift_code"].to_numpy()
    by_day: dict[int, list] = {}
    for piece in pieces.itertuples(index=False):
        i = index.get((piece.employee_id, piece.date))
        if i is None or kind[i] != WORKDAY:
            continue
        shift = schedule.shifts[codes[i]]
        if piece.end > min(0, shift.start) and piece.start < max(DAY, shift.end):  # within the day and its shift
            by_day.setdefault(i, []).append(piece)
    cols = {name: grid[name].to_numpy().copy() for name in
            ("scheduled_min", "late_min", "early_min", "missing_punch", "leave_min", "unpaid_leave_min")}
    detail_col = grid["leave_detail"].to_numpy().copy()
    pending_col = grid["pending_leave"].to_numpy().copy()
    by_type = {t: grid[f"leave_min_{t}"].to_numpy().copy() for t in LEAVE_TYPES}
    punches = grid["punches"].to_numpy()
    first_in = grid["first_in"].to_numpy()
    last_out = grid["last_out"].to_numpy()
    for i, group in by_day.items():
        approved = [p for p in group if p.status == "已批准"]
        others = [p for p in group if p.status != "已批准"]
        if others:
            pending_col[i] = "、".join(f"{p.leave_type}（{p.status}，单号 {p.request_id}）" for p in others)
        if not approved:
            continue
        shift = schedule.shifts[codes[i]]
        planned = _planned(shift, punches[i], first_in[i])
        remaining = subtract(planned, [(int(p.start), int(p.end)) for p in approved])
        detail, leave_min, unpaid_min = [], 0, 0
        for p in approved:
            minutes = overlap(planned, int(p.start), int(p.end)) // 60
            if minutes <= 0:
                continue
            leave_min += minutes
            unpaid_min += minutes if p.leave_type in UNPAID_LEAVE else 0
            by_type[p.leave_type][i] += minutes
            detail.append(f"{p.leave_type} {minutes} 分钟（单号 {p.request_id}）")
        remaining_sec = sum(e - s for s, e in remaining)
        cols["leave_min"][i], cols["unpaid_leave_min"][i] = leave_min, unpaid_min
        detail_col[i] = "；".join(detail)
        cols["scheduled_min"][i] = remaining_sec // 60
        if remaining_sec == 0:
            cols["late_min"][i] = cols["early_min"][i] = 0
            cols["missing_punch"][i] = False
            continue
        has_in, has_out = _ends(punches[i], first_in[i], shift.midpoint)
        cols["late_min"][i] = int(scheduled_before(int(first_in[i]), remaining)) // 60 if has_in else 0
        cols["early_min"][i] = -(-(remaining_sec - int(scheduled_before(int(last_out[i]), remaining))) // 60) \
            if has_out else 0
    for name, values in cols.items():
        grid[name] = values
    grid["leave_detail"] = detail_col
    grid["pending_leave"] = pending_col
    for t, values in by_type.items():
        grid[f"leave_min_{t}"] = values


def _classify(grid: pd.DataFrame, rules: Rules, schedule: Schedule) -> pd.DataFrame:
    """Status, reason (with clause) and absence per person-day. Plain days are settled on whole
    columns; only days with something to explain go through the rule-by-rule loop."""
    n = len(grid)
    work = grid["kind"].eq(WORKDAY).to_numpy()
    plain = (work & (grid["punches"].to_numpy() >= 2) & (grid["late_min"].to_numpy() <= rules.grace_minutes)
             & (grid["early_min"].to_numpy() == 0) & (grid["leave_min"].to_numpy() == 0)
             & (grid["offpost_min"].to_numpy() == 0) & (grid["unreported_out_min"].to_numpy() == 0)
             & ~grid["refused_reassignment"].to_numpy() & (grid["pending_leave"].to_numpy() == ""))
    status = np.where(plain, "正常", "").astype(object)
    for kind in (HOLIDAY, "restday"):
        mask = grid["kind"].eq(kind).to_numpy()
        status[mask] = KIND_LABEL[kind]
        status[mask & (grid["punches"].to_numpy() > 0)] = KIND_LABEL[kind] + "（有打卡）"
    reason = np.full(n, "", dtype=object)
    absent = np.zeros(n, dtype=bool)
    lost = np.zeros(n, dtype=np.int64)
    late = np.zeros(n, dtype=bool)
    early = np.zeros(n, dtype=bool)
    serious = np.zeros(n, dtype=bool)
    early_total = grid["early_min"].to_numpy().copy()
    on_leave_before = _previous_workday_leave(grid)
    todo = np.flatnonzero(work & ~plain)
    for i, rec in zip(todo, grid.iloc[todo].itertuples(index=False)):
        out = _judge(rec, rules, bool(on_leave_before[i]))
        status[i], reason[i], absent[i], lost[i], late[i], early[i], serious[i], early_total[i] = out
    grid["status"] = status
    grid["reason"] = _rota_reasons(grid, reason, schedule)
    grid["absent"] = absent
    grid["absent_unworked_min"] = lost
    grid["is_late"] = late
    grid["is_early"] = early
    grid["is_serious_late"] = serious
    grid["early_min"] = early_total
    grid["is_holiday"] = grid["kind"].eq(HOLIDAY)
    return grid


def _rota_reasons(grid: pd.DataFrame, reason: np.ndarray, schedule: Schedule) -> np.ndarray:
    """Days a 排班 row decided say so first: the shift worked, or 休 (ATT-09)."""
    marked = np.flatnonzero(grid["rostered"].to_numpy() | grid["rota_rest"].to_numpy())
    if not len(marked):
        return reason
    kind, codes, punched = grid["kind"].to_numpy(), grid["shift_code"].to_numpy(), grid["punches"].to_numpy()
    labels = {code: shift.label(False) for code, shift in schedule.shifts.items()}
    for i in marked:
        if not codes[i]:
            why = "排班：休（本人休息日，ATT-09）"
            if punched[i]:
                why += "；休息日上班只有已批准的加班才计加班（OT-01）"
        elif kind[i] == HOLIDAY:
            why = f"排班：{labels[codes[i]]}；法定节假日上班只有已批准的加班才计加班（300%，OT-01），不计迟到早退"
        else:
            why = f"排班：{labels[codes[i]]}（ATT-09）"
        reason[i] = why + ("；" + reason[i] if reason[i] else "")
    return reason


def _previous_workday_leave(grid: pd.DataFrame) -> np.ndarray:
    """True where the same employee's previous workday had approved leave (for ABS-03)."""
    work = grid[grid["kind"] == WORKDAY]
    prev = work.groupby("employee_id", sort=False)["leave_min"].shift(1).fillna(0) > 0
    flags = np.zeros(len(grid), dtype=bool)
    flags[prev.index.to_numpy()] = prev.to_numpy()
    return flags


def _judge(rec, rules: Rules, leave_before: bool):
    """One workday by the rulebook: (status, reason, absent, unworked min, late, early, serious, early min)."""
    threshold = rules.absence_threshold_minutes
    early_min = int(rec.early_min) + int(rec.unreported_out_min)
    if rec.scheduled_min == 0:
        return "请假", rec.leave_detail, False, 0, False, False, False, 0
    if rec.refused_reassignment:
        return ("旷工", "不服从岗位调配拒绝上班，按旷工处理（ABS-06）", True, int(rec.scheduled_min),
                False, False, False, 0)
    if rec.punches == 0:
        if rec.pending_leave:
            why = f"当天无打卡，{rec.pending_leave}未获批准，按旷工处理（ABS-07）"
        elif leave_before:
            why = "假期已结束、未办续假且未到岗，按旷工处理（ABS-03）"
        else:
            why = "当天无打卡且无已批准的请假或外出，按旷工处理（ABS-01）"
        return "旷工", why, True, int(rec.scheduled_min), False, False, False, 0
    parts, is_absent, lost = [], False, 0
    is_late = is_early = is_serious = False
    if rec.late_min >= threshold:
        is_absent, lost = True, lost + int(rec.late_min)
        parts.append(f"迟到 {rec.late_min} 分钟，达到 {threshold} 分钟且未补假，按旷工处理（ABS-04）")
    elif rec.late_min > rules.grace_minutes:
        is_late = True
        is_serious = bool(rules.serious_late_minutes) and rec.late_min >= rules.serious_late_minutes
        parts.append(f"迟到 {rec.late_min} 分钟（ATT-04）" + ("，严重迟到" if is_serious else ""))
    if rec.unreported_out_min:
        parts.append(f"外出未向主管说明 {rec.unreported_out_min} 分钟，视为早退（OUT-02）")
    if early_min >= threshold:
        is_absent, lost = True, lost + early_min
        parts.append(f"早退 {early_min} 分钟，达到 {threshold} 分钟，按旷工处理（ABS-04）")
    elif early_min > 0:
        if rules.early_leave_mode == "always":
            is_absent, lost = True, lost + early_min
            parts.append(f"早退 {early_min} 分钟，按制度字面「早退当天按旷工处理」（ABS-05）")
        else:
            is_early = True
            parts.append(f"早退 {early_min} 分钟（ATT-05）")
    if rec.offpost_min >= rules.offpost_threshold_minutes:
        is_absent, lost = True, lost + int(rec.offpost_min)
        parts.append(f"未经批准离岗 {rec.offpost_min} 分钟，达到 {rules.offpost_threshold_minutes} 分钟，按旷工处理（ABS-02）")
    elif rec.offpost_min:
        parts.append(f"未经批准离岗 {rec.offpost_min} 分钟，未达旷工标准（ABS-02）")
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
    return status, "；".join(parts), is_absent, lost, is_late, is_early, is_serious, early_min


def summary(days: pd.DataFrame) -> pd.DataFrame:
    """Per person-month (考勤汇总), DingTalk-style counts and minutes. ``workdays`` are the calendar's
    workdays of employment (the pay basis, PAY-08); ``scheduled_days`` the days the person's shifts
    asked for (排班 moves them to weekends and gives weekdays off) — 应出勤 wherever it is printed."""
    work = days["kind"] == WORKDAY
    frame = days.assign(
        employed=days["calendar_kind"] == WORKDAY, scheduled=work,
        attended=work & (days["punches"] > 0) & ~days["absent"],
        late_counted=days["late_min"].where(days["is_late"], 0),
        early_counted=days["early_min"].where(days["is_early"], 0),
    )
    out = frame.groupby("employee_id", sort=False).agg(
        workdays=("employed", "sum"), scheduled_days=("scheduled", "sum"), attended=("attended", "sum"),
        late_count=("is_late", "sum"), late_min=("late_counted", "sum"), serious_late=("is_serious_late", "sum"),
        early_count=("is_early", "sum"), early_min=("early_counted", "sum"), missing_punch=("missing_punch", "sum"),
        absent_days=("absent", "sum"), absent_unworked_min=("absent_unworked_min", "sum"),
        leave_min=("leave_min", "sum"), unpaid_leave_min=("unpaid_leave_min", "sum"),
        **{f"leave_min_{t}": (f"leave_min_{t}", "sum") for t in LEAVE_TYPES})
    out = out[(out["workdays"] > 0) | (out["scheduled_days"] > 0)]
    return out.reset_index()
