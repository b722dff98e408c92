"""The writer every sheet of the results workbook goes through: typed cells, formats, print setup.

A column has a *kind* and the kind decides both the value written and its number format: money is
fen in the engine and ¥ yuan in the cell, minutes become hours, seconds of the day an Excel time,
ISO dates Excel dates. Text a spreadsheet would evaluate stays text (Excel's quote prefix). Every
sheet prints: A4, landscape when wide, one page wide, header rows (and 工号/姓名) repeated on every
page, the month in the page header and 「第 N 页，共 M 页」 in the footer.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from ecomdept.core.privacy import formula_like

NUMBER_FORMATS = {
    "money": "¥#,##0.00", "int": "0", "pct": "0.0%", "rate": "0.00%", "hours": "0.0#", "num1": "0.0",
    "num2": "0.00", "num3": "0.000", "num4": "0.0000", "ratio": "0.0#", "date": "yyyy-mm-dd", "time": "hh:mm:ss",
    "clock": "hh:mm", "month": "yyyy-mm", "nextday": '"次日 "hh:mm:ss',
}
WRAP = "wrap"              # long text: wrapped, top-aligned
A4 = 9
LANDSCAPE_WIDTH = 95       # column width units beyond which a sheet prints landscape
SIGN_OFF = "制表：　　　　审核：　　　　批准：　　　　"
SIGN_DATE = "日期：　　　　年　　月　　日"
RELEASE_PREFIX = "发放状态："
APPROVAL_ROLES = ("审核", "批准")


def release_roles(rule: str | None) -> tuple[str, ...]:
    """The approvals 规则 release_roles asks for before money is paid (审核+批准 / 批准 / 无)."""
    text = (rule or "审核+批准").strip()
    return () if text in ("无", "none", "") else tuple(role for role in APPROVAL_ROLES if role in text)


def release_line(missing: tuple[str, ...], required: tuple[str, ...]) -> str:
    """The 发放状态 line of the lists money is paid from (``ecomdept approve`` rewrites it)."""
    if not required:
        return RELEASE_PREFIX + "规则不要求审批"
    if not missing:
        return RELEASE_PREFIX + "已批准，可据此发放"
    return RELEASE_PREFIX + f"未批准，不得据此发放（须 {'、'.join(missing)}；用 ecomdept approve 登记）"


def _none(value) -> bool:
    return value is None or (isinstance(value, str) and not value) or (isinstance(value, float) and value != value)


def _date(value):
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value  # text such as 「上月」 where a line has no day
    return value


CONVERT = {
    "money": lambda v: v / 100,                                 # fen → yuan
    "hours": lambda v: round(int(v) / 60, 2),                   # minutes → hours
    "time": lambda v: int(v) / 86400,                           # seconds of the day → Excel time
    "nextday": lambda v: (int(v) - 86400) / 86400,              # a night shift's punch after midnight
    "int": int,
    "date": _date, "month": _date,
    "text": str, WRAP: str,
}


def punch_time(seconds) -> tuple[object, str]:
    """A punch as seconds from the start of the shift's day, for a ``typed`` column: the time, or
    「次日 02:05:00」 for the hours after midnight of a night shift."""
    return seconds, "nextday" if not _none(seconds) and seconds >= 86400 else "time"


def convert(kind: str, value):
    """A value as written for a column of ``kind``; None (an empty cell) only when there is no value."""
    if _none(value):
        return None
    return CONVERT.get(kind, float)(value)


def text_width(text: str) -> float:
    """Width in column units (a CJK character is two)."""
    return sum(2.1 if ord(ch) > 0x2E7F else 1.1 for ch in text)


LABEL_WIDTH_CAP = 40  # a text column grows to its longest value up to this; longer text is wrapped or cut


def fitted_width(declared: float, texts) -> float:
    """A text column's width: the declared one, or wide enough for its longest value (and no wider
    than LABEL_WIDTH_CAP), so a printed label is never cut short by the next cell."""
    longest = max((text_width(str(t)) for t in set(texts) if t is not None), default=0)
    return max(declared, min(LABEL_WIDTH_CAP, round(longest + 1.5, 1)))


def wrapped_height(text: str, width: float) -> float | None:
    """Row height (points) for wrapped text in a column of ``width``, None for one line. Excel and
    LibreOffice keep the default height of a row written by XlsxWriter, so wrapped text would run into
    the rows below. Estimated from the UTF-8 length (a CJK character is three bytes, about 1.7 units)."""
    units = 0.4 * len(text.encode("utf-8")) + 0.5 * len(text)
    lines = -(-units // max(width - 1, 1))
    return 15 * lines + 1 if lines > 1 else None


def header_height(headers) -> float:
    """Row height (points) that shows every wrapped header of (text, column width) in full: Excel and
    LibreOffice do not grow a header row written by XlsxWriter."""
    lines = max((max(1, -(-text_width(text) // max(width - 0.8, 1))) for text, width in headers), default=1)
    return 15 * lines + 3


class _One(int):
    """1 that XlsxWriter writes: it leaves fitToWidth="1" out as the default value, and readers such as
    openpyxl then see no page width at all."""

    def __ne__(self, other) -> bool:
        return True


class Writer:
    def __init__(self, path: Path, label: str = ""):
        # not constant_memory: it loses all but the first merged group header of a row
        self.book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                                    "strings_to_numbers": False,
                                                    "tmpdir": str(Path(path).parent)})  # inside the run's folder
        self.label = label
        self._styles: dict = {}
        self._rows: dict = {}  # (kinds, properties) → the formats of a row's cells
        self.header = self.style(bold=True, bg_color="#DDEBF7", border=1, text_wrap=True, align="center",
                                 valign="vcenter")
        self.group = self.style(bold=True, bg_color="#BDD7EE", border=1, align="center", valign="vcenter")
        self.title = self.style(bold=True, font_size=14)
        self.bold = self.style(bold=True)

    # formats -------------------------------------------------------------------------------------
    def style(self, kind: str = "text", **props):
        """One cached format per (kind, properties); None for plain text without properties."""
        key = (kind, tuple(sorted(props.items())))
        if key not in self._styles:
            full = dict(props)
            if kind in NUMBER_FORMATS:
                full["num_format"] = NUMBER_FORMATS[kind]
            if kind == WRAP:
                full.update(text_wrap=True, valign="top")
            self._styles[key] = self.book.add_format(full) if full else None
        return self._styles[key]

    # cells ---------------------------------------------------------------------------------------
    def write_row(self, ws, r: int, values: list, col: int = 0) -> None:
        """Cells formatted by their column; text a spreadsheet would evaluate keeps Excel's quote prefix."""
        ws.write_row(r, col, values)
        for c, value in enumerate(values, start=col):
            if isinstance(value, str) and formula_like(value):
                ws.write_string(r, c, value, self.style(quote_prefix=True))

    def write_cells(self, ws, r: int, values: list, kinds: list[str], col: int = 0, **props) -> None:
        """Cells with their own formats (bordered tables), already converted values."""
        key = (tuple(kinds), tuple(sorted(props.items())))
        formats = self._rows.get(key)
        if formats is None:
            formats = self._rows[key] = [self.style(kind, **props) for kind in kinds]
        for c, (value, kind, fmt) in enumerate(zip(values, kinds, formats), start=col):
            if isinstance(value, str):
                if formula_like(value):
                    ws.write_string(r, c, value, self.style(kind, quote_prefix=True, **props))
                else:
                    ws.write_string(r, c, value, fmt)
            elif isinstance(value, (int, float)):
                ws.write_number(r, c, value, fmt)
            elif value is None:
                ws.write_blank(r, c, None, fmt)
            else:
                ws.write(r, c, value, fmt)

    def fit_row(self, ws, r: int, values: list, wraps: list[tuple[int, float]], least: float | None = None) -> None:
        """Tall enough for the wrapped columns ``wraps`` (index, width) of the row's values."""
        heights = [wrapped_height(values[c], width) for c, width in wraps if values[c]]
        height = max([h for h in heights if h] + ([least] if least else []), default=None)
        if height:
            ws.set_row(r, height)

    def sum_cell(self, ws, r: int, c: int, first: int, last: int, value, kind: str, **props) -> None:
        """=SUM over rows first..last (0-based) of column c, with its value cached for readers that do
        not calculate."""
        letter = xl_col_to_name(c)
        ws.write_formula(r, c, f"=SUM({letter}{first + 1}:{letter}{max(last, first) + 1})",
                         self.style(kind, bold=True, **props), value)

    def banner(self, ws, r: int, width: int, text: str, fmt=None) -> None:
        if width > 1:
            ws.merge_range(r, 0, r, width - 1, text, fmt or self.style(bold=True, font_size=14, align="center"))
        else:
            ws.write(r, 0, text, fmt or self.title)

    def sign_off(self, ws, r: int, width: int, release: str | None = None) -> int:
        """The 制表 / 审核 / 批准 line and a date line under a list that is signed on paper (and, on the
        lists money is paid from, whether the run is approved for it: ``ecomdept approve`` fills them in)."""
        fmt = self.style(font_size=12, valign="vcenter")
        lines = (SIGN_OFF, SIGN_DATE) + ((release,) if release else ())
        for offset, text in enumerate(lines):
            ws.set_row(r + offset, 28)
            if width > 1:
                ws.merge_range(r + offset, 0, r + offset, width - 1, text, fmt)
            else:
                ws.write(r + offset, 0, text, fmt)
        return r + len(lines)

    # print ---------------------------------------------------------------------------------------
    def page(self, ws, title: str, width: float, header_rows: tuple[int, int] | None = None,
             repeat_columns: int = 0, gridlines: bool = True, landscape: bool | None = None) -> None:
        """A4, one page wide, repeated header rows (and the first ``repeat_columns`` columns), the
        month in the page header and 「第 &P 页，共 &N 页」 in the footer."""
        ws.set_paper(A4)
        if landscape if landscape is not None else width > LANDSCAPE_WIDTH:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.fit_to_pages(1, 0)
        ws.fit_width = _One(1)
        if header_rows is not None:
            ws.repeat_rows(*header_rows)
        if repeat_columns:
            ws.repeat_columns(0, repeat_columns - 1)
        ws.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.7)
        text = title.replace("&", "&&")
        ws.set_header(f'&L电商部&C&"-,Bold"&12{text}', {"margin": 0.3})
        ws.set_footer("&L打印日期：&D&C第 &P 页，共 &N 页&R&A", {"margin": 0.3})
        ws.hide_gridlines(0 if gridlines else 1)
        ws.center_horizontally()

    # tables --------------------------------------------------------------------------------------
    def table(self, name: str, columns: list[tuple[str, str, float]], rows, title: str | None = None,
              totals: tuple[int, ...] = (), repeat_columns: int = 2, landscape: bool | None = None):
        """columns: (header, kind, width); rows: raw values, converted by the column's kind. Formats
        live on the columns (XlsxWriter gives them to the cells written without one), so each row goes
        in one call. A column of kind ``typed`` takes (value, kind) pairs, for a value whose unit
        changes from row to row. ``totals``: columns summed in a 合计 row under the table."""
        ws = self.book.add_worksheet(name)
        top = 0
        if title:
            ws.write(0, 0, title, self.title)
            top = 2
        for col, (header, kind, width) in enumerate(columns):
            ws.set_column(col, col, width, self.style(kind, valign="top"))
            ws.write(top, col, header, self.header)
        ws.set_row(top, header_height((header, width) for header, _, width in columns))
        kinds = [kind for _, kind, _ in columns]
        typed = [c for c, kind in enumerate(kinds) if kind == "typed"]
        wraps = [(c, width) for c, (_, kind, width) in enumerate(columns) if kind == WRAP]
        r = top
        sums = [0] * len(columns)
        labels = [c for c, kind in enumerate(kinds) if kind == "text"]
        seen: dict[int, set] = {c: set() for c in labels}
        for r, row in enumerate(rows, start=top + 1):
            values = [None if k == "typed" else convert(k, v) for k, v in zip(kinds, row)]
            for c in labels:
                seen[c].add(values[c])
            self.write_row(ws, r, values)
            self.fit_row(ws, r, values, wraps)
            for c in typed:
                value, kind = row[c]
                if not _none(value):
                    ws.write(r, c, convert(kind, value), self.style(kind, valign="top"))
            for c in totals:
                sums[c] += row[c] or 0
        ws.freeze_panes(top + 1, 0)
        ws.autofilter(top, 0, max(r, top), len(columns) - 1)
        if totals:
            ws.write(r + 1, 0, "合计", self.bold)
            for c in totals:
                self.sum_cell(ws, r + 1, c, top + 1, r, convert(kinds[c], sums[c]), kinds[c], top=1)
        widths = [width for _, _, width in columns]
        for c in labels:  # wide enough for the longest label it holds
            widths[c] = fitted_width(widths[c], seen[c])
            if widths[c] != columns[c][2]:
                ws.set_column(c, c, widths[c], self.style(kinds[c], valign="top"))
        repeat = repeat_columns if [h for h, _, _ in columns[:2]] == ["工号", "姓名"] else 0
        self.page(ws, f"{name} {self.label}".strip(), sum(widths), (top, top), repeat,
                  landscape=landscape)
        return ws
