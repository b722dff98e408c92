"""班次 and 排班: the hours each person is judged against on each day (ATT-01, ATT-09).

A shift is clock times in seconds after the midnight of the day it starts on. A night shift
22:00–06:00 runs from 79,200 to 108,000, so a punch at 00:30 the next morning sits on the same axis
(88,200) as the shift it ends. The 规则 sheet's admin shift (work_am_start … work_pm_end, code 行政)
is the default: a person-day without a 排班 row is judged as before, on the calendar's workdays. A
排班 row names one person's shift on one day, or 休 — a rest day for that person whatever the
calendar says. 弹性班 (flexible): arrive between 上班时间 and 最晚上班, then work 工作时长 hours
(breaks not counted); the core hours everyone is present run from 最晚上班 to the earliest end.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ecomdept.core.calendar import HOLIDAY, RESTDAY, WORKDAY
from ecomdept.core.issues import ERROR, WARNING, Issue

DAY = 86400
REST = "休"
REST_WORDS = frozenset({"休", "休息", "休息日", "休班", "off", "rest"})
DEFAULT_CODE = "行政"
MAX_SHIFT = 16 * 3600  # a shift longer than this from start to end is a typo
NIGHT_MARGIN = 2 * 3600  # 班次 下班后打卡 left blank


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


def clock(seconds: int) -> str:
    """Seconds on a shift's axis → '14:00', or '次日 06:00' past midnight."""
    seconds = int(seconds)
    text = f"{seconds % DAY // 3600:02d}:{seconds % 3600 // 60:02d}"
    return f"次日 {text}" if seconds >= DAY else text


def _work_from(begin: int, work: int, breaks) -> tuple[tuple[int, int], ...]:
    """The intervals of ``work`` seconds from ``begin``, stepping over the breaks."""
    out, at, left = [], begin, work
    for b_start, b_end in sorted(breaks):
        if b_end <= at:
            continue
        if left <= 0:
            break
        if b_start > at:
            step = min(left, b_start - at)
            out.append((at, at + step))
            left -= step
        at = max(at, b_end)
    if left > 0:
        out.append((at, at + left))
    return tuple(out)


@dataclass(frozen=True)
class Shift:
    code: str
    name: str
    start: int                                # seconds after the midnight of the shift's day
    end: int                                  # > start; past DAY when the shift crosses midnight
    breaks: tuple[tuple[int, int], ...] = ()  # unpaid, no punch needed (ATT-04: first in, last out)
    latest_start: int | None = None           # 弹性班: arrive from start up to here
    work_seconds: int | None = None           # 弹性班: seconds to work after arriving, breaks apart
    punch_margin: int = NIGHT_MARGIN          # night shifts: punches until end + this are still this shift's

    @classmethod
    def from_rules(cls, rules) -> "Shift":
        """The admin shift of the 规则 sheet (ATT-01 08:30–12:00, 14:00–18:00): everyone's default."""
        am_start, am_end = rules.seconds("work_am_start"), rules.seconds("work_am_end")
        pm_start, pm_end = rules.seconds("work_pm_start"), rules.seconds("work_pm_end")
        return cls(DEFAULT_CODE, "行政班", am_start, pm_end, ((am_end, pm_start),) if am_end < pm_start else ())

    @property
    def flexible(self) -> bool:
        return self.latest_start is not None

    @property
    def overnight(self) -> bool:
        return self.end > DAY

    @property
    def keeps_next_morning(self) -> bool:
        """Do punches after midnight still belong to this shift (its end + margin passes midnight)?"""
        return self.end + self.punch_margin > DAY

    def intervals_from(self, arrival: int | None = None) -> tuple[tuple[int, int], ...]:
        """The scheduled intervals; a flexible shift's start from the arrival, kept within its window
        (no arrival known: the earliest start, the most lenient end)."""
        if not self.flexible:
            return subtract(((self.start, self.end),), self.breaks)
        begin = self.start if arrival is None else min(max(int(arrival), self.start), self.latest_start)
        return _work_from(begin, self.work_seconds, self.breaks)

    @property
    def intervals(self) -> tuple[tuple[int, int], ...]:
        return self.intervals_from(None)

    @property
    def seconds(self) -> int:
        return sum(end - start for start, end in self.intervals)

    @property
    def minutes(self) -> int:
        return self.seconds // 60

    @property
    def midpoint(self) -> int:
        """Where a lone punch stops being an arrival and becomes a departure: the middle of the first
        break (13:00 for the admin shift), else the middle of the shift (of the core hours if flexible)."""
        if self.breaks:
            return (self.breaks[0][0] + self.breaks[0][1]) // 2
        if self.flexible:
            return (self.latest_start + self.intervals[-1][1]) // 2
        return (self.start + self.end) // 2

    def label(self, brackets: bool = True) -> str:
        """'晚班 14:00–22:00（休息 18:00–18:30）' — or with a comma for the break, inside brackets of one's own."""
        rest = "、".join(f"{clock(s % DAY)}–{clock(e % DAY)}" for s, e in self.breaks)
        if self.flexible:
            text = (f"{self.name} {clock(self.start)}–{clock(self.latest_start)} 到岗、工作 "
                    f"{self.work_seconds / 3600:g} 小时")
            return text + (f"，休息 {rest}" if rest else "")
        text = f"{self.name} {clock(self.start)}–{clock(self.end)}"
        if not rest:
            return text
        return text + (f"（休息 {rest}）" if brackets else f"，休息 {rest}")


def _seconds(value: dt.time | None) -> int | None:
    return None if value is None else value.hour * 3600 + value.minute * 60 + value.second


def shift_from_row(rec) -> tuple[Shift, list[tuple[str, str, str]]]:
    """One 班次 row (times already parsed) → a Shift and (column id, message, level) problems;
    ValueError(column id, message) when the row cannot be used."""
    notes: list[tuple[str, str, str]] = []
    start, end = _seconds(rec.start), _seconds(rec.end)
    latest = _seconds(rec.latest_start)
    overnight = rec.overnight
    margin = NIGHT_MARGIN if rec.punch_margin is None else int(rec.punch_margin) * 60
    breaks: tuple[tuple[int, int], ...] = ()
    b_start, b_end = _seconds(rec.break_start), _seconds(rec.break_end)
    if (b_start is None) != (b_end is None):
        raise ValueError("break_end" if b_end is None else "break_start", "休息开始与休息结束要么都填，要么都不填")

    def on_axis(sec: int) -> int:  # a time before the start belongs to the next day (night shifts only)
        return sec + DAY if sec < start else sec

    if latest is not None:  # 弹性班
        if rec.work_hours is None:
            raise ValueError("work_hours", "弹性班（填了最晚上班）须填工作时长（小时）")
        work = int(round(float(rec.work_hours) * 3600))
        if not 0 < work <= MAX_SHIFT:
            raise ValueError("work_hours", f"工作时长应在 0–{MAX_SHIFT // 3600} 小时之间")
        latest = on_axis(latest)
        if latest - start > 12 * 3600:
            raise ValueError("latest_start", "最晚上班比上班时间晚 12 小时以上，请核对")
        if b_start is not None:
            breaks = ((on_axis(b_start), on_axis(b_end)),)
            if breaks[0][1] <= breaks[0][0]:
                raise ValueError("break_end", "休息结束应晚于休息开始")
        shift = Shift(rec.code, rec.name or rec.code, start, _work_from(latest, work, breaks)[-1][1], breaks, latest,
                      work, margin)
        if end is not None and on_axis(end) != shift.end:
            notes.append(("end", f"弹性班的下班时间由 最晚上班 + 工作时长 决定（{clock(shift.end)}），"
                                 f"表中的 {clock(end)} 未采用", WARNING))
        if overnight is False and shift.overnight:
            raise ValueError("overnight", f"跨夜填了「否」，但最晚到岗的人 {clock(shift.end)} 才下班：请填「是」或改正时间")
        return shift, notes
    if end is None:
        raise ValueError("end", "必填项为空：固定班次须填下班时间（弹性班须填最晚上班与工作时长）")
    if end <= start:
        if overnight is False:
            raise ValueError("end", "下班时间不晚于上班时间：跨夜的班次请在「跨夜」填「是」")
        end += DAY
    elif overnight:
        raise ValueError("overnight", "跨夜填了「是」，但下班时间晚于上班时间、不在次日：请改为「否」或改正时间")
    if end - start > MAX_SHIFT:
        raise ValueError("end", f"班次从上班到下班超过 {MAX_SHIFT // 3600} 小时，请核对")
    if b_start is not None:
        b_start, b_end = on_axis(b_start), on_axis(b_end)
        if not start < b_start < b_end < end:
            raise ValueError("break_start", f"休息时间应在上班与下班之间（{clock(start)}–{clock(end)}），且结束晚于开始")
        breaks = ((b_start, b_end),)
    if rec.work_hours is not None:
        notes.append(("work_hours", "工作时长只用于弹性班（填了最晚上班的班次），固定班次按上下班与休息时间计算", WARNING))
    return Shift(rec.code, rec.name or rec.code, start, end, breaks, punch_margin=margin), notes


def rota_code(value: str) -> str:
    """A 排班 cell → a 班次 code, or REST for 休/休息."""
    return REST if value.strip().lower() in REST_WORDS else value.strip()


@dataclass
class Schedule:
    """Who works which shift on which day: the default admin shift on calendar workdays, unless the
    排班 sheet says otherwise for that person and day."""

    default: Shift
    shifts: dict[str, Shift]                       # by code, the default among them
    rota: dict[tuple[str, dt.date], str]           # explicit 排班: (工号, 日期) → code or REST
    _night: tuple | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def default_only(cls, rules) -> "Schedule":
        default = Shift.from_rules(rules)
        return cls(default, {default.code: default}, {})

    @classmethod
    def from_frames(cls, shift_rows: pd.DataFrame | None, rota_rows: pd.DataFrame | None, rules) -> "Schedule":
        """From the checked 班次 and 排班 frames (``check_sheets`` has left only usable rows)."""
        schedule = cls.default_only(rules)
        for rec in (shift_rows.itertuples(index=False) if shift_rows is not None else ()):
            try:
                shift, _ = shift_from_row(rec)
            except ValueError:
                continue
            schedule.shifts[shift.code] = shift
        for rec in (rota_rows.itertuples(index=False) if rota_rows is not None else ()):
            code = rota_code(rec.shift)
            if code == REST or code in schedule.shifts:
                schedule.rota[(rec.employee_id, rec.date)] = code
        return schedule

    @property
    def overnight(self) -> bool:
        """Does any rostered shift reach past midnight, with its margin (so punches after midnight may
        belong to the day before)? The default shift never does: without 排班 a punch is its calendar day's.
        Asked once per leave request: the answer is kept until the rota or the shifts change size."""
        key = (len(self.rota), len(self.shifts))
        if self._night is None or self._night[0] != key:
            self._night = (key, any(self.shifts[code].keeps_next_morning for code in set(self.rota.values())
                                    if code != REST))
        return self._night[1]

    def plan(self, grid: pd.DataFrame) -> pd.DataFrame:
        """Per person-day of ``grid`` (employee_id, date, calendar_kind): the shift code ("" = none),
        the person's kind of day, and whether a 排班 row decided it."""
        n = len(grid)
        cal = grid["calendar_kind"].to_numpy()
        code = np.full(n, "", dtype=object)
        if self.rota and n:
            keys = list(zip(grid["employee_id"], grid["date"]))
            code = np.array([self.rota.get(k, "") for k in keys], dtype=object)
        explicit = code != ""
        rest = code == REST
        shift = np.where(explicit, np.where(rest, "", code), np.where(cal == WORKDAY, self.default.code, ""))
        kind = np.where(explicit, np.where(cal == HOLIDAY, HOLIDAY, np.where(rest, RESTDAY, WORKDAY)), cal)
        return pd.DataFrame({"shift_code": shift.astype(object), "kind": kind.astype(object),
                             "rostered": explicit & ~rest, "rota_rest": rest}, index=grid.index)

    def shift_on(self, employee_id: str, day: dt.date, calendar) -> Shift | None:
        """The shift a person must work on a day (None: a rest day or holiday for them)."""
        code = self.rota.get((employee_id, day))
        if code is None:
            return self.default if calendar.kind(day) == WORKDAY else None
        if code == REST or calendar.kind(day) == HOLIDAY:
            return None
        return self.shifts[code]

    def daily_minutes(self, days: pd.DataFrame) -> dict[str, int]:
        """Per person, the minutes of the shift they work most this month (the minute value of a day's
        pay, PAY-08); the default shift for those with no scheduled day."""
        work = days[days["kind"] == WORKDAY]
        if work.empty or not self.rota:
            return {}
        counts = work.groupby(["employee_id", "shift_code"], sort=False).size().reset_index(name="n")
        order = {code: i for i, code in enumerate(self.shifts)}
        counts["order"] = counts["shift_code"].map(order)
        counts = counts.sort_values(["employee_id", "n", "order"], ascending=[True, False, True])
        top = counts.drop_duplicates("employee_id")
        return {emp: self.shifts[code].minutes for emp, code in zip(top["employee_id"], top["shift_code"])}


def attendance_dates(punches: pd.DataFrame, schedule: Schedule, calendar) -> tuple[np.ndarray, np.ndarray]:
    """(date, seconds on that date's axis) for each punch. A punch belongs to the day before when that
    day's rostered shift reaches past midnight and the punch is earlier than the shift's end + its
    margin (班次 下班后打卡, 120 minutes if blank) and than halfway to the person's own shift of the day
    (ATT-09); otherwise to its calendar day."""
    stamps = pd.to_datetime(punches["punched_at"])
    days = stamps.dt.date.to_numpy() if len(punches) else np.array([], dtype=object)
    secs = (stamps.dt.hour * 3600 + stamps.dt.minute * 60 + stamps.dt.second).to_numpy().astype(np.int64)
    if not schedule.overnight or not len(punches):
        return days, secs
    night = {key: schedule.shifts[code] for key, code in schedule.rota.items()
             if code != REST and schedule.shifts[code].keeps_next_morning}
    people = {emp for emp, _ in night}
    emps = punches["employee_id"].to_numpy()
    days = days.copy()
    secs = secs.copy()
    for i in np.flatnonzero(np.isin(emps, list(people))):
        before = days[i] - dt.timedelta(days=1)
        shift = night.get((emps[i], before))
        if shift is None:
            continue
        ends = shift.end - DAY
        cutoff = ends + shift.punch_margin
        today = schedule.shift_on(emps[i], days[i], calendar)
        if today is not None:
            cutoff = min(cutoff, (ends + today.start) // 2)
        if secs[i] < cutoff:
            days[i], secs[i] = before, secs[i] + DAY
    return days, secs


def check_sheets(shift_rows: pd.DataFrame, rota_rows: pd.DataFrame, known: set[str], issues: list[Issue],
                 shifts_present: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check 班次 and 排班 where they are read: times, breaks and night shifts make sense, codes are not
    reserved, every 排班 row names a 班次 code (or 行政, 休) — one problem per unknown code, naming its
    rows. Returns the usable 班次 rows, their times as datetime.time, and the 排班 rows (a row naming an
    unusable code stays: the problem blocks the run, and the schedule leaves it out)."""
    from ecomdept.inputs.rules import parse_time
    from ecomdept.inputs.schema import ROTA as rota_sheet, SHIFTS as shift_sheet

    good = []
    codes: list[str] = []
    for index, rec in zip(shift_rows.index, shift_rows.itertuples(index=False)):
        where = rec.xl_row
        values = rec._asdict()
        broken = False
        for col in ("start", "end", "break_start", "break_end", "latest_start"):
            raw = values[col]
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                values[col] = None
                continue
            try:
                values[col] = parse_time(raw)
            except ValueError as exc:
                issues.append(Issue(shift_sheet.name, where, shift_sheet.column(col).header,
                                    f"值「{raw}」无效：{exc}", ERROR, col, "bad_value"))
                broken = True
        code = rec.code
        if code in REST_WORDS or code == DEFAULT_CODE:
            why = "表示休息日" if code in REST_WORDS else "是规则表行政班（work_am_start…work_pm_end）的代码"
            issues.append(Issue(shift_sheet.name, where, "班次代码", f"班次代码「{code}」{why}，不能用作班次：请换一个代码",
                                ERROR, "code", "bad_value"))
            broken = True
        if values["start"] is None:
            broken = True  # reported by the reader as a required blank
        if broken:
            continue
        record = _Row(**{k: values[k] for k in _Row.__dataclass_fields__})
        try:
            _, notes = shift_from_row(record)
        except ValueError as exc:
            col, message = exc.args
            issues.append(Issue(shift_sheet.name, where, shift_sheet.column(col).header, f"班次「{code}」：{message}",
                                ERROR, col, "out_of_range"))
            continue
        for col, message, level in notes:
            issues.append(Issue(shift_sheet.name, where, shift_sheet.column(col).header, f"班次「{code}」：{message}",
                                level, col))
        for col in ("start", "end", "break_start", "break_end", "latest_start"):
            shift_rows.at[index, col] = values[col]
        good.append(index)
        codes.append(code)
    shifts_ok = shift_rows.loc[good] if len(shift_rows) else shift_rows
    if rota_rows.empty:
        return shifts_ok, rota_rows
    usable = set(codes) | {DEFAULT_CODE}
    broken = {code: row for code, row in zip(shift_rows["code"], shift_rows["xl_row"])} if len(shift_rows) else {}
    unknown: dict[str, list[int]] = {}
    for rec in rota_rows.itertuples(index=False):
        code = rota_code(rec.shift)
        if rec.employee_id in known and code != REST and code not in usable:
            unknown.setdefault(code, []).append(rec.xl_row)
    for code, rows in unknown.items():
        shown = "、".join(str(r) for r in rows[:5]) + (" 行等" if len(rows) > 5 else " 行")
        where = f"{len(rows)} 行（第 {shown}）"
        if code in broken:  # the 班次 row's own error blocks already: said once more, as what follows from it
            issues.append(Issue(rota_sheet.name, rows[0], "班次",
                                f"班次「{code}」在班次表第 {broken[code]} 行有错误（见该行）：排班中用它的 {where}"
                                "要等改正后才能按排班计算", WARNING, "shift", "bad_value"))
            continue
        near = difflib.get_close_matches(code, sorted(usable), n=1, cutoff=0.5)
        hint = f"（是否为「{near[0]}」？）" if near else ""
        missing = "" if shifts_present else "：工作簿没有「班次」表"
        issues.append(Issue(rota_sheet.name, rows[0], "班次",
                            f"班次「{code}」不在班次表中{hint}{missing}。排班中用它的 {where}无法按排班计算：应为班次表的"
                            f"班次代码、{DEFAULT_CODE}（规则表的行政班）或 {REST}", ERROR, "shift", "bad_value"))
    return shifts_ok, rota_rows


@dataclass
class _Row:
    code: str
    name: str | None
    start: dt.time | None
    end: dt.time | None
    break_start: dt.time | None
    break_end: dt.time | None
    overnight: bool | None
    latest_start: dt.time | None
    work_hours: object
    punch_margin: int | None = None
