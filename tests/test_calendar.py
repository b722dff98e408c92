import datetime as dt

from ecomdept.run import sample
from ecomdept.core.calendar import HOLIDAY, RESTDAY, WORKDAY, WorkCalendar
from ecomdept.run.pipeline import run_payroll


def test_chinese_calendar_and_statutory_days():
    cal = WorkCalendar()
    assert cal.kind(dt.date(2026, 10, 1)) == HOLIDAY
    assert cal.kind(dt.date(2026, 10, 6)) == RESTDAY
    assert cal.kind(dt.date(2026, 10, 10)) == WORKDAY
    assert len(cal.workdays(2026, 10)) == 18
    assert cal.issues == []


def test_sheet_overrides_win():
    cal = WorkCalendar({dt.date(2026, 10, 12): (RESTDAY, "公司活动日")})
    assert not cal.is_workday(dt.date(2026, 10, 12)) and cal.name(dt.date(2026, 10, 12)) == "公司活动日"


def test_2027_falls_back_with_a_warning():
    cal = WorkCalendar({dt.date(2027, 2, 8): (HOLIDAY, "春节")})
    assert cal.kind(dt.date(2027, 3, 1)) == WORKDAY and cal.kind(dt.date(2027, 3, 6)) == RESTDAY
    assert cal.kind(dt.date(2027, 2, 8)) == HOLIDAY
    assert any("2027" in i.message and "chinese-calendar" in i.message for i in cal.issues)


def test_2027_workbook_runs_with_warning(tmp_path):
    path = sample.write(tmp_path / "m2027.xlsx", employees=6, month="2027-03", orders_per_employee=1)
    outcome = run_payroll(path, "2027-03", tmp_path / "out", pdf=False, show_progress=False)
    assert outcome.code == 0
    assert any(i.sheet == "节假日" and "2027" in i.message for i in outcome.issues)
