"""Working calendar: chinese-calendar, the statutory-day data file, and the 节假日 sheet's overrides.

For a year chinese-calendar does not know (it raises for 2027 today) the calendar falls back to
Monday–Friday plus the 节假日 sheet and records a warning, never a crash.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

import chinese_calendar

from ecomdept.core.issues import WARNING, Issue
from ecomdept.core.statutory import statutory_days

WORKDAY, RESTDAY, HOLIDAY = "workday", "restday", "holiday"
KIND_LABEL = {WORKDAY: "工作日", RESTDAY: "休息日", HOLIDAY: "法定节假日"}
SHEET_KIND = {"工作日": WORKDAY, "休息日": RESTDAY, "法定节假日": HOLIDAY}


def month_dates(year: int, month: int) -> list[dt.date]:
    """Every date of the month, in order (a new list: callers may keep or change it)."""
    return list(_month_dates(year, month))


@lru_cache(maxsize=256)
def _month_dates(year: int, month: int) -> tuple[dt.date, ...]:
    day = dt.date(year, month, 1)
    days = []
    while day.month == month:
        days.append(day)
        day += dt.timedelta(days=1)
    return tuple(days)


_MONTH_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


def parse_month(text: str) -> tuple[int, int]:
    """'2026-10' (or 2026/10, 2026年10月, full-width digits) → (2026, 10); raises ValueError with a
    Chinese message saying what was wrong."""
    shown = str(text).strip()
    match = _MONTH_TEXT.match(unicodedata.normalize("NFKC", shown))
    if not match:
        raise ValueError(f"月份应写作 YYYY-MM，如 2026-10（收到「{shown}」）")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"月份应写作 YYYY-MM，如 2026-10（收到「{shown}」：没有 {month} 月）")
    if not 1900 <= year <= 2200:
        raise ValueError(f"月份应写作 YYYY-MM，如 2026-10（收到「{shown}」：年份 {year} 不合理）")
    return year, month


class WorkCalendar:
    def __init__(self, overrides: dict[dt.date, tuple[str, str]] | None = None):
        self.overrides = dict(overrides or {})
        self.issues: list[Issue] = []
        self._warned: set[tuple[str, int]] = set()
        self._statutory = statutory_days()

    def _warn(self, what: str, year: int, message: str) -> None:
        if (what, year) not in self._warned:
            self._warned.add((what, year))
            self.issues.append(Issue("节假日", None, None, message, WARNING))

    @lru_cache(maxsize=4096)
    def kind(self, day: dt.date) -> str:
        if day in self.overrides:
            return self.overrides[day][0]
        if day in self._statutory.get(day.year, ()):
            return HOLIDAY
        if day.year not in self._statutory:
            self._warn("statutory", day.year,
                       f"{day.year} 年的法定节假日（300% 加班日）不在内置数据中：请在「节假日」表中填写类型为「法定节假日」的日期")
        try:
            return WORKDAY if chinese_calendar.is_workday(day) else RESTDAY
        except NotImplementedError:
            self._warn("calendar", day.year,
                       f"chinese-calendar 不含 {day.year} 年的放假安排：按周一至周五上班并以「节假日」表为准，"
                       "请在「节假日」表中补充该年的放假与调休日期")
            return WORKDAY if day.weekday() < 5 else RESTDAY

    def is_workday(self, day: dt.date) -> bool:
        return self.kind(day) == WORKDAY

    def name(self, day: dt.date) -> str:
        if day in self.overrides and self.overrides[day][1]:
            return self.overrides[day][1]
        try:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            return ""
        return _HOLIDAY_NAMES.get(name, name or "") if on_holiday or name else ""

    def workdays(self, year: int, month: int) -> list[dt.date]:
        return [day for day in month_dates(year, month) if self.is_workday(day)]

    def previous_workday(self, day: dt.date) -> dt.date:
        while not self.is_workday(day):
            day -= dt.timedelta(days=1)
        return day

    def next_workday(self, day: dt.date) -> dt.date:
        while not self.is_workday(day):
            day += dt.timedelta(days=1)
        return day


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
