"""The average monthly wage of the months paid before a date (企业职工带薪年休假实施办法第十一条: 12 months,
overtime excluded; 劳动合同法实施条例第二十七条: overtime included), from earlier runs and 工资台账 rows, and the
unused-annual-leave payout computed from it."""

import csv
import datetime as dt

import pandas as pd

from explain_check import checks, failures
from ecomdept.pay import history, payroll
from ecomdept.pay.payroll import LeaveTerms
from ecomdept.worktime.entitlements import AnnualLeave

COLUMNS = ("employee_id", "name", "gross_pay", "overtime_pay", "bonus", "allowance", "base_pay", "social_insurance",
           "housing_fund", "additional_deductions", "iit", "tax_period", "deferred", "annual_bonus_method")


def write_run(out, work_month: str, rows: list[dict]) -> None:
    """An earlier month's payroll.csv as the product writes it (only the columns read here)."""
    folder = out / work_month
    folder.mkdir(parents=True, exist_ok=True)
    y, m = int(work_month[:4]), int(work_month[5:7])
    period = f"{y + m // 12:04d}-{m % 12 + 1:02d}"                      # paid on the 15th of the next month
    with open(folder / "payroll.csv", "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: "0.00" for c in COLUMNS} | {"name": "员工", "tax_period": period, "deferred": "0",
                                                             "annual_bonus_method": ""} | row)


def month(work_month: str, gross: str, overtime: str = "0.00", emp: str = "E1") -> tuple[str, dict]:
    return work_month, {"employee_id": emp, "gross_pay": gross, "overtime_pay": overtime}


def ledger(*rows: tuple) -> pd.DataFrame:
    """(月份, 应发工资 fen, 加班工资 fen or None)."""
    return pd.DataFrame({"month": [r[0] for r in rows], "employee_id": ["E1"] * len(rows),
                         "income": [r[1] for r in rows], "special": [0] * len(rows), "additional": [0] * len(rows),
                         "iit": [0] * len(rows), "overtime": pd.Series([r[2] for r in rows], dtype=object)})


NO_LEDGER = ledger()


def varied_year(out) -> None:
    """Work months 2025-11 … 2026-10 (paid 2025-12 … 2026-11): 10,000 + 2,000 津贴; a raise to 11,000 from June,
    a 3,000 bonus in March, 1,500 overtime in August."""
    for i in range(12):
        y, m = divmod(10 + i, 12)
        label = f"{2025 + y}-{m + 1:02d}"
        gross = 1200000 if label < "2026-06" else 1300000
        overtime = 150000 if label == "2026-08" else 0
        gross += 300000 if label == "2026-03" else 0
        write_run(out, label, [dict([("employee_id", "E1"), ("gross_pay", f"{(gross + overtime) / 100:.2f}"),
                                     ("overtime_pay", f"{overtime / 100:.2f}")])])


def test_a_varied_year_overtime_excluded_the_rest_averaged(tmp_path):
    varied_year(tmp_path)
    found = history.wage_history(NO_LEDGER, tmp_path, (2026, 12))        # a leaver of November, paid in December
    avg = history.average_wage(found["E1"], history.ANNUAL_LEAVE)
    # 7 × 12,000 + 5 × 13,000 + 3,000 = 152,000 (the 1,500 overtime left out); ÷ 12 = 12,666.67
    assert [m.period for m in avg.months] == [f"2025-12"] + [f"2026-{m:02d}" for m in range(1, 12)]
    assert avg.total == 15200000 and avg.average == 1266667
    assert "发放月 2025-12 至 2026-11 共 12 个月" in avg.text and "已剔除加班工资 ¥1,500.00" in avg.text
    assert "¥152,000.00 ÷ 12 = ¥12,666.67（企业职工带薪年休假实施办法第十一条）" in avg.text
    severance = history.average_wage(found["E1"], history.SEVERANCE)    # 经济补偿: overtime and bonus included
    assert severance.total == 15350000 and severance.average == 1279167  # 153,500 ÷ 12 = 12,791.67
    assert "劳动合同法实施条例第二十七条" in severance.text
    assert history.wage_history(NO_LEDGER, tmp_path, (2026, 12), skip_folder="2026-10")["E1"].keys() == \
        {f"2025-12"} | {f"2026-{m:02d}" for m in range(1, 11)}          # the run being replaced is never read


def payout(avg, days: int, base: int = 1000000, allowance: int = 200000):
    emp = next(__import__("builders").employees("E1", base=base, allowance=allowance,
                                                leave_date=dt.date(2026, 11, 30)).itertuples(index=False))
    from ecomdept.core.calendar import WorkCalendar
    from ecomdept.core.statutory import city_table
    from ecomdept.inputs import rules as rules_mod
    annual = AnnualLeave(5, 0, 0, 0, 0, 0, payout_days=days, payout_text=f"离职：应休未休 {days} 天（实施办法第十二条）")
    cal = WorkCalendar()
    return payroll.compute(emp, {"workdays": len(cal.workdays(2026, 11))}, [], [], 0, history.YearToDate(), cal,
                           rules_mod.defaults(), city_table("shanghai", dt.date(2026, 11, 1)), 2026, 11, 450,
                           leave=LeaveTerms(annual=annual, average=avg))


def test_the_payout_line_shows_the_months_the_average_and_the_division(tmp_path):
    varied_year(tmp_path)
    avg = history.average_wage(history.wage_history(NO_LEDGER, tmp_path, (2026, 12))["E1"], history.ANNUAL_LEAVE)
    p = payout(avg, 8)
    line = next(l for l in p.lines if l.code == "annual_leave_pay")
    assert line.amount == p.annual_leave_pay == 931801                  # 12,666.67 ÷ 21.75 × 8 × 200% = 9,318.01
    assert "¥12,666.67 ÷ 21.75 × 8 天 × 200% = ¥9,318.01" in line.explanation and "2025-12 至 2026-11" in line.explanation
    assert not failures(line.explanation) and len(list(checks(line.explanation))) == 2   # the average, the payout
    assert p.allowance == 200000 + 931801


def test_no_history_uses_this_months_base_and_allowance():
    """10,000 + 2,000 every month, 8 unused days: 12,000 ÷ 21.75 × 8 × 200% = 8,827.59 (not 7,356.32 on the base)."""
    p = payout(None, 8)
    line = next(l for l in p.lines if l.code == "annual_leave_pay")
    assert line.amount == 882759
    assert "月基本工资 ¥10,000.00 + 岗位津贴 ¥2,000.00 = ¥12,000.00" in line.explanation
    assert "¥12,000.00 ÷ 21.75 × 8 天 × 200% = ¥8,827.59" in line.explanation and not failures(line.explanation)


def test_employed_five_months_is_averaged_over_five(tmp_path):
    """Hired 2026-06-01: work months June … October only (paid July … November). 12,000, 12,000, 12,500,
    12,000 + 1,000 overtime, 13,000: 61,500 ÷ 5 = 12,300.00; 2 days: 12,300 ÷ 21.75 × 2 × 200% = 2,262.07."""
    for label, gross, overtime in (("2026-06", "12000.00", "0"), ("2026-07", "12000.00", "0"),
                                   ("2026-08", "12500.00", "0"), ("2026-09", "13000.00", "1000.00"),
                                   ("2026-10", "13000.00", "0")):
        write_run(tmp_path, label, [month(label, gross, overtime)[1]])
    avg = history.average_wage(history.wage_history(NO_LEDGER, tmp_path, (2026, 12))["E1"], history.ANNUAL_LEAVE)
    assert len(avg.months) == 5 and avg.total == 6150000 and avg.average == 1230000
    assert "在职不满 12 个月，按实际 5 个月" in avg.text and "¥61,500.00 ÷ 5 = ¥12,300.00" in avg.text
    assert payout(avg, 2).annual_leave_pay == 226207


def test_twelve_months_split_between_the_ledger_and_earlier_runs(tmp_path):
    """工资台账 (月份 = the month paid) 2025-12 … 2026-05: 12,000 a month, February 13,000 of which 1,000 overtime,
    April 15,000 (a bonus); runs of work months 2026-05 … 2026-10 (paid 2026-06 … 2026-11): 12,000, August
    14,000 of which 2,000 overtime. A ledger row for a month a run covers is not read. 75,000 + 72,000 = 147,000
    ÷ 12 = 12,250.00; 8 days: 12,250 ÷ 21.75 × 8 × 200% = 9,011.49."""
    rows = ledger(("2025-12", 1200000, 0), ("2026-01", 1200000, 0), ("2026-02", 1300000, 100000),
                  ("2026-03", 1200000, 0), ("2026-04", 1500000, 0), ("2026-05", 1200000, 0),
                  ("2026-06", 9999900, 0))
    for i in range(5, 11):
        label = f"2026-{i:02d}"
        write_run(tmp_path, label, [month(label, "14000.00" if i == 8 else "12000.00", "2000.00" if i == 8 else "0")[1]])
    avg = history.average_wage(history.wage_history(rows, tmp_path, (2026, 12))["E1"], history.ANNUAL_LEAVE)
    assert [m.source for m in avg.months] == ["工资台账"] * 6 + [f"往期运行 2026-{i:02d}" for i in range(5, 11)]
    assert avg.total == 14700000 and avg.average == 1225000 and not avg.unknown_overtime
    assert payout(avg, 8).annual_leave_pay == 901149


def test_a_ledger_without_overtime_says_it_could_not_be_excluded():
    rows = ledger(("2026-09", 1300000, None), ("2026-10", 1200000, 0), ("2026-11", 1250000, None))
    avg = history.average_wage(history.wage_history(rows, None, (2026, 12))["E1"], history.ANNUAL_LEAVE)
    assert avg.average == 1250000 and avg.unknown_overtime == ("2026-09", "2026-11")
    assert "工资台账 2026-09、2026-11 没有填加班工资，这几个月未能剔除加班工资" in avg.text
    assert "未能剔除" not in history.average_wage(history.wage_history(rows, None, (2026, 12))["E1"],
                                                history.SEVERANCE).text
    assert history.average_wage({}, history.ANNUAL_LEAVE) is None


def test_a_run_pays_a_leaver_on_the_ledgers_average(tmp_path):
    """October 2026: a leaver on 2026-10-19 with 12 years of work (10 days a year) and none taken: 292 ÷ 365 × 10
    = 8 days. 工资台账 paid months 2026-01 … 2026-10: 12,000 a month, one of them 13,000 with 1,000 overtime:
    average 12,000.00; 12,000 ÷ 21.75 × 8 × 200% = 8,827.59."""
    from ecomdept.inputs.master_workbook import write_master
    from ecomdept.inputs.schema import EMPLOYEES, LEDGER
    from ecomdept.run import sample
    from ecomdept.run.pipeline import run_payroll

    data = sample.build(employees=3, orders_per_employee=1)
    col = {c.id: i for i, c in enumerate(EMPLOYEES.columns)}
    row = data["员工"][1]
    emp = row[col["employee_id"]]
    row[col["base_salary"]], row[col["allowance"]] = 1000000, 200000
    row[col["work_start"]], row[col["leave_date"]] = dt.date(2014, 3, 1), dt.date(2026, 10, 19)
    row[col["annual_leave_opening_days"]] = None
    led = {c.id: i for i, c in enumerate(LEDGER.columns)}
    for rec in data["工资台账"]:
        if rec[led["employee_id"]] == emp:
            overtime = 100000 if rec[led["month"]] == "2026-05" else 0
            rec[led["income"]], rec[led["overtime"]] = 1200000 + overtime, overtime
    data["请假"] = [r for r in data["请假"] if r[1] != emp]
    path = write_master(tmp_path / "m.xlsx", data)
    outcome = run_payroll(path, "2026-10", tmp_path / "out", pdf=False, show_progress=False)
    assert outcome.code == 0, outcome.message
    pay = next(p for p in outcome.result.pays if p.employee_id == emp)
    line = next(l for l in pay.lines if l.code == "annual_leave_pay")
    assert outcome.result.annual_leave[emp].payout_days == 8
    assert line.amount == 882759 and "¥120,000.00 ÷ 10 = ¥12,000.00" in line.explanation
    assert "已剔除加班工资 ¥1,000.00" in line.explanation and "¥12,000.00 ÷ 21.75 × 8 天 × 200% = ¥8,827.59" in line.explanation


def test_year_end_payout_under_pay_uses_the_average_too(tmp_path):
    """规则 annual_leave_year_end = pay, December 2026, 3 days left (roster opening balance): 工资台账 paid months
    2026-01 … 2026-12 at 12,000, one of them 13,000 with 1,000 overtime: 12,000 ÷ 21.75 × 3 × 200% = 3,310.34."""
    from ecomdept.inputs.master_workbook import write_master
    from ecomdept.inputs.schema import EMPLOYEES
    from ecomdept.run import sample
    from ecomdept.run.pipeline import run_payroll

    data = sample.build(employees=3, month="2026-12", orders_per_employee=1)
    next(r for r in data["规则"] if r[0] == "annual_leave_year_end")[2] = "pay"
    col = {c.id: i for i, c in enumerate(EMPLOYEES.columns)}
    row = data["员工"][1]
    emp = row[col["employee_id"]]
    row[col["annual_leave_opening_days"]] = 3
    data["请假"] = [r for r in data["请假"] if r[1] != emp]
    data["工资台账"] = [r for r in data["工资台账"] if r[1] != emp] + [
        [f"2026-{m:02d}", emp, 1300000 if m == 6 else 1200000, 0, 0, 0, 100000 if m == 6 else 0] for m in range(1, 13)]
    path = write_master(tmp_path / "m.xlsx", data, month="2026-12")
    outcome = run_payroll(path, "2026-12", tmp_path / "out", pdf=False, show_progress=False)
    assert outcome.code == 0, outcome.message
    pay = next(p for p in outcome.result.pays if p.employee_id == emp)
    line = next(l for l in pay.lines if l.code == "annual_leave_pay")
    assert line.amount == 331034 and "年末未休年假 3 天" in line.explanation
    assert "¥144,000.00 ÷ 12 = ¥12,000.00" in line.explanation and not failures(line.explanation)
