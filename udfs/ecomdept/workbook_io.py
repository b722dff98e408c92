"""Read and validate the master workbook once, at the edge.

A *source* is anything with ``sheet_names()`` and ``rows(name)`` (list of row lists): a file read
with python-calamine here, an open xlwings Book in ``ecomdept.excel``. Sheets become typed frames
(columns = English field ids, plus ``xl_row`` = Excel row number); every problem becomes an Issue.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from operator import itemgetter
from unicodedata import is_normalized
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from . import rules as rules_mod
from .calendar import SHEET_KIND, WorkCalendar
from .cells import check_id_number, normalize_header, parser_for, whole_second
from .issues import ERROR, WARNING, Issue, excel_column
from .privacy import mask_id
from .schema import ANNUAL_BONUS, BONUS, EMPLOYEES, EVENTS, INPUT_SHEETS, LEAVE, OVERTIME, PUNCHES, RULES, SCORES, Sheet

HEADER_SCAN_ROWS = 5
PRIVATE_FIELDS = {"id_number", "bank_account"}


class SheetSource(Protocol):
    def sheet_names(self) -> list[str]: ...
    def rows(self, name: str) -> list[list[object]]: ...


class WorkbookReadError(Exception):
    """The file itself cannot be opened (missing, not a workbook, encrypted, corrupt)."""


class CalamineSource:
    """A workbook file read with python-calamine (xlsx, xlsm, xls, ods)."""

    def __init__(self, path: str | Path):
        from python_calamine import CalamineWorkbook

        self.path = Path(path)
        if not self.path.exists():
            raise WorkbookReadError(f"找不到工作簿文件：{self.path}")
        try:
            self._book = CalamineWorkbook.from_path(str(self.path))
        except Exception as exc:  # calamine raises several error types for bad files
            raise WorkbookReadError(
                f"无法打开工作簿 {self.path.name}：文件损坏、加密或不是 Excel 文件（{type(exc).__name__}）") from None

    def sheet_names(self) -> list[str]:
        return list(self._book.sheet_names)

    def rows(self, name: str) -> list[list[object]]:
        try:
            return self._book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise WorkbookReadError(f"无法读取工作表「{name}」：{type(exc).__name__}") from None


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Workbook:
    """Typed frames by sheet id, the rules, the calendar and every issue found."""

    frames: dict[str, pd.DataFrame]
    rules: rules_mod.Rules
    calendar: WorkCalendar
    issues: list[Issue] = field(default_factory=list)
    path: Path | None = None
    sha256: str | None = None
    counts: dict[str, int] = field(default_factory=dict)


def _find_header(rows: list[list[object]], sheet: Sheet) -> tuple[int, dict[str, int]]:
    """Index of the header row and field id → column index."""
    wanted = {normalize_header(col.header): col.id for col in sheet.columns}
    best = (0, {})
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found: dict[str, int] = {}
        for pos, cell in enumerate(row):
            col_id = wanted.get(normalize_header(cell))
            if col_id and col_id not in found:
                found[col_id] = pos
        if len(found) > len(best[1]):
            best = (index, found)
    return best


def _blank(value: object) -> bool:
    return value == "" or value is None or (isinstance(value, str) and not value.strip())


def _has_content(row: list) -> bool:
    empty = row.count("") + row.count(None)
    if empty == len(row):
        return False
    if len(row) - empty > 2:  # several filled cells: certainly content (skip the per-cell look)
        return True
    return not all(_blank(c) for c in row)


def _fast_money(values) -> list | None:
    """A column of plain numbers → fen in one numpy pass; None if anything else is in it."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return None
    with np.errstate(over="ignore", invalid="ignore"):  # inf/nan/huge values fall back to the full parser
        cents = arr * 100
        whole = np.rint(cents)
        if not (np.abs(cents - whole) < 1e-6).all() or not (np.abs(whole) < 10**12).all():
            return None
    return whole.astype(np.int64).tolist()


def _parse_column(col, values, parser) -> tuple[list, list[tuple[int, object, str]]]:
    """Parse one column; the common Excel types take a fast path, anything else the full parser.
    Returns the values (None for blank or bad cells) and (index, raw value, message) per bad cell."""
    if col.kind == "money" and values and type(values[0]) is float:
        fast = _fast_money(values)
        if fast is not None:
            return fast, []
    if col.kind == "datetime":
        stamp = dt.datetime
        out = [(v if not v.microsecond else whole_second(v)) if v.__class__ is stamp else None for v in values]
        rest = [i for i, v in enumerate(out) if v is None and not (values[i] == "" or values[i] is None)]
        if not rest:
            return out, []
    else:
        out = [None] * len(values)
        rest = range(len(values))
    errors: list[tuple[int, object, str]] = []
    seen: dict[tuple[type, object], tuple[object, str | None]] = {}
    # datetimes were all taken above: what is left in a datetime column goes to the full parser
    fast_type = {"date": dt.datetime, "text": str, "money": float, "int": float}.get(col.kind)
    for i in rest:
        value = values[i]
        kind = type(value)
        if kind is fast_type:
            if col.kind == "date":
                out[i] = value.date()
                continue
            if col.kind == "text":
                text = value.strip()
                if text and (text.isascii() or is_normalized("NFKC", text)):
                    out[i] = text
                    continue
            if col.kind == "int" and value.is_integer():
                out[i] = int(value)
                continue
            if col.kind == "money" and value == value and abs(value) < 1e13:
                cents = value * 100
                whole = round(cents)
                if abs(cents - whole) < 1e-6 and abs(whole) < 10**12:
                    out[i] = int(whole)
                    continue
        if value == "" or value is None:
            continue
        key = (kind, value)  # the type too: True, 1 and 1.0 are equal keys
        hit = seen.get(key)
        if hit is None:  # parsers are pure: a column of repeated values (选项, 月份) is parsed once per value
            try:
                hit = seen[key] = (parser(value), None)
            except ValueError as exc:
                hit = seen[key] = (None, str(exc))
        if hit[1] is None:
            out[i] = hit[0]
        elif not _blank(value):
            errors.append((i, value, hit[1]))
    return out, errors


def read_sheet(sheet: Sheet, rows: list[list[object]] | None, issues: list[Issue]) -> pd.DataFrame:
    """Parse one sheet into a typed frame; unusable rows are reported and left out."""
    columns = [col.id for col in sheet.columns] + ["xl_row"]
    if rows is None:
        if sheet.required:
            issues.append(Issue(sheet.name, None, None, f"缺少工作表「{sheet.name}」"))
        return pd.DataFrame(columns=columns)
    first_issue = len(issues)
    header_index, positions = _find_header(rows, sheet)
    missing = [col for col in sheet.columns if col.required and col.id not in positions]
    for col in missing:
        issues.append(Issue(sheet.name, header_index + 1, col.header,
                            f"缺少必填列「{col.header}」（{col.id}）：请检查表头", ERROR, col.id))
    body = rows[header_index + 1:]
    width = max((len(r) for r in body), default=0)
    keep = [i for i, row in enumerate(body) if _has_content(row)]
    if len(keep) != len(body):
        body = [body[i] for i in keep]
    if any(len(r) < width for r in body):
        body = [r + [""] * (width - len(r)) for r in body]
    excel_rows = [header_index + 2 + i for i in keep]
    n_rows = len(body)
    raw_columns = {col.id: (list(map(itemgetter(positions[col.id]), body)) if positions[col.id] < width
                            else [""] * n_rows) for col in sheet.columns if col.id in positions}
    del rows, body  # the row lists are the largest thing in memory for a million-row sheet
    usable = [True] * n_rows
    data: dict[str, list] = {}
    for col in sheet.columns:
        pos = positions.get(col.id)
        if pos is None:
            data[col.id] = [None] * n_rows
            continue
        values = raw_columns.pop(col.id)
        parsed, errors = _parse_column(col, values, parser_for(col))
        where = f"{excel_column(pos)}·{col.header}"
        for index, raw, message in errors:
            shown = mask_id(str(raw)) if col.id in PRIVATE_FIELDS else raw  # never log ID or bank numbers
            issues.append(Issue(sheet.name, excel_rows[index], where, f"值「{shown}」无效：{message}", ERROR, col.id))
            if col.required:
                usable[index] = False
        if col.required:
            bad = {index for index, _, _ in errors}
            for index, value in enumerate(parsed):
                if value is None and index not in bad:
                    issues.append(Issue(sheet.name, excel_rows[index], where, "必填项为空", ERROR, col.id))
                    usable[index] = False
        data[col.id] = parsed
    data["xl_row"] = excel_rows
    issues[first_issue:] = sorted(issues[first_issue:], key=lambda i: (i.row or 0))
    if not all(usable):
        data = {key: [v for v, ok in zip(values, usable) if ok] for key, values in data.items()}
    # object columns keep None for blank cells (no NaN creeping into money or dates)
    frame = pd.DataFrame({col: pd.Series(data[col], dtype=object) for col in columns})
    if sheet.key and len(frame) and all(k in positions for k in sheet.key):
        _report_duplicates(sheet, frame, positions, issues)
    if missing:  # every row was still checked above, but the sheet cannot be used
        return pd.DataFrame(columns=columns)
    return frame


def _report_duplicates(sheet: Sheet, frame: pd.DataFrame, positions: dict[str, int], issues: list[Issue]) -> None:
    key = list(sheet.key)
    dup = frame[frame.duplicated(key, keep=False)]
    if dup.empty:
        return
    first_rows: dict[tuple, int] = {}
    label = "+".join(sheet.column(k).header for k in key)
    pos = positions[key[0]]
    for record in dup.itertuples(index=False):
        value = tuple(getattr(record, k) for k in key)
        if value not in first_rows:
            first_rows[value] = record.xl_row
            continue
        shown = "/".join(str(v) for v in value)
        issues.append(Issue(sheet.name, record.xl_row, f"{excel_column(pos)}·{sheet.column(key[0]).header}",
                            f"{label}「{shown}」重复，与第 {first_rows[value]} 行相同", ERROR, key[0]))


def _check_employees(frame: pd.DataFrame, issues: list[Issue]) -> None:
    name = EMPLOYEES.name
    for rec in frame.itertuples(index=False):
        if rec.base_salary is not None and rec.base_salary <= 0:
            issues.append(Issue(name, rec.xl_row, "月基本工资", "月基本工资应大于 0", ERROR, "base_salary"))
        for col in ("allowance", "si_base", "special_deduction"):
            value = getattr(rec, col)
            if value is not None and value < 0:
                issues.append(Issue(name, rec.xl_row, EMPLOYEES.column(col).header, "金额不能为负", ERROR, col))
        if rec.leave_date is not None and rec.hire_date is not None and rec.leave_date < rec.hire_date:
            issues.append(Issue(name, rec.xl_row, "离职日期", "离职日期早于入职日期", ERROR, "leave_date"))
        if rec.hf_rate is not None and rec.hf_rate != 0 and not (0.05 <= float(rec.hf_rate) <= 0.12):
            issues.append(Issue(name, rec.xl_row, "公积金比例", "公积金比例应为 5%–12%（住房公积金管理条例），请核对",
                                WARNING, "hf_rate"))
        if rec.hire_date is not None and rec.hire_date > dt.date.today() + dt.timedelta(days=366):
            issues.append(Issue(name, rec.xl_row, "入职日期", f"入职日期 {rec.hire_date} 在一年以后，请核对", WARNING,
                                "hire_date"))
        if rec.id_number and not check_id_number(rec.id_number):
            issues.append(Issue(name, rec.xl_row, "身份证号", "身份证号格式或校验位不正确", WARNING, "id_number"))
    managers = set(frame["employee_id"])
    for rec in frame.itertuples(index=False):
        if rec.manager_id and rec.manager_id not in managers:
            issues.append(Issue(name, rec.xl_row, "直属上级", f"直属上级「{rec.manager_id}」不在花名册中", WARNING,
                                "manager_id"))


def _resolve_punches(punches: pd.DataFrame, employees: pd.DataFrame, issues: list[Issue]) -> pd.DataFrame:
    """Fill 工号 from 考勤号; report punches that belong to nobody on the roster."""
    if punches.empty:
        return punches
    by_clock = {c: e for c, e in zip(employees["clock_id"], employees["employee_id"]) if c}
    known = set(employees["employee_id"])
    emp = punches["employee_id"].where(punches["employee_id"].notna(), punches["clock_id"].map(by_clock))
    punches = punches.assign(employee_id=emp)
    unknown = punches[~punches["employee_id"].isin(known)]
    if len(unknown):
        for key, group in unknown.groupby(unknown["clock_id"].fillna(unknown["employee_id"]).fillna("（空）"),
                                          sort=True):
            rows = group["xl_row"].tolist()
            shown = "、".join(str(r) for r in rows[:5]) + (" 等" if len(rows) > 5 else "")
            issues.append(Issue(PUNCHES.name, rows[0], "工号/考勤号",
                                f"考勤号/工号「{key}」不在花名册中：{len(rows)} 条打卡未计入（第 {shown} 行）", WARNING))
        punches = punches[punches["employee_id"].isin(known)]
    return punches


def _check_overlapping_leave(frame: pd.DataFrame, issues: list[Issue]) -> None:
    """Two approved requests of one person covering the same time: counted once, reported."""
    if frame.empty:
        return
    approved = frame[frame["status"] == "已批准"].sort_values(["employee_id", "start"])
    last: dict[str, tuple] = {}
    for rec in approved.itertuples(index=False):
        prev = last.get(rec.employee_id)
        if prev is not None and rec.start < prev[0]:
            issues.append(Issue(LEAVE.name, rec.xl_row, "开始时间",
                                f"与第 {prev[1]} 行的请假时间重叠（重叠部分只计一次）", WARNING, "start"))
        if prev is None or rec.end > prev[0]:
            last[rec.employee_id] = (rec.end, rec.xl_row)


def _check_known_employee(sheet: Sheet, frame: pd.DataFrame, known: set[str], issues: list[Issue]) -> pd.DataFrame:
    if frame.empty:
        return frame
    bad = ~frame["employee_id"].isin(known)
    for rec in frame[bad].itertuples(index=False):
        issues.append(Issue(sheet.name, rec.xl_row, "工号", f"工号「{rec.employee_id}」不在花名册中", ERROR, "employee_id"))
    return frame[~bad]


def _check_intervals(sheet: Sheet, frame: pd.DataFrame, issues: list[Issue]) -> pd.DataFrame:
    if frame.empty:
        return frame
    bad = frame["end"] <= frame["start"]
    for rec in frame[bad].itertuples(index=False):
        issues.append(Issue(sheet.name, rec.xl_row, "结束时间", "结束时间应晚于开始时间", ERROR, "end"))
    return frame[~bad]


def _load_rules(frame: pd.DataFrame, present: bool, issues: list[Issue]) -> rules_mod.Rules:
    if not present:
        issues.append(Issue(RULES.name, None, None, "缺少工作表「规则」：全部按制度默认值计算", WARNING))
        return rules_mod.defaults()
    rows = [(rec.xl_row, rec.rule_id, rec.value) for rec in frame.itertuples(index=False)]
    rules, rule_issues = rules_mod.from_rows(rows)
    issues.extend(rule_issues)
    return rules


ALL_SHEETS = frozenset(sheet.id for sheet in INPUT_SHEETS)
ORDER_SHEETS = frozenset({"orders", "ads", "refunds"})
PAYROLL_SHEETS = ALL_SHEETS - ORDER_SHEETS


def load(source: SheetSource, path: Path | None = None, sheets: frozenset[str] = ALL_SHEETS) -> Workbook:
    """Read the given sheets (ids; all by default) — a payroll run skips the large 订单 sheet."""
    issues: list[Issue] = []
    names = source.sheet_names()
    by_normalized = {normalize_header(n): n for n in names}
    frames: dict[str, pd.DataFrame] = {}
    for sheet in INPUT_SHEETS:
        if sheet.id not in sheets:
            frames[sheet.id] = read_sheet(sheet, [], [])
            continue
        actual = by_normalized.get(normalize_header(sheet.name))
        # no name keeps the raw rows alive: read_sheet drops them once the columns are out
        frames[sheet.id] = read_sheet(sheet, source.rows(actual) if actual else None, issues)
    employees = frames["employees"]
    _check_employees(employees, issues)
    if "employees" in sheets and employees.empty and not any(i.sheet == EMPLOYEES.name for i in issues):
        issues.append(Issue(EMPLOYEES.name, None, None, "花名册没有员工行"))
    known = set(employees["employee_id"])
    frames["punches"] = _resolve_punches(frames["punches"], employees, issues)
    for sheet in (LEAVE, OVERTIME):
        frames[sheet.id] = _check_intervals(sheet, _check_known_employee(sheet, frames[sheet.id], known, issues),
                                            issues)
    _check_overlapping_leave(frames["leave"], issues)
    frames["bonus"] = _check_known_employee(BONUS, frames["bonus"], known, issues)
    frames["annual_bonus"] = _check_known_employee(ANNUAL_BONUS, frames["annual_bonus"], known, issues)
    frames["scores"] = _check_known_employee(SCORES, frames["scores"], known, issues)
    events = _check_known_employee(EVENTS, frames["events"], known, issues)
    if len(events):
        bad = events["end"].notna() & (events["end"] <= events["start"])
        for rec in events[bad].itertuples(index=False):
            issues.append(Issue(EVENTS.name, rec.xl_row, "结束时间", "结束时间应晚于开始时间", ERROR, "end"))
        events = events[~bad]
    frames["events"] = events
    if "rules" in sheets:
        rules = _load_rules(frames["rules"], normalize_header(RULES.name) in by_normalized, issues)
    else:
        rules = rules_mod.defaults()
    overrides = {rec.date: (SHEET_KIND[rec.kind], rec.name or "") for rec in frames["holidays"].itertuples(index=False)}
    calendar = WorkCalendar(overrides)
    counts = {sheet.name: len(frames[sheet.id]) for sheet in INPUT_SHEETS}
    return Workbook(frames, rules, calendar, issues, path, None, counts)


def load_path(path: str | Path, sheets: frozenset[str] = ALL_SHEETS) -> Workbook:
    """Read a workbook file; its sha256 is taken from the same bytes before parsing."""
    path = Path(path)
    digest = sha256_file(path) if path.exists() else None
    book = load(CalamineSource(path), path, sheets)
    book.sha256 = digest
    return book


def employees_on_payroll(employees: pd.DataFrame, first: dt.date, last: dt.date) -> pd.DataFrame:
    """Roster rows employed on at least one day of [first, last]."""
    hired = employees["hire_date"].map(lambda d: d <= last)
    stayed = employees["leave_date"].map(lambda d: d is None or d >= first)
    return employees[hired & stayed]

