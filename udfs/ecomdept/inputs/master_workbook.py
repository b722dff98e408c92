"""Write a master workbook (or any sheet-ready rows) with XlsxWriter: one Excel table per input sheet,
frozen header, drop-down validation for enumerations, date and ¥ formats, and the 说明 sheet.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from ecomdept.inputs.rules import PARAMS
from ecomdept.core import scratch
from ecomdept.core.privacy import formula_like
from ecomdept.inputs.schema import INPUT_SHEETS, README_SHEET, SHEETS_BY_NAME, Sheet

FORMATS = {
    "money": {"num_format": "¥#,##0.00"},
    "date": {"num_format": "yyyy-mm-dd"},
    "datetime": {"num_format": "yyyy-mm-dd hh:mm:ss"},
    "rate": {"num_format": "0.0%"},
    "int": {"num_format": "0"},
    "number": {"num_format": "0.##"},
    "text": {"num_format": "@"},
}
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
VALIDATION_ROWS = 100_000
DATA_VERSION_NAME = "ED_DATA_VERSION"  # the 数据版本 cell on 说明 (workbooks with VBA)
INPUT_SHEETS_NAME = "ED_INPUT_SHEETS"  # the sheets whose edits give it a new value: "/员工/打卡/…/说明/"
DATA_VERSION_CELL = (3, 1)            # B4


def cell(value: object, kind: str) -> object:
    """A Python value → what XlsxWriter writes (dates as serial numbers, money as yuan)."""
    if value is None:
        return None
    if kind == "money" and isinstance(value, int):  # fen
        return value / 100
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return (value - EXCEL_EPOCH).total_seconds() / 86400
    if isinstance(value, dt.date):
        return (value - EXCEL_EPOCH.date()).days
    if kind == "bool" and isinstance(value, bool):
        return "是" if value else "否"
    return value


def write_sheet(book, sheet: Sheet, rows: list[list[object]], formats: dict) -> None:
    ws = book.add_worksheet(sheet.name)
    kinds = [col.kind for col in sheet.columns]
    data = [[cell(v, k) for v, k in zip(row, kinds)] for row in rows]
    columns = []
    for col in sheet.columns:
        spec = {"header": col.header}
        fmt = formats.get(col.kind)
        if fmt is not None:
            spec["format"] = fmt
        columns.append(spec)
    last_row = max(len(data), 1)
    options = {"name": sheet.table, "columns": columns, "style": "Table Style Light 9"}
    if data:
        options["data"] = data
    ws.add_table(0, 0, last_row, len(sheet.columns) - 1, options)
    for r, row in enumerate(data, start=1):  # text that would run as a formula stays text (quote prefix)
        for c, value in enumerate(row):
            if isinstance(value, str) and formula_like(value):
                ws.write_string(r, c, value, formats["quoted"])
    ws.freeze_panes(1, 0)
    for index, col in enumerate(sheet.columns):
        ws.set_column(index, index, col.width)
        if col.header and col.doc:
            ws.write_comment(0, index, f"{col.id}：{col.doc}")
        if col.kind in ("enum", "bool"):
            choices = col.choices if col.kind == "enum" else ("是", "否")
            ws.data_validation(1, index, max(last_row, VALIDATION_ROWS), index, {
                "validate": "list", "source": list(choices), "error_title": col.header,
                "error_message": "请从下拉列表中选择：" + "、".join(choices)})


def input_sheet_list() -> str:
    """The value of ED_INPUT_SHEETS: every sheet the ED_ data functions read (the input sheets and 说明,
    which holds 计算月份), spaces left out, between slashes — a character no sheet name can contain."""
    return "/" + "/".join(re.sub(r"\s+", "", name) for name in [*(s.name for s in INPUT_SHEETS), README_SHEET]) + "/"


def write_readme(book, title: str, formats: dict, month: str | None = None,
                 buttons: list[tuple[str, str]] | None = None, data_version: bool = False) -> None:
    """The 说明 sheet. With ``data_version`` (workbooks whose VBA project has the ThisWorkbook module of
    ecomdept/workbook/vba/ThisWorkbook.cls): the 数据版本 cell, named ED_DATA_VERSION, that the ED_ data
    functions take as their last argument, the name ED_INPUT_SHEETS, and a line on the built-in functions."""
    ws = book.add_worksheet(README_SHEET)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 2, 90)
    ws.write(0, 0, title, formats["title"])
    ws.write(1, 0, "本工作簿是电商部的主数据：花名册、打卡、请假、加班、订单与规则。"
                   "运行 ecomdept payroll 或点击按钮计算考勤、罚款与工资；计算从不修改输入表。")
    if month:
        ws.write(2, 0, "计算月份", formats["bold"])
        ws.write_string(2, 1, month)
        ws.write_comment(2, 1, "按钮计算的月份，写作 YYYY-MM")
    for index, (caption, macro) in enumerate(buttons or []):
        ws.set_row(2, 30)
        ws.insert_button(2, 2, {"macro": macro, "caption": caption, "width": 110, "height": 28,
                                "x_offset": 4 + index * 118, "y_offset": 2})
    row = 3
    if data_version:
        r, c = DATA_VERSION_CELL
        ws.write(r, 0, "数据版本", formats["bold"])
        ws.write_number(r, c, 1, formats["int"])
        ws.write(r, 2, f"ED_ 读数据的函数的最后一个参数，如 =ED_NET_PAY(A2, \"2026-10\", {DATA_VERSION_NAME})。"
                       "修改输入表或本表、打开工作簿时由宏自动换新，这些函数随之重算；请勿手改。")
        ws.write(r + 1, 0, "ED_ 函数", formats["bold"])
        ws.write(r + 1, 2, "函数已内置在本工作簿的 VBA 工程里（模块 xlwings_udfs），启用宏即可使用，"
                           "不需要勾选「信任对 VBA 工程对象模型的访问」。只有升级 ecomdept 后函数的参数有变时，"
                           "才需要 Import Functions（Alt+F8 运行 ImportPythonUDFs，这一次需要勾选上述信任设置），"
                           "或用 ecomdept excel init 生成新工作簿再把数据复制过去。")
        book.define_name(DATA_VERSION_NAME, f"='{README_SHEET}'!${chr(65 + c)}${r + 1}")
        book.define_name(INPUT_SHEETS_NAME, f'="{input_sheet_list()}"')
        row = r + 2
    ws.write_row(row, 0, ["工作表", "列（字段 id）", "说明"], formats["header"])
    for sheet in INPUT_SHEETS:
        row += 1
        ws.write(row, 0, sheet.name, formats["bold"])
        ws.write(row, 2, sheet.doc)
        for col in sheet.columns:
            row += 1
            need = "（必填）" if col.required else ""
            ws.write(row, 1, f"{col.header}（{col.id}）{need}")
            choices = "；选项：" + "/".join(col.choices) if col.choices else ""
            ws.write(row, 2, (col.doc or "") + choices)
    row += 2
    ws.write(row, 0, "规则参数", formats["bold"])
    for param in PARAMS:
        row += 1
        ws.write(row, 1, param.id)
        ws.write(row, 2, f"{param.label}（{param.clause}）：{param.doc}")


def write_master(path: str | Path, data: dict[str, list[list[object]]], title: str = "电商部主工作簿",
                 only_given: bool = False, month: str | None = None, buttons: list[tuple[str, str]] | None = None,
                 vba_project: Path | bytes | None = None, conf: list[list[str]] | None = None,
                 data_version: bool = False) -> Path:
    """data: sheet name → rows in column order of the schema. Missing sheets are written empty,
    unless ``only_given`` (importers: just the sheets they produce, no 说明). ``data_version``: the
    数据版本 cell on 说明 (see ``write_readme``), for a workbook whose VBA keeps it current."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with scratch.replacing(path) as new:  # the file appears complete or not at all
        _write_book(new, data, title, only_given, month, buttons, vba_project, conf, data_version)
    return path


def _write_book(path: Path, data: dict[str, list[list[object]]], title: str, only_given: bool, month: str | None,
                buttons: list[tuple[str, str]] | None, vba_project: Path | bytes | None,
                conf: list[list[str]] | None, data_version: bool = False) -> None:
    big = sum(len(rows) for rows in data.values()) > 200_000
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                           "strings_to_urls": False, "constant_memory": False,
                                           "use_zip64": big, "tmpdir": str(path.parent)})
    book.set_properties({"title": title, "created": dt.datetime(2000, 1, 1)})  # same data → same bytes
    formats = {kind: book.add_format(spec) for kind, spec in FORMATS.items()}
    formats["title"] = book.add_format({"bold": True, "font_size": 16})
    formats["bold"] = book.add_format({"bold": True})
    formats["header"] = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
    formats["quoted"] = book.add_format({"quote_prefix": True})
    if vba_project is not None:  # a vbaProject.bin file, or its bytes
        if isinstance(vba_project, bytes):
            book.add_vba_project(io.BytesIO(vba_project), is_stream=True)
        else:
            book.add_vba_project(str(vba_project))
        book.set_vba_name("ThisWorkbook")
    if not only_given:
        write_readme(book, title, formats, month, buttons, data_version)
    for sheet in INPUT_SHEETS:
        if sheet.name in data or not only_given:
            write_sheet(book, sheet, data.get(sheet.name, []), formats)
    for name in data:
        if name not in SHEETS_BY_NAME:
            raise KeyError(f"未知工作表 {name}")
    if conf is not None:  # xlwings reads its settings from a sheet named xlwings.conf: column A down to
        ws = book.add_worksheet("xlwings.conf")  # the first empty cell; a key with an empty value would
        ws.set_column(0, 1, 28)  # override the add-in's setting, so such rows are left out
        for r, (key, value) in enumerate([row for row in conf if row[1]]):
            ws.write_string(r, 0, key)
            ws.write_string(r, 1, value)
    book.close()


def rules_row_values() -> list[list[object]]:
    return [[p.id, p.label, str(p.default), p.unit, p.clause, p.doc] for p in PARAMS]
