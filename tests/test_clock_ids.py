"""考勤号 normalisation and near misses, and the month check the engine runs (clock_ids.punch_gaps)."""

import datetime as dt

import pandas as pd
import pytest

from builders import employees, frame, leave
from ecomdept.inputs import clock_ids
from ecomdept.inputs.schema import PUNCHES


@pytest.mark.parametrize("value, zeros, expected", [
    ("01002", "ignore", "1002"), ("01002", "exact", "01002"), ("0", "ignore", "0"), ("000", "ignore", "0"),
    (" 1002 ", "exact", "1002"), ("１００２", "exact", "1002"), ("10\u200b02", "exact", "1002"),
    ("\ufeff1002", "exact", "1002"), (1002.0, "exact", "1002"), ("E01", "ignore", "E01"), (None, "ignore", None),
    ("", "ignore", None), ("\u200b", "ignore", None),
])
def test_clock_key(value, zeros, expected):
    assert clock_ids.clock_key(value, zeros) == expected


@pytest.mark.parametrize("a, b, alike", [
    ("1002", "01002", True), ("1002", "1003", True), ("1002", "10002", True), ("1002", "1020", True),
    ("1002", "102", True), ("e0001", "E0001", True), ("1002", "2001", False), ("1002", "1099", False),
    ("12", "13", False), ("1002", "", False),
])
def test_looks_alike(a, b, alike):
    assert clock_ids.looks_alike(a, b) is alike


def punches(*rows):
    return frame(PUNCHES, [{"employee_id": e, "clock_id": c, "punched_at": dt.datetime.fromisoformat(t),
                            "source": "考勤机"} for e, c, t in rows])


def staff():
    return employees("E1", "E2", clock_id=None).assign(clock_id=["1001", "1002"])


FIRST, LAST = dt.date(2026, 10, 1), dt.date(2026, 10, 31)


def test_gap_with_a_near_miss_is_blocking():
    matched, unmatched, _ = clock_ids.resolve(punches((None, "1001", "2026-10-12 08:30:00"),
                                                      (None, "01002", "2026-10-12 08:31:00")), staff(), "exact")
    found = clock_ids.punch_gaps(matched, unmatched, staff(), FIRST, LAST, leading_zeros="exact")
    assert [(i.row, i.blocking, i.code) for i in found] == [(3, True, "no_punches")]
    assert "「01002」1 条" in found[0].message


def test_gap_covered_by_leave_or_outside_employment_is_fine():
    rows = punches((None, "1001", "2026-10-12 08:30:00"), (None, "9999", "2026-10-12 08:31:00"))
    matched, unmatched, _ = clock_ids.resolve(rows, staff())
    sick = leave({"employee_id": "E2", "leave_type": "病假", "start": "2026-10-01 08:30", "end": "2026-10-31 18:00"})
    assert clock_ids.punch_gaps(matched, unmatched, staff(), FIRST, LAST, sick) == []
    gone = staff().assign(leave_date=[None, dt.date(2026, 9, 30)])
    assert clock_ids.punch_gaps(matched, unmatched, gone.iloc[:1], FIRST, LAST) == []
    weekend = staff().assign(hire_date=[dt.date(2020, 1, 1), dt.date(2026, 10, 31)])  # hired on a Saturday
    assert clock_ids.punch_gaps(matched, unmatched, weekend, FIRST, LAST) == []


def test_no_punches_at_all_is_not_a_gap():
    empty = punches()
    assert clock_ids.punch_gaps(empty, empty, staff(), FIRST, LAST) == []


def test_busy_months_ignore_a_stray_punch():
    rows = punches(*[(None, "1001", f"2026-10-{d:02d} 08:30:00") for d in range(1, 29)],
                   (None, "1001", "2099-01-01 08:00:00"))
    assert clock_ids.busy_months([rows, pd.DataFrame(columns=rows.columns)]) == [(2026, 10)]
