from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecomdept.core.money import fmt_yuan, mul_round, plain_yuan, round_half_up, round_to_yuan, yuan_to_fen


@pytest.mark.parametrize("value, fen", [
    ("8000", 800000), (8000.5, 800050), ("¥8,000.005", 800001), ("1,234.564", 123456), (0.1 + 0.2, 30),
    ("-0.005", -1), (Decimal("7.125"), 713),
])
def test_yuan_to_fen(value, fen):
    assert yuan_to_fen(value) == fen


def test_round_half_up_is_symmetric():
    assert round_half_up(Fraction(5, 2)) == 3
    assert round_half_up(Fraction(-5, 2)) == -3
    assert round_half_up(Fraction(7, 3)) == 2


def test_helpers():
    assert mul_round(746000, Decimal("0.07")) == 52220
    assert round_to_yuan(52220) == 52200
    assert round_to_yuan(52250) == 52300
    assert fmt_yuan(123456789) == "¥1,234,567.89"
    assert fmt_yuan(-5) == "-¥0.05"
    assert plain_yuan(-123) == "-1.23"


def test_bad_money():
    with pytest.raises(ValueError):
        yuan_to_fen("八千")


@given(st.integers(-10**12, 10**12), st.lists(st.one_of(
    st.integers(-1000, 1000), st.decimals(-1000, 1000, places=6, allow_nan=False, allow_infinity=False),
    st.fractions(min_value=-1000, max_value=1000, max_denominator=10**6)), max_size=3))
def test_mul_round_is_the_exact_product_rounded_half_away_from_zero(fen, factors):
    exact = Fraction(fen)
    for factor in factors:
        exact *= Fraction(factor)
    whole, rest = divmod(abs(exact.numerator), exact.denominator)
    expected = (whole + (2 * rest >= exact.denominator)) * (-1 if exact < 0 else 1)
    assert mul_round(fen, *factors) == expected == round_half_up(exact)
