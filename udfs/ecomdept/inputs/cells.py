"""Cell parsers: one Excel cell value (as calamine or Excel hands it over) → a typed value.

Each parser raises ValueError with a short Chinese message saying what was expected; the reader
turns that into an Issue naming sheet, row and column.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from decimal import Decimal

from ecomdept.core.money import to_decimal, yuan_to_fen

EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATETIME_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*[T ]?\s*(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:\.\d+)?)?秒?$")
_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
# what Excel shows for a formula that failed; a cell holding one is never data
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_SPACES = re.compile(r"\s+")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
# Excel keeps 15 significant digits: a number this large has lost the digits after them
EXACT_DIGITS_LIMIT = 10**15
FALSE_WORDS = {"否", "n", "no", "false", "0", "×", "无"}


class NumberStoredError(ValueError):
    """An identity code or a personal number that Excel holds as a number."""

    code = "number_as_text"


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and value != value)


def normalize_text(value: str) -> str:
    """Full-width digits, letters and spaces → half-width; drops zero-width characters; trims; keeps
    Chinese as it is."""
    return unicodedata.normalize("NFKC", value).translate(ZERO_WIDTH).strip()


def excel_error(value: object) -> str | None:
    """'#DIV/0!' (an Excel error value handed over as text) → '#DIV/0!'; anything else → None."""
    if isinstance(value, str) and ("#" in value[:3] or "＃" in value[:3]):
        text = normalize_text(value).upper()
        return text if text in EXCEL_ERRORS else None
    return None


def clean_code(value: str) -> str:
    """An identity code as typed: half-width, no whitespace or zero-width characters anywhere."""
    return _SPACES.sub("", normalize_text(value))


NUMBER_AS_TEXT_HINT = "请把该列单元格格式设为「文本」后重新输入完整号码（不能用 Excel 显示的数字改回）"


def parse_code(value: object) -> str:
    """工号, 考勤号, 单号, 订单编号: text. Excel turns a typed 1002 into the number 1002.0 — a whole
    number is read as '1002'; a fraction, or a number too large for Excel to keep every digit
    (≥ 10^15, shown as 6.2226613186091E+18), is refused: its digits are not the ones typed."""
    if isinstance(value, bool):
        raise ValueError("应为编号文本，不是 是/否")
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        raise ValueError("应为编号文本，Excel 把它存成了日期或时间：请把该列设为「文本」格式后重新输入")
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("应为编号文本")
        if abs(value) >= EXACT_DIGITS_LIMIT:
            raise NumberStoredError("编号被 Excel 存成了数字，超过 15 位的部分已经丢失。" + NUMBER_AS_TEXT_HINT)
        if value != int(value):
            raise NumberStoredError("编号是带小数的数字，不是编号：请把该列设为「文本」格式后重新输入")
        return str(int(value))
    text = clean_code(str(value))
    if _SCIENTIFIC.match(text):
        raise NumberStoredError("编号是科学计数法（Excel 把长数字存成了数字，末尾几位已经丢失）。" + NUMBER_AS_TEXT_HINT)
    return text


def parse_digits(value: object) -> str:
    """身份证号, 银行账号: only text can hold every digit. Any number here is refused — never a rounded
    account number, never a PDF password from the wrong digits."""
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.time, dt.timedelta)):
        raise ValueError("应为号码文本")
    if isinstance(value, (int, float)):
        raise NumberStoredError("号码被 Excel 存成了数字（超过 15 位的数字会变成 6.2226613186091E+18 这样的科学计数法，"
                         "末尾几位丢失）。" + NUMBER_AS_TEXT_HINT)
    text = clean_code(str(value))
    if _SCIENTIFIC.match(text):
        raise NumberStoredError("号码是科学计数法（末尾几位已经丢失）。" + NUMBER_AS_TEXT_HINT)
    return text.upper() if text[-1:] == "x" else text


def parse_raw(value: object) -> object:
    """A cell kept as Excel handed it over (numbers, times and dates keep their type), text trimmed."""
    return normalize_text(value) if isinstance(value, str) else value


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
    if isinstance(value, (bool, dt.date, dt.time, dt.timedelta)) or value is None:
        raise ValueError("应为整数")
    try:
        number = to_decimal(normalize_text(value) if isinstance(value, str) else value)
    except ValueError:
        raise ValueError("应为整数") from None
    if number != number.to_integral_value():
        raise ValueError("应为整数")
    return int(number)


def parse_number(value: object) -> Decimal:
    if isinstance(value, (bool, dt.date, dt.time, dt.timedelta)) or value is None:
        raise ValueError("应为数字")
    try:
        return to_decimal(normalize_text(value) if isinstance(value, str) else value)
    except ValueError:
        raise ValueError("应为数字") from None


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
        year, month, day = (int(part) for part in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise ValueError(no_such_day(year, month, day)) from None
    raise ValueError("应为日期，如 2026-10-08")


def no_such_day(year: int, month: int, day: int) -> str:
    """The message for a date that does not exist (2026-02-30), in place of Python's English."""
    if not 1 <= month <= 12:
        return f"日期不存在：没有 {month} 月（应为日期，如 2026-10-08）"
    if not 1 <= year <= 9999:
        return f"日期不存在：年份 {year} 不对（应为日期，如 2026-10-08）"
    last = calendar.monthrange(year, month)[1]
    return f"日期不存在：{year} 年 {month} 月只有 {last} 天，没有 {day} 日（应为日期，如 2026-10-08）"


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
            dt.date(*parts[:3])
        except ValueError:
            raise ValueError(no_such_day(*parts[:3])) from None
        try:
            return dt.datetime(*parts)
        except ValueError:
            raise ValueError(f"时间不存在：{parts[3]:02d}:{parts[4]:02d}:{parts[5]:02d}（时 0–23，分、秒 0–59）") from None
    try:
        return dt.datetime.combine(parse_date(text), dt.time())
    except ValueError as exc:
        if str(exc).startswith("日期不存在"):
            raise
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
        raise ValueError(rate_hint(number))
    return number


def rate_hint(number: Decimal) -> str:
    """The message for a rate outside 0–1: 8 most likely meant 8%."""
    text = "比例应在 0 到 1 之间（或写作百分数）"
    if 1 < number <= 100:
        shown = format(number.normalize(), "f")
        times100, div100 = format((number * 100).normalize(), "f"), format((number / 100).normalize(), "f")
        return f"{text}：{shown} 即 {times100}%；如指 {shown}%，请写 {div100} 或 {shown}%"
    return text + "，如 0.07 或 7%"


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
    "code": parse_code, "digits": parse_digits, "raw": parse_raw,
    "text": parse_text, "int": parse_int, "money": parse_money, "date": parse_date,
    "datetime": parse_datetime, "bool": parse_bool, "rate": parse_rate, "month": parse_month,
    "number": parse_number,
}


def parser_for(column) -> callable:
    if getattr(column, "parse", ""):
        return PARSERS[column.parse]
    if column.kind == "enum":
        return make_enum(column.choices)
    return PARSERS[column.kind]


def check_id_number(text: str) -> bool:
    """Mainland resident ID: 18 characters with the GB 11643 check digit."""
    return bool(re.fullmatch(r"\d{17}[\dXx]", text)) and id_check_digit(text[:17]) == text[17].upper()


def id_check_digit(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]
