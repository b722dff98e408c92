"""Read and validate the master workbook once, at the edge.

A *source* is anything with ``sheet_names()`` and ``rows(name)`` (list of row lists): a file read
with python-calamine here, an open xlwings Book in ``ecomdept.excel``. Sheets become typed frames
(columns = English field ids, plus ``xl_row`` = Excel row number); every problem becomes an Issue.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zipfile
from xml.etree import ElementTree
from operator import itemgetter
from unicodedata import is_normalized
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from ecomdept.inputs import clock_ids
from ecomdept.inputs import rules as rules_mod
from ecomdept.inputs import shifts as shifts_mod
from ecomdept.inputs.parsed_copy import ParsedCopy
from ecomdept.core.calendar import SHEET_KIND, WorkCalendar, month_dates
from ecomdept.inputs.clock_ids import busy_months, clock_key, near_roster
from ecomdept.inputs.cells import check_id_number, excel_error, normalize_header, parser_for, whole_second
from ecomdept.core.issues import ERROR, WARNING, Issue, excel_column
from ecomdept.core.privacy import mask_id
from ecomdept.inputs.schema import (ANNUAL_BONUS, BONUS, EMPLOYEES, EVENTS, INPUT_SHEETS, LEAVE, OVERTIME, PUNCHES, ROTA, RULES, SCORES,
                     Sheet)

HEADER_SCAN_ROWS = 50
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE][+-]?\d+$")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
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
        if self.path.suffix.lower() in (".csv", ".txt", ".dat", ".tsv"):
            raise WorkbookReadError(
                f"{self.path.name} 是文本文件，不是工作簿：--workbook 应为主工作簿（.xlsx 或 .xlsm）；"
                f"考勤机或店铺导出的文件先用 ecomdept import punches / import orders 转换成表格行，再粘贴进主工作簿")
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

    def hidden_sheets(self) -> set[str]:
        from python_calamine import SheetVisibleEnum

        return {m.name for m in self._book.sheets_metadata if m.visible != SheetVisibleEnum.Visible}

    def formula_cells(self, name: str) -> dict[tuple[int, int], str]:
        """Cells python-calamine hands over as blank that are not: an Excel error value (→ '#DIV/0!') or
        a formula without a saved result (→ ''). xlsx/xlsm only; other formats → {}."""
        try:
            return _xlsx_formula_cells(self.path, name)
        except (KeyError, OSError, ValueError, zipfile.BadZipFile, ElementTree.ParseError):
            return {}


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")


def _sheet_part(archive: zipfile.ZipFile, name: str) -> str:
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") for rel in rels}
    for sheet in book.iter(f"{_MAIN_NS}sheet"):
        if sheet.get("name") == name:
            target = targets[sheet.get(f"{_REL_NS}id")]
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    raise KeyError(name)


def _formula_bytes(data: bytes) -> bool:
    return b"<f>" in data or b"<f " in data or b"<f/" in data or b't="e"' in data or b"t='e'" in data


def _xlsx_formula_cells(path: Path, name: str) -> dict[tuple[int, int], str]:
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return {}
    with zipfile.ZipFile(path) as archive:
        part = _sheet_part(archive, name)
        with archive.open(part) as handle:  # most sheets hold no formula: a byte search says so quickly
            tail, found = b"", False
            while chunk := handle.read(1 << 22):
                if _formula_bytes(chunk) or _formula_bytes(tail + chunk[:16]):  # <f> and not <formula1>
                    found = True
                    break
                tail = chunk[-8:]
        if not found:
            return {}
        cells: dict[tuple[int, int], str] = {}
        with archive.open(part) as handle:
            for _, elem in ElementTree.iterparse(handle):
                if elem.tag != f"{_MAIN_NS}c":
                    if elem.tag == f"{_MAIN_NS}row":
                        elem.clear()
                    continue
                kind, formula, value = elem.get("t"), elem.find(f"{_MAIN_NS}f"), elem.find(f"{_MAIN_NS}v")
                literal = None
                if kind == "e":
                    literal = (value.text or "#N/A") if value is not None else "#N/A"
                elif formula is not None and (value is None or (not value.text and kind not in ("str", "inlineStr"))):
                    literal = ""
                if literal is not None:
                    match = _CELL_REF.match(elem.get("r") or "")
                    if match:
                        letters, number = match.groups()
                        col = 0
                        for ch in letters:
                            col = col * 26 + ord(ch) - 64
                        cells[(int(number) - 1, col - 1)] = literal.strip().upper() if literal else ""
        return cells


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
    unmatched_punches: pd.DataFrame | None = None  # 打卡 rows no roster 考勤号/工号 reached (clock_ids.resolve)
    from_copy: list[str] = field(default_factory=list)  # sheet ids taken from the parsed copy (parsed_copy.py)


def _find_header(rows: list[list[object]], sheet: Sheet) -> tuple[int, dict[str, int]]:
    """Index of the header row and field id → column index: of the first HEADER_SCAN_ROWS rows, the one
    naming most of the sheet's columns (the first of equals), so title rows above the header are fine."""
    wanted = {normalize_header(col.header): col.id for col in sheet.columns}
    best = (0, {})
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found: dict[str, int] = {}
        for pos, cell in enumerate(row):
            if cell == "" or cell is None:
                continue
            col_id = wanted.get(normalize_header(cell))
            if col_id and col_id not in found:
                found[col_id] = pos
        if len(found) > len(best[1]):
            best = (index, found)
    return best


def _header_issues(sheet: Sheet, rows: list[list[object]], header_index: int, positions: dict[str, int],
                   missing: list) -> list[Issue]:
    if not missing:
        return []
    if len(positions) >= min(2, len(sheet.columns)):  # one matching cell may be data, not a header
        return [Issue(sheet.name, header_index + 1, col.header,
                      f"缺少必填列「{col.header}」（{col.id}）：表头（第 {header_index + 1} 行）中没有这一列，请检查列名",
                      ERROR, col.id, "missing_column") for col in missing]
    names = "」「".join(col.header for col in missing)
    scanned = min(len(rows), HEADER_SCAN_ROWS)
    if not any(_has_content(row) for row in rows):
        if not sheet.required:
            return [Issue(sheet.name, None, None, "工作表是空的（没有表头）：按没有数据处理", WARNING, None,
                          "header_not_found")]
        return [Issue(sheet.name, None, None, f"工作表是空的：缺少表头与数据（必填列「{names}」）", ERROR, None,
                      "header_not_found")]
    return [Issue(sheet.name, None, None,
                  f"找不到表头：第 1–{scanned} 行中没有本表的列名，缺少必填列「{names}」。表头应在前 {HEADER_SCAN_ROWS} "
                  "行内、列名与模板相同（如「" + "」「".join(c.header for c in sheet.columns[:3]) + "」）",
                  ERROR, None, "header_not_found")]


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


def _parse_column(col, values, parser) -> tuple[list, list[tuple[int, object, str, str]]]:
    """Parse one column; the common Excel types take a fast path, anything else the full parser.
    Returns the values (None for blank or bad cells) and (index, raw value, message, kind) per bad cell."""
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
    errors: list[tuple[int, object, str, str]] = []
    seen: dict[tuple[type, object], tuple[object, str | None, str]] = {}
    # datetimes were all taken above: what is left in a datetime column goes to the full parser
    fast_type = {"date": dt.datetime, "text": str, "money": float, "int": float}.get(col.kind)
    code = col.parse == "code"
    plain_text = col.parse in ("", "code")  # digits and raw cells always take their own parser
    for i in rest:
        value = values[i]
        kind = type(value)
        if kind is fast_type:
            if col.kind == "date":
                out[i] = value.date()
                continue
            if col.kind == "text" and plain_text:
                text = value.strip()
                if text and text[0] != "#" and (
                        (text.isascii() and (not code or (text.isprintable() and " " not in text and not (
                            text[0].isdigit() and _SCIENTIFIC.match(text)))))
                        or (not code and is_normalized("NFKC", text) and not _ZERO_WIDTH.search(text))):
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
            error = excel_error(value)
            if error:
                hit = seen[key] = (None, FORMULA_ERROR.format(error), "formula_error")
            else:
                try:
                    hit = seen[key] = (parser(value), None, "")
                except ValueError as exc:
                    hit = seen[key] = (None, str(exc), getattr(exc, "code", "bad_value"))
        if hit[1] is None:
            out[i] = hit[0]
        elif not _blank(value):
            errors.append((i, value, hit[1], hit[2]))
    return out, errors


FORMULA_ERROR = "公式的结果是错误值 {}：请在 Excel 中修正这个单元格的公式，或改填数值"
FORMULA_NO_VALUE = ("单元格是公式，但文件里没有保存计算结果（文件不是由 Excel 保存的，或保存前未重新计算）："
                    "请用 Excel 打开工作簿、保存一次后再运行，或把公式改为数值")


def _limit_text(low, high) -> str:
    if low is not None and high is not None:
        return f"应在 {low}–{high} 之间"
    return f"应不小于 {low}" if low is not None else f"应不大于 {high}"


def read_sheet(sheet: Sheet, rows: list[list[object]] | None, issues: list[Issue],
               formulas: dict[tuple[int, int], str] | None = None,
               rejected: dict[int, dict[str, object]] | None = None) -> pd.DataFrame:
    """Parse one sheet into a typed frame; unusable rows are reported and left out.

    ``formulas``: (row, column) index → Excel error literal, or "" for a formula without a saved value —
    cells a reader hands over as blank (python-calamine does) that are not blank in Excel.
    ``rejected``: filled with Excel row → parsed values of each row left out, for callers that must not
    report that row's 工号 again elsewhere."""
    columns = [col.id for col in sheet.columns] + ["xl_row"]
    if rows is None:
        if sheet.required:
            issues.append(Issue(sheet.name, None, None, f"缺少工作表「{sheet.name}」", ERROR, None, "missing_sheet"))
        return pd.DataFrame(columns=columns)
    first_issue = len(issues)
    header_index, positions = _find_header(rows, sheet)
    missing = [col for col in sheet.columns if col.required and col.id not in positions]
    issues.extend(_header_issues(sheet, rows, header_index, positions, missing))
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
    by_column: dict[int, list[tuple[int, str]]] = {}
    for (r, c), literal in (formulas or {}).items():
        if r > header_index:
            by_column.setdefault(c, []).append((r + 1, literal))
    index_of = {row: i for i, row in enumerate(excel_rows)} if by_column else {}
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
        bad = set()
        for index, raw, message, kind in errors:
            shown = mask_id(str(raw)) if col.id in PRIVATE_FIELDS else raw  # never log ID or bank numbers
            text = message if kind == "formula_error" else f"值「{shown}」无效：{message}"
            issues.append(Issue(sheet.name, excel_rows[index], where, text, ERROR, col.id, kind))
            bad.add(index)
        for row, literal in by_column.get(pos, ()):
            index = index_of.get(row)
            if index is not None and parsed[index] is not None:
                continue  # the reader did hand over a value
            issues.append(Issue(sheet.name, row, where, FORMULA_ERROR.format(literal) if literal else FORMULA_NO_VALUE,
                                ERROR, col.id, "formula_error" if literal else "formula_no_value"))
            if index is not None:
                bad.add(index)
        if col.limits is not None:
            low, high = col.limits
            for index, value in enumerate(parsed):
                if value is not None and ((low is not None and value < low) or (high is not None and value > high)):
                    issues.append(Issue(sheet.name, excel_rows[index], where,
                                        f"值「{values[index]}」超出范围：{col.header}{_limit_text(low, high)}", ERROR,
                                        col.id, "out_of_range"))
                    parsed[index] = None
                    bad.add(index)
        if col.required:
            for index in bad:
                usable[index] = False
            for index, value in enumerate(parsed):
                if value is None and index not in bad:
                    issues.append(Issue(sheet.name, excel_rows[index], where, "必填项为空", ERROR, col.id,
                                        "required_blank"))
                    usable[index] = False
        data[col.id] = parsed
    data["xl_row"] = excel_rows
    issues[first_issue:] = sorted(issues[first_issue:], key=lambda i: (i.row or 0))
    if not all(usable):
        if rejected is not None:
            for index, ok in enumerate(usable):
                if not ok:
                    rejected[excel_rows[index]] = {key: values[index] for key, values in data.items()}
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
                            f"{label}「{shown}」重复，与第 {first_rows[value]} 行相同", ERROR, key[0], "duplicate_key"))


def _check_employees(frame: pd.DataFrame, issues: list[Issue], strict_id: bool = False,
                     left_out: set[str] = frozenset()) -> None:
    """Per-row roster checks. ``strict_id``: 规则 pdf_password = id_last6, so a wrong 身份证号 would be a
    wrong PDF password — blocking, not a warning. ``left_out``: 工号 of roster rows set aside for their own
    errors (not reported again as an unknown 直属上级)."""
    name = EMPLOYEES.name
    for rec in frame.itertuples(index=False):
        if rec.base_salary is not None and rec.base_salary <= 0:
            issues.append(Issue(name, rec.xl_row, "月基本工资", "月基本工资应大于 0", ERROR, "base_salary",
                                "out_of_range"))
        for col in ("allowance", "si_base", "special_deduction"):
            value = getattr(rec, col)
            if value is not None and value < 0:
                issues.append(Issue(name, rec.xl_row, EMPLOYEES.column(col).header, "金额不能为负", ERROR, col,
                                    "out_of_range"))
        if rec.leave_date is not None and rec.hire_date is not None and rec.leave_date < rec.hire_date:
            issues.append(Issue(name, rec.xl_row, "离职日期", "离职日期早于入职日期", ERROR, "leave_date", "out_of_range"))
        if rec.hf_rate is not None and rec.hf_rate != 0 and not (0.05 <= float(rec.hf_rate) <= 0.12):
            issues.append(Issue(name, rec.xl_row, "公积金比例", "公积金比例应为 5%–12%（住房公积金管理条例），请核对",
                                WARNING, "hf_rate", "out_of_range"))
        if rec.hire_date is not None and rec.hire_date > dt.date.today() + dt.timedelta(days=366):
            issues.append(Issue(name, rec.xl_row, "入职日期", f"入职日期 {rec.hire_date} 在一年以后，请核对", WARNING,
                                "hire_date", "out_of_range"))
        if rec.id_number and not check_id_number(rec.id_number):
            if strict_id:
                issues.append(Issue(name, rec.xl_row, "身份证号",
                                    "身份证号格式或校验位不正确：规则 pdf_password = id_last6，用它的后 6 位加密的工资条 "
                                    "PDF 会打不开（密码不是本人身份证号的后 6 位）。请核对身份证号", ERROR, "id_number",
                                    "pdf_password"))
            else:
                issues.append(Issue(name, rec.xl_row, "身份证号", "身份证号格式或校验位不正确", WARNING, "id_number",
                                    "bad_value"))
    managers = set(frame["employee_id"]) | set(left_out)
    for rec in frame.itertuples(index=False):
        if rec.manager_id and rec.manager_id not in managers:
            issues.append(Issue(name, rec.xl_row, "直属上级", f"直属上级「{rec.manager_id}」不在花名册中", WARNING,
                                "manager_id", "unknown_employee"))


def pdf_password_issues(staff: pd.DataFrame, rules: rules_mod.Rules, issues: list[Issue]) -> list[Issue]:
    """pdf_password = id_last6: everyone given a payslip needs a 身份证号, or their PDF is not encrypted.
    Rows whose 身份证号 cell already has a blocking issue are not reported twice."""
    if rules.pdf_password != "id_last6" or staff.empty:
        return []
    flagged = {i.row for i in issues if i.sheet == EMPLOYEES.name and i.field == "id_number" and i.blocking}
    return [Issue(EMPLOYEES.name, rec.xl_row, "身份证号",
                  f"{rec.employee_id} {rec.name}：规则 pdf_password = id_last6（工资条 PDF 以本人身份证号后 6 位加密），"
                  "但没有身份证号，PDF 无法加密。请补录身份证号（文本格式），或把 pdf_password 改为 none", ERROR,
                  "id_number", "pdf_password")
            for rec in staff.itertuples(index=False) if not rec.id_number and rec.xl_row not in flagged]


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


class _Skipped:
    """Roster rows left out for their own errors, and what other sheets' rows were skipped with them."""

    def __init__(self, rejected: dict[int, dict[str, object]], known: set[str], leading_zeros: str):
        self.rows: dict[str, int] = {}
        for row, values in rejected.items():
            emp = values.get("employee_id")
            if emp in known:
                continue  # the same 工号 on a usable row: reported as a duplicate
            if emp:
                self.rows.setdefault(emp, row)
            key = clock_key(values.get("clock_id"), leading_zeros)  # known even when the 工号 cell is broken
            if key and key not in self.rows:
                self.rows[key] = row
        self.counts: dict[int, dict[str, int]] = {}

    def take(self, sheet: str, idents: pd.Series) -> pd.Series:
        """Mark the rows of skipped 工号; count them per roster row."""
        hit = idents.map(lambda v: v in self.rows).astype(bool)
        for ident, n in idents[hit].value_counts().items():
            per = self.counts.setdefault(self.rows[ident], {})
            per[sheet] = per.get(sheet, 0) + int(n)
        return hit

    def issues(self, rejected: dict[int, dict[str, object]]) -> list[Issue]:
        out = []
        for row, per in sorted(self.counts.items()):
            emp, name = rejected[row].get("employee_id"), rejected[row].get("name")
            who = f"工号「{emp}」" if emp else f"{name or '这一行'}（考勤号「{rejected[row].get('clock_id')}」）"
            detail = "、".join(f"{sheet} {n} 行" for sheet, n in per.items())
            out.append(Issue(EMPLOYEES.name, row, "工号",
                             f"{who}这一行有错误（见本行其他问题），未计入花名册：其他表中该员工的 {detail}"
                             "因此已跳过，改正本行后才会计入", WARNING, "employee_id", "skipped_rows"))
        return out


def _check_known_employee(sheet: Sheet, frame: pd.DataFrame, known: set[str], issues: list[Issue],
                          skipped: _Skipped | None = None, roster: pd.DataFrame | None = None) -> pd.DataFrame:
    if frame.empty:
        return frame
    bad = ~frame["employee_id"].isin(known)
    if not bad.any():
        return frame
    quiet = skipped.take(sheet.name, frame.loc[bad, "employee_id"]) if skipped else pd.Series(False, frame.index[bad])
    hints: dict[str, str] = {}
    for rec in frame[bad][~quiet.values].itertuples(index=False):
        if rec.employee_id not in hints:  # the first 200 unknown 工号 get a hint
            near = roster is not None and len(hints) < 200
            hints[rec.employee_id] = near_roster(str(rec.employee_id), roster) if near else ""
        issues.append(Issue(sheet.name, rec.xl_row, "工号", f"工号「{rec.employee_id}」不在花名册中{hints[rec.employee_id]}",
                            ERROR, "employee_id", "unknown_employee"))
    return frame[~bad]


def _check_intervals(sheet: Sheet, frame: pd.DataFrame, issues: list[Issue]) -> pd.DataFrame:
    if frame.empty:
        return frame
    bad = frame["end"] <= frame["start"]
    for rec in frame[bad].itertuples(index=False):
        issues.append(Issue(sheet.name, rec.xl_row, "结束时间", "结束时间应晚于开始时间", ERROR, "end", "out_of_range"))
    return frame[~bad]


def _load_rules(frame: pd.DataFrame, present: bool, issues: list[Issue]) -> rules_mod.Rules:
    if not present:
        issues.append(Issue(RULES.name, None, None, "缺少工作表「规则」：全部按制度默认值计算", WARNING, None,
                            "missing_sheet"))
        return rules_mod.defaults()
    rows = [(rec.xl_row, rec.rule_id, rec.value) for rec in frame.itertuples(index=False)]
    rules, rule_issues = rules_mod.from_rows(rows)
    issues.extend(rule_issues)
    return rules


def sheet_rows(source: SheetSource, sheets: set[str] | frozenset[str]) -> tuple[dict[str, list[list[object]]], list[Issue]]:
    """The rows of the given input sheets (ids) that the workbook has, found by name as ``load`` finds
    them, and the problems with those names (two sheets that fit one name are blocking)."""
    issues: list[Issue] = []
    hidden = source.hidden_sheets() if hasattr(source, "hidden_sheets") else set()
    actual = _match_sheets(source.sheet_names(), hidden, issues)
    wanted = {sheet.name for sheet in INPUT_SHEETS if sheet.id in sheets}
    return {sid: source.rows(name) for sid, name in actual.items() if sid in sheets}, [i for i in issues if i.sheet in wanted]


def _match_sheets(names: list[str], hidden: set[str], issues: list[Issue]) -> dict[str, str]:
    """Sheet id → the workbook's sheet of that name. Names are compared without spaces and with full-width
    letters folded; two sheets that both fit one name are blocking (a stale hidden copy named 「员工 」
    must never stand in for 员工). The exactly named one is read, so the rest is still checked."""
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(normalize_header(name), []).append(name)
    chosen: dict[str, str] = {}
    for sheet in INPUT_SHEETS:
        found = groups.get(normalize_header(sheet.name), [])
        if not found:
            continue
        pick = next((n for n in found if n == sheet.name), None) or next((n for n in found if n not in hidden),
                                                                         found[0])
        if len(found) > 1:
            shown = "、".join(f"「{n}」" + ("（隐藏）" if n in hidden else "") for n in found)
            issues.append(Issue(sheet.name, None, None,
                                f"工作簿中有 {len(found)} 个工作表都对应「{sheet.name}」：{shown}（名称只差空格或全角/半角）。"
                                f"请删除或改名多余的表，只保留一个（本次检查读取了「{pick}」）", ERROR, None,
                                "duplicate_sheet"))
        chosen[sheet.id] = pick
    return chosen


ALL_SHEETS = frozenset(sheet.id for sheet in INPUT_SHEETS)
ORDER_SHEETS = frozenset({"orders", "ads", "refunds"})
PAYROLL_SHEETS = ALL_SHEETS - ORDER_SHEETS


def load(source: SheetSource, path: Path | None = None, sheets: frozenset[str] = ALL_SHEETS,
         copy: ParsedCopy | None = None) -> Workbook:
    """Read the given sheets (ids; all by default) — a payroll run skips the large 订单 sheet. With
    ``copy`` (parsed_copy.py) each sheet is taken from the parsed copy of this workbook when there is
    one, and kept there when there is not; everything across sheets is checked again either way."""
    issues: list[Issue] = []
    index = copy.get("sheets") if copy is not None else None
    if index is None:
        index = (source.sheet_names(), source.hidden_sheets() if hasattr(source, "hidden_sheets") else set())
        if copy is not None:
            copy.put("sheets", index)
    names, hidden = index
    actual_names = _match_sheets(names, hidden, issues)
    frames: dict[str, pd.DataFrame] = {}
    rejected: dict[int, dict[str, object]] = {}
    for sheet in INPUT_SHEETS:
        if sheet.id not in sheets:
            frames[sheet.id] = read_sheet(sheet, [], [])
            continue
        frames[sheet.id] = _read_one(source, sheet, actual_names.get(sheet.id), issues,
                                     rejected if sheet is EMPLOYEES else None, copy)
    if "rules" in sheets:
        rules = _load_rules(frames["rules"], "rules" in actual_names, issues)
    else:
        rules = rules_mod.defaults()
    employees = frames["employees"]
    _check_employees(employees, issues, rules.pdf_password == "id_last6",
                     {v.get("employee_id") for v in rejected.values()} - {None})
    if "employees" in sheets and employees.empty and not any(i.sheet == EMPLOYEES.name for i in issues):
        issues.append(Issue(EMPLOYEES.name, None, None, "花名册没有员工行"))
    known = set(employees["employee_id"])
    skipped = _Skipped(rejected, known, rules.clock_id_leading_zeros)
    frames["punches"], unmatched, punch_issues = resolve_punches(frames["punches"], employees,
                                                                 rules.clock_id_leading_zeros, skipped)
    issues.extend(punch_issues)
    for sheet in (LEAVE, OVERTIME):
        frames[sheet.id] = _check_intervals(
            sheet, _check_known_employee(sheet, frames[sheet.id], known, issues, skipped, employees), issues)
    _check_overlapping_leave(frames["leave"], issues)
    rota = _check_known_employee(ROTA, frames["rota"], known, issues, skipped, employees)
    frames["shifts"], frames["rota"] = shifts_mod.check_sheets(frames["shifts"], rota, known, issues,
                                                               "shifts" in actual_names)
    for sheet in (BONUS, ANNUAL_BONUS, SCORES):
        frames[sheet.id] = _check_known_employee(sheet, frames[sheet.id], known, issues, skipped, employees)
    events = _check_known_employee(EVENTS, frames["events"], known, issues, skipped, employees)
    if len(events):
        bad = events["end"].notna() & (events["end"] <= events["start"])
        for rec in events[bad].itertuples(index=False):
            issues.append(Issue(EVENTS.name, rec.xl_row, "结束时间", "结束时间应晚于开始时间", ERROR, "end",
                                "out_of_range"))
        events = events[~bad]
    frames["events"] = events
    issues.extend(skipped.issues(rejected))
    overrides = {rec.date: (SHEET_KIND[rec.kind], rec.name or "") for rec in frames["holidays"].itertuples(index=False)}
    calendar = WorkCalendar(overrides)
    if "rules" in sheets and rules.kpi:
        manual = None
        if "scores" in sheets and "scores" in actual_names:  # without the sheet a measure's name cannot be told
            manual = {}
            for metric, row in zip(frames["scores"]["metric"], frames["scores"]["xl_row"]):
                manual.setdefault(metric, row)
        issues.extend(rules_mod.kpi_issues(rules, manual, set(employees["team"].dropna())))
    book = Workbook(frames, rules, calendar, issues, path, None, {}, unmatched)
    months = busy_months([frames["punches"], unmatched])
    for year, month in months:
        days = month_dates(year, month)
        issues.extend(i for i in month_checks(book, days[0], days[-1]) if i not in issues)
    if not months:  # no punches to tell the month by: everyone still employed
        current = employees[employees["leave_date"].map(lambda d: d is None)] if len(employees) else employees
        issues.extend(i for i in pdf_password_issues(current, rules, issues) if i not in issues)
    book.counts = {sheet.name: len(frames[sheet.id]) for sheet in INPUT_SHEETS}
    return book


def _read_one(source: SheetSource, sheet: Sheet, actual: str | None, issues: list[Issue],
              rejected: dict[int, dict[str, object]] | None, copy: ParsedCopy | None) -> pd.DataFrame:
    """One sheet as ``read_sheet`` makes it: from the parsed copy, or read (and then kept there)."""
    if actual is None:
        return read_sheet(sheet, None, issues)
    kept = copy.get(sheet.id) if copy is not None else None
    if kept is None:
        found: list[Issue] = []
        refused: dict[int, dict[str, object]] = {}
        formula_cells = getattr(source, "formula_cells", None)
        # no name keeps the raw rows alive: read_sheet drops them once the columns are out
        frame = read_sheet(sheet, source.rows(actual), found, formula_cells(actual) if formula_cells else None,
                           refused if rejected is not None else None)
        kept = (frame, found, refused)
        if copy is not None:
            copy.put(sheet.id, kept)
    frame, found, refused = kept
    issues.extend(found)
    if rejected is not None:
        rejected.update(refused)
    return frame


def resolve_punches(punches: pd.DataFrame, employees: pd.DataFrame, leading_zeros: str = "ignore",
                    skipped: _Skipped | None = None) -> tuple[pd.DataFrame, pd.DataFrame, list[Issue]]:
    """Fill 工号 from 考勤号 (see ``clock_ids``): (punches of roster people, unmatched punches, issues)."""
    return clock_ids.resolve(punches, employees, leading_zeros,
                             (lambda idents: skipped.take(PUNCHES.name, idents)) if skipped else None, PUNCHES.name)


def month_checks(book: Workbook, first: dt.date, last: dt.date, staff: pd.DataFrame | None = None) -> list[Issue]:
    """The checks that need the month, for the engine to run with its staff: people on payroll that no
    punch reached while others punched (naming the near-miss clock ids), and 身份证号 missing under
    pdf_password = id_last6. Returns only issues not already in ``book.issues`` (load runs the same
    checks for the months the 打卡 sheet is about)."""
    if staff is None:
        staff = employees_on_payroll(book.frames["employees"], first, last)
    found = clock_ids.punch_gaps(book.frames["punches"], book.unmatched_punches, staff, first, last,
                                 book.frames["leave"], book.calendar.is_workday, book.rules.clock_id_leading_zeros,
                                 EMPLOYEES.name)
    found += pdf_password_issues(staff, book.rules, book.issues)
    return [i for i in found if i not in book.issues]


def load_path(path: str | Path, sheets: frozenset[str] = ALL_SHEETS, out_dir: str | Path | None = None) -> Workbook:
    """Read a workbook file; its sha256 is taken from the same bytes before parsing. With ``out_dir``
    the sheets come from the parsed copy kept there for these bytes, if there is one (parsed_copy.py),
    and are kept there for the next time otherwise; the file is opened only for what is not there."""
    path = Path(path)
    digest = sha256_file(path) if path.exists() else None
    copy = ParsedCopy(out_dir, digest) if out_dir is not None and digest else None
    book = load(_OpenedWhenRead(path), path, sheets, copy)
    book.sha256 = digest
    book.from_copy = sorted(set(copy.hits) - {"sheets"}) if copy is not None else []
    return book


class _OpenedWhenRead:
    """A CalamineSource opened on first use: with every sheet in the parsed copy, never."""

    def __init__(self, path: Path):
        self.path = path
        self._source: CalamineSource | None = None

    def _opened(self) -> CalamineSource:
        if self._source is None:
            self._source = CalamineSource(self.path)
        return self._source

    def sheet_names(self) -> list[str]:
        return self._opened().sheet_names()

    def rows(self, name: str) -> list[list[object]]:
        return self._opened().rows(name)

    def hidden_sheets(self) -> set[str]:
        return self._opened().hidden_sheets()

    def formula_cells(self, name: str) -> dict[tuple[int, int], str]:
        return self._opened().formula_cells(name)


def employees_on_payroll(employees: pd.DataFrame, first: dt.date, last: dt.date) -> pd.DataFrame:
    """Roster rows employed on at least one day of [first, last]."""
    if employees.empty:
        return employees
    hired = employees["hire_date"].map(lambda d: d <= last)
    stayed = employees["leave_date"].map(lambda d: d is None or d >= first)
    return employees[hired & stayed]
