"""Annual leave (职工带薪年休假条例, 企业职工带薪年休假实施办法) and statutory leave allowances."""

import csv
import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from builders import employees, leave
from ecomdept.worktime import entitlements
from ecomdept.inputs import rules as rules_mod
from ecomdept.run import sample
from ecomdept.core.calendar import WorkCalendar
from ecomdept.inputs.master_workbook import write_master
from ecomdept.core.money import yuan_to_fen
from ecomdept.run.pipeline import run_payroll

CAL = WorkCalendar()


@pytest.mark.parametrize("work_start, days", [(dt.date(2025, 6, 1), 2), (dt.date(2024, 12, 31), 5),
                                              (dt.date(2016, 1, 2), 5), (dt.date(2016, 1, 1), 10),
                                              (dt.date(2006, 1, 1), 15), (None, 0)])
def test_entitlement_by_cumulative_working_years(work_start, days):
    """条例第三条: 满 1 年不满 10 年 5 天，满 10 年不满 20 年 10 天，满 20 年 15 天 (the band of 1 January; 12 months
    reached on 2026-06-01: 214 ÷ 365 × 5 = 2.93 → 2 days from that day, 条例第二条)."""
    assert entitlements.entitlement(work_start, dt.date(2020, 3, 1) if work_start else dt.date(2026, 2, 1),
                                    2026).days == (days if work_start else 0)


def test_new_hire_first_year_is_prorated_whole_days_only():
    """实施办法第五条: 当年度在本单位剩余日历天数 ÷ 365 × 全年应当享受的年休假天数，不足 1 整天的部分不享受.
    Hired 2026-07-01 with 12 years of work: 184 ÷ 365 × 10 = 5.04 → 5 days; hired 2026-09-15 with 5 days: 108 ÷ 365 × 5 = 1.48 → 1."""
    assert entitlements.entitlement(dt.date(2014, 3, 1), dt.date(2026, 7, 1), 2026).days == 5
    late = entitlements.entitlement(dt.date(2020, 3, 1), dt.date(2026, 9, 15), 2026)
    assert late.days == 1 and "108 天 ÷ 365 × 5 天 = 1.48 天，取整 1 天" in late.text


def _ledger(emp_kwargs, taken_minutes, month, previous=None, rules=None):
    staff = employees("E1", **emp_kwargs)
    days = pd.DataFrame({"employee_id": ["E1"], "leave_min_年假": [taken_minutes]})
    ledger, alerts = entitlements.annual_ledger(staff, days, previous or {}, rules or rules_mod.defaults(), 2026,
                                                month, 450)
    return ledger["E1"], alerts


def test_leaving_with_unused_days_is_paid_at_300_percent():
    """实施办法第十二条 and 第十条: leaving 2026-10-20 with 10 days a year, 3 taken: 293 ÷ 365 × 10 = 8.03 → 8 − 3
    = 5 days unused, paid at 300% of the daily wage (base ÷ 21.75), the 100% already in the wage: 200% more."""
    from test_payroll import pay
    previous = {"E1": {"annual_leave_year": "2026", "annual_leave_closing_min": str(7 * 450),
                       "annual_leave_used_ytd_min": str(3 * 450)}}
    ledger, _ = _ledger({"work_start": dt.date(2010, 1, 1), "leave_date": dt.date(2026, 10, 20)}, 0, 10, previous)
    assert ledger.payout_days == 5 and "已过 293 天 ÷ 365 × 10 天 = 8.03 天，减已休 3 天" in ledger.payout_text
    from ecomdept.pay.payroll import LeaveTerms
    p = pay({"base_salary": 870000, "leave_date": dt.date(2026, 10, 20)}, {"workdays": 10},
            leave=LeaveTerms(annual=ledger))
    line = next(l for l in p.lines if l.code == "annual_leave_pay")
    assert line.amount == 400000 and p.annual_leave_pay == 400000     # 5 × 8,700 ÷ 21.75 × 200% = 4,000.00
    assert "按本月月基本工资 ¥8,700.00（实施办法第十一条）；¥8,700.00 ÷ 21.75 × 5 天 × 200% = ¥4,000.00" in line.explanation


def test_leave_taken_beyond_the_balance_is_personal_leave():
    previous = {"E1": {"annual_leave_year": "2026", "annual_leave_closing_min": "450", "annual_leave_used_ytd_min": "1800"}}
    ledger, alerts = _ledger({"work_start": dt.date(2015, 1, 1)}, 900, 10, previous)
    assert (ledger.opening_min, ledger.used_min, ledger.excess_min, ledger.closing_min) == (450, 900, 450, 0)
    assert alerts and "超出 7.5 小时按事假扣款" in alerts[0].message


def test_year_end_pays_or_carries_unused_days():
    previous = {"E1": {"annual_leave_year": "2026", "annual_leave_closing_min": str(3 * 450 + 200),
                       "annual_leave_used_ytd_min": "900"}}
    paid, _ = _ledger({"work_start": dt.date(2015, 1, 1)}, 0, 12, previous,
                      rules_mod.defaults().with_values(annual_leave_year_end="pay"))
    assert paid.payout_days == 3 and paid.closing_min == 200
    carried, _ = _ledger({"work_start": dt.date(2015, 1, 1)}, 0, 12, previous)
    assert carried.payout_days == 0 and carried.closing_min == 3 * 450 + 200
    staff = employees("E1", work_start=dt.date(2015, 1, 1))
    january, _ = entitlements.annual_ledger(staff, pd.DataFrame({"employee_id": [], "leave_min_年假": []}),
                                            {"E1": {"annual_leave_year": "2026", "annual_leave_closing_min": "900"}},
                                            rules_mod.defaults(), 2027, 1, 450)
    assert january["E1"].opening_min == 10 * 450 + 900 and january["E1"].carried_min == 900


def test_carried_days_expire_after_the_first_quarter():
    staff = employees("E1", work_start=dt.date(2015, 1, 1))
    previous = {"E1": {"annual_leave_year": "2027", "annual_leave_closing_min": str(10 * 450 + 900 - 450),
                       "annual_leave_carried_min": "450", "annual_leave_used_ytd_min": "450"}}
    april, _ = entitlements.annual_ledger(staff, pd.DataFrame({"employee_id": [], "leave_min_年假": []}), previous,
                                          rules_mod.defaults(), 2027, 4, 450)
    assert april["E1"].opening_min == 10 * 450 and april["E1"].carried_min == 0 and "过期" in april["E1"].text


def test_a_year_of_monthly_runs_carries_the_balance_exactly(tmp_path):
    data = sample.build(employees=6, month="2026-01", months=12, orders_per_employee=1)
    path = write_master(tmp_path / "year.xlsx", data, month="2026-01")
    out = tmp_path / "out"
    previous = None
    for month in range(1, 13):
        outcome = run_payroll(path, f"2026-{month:02d}", out, pdf=False, show_progress=False)
        assert outcome.code == 0, outcome.message
        with open(outcome.month_dir / "payroll.csv", encoding="utf-8-sig") as handle:
            rows = {r["employee_id"]: r for r in csv.DictReader(handle)}
        for emp, row in rows.items():
            opening, used, closing = (int(row[k]) for k in ("annual_leave_opening_min", "annual_leave_used_min",
                                                            "annual_leave_closing_min"))
            assert closing == max(0, opening - used)
            if previous and emp in previous and month > 1:
                assert opening == int(previous[emp]["annual_leave_closing_min"])
                assert int(row["annual_leave_used_ytd_min"]) >= int(previous[emp]["annual_leave_used_ytd_min"])
        previous = rows
    for row in previous.values():
        used_total = int(row["annual_leave_used_ytd_min"])
        assert int(row["annual_leave_closing_min"]) == max(0, int(row["annual_leave_entitled_days"]) * 450 - used_total)


def test_statutory_allowances_shanghai():
    """女职工劳动保护特别规定第七条 + 上海市人口与计划生育条例第三十一条: 产假 98 + 60 = 158 days; 婚假 3 + 10 = 13."""
    allowance = entitlements.allowances("shanghai", dt.date(2026, 10, 1))
    assert allowance["产假"].days == 158 and allowance["婚假"].days == 13 and allowance["陪产假"].days == 10
    assert entitlements.allowed_days(allowance["产假"], "难产，双胞胎")[0] == 158 + 15 + 15
    national = entitlements.allowances("nowhere", dt.date(2026, 10, 1))
    assert national["产假"].days == 98 and "陪产假" not in national


def test_a_23_day_marriage_leave_is_flagged_and_the_excess_is_personal_leave():
    staff = employees("E1")
    rows = leave({"employee_id": "E1", "leave_type": "婚假", "start": "2026-10-08 08:30", "end": "2026-11-09 18:00"})
    from ecomdept.worktime import attendance
    days = attendance.compute(staff, pd.DataFrame(columns=["employee_id", "clock_id", "punched_at", "source",
                                                           "approved", "xl_row"]), rows, CAL, rules_mod.defaults(), 2026, 10)
    excess, alerts = entitlements.statutory_excess(rows, days, staff, CAL, entitlements.allowances("shanghai",
                                                   dt.date(2026, 10, 1)), 2026, 10, 450)
    assert alerts and "婚假" in alerts[0].message and "超过规定的 13 个工作日" in alerts[0].message
    # workdays 10-08 … 10-31 after the 13th counted one are the excess of October
    assert excess["E1"].minutes["婚假"] > 0


def test_check_accepts_a_maternity_leave_row(tmp_path, capsys):
    from ecomdept.cli import main
    data = sample.build(employees=4, orders_per_employee=1)
    data["请假"].append(["CJ0001", data["员工"][1][0], "产假", dt.datetime(2026, 10, 8, 8, 30),
                        dt.datetime(2027, 3, 14, 18, 0), dt.datetime(2026, 9, 20, 9, 0), "已批准", data["员工"][0][0],
                        None, None, None, "难产", "产假"])
    path = write_master(tmp_path / "m.xlsx", data)
    assert main(["check", "--workbook", str(path)]) == 0, capsys.readouterr().out


def test_probation_pay_at_least_80_percent_and_the_minimum():
    """劳动合同法第二十条."""
    from ecomdept.pay import probation
    from ecomdept.core.statutory import city_table
    staff = employees("E1", "E2", "E3", base=500000, probation_end=dt.date(2026, 12, 31), regular_salary=700000)
    staff.loc[1, "regular_salary"] = 600000          # 5,000 ≥ 6,000 × 80%
    staff.loc[2, "base_salary"] = 260000              # below Shanghai's 2,740
    staff.loc[2, "regular_salary"] = None
    found = probation.checks(staff, city_table("shanghai", dt.date(2026, 10, 1)), 2026, 10)
    assert [i.row for i in found] == [2, 4]
    assert "¥7,000.00 × 80% = ¥5,600.00" in found[0].message and "最低工资 ¥2,740.00" in found[1].message
    assert not probation.checks(staff, city_table("shanghai", dt.date(2027, 2, 1)), 2027, 2)


def test_twelve_months_reached_during_the_year_prorates_the_rest_of_it():
    """条例第二条 / 实施办法第三条: first job from 2025-03-02, 12 months on 2026-03-02: 305 ÷ 365 × 5 = 4.18 → 4 days
    from that day; reached on 2026-12-31: 1 ÷ 365 × 5 = 0.01 → 0; 2027 is a full year."""
    march = entitlements.entitlement(dt.date(2025, 3, 2), dt.date(2025, 3, 2), 2026)
    assert (march.days, march.full, march.since) == (4, 5, dt.date(2026, 3, 2))
    assert "2026-03-02 满 12 个月，当年剩余 305 天 ÷ 365 × 5 天 = 4.18 天，取整 4 天" in march.text
    last_day = entitlements.entitlement(dt.date(2025, 12, 31), dt.date(2025, 12, 31), 2026)
    assert (last_day.days, last_day.since) == (0, dt.date(2026, 12, 31)) and "1 天 ÷ 365 × 5 天 = 0.01 天" in last_day.text
    assert entitlements.entitlement(dt.date(2025, 3, 2), dt.date(2025, 3, 2), 2027).days == 5
    assert entitlements.entitlement(dt.date(2025, 3, 2), dt.date(2025, 3, 2), 2025).days == 0
    # hired after the 12 months are reached: the hire date counts (108 ÷ 365 × 5 = 1.48 → 1)
    assert entitlements.entitlement(dt.date(2025, 3, 2), dt.date(2026, 9, 15), 2026).days == 1


def test_ten_years_reached_during_the_year_take_effect_next_january():
    """The band is the one of 1 January (条例第三条 counts completed years); 10 years on 2026-07-01 → 5 days in
    2026, 10 from 2027."""
    assert entitlements.entitlement(dt.date(2016, 7, 1), dt.date(2020, 1, 1), 2026).days == 5
    assert entitlements.entitlement(dt.date(2016, 7, 1), dt.date(2020, 1, 1), 2027).days == 10


def _months(emp_kwargs, taken: dict[int, int], months=range(1, 13), rules=None):
    """Run the ledger month after month, each month reading the last one's row as payroll.csv would carry it."""
    staff = employees("E1", **emp_kwargs)
    previous, out = {}, {}
    for month in months:
        days = pd.DataFrame({"employee_id": ["E1"], "leave_min_年假": [taken.get(month, 0)]})
        ledger, alerts = entitlements.annual_ledger(staff, days, previous, rules or rules_mod.defaults(), 2026,
                                                    month, 450)
        row = ledger["E1"]
        out[month] = (row, alerts)
        previous = {"E1": {"annual_leave_year": "2026", "annual_leave_entitled_days": str(row.entitled_days),
                           "annual_leave_closing_min": str(row.closing_min),
                           "annual_leave_used_ytd_min": str(row.used_ytd_min),
                           "annual_leave_carried_min": str(row.carried_min)}}
    return out


def test_the_balance_opens_in_the_month_12_months_are_reached():
    """12 months on 2026-03-02: no annual leave in January and February (a day taken in February is 事假), 4 days
    from March."""
    months = _months({"work_start": dt.date(2025, 3, 2), "hire": dt.date(2025, 3, 2)}, {2: 450, 5: 900}, range(1, 7))
    assert [months[m][0].entitled_days for m in range(1, 7)] == [0, 0, 4, 4, 4, 4]
    feb, feb_alerts = months[2]
    assert (feb.opening_min, feb.excess_min, feb.closing_min) == (0, 450, 0) and feb_alerts
    assert months[3][0].opening_min == 4 * 450 and "2026-03-02 起享受本年年假 4 天" in months[3][0].text
    assert months[6][0].closing_min == 2 * 450 and months[6][0].used_ytd_min == 2 * 450


def test_a_leaver_who_qualified_during_the_year_accrues_from_that_day():
    """12 months on 2026-03-02, leaving 2026-09-30, none taken: 213 ÷ 365 × 5 = 2.92 → 2 days (实施办法第十二条)."""
    months = _months({"work_start": dt.date(2025, 3, 2), "hire": dt.date(2025, 3, 2),
                      "leave_date": dt.date(2026, 9, 30)}, {}, range(1, 10))
    september = months[9][0]
    assert september.payout_days == 2
    assert "自 2026-03-02 满 12 个月起已过 213 天 ÷ 365 × 5 天 = 2.92 天" in september.payout_text
