"""The year's sick leave and 事假 counted across months, and the annual leave they take away (职工带薪年休假条例
第四条; 企业职工带薪年休假实施办法第八条). 病假 counts calendar days, 30 to a month; 「以上」 includes the limit."""

import datetime as dt
from types import SimpleNamespace

import pandas as pd
import pytest

from builders import employees, leave
from ecomdept.core.calendar import WorkCalendar
from ecomdept.inputs import rules as rules_mod
from ecomdept.outputs.records import _leave_columns
from ecomdept.worktime import entitlements, leave_year

CAL = WorkCalendar()
RULES = rules_mod.defaults()


def sick(start: str, days: int, kind: str = "病假", emp: str = "E1") -> dict:
    """A request for ``days`` calendar days from ``start``, 08:30 on the first to 18:00 on the last."""
    first = dt.date.fromisoformat(start)
    return {"employee_id": emp, "leave_type": kind, "start": f"{first} 08:30",
            "end": f"{first + dt.timedelta(days=days - 1)} 18:00"}


def run_months(emp_kwargs: dict, requests: list[dict], months, year: int = 2026, annual_taken: dict | None = None,
               rules=RULES, previous: dict | None = None, keep_rows=lambda month, row: True):
    """The ledger month after month, each month reading the last one's payroll.csv leave columns (as written)."""
    staff = employees("E1", **emp_kwargs)
    work_start = emp_kwargs.get("work_start") or emp_kwargs.get("hire")
    years = {"E1": entitlements.working_years(work_start, dt.date(year, 1, 1))}
    previous = previous or {}
    out = {}
    for month in months:
        rows = leave(*[r for r in requests if keep_rows(month, r)]) if requests else leave()
        counted = leave_year.count(rows, staff, CAL, year, month, previous, 450,
                                   rules.personal_leave_pay == "paid", years)
        days = pd.DataFrame({"employee_id": ["E1"], "leave_min_年假": [(annual_taken or {}).get(month, 0)]})
        ledger, alerts = entitlements.annual_ledger(staff, days, previous, rules, year, month, 450, counted)
        out[month] = (ledger["E1"], alerts)
        written = _leave_columns(SimpleNamespace(annual_leave=ledger, year=year), "E1")
        previous = {"E1": {k: str(v) for k, v in written.items()}}
    return out, previous


def test_the_leaver_of_the_issue_gets_no_payout():
    """7 years of work, 5 days a year, sick 08-03 … 10-09 (68 days ≥ 60), leaving 10-31: before, 4 unused days
    were paid (3,678.16); 条例第四条第（三）项 gives none."""
    out, _ = run_months({"work_start": dt.date(2019, 3, 1), "leave_date": dt.date(2026, 10, 31)},
                        [sick("2026-08-03", 68)], [10])
    october, alerts = out[10]
    assert october.sick_days == 68 and october.payout_days == 0 and october.entitled_days == 0
    assert "本年请病假累计 68 天，达到 2 个月（每月按 30 天，共 60 天）（职工带薪年休假条例第四条第（三）项）" in october.exclusion
    (alert,) = [a for a in alerts if a.kind == "不享受年休假"]
    assert "2026-10-01 达到" in alert.message                          # the 60th day: 08-03 + 59


@pytest.mark.parametrize("work_start, limit", [(dt.date(2019, 3, 1), 60), (dt.date(2012, 3, 1), 90),
                                               (dt.date(2003, 3, 1), 120)])
@pytest.mark.parametrize("over", [-1, 0, 1])
def test_each_band_at_the_limit_one_day_short_and_one_past(work_start, limit, over):
    """1–10 years: 2 months; 10–20: 3; 20+: 4 (30 days each). 「以上」: the limit itself excludes."""
    out, _ = run_months({"work_start": work_start}, [sick("2026-01-05", limit + over)], [5])
    may = out[5][0]
    assert may.sick_days == limit + over
    assert bool(may.exclusion) == (over >= 0) and (may.entitled_days == 0) == (over >= 0)


def test_sick_leave_across_a_month_end_counts_in_both_months_and_once():
    """09-20 … 10-15: 11 days in September, 26 by October; October's workbook without the request still counts
    September's 11 from the carried total; a second copy of the request adds nothing."""
    request = sick("2026-09-20", 26)
    out, _ = run_months({"work_start": dt.date(2019, 3, 1)}, [request, dict(request)], [9, 10])
    assert (out[9][0].sick_days, out[10][0].sick_days) == (11, 26)
    # the September part cleared from the workbook in October: the carried 11 + October's 15
    october_only = {**request, "start": "2026-10-01 08:30"}
    out, _ = run_months({"work_start": dt.date(2019, 3, 1)}, [request, october_only], [9, 10],
                        keep_rows=lambda month, row: month == 9 and row is request or month == 10 and row is october_only)
    assert (out[9][0].sick_days, out[10][0].sick_days) == (11, 26)


def test_hours_at_the_doctor_are_not_a_day():
    rows = [{"employee_id": "E1", "leave_type": "病假", "start": "2026-03-10 14:00", "end": "2026-03-10 16:00"},
            {"employee_id": "E1", "leave_type": "病假", "start": "2026-03-11 08:30", "end": "2026-03-11 18:00"}]
    out, _ = run_months({"work_start": dt.date(2019, 3, 1)}, rows, [3])
    assert out[3][0].sick_days == 1


def test_july_to_december_the_entitlement_goes_in_the_month_the_limit_is_reached_and_stays():
    """7 years, 5 days; 1 day taken in July; sick 08-03 … 10-09: the 60th day is 10-01. July–September 5 days,
    October on 0 (the day taken stays taken), one alert in October; next year none either (第八条)."""
    out, last = run_months({"work_start": dt.date(2019, 3, 1)}, [sick("2026-08-03", 68)], range(7, 13),
                           annual_taken={7: 450})
    assert [out[m][0].entitled_days for m in range(7, 13)] == [5, 5, 5, 0, 0, 0]
    assert [out[m][0].closing_min for m in range(7, 13)] == [4 * 450, 4 * 450, 4 * 450, 0, 0, 0]
    assert [out[m][0].sick_days for m in range(7, 13)] == [0, 29, 59, 68, 68, 68]
    assert [len([a for a in out[m][1] if a.kind == "不享受年休假"]) for m in range(7, 13)] == [0, 0, 0, 1, 0, 0]
    assert out[10][0].used_ytd_min == 450 and all(out[m][0].next_year_excluded for m in range(10, 13))
    assert "下一年度也不享受（企业职工带薪年休假实施办法第八条）" in out[10][1][0].message
    january, _ = run_months({"work_start": dt.date(2019, 3, 1)}, [], [1, 2], year=2027, previous=last)
    assert january[1][0].entitled_days == 0 and january[1][0].opening_min == 0
    assert "2026 年已休年假后又本年请病假累计 68 天" in january[1][0].exclusion
    assert "2027 年不享受年休假（企业职工带薪年休假实施办法第八条）" in january[1][0].exclusion
    assert january[2][0].entitled_days == 0 and january[2][0].exclusion == january[1][0].exclusion


def test_no_leave_taken_before_the_limit_keeps_next_year():
    out, last = run_months({"work_start": dt.date(2019, 3, 1)}, [sick("2026-08-03", 68)], range(7, 13))
    assert not out[12][0].next_year_excluded
    january, _ = run_months({"work_start": dt.date(2019, 3, 1)}, [], [1], year=2027, previous=last)
    assert january[1][0].entitled_days == 5 and not january[1][0].exclusion


def test_next_year_from_the_workbook_when_no_december_run_says_it():
    """第八条 from last year's 请假 rows alone: 年假 taken in March 2026, sick 60 days from 2026-08-03."""
    staff = employees("E1", work_start=dt.date(2019, 3, 1))
    rows = leave(sick("2026-03-09", 1, "年假"), sick("2026-08-03", 60))
    found = leave_year.next_year_exclusions(rows, staff, CAL, 2027, 450, False, {"E1": 6}, "企业职工带薪年休假实施办法第八条")
    assert "2027 年不享受年休假（企业职工带薪年休假实施办法第八条）" in found["E1"]
    later = leave(sick("2026-10-12", 1, "年假"), sick("2026-08-03", 60))       # taken after the limit: not 第八条
    assert not leave_year.next_year_exclusions(later, staff, CAL, 2027, 450, False, {"E1": 6}, "第八条")


def test_personal_leave_only_when_the_company_does_not_deduct_it():
    """条例第四条第（二）项: 事假 of 20 workdays or more, not deducted. The rulebook deducts it (LV-10): no effect."""
    requests = [sick("2026-03-02", 26, "事假")]                          # 03-02 … 03-27: 20 workdays
    deducted, _ = run_months({"work_start": dt.date(2019, 3, 1)}, requests, [3])
    assert deducted[3][0].personal_days == 20 and not deducted[3][0].exclusion
    paid, _ = run_months({"work_start": dt.date(2019, 3, 1)}, requests, [3],
                         rules=RULES.with_values(personal_leave_pay="paid"))
    assert "本年请事假（单位不扣工资）累计 20 天，达到 20 天（职工带薪年休假条例第四条第（二）项）" in paid[3][0].exclusion
    short, _ = run_months({"work_start": dt.date(2019, 3, 1)}, [sick("2026-03-02", 25, "事假")], [3],
                          rules=RULES.with_values(personal_leave_pay="paid"))
    assert short[3][0].personal_days == 19 and not short[3][0].exclusion


def test_a_run_pays_no_unused_leave_to_the_sick_leaver_and_carries_the_totals(tmp_path):
    """The issue's leaver through a whole run of October 2026 (sick 08-03 … 10-09, a request of August)."""
    import csv

    from ecomdept.inputs.master_workbook import write_master
    from ecomdept.inputs.schema import EMPLOYEES
    from ecomdept.run import sample
    from ecomdept.run.pipeline import run_payroll

    data = sample.build(employees=3, orders_per_employee=1)
    col = {c.id: i for i, c in enumerate(EMPLOYEES.columns)}
    row = data["员工"][1]
    emp, boss = row[col["employee_id"]], data["员工"][0][col["employee_id"]]
    row[col["base_salary"]], row[col["work_start"]] = 1000000, dt.date(2019, 3, 1)
    row[col["leave_date"]], row[col["annual_leave_opening_days"]] = dt.date(2026, 10, 31), None
    data["请假"] = [r for r in data["请假"] if r[1] != emp]
    data["请假"].append(["QJ-SICK", emp, "病假", dt.datetime(2026, 8, 3, 8, 30), dt.datetime(2026, 10, 9, 18, 0),
                        dt.datetime(2026, 8, 3, 8, 0), "已批准", boss, True, None, None, None, "住院"])
    path = write_master(tmp_path / "m.xlsx", data)
    outcome = run_payroll(path, "2026-10", tmp_path / "out", pdf=False, show_progress=False)
    assert outcome.code == 0, outcome.message
    pay = next(p for p in outcome.result.pays if p.employee_id == emp)
    assert pay.annual_leave_pay == 0 and not any(l.code == "annual_leave_pay" for l in pay.lines)
    assert any(a.kind == "不享受年休假" and "职工带薪年休假条例第四条第（三）项" in a.message
               for a in outcome.result.alerts if a.employee_id == emp)
    with open(outcome.month_dir / "payroll.csv", encoding="utf-8-sig") as handle:
        written = next(r for r in csv.DictReader(handle) if r["employee_id"] == emp)
    assert written["sick_leave_ytd_days"] == "68" and written["annual_leave_entitled_days"] == "0"
    assert "第四条第（三）项" in written["annual_leave_exclusion"] and written["annual_leave_next_year_excluded"] == "0"
    import openpyxl

    sheet = openpyxl.load_workbook(outcome.month_dir / "工资表_2026-10.xlsx", read_only=True)["假期余额"]
    table = list(sheet.iter_rows(values_only=True))
    header = next(r for r in table if r and r[0] == "工号")
    mine = dict(zip(header, next(r for r in table if r and r[0] == emp)))
    assert (mine["本年年假（天）"], mine["本年病假（天）"], mine["本年事假（天）"]) == (0, 68, 0)
    assert "职工带薪年休假条例第四条第（三）项" in mine["不享受年假的原因"] and mine["年假月末（天）"] == 0


def test_a_limit_reached_before_the_first_run_is_found_and_said_once():
    """Sick 01-05 … 03-05 (60 days) in the workbook, first run in October: no leave this year, one alert."""
    out, _ = run_months({"work_start": dt.date(2019, 3, 1)}, [sick("2026-01-05", 60)], [10, 11])
    october, alerts = out[10]
    assert october.entitled_days == 0 and october.opening_min == 0 and october.closing_min == 0
    assert [a.kind for a in alerts] == ["不享受年休假"] and "本月起年假余额为 0" in alerts[0].message
    assert not [a for a in out[11][1] if a.kind == "不享受年休假"] and out[11][0].exclusion == october.exclusion


def test_runs_july_to_december_carry_the_exclusion(tmp_path):
    """Real monthly runs, July … December 2026: 7 years of work, sick 08-03 … 10-09. payroll.csv says 5 days
    until September, 0 from October on, with the year's sick days carried (29, 59, 68, 68, 68 after July's 0)."""
    import csv

    from ecomdept.inputs.master_workbook import write_master
    from ecomdept.inputs.schema import EMPLOYEES
    from ecomdept.run import sample
    from ecomdept.run.pipeline import run_payroll

    data = sample.build(employees=3, month="2026-07", months=6, orders_per_employee=1)
    col = {c.id: i for i, c in enumerate(EMPLOYEES.columns)}
    row = data["员工"][1]
    emp, boss = row[col["employee_id"]], data["员工"][0][col["employee_id"]]
    row[col["work_start"]], row[col["annual_leave_opening_days"]] = dt.date(2019, 3, 1), None
    data["请假"] = [r for r in data["请假"] if r[1] != emp]
    data["请假"].append(["QJ-SICK", emp, "病假", dt.datetime(2026, 8, 3, 8, 30), dt.datetime(2026, 10, 9, 18, 0),
                        dt.datetime(2026, 8, 3, 8, 0), "已批准", boss, True, None, None, None, "住院"])
    path = write_master(tmp_path / "m.xlsx", data, month="2026-07")
    seen = []
    for month in range(7, 13):
        outcome = run_payroll(path, f"2026-{month:02d}", tmp_path / "out", pdf=False, show_progress=False)
        assert outcome.code == 0, outcome.message
        with open(outcome.month_dir / "payroll.csv", encoding="utf-8-sig") as handle:
            mine = next(r for r in csv.DictReader(handle) if r["employee_id"] == emp)
        told = [a for a in outcome.result.alerts if a.employee_id == emp and a.kind == "不享受年休假"]
        seen.append((mine["annual_leave_entitled_days"], mine["sick_leave_ytd_days"], bool(mine["annual_leave_exclusion"]),
                     len(told)))
    assert seen == [("5", "0", False, 0), ("5", "29", False, 0), ("5", "59", False, 0), ("0", "68", True, 1),
                    ("0", "68", True, 0), ("0", "68", True, 0)]
