"""A stand-in for an xlwings ``Book`` backed by a workbook file, with just the attributes the adapter
uses. Tests drive the UDFs and buttons through it exactly as Excel would drive them through xlwings."""

from __future__ import annotations

from pathlib import Path

from python_calamine import CalamineWorkbook


class _Range:
    def __init__(self, sheet: "_Sheet"):
        self.sheet = sheet

    def options(self, ndim: int = 2) -> "_Range":
        return self

    @property
    def value(self):
        return [list(row) for row in self.sheet.cells] or None

    @value.setter
    def value(self, rows) -> None:
        self.sheet.cells = [list(row) for row in rows]


class _Sheet:
    def __init__(self, book: "FileBook", name: str, cells: list[list]):
        self.book, self.name, self.cells = book, name, cells

    @property
    def used_range(self) -> _Range:
        return _Range(self)

    def range(self, address: str) -> _Range:
        if address != "A1":
            raise NotImplementedError("FileBook only writes from A1")
        return _Range(self)

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
        book = CalamineWorkbook.from_path(self.fullname)
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            self.sheets.append(_Sheet(self, name, [[None if v == "" else v for v in row] for row in rows]))


class Caller:
    """What xlwings passes as ``caller`` to a UDF: a Range whose ``.sheet.book`` is the calling book."""

    def __init__(self, book):
        self.sheet = book.sheets[0]
