"""Table-driven cases for the rulebook clauses beyond plain punches (ids from rulebook.md)."""

import datetime as dt

import pytest

from builders import day_punches, employees, frame, leave, overtime, punches
from ecomdept.worktime import alerts
from ecomdept.worktime import attendance
from ecomdept.worktime import overtime as overtime_mod
from ecomdept.pay import penalties
from ecomdept.inputs import rules as rules_mod
from ecomdept.core.calendar import WorkCalendar
from ecomdept.inputs.schema import EVENTS, PUNCHES

DAY = "2026-10-12"  # Monday
CAL = WorkCalendar()


def events(*rows):
    return frame(EVENTS, [{**r, "start": dt.datetime.fromisoformat(r["start"]),
                           "end": dt.datetime.fromisoformat(r["end"]) if r.get("end") else None} for r in rows])


def day_row(punch_rows, leave_rows=None, event_rows=None, rules=None, day=DAY, staff=None):
    days = attendance.compute(staff if staff is not None else employees("E1"), punches(*punch_rows),
                              leave_rows if leave_rows is not None else leave(), CAL,
                              rules or rules_mod.defaults(), 2026, 10, [], event_rows)
    return days[days["date"].astype(str) == day].iloc[0]


NORMAL = day_punches("E1", DAY, "08:20:00", "18:05:00")


@pytest.mark.parametrize("minutes, status", [(59, "正常"), (60, "旷工")])
def test_abs02_off_post(minutes, status):
    end = (dt.datetime.fromisoformat(f"{DAY} 15:00") + dt.timedelta(minutes=minutes)).isoformat(" ")
    row = day_row(NORMAL, event_rows=events({"employee_id": "E1", "event_type": "脱岗", "start": f"{DAY} 15:00",
                                             "end": end}))
    assert row.status == status and "ABS-02" in row.reason


@pytest.mark.parametrize("minutes, status", [(30, "早退"), (60, "旷工")])
def test_out02_unreported_outing_counts_as_early_leave(minutes, status):
    end = (dt.datetime.fromisoformat(f"{DAY} 10:00") + dt.timedelta(minutes=minutes)).isoformat(" ")
    row = day_row(NORMAL, event_rows=events({"employee_id": "E1", "event_type": "外出未报告",
                                             "start": f"{DAY} 10:00", "end": end}))
    assert row.status == status and row.early_min == minutes and "OUT-02" in row.reason


def test_abs06_refused_reassignment():
    row = day_row(NORMAL, event_rows=events({"employee_id": "E1", "event_type": "拒绝调岗", "start": f"{DAY} 08:30"}))
    assert row.status == "旷工" and "ABS-06" in row.reason and row.absent_unworked_min == 450


def test_abs03_leave_overstayed():
    rows = leave({"employee_id": "E1", "leave_type": "事假", "start": "2026-10-09 08:30", "end": "2026-10-09 18:00"})
    row = day_row([], rows, day="2026-10-10")  # Saturday 10-10 is a make-up workday after Friday's leave
    assert row.status == "旷工" and "ABS-03" in row.reason


def test_lv08_make_up_leave_turns_long_lateness_into_personal_leave():
    rows = leave({"employee_id": "E1", "leave_type": "事假", "start": f"{DAY} 08:30", "end": f"{DAY} 10:00"})
    row = day_row(day_punches("E1", DAY, "09:55:00", "18:00:00"), rows)
    assert not row.absent and row.late_min == 0 and row.unpaid_leave_min == 90


def test_out01_business_out_is_not_absence():
    rows = leave({"employee_id": "E1", "leave_type": "因公外出", "start": f"{DAY} 08:30", "end": f"{DAY} 18:00"})
    row = day_row([], rows)
    assert row.status == "请假" and not row.absent and row.unpaid_leave_min == 0


def test_att06_make_up_punch_needs_approval_and_monthly_limit():
    rows = [dict(employee_id="E1", punched_at=dt.datetime(2026, 10, d, 8, 20), source="补卡", approved=True)
            for d in (12, 13, 14, 15)]
    rows.append(dict(employee_id="E1", punched_at=dt.datetime(2026, 10, 16, 8, 20), source="补卡", approved=False))
    issues = []
    kept = attendance.usable_punches(frame(PUNCHES, rows), dt.date(2026, 10, 1), dt.date(2026, 10, 31), issues, 3)
    assert len(kept) == 3
    assert sum("未经批准" in i.message for i in issues) == 1 and sum("上限" in i.message for i in issues) == 1


def leave_alert_kinds(*rows, staff=None):
    staff = staff if staff is not None else employees("E1", manager_id="M1", leader_id="L2")
    return [(a.kind, a.clause) for a in alerts.leave_alerts(leave(*rows), staff, CAL, rules_mod.defaults(), 2026, 10)]


@pytest.mark.parametrize("applied, flagged", [
    ("2026-10-12 23:59", False),   # any time on the day before counts (LV-01)
    ("2026-10-12 00:00", False),
    ("2026-10-13 08:00", True),    # same day: not one day ahead
])
def test_lv01_notice_boundary(applied, flagged):
    kinds = leave_alert_kinds({"employee_id": "E1", "leave_type": "事假", "start": "2026-10-13 08:30",
                               "end": "2026-10-13 18:00", "applied_at": dt.datetime.fromisoformat(applied),
                               "approver_id": "M1"})
    assert (("未提前申请", "LV-01") in kinds) is flagged


def test_lv07_emergency_notified_then_filed():
    kinds = leave_alert_kinds({"employee_id": "E1", "leave_type": "事假", "start": "2026-10-13 08:30",
                               "end": "2026-10-13 18:00", "applied_at": dt.datetime(2026, 10, 14, 9),
                               "notified_at": dt.datetime(2026, 10, 13, 7, 50), "approver_id": "M1"})
    assert kinds == [("事后补办", "LV-07")]


def test_lv03_short_sick_leave_may_be_filed_after():
    kinds = leave_alert_kinds({"employee_id": "E1", "leave_type": "病假", "start": "2026-10-13 08:30",
                               "end": "2026-10-13 18:00", "applied_at": dt.datetime(2026, 10, 14, 9),
                               "approver_id": "M1"})
    assert kinds == []


@pytest.mark.parametrize("days_end, certificate, approver, expected", [
    ("2026-10-13", False, "M1", []),                                     # 1 day: no certificate needed
    ("2026-10-14", False, "M1", [("缺病假证明", "LV-04")]),               # 2 days without certificate
    ("2026-10-15", True, "M1", []),                                      # 3 days: still the supervisor (以内含本数)
    ("2026-10-16", True, "M1", [("越权审批", "LV-04")]),                  # 4 days need 主管领导
    ("2026-10-16", True, "L2", []),
])
def test_lv04_sick_leave_certificate_and_approval_level(days_end, certificate, approver, expected):
    kinds = leave_alert_kinds({"employee_id": "E1", "leave_type": "病假", "start": "2026-10-13 08:30",
                               "end": f"{days_end} 18:00", "applied_at": dt.datetime(2026, 10, 10, 9),
                               "certificate": certificate, "approver_id": approver})
    assert kinds == expected


def test_lv09_personal_leave_over_two_days_needs_leader():
    base = {"employee_id": "E1", "leave_type": "事假", "start": "2026-10-13 08:30", "applied_at": dt.datetime(2026, 10, 9)}
    assert leave_alert_kinds({**base, "end": "2026-10-14 18:00", "approver_id": "M1"}) == []
    assert leave_alert_kinds({**base, "end": "2026-10-15 18:00", "approver_id": "M1"}) == [("越权审批", "LV-09")]


def test_lv07_extension_must_be_filed_before_the_end():
    rows = leave({"employee_id": "E1", "leave_type": "事假", "start": "2026-10-13 08:30", "end": "2026-10-13 18:00",
                  "applied_at": dt.datetime(2026, 10, 9), "approver_id": "M1"},
                 {"employee_id": "E1", "leave_type": "事假", "start": "2026-10-14 08:30", "end": "2026-10-14 18:00",
                  "applied_at": dt.datetime(2026, 10, 14, 9), "approver_id": "M1", "extends": "L0"})
    got = alerts.leave_alerts(rows, employees("E1", manager_id="M1"), CAL, rules_mod.defaults(), 2026, 10)
    assert ("续假", "LV-07") in [(a.kind, a.clause) for a in got]


def test_ot02_comp_time_ledger_and_shortfall():
    staff = employees("E1")
    ot = overtime({"employee_id": "E1", "start": "2026-10-17 08:30", "end": "2026-10-17 12:00",
                   "compensation": "补休", "filed": True})
    lines = overtime_mod.lines_for(ot, {"E1": 660000}, CAL, rules_mod.defaults(), [])
    assert [(l.amount, l.comp_minutes) for l in lines] == [(0, 210)]
    taken = leave({"employee_id": "E1", "leave_type": "调休", "start": "2026-10-19 08:30", "end": "2026-10-19 18:00"})
    days = attendance.compute(staff, punches(), taken, CAL, rules_mod.defaults(), 2026, 10)
    ledger, found = alerts.comp_time(lines, days, {"E1": 60})
    assert ledger["E1"] == {"opening": 60, "earned": 210, "used": 450, "closing": -180}
    assert [(a.kind, a.clause) for a in found] == [("补休不足", "OT-02")]


def test_ot02_unfiled_comp_time_is_paid_at_200_percent():
    """OT-02 decides when comp time is granted; 劳动法第44条(二): rest-day work without comp time
    actually given is paid at 200%. Saturday 3 h at hourly 50.00 (8,700 ÷ 21.75 ÷ 8) → 300.00."""
    ot = overtime({"employee_id": "E1", "start": "2026-10-17 09:00", "end": "2026-10-17 12:00",
                   "compensation": "补休", "filed": False})
    issues = []
    lines = overtime_mod.lines_for(ot, {"E1": 870000}, CAL, rules_mod.defaults(), issues)
    assert [(l.amount, l.comp_minutes, l.rate) for l in lines] == [(30000, 0, 2)]
    assert "¥8,700.00 × 180 分钟 ÷ (21.75 天 × 480 分钟) × 2 倍 = ¥300.00" in lines[0].explanation
    assert "OT-02" in issues[0].message and "200%" in issues[0].message


@pytest.mark.parametrize("day, rate, amount", [
    ("2026-10-12", 1.5, 5690),    # workday evening: 660000 / 21.75 / 8 × 1 h × 1.5 = 56.90
    ("2026-10-17", 2, 7586),      # Saturday rest day, paid
    ("2026-10-01", 3, 11379),     # National Day: statutory 300%
    ("2026-10-05", 2, 7586),      # inside the holiday block but not a statutory day: 200%
])
def test_overtime_rates(day, rate, amount):
    ot = overtime({"employee_id": "E1", "start": f"{day} 19:00", "end": f"{day} 20:00"})
    [line] = overtime_mod.lines_for(ot, {"E1": 660000}, CAL, rules_mod.defaults(), [])
    assert float(line.rate) == rate and line.amount == amount


def test_overtime_monthly_limit_alert():
    ot = overtime(*[{"employee_id": "E1", "start": f"2026-10-{d} 18:30", "end": f"2026-10-{d} 22:30"}
                    for d in range(12, 22)])
    lines = overtime_mod.lines_for(ot, {"E1": 660000}, CAL, rules_mod.defaults(), [])
    found = alerts.overtime_alerts(lines, rules_mod.defaults())
    assert [a.clause for a in found if "每月" in a.message] == ["OT-01"]
    assert sum("每日" in a.message for a in found) == 8  # 4 h on each of the 8 workday evenings is over 3 h


def test_duty01_days_short_of_two_people():
    rows = day_punches("E1", "2026-10-17", "08:30:00", "12:00:00") + day_punches("E2", "2026-10-17", "08:30", "12:00")
    rows += day_punches("E1", "2026-10-18", "08:30:00", "12:00:00")
    days = attendance.compute(employees("E1", "E2"), punches(*rows), leave(), CAL, rules_mod.defaults(), 2026, 10)
    short = {a.message[:10] for a in alerts.duty_alerts(days, CAL, rules_mod.defaults(), 2026, 10)}
    assert "2026-10-18" in short and "2026-10-17" not in short


def test_abs09_year_count_includes_earlier_months():
    rows = day_punches("E1", DAY, "08:20", "18:05")
    days = attendance.compute(employees("E1"), punches(*rows), leave(), CAL, rules_mod.defaults(), 2026, 10)
    days = days[days["date"] <= dt.date(2026, 10, 13)]  # one absence: 10-13 (and 10-09/10-10 before)
    _, found = penalties.assess(days[days["date"] >= dt.date(2026, 10, 12)], rules_mod.defaults(), {"E1": 2})
    assert any(a.kind == "累计旷工" and "本年累计旷工 3 日" in a.message for a in found)


def test_hr03_short_notice_is_flagged_not_withheld():
    staff = employees("E1", leave_date=dt.date(2026, 10, 21), resign_notice_date=dt.date(2026, 10, 7))
    assert [a.clause for a in alerts.resignation_alerts(staff, 2026, 10)] == ["HR-03"]


def test_ot01_daily_limit_on_workdays():
    ot = overtime({"employee_id": "E1", "start": "2026-10-12 18:30", "end": "2026-10-12 22:00"})
    lines = overtime_mod.lines_for(ot, {"E1": 660000}, CAL, rules_mod.defaults(), [])
    found = alerts.overtime_alerts(lines, rules_mod.defaults())
    assert [a.message[:10] for a in found] == ["2026-10-12"] and "每日 3 小时" in found[0].message


def test_hr03_hold_switch_marks_the_settlement(tmp_path):
    from ecomdept.run import sample
    from ecomdept.inputs.master_workbook import write_master
    from ecomdept.run.pipeline import run_payroll
    data = sample.build()
    for row in data["规则"]:
        if row[0] == "short_notice_settlement":
            row[2] = "hold"
    outcome = run_payroll(write_master(tmp_path / "m.xlsx", data), "2026-10", tmp_path / "out", pdf=False,
                          show_progress=False)
    held = [p for p in outcome.result.pays if p.held]
    assert [p.employee_id for p in held] == ["E0024"] and "暂缓结算" in held[0].notes[-1]
    assert held[0].net_pay > 0  # the amount is still computed
