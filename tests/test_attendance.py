"""One case per clause and boundary (rulebook ids in the names). 2026-10-12 is a Monday workday."""

import datetime as dt

import pytest

from builders import day_punches, employees, frame, leave, punches
from ecomdept.worktime import attendance
from ecomdept.inputs import rules as rules_mod
from ecomdept.inputs import shifts
from ecomdept.core.calendar import WorkCalendar
from ecomdept.inputs.schema import ROTA, SHIFTS

DAY = "2026-10-12"


def run(punch_rows, leave_rows=None, rules=None, emp="E1"):
    rules = rules or rules_mod.defaults()
    days = attendance.compute(employees(emp), punches(*punch_rows), leave_rows if leave_rows is not None else leave(),
                              WorkCalendar(), rules, 2026, 10)
    return days[days["date"].astype(str) == DAY].iloc[0]


@pytest.mark.parametrize("arrive, late, status, absent", [
    ("08:30:00", 0, "正常", False),          # ATT-04: exactly on time
    ("08:30:59", 0, "正常", False),          # truncated to the minute: still on time
    ("08:31:00", 1, "迟到", False),          # one minute late
    ("09:29:59", 59, "迟到", False),         # ABS-04: 59 minutes is lateness
    ("09:30:00", 60, "旷工", True),          # ABS-04: 「1小时以上」 includes 60 minutes
    ("14:05:00", 215, "旷工", True),         # morning missed: only scheduled minutes count (3.5 h + 5 min)
])
def test_late_boundaries(arrive, late, status, absent):
    row = run(day_punches("E1", DAY, arrive, "18:00:00"))
    assert row.late_min == late
    assert row.status == status
    assert bool(row.absent) is absent


@pytest.mark.parametrize("leave_at, early, status", [
    ("18:00:00", 0, "正常"),
    ("17:59:59", 1, "早退"),     # ATT-05: rounded up — any second before the end is early
    ("17:01:00", 59, "早退"),
    ("17:00:00", 60, "旷工"),    # ABS-04 threshold applies to early leave too
])
def test_early_boundaries(leave_at, early, status):
    row = run(day_punches("E1", DAY, "08:20:00", leave_at))
    assert row.early_min == early
    assert row.status == status


def test_early_leave_literal_switch_makes_any_early_exit_absence():
    rules = rules_mod.defaults().with_values(early_leave_mode="always")   # ABS-05 literal reading
    row = run(day_punches("E1", DAY, "08:20:00", "17:59:00"), rules=rules)
    assert row.status == "旷工" and row.absent_unworked_min == 1


def test_grace_minutes():
    rules = rules_mod.defaults().with_values(grace_minutes=5)
    assert run(day_punches("E1", DAY, "08:35:59", "18:00"), rules=rules).status == "正常"
    assert run(day_punches("E1", DAY, "08:36:00", "18:00"), rules=rules).status == "迟到"


def test_no_punch_is_absence_abs01():
    row = run([("E1", "2026-10-13 08:20:00")])
    assert row.status == "旷工" and "ABS-01" in row.reason and row.absent_unworked_min == 450


def test_unapproved_leave_is_absence_abs07():
    rows = leave({"employee_id": "E1", "leave_type": "事假", "start": f"{DAY} 08:30", "end": f"{DAY} 18:00",
                  "status": "待审批"})
    row = run([("E1", "2026-10-13 08:20:00")], rows)
    assert row.status == "旷工" and "ABS-07" in row.reason


def test_approved_full_day_leave():
    rows = leave({"employee_id": "E1", "leave_type": "事假", "start": f"{DAY} 08:30", "end": f"{DAY} 18:00"})
    row = run([], rows)
    assert row.status == "请假" and row.unpaid_leave_min == 450 and not row.absent


def test_morning_sick_leave_moves_expected_arrival():
    rows = leave({"employee_id": "E1", "leave_type": "病假", "start": f"{DAY} 08:30", "end": f"{DAY} 12:00"})
    on_time = run(day_punches("E1", DAY, "13:55:00", "18:00:00"), rows)
    assert on_time.status == "部分请假" and on_time.late_min == 0 and on_time.unpaid_leave_min == 210
    late = run(day_punches("E1", DAY, "14:10:00", "18:00:00"), rows)
    assert late.late_min == 10 and late.status == "迟到"


def test_hospital_visit_is_sick_leave_by_hours_lv05():
    rows = leave({"employee_id": "E1", "leave_type": "病假", "start": f"{DAY} 14:00", "end": f"{DAY} 16:00"})
    row = run(day_punches("E1", DAY, "08:25:00", "18:01:00"), rows)
    assert row.unpaid_leave_min == 120 and row.status == "部分请假"


def test_paid_leave_is_not_unpaid():
    rows = leave({"employee_id": "E1", "leave_type": "年假", "start": f"{DAY} 08:30", "end": f"{DAY} 18:00"})
    row = run([], rows)
    assert row.leave_min == 450 and row.unpaid_leave_min == 0


def test_single_punch_is_missing_punch_not_absence():
    row = run(day_punches("E1", DAY, "08:20:00"))
    assert row.status == "缺卡" and not row.absent and row.early_min == 0


def test_nine_to_six_shift_is_configurable():
    rules = rules_mod.defaults().with_values(work_am_start=dt.time(9, 0), work_pm_start=dt.time(13, 0))
    row = run(day_punches("E1", DAY, "08:59:00", "18:00:00"), rules=rules)
    assert row.status == "正常" and row.scheduled_min == 480


def test_rest_days_are_not_workdays():
    days = attendance.compute(employees("E1"), punches(), leave(), WorkCalendar(), rules_mod.defaults(), 2026, 10)
    by_day = {str(d): k for d, k in zip(days["date"], days["kind"])}
    assert by_day["2026-10-01"] == "holiday"      # National Day: statutory (300%)
    assert by_day["2026-10-05"] == "restday"      # inside the holiday block: rest day
    assert by_day["2026-10-10"] == "workday"      # Saturday make-up workday (调休)
    assert (days["kind"] == "workday").sum() == 18


def test_summary_counts():
    rows = day_punches("E1", DAY, "08:45:00", "18:00:00") + day_punches("E1", "2026-10-13", "08:20:00", "17:30:00")
    days = attendance.compute(employees("E1"), punches(*rows), leave(), WorkCalendar(), rules_mod.defaults(), 2026, 10)
    s = attendance.summary(days).iloc[0]
    assert s.late_count == 1 and s.late_min == 15 and s.early_count == 1 and s.early_min == 30
    assert s.absent_days == 16  # every other workday has no punch


def test_without_rota_everyone_keeps_the_rules_shift_on_calendar_days():
    """ATT-09: no 排班 row = the 规则 sheet's admin shift, on the calendar's workdays — as before shifts."""
    days = attendance.compute(employees("E1"), punches(), leave(), WorkCalendar(), rules_mod.defaults(), 2026, 10)
    assert (days["kind"] == days["calendar_kind"]).all() and not days["rostered"].any()
    assert set(days.loc[days["kind"] == "workday", "shift_code"]) == {"行政"}
    assert set(days.loc[days["kind"] != "workday", "shift_code"]) == {""}


@pytest.mark.parametrize("times", [("08:29:59", "18:00:00"), ("08:31:00", "17:59:59"), ("09:30:00", "18:00"),
                                   ("13:10:00",), ("08:00", "12:00", "14:00", "17:00")])
def test_an_explicit_admin_rota_row_judges_like_no_row(times):
    rota = frame(ROTA, [{"employee_id": "E1", "date": dt.date(2026, 10, 12), "shift": "行政"}])
    table, rota = shifts.check_sheets(frame(SHIFTS, []), rota, {"E1"}, [])
    plan = shifts.Schedule.from_frames(table, rota, rules_mod.defaults())
    plain = run(day_punches("E1", DAY, *times))
    days = attendance.compute(employees("E1"), punches(*day_punches("E1", DAY, *times)), leave(), WorkCalendar(),
                              rules_mod.defaults(), 2026, 10, schedule=plan)
    ruled = days[days["date"].astype(str) == DAY].iloc[0]
    for column in ("scheduled_min", "late_min", "early_min", "status", "absent", "missing_punch"):
        assert ruled[column] == plain[column], column
    assert ruled.reason.removeprefix("排班：行政班 08:30–18:00，休息 12:00–14:00（ATT-09）").lstrip("；") == plain.reason
