import datetime as dt
from decimal import Decimal

from ecomdept import rules as rules_mod
from ecomdept.social_insurance import contributions
from ecomdept.statutory import city_table


def test_base_clamped_to_floor_and_cap_by_effective_date():
    rules = rules_mod.defaults()
    june = city_table("shanghai", dt.date(2025, 6, 1))
    july = city_table("shanghai", dt.date(2025, 7, 1))
    assert june.effective_from == "2024-07-01" and july.effective_from == "2025-07-01"
    low = contributions(500000, Decimal("0.07"), rules, july)
    assert low.base == 746000 and low.pension == 59680 and low.medical == 14920 and low.unemployment == 3730
    assert low.housing_fund == 52200            # 522.20 → 522 (Shanghai rounds to the yuan)
    high = contributions(5000000, Decimal("0.07"), rules, june)
    assert high.base == 3692100 and "上限" in high.note


def test_employer_shares():
    c = contributions(1000000, Decimal("0.07"), rules_mod.defaults(), city_table("shanghai", dt.date(2026, 1, 1)))
    assert c.employer == {"pension": 160000, "medical": 90000, "unemployment": 5000, "injury": 2000,
                          "housing_fund": 70000}
