"""签收申诉: the sheet of the results workbook where HR records, from the employees' replies, who
signed for their payslip and who disputes a line of it (ABS-11: an employee has the right to appeal a
penalty). The next run reads it back: open disputes of earlier months go to 预警, and
``ecomdept diff`` lists the disputes of both months it compares.

A month that is run again keeps what HR already wrote: the rows are carried into the new workbook.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

SHEET = "签收申诉"
HEADERS = ("工号", "姓名", "签收", "签收日期", "申诉项目", "申诉说明", "处理结果")
CLAUSE = "ABS-11"
YES = {"是", "已签收", "签收", "y", "yes", "true", "1", "√", "✓"}
LOOKBACK_MONTHS = 12  # open disputes of this many earlier months are listed in 预警


@dataclass(frozen=True)
class Entry:
    month: str
    row: int  # the Excel row
    employee_id: str
    name: str
    signed: bool
    signed_text: str  # as HR wrote it (是 / 否 / 已签收 …)
    signed_on: str
    item: str
    note: str
    resolution: str

    @property
    def disputed(self) -> bool:
        return bool(self.item or self.note)

    def describe(self) -> str:
        what = f"「{self.item}」" if self.item else ""
        text = f"{self.employee_id} {self.name} 对 {self.month} 工资条{what}提出申诉"
        if self.note:
            text += f"：{self.note}"
        return text + (f"（处理结果：{self.resolution}）" if self.resolution else "（尚未处理）")


def results_path(out_dir: Path, month: str) -> Path:
    return Path(out_dir) / month / f"工资表_{month}.xlsx"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d")
    return " ".join(str(value).split())


class Unreadable(Exception):
    """The results workbook HR saved cannot be read (or lost its 签收申诉 sheet)."""


def read(path: Path, month: str, strict: bool = False) -> list[Entry]:
    """The sheet's rows with something filled in. An absent workbook has none; an unreadable one, or
    one without the sheet, has none too, or raises ``Unreadable`` when ``strict``."""
    from python_calamine import CalamineWorkbook

    if not Path(path).exists():
        return []
    try:
        book = CalamineWorkbook.from_path(str(path))
        if SHEET not in book.sheet_names:
            if strict:
                raise Unreadable(f"{path.name} 里没有「{SHEET}」表")
            return []
        rows = book.get_sheet_by_name(SHEET).to_python(skip_empty_area=False)
    except Unreadable:
        raise
    except Exception as exc:  # noqa: BLE001 — a results workbook HR broke is not a reason to stop a run
        if strict:
            raise Unreadable(f"{path.name} 无法读取（{type(exc).__name__}）") from None
        return []
    header = next((i for i, row in enumerate(rows) if [_text(v) for v in row[:2]] == list(HEADERS[:2])), None)
    if header is None:
        if strict:
            raise Unreadable(f"{path.name} 的「{SHEET}」表找不到表头「工号、姓名」")
        return []
    found = []
    for index, row in enumerate(rows[header + 1:], start=header + 2):
        cells = [_text(v) for v in list(row) + [None] * (len(HEADERS) - len(row))]
        employee, name, signed, signed_on, item, note, resolution = cells[:len(HEADERS)]
        if not employee:
            continue
        found.append(Entry(month, index, employee, name, signed.lower() in YES, signed, signed_on, item, note,
                           resolution))
    return found


def carried(out_dir: Path, month: str) -> dict[str, list[str]]:
    """What HR wrote in the month's current results workbook, to keep when the month is run again."""
    return {e.employee_id: [e.employee_id, e.name, e.signed_text, e.signed_on, e.item, e.note, e.resolution]
            for e in read(results_path(out_dir, month), month)
            if e.signed_text or e.signed_on or e.item or e.note or e.resolution}


def disputes(out_dir: Path, month: str) -> list[Entry]:
    return [e for e in read(results_path(out_dir, month), month) if e.disputed]


def maybe_filled(out_dir: Path, month: str) -> bool:
    """Whether the month's sheet can hold anything: HR saved the workbook after the run (it is newer
    than run.json, written last), or the run carried rows in. Saves reading untouched workbooks."""
    import json

    book, info = results_path(out_dir, month), Path(out_dir) / month / "run.json"
    if not book.exists():
        return False
    try:
        if book.stat().st_mtime <= info.stat().st_mtime:
            return bool(json.loads(info.read_text(encoding="utf-8")).get("signoff_carried"))
    except (OSError, ValueError):
        pass
    return True


def earlier_months(label: str, count: int = LOOKBACK_MONTHS) -> list[str]:
    year, month = int(label[:4]), int(label[5:7])
    out = []
    for _ in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        out.append(f"{year:04d}-{month:02d}")
    return out


def open_disputes(out_dir: Path, label: str) -> tuple[list[Entry], list[str]]:
    """Disputes of the months before ``label`` (up to a year back) that have no 处理结果 yet, and the
    previous month's resolved ones (so the next run shows what was decided); and the months whose
    workbook HR saved but that cannot be read (said in 预警, so no dispute vanishes unseen)."""
    found, unreadable = [], []
    for index, month in enumerate(earlier_months(label)):
        if not maybe_filled(out_dir, month):
            continue
        try:
            entries = read(results_path(out_dir, month), month, strict=True)
        except Unreadable as exc:
            unreadable.append(f"{month}：{exc}")
            continue
        found += [e for e in entries if e.disputed and (not e.resolution or index == 0)]
    return found, unreadable


def write_sheet(w, result, kept: dict[str, list[str]] | None = None) -> None:
    """One row per employee paid this month, with what HR wrote before (a re-run) filled in."""
    kept = kept or {}
    rows = []
    for pay in result.pays:
        rows.append(kept.get(pay.employee_id) or [pay.employee_id, pay.name, "", "", "", "", ""])
    known = {pay.employee_id for pay in result.pays}
    rows += [row for emp, row in sorted(kept.items()) if emp not in known]  # not paid any more: kept, not lost
    columns = [("工号", "text", 9), ("姓名", "text", 8), ("签收", "text", 6), ("签收日期", "text", 11),
               ("申诉项目", "text", 14), ("申诉说明", "wrap", 36), ("处理结果", "wrap", 24)]
    ws = w.table(SHEET, columns, rows, title=f"{result.label} 工资条签收与申诉（由人事根据员工回复填写；下次计算时读取）")
    last = max(len(rows), 1) + 2
    ws.data_validation(3, 2, last + 200, 2, {"validate": "list", "source": ["是", "否"], "ignore_blank": True})
    labels = sorted({line.label for pay in result.pays for line in pay.lines})
    if labels and sum(len(x) + 1 for x in labels) < 250:  # Excel's limit for a list typed in the rule
        ws.data_validation(3, 4, last + 200, 4, {"validate": "list", "source": labels, "ignore_blank": True,
                                                 "error_type": "information",
                                                 "error_message": "可以写工资条上的项目名，也可以写别的"})
