"""班次 and 排班 (ATT-09): every boundary of every shift, one table row each.

Three shifts besides the admin default from 规则 (08:30–12:00, 14:00–18:00): the 客服 evening shift
晚班 14:00–22:00 (break 18:00–18:30), a night shift 夜班 22:00–06:00 (break 02:00–02:30) and a
flexible 弹性 shift (arrive 08:00–10:00, work 8 h, break 12:00–13:00). 2026-10-12 is a Monday
workday, 10-17/18 a weekend. Punch times past 24:00 are the next morning (24:30:00 = 00:30 the day
after), on the axis of the day the shift started.
"""

import datetime as dt

import pytest

from builders import employees, frame, leave, overtime, punches
from ecomdept.worktime import alerts
from ecomdept.worktime import attendance
from ecomdept.worktime import overtime as overtime_mod
from ecomdept.inputs import rules as rules_mod
from ecomdept.inputs import shifts
from ecomdept.core.calendar import WorkCalendar
from ecomdept.core.issues import ERROR
from ecomdept.inputs.schema import ROTA, SHIFTS

CAL = WorkCalendar()
RULES = rules_mod.defaults()
MONDAY, SATURDAY, SUNDAY = "2026-10-12", "2026-10-17", "2026-10-18"
SHIFT_ROWS = [
    {"code": "晚班", "name": "客服晚班", "start": "14:00", "end": "22:00", "break_start": "18:00", "break_end": "18:30"},
    {"code": "夜班", "name": "夜班", "start": "22:00", "end": "06:00", "break_start": "02:00", "break_end": "02:30",
     "overnight": True},
    {"code": "弹性", "name": "弹性班", "start": "08:00", "latest_start": "10:00", "work_hours": 8,
     "break_start": "12:00", "break_end": "13:00"},
]


def schedule(rota: dict[str, str], emp: str = "E1", shift_rows=None, issues=None):
    """A Schedule read the way the workbook reader reads it: rota is date → code (or 休)."""
    issues = issues if issues is not None else []
    table = frame(SHIFTS, SHIFT_ROWS if shift_rows is None else shift_rows)
    rows = frame(ROTA, [{"employee_id": emp, "date": dt.date.fromisoformat(d), "shift": c} for d, c in rota.items()])
    table, rows = shifts.check_sheets(table, rows, {emp, "E2"}, issues)
    return shifts.Schedule.from_frames(table, rows, RULES)


def stamp(day: str, clock: str) -> str:
    """'2026-10-12', '24:30:00' → '2026-10-13 00:30:00'."""
    h, m, s = (int(x) for x in (clock + ":00").split(":")[:3])
    at = dt.datetime.fromisoformat(day) + dt.timedelta(hours=h, minutes=m, seconds=s)
    return at.isoformat(sep=" ")


def month(day: str, code: str | None, times=(), leave_rows=None, rota=None, emp="E1"):
    rota = rota if rota is not None else ({day: code} if code else {})
    days = attendance.compute(employees(emp), punches(*[(emp, stamp(day, t)) for t in times]),
                              leave_rows if leave_rows is not None else leave(), CAL, RULES, 2026, 10, [],
                              schedule=schedule(rota, emp))
    return days


def row(day: str, code: str | None, times=(), leave_rows=None, rota=None):
    days = month(day, code, times, leave_rows, rota)
    return days[days["date"] == dt.date.fromisoformat(day)].iloc[0]


# (shift, arrival, departure, late, early, status): start−1s, start, start+59s, start+1min, start+59min,
# start+60min (ABS-04: 60 minutes is absence), end−1s, end
BOUNDARIES = []
for code, start, end, first, last, almost in (
        (None, "08:30:00", "18:00:00", "08:29:59", "08:31:00", "17:59:59"),       # admin default (规则)
        ("晚班", "14:00:00", "22:00:00", "13:59:59", "14:01:00", "21:59:59"),       # 客服 evening
        ("夜班", "22:00:00", "30:00:00", "21:59:59", "22:01:00", "29:59:59")):     # night, ends 06:00 next day
    h, m = int(start[:2]), int(start[3:5])
    BOUNDARIES += [
        (code, first, end, 0, 0, "正常"),                                        # start − 1 s
        (code, start, end, 0, 0, "正常"),                                        # start
        (code, f"{h:02d}:{m:02d}:59", end, 0, 0, "正常"),                        # start + 59 s: truncated
        (code, last, end, 1, 0, "迟到"),                                         # start + 1 min
        (code, f"{h:02d}:{m + 59:02d}:00" if m == 0 else "09:29:00", end, 59, 0, "迟到"),   # start + 59 min
        (code, f"{h + 1:02d}:{m:02d}:00", end, 60, 0, "旷工"),                   # start + 60 min: ABS-04
        (code, start, almost, 0, 1, "早退"),                                     # end − 1 s: rounded up
        (code, start, end, 0, 0, "正常"),                                        # end
    ]


@pytest.mark.parametrize("code, arrive, leave_at, late, early, status", BOUNDARIES)
def test_boundary_punches_of_each_shift(code, arrive, leave_at, late, early, status):
    r = row(MONDAY, code, (arrive, leave_at))
    assert (r.late_min, r.early_min, r.status, bool(r.absent)) == (late, early, status, status == "旷工")
    assert r.scheduled_min == 450 and r.kind == "workday"


@pytest.mark.parametrize("arrive, leave_at, late, early, status", [
    ("07:50:00", "17:00:00", 0, 0, "正常"),      # before the window: the shift starts at 08:00
    ("09:30:00", "18:30:00", 0, 0, "正常"),      # inside the window: 8 h + the 1 h break from arrival
    ("09:30:00", "18:29:59", 0, 1, "早退"),      # a second short of arrival + 8 h (+ break)
    ("10:00:59", "19:00:00", 0, 0, "正常"),      # the window's last minute, truncated
    ("10:01:00", "19:00:00", 1, 0, "迟到"),      # late counts from 最晚上班 10:00
    ("10:59:00", "19:00:00", 59, 0, "迟到"),
    ("11:00:00", "19:00:00", 60, 0, "旷工"),     # ABS-04 from the end of the window
])
def test_flexible_shift_window_and_hours(arrive, leave_at, late, early, status):
    r = row(MONDAY, "弹性", (arrive, leave_at))
    assert (r.late_min, r.early_min, r.status) == (late, early, status)
    assert r.scheduled_min == 480


def test_night_punch_after_midnight_belongs_to_the_shift_that_started_the_day_before():
    days = month(MONDAY, "夜班", ("21:50:00", "24:30:00"))
    mon, tue = (days[days["date"] == dt.date(2026, 10, d)].iloc[0] for d in (12, 13))
    assert mon.punches == 2 and mon.last_out == 24 * 3600 + 1800       # 00:30 on Tuesday, Monday's shift
    assert mon.early_min == 90 + 210 and mon.status == "旷工"              # 00:30–02:00 and 02:30–06:00 missed
    assert tue.punches == 0                                               # not Tuesday's first punch


@pytest.mark.parametrize("leave_at, monday, tuesday", [
    ("29:59:59", 2, 0),     # 05:59:59: the night shift's departure, a second early
    ("31:00:00", 2, 0),     # 07:00: within the end + margin and before halfway to Tuesday's 08:30
    ("31:20:00", 1, 1),     # 07:20: past halfway (07:15) to Tuesday's admin shift: Tuesday's arrival
])
def test_the_morning_after_a_night_shift_splits_halfway_to_the_next_shift(leave_at, monday, tuesday):
    days = month(MONDAY, "夜班", ("21:55:00", leave_at))
    counts = [int(days[days["date"] == dt.date(2026, 10, d)].iloc[0].punches) for d in (12, 13)]
    assert counts == [monday, tuesday]


def test_the_margin_is_the_shifts_own():
    rows = [{**SHIFT_ROWS[1], "punch_margin": 30}]
    days = attendance.compute(employees("E1"), punches(("E1", stamp(MONDAY, "21:55")), ("E1", stamp(MONDAY, "30:45"))),
                              leave(), CAL, RULES, 2026, 10, [], schedule=schedule({MONDAY: "夜班"}, shift_rows=rows))
    assert [int(days[days["date"] == dt.date(2026, 10, d)].iloc[0].punches) for d in (12, 13)] == [1, 1]


def test_an_evening_shift_keeps_punches_after_midnight_within_its_margin():
    rows = [{**SHIFT_ROWS[0], "punch_margin": 180}]     # 晚班 ends 22:00: until 01:00 it is still the shift's
    days = attendance.compute(employees("E1"), punches(("E1", stamp(MONDAY, "13:55")), ("E1", stamp(MONDAY, "24:40"))),
                              leave(), CAL, RULES, 2026, 10, [], schedule=schedule({MONDAY: "晚班"}, shift_rows=rows))
    mon, tue = (days[days["date"] == dt.date(2026, 10, d)].iloc[0] for d in (12, 13))
    assert (mon.punches, mon.status, tue.punches) == (2, "正常", 0)
    days = month(MONDAY, "晚班", ("13:55:00", "24:40:00"))   # the default margin (120) ends at midnight
    assert [int(days[days["date"] == dt.date(2026, 10, d)].iloc[0].punches) for d in (12, 13)] == [1, 1]


@pytest.mark.parametrize("code, times, punched", [
    (None, ("08:20:00",), "arrival"),
    ("晚班", ("13:55:00",), "arrival"),
    ("晚班", ("22:05:00",), "departure"),
    ("夜班", ("21:50:00",), "arrival"),
    ("夜班", ("30:05:00",), "departure"),          # 06:05 the next morning: Monday's night shift
    ("弹性", ("09:10:00",), "arrival"),
])
def test_missing_punch_of_each_shift(code, times, punched):
    r = row(MONDAY, code, times)
    assert r.status == "缺卡" and r.missing_punch and not r.absent
    assert (r.late_min, r.early_min) == (0, 0)


@pytest.mark.parametrize("code", [None, "晚班", "夜班", "弹性"])
def test_no_punch_on_a_scheduled_day_is_absence(code):
    r = row(MONDAY, code)
    assert r.status == "旷工" and "ABS-01" in r.reason


@pytest.mark.parametrize("code, start, end, times, leave_min, late, status", [
    (None, "08:30", "12:00", ("13:55:00", "18:00:00"), 210, 0, "部分请假"),        # admin morning off
    ("晚班", "14:00", "18:00", ("18:25:00", "22:00:00"), 240, 0, "部分请假"),       # evening: due after the break
    ("晚班", "14:00", "18:00", ("18:40:00", "22:00:00"), 240, 10, "迟到"),
    ("晚班", "20:00", "22:00", ("13:50:00", "20:00:00"), 120, 0, "部分请假"),       # leaves early on leave
    ("夜班", "22:00", "次日02:00", ("26:25:00", "30:00:00"), 240, 0, "部分请假"),    # leave across midnight
    ("夜班", "次日02:30", "次日06:00", ("21:55:00", "26:00:00"), 210, 0, "部分请假"),  # the morning after
    ("弹性", "15:00", "17:00", ("08:00:00", "15:00:00"), 120, 0, "部分请假"),
])
def test_leave_overlapping_part_of_a_shift(code, start, end, times, leave_min, late, status):
    def at(text):
        nxt = text.startswith("次日")
        day = dt.date.fromisoformat(MONDAY) + dt.timedelta(days=1 if nxt else 0)
        return f"{day} {text.removeprefix('次日')}"
    rows = leave({"employee_id": "E1", "leave_type": "病假", "start": at(start), "end": at(end)})
    r = row(MONDAY, code, times, rows)
    assert (r.unpaid_leave_min, r.late_min, r.early_min, r.status) == (leave_min, late, 0, status)


def test_whole_shift_on_leave():
    rows = leave({"employee_id": "E1", "leave_type": "年假", "start": f"{MONDAY} 22:00", "end": "2026-10-13 06:00"})
    r = row(MONDAY, "夜班", (), rows)
    assert r.status == "请假" and r.leave_min == 450 and not r.absent


def test_rest_in_rota_is_a_rest_day_even_on_a_workday():
    days = month(MONDAY, "休", ("08:30:00", "18:00:00"))
    r = days[days["date"] == dt.date(2026, 10, 12)].iloc[0]
    assert (r.kind, r.calendar_kind, r.status, bool(r.absent)) == ("restday", "workday", "休息日（有打卡）", False)
    assert r.reason.startswith("排班：休") and "OT-01" in r.reason
    s = attendance.summary(days).iloc[0]
    assert s.workdays == 18 and s.scheduled_days == 17   # pay basis stays the calendar's (PAY-08)


def test_rest_day_in_rota_without_punches_is_not_absence():
    r = row(MONDAY, "休")
    assert r.status == "休息日" and not r.absent


def test_customer_service_evening_shifts_at_the_weekend():
    rota = {SATURDAY: "晚班", SUNDAY: "晚班", MONDAY: "休", "2026-10-13": "休"}
    days = attendance.compute(employees("E1"), punches(("E1", f"{SATURDAY} 13:58:00"), ("E1", f"{SATURDAY} 22:01:00")),
                              leave(), CAL, RULES, 2026, 10, [], schedule=schedule(rota))
    sat, sun = (days[days["date"] == dt.date(2026, 10, d)].iloc[0] for d in (17, 18))
    assert (sat.kind, sat.calendar_kind, sat.status) == ("workday", "restday", "正常")
    assert sat.reason.startswith("排班：客服晚班 14:00–22:00")
    assert (sun.status, sun.absent_unworked_min) == ("旷工", 450)
    found = alerts.duty_alerts(days, CAL, RULES, 2026, 10, {"E1": "张三"}, schedule(rota))
    missing = [a for a in found if a.kind == "排班未到岗"]
    assert [(a.employee_id, a.message[:10]) for a in missing] == [("E1", SUNDAY)]
    assert "客服晚班 14:00–22:00" in missing[0].message


def test_rostered_statutory_holiday_is_not_judged_but_named():
    days = month("2026-10-01", "晚班", ())
    r = days[days["date"] == dt.date(2026, 10, 1)].iloc[0]
    assert r.kind == "holiday" and not r.absent and "300%" in r.reason
    found = alerts.duty_alerts(days, CAL, RULES, 2026, 10, None, schedule({"2026-10-01": "晚班"}))
    assert any(a.kind == "排班未到岗" and a.message.startswith("2026-10-01（法定节假日）") for a in found)


def test_duty_rota_names_who_was_on_duty_and_who_did_not_come():
    staff = employees("E1", "E2")
    rota = frame(ROTA, [{"employee_id": "E1", "date": dt.date(2026, 10, 17), "shift": "晚班"},
                        {"employee_id": "E2", "date": dt.date(2026, 10, 17), "shift": "晚班"}])
    table, rota = shifts.check_sheets(frame(SHIFTS, SHIFT_ROWS), rota, {"E1", "E2"}, [])
    plan = shifts.Schedule.from_frames(table, rota, RULES)
    days = attendance.compute(staff, punches(("E1", f"{SATURDAY} 13:55"), ("E1", f"{SATURDAY} 22:00")), leave(),
                              CAL, RULES, 2026, 10, [], schedule=plan)
    table = alerts.duty_rota(days, plan).set_index("date")
    assert table.loc[dt.date(2026, 10, 17), "on_duty"] == ["E1"]
    assert table.loc[dt.date(2026, 10, 17), "missing"] == ["E2"]
    found = alerts.duty_alerts(days, CAL, RULES, 2026, 10, {"E1": "张三", "E2": "李四"}, plan)
    short = next(a for a in found if a.kind == "值班不足" and a.message.startswith(SATURDAY))
    assert "在岗 1 人" in short.message and "张三（E1，客服晚班）" in short.message and "李四（E2，客服晚班）" in short.message


def test_punches_across_the_month_end():
    times = [("E1", "2026-10-01 05:30:00"), ("E1", "2026-10-31 21:55:00"), ("E1", "2026-11-01 06:02:00"),
             ("E1", "2026-11-01 12:00:00")]
    issues = []
    table = frame(SHIFTS, SHIFT_ROWS)
    sep = frame(ROTA, [{"employee_id": "E1", "date": dt.date(2026, 9, 30), "shift": "夜班"},
                       {"employee_id": "E1", "date": dt.date(2026, 10, 31), "shift": "夜班"}])
    table, sep = shifts.check_sheets(table, sep, {"E1"}, [])
    plan = shifts.Schedule.from_frames(table, sep, RULES)
    days = attendance.compute(employees("E1"), punches(*times), leave(), CAL, RULES, 2026, 10, issues, schedule=plan)
    last = days[days["date"] == dt.date(2026, 10, 31)].iloc[0]
    assert (last.punches, last.status, last.kind) == (2, "正常", "workday")    # 11-01 06:02 is October's
    assert days[days["date"] == dt.date(2026, 10, 1)].iloc[0].punches == 0     # September's night, left to it
    assert [i.message[:15] for i in issues] == ["1 条打卡不在 2026-10"]          # only 11-01 12:00 is outside


def test_default_shift_when_no_rota_row_and_explicit_admin_code():
    r = row(MONDAY, None, ("08:20:00", "18:00:00"))
    assert (r.shift_code, bool(r.rostered), r.reason) == ("行政", False, "")
    r = row(SATURDAY, "行政", ("08:20:00", "18:00:00"))
    assert (r.kind, r.status) == ("workday", "正常") and r.reason.startswith("排班：行政班 08:30–18:00")


def test_payroll_minutes_follow_the_usual_shift():
    rows = [{"code": "仓储", "start": "07:00", "end": "16:00", "break_start": "12:00", "break_end": "13:00"}]
    plan = schedule({f"2026-10-{d:02d}": "仓储" for d in (12, 13, 14)}, shift_rows=rows)
    days = attendance.compute(employees("E1", "E2"), punches(), leave(), CAL, RULES, 2026, 10, [], schedule=plan)
    assert plan.daily_minutes(days) == {"E1": 450, "E2": 450}    # 15 admin days outweigh 3 warehouse days
    plan = schedule({f"2026-10-{d:02d}": "仓储" for d in range(8, 32)}, shift_rows=rows)
    days = attendance.compute(employees("E1"), punches(), leave(), CAL, RULES, 2026, 10, [], schedule=plan)
    assert plan.daily_minutes(days) == {"E1": 480}


# overtime and comp time against the schedule ------------------------------------------------------

def test_work_on_a_rota_rest_day_is_rest_day_overtime_only_if_approved():
    plan = schedule({MONDAY: "休"})
    stamps = [("E1", f"{MONDAY} 08:25"), ("E1", f"{MONDAY} 12:05")]
    days = attendance.compute(employees("E1"), punches(*stamps), leave(), CAL, RULES, 2026, 10, [], schedule=plan)
    ot = overtime({"employee_id": "E1", "start": f"{MONDAY} 08:30", "end": f"{MONDAY} 12:00", "compensation": "补休",
                   "filed": True})
    [line] = overtime_mod.lines_for(ot, {"E1": 660000}, CAL, RULES, [], days, plan)
    assert (line.kind, line.comp_minutes) == ("restday", 210) and "休息日（排班）" in line.explanation
    [paid] = overtime_mod.lines_for(overtime({"employee_id": "E1", "start": f"{MONDAY} 08:30",
                                              "end": f"{MONDAY} 12:00"}), {"E1": 660000}, CAL, RULES, [], days, plan)
    assert float(paid.rate) == 2
    assert overtime_mod.lines_for(overtime(), {"E1": 660000}, CAL, RULES, [], days, plan) == []


def test_weekend_shift_overtime_is_workday_overtime_and_the_shift_itself_is_not_overtime():
    plan = schedule({SATURDAY: "晚班"})
    days = attendance.compute(employees("E1"), punches(), leave(), CAL, RULES, 2026, 10, [], schedule=plan)
    issues = []
    ot = overtime({"employee_id": "E1", "start": f"{SATURDAY} 20:00", "end": f"{SATURDAY} 23:00"})
    [line] = overtime_mod.lines_for(ot, {"E1": 660000}, CAL, RULES, issues, days, plan)
    assert (line.kind, float(line.rate), line.minutes) == ("workday", 1.5, 60)   # 20:00–22:00 is the shift
    assert "120 分钟在本人当天的排班" in issues[0].message


@pytest.mark.parametrize("times, credit, flagged", [
    (("08:20", "12:10"), 210, False),     # punches cover the whole record
    (("09:00", "12:10"), 180, True),      # came at 09:00: only 3 h
    (("08:20",), 0, True),                # one punch: nothing proves the stay
    ((), 0, True),                        # no punch at all
])
def test_comp_time_only_as_far_as_punches_cover_it(times, credit, flagged):
    stamps = [("E1", f"{SATURDAY} {t}") for t in times]
    days = attendance.compute(employees("E1"), punches(*stamps), leave(), CAL, RULES, 2026, 10, [])
    ot = overtime({"employee_id": "E1", "start": f"{SATURDAY} 08:30", "end": f"{SATURDAY} 12:00", "compensation": "补休",
                   "filed": True})
    lines, found = overtime_mod.credit_comp(overtime_mod.lines_for(ot, {"E1": 660000}, CAL, RULES, []), days)
    assert lines[0].comp_minutes == credit and bool(found) is flagged
    if flagged:
        assert found[0].clause == "OT-02" and "DUTY-01" in found[0].message
        assert "按打卡计入补休" in lines[0].explanation
    ledger, _ = alerts.comp_time(lines, days, {})
    assert ledger["E1"]["earned"] == credit


def test_night_duty_comp_time_is_covered_by_punches_after_midnight():
    plan = schedule({SATURDAY: "休"})
    stamps = [("E1", f"{SATURDAY} 21:55"), ("E1", f"{SUNDAY} 02:05")]
    days = attendance.compute(employees("E1"), punches(*stamps), leave(), CAL, RULES, 2026, 10, [], schedule=plan)
    ot = overtime({"employee_id": "E1", "start": f"{SATURDAY} 22:00", "end": f"{SUNDAY} 02:00",
                   "compensation": "补休", "filed": True})
    lines, found = overtime_mod.credit_comp(overtime_mod.lines_for(ot, {"E1": 660000}, CAL, RULES, [], days, plan),
                                            days)
    # no night shift that day: 02:05 is Sunday's punch, Saturday's lone 21:55 proves nothing
    assert lines[0].comp_minutes == 0 and found


# reading the sheets -----------------------------------------------------------------------------

@pytest.mark.parametrize("shift_row, column, text", [
    ({"code": "休", "start": "08:00", "end": "17:00"}, "code", "表示休息日"),
    ({"code": "行政", "start": "08:00", "end": "17:00"}, "code", "规则表行政班"),
    ({"code": "A", "start": "8点半", "end": "17:00"}, "start", "应为时间"),
    ({"code": "A", "start": "22:00", "end": "06:00", "overnight": False}, "end", "跨夜"),
    ({"code": "A", "start": "08:00", "end": "17:00", "overnight": True}, "overnight", "不在次日"),
    ({"code": "A", "start": "08:00", "end": "17:00", "break_start": "18:00", "break_end": "18:30"}, "break_start",
     "休息时间应在上班与下班之间"),
    ({"code": "A", "start": "08:00", "end": "17:00", "break_start": "12:00"}, "break_end", "都填"),
    ({"code": "A", "start": "08:00", "latest_start": "10:00"}, "work_hours", "工作时长"),
    ({"code": "A", "start": "08:00"}, "end", "下班时间"),
    ({"code": "A", "start": "06:00", "end": "23:30"}, "end", "超过 16 小时"),
])
def test_bad_shift_rows_are_blocking_and_left_out(shift_row, column, text):
    issues = []
    table, _ = shifts.check_sheets(frame(SHIFTS, [shift_row]), frame(ROTA, []), {"E1"}, issues)
    assert table.empty
    [issue] = [i for i in issues if i.severity == ERROR]
    assert issue.field == column and text in issue.message and issue.sheet == "班次"


def test_night_shift_inferred_without_the_flag_and_labels():
    plan = schedule({}, shift_rows=[{"code": "N", "name": "夜班", "start": "22:00", "end": "06:00"},
                                    {"code": "F", "name": "弹性班", "start": "08:00", "latest_start": "10:00",
                                     "work_hours": 8, "break_start": "12:00", "break_end": "13:00"}])
    night, flex = plan.shifts["N"], plan.shifts["F"]
    assert (night.start, night.end, night.overnight, night.minutes) == (79200, 108000, True, 480)
    assert night.label() == "夜班 22:00–次日 06:00"
    assert flex.label() == "弹性班 08:00–10:00 到岗、工作 8 小时，休息 12:00–13:00" and flex.end == 19 * 3600
    assert plan.default.label() == "行政班 08:30–18:00（休息 12:00–14:00）"


def test_rota_rows_name_a_known_shift():
    issues = []
    rows = frame(ROTA, [{"employee_id": "E1", "date": dt.date(2026, 10, 12), "shift": "晚斑"},
                        {"employee_id": "E1", "date": dt.date(2026, 10, 13), "shift": "休息"},
                        {"employee_id": "E1", "date": dt.date(2026, 10, 14), "shift": "行政"}])
    table, kept = shifts.check_sheets(frame(SHIFTS, SHIFT_ROWS), rows, {"E1"}, issues)
    [issue] = issues
    assert issue.sheet == "排班" and issue.row == 2 and issue.severity == ERROR
    assert "「晚斑」不在班次表中（是否为「晚班」？）" in issue.message and "1 行（第 2 行）" in issue.message
    plan = shifts.Schedule.from_frames(table, kept, RULES)
    assert plan.rota == {("E1", dt.date(2026, 10, 13)): "休", ("E1", dt.date(2026, 10, 14)): "行政"}


def test_a_broken_shift_row_is_said_once_for_the_rota():
    issues = []
    bad = [{"code": "晚班", "start": "14:00", "end": "25:00"}]
    rows = frame(ROTA, [{"employee_id": "E1", "date": dt.date(2026, 10, d), "shift": "晚班"} for d in range(12, 19)])
    shifts.check_sheets(frame(SHIFTS, bad), rows, {"E1"}, issues)
    assert [(i.sheet, i.severity) for i in issues] == [("班次", ERROR), ("排班", "警告")]
    assert "7 行（第 2、3、4、5、6 行等）" in issues[1].message


def test_rota_naming_shifts_without_a_shift_sheet_blocks(tmp_path):
    import openpyxl
    from ecomdept.run import sample
    from ecomdept.inputs.master_workbook import write_master
    from ecomdept.inputs.workbook_io import load_path

    path = write_master(tmp_path / "m.xlsx", sample.build(employees=6, orders_per_employee=1))
    book = openpyxl.load_workbook(path)
    del book["班次"]
    book.save(path)
    found = [i for i in load_path(path).issues if i.sheet == "排班"]
    assert found and all(i.blocking and "工作簿没有「班次」表" in i.message for i in found)
    assert {i.message[:6] for i in found} <= {"班次「晚班」", "班次「仓储」", "班次「夜班」"}


def test_workbook_reads_both_sheets(tmp_path):
    from ecomdept.inputs.master_workbook import write_master
    from ecomdept.inputs.workbook_io import load_path

    data = {"员工": [["E1", "张三", "客服", "售前客服", None, None, dt.date(2020, 1, 1), None, 600000]],
            "班次": [[r.get(c.id) for c in SHIFTS.columns] for r in SHIFT_ROWS],
            "排班": [["E1", dt.date(2026, 10, 17), "晚班", None], ["E9", dt.date(2026, 10, 18), "晚班", None],
                   ["E1", dt.date(2026, 10, 17), "休", None]]}
    book = load_path(write_master(tmp_path / "m.xlsx", data))
    assert list(book.frames["shifts"]["code"]) == ["晚班", "夜班", "弹性"]
    assert book.frames["shifts"].iloc[0]["start"] == dt.time(14, 0)
    messages = [(i.sheet, i.message) for i in book.issues if i.severity == ERROR]
    assert any(s == "排班" and "E9" in m for s, m in messages)            # unknown 工号
    assert any(s == "排班" and "重复" in m for s, m in messages)          # one person, one day, one row


# the sample month: admin, 客服 晚班, 仓储 and a night week, through the whole run -------------------------

def test_sample_month_with_its_shifts(demo_run):
    result = demo_run.result
    days, staff = result.days, result.employees.set_index("employee_id")
    assert list(result.book.frames["shifts"]["code"]) == ["晚班", "仓储", "夜班"]
    team = days["employee_id"].map(staff["team"])
    cs, admin = days[team == "客服"], days[~team.isin(["客服", "仓储发货"])]
    assert set(cs["shift_code"]) == {"晚班", ""} and set(admin["shift_code"]) == {"行政", ""}
    weekend = cs[(cs["calendar_kind"] == "restday") & cs["rostered"]]
    assert len(weekend) and set(weekend["kind"]) == {"workday"}                  # 客服 work weekends …
    assert cs["rota_rest"][cs["calendar_kind"] == "workday"].any()              # … and get weekdays off
    night = days[days["shift_code"] == "夜班"]
    assert len(night) == 5 and (night["last_out"] > 86400).all() and set(night["status"]) == {"正常"}
    late = days[(days["shift_code"] == "晚班") & days["is_late"]]
    assert (late["first_in"] > 14 * 3600).all()                                   # judged against 14:00
    assert len(result.duty) == 31 and not [a for a in result.alerts if a.kind == "值班不足"]
    summary = result.summary.set_index("employee_id")
    on_leave = [e for e in summary.index[summary["unpaid_leave_min"] > 0] if staff.at[e, "team"] == "仓储发货"]
    pays = {p.employee_id: p for p in result.pays}
    for emp in on_leave:   # a day of the 8-hour warehouse shift is a day's pay (PAY-08)
        [line] = [line for line in pays[emp].lines if line.code == "unpaid_leave"]
        assert "480 分钟 ÷ (18 天 × 480 分钟)" in line.explanation
    assert on_leave


def test_night_punches_after_midnight_read_as_next_day_in_the_csv_and_the_workbook(demo_run):
    """The sample's last 仓储发货 person works 夜班 for a week: their 06:00 punches belong to the day
    before and are written 「次日 06:0x」, never as an hour past 24."""
    import csv

    import openpyxl

    folder = demo_run.month_dir
    rows = list(csv.DictReader((folder / "考勤明细.csv").open(encoding="utf-8-sig")))
    night = [r for r in rows if r["末次打卡"].startswith("次日 ")]
    assert night, "the sample has a night-shift week"
    assert all(int(r[k].removeprefix("次日 ")[:2]) < 24 for r in rows for k in ("首次打卡", "末次打卡") if r[k])
    book = openpyxl.load_workbook(folder / f"工资表_{folder.name}.xlsx")
    ws = book["考勤明细"]
    header = next(i for i, row in enumerate(ws.iter_rows(values_only=True), 1) if row[0] == "工号")
    cells = [row[5] for row in ws.iter_rows(min_row=header + 1) if row[5].number_format.startswith('"次日')]
    assert len(cells) == len(night)
    assert all(0 <= cell.value.hour < 12 for cell in cells)  # the hour after midnight, shown with 次日
