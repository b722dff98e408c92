"""What the ED_ worksheet functions read from the calling book: once per recalculation, fingerprinted.

The data functions (ED_NET_PAY, ED_PENALTY, ED_KPI, ED_PAYROLL, ED_WORKDAYS, ED_IS_WORKDAY) are
volatile: Excel calls every one of them on every recalculation (an edit anywhere, F9). Reading the
input sheets is the expensive part of a call, and computing the month the more expensive one, so:

- **One read per recalculation.** A recalculation is one pass over the formula cells. A call from a
  cell that was already evaluated in the current pass, a call more than ``PASS_GAP`` seconds after
  the previous call ended, or a call whose cell cannot be identified starts a new pass: the sheets
  are read again. Inside a pass the snapshot read by its first call is shared.
- **Results keyed by a fingerprint of what was read.** A snapshot carries a digest of every value
  of every sheet it read; a month is computed once per (book, digest, month). A new pass over
  unchanged data reuses the result; any changed cell gives a new digest and a new computation. No
  timer ever decides that data is still fresh.
"""

from __future__ import annotations

import hashlib
import pickle
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from ecomdept.inputs.cells import normalize_header
from ecomdept.inputs.schema import INPUT_SHEETS, README_SHEET
from ecomdept.inputs.workbook_io import ALL_SHEETS

PASS_GAP = 1.0  # seconds of quiet between two recalculations (a person edits, or presses F9)
RESULTS_KEPT = 8
COUNTS = {"reads": 0, "runs": 0}

_NAMES = {sheet.id: normalize_header(sheet.name) for sheet in INPUT_SHEETS}


@dataclass
class Snapshot:
    """A SheetSource over the values read from a book in one go, with their digest."""

    names: list[str]
    values: dict[str, list[list[object]]]
    digest: str

    def sheet_names(self) -> list[str]:
        return list(self.names)

    def rows(self, name: str) -> list[list[object]]:
        return [list(row) for row in self.values.get(name, [])]


def read_snapshot(book, sheet_ids: frozenset[str] = ALL_SHEETS) -> Snapshot:
    """Every value of the book's sheets for ``sheet_ids`` (and 说明), in one read per sheet."""
    wanted = {_NAMES[i] for i in sheet_ids} | {normalize_header(README_SHEET)}
    names = [sheet.name for sheet in book.sheets]
    values: dict[str, list[list[object]]] = {}
    digest = hashlib.blake2b(digest_size=16)
    for name in names:
        if normalize_header(name) not in wanted:
            continue
        rows = book.sheets[name].used_range.options(ndim=2, err_to_str=True).value or []
        rows = [["" if v is None else v for v in row] for row in rows]
        values[name] = rows
        digest.update(name.encode("utf-8"))
        digest.update(pickle.dumps(rows, protocol=5))
    COUNTS["reads"] += 1
    return Snapshot(names, values, digest.hexdigest())


def book_key(book) -> str:
    return str(getattr(book, "fullname", None) or getattr(book, "name", None) or id(book))


def cell_key(caller) -> tuple | None:
    """Which cell called: (sheet, address), or None when the caller does not say."""
    if caller is None:
        return None
    try:
        address = caller.address
        sheet = caller.sheet.name
    except Exception:  # a caller without an address (a test double, VBA) cannot be told apart
        return None
    if not isinstance(address, str):
        return None
    return sheet, address


@dataclass
class _Pass:
    cells: set = field(default_factory=set)
    ended: float = 0.0
    snapshots: dict[frozenset, Snapshot] = field(default_factory=dict)


class Recalculation:
    """Snapshots per recalculation pass and month results per fingerprint, for every open book."""

    def __init__(self, gap: float = PASS_GAP):
        self.gap = gap
        self._passes: dict[str, _Pass] = {}
        self._results: OrderedDict[tuple, object] = OrderedDict()

    def clear(self) -> None:
        self._passes.clear()
        self._results.clear()

    def begin(self, book, caller) -> _Pass:
        """The pass this call belongs to: the current one, or a new one."""
        key = book_key(book)
        state = self._passes.get(key)
        cell = cell_key(caller)
        now = time.monotonic()
        if state is None or cell is None or cell in state.cells or now - state.ended > self.gap:
            state = self._passes[key] = _Pass()
        if cell is not None:
            state.cells.add(cell)
        return state

    def end(self, state: _Pass) -> None:
        state.ended = time.monotonic()

    def snapshot(self, state: _Pass, book, sheet_ids: frozenset[str]) -> Snapshot:
        snap = state.snapshots.get(sheet_ids)
        if snap is None:
            snap = state.snapshots[sheet_ids] = read_snapshot(book, sheet_ids)
        return snap

    def result(self, book, snap: Snapshot, what: str, compute):
        """``compute()`` once per (book, fingerprint, what); exceptions are kept as results."""
        key = (book_key(book), snap.digest, what)
        if key in self._results:
            self._results.move_to_end(key)
            return self._results[key]
        COUNTS["runs"] += 1
        try:
            value = compute()
        except (ValueError, LookupError) as exc:
            value = exc
        self._results[key] = value
        while len(self._results) > RESULTS_KEPT:
            self._results.popitem(last=False)
        return value
