"""Social insurance and housing fund against the city's published figures (data/cities/*.json)."""

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from ecomdept.inputs import rules as rules_mod
from ecomdept.pay.payroll import hf_explanation
from ecomdept.pay.social_insurance import contributions, table_checks
from ecomdept.core.statutory import city_table


def test_base_clamped_to_floor_and_cap_by_effective_date():
    rules = rules_mod.defaults()
    june = city_table("shanghai", dt.date(2025, 6, 1))
    july = city_table("shanghai", dt.date(2025, 7, 1))
    assert june.effective_from == "2024-07-01" and july.effective_from == "2025-07-01"
    low = contributions(500000, Decimal("0.07"), rules, july)
    assert low.base == 746000 and low.pension == 59680 and low.medical == 14920 and low.unemployment == 3730
    high = contributions(5000000, Decimal("0.07"), rules, june)
    assert high.base == 3692100 and "上限" in high.note


def test_shanghai_housing_fund_floor_is_the_minimum_wage():
    """上海市住房公积金管理委员会 2025 年度通知：缴存基数下限为本市月最低工资标准 2,740 元（SI 的下限是 7,460）."""
    october = city_table("shanghai", dt.date(2025, 10, 1))
    rules = rules_mod.defaults()
    assert contributions(500000, Decimal("0.07"), rules, october).housing_fund == 35000   # 5,000 × 7% = 350.00
    low = contributions(200000, Decimal("0.07"), rules, october)                         # below the floor
    assert low.hf_base == 274000 and low.housing_fund == 19200                           # 2,740 × 7% = 191.8 → 192
    assert contributions(500000, Decimal("0.07"), rules, city_table("shanghai", dt.date(2024, 10, 1))).hf_base == 500000
    assert city_table("shanghai", dt.date(2024, 9, 1)).hf_floor == 2690


def test_housing_fund_is_rounded_once_from_the_exact_product():
    c = contributions(746422, Decimal("0.07"), rules_mod.defaults(), city_table("shanghai", dt.date(2025, 10, 1)))
    assert c.housing_fund == 52200              # 7,464.22 × 7% = 522.4954 → 522 (two roundings gave 523)
    text = hf_explanation(c, city_table("shanghai", dt.date(2025, 10, 1)))
    assert "× 7% = 522.4954 元" in text and "¥522.00" in text


def test_a_june_2024_run_has_its_table():
    june = city_table("shanghai", dt.date(2024, 6, 1))
    assert june.effective_from == "2023-07-01" and (june.si_floor, june.si_cap) == (7310, 36549)
    assert june.minimum_wage == 2690


def test_rates_outside_the_basic_range_and_old_tables_are_warned():
    city = city_table("shanghai", dt.date(2026, 10, 1))
    staff = pd.DataFrame({"employee_id": ["E1", "E2"], "hf_rate": [Decimal("0.12"), Decimal("0.07")], "xl_row": [2, 3]})
    issues = table_checks(city, staff, rules_mod.defaults(), dt.date(2026, 10, 1))
    assert [i.row for i in issues if i.field == "hf_rate"] == [2]
    assert "补充公积金" in issues[-1].message
    old = table_checks(city, staff.iloc[1:], rules_mod.defaults(), dt.date(2026, 8, 1))
    assert len(old) == 1 and "data/cities/shanghai.json" in old[0].message and "13 个月" in old[0].message
    assert not table_checks(city, staff.iloc[1:], rules_mod.defaults(), dt.date(2026, 7, 1))


def test_employer_shares():
    c = contributions(1000000, Decimal("0.07"), rules_mod.defaults(), city_table("shanghai", dt.date(2026, 1, 1)))
    assert c.employer == {"pension": 160000, "medical": 90000, "unemployment": 5000, "injury": 2000,
                          "housing_fund": 70000}
