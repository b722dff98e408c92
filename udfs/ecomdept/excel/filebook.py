"""A stand-in for an xlwings ``Book`` backed by a workbook file, with just the attributes the adapter
uses. Tests drive the UDFs and buttons through it exactly as Excel would drive them through xlwings."""

from __future__ import annotations

from pathlib import Path

from python_calamine import CalamineWorkbook


def _as_stored(value):
    """Excel keeps a leading apostrophe out of the cell's value (it only marks text)."""
    return value[1:] if isinstance(value, str) and value.startswith("'") else value


class _Range:
    def __init__(self, sheet: "_Sheet", row: int = 1, column: int = 1):
        self.sheet, self.row, self.column = sheet, row, column

    def options(self, ndim: int = 2, **_) -> "_Range":
        return self

    @property
    def value(self):
        return [list(row) for row in self.sheet.cells] or None

    @value.setter
    def value(self, rows) -> None:
        if (self.row, self.column) == (1, 1):
            self.sheet.cells = [[_as_stored(v) for v in row] for row in rows]
            return
        cells = self.sheet.cells
        for offset, row in enumerate(rows):
            index = self.row - 1 + offset
            while len(cells) <= index:
                cells.append([])
            target = cells[index]
            end = self.column - 1 + len(row)
            if len(target) < end:
                target.extend([None] * (end - len(target)))
            target[self.column - 1:end] = [_as_stored(v) for v in row]


class _Sheet:
    def __init__(self, book: "FileBook", name: str, cells: list[list]):
        self.book, self.name, self.cells = book, name, cells

    @property
    def used_range(self) -> _Range:
        return _Range(self)

    def range(self, address) -> _Range:
        """"A1" or a (row, column) tuple, as in xlwings."""
        if address == "A1":
            return _Range(self)
        if isinstance(address, tuple) and len(address) == 2:
            return _Range(self, *address)
        raise NotImplementedError("FileBook writes from A1 or a (row, column) cell")

    def clear(self) -> None:
        self.cells = []


class _Sheets(list):
    def __init__(self, book: "FileBook"):
        super().__init__()
        self.book = book

    def __getitem__(self, key):
        if isinstance(key, str):
            for sheet in self:
                if sheet.name == key:
                    return sheet
            raise KeyError(key)
        return super().__getitem__(key)

    def add(self, name: str, after=None) -> _Sheet:
        sheet = _Sheet(self.book, name, [])
        self.append(sheet)
        return sheet


class _App:
    def __init__(self):
        self.status_bar = False
        self.status_history: list = []
        self.alerts: list[str] = []
        self.choose_files = None  # tests set a function (title, filter) → paths: the file dialog
        self.answer = "ok"  # what the user clicks in a dialog with buttons (ok/cancel, yes/no)
        self.typed: list = []  # what the user types into the input boxes, in order (None: 取消)

    def alert(self, prompt: str, title: str = "", buttons: str = "ok", **_) -> str:
        self.alerts.append(prompt)
        return "ok" if buttons == "ok" else self.answer

    def ask(self, prompt: str, title: str = "", default: str = "") -> str | None:
        self.alerts.append(prompt)
        return self.typed.pop(0) if self.typed else None

    def __setattr__(self, key, value):
        if key == "status_bar" and hasattr(self, "status_history"):
            self.status_history.append(value)
        object.__setattr__(self, key, value)


class FileBook:
    def __init__(self, path: str | Path):
        self.fullname = str(Path(path).resolve())
        self.name = Path(path).name
        self.app = _App()
        self.sheets = _Sheets(self)
        self.copies: list[Path] = []
        book = CalamineWorkbook.from_path(self.fullname)
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            self.sheets.append(_Sheet(self, name, [[None if v == "" else v for v in row] for row in rows]))


    def save_copy_as(self, path: str | Path) -> None:
        """Excel's SaveCopyAs: the file as it is (this double keeps edits in memory only)."""
        import shutil

        shutil.copyfile(self.fullname, path)
        self.copies.append(Path(path))


class Caller:
    """What xlwings passes as ``caller`` to a UDF: a Range whose ``.sheet.book`` is the calling book
    and whose ``address`` names the formula cell (None: a caller that does not say which cell)."""

    def __init__(self, book, address: str | None = None, sheet: int | str = 0):
        self.sheet = book.sheets[sheet]
        self.address = address
