"""应出勤 is each person's own rota — the days their 排班 rows give them a shift, else the calendar's
workdays — on the payslip, in 考勤汇总, 考勤月报 and the report; 实出勤 + 旷工 + days wholly on leave
make it up."""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
import pandas as pd

from ecomdept.core.calendar import WORKDAY, month_dates
from ecomdept.outputs import payslips
from ecomdept.inputs.shifts import REST_WORDS

FACT = re.compile(r"<dt>(应出勤|实出勤|旷工)</dt><dd>(\d+) 天</dd>")


def rota(workbook, calendar, year: int, month: int) -> dict[str, int]:
    """Rostered days per person, read from the workbook by hand: a 排班 row's shift (not 休), else a
    calendar workday; only days between 入职日期 and 离职日期."""
    staff = pd.read_excel(workbook, sheet_name="员工", engine="calamine")
    plan = pd.read_excel(workbook, sheet_name="排班", engine="calamine")
    rows = {(r.工号, pd.Timestamp(r.日期).date()): str(r.班次).strip() for r in plan.itertuples(index=False)}
    out = {}
    for emp in staff.itertuples(index=False):
        hired = pd.Timestamp(emp.入职日期).date()
        left = pd.Timestamp(emp.离职日期).date() if pd.notna(emp.离职日期) else dt.date.max
        days = 0
        for day in month_dates(year, month):
            if not hired <= day <= left:
                continue
            code = rows.get((emp.工号, day))
            days += (code not in REST_WORDS) if code is not None else calendar.kind(day) == WORKDAY
        out[emp.工号] = days
    return out


def test_every_slip_counts_from_the_persons_rota(demo_run, sample_path):
    result = demo_run.result
    expected = rota(sample_path, result.book.calendar, result.year, result.month)
    days = result.days
    whole_leave = (days[(days["kind"] == WORKDAY) & (days["punches"] == 0) & ~days["absent"]
                        & (days["leave_min"] > 0)].groupby("employee_id").size())
    differs = 0
    for ctx in payslips.contexts(result):
        emp = ctx["employee_id"]
        page = (demo_run.month_dir / "payslips" / f"{payslips.file_stem(ctx)}.html").read_text(encoding="utf-8")
        facts = dict(FACT.findall(page))
        assert int(facts["应出勤"]) == expected[emp], (emp, facts)
        assert int(facts["实出勤"]) + int(facts["旷工"]) + int(whole_leave.get(emp, 0)) == expected[emp], (emp, facts)
        differs += expected[emp] != len([d for d in month_dates(result.year, result.month)
                                         if result.book.calendar.kind(d) == WORKDAY])
    assert differs >= 10  # the sample's 客服 and new hires: a rota unlike the calendar


def test_attendance_summary_and_report_count_the_rota(demo_run, sample_path):
    result = demo_run.result
    expected = rota(sample_path, result.book.calendar, result.year, result.month)
    ws = openpyxl.load_workbook(demo_run.month_dir / "工资表_2026-10.xlsx")["考勤汇总"]
    head = [c.value for c in ws[1]]
    got = {row[0]: row[head.index("应出勤天数")] for row in ws.iter_rows(min_row=2, values_only=True)
           if str(row[0] or "").startswith("E")}
    assert got == {e: n for e, n in expected.items() if e in got} and len(got) == 30
    report = (demo_run.month_dir / "report.html").read_text(encoding="utf-8")
    assert f"应出勤 {sum(got.values()):,} 人天（按各人排班）" in report
