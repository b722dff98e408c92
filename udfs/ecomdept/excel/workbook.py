"""The workbook adapter: the CLI's pipeline reading and writing an open Excel book.

Anything shaped like an xlwings ``Book`` works — the real one in Excel, ``FileBook`` in tests. This
module never imports xlwings: it only uses the Book's attributes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ecomdept.core.calendar import parse_month
from ecomdept.inputs.schema import INPUT_SHEETS, README_SHEET
from ecomdept.inputs.workbook_io import Workbook, load

RESULT_PREFIX = "结果-"
IMPORT_ISSUES_SHEET = "导入问题"
INPUT_NAMES = {sheet.name for sheet in INPUT_SHEETS} | {README_SHEET, "xlwings.conf"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MONTH_LABEL = "计算月份"


class BookSource:
    """SheetSource over an open Book: ``used_range.options(ndim=2, err_to_str=True).value`` — Excel
    error values arrive as their text (#DIV/0!) and are reported as formula errors."""

    def __init__(self, book):
        self.book = book

    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.book.sheets]

    def rows(self, name: str) -> list[list[object]]:
        values = self.book.sheets[name].used_range.options(ndim=2, err_to_str=True).value or []
        return [["" if v is None else v for v in row] for row in values]


def read(book) -> Workbook:
    loaded = load(BookSource(book), Path(book.fullname) if getattr(book, "fullname", None) else None)
    return loaded


def month_of(book, default: dt.date | None = None) -> str:
    """The 计算月份 cell on the 说明 sheet (label in column A, month in B); else the month the punches are
    in (as ``ecomdept payroll`` without --month); else last month."""
    return month_from(BookSource(book), default)


def month_from(source, default: dt.date | None = None) -> str:
    """``month_of`` over any SheetSource (an open book, or a snapshot of one)."""
    rows = source.rows(README_SHEET) if README_SHEET in source.sheet_names() else []
    found = readme_month(rows)
    if found:
        return found
    from ecomdept.inputs.schema import PUNCHES
    from ecomdept.inputs.workbook_io import read_sheet, sheet_rows
    from ecomdept.run.period import punch_month

    try:
        sheets, _ = sheet_rows(source, {PUNCHES.id})
        punches = read_sheet(PUNCHES, sheets.get(PUNCHES.id), []) if PUNCHES.id in sheets else None
    except Exception:  # noqa: BLE001 — an unreadable 打卡 sheet is reported by the run itself
        punches = None
    hit = punch_month(punches["punched_at"], default or dt.date.today()) if punches is not None and len(punches) else None
    return hit[0] if hit else last_month(default)


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


def excel_value(value: object) -> object:
    """What is written into a cell: text Excel would run as a formula gets the apostrophe prefix
    (Excel keeps it out of the value: 「-小明」 stays 「-小明」), fen stay with the caller."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _excel_rows(rows: list[list[object]]) -> list[list[object]]:
    return [[excel_value(v) for v in row] for row in rows]


def replace_sheet(book, name: str, rows: list[list[object]]) -> None:
    """Write a sheet the tool owns (prefix 结果-, or 导入问题); input sheets are never touched."""
    if not (name.startswith(RESULT_PREFIX) or name == IMPORT_ISSUES_SHEET) or name in INPUT_NAMES:
        raise ValueError(f"只能写入以「{RESULT_PREFIX}」开头的结果表：{name}")
    names = [s.name for s in book.sheets]
    if name in names:
        sheet = book.sheets[name]
        sheet.clear()
    else:
        sheet = book.sheets.add(name, after=book.sheets[len(names) - 1])
    if rows:
        sheet.range("A1").value = _excel_rows(rows)


def write_rows(book, name: str, first_row: int, rows: list[list[object]]) -> None:
    """Write rows into an input sheet from Excel row ``first_row`` on (the import buttons only)."""
    if rows:
        book.sheets[name].range((first_row, 1)).value = _excel_rows(rows)


def extend_table(book, name: str, header_row: int, last_row: int, width: int) -> None:
    """Grow the sheet's Excel table (ListObject) over rows written below it; books without tables
    (a plain range, a test double) need nothing."""
    sheet = book.sheets[name]
    tables = getattr(sheet, "tables", None)
    if not tables:
        return
    for table in tables:
        top = table.range.row
        if top == header_row:
            table.resize(sheet.range((header_row, 1), (max(last_row, header_row + 1), max(width, 1))))
            return


def save_backup(book) -> Path:
    """A dated copy of the book beside it, taken before an import changes it (Excel's SaveCopyAs:
    unsaved edits included, the open book keeps its name)."""
    source = Path(book.fullname)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = source.with_name(f"{source.stem}.备份-{stamp}{source.suffix}")
    number = 1
    while target.exists():
        number += 1
        target = source.with_name(f"{source.stem}.备份-{stamp}-{number}{source.suffix}")
    saver = getattr(book, "save_copy_as", None)
    if saver is not None:
        saver(target)
    else:
        book.api.SaveCopyAs(str(target))
    return target


def ask_files(book, title: str, file_filter: str) -> list[Path]:
    """Excel's own file dialog (Application.GetOpenFilename, several files at once); [] if cancelled."""
    chooser = getattr(book.app, "choose_files", None)  # the test double answers for the user
    if chooser is not None:
        return [Path(p) for p in chooser(title, file_filter)]
    picked = book.app.api.GetOpenFilename(file_filter, 1, title, None, True)
    if picked in (False, None, "False"):
        return []
    if isinstance(picked, str):
        return [Path(picked)]
    return [Path(p) for p in picked]


def alert(book, message: str, title: str = "ecomdept") -> None:
    """A message box in Excel."""
    app = getattr(book, "app", None)
    if app is not None and hasattr(app, "alert"):
        app.alert(message, title=title)


def confirm(book, message: str, title: str = "ecomdept") -> bool:
    """A 确定/取消 dialog in Excel (xlwings App.alert with buttons="ok_cancel"); True for 确定."""
    app = getattr(book, "app", None)
    if app is None or not hasattr(app, "alert"):
        return False
    return app.alert(message, title=title, buttons="ok_cancel") == "ok"


def ask_text(book, prompt: str, title: str = "ecomdept", default: str = "") -> str | None:
    """Excel's input box (Application.InputBox, text); None when the user cancels or types nothing."""
    app = getattr(book, "app", None)
    if app is None:
        return None
    if hasattr(app, "ask"):  # the test double answers for the user
        answer = app.ask(prompt, title, default)
    else:
        answer = app.api.InputBox(prompt, title, default, None, None, None, None, 2)
    if answer in (False, None, "False"):
        return None
    text = " ".join(str(answer).split())
    return text or None


def status(book, message: str | None) -> None:
    """Excel's status bar (False restores Excel's own text)."""
    app = getattr(book, "app", None)
    if app is not None:
        app.status_bar = message if message else False
