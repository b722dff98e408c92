"""Payroll rules (PAY-), guardrails, pay day, year-to-date and property tests."""

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings, strategies as st

from builders import employees
from ecomdept.pay import history
from ecomdept.pay import payroll
from ecomdept.inputs import rules as rules_mod
from ecomdept.pay import tax
from ecomdept.core.calendar import WorkCalendar
from ecomdept.pay.history import YearToDate
from ecomdept.pay.penalties import Fine
from ecomdept.core.statutory import city_table

CAL = WorkCalendar()
CITY = city_table("shanghai", dt.date(2026, 10, 1))
RULES = rules_mod.defaults()


def pay(emp_kwargs=None, summary=None, fines=(), bonus=0, ytd=None, rules=RULES, month=10, ot=(), annual=None,
        leave=None):
    emp = next(employees("E1", **(emp_kwargs or {})).itertuples(index=False))
    summ = {"workdays": 18, "unpaid_leave_min": 0, "absent_unworked_min": 0, **(summary or {})}
    return payroll.compute(emp, summ, list(ot), list(fines), bonus, ytd or YearToDate(), CAL, rules, CITY, 2026,
                           month, 450, annual, leave)


def identities(p):
    assert p.gross_pay == (p.base_pay + p.allowance + p.overtime_pay + p.bonus + p.annual_bonus
                           - p.unpaid_leave_deduction - p.penalties)
    assert p.net_pay == p.gross_pay - p.social_insurance - p.housing_fund - p.iit - p.annual_bonus_iit
    assert p.ytd_taxable_income == max(0, p.ytd_income - p.ytd_basic_deduction - p.ytd_special_deduction
                                       - p.ytd_additional_deduction)


def test_full_month_and_unpaid_leave_pay08():
    p = pay({"base_salary": 900000}, {"unpaid_leave_min": 450})  # one day of 事假 in an 18-workday month
    assert p.base_pay == 900000 and p.unpaid_leave_deduction == 50000  # 9000 / 18
    identities(p)


def test_legal_divisor_option():
    rules = RULES.with_values(day_divisor="21.75")
    p = pay({"base_salary": 870000}, {"unpaid_leave_min": 450}, rules=rules)
    assert p.unpaid_leave_deduction == 40000  # 8700 / 21.75


def test_mid_month_hire_is_pro_rated():
    p = pay({"base_salary": 900000, "hire_date": dt.date(2026, 10, 12)}, {"workdays": 10})
    assert p.base_pay == 500000
    assert p.tax_period == "2026-11" and p.ytd_basic_deduction == 500000  # one payment month this tax year


def test_late_month_hire_is_paid_and_taxed_with_next_month_pay05():
    """PAY-05: hired after the 15th, October is paid with November's wages on 15 December; the tax
    period is the payment month, so nothing is withheld in October's run."""
    p = pay({"base_salary": 3000000, "hire_date": dt.date(2026, 10, 19)}, {"workdays": 10})
    assert p.deferred and p.pay_date == dt.date(2026, 12, 15) and p.tax_period == "2026-12"
    assert p.iit == 0 and p.ytd_income == 0 and p.net_pay == p.gross_pay - p.social_insurance - p.housing_fund
    identities(p)
    carried = YearToDate(carried_income=p.gross_pay, carried_special=p.social_insurance + p.housing_fund,
                         carried_net=p.net_pay, carried_month="2026-10")
    nov = pay({"base_salary": 3000000, "hire_date": dt.date(2026, 10, 19)}, month=11, ytd=carried)
    assert nov.tax_period == "2026-12" and nov.ytd_income == p.gross_pay + nov.gross_pay
    assert nov.ytd_basic_deduction == 500000                            # one payment month: December
    assert nov.ytd_special_deduction == p.social_insurance + p.housing_fund + nov.social_insurance + nov.housing_fund
    assert nov.iit == tax.tax_on(nov.ytd_taxable_income, dt.date(2026, 12, 1)) and nov.carried_net == p.net_pay
    identities(nov)


def test_december_wages_paid_in_january_start_the_next_tax_year():
    """扣缴义务人支付时预扣: December 2026's wages paid on 15 January 2027 are the 2027-01 period."""
    ytd = YearToDate(income=11 * 900000, special=11 * 100000, iit=300000, months=set(range(1, 12)))
    dec = pay({"base_salary": 900000}, month=12)
    assert dec.tax_period == "2027-01" and dec.ytd_basic_deduction == 500000
    work = pay({"base_salary": 900000}, month=12, ytd=ytd, rules=RULES.with_values(iit_period="work_month"))
    assert work.tax_period == "2026-12" and work.ytd_basic_deduction == 6000000


def test_penalty_cap_20_percent_and_carry():
    fines = [Fine("E1", "2026-10-13", "manual", "ABS-10", 200000, "损失赔偿")]
    p = pay({"base_salary": 500000}, fines=fines)
    assert p.penalties == 100000 and p.penalties_carried == 100000  # 20% of 5,000
    assert any(l.code == "penalty_cap" and "结转下月" in l.explanation for l in p.lines)
    waived = pay({"base_salary": 500000}, fines=fines, rules=RULES.with_values(penalty_cap_excess="waive"))
    assert waived.penalties == 100000 and waived.penalties_carried == 0
    identities(p)


def test_penalty_never_takes_pay_below_minimum_wage():
    """工资支付暂行规定第16条 and 最低工资规定第12条: in Shanghai the minimum wage (2,740 from 2025-07)
    excludes overtime pay and the employee's own SI and HF."""
    fines = [Fine("E1", "2026-10-13", "absence_fine", "ABS-08", 30000, "旷工")]
    p = pay({"base_salary": 400000}, fines=fines)
    # 4,000 − SI 783.30 (base floor 7,460 × 10.5%) − HF 280 = 2,936.70; 2,936.70 − 2,740 = 196.70
    assert (p.social_insurance, p.housing_fund) == (78330, 28000)
    assert p.penalties == 19670 and p.penalties_carried == 30000 - 19670
    cap = next(l for l in p.lines if l.code == "penalty_cap")
    assert "不含个人公积金 ¥280.00、个人社保 ¥783.30" in cap.explanation and "¥300.00 − ¥196.70 = ¥103.30" in cap.explanation
    ot = payroll.OvertimeLine("E1", "O1", dt.date(2026, 10, 12), "workday", 600, Decimal("1.5"), 50000, 0, "加班", "OT-01")
    with_ot = pay({"base_salary": 400000}, fines=fines, ot=[ot])
    assert with_ot.penalties == 19670                      # overtime pay does not count toward the minimum
    assert not p.warnings


def test_a_base_below_the_minimum_is_flagged():
    low = pay({"base_salary": 280000})  # 2,800 − SI 783.30 − HF 196 = 1,820.70 < 2,740
    assert low.penalties == 0 and len(low.warnings) == 1 and "¥2,740.00" in low.warnings[0][2]
    assert "¥919.30" in low.warnings[0][2]                 # the difference to make up
    assert not any("最低工资" in n for n in low.notes)       # HR's, not the payslip's


def test_unpaid_absence_may_take_pay_below_the_minimum():
    """最低工资规定第12条: the minimum applies to the normal hours the employee actually worked."""
    p = pay({"base_salary": 400000}, {"unpaid_leave_min": 450 * 9})   # half the month of 事假
    assert p.unpaid_leave_deduction == 200000 and not p.warnings     # floor 2,740 × 4,050 ÷ 8,100 = 1,370


def test_pay_day_moves_off_rest_days_pay03_pay04_pay05():
    assert pay().pay_date == dt.date(2026, 11, 13)            # 11-15 is a Sunday → Friday before
    later = RULES.with_values(pay_day_shift="later")
    assert pay(rules=later).pay_date == dt.date(2026, 11, 16)
    assert pay({"hire_date": dt.date(2026, 10, 15)}).pay_date == dt.date(2026, 11, 13)   # on the 15th: normal
    assert pay({"hire_date": dt.date(2026, 10, 16)}).pay_date == dt.date(2026, 12, 15)   # after: with next month


def test_july_new_hire_and_first_job_flag():
    hired = {"hire_date": dt.date(2026, 7, 10)}
    assert pay(hired, month=7).ytd_basic_deduction == 500000                 # July's wages, paid in August
    # STA 2020 No. 13: 5,000 × the months of the tax year up to the August payment
    assert pay({**hired, "first_job_this_year": True}, month=7).ytd_basic_deduction == 4000000


def test_60k_flag_withholds_nothing_until_income_passes_60000():
    low = {"base_salary": 500000, "prior_year_under_60k": True, "si_base": 746000}
    p = pay(low, ytd=YearToDate(income=4500000))  # 9 months at 5,000
    assert p.ytd_basic_deduction == 6000000 and p.iit == 0
    high = pay({**low, "base_salary": 2000000}, ytd=YearToDate(income=18000000, special=1300000))
    assert high.iit > 0


def test_december_total_matches_the_year_formula():
    ytd = YearToDate()
    withheld = []
    for month in range(1, 13):
        p = pay({"base_salary": 3000000, "special_deduction": 200000}, month=month, ytd=ytd)
        withheld.append(p.iit)
        ytd = YearToDate(ytd.income + p.gross_pay, ytd.special + p.social_insurance + p.housing_fund,
                         ytd.additional + p.additional_deductions, ytd.iit + p.iit)
    assert sum(withheld) == tax.tax_on(p.ytd_taxable_income, dt.date(2026, 12, 1))
    assert withheld[0] < withheld[-1]  # crossed into higher brackets during the year


def test_january_starts_a_new_tax_year(tmp_path):
    dec = tmp_path / "2025-12"
    dec.mkdir()
    (dec / "payroll.csv").write_text("employee_id,gross_pay,social_insurance,housing_fund,additional_deductions,iit,"
                                     "comp_balance_min,penalties_carried\nE1,10000.00,800.00,500.00,0.00,100.00,120,"
                                     "50.00\n", encoding="utf-8")
    import pandas as pd
    ledger = pd.DataFrame({"month": ["2025-11"], "employee_id": ["E1"], "income": [900000], "special": [0],
                           "additional": [0], "iit": [0]})
    paid_in_january = history.prior_months(ledger, tmp_path, 2026, 1, (2026, 2))   # January's wages: period 2026-02
    assert paid_in_january.ytd["E1"].income == 1000000 and paid_in_january.ytd["E1"].months == {1}
    assert paid_in_january.sources == [f"2025-12: 往期运行结果 {dec / 'payroll.csv'}"]
    assert set(paid_in_january.run_hashes) == {"2025-12"}
    by_work_month = history.prior_months(ledger, tmp_path, 2026, 1, (2026, 1), "work_month")
    assert by_work_month.ytd["E1"].income == 0 and by_work_month.sources == []
    assert history.carried_penalties(tmp_path, 2026, 1) == {"E1": 5000}  # carry-over crosses the year
    assert history.comp_opening(tmp_path, 2026, 1, employees("E1")) == {"E1": 120}


money = st.integers(min_value=0, max_value=10_000_000)


@settings(max_examples=200, deadline=None)
@given(income=money, exempt=money, basic=money, special=money, additional=money, other=money,
       withheld=st.integers(0, 50_000_000), relief=st.integers(0, 1_000_000))
def test_withholding_never_negative(income, exempt, basic, special, additional, other, withheld, relief):
    assert tax.withholding(income, exempt, basic, special, additional, other, withheld, relief,
                           dt.date(2026, 1, 1)) >= 0


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20_000_000), st.integers(0, 500_000)), min_size=12, max_size=12))
def test_a_year_of_withholdings_sums_to_the_cumulative_formula(months):
    on = dt.date(2026, 1, 1)
    cum_income = cum_deductions = withheld = 0
    for income, extra in months:
        cum_income += income
        cum_deductions += min(income, 500000 + extra)  # deductions never exceed that month's income
        withheld += tax.withholding(cum_income, 0, cum_deductions, 0, 0, 0, withheld, on=on)
    assert withheld == tax.tax_on(cum_income - cum_deductions, on)


@settings(max_examples=150, deadline=None)
@given(base=st.integers(100_000, 10_000_000), allowance=st.integers(0, 200_000), bonus=st.integers(0, 2_000_000),
       leave=st.integers(0, 450 * 18), absent=st.integers(0, 450 * 3), fine=st.integers(0, 100_000),
       si=st.one_of(st.none(), st.integers(100_000, 9_000_000)), hf=st.sampled_from(["0.05", "0.07", "0.12"]),
       extra=st.sampled_from([0, 100_000, 300_000, 500_000]), prior=st.integers(0, 40_000_000))
def test_payroll_identities_for_random_employees(base, allowance, bonus, leave, absent, fine, si, hf, extra, prior):
    p = pay({"base_salary": base, "allowance": allowance, "si_base": si, "hf_rate": Decimal(hf),
             "special_deduction": extra},
            {"unpaid_leave_min": leave, "absent_unworked_min": absent},
            fines=[Fine("E1", "2026-10-12", "absence_fine", "ABS-08", fine, "旷工")] if fine else [], bonus=bonus,
            ytd=YearToDate(income=prior, special=prior // 10, iit=0))
    identities(p)
    assert p.iit >= 0 and p.penalties <= fine
    floor, cap = int(CITY.si_floor * 100), int(CITY.si_cap * 100)
    base_used = next(l for l in p.lines if l.code == "pension").amount
    assert round(floor * 0.08) <= base_used <= round(cap * 0.08)
    assert sum(l.amount for l in p.lines if l.section == "应发") == p.base_pay + p.allowance + p.overtime_pay + p.bonus


def test_sick_pay_by_continuous_service_6_to_8_years():
    """沪劳保发〔1995〕83号: 6–8 years of continuous service keep 90% of the wage while on sick leave."""
    p = pay({"base_salary": 900000}, {"unpaid_leave_min": 450, "leave_min_病假": 450})  # hired 2020-01-01: 6 years
    line = next(l for l in p.lines if l.code == "sick_leave")
    # full day 9,000 × 450 ÷ (18 × 450) = 500.00; 90% kept = 450.00; deducted 50.00
    assert line.amount == 5000
    assert "（连续工龄 6 年，满 6 年档）" in line.explanation and "¥500.00 × 90% = ¥450.00" in line.explanation
    assert "扣 ¥500.00 − ¥450.00 = ¥50.00" in line.explanation
    identities(p)


def test_sick_pay_floor_and_company_rule_only_when_more_generous():
    new = pay({"base_salary": 900000, "hire_date": dt.date(2026, 1, 5)}, {"unpaid_leave_min": 450, "leave_min_病假": 450})
    assert next(l for l in new.lines if l.code == "sick_leave").amount == 20000    # < 2 years: 60% kept, 200 deducted
    later = pay({"base_salary": 900000, "hire_date": dt.date(2026, 1, 5), "service_start": dt.date(2015, 3, 1)},
                {"unpaid_leave_min": 450, "leave_min_病假": 450})
    assert next(l for l in later.lines if l.code == "sick_leave").amount == 0     # ≥ 8 years from 连续工龄起算日: 100%
    low = pay({"base_salary": 300000, "hire_date": dt.date(2026, 1, 5)}, {"unpaid_leave_min": 450, "leave_min_病假": 450})
    line = next(l for l in low.lines if l.code == "sick_leave")
    # full 166.67, 60% = 100.00; 80% of the minimum wage for the day: 2,740 × 80% × 450 ÷ (18 × 450) = 121.78
    assert line.amount == 16667 - 12178 and "法定下限为最低工资的 80%：¥2,740.00 × 80%" in line.explanation
    assert "应保留以下 3 项中较高的 ¥121.78" in line.explanation and "①" in line.explanation
    generous = pay({"base_salary": 300000, "hire_date": dt.date(2026, 1, 5)},
                   {"unpaid_leave_min": 450, "leave_min_病假": 450}, rules=RULES.with_values(sick_pay_floor_ratio=Decimal(1)))
    assert next(l for l in generous.lines if l.code == "sick_leave").amount == 16667 - 15222  # company keeps 100% of minimum
    mixed = pay({"base_salary": 900000}, {"unpaid_leave_min": 675, "leave_min_病假": 225})
    assert [(l.label, l.amount) for l in mixed.lines if l.section == "扣款"] == [("事假扣款", 50000), ("病假扣款", 2500)]
    identities(mixed)


def test_21_75_counts_statutory_holidays_as_paid_days():
    """劳社部发〔2008〕3号: 21.75 = (365 − 104) ÷ 12, so the 11 (now 13) statutory holidays are paid days.
    A leaver on 2026-10-20: 10 workdays + National Day 1–3 October = 13 of 21.75 days."""
    rules = RULES.with_values(day_divisor="21.75")
    p = pay({"base_salary": 870000, "leave_date": dt.date(2026, 10, 20)}, {"workdays": 10}, rules=rules)
    assert p.base_pay == 520000                              # 8,700 × 13 ÷ 21.75
    assert "计薪日 13（在职工作日 10 + 法定节假日 3）" in p.lines[0].explanation
    plain = pay({"base_salary": 870000, "leave_date": dt.date(2026, 10, 20)}, {"workdays": 10})
    assert plain.base_pay == 483333                          # workdays divisor: 8,700 × 10 ÷ 18


def test_separately_taxed_year_end_bonus_sta_2023_30():
    """财政部 税务总局公告2023年第30号: 50,000 ÷ 12 = 4,166.67 → 10%, quick deduction 210:
    50,000 × 10% − 210 = 4,790.00, and the wage IIT is what it would be without the bonus."""
    base = pay({"base_salary": 1500000}, ytd=YearToDate(income=13500000, special=1500000, iit=400000,
                                                         months=set(range(1, 11))))
    p = pay({"base_salary": 1500000}, ytd=YearToDate(income=13500000, special=1500000, iit=400000,
                                                      months=set(range(1, 11))), annual=(5000000, None))
    assert p.annual_bonus_method == "separate" and p.annual_bonus == 5000000 and p.annual_bonus_iit == 479000
    assert p.iit == base.iit and p.ytd_income == base.ytd_income          # the bonus stays out of the cumulative base
    assert p.gross_pay == base.gross_pay + 5000000 and p.net_pay == base.net_pay + 5000000 - 479000
    line = next(l for l in p.lines if l.code == "annual_bonus_iit")
    assert "¥50,000.00 ÷ 12 = ¥4,166.67" in line.explanation and "¥50,000.00 × 10% − ¥210.00 = ¥4,790.00" in line.explanation
    separate, merged = p.annual_bonus_compare
    assert separate == base.iit + 479000 and merged == tax.tax_on(base.ytd_taxable_income + 5000000,
                                                                   dt.date(2026, 11, 1)) - 400000
    identities(p)


def test_merged_bonus_is_taxed_with_the_wages_once_a_year():
    merged = pay({"base_salary": 1500000}, annual=(5000000, "并入综合所得"))
    assert merged.annual_bonus_iit == 0 and merged.ytd_income == merged.gross_pay
    assert merged.annual_bonus_compare[1] == merged.iit
    identities(merged)
    second = pay({"base_salary": 1500000}, ytd=YearToDate(separate_bonus=["2026-02"]), annual=(100000, None))
    assert second.annual_bonus_method == "merged" and "一个纳税年度只允许一次" in second.warnings[0][2]
    late = payroll.compute(next(employees("E1").itertuples(index=False)), {"workdays": 18}, [], [], 0, YearToDate(),
                           CAL, RULES, CITY, 2027, 12, 450, (100000, "单独计税"))   # paid January 2028
    assert late.annual_bonus_method == "merged" and "2027-12-31" in late.warnings[-1][2]


def test_year_end_bonus_sheet_through_the_run(tmp_path):
    """The 年终奖 sheet → payroll.csv annual_bonus / annual_bonus_iit with the extended identities."""
    import csv

    from ecomdept.run import sample
    from ecomdept.inputs.master_workbook import write_master
    from ecomdept.core.money import yuan_to_fen
    from ecomdept.run.pipeline import run_payroll

    data = sample.build()
    data["年终奖"] = [["2026-10", "E0001", 5000000, None, "2026 年终奖"], ["2026-10", "E0003", 2400000, "并入综合所得", ""]]
    outcome = run_payroll(write_master(tmp_path / "m.xlsx", data), "2026-10", tmp_path / "out", pdf=False,
                          show_progress=False)
    assert outcome.code == 0, outcome.message
    with open(outcome.month_dir / "payroll.csv", encoding="utf-8-sig") as handle:
        rows = {r["employee_id"]: r for r in csv.DictReader(handle)}
    f = {e: {k: yuan_to_fen(v) for k, v in r.items() if k in (
        "base_pay", "allowance", "overtime_pay", "bonus", "annual_bonus", "unpaid_leave_deduction", "penalties",
        "gross_pay", "social_insurance", "housing_fund", "iit", "annual_bonus_iit", "net_pay")} for e, r in rows.items()}
    for r in f.values():
        assert r["gross_pay"] == (r["base_pay"] + r["allowance"] + r["overtime_pay"] + r["bonus"] + r["annual_bonus"]
                                  - r["unpaid_leave_deduction"] - r["penalties"])
        assert r["net_pay"] == r["gross_pay"] - r["social_insurance"] - r["housing_fund"] - r["iit"] - r["annual_bonus_iit"]
    assert f["E0001"]["annual_bonus"] == 5000000 and f["E0001"]["annual_bonus_iit"] == 479000
    assert rows["E0001"]["annual_bonus_method"] == "separate" and rows["E0003"]["annual_bonus_method"] == "merged"
    assert f["E0003"]["annual_bonus_iit"] == 0
    assert yuan_to_fen(rows["E0001"]["annual_bonus_separate_tax_total"]) > 0
