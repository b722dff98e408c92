"""What every importer shares: kept rows, folded duplicates, rejected lines (with line number and
reason) written to a rejects file beside the output, and one summary line."""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from .master_workbook import write_master
from .privacy import safe_text


NUL_RUN = re.compile("\x00+")


@dataclass
class Reject:
    file: str
    line: int
    reason: str
    content: str


@dataclass
class ImportResult:
    sheet: str
    rows: list[list] = field(default_factory=list)
    duplicates: int = 0
    rejects: list[Reject] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def reject(self, file: str | Path, line: int, reason: str, content: object) -> None:
        text = content if isinstance(content, str) else repr(content)
        text = NUL_RUN.sub(lambda m: f"⟨{len(m.group(0))} 个 NUL 字节⟩", text)
        self.rejects.append(Reject(Path(file).name, line, reason, text[:200]))

    def summary(self, what: str, rejects_path: Path | None) -> str:
        where = f"（明细见 {rejects_path}）" if self.rejects and rejects_path else ""
        extra = "；" + "；".join(self.notes) if self.notes else ""
        return (f"{what}导入：保留 {len(self.rows):,} 行，合并重复 {self.duplicates:,} 行，"
                f"拒绝 {len(self.rejects):,} 行{where}{extra}")


def rejects_path_for(out: Path) -> Path:
    return out.with_name(out.stem + ".rejects.csv")


def write(result: ImportResult, out: Path) -> Path:
    """Write OUT.xlsx (sheet-ready rows) and OUT.rejects.csv (always, so an empty one says 'none')."""
    write_master(out, {result.sheet: result.rows}, only_given=True)
    path = rejects_path_for(out)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["文件", "行号", "原因", "内容"])
        for r in result.rejects:
            writer.writerow([r.file, r.line, r.reason, safe_text(r.content)])
    return path


@dataclass
class Merge:
    """Imported rows placed into a sheet that already has rows: which rows to append (in the sheet's
    column order), which existing rows to overwrite (Excel row number → row), how many were there."""

    header_row: int                      # Excel row number of the header
    columns: list[str]                   # field id per sheet column (None for columns of the user's own)
    appended: list[list] = field(default_factory=list)
    updated: dict[int, list] = field(default_factory=dict)
    present: int = 0
    missing: list[str] = field(default_factory=list)

    first_free: int = 0                  # Excel row number where appended rows start
    header: list[str] | None = None      # the header to write first (the sheet was empty)


def _punch_key(get) -> tuple | None:
    when, clock, emp = get("punched_at"), get("clock_id"), get("employee_id")
    if when is None or not (clock or emp):
        return None
    return ("考勤号", clock, when) if clock else ("工号", emp, when)


def _order_key(get) -> tuple | None:
    order = get("order_id")
    return ("订单", order) if order else None


# how an imported row is recognised in the sheet, and what happens to a row already there
MERGE_RULES = {"打卡": (_punch_key, "keep"), "订单": (_order_key, "replace")}


def merge_into(sheet, existing: list[list[object]], imported: list[list[object]]) -> Merge:
    """Place ``imported`` (rows in the schema's column order) into a sheet's existing raw rows:
    punches already there (same 考勤号 or 工号 and second) are not added again; an order already
    there (same 订单编号) is overwritten with the newer export; everything else is appended."""
    from .cells import parser_for, whole_second
    from .workbook_io import _find_header

    key_of, policy = MERGE_RULES[sheet.name]
    existing = [row for row in existing]
    header_index, positions = _find_header(existing, sheet) if existing else (0, {})
    header = None
    if not positions:
        if any(v not in (None, "") for row in existing for v in row):
            raise ValueError(f"「{sheet.name}」表找不到表头（{'、'.join(c.header for c in sheet.columns[:3])}……），未导入")
        header_index, positions = 0, {col.id: i for i, col in enumerate(sheet.columns)}
        header = [col.header for col in sheet.columns]  # an empty sheet gets the schema's header
        existing = [header]
    width = max([len(existing[header_index]), max(positions.values()) + 1])
    columns: list[str | None] = [None] * width
    for field_id, pos in positions.items():
        columns[pos] = field_id
    merge = Merge(header_index + 1, columns, header=header)
    merge.missing = [col.header for col in sheet.columns if col.id not in positions]
    parsers = {col.id: parser_for(col) for col in sheet.columns}
    order = [col.id for col in sheet.columns]

    def existing_key(row):
        def get(field_id):
            pos = positions.get(field_id)
            value = row[pos] if pos is not None and pos < len(row) else None
            if value in (None, ""):
                return None
            try:
                value = parsers[field_id](value)
            except ValueError:
                return None
            return whole_second(value) if isinstance(value, dt.datetime) else value
        return key_of(get)

    where: dict[tuple, int] = {}
    last = header_index
    for index in range(header_index + 1, len(existing)):
        row = existing[index]
        if any(v not in (None, "") for v in row):
            last = index
            key = existing_key(row)
            if key is not None:
                where.setdefault(key, index + 1)
    merge.present = len(where)
    appended_at = last + 2  # Excel row number after the last row with content
    for values in imported:
        by_id = dict(zip(order, values))
        key = key_of(by_id.get)
        row = [by_id.get(c) if c else None for c in columns]
        if key is not None and key in where:
            if policy == "replace":
                merge.updated[where[key]] = row
            continue
        if key is not None:
            where[key] = appended_at + len(merge.appended)
        merge.appended.append(row)
    merge.first_free = appended_at
    return merge
