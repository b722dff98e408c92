from builders import day_punches, employees, leave, punches
from ecomdept.worktime import attendance
from ecomdept.pay import penalties
from ecomdept.inputs import rules as rules_mod
from ecomdept.core.calendar import WorkCalendar

WORKDAYS = ["2026-10-09", "2026-10-10", "2026-10-12", "2026-10-13", "2026-10-14", "2026-10-15", "2026-10-16"]


def month(absent_days: set[str], rules=None, late=()):
    rows = []
    for day in WORKDAYS + [f"2026-10-{d}" for d in range(19, 32)]:
        if day in absent_days:
            continue
        rows += day_punches("E1", day, "08:45:00" if day in late else "08:20:00", "18:05:00")
    rows += day_punches("E1", "2026-10-08", "08:20:00", "18:05:00")
    rules = rules or rules_mod.defaults()
    days = attendance.compute(employees("E1"), punches(*rows), leave(), WorkCalendar(), rules, 2026, 10)
    return penalties.assess(days, rules)


def test_one_absence_100():
    fines, alerts = month({"2026-10-13"})
    assert [f.amount for f in fines] == [10000]
    assert fines[0].clause == "ABS-08" and not alerts


def test_two_absences_total_300_cumulative_reading():
    fines, alerts = month({"2026-10-13", "2026-10-15"})
    assert sum(f.amount for f in fines) == 30000
    assert not alerts  # not consecutive, fewer than 3


def test_two_absences_per_occurrence_reading():
    rules = rules_mod.defaults().with_values(absence_fine_mode="per_occurrence")
    fines, _ = month({"2026-10-13", "2026-10-15"}, rules)
    assert [f.amount for f in fines] == [10000, 30000]


def test_consecutive_absence_alert_across_weekend():
    # Friday 10-16 and Monday 10-19 are consecutive scheduled days (ABS-09)
    fines, alerts = month({"2026-10-16", "2026-10-19"})
    assert any(a.kind == "连续旷工" for a in alerts)


def test_third_absence_no_extra_fine_but_alert():
    fines, alerts = month({"2026-10-09", "2026-10-13", "2026-10-15"})
    assert sum(f.amount for f in fines) == 30000
    assert any(a.kind == "累计旷工" for a in alerts)


def test_late_fine_default_zero_and_configurable():
    fines, _ = month(set(), late={"2026-10-13"})
    assert fines == []
    rules = rules_mod.defaults().with_values(late_fine=2000)
    fines, _ = month(set(), rules, late={"2026-10-13"})
    assert [(f.rule, f.amount, f.clause) for f in fines] == [("late_fine", 2000, "ATT-07")]
