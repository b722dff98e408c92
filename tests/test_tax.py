"""Cumulative withholding (STA 2018 No. 61). The worked examples are the State Taxation
Administration's own, from its interpretation of announcement 2018 No. 61
(《关于〈国家税务总局关于发布个人所得税扣缴申报管理办法（试行）的公告〉的解读》, 例一 and 例二)."""

import datetime as dt

import pytest

from ecomdept.pay import tax

ON = dt.date(2019, 1, 1)


def yearly(monthly_income, special, additional, months=12):
    withheld, out = 0, []
    for m in range(1, months + 1):
        iit = tax.withholding(monthly_income * m, 0, 500000 * m, special * m, additional * m, 0, withheld, on=ON)
        withheld += iit
        out.append(iit)
    return out


def test_sta_example_1_monthly_10000():
    # 每月应发 10,000，减除 5,000，三险一金 1,500，子女教育 1,000 → 每月 75 元
    assert yearly(1000000, 150000, 100000, 3) == [7500, 7500, 7500]


def test_sta_example_2_monthly_30000_crosses_bracket():
    # 每月 30,000，三险一金 4,500，专项附加 2,000：1 月 555，2 月 625，3 月 1,850
    assert yearly(3000000, 450000, 200000, 3) == [55500, 62500, 185000]


def test_bracket_bound_belongs_to_lower_band():
    assert tax.bracket_for(3600000, ON).rate * 100 == 3
    assert tax.tax_on(3600000, ON) == 108000
    assert tax.bracket_for(3600001, ON).rate * 100 == 10


def test_never_negative():
    assert tax.withholding(100000, 0, 500000, 0, 0, 0, 0, on=ON) == 0
    assert tax.withholding(1000000, 0, 500000, 0, 0, 0, 999999, on=ON) == 0


def test_basic_deduction_flags():
    assert tax.basic_deduction(7, 4, False, False, ON) == 2000000        # hired in April
    assert tax.basic_deduction(7, 4, True, False, ON) == 3500000         # STA 2020 No. 13
    assert tax.basic_deduction(3, 3, False, True, ON) == 6000000         # STA 2020 No. 19


@pytest.mark.parametrize("taxable_yuan, expected_yuan", [(0, 0), (36000, 1080), (144000, 11880), (300000, 43080),
                                                         (420000, 73080), (660000, 145080), (960000, 250080)])
def test_bracket_table(taxable_yuan, expected_yuan):
    assert tax.tax_on(taxable_yuan * 100, ON) == expected_yuan * 100
