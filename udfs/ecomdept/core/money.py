"""Money is integer fen. One rounding rule for the whole engine: half-up to the fen."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

Number = int | Decimal | Fraction


def round_half_up(value: Number) -> int:
    """Round an exact number to the nearest integer, halves away from zero."""
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return int(value.to_integral_value(rounding=ROUND_HALF_UP))
    return _half_up(*_ratio(value))


def _ratio(value: Number) -> tuple[int, int]:
    """numerator, denominator (> 0) of an exact number, without building a Fraction."""
    if isinstance(value, int):
        return value, 1
    if isinstance(value, Decimal):
        return value.as_integer_ratio()
    frac = Fraction(value)
    return frac.numerator, frac.denominator


def _half_up(numerator: int, denominator: int) -> int:
    whole, rest = divmod(abs(numerator), denominator)
    if rest * 2 >= denominator:
        whole += 1
    return -whole if numerator < 0 else whole


def to_decimal(value: object) -> Decimal:
    """An exact Decimal from a cell value (int, float as written, str with ¥ and commas)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError("布尔值不是金额")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # Excel stores numbers as doubles; repr gives the shortest string that round-trips.
        number = Decimal(repr(value))
    else:
        text = str(value).strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
        text = text.replace("元", "").strip()
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(f"不是数字：{value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"不是有限的数字：{value!r}")
    return number


def yuan_to_fen(value: object) -> int:
    """Yuan (cell value) → integer fen, half-up."""
    return round_half_up(to_decimal(value) * 100)


def fen_to_decimal(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def fen_to_float(fen: int) -> float:
    return float(fen_to_decimal(fen))


def fmt_yuan(fen: int) -> str:
    """¥1,234.56 (negative as -¥12.00)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def plain_yuan(fen: int) -> str:
    """1234.56 — for CSV files."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def _product(fen: int, factors) -> tuple[int, int]:
    numerator, denominator = fen, 1
    for factor in factors:
        n, d = _ratio(factor)
        numerator *= n
        denominator *= d
    return numerator, denominator


def mul_round(fen: int, *factors: Number) -> int:
    """fen × factors, computed exactly, rounded once."""
    return _half_up(*_product(fen, factors))


def mul_round_yuan(fen: int, *factors: Number) -> int:
    """fen × factors, computed exactly, rounded once half-up to a whole yuan (in fen)."""
    numerator, denominator = _product(fen, factors)
    return _half_up(numerator, denominator * 100) * 100


def round_to_yuan(fen: int) -> int:
    """Half-up to a whole yuan, still in fen (Shanghai housing fund)."""
    return round_half_up(Fraction(fen, 100)) * 100


def as_shown(value: Number, places: int) -> Decimal:
    """A computed factor rounded half-up to the decimals it is printed with: amounts are then
    computed from the factor as printed, so a reader's calculator agrees to the fen."""
    numerator, denominator = _ratio(value)
    scaled = _half_up(numerator * 10**places, denominator)
    return Decimal(scaled).scaleb(-places)


def percent(rate: Number | float) -> str:
    """0.07 → '7%', 0.005 → '0.5%' (exact: no float noise, no trailing zeros)."""
    value = (Decimal(str(rate)) * 100).normalize()
    return f"{value:f}%"
