"""What the ED_ worksheet functions read from the calling book: once per 数据版本.

The data functions (ED_NET_PAY, ED_PENALTY, ED_KPI, ED_PAYROLL, ED_WORKDAYS, ED_IS_WORKDAY) take the
book's 数据版本 cell (the name ED_DATA_VERSION on 说明) as their last argument and are not volatile:
Excel calls one again only when one of its arguments changed. The book's ThisWorkbook module
(ecomdept/workbook/vba/ThisWorkbook.cls) gives that cell a new value whenever an input sheet or 说明
is edited and when the book is opened, and never gives the same value to different data. So an edit
anywhere else calls no data function, and an input edit calls each of them once, with a new version.

Per open book, this keeps what belongs to its current version only (``Version``):

- **the sheets read**, each at most once per version — the first call that needs a sheet reads it,
  in one read of its used range;
- **what was computed from them**: the month's result per month, the calendar, the lookup by 工号.

A call with the version already seen reads nothing and computes nothing. A call with a new version
starts from nothing: the old version's sheets and results are dropped. No timer, and no guess about
which calls belong to one recalculation, decides whether data is fresh: the version does.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from ecomdept.inputs.cells import normalize_header
from ecomdept.inputs.schema import INPUT_SHEETS, README_SHEET

BOOKS_KEPT = 4     # open books whose current version is kept
COUNTS = {"reads": 0, "sheets_read": 0, "read_seconds": 0.0}  # for tests and scripts/bench.py

_NAMES = {sheet.id: normalize_header(sheet.name) for sheet in INPUT_SHEETS}


def book_key(book) -> str:
    return str(getattr(book, "fullname", None) or getattr(book, "name", None) or id(book))


class Snapshot:
    """A SheetSource over the sheets read at one version (``sheet_names`` lists every sheet of the book;
    ``rows`` of a sheet not read is empty)."""

    def __init__(self, names: list[str], values: dict[str, list[list[object]]]):
        self.names, self.values = names, values

    def sheet_names(self) -> list[str]:
        return list(self.names)

    def rows(self, name: str) -> list[list[object]]:
        return [list(row) for row in self.values.get(name, [])]


def _read_sheet(book, name: str) -> list[list[object]]:
    rows = book.sheets[name].used_range.options(ndim=2, err_to_str=True).value or []
    return [["" if v is None else v for v in row] for row in rows]


class Version:
    """One book at one 数据版本: the sheets read so far and the values computed from them."""

    def __init__(self, key: tuple):
        self.key = key
        self.names: list[str] | None = None
        self.values: dict[str, list[list[object]]] = {}
        self.memo: dict[object, object] = {}

    def snapshot(self, book, sheet_ids: frozenset[str]) -> Snapshot:
        """The sheets for ``sheet_ids`` (and 说明), reading only those not read at this version yet."""
        if self.names is None:
            self.names = [sheet.name for sheet in book.sheets]
        wanted = {_NAMES[i] for i in sheet_ids} | {normalize_header(README_SHEET)}
        missing = [n for n in self.names if normalize_header(n) in wanted and n not in self.values]
        tick = time.perf_counter()
        for name in missing:
            self.values[name] = _read_sheet(book, name)
        if missing:
            COUNTS["reads"] += 1
            COUNTS["sheets_read"] += len(missing)
            COUNTS["read_seconds"] += time.perf_counter() - tick
        return Snapshot(self.names, self.values)

    def value(self, key, compute):
        """``compute()`` once at this version; a data problem (ValueError, LookupError) is kept and raised
        again on every later call, as the value would be returned."""
        if key not in self.memo:
            try:
                self.memo[key] = compute()
            except (ValueError, LookupError) as exc:
                self.memo[key] = exc
        found = self.memo[key]
        if isinstance(found, (ValueError, LookupError)):
            raise found
        return found


class Recalculation:
    """The current ``Version`` of every open book (the last ``BOOKS_KEPT`` books called from)."""

    def __init__(self):
        self._books: OrderedDict[str, Version] = OrderedDict()

    def clear(self) -> None:
        self._books.clear()

    def version(self, book, version) -> Version:
        name = book_key(book)
        key = (version,)
        state = self._books.get(name)
        if state is None or state.key != key:
            state = self._books[name] = Version(key)
        self._books.move_to_end(name)
        while len(self._books) > BOOKS_KEPT:
            self._books.popitem(last=False)
        return state
