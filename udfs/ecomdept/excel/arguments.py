"""What Excel hands a worksheet function, checked: each helper returns a typed value or raises
ValueError with a short Chinese message that ends up in the cell.

Excel passes numbers as floats, blank cells as None, dates as datetimes (or as date serial numbers
when a formula such as DATE() is passed directly), and — because every argument is declared with
``err_to_str`` — error values as their text (``#N/A``). Without it xlwings turns errors into None,
which would read as a blank cell, i.e. 0.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from ecomdept.core.calendar import parse_month
from ecomdept.inputs.cells import parse_date
from ecomdept.core.money import yuan_to_fen

EXCEL_ERRORS = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!",
                "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"}
# Excel's COM error codes, in case a value arrives unconverted (xlwings maps them with err_to_str)
COM_ERRORS = {-2146826281: "#DIV/0!", -2146826246: "#N/A", -2146826259: "#NAME?", -2146826288: "#NULL!",
              -2146826252: "#NUM!", -2146826265: "#REF!", -2146826273: "#VALUE!"}
MAX_YUAN = 10**12           # 一万亿元: anything larger is not a payroll figure
FIRST_YEAR, LAST_YEAR = 2000, 2099
SERIAL_FIRST, SERIAL_LAST = 36526, 73415  # Excel date serials of 2000-01-01 and 2100-12-31
_MONTH_TEXT = re.compile(r"^\s*(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*月?\s*$")


def check_error(value: object, name: str) -> None:
    if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
        raise ValueError(f"{name}是错误值 {value.strip().upper()}")
    if type(value) is int and value in COM_ERRORS:
        raise ValueError(f"{name}是错误值 {COM_ERRORS[value]}")


def _finite(value: float, name: str) -> float:
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"{name}不是有限的数字")
    return value


def amount_fen(value: object, name: str) -> int:
    """A non-negative amount in yuan → fen; blank is 0."""
    check_error(value, name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, bool):
        raise ValueError(f"{name}应为金额，不是 TRUE/FALSE")
    if isinstance(value, (dt.date, dt.time)):
        raise ValueError(f"{name}应为金额，不是日期或时间")
    if isinstance(value, float):
        _finite(value, name)
    try:
        fen = yuan_to_fen(value)
    except (ValueError, ArithmeticError):
        raise ValueError(f"{name}应为数字") from None
    if abs(fen) > MAX_YUAN * 100:
        raise ValueError(f"{name}超出范围（不超过 1 万亿元）")
    if fen < 0:
        raise ValueError(f"{name}不能为负数")
    return fen


def _check_year(year: int, month: int) -> str:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"月份超出范围（{FIRST_YEAR}-01 至 {LAST_YEAR}-12）：{year}-{month:02d}")
    return f"{year:04d}-{month:02d}"


def month_text(value: object, name: str = "月份") -> str:
    """'2026-10', '2026/10', '2026年10月', a date, or a date serial number → '2026-10'."""
    check_error(value, name)
    if isinstance(value, (dt.date, dt.datetime)):
        return _check_year(value.year, value.month)
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError(f"{name}应写作 YYYY-MM，如 2026-10")
    if isinstance(value, (int, float)):
        return _check_year(*_serial_month(value, name))
    match = _MONTH_TEXT.match(str(value))
    if match:
        text = f"{match.group(1)}-{match.group(2)}"
    else:
        text = str(value)
    try:
        year, month = parse_month(text)
    except ValueError:
        raise ValueError(f"{name}应写作 YYYY-MM，如 2026-10：{str(value)[:20]}") from None
    return _check_year(year, month)


def _serial_month(value: float, name: str) -> tuple[int, int]:
    day = date_value(value, name)
    return day.year, day.month


def date_value(value: object, name: str = "日期") -> dt.date:
    check_error(value, name)
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, bool) or value is None or value == "":
        raise ValueError(f"{name}应为日期，如 2026-10-08")
    elif isinstance(value, (int, float)):
        if isinstance(value, float):
            _finite(value, name)
        if not SERIAL_FIRST <= value <= SERIAL_LAST:
            raise ValueError(f"{name}超出范围（{FIRST_YEAR}–{LAST_YEAR} 年）")
        day = parse_date(float(value))
    else:
        try:
            day = parse_date(value)
        except ValueError:
            raise ValueError(f"{name}应为日期，如 2026-10-08") from None
    _check_year(day.year, day.month)
    return day


def time_value(value: object, name: str) -> dt.time:
    """A time of day: a time, a datetime, an Excel day fraction (or a date serial with a time), 'HH:MM'."""
    from ecomdept.inputs.rules import parse_time

    check_error(value, name)
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError(f"{name}应为时间，如 08:30")
    if isinstance(value, (int, float)):
        if isinstance(value, float):
            _finite(value, name)
        if 0 <= value < 1:
            return parse_time(float(value))
        if SERIAL_FIRST <= value <= SERIAL_LAST:
            return parse_time(float(value) % 1)
        raise ValueError(f"{name}应为时间，如 08:30")
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        raise ValueError(f"{name}应为时间，不是日期")
    try:
        return parse_time(value)
    except ValueError:
        raise ValueError(f"{name}应为时间，如 08:30") from None


def minutes_value(value: object, name: str) -> int:
    """A whole number of minutes, 0–1440; blank is 0."""
    check_error(value, name)
    if value is None or value == "":
        return 0
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.time)):
        raise ValueError(f"{name}应为分钟数")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}应为分钟数") from None
    _finite(number, name)
    if not number.is_integer() or not 0 <= number <= 1440:
        raise ValueError(f"{name}应为 0–1440 的整数分钟")
    return int(number)


def text_value(value: object, name: str) -> str:
    """An id typed into a cell: text, or a whole number Excel stored as a float (1002.0 → '1002')."""
    check_error(value, name)
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name}不能为空")
    if isinstance(value, float):
        _finite(value, name)
        if not value.is_integer() or abs(value) >= 1e15:
            raise ValueError(f"{name}应为文本")
        value = int(value)
    if isinstance(value, (dt.date, dt.time)):
        raise ValueError(f"{name}应为文本，不是日期")
    text = str(value).strip()
    if not text:
        raise ValueError(f"{name}不能为空")
    if len(text) > 64:
        raise ValueError(f"{name}过长")
    return text
