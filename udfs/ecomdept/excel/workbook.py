"""The workbook adapter: the CLI's pipeline reading and writing an open Excel book.

Anything shaped like an xlwings ``Book`` works — the real one in Excel, ``FileBook`` in tests. This
module never imports xlwings: it only uses the Book's attributes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..calendar import parse_month
from ..schema import INPUT_SHEETS, README_SHEET
from ..workbook_io import Workbook, load

RESULT_PREFIX = "结果-"
INPUT_NAMES = {sheet.name for sheet in INPUT_SHEETS} | {README_SHEET, "xlwings.conf"}
MONTH_LABEL = "计算月份"


class BookSource:
    """SheetSource over an open Book: ``book.sheets[name].used_range.options(ndim=2).value``."""

    def __init__(self, book):
        self.book = book

    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.book.sheets]

    def rows(self, name: str) -> list[list[object]]:
        values = self.book.sheets[name].used_range.options(ndim=2).value or []
        return [["" if v is None else v for v in row] for row in values]


def read(book) -> Workbook:
    loaded = load(BookSource(book), Path(book.fullname) if getattr(book, "fullname", None) else None)
    return loaded


def month_of(book, default: dt.date | None = None) -> str:
    """The 计算月份 cell on the 说明 sheet (label in column A, month in B); else last month."""
    rows = BookSource(book).rows(README_SHEET) if README_SHEET in [s.name for s in book.sheets] else []
    return readme_month(rows) or last_month(default)


def readme_month(rows: list[list[object]]) -> str | None:
    """计算月份 in the first rows of a 说明 sheet, or None when it has none."""
    for row in rows[:20]:
        if row and str(row[0]).strip() == MONTH_LABEL and len(row) > 1 and row[1] not in ("", None):
            return normalize_month(row[1])
    return None


def last_month(today: dt.date | None = None) -> str:
    first = (today or dt.date.today()).replace(day=1) - dt.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def normalize_month(value: object) -> str:
    """What Excel hands over for a month: '2026-10', a date, or a datetime."""
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    year, month = parse_month(str(value).strip())
    return f"{year:04d}-{month:02d}"


def replace_sheet(book, name: str, rows: list[list[object]]) -> None:
    """Write a result sheet the tool owns (prefix 结果-); input sheets are never touched."""
    if not name.startswith(RESULT_PREFIX) or name in INPUT_NAMES:
        raise ValueError(f"只能写入以「{RESULT_PREFIX}」开头的结果表：{name}")
    names = [s.name for s in book.sheets]
    if name in names:
        sheet = book.sheets[name]
        sheet.clear()
    else:
        sheet = book.sheets.add(name, after=book.sheets[len(names) - 1])
    if rows:
        sheet.range("A1").value = rows


def status(book, message: str | None) -> None:
    """Excel's status bar (False restores Excel's own text)."""
    app = getattr(book, "app", None)
    if app is not None:
        app.status_bar = message if message else False
