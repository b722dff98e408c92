"""Sick pay's legal floor in every city (劳部发〔1995〕309号第五十九条 and the cities' own rules).

A month of sick leave, 10,000 base + 2,000 岗位津贴, October 2026 (18 workdays of 7.5 hours). The company
rule 规则 ``sick_pay_floor_ratio`` (a share of the minimum wage kept) wins only above the legal floor; one below
it is raised to the law, with the clause on the payslip line and in 预警.
"""

import datetime as dt
from decimal import Decimal

import pytest

from builders import employees
from explain_check import failures
from ecomdept.core.calendar import WorkCalendar
from ecomdept.core.statutory import city_table
from ecomdept.inputs import rules as rules_mod
from ecomdept.pay import payroll
from ecomdept.pay.history import YearToDate

CAL = WorkCalendar()
MONTH_MIN = 18 * 450


def sick_month(city: str, ratio: str, base: int = 1000000, hire=dt.date(2020, 1, 1), minutes: int = MONTH_MIN):
    emp = next(employees("E1", base=base, allowance=200000, hire=hire).itertuples(index=False))
    summary = {"workdays": 18, "unpaid_leave_min": minutes, "leave_min_病假": minutes, "absent_unworked_min": 0}
    rules = rules_mod.defaults().with_values(sick_pay_floor_ratio=Decimal(ratio))
    p = payroll.compute(emp, summary, [], [], 0, YearToDate(), CAL, rules, city_table(city, dt.date(2026, 10, 1)),
                        2026, 10, 450)
    line = next(l for l in p.lines if l.code == "sick_leave")
    return p, line, base - line.amount  # the sick pay kept of the month's base


# kept = 80% of the city's minimum wage for the whole month, where the law sets only that floor
FLOOR_ONLY = [("beijing", 254000, 203200, "北京市工资支付规定第二十一条"),
              ("guangzhou", 250000, 200000, "广东省工资支付条例第二十四条"),
              ("hangzhou", 249000, 199200, "劳部发〔1995〕309号第五十九条")]


@pytest.mark.parametrize("city, minimum, floor, clause", FLOOR_ONLY)
@pytest.mark.parametrize("ratio", ["0", "0.5"])
def test_a_company_rule_below_the_floor_is_raised_to_it(city, minimum, floor, clause, ratio):
    p, line, kept = sick_month(city, ratio)
    assert kept == floor and line.amount == 1000000 - floor            # Beijing: 2,540 × 80% = 2,032.00
    shown = f"法定下限为最低工资的 80%：¥{minimum / 100:,.2f} × 80% × 8100 分钟 ÷ (18 天 × 450 分钟) = ¥{floor / 100:,.2f}（{clause}）"
    assert shown in line.explanation
    assert f"扣 ¥10,000.00 − ¥{floor / 100:,.2f} = ¥{(1000000 - floor) / 100:,.2f}" in line.explanation
    assert not failures(line.explanation)
    (warning,) = p.warnings
    assert warning[0] == "规则" and clause in warning[2] and f"{ratio if ratio == '0' else '50'}%" in warning[2]
    assert p.allowance == 200000 and p.gross_pay == floor + 200000


@pytest.mark.parametrize("city, minimum, floor, clause", FLOOR_ONLY)
def test_a_company_rule_above_the_floor_wins(city, minimum, floor, clause):
    p, line, kept = sick_month(city, "1")
    assert kept == minimum and not p.warnings                          # Beijing: 2,540 × 100% = 2,540.00
    assert f"制度（LV-10）保留最低工资的 100%：¥{minimum / 100:,.2f} × 100%" in line.explanation


def test_beijing_half_a_month_of_sick_leave_keeps_half_the_floor():
    p, line, _ = sick_month("beijing", "0", minutes=9 * 450)
    # 5,000.00 of the base is sick time; 2,540 × 80% × 4050 ÷ 8100 = 1,016.00 of it kept
    assert line.amount == 500000 - 101600 and "扣 ¥5,000.00 − ¥1,016.00 = ¥3,984.00" in line.explanation


@pytest.mark.parametrize("ratio", ["0", "0.5", "1"])
def test_shanghai_keeps_its_share_by_service_whatever_the_company_rule(ratio):
    """沪劳保发〔1995〕83号: 6 years of continuous service keep 90% of the wage: 9,000.00."""
    p, line, kept = sick_month("shanghai", ratio)
    assert kept == 900000 and line.amount == 100000
    assert bool(p.warnings) == (ratio != "1") and (not p.warnings or "沪劳保发〔1995〕83号" in p.warnings[0][2])


@pytest.mark.parametrize("ratio", ["0", "0.5", "1"])
def test_shenzhen_keeps_sixty_percent_whatever_the_company_rule(ratio):
    """深圳市员工工资支付条例第二十三条: 60% of the wage, 6,000.00."""
    p, line, kept = sick_month("shenzhen", ratio)
    assert kept == 600000 and bool(p.warnings) == (ratio != "1")


@pytest.mark.parametrize("city, share_kept, floor, minimum", [("shanghai", 180000, 219200, 274000),
                                                               ("shenzhen", 180000, 201600, 252000)])
def test_low_pay_in_shanghai_and_shenzhen_floor_and_company_rule(city, share_kept, floor, minimum):
    """3,000 base, under 2 years: 60% = 1,800 < 80% of the minimum (Shanghai 2,192, Shenzhen 2,016); a company
    rule of 100% keeps the whole minimum wage."""
    for ratio, expected in (("0", floor), ("0.5", floor), ("1", minimum)):
        p, line, kept = sick_month(city, ratio, base=300000, hire=dt.date(2026, 1, 5))
        assert kept == expected, (city, ratio)
        assert f"¥{share_kept / 100:,.2f}" in line.explanation          # the 60% share, shown among the others
