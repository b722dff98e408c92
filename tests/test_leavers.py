"""经济补偿 and its tax, computed by hand (劳动合同法第四十七条, 财税〔2018〕164号第五条第一项).

Shanghai's local average monthly wage from 2025-07-01 is 12,434 (data/average_wages.json): the wage cap
is 3 × 12,434 = 37,302 a month, the tax-free part 12,434 × 12 × 3 = 447,624."""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction

import pytest

from ecomdept.close import leavers

D = dt.date
SHANGHAI = leavers.local_wage("shanghai", D(2026, 9, 30))


def yuan(amount: int | float) -> int:
    return round(amount * 100)


def test_the_local_wage_is_versioned():
    assert SHANGHAI.monthly == yuan(12434) and SHANGHAI.effective_from == "2025-07-01"
    assert leavers.local_wage("shanghai", D(2025, 6, 30)).monthly == yuan(12307)
    with pytest.raises(leavers.AverageWageMissing):
        leavers.local_wage("shanghai", D(2023, 1, 1))


@pytest.mark.parametrize("start, last, expected", [
    (D(2021, 7, 1), D(2026, 9, 30), Fraction(11, 2)),   # 5 years 3 months → 5.5
    (D(2018, 3, 15), D(2026, 10, 20), Fraction(9)),      # 8 years 7 months → 9
    (D(2011, 10, 1), D(2026, 9, 30), Fraction(15)),      # exactly 15 years
    (D(2026, 6, 10), D(2026, 9, 30), Fraction(1, 2)),    # 3 months 21 days → half a month
    (D(2025, 10, 1), D(2026, 3, 31), Fraction(1)),       # exactly 6 months → a year
    (D(2025, 10, 1), D(2026, 3, 30), Fraction(1, 2)),    # one day short of 6 months
])
def test_months_owed(start, last, expected):
    assert leavers.months_owed(start, last)[0] == expected


def check_text(settlement):
    """Every amount printed with a × is the product of the figures printed."""
    for label, amount, text in settlement.lines:
        for a, b, c in re.findall(r"¥([\d,]+\.\d\d) × ([\d.]+) = ¥([\d,]+\.\d\d)", text):
            value = lambda s: float(s.replace(",", ""))
            assert round(value(a) * float(b), 2) == value(c), text


def test_below_the_cap_under_twelve_years_tax_free():
    s = leavers.settle("E1", "协商解除", D(2021, 7, 1), D(2026, 9, 30), (yuan(10000), "月平均工资 ¥10,000.00"), SHANGHAI)
    assert (s.months, s.wage, s.compensation, s.tax, s.excess) == (Fraction(11, 2), yuan(10000), yuan(55000), 0, 0)
    check_text(s)


def test_above_the_cap_under_twelve_years():
    s = leavers.settle("E2", "经济性裁员", D(2018, 3, 15), D(2026, 10, 20), (yuan(40000), "月平均工资 ¥40,000.00"),
                       SHANGHAI)
    assert s.wage == yuan(37302) and s.months == 9 and s.compensation == yuan(335718) and s.tax == 0
    check_text(s)


def test_above_the_cap_over_twelve_years_with_notice_pay_taxed_alone():
    s = leavers.settle("E3", "无过失辞退", D(2011, 10, 1), D(2026, 9, 30), (yuan(50000), "月平均工资 ¥50,000.00"),
                       SHANGHAI, notice_pay_wage=yuan(50000))
    assert s.months == 12 and s.wage == yuan(37302) and s.compensation == yuan(447624)
    assert s.notice_pay == yuan(50000) and s.excess == yuan(50000)
    assert s.tax == yuan(50000 * 0.10 - 2520) == yuan(2480)  # annual table: 36,000–144,000 at 10%, 速算 2,520
    assert s.net == yuan(447624 + 50000 - 2480)
    check_text(s)


def test_below_the_cap_over_twelve_years_is_not_capped_and_the_excess_is_taxed():
    s = leavers.settle("E4", "合同到期不续签", D(2010, 1, 1), D(2026, 10, 31), (yuan(30000), "月平均工资 ¥30,000.00"),
                       SHANGHAI)
    assert s.months == 17 and s.compensation == yuan(510000)
    assert s.excess == yuan(510000 - 447624) == yuan(62376)
    assert s.tax == yuan(62376 * 0.10 - 2520) == yuan(3717.60)
    check_text(s)


def test_a_leaver_settled_in_a_real_run(tmp_path):
    """Three months paid, then the leaver goes on 2026-10-31 by 协商解除 with 代通知金: 经济补偿 on the average
    of the months paid before (overtime included), its tax alone, in payroll.csv, the bank list and 离职结算."""
    import csv

    import openpyxl

    from ecomdept.inputs.master_workbook import write_master
    from ecomdept.inputs.schema import EMPLOYEES
    from ecomdept.run import sample
    from ecomdept.run.pipeline import run_payroll

    columns = [c.id for c in EMPLOYEES.columns]
    data = sample.build(3, "2026-07", months=4, orders_per_employee=1)
    emp = next(r for r in data["员工"] if r[0] == "E0002")
    emp[columns.index("hire_date")] = D(2022, 3, 1)
    data["工资台账"] = []  # the history is the three runs alone
    out = tmp_path / "out"
    early = write_master(tmp_path / "before.xlsx", data)
    for month in ("2026-07", "2026-08", "2026-09"):
        assert run_payroll(early, month, out, pdf=False, show_progress=False).code == 0
    emp[columns.index("leave_date")] = D(2026, 10, 31)
    emp[columns.index("leave_reason")] = "协商解除"
    emp[columns.index("notice_pay")] = "是"
    outcome = run_payroll(write_master(tmp_path / "leaving.xlsx", data), "2026-10", out, pdf=False,
                          show_progress=False)
    assert outcome.code == 0, outcome.message

    def paid(month):
        with open(out / month / "payroll.csv", encoding="utf-8-sig") as handle:
            return {r["employee_id"]: r for r in csv.DictReader(handle)}

    def fen(text):
        return round(float(text) * 100)

    earlier = [paid(m)["E0002"] for m in ("2026-07", "2026-08", "2026-09")]
    # payroll.csv's pay months: July's wages are paid in August, so the months paid before October's
    # pay month (November) are August, September and October's pay: the runs of 07, 08 and 09
    average = round(sum(fen(r["gross_pay"]) for r in earlier) / 3)
    n = Fraction(5)  # 2022-03-01 … 2026-10-31: 4 years 8 months, 8 ≥ 6 → 5 months
    compensation = round(average * n)
    notice = fen(earlier[-1]["gross_pay"])  # the wage of the month before
    row = paid("2026-10")["E0002"]
    assert fen(row["severance_pay"]) == compensation + notice
    assert fen(row["severance_iit"]) == 0  # far below 3 × 12,434 × 12
    assert fen(row["severance_net"]) == compensation + notice
    book = openpyxl.load_workbook(out / "2026-10" / "工资表_2026-10.xlsx")
    texts = [c.value for r in book["离职结算"].iter_rows() for c in r if isinstance(c.value, str)]
    assert any("协商解除" in t for t in texts) and any("免征个人所得税" in t for t in texts)
    bank = book["代发工资"]
    amounts = {r[0].value: r[3].value for r in bank.iter_rows(min_row=4) if r[0].value == "E0002"}
    assert round(amounts["E0002"] * 100) == fen(row["net_pay"]) + fen(row["carried_net"]) + compensation + notice
