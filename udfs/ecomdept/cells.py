"""Cell parsers: one Excel cell value (as calamine or Excel hands it over) → a typed value.

Each parser raises ValueError with a short Chinese message saying what was expected; the reader
turns that into an Issue naming sheet, row and column.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal

from .money import to_decimal, yuan_to_fen

EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATETIME_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*[T ]?\s*(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:\.\d+)?)?秒?$")
_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "×", "无"}


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and value != value)


def normalize_text(value: str) -> str:
    """Full-width digits, letters and spaces → half-width; trims; keeps Chinese as it is."""
    return unicodedata.normalize("NFKC", value).strip()


def normalize_header(value: object) -> str:
    return re.sub(r"\s+", "", normalize_text(str(value))) if not is_blank(value) else ""


def parse_text(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return normalize_text(str(value))


def parse_int(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("应为整数")
    number = to_decimal(normalize_text(value) if isinstance(value, str) else value)
    if number != number.to_integral_value():
        raise ValueError("应为整数")
    return int(number)


def parse_number(value: object) -> Decimal:
    if isinstance(value, (bool, dt.date, dt.time, dt.timedelta)):
        raise ValueError("应为数字")
    return to_decimal(normalize_text(value) if isinstance(value, str) else value)


def parse_money(value: object) -> int:
    if isinstance(value, (bool, dt.date, dt.time, dt.timedelta)):
        raise ValueError("应为金额（数字，单位元）")
    try:
        fen = yuan_to_fen(normalize_text(value) if isinstance(value, str) else value)
    except ValueError:
        raise ValueError("应为金额（数字，单位元，如 8000 或 8,000.00）") from None
    if abs(fen) >= 10**12:  # ten billion yuan: a typo, not a wage
        raise ValueError("金额超出合理范围")
    return fen


def _serial(value: float) -> dt.datetime:
    if not 1 <= value < 2958466:
        raise ValueError("日期序号超出范围")
    return EXCEL_EPOCH + dt.timedelta(days=float(value))


def parse_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(float(value)).date()
    text = normalize_text(str(value))
    match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if match:
        try:
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise ValueError("应为日期，如 2026-10-08")


def whole_second(stamp: dt.datetime) -> dt.datetime:
    """Excel stores times as fractions of a day; conversions leave microsecond noise: round it off."""
    base = stamp.replace(microsecond=0)
    return base + dt.timedelta(seconds=1) if stamp.microsecond >= 500000 else base


def parse_datetime(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return whole_second(value)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        stamp = _serial(float(value))
        return stamp.replace(microsecond=0) + dt.timedelta(seconds=round(stamp.microsecond / 10**6))
    text = normalize_text(str(value))
    match = _DATETIME_RE.match(text)
    if match:
        parts = [int(p) if p else 0 for p in match.groups()]
        try:
            return dt.datetime(*parts)
        except ValueError:
            pass
    try:
        return dt.datetime.combine(parse_date(text), dt.time())
    except ValueError:
        raise ValueError("应为日期时间，如 2026-10-08 08:29:00") from None


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = normalize_text(str(parse_text(value))).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError("应为 是 或 否")


def parse_rate(value: object) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("应为比例，如 7% 或 0.07")
    text = normalize_text(str(value)) if isinstance(value, str) else value
    try:
        if isinstance(text, str) and text.endswith("%"):
            number = to_decimal(text[:-1]) / 100
        else:
            number = to_decimal(text)
    except ValueError:
        raise ValueError("应为比例，如 7% 或 0.07") from None
    if not 0 <= number <= 1:
        raise ValueError("比例应在 0 到 100% 之间，写作 7% 或 0.07")
    return number


def parse_month(value: object) -> str:
    if isinstance(value, (dt.datetime, dt.date)):
        return f"{value.year:04d}-{value.month:02d}"
    text = normalize_text(str(value))
    match = _MONTH_RE.match(text)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12:
            return f"{year:04d}-{month:02d}"
    raise ValueError("应为月份，如 2026-10")


def make_enum(choices: tuple[str, ...]):
    def parse_enum(value: object) -> str:
        text = re.sub(r"\s+", "", parse_text(value))
        if text not in choices:
            raise ValueError("应为下拉选项之一：" + "、".join(choices))
        return text
    return parse_enum


PARSERS = {
    "text": parse_text, "int": parse_int, "money": parse_money, "date": parse_date,
    "datetime": parse_datetime, "bool": parse_bool, "rate": parse_rate, "month": parse_month,
    "number": parse_number,
}


def parser_for(column) -> callable:
    if column.kind == "enum":
        return make_enum(column.choices)
    return PARSERS[column.kind]


def check_id_number(text: str) -> bool:
    """Mainland resident ID: 18 characters with the GB 11643 check digit."""
    return bool(re.fullmatch(r"\d{17}[\dXx]", text)) and id_check_digit(text[:17]) == text[17].upper()


def id_check_digit(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]
