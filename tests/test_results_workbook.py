"""The results workbook 工资表_YYYY-MM.xlsx as people use it: typed cells (numbers, dates, times, 0 not
blank), Chinese in every cell a person reads, every sheet set up for printing, the DingTalk-style
考勤月报, a cash list a cashier can pay, and LibreOffice printing 工资表 and 考勤月报 one page wide."""

from __future__ import annotations

import copy
import datetime as dt
import re
import shutil
import subprocess
from collections import Counter

import openpyxl
import pytest

from ecomdept.run import sample
from ecomdept.core.calendar import WORKDAY
from ecomdept.pay.cash import DENOMINATIONS, denominations, split, unit_fen
from ecomdept.inputs.master_workbook import write_master
from ecomdept.run.pipeline import run_payroll
from ecomdept.outputs.results import day_marks

NUMBER = re.compile(r"^[-+]?[¥￥]?\s*[\d,]*\.?\d+\s*%?$")
TIME = re.compile(r"^\d{1,2}[:：]\d{2}([:：]\d{2})?$")
DATE = re.compile(r"^\d{4}[-/.年]\d{1,2}([-/.月]\d{1,2}日?)?$")
ENGLISH_ID = re.compile(r"^[a-z_]+$")
ID_COLUMNS = {"工号", "账号", "考勤号", "退款单号", "订单编号", "单号", "受理客服"}  # genuine text ids
SIGNED = ("工资表", "代发工资", "现金发放")


@pytest.fixture(scope="module")
def book(demo_run):
    return openpyxl.load_workbook(demo_run.month_dir / "工资表_2026-10.xlsx")


@pytest.fixture(scope="module")
def values(demo_run):
    """The same book with each SUM's cached value in place of the formula."""
    return openpyxl.load_workbook(demo_run.month_dir / "工资表_2026-10.xlsx", data_only=True)


def _id_columns(ws) -> set[int]:
    return {c.column for row in ws.iter_rows(max_row=6) for c in row if c.value in ID_COLUMNS}


def test_no_number_date_or_time_is_text_and_no_english_id(book):
    bad = []
    for ws in book.worksheets:
        ids = _id_columns(ws)
        for row in ws.iter_rows():
            for c in row:
                if not isinstance(c.value, str) or c.column in ids:
                    continue
                text = c.value.strip()
                if NUMBER.match(text.replace(" ", "")) or TIME.match(text) or DATE.match(text):
                    bad.append((ws.title, c.coordinate, c.value, "数字/日期/时间写成了文本"))
                if ENGLISH_ID.match(text) or "_" in text:
                    bad.append((ws.title, c.coordinate, c.value, "英文 id"))
    assert not bad, bad[:20]


def _column(ws, header: str, header_row: int) -> list:
    col = next(c.column for c in ws[header_row] if c.value == header)
    return [ws.cell(r, col).value for r in range(header_row + 1, ws.max_row + 1)
            if str(ws.cell(r, 1).value or "").startswith("E")]


def test_cells_are_typed(book):
    pay = book["工资表"]
    assert all(isinstance(v, dt.datetime) for v in _column(pay, "发薪日", 4))
    assert all(isinstance(v, (int, float)) for v in _column(pay, "实发工资", 4))
    detail = book["考勤明细"]
    times = [v for v in _column(detail, "首次打卡", 1) if v is not None]
    assert times and all(isinstance(v, dt.time) for v in times)
    assert detail.cell(2, 5).number_format == "hh:mm:ss"
    assert all(isinstance(v, dt.datetime) for v in _column(detail, "日期", 1))
    assert all(isinstance(v, dt.datetime) for v in _column(book["扣款明细"], "日期", 1))
    assert set(_column(book["扣款明细"], "规则", 1)) == {"旷工罚款"}
    overtime = book["加班明细"]
    assert {type(v) for v in _column(overtime, "倍数", 1) + _column(overtime, "小时", 1)} <= {int, float}
    summary = book["考勤汇总"]
    for r in range(2, summary.max_row):       # the last row is 合计: every person has every value, 0 not blank
        assert all(isinstance(c.value, (int, float)) for c in summary[r][2:]), r
    assert {type(v) for v in _column(book["绩效"], "加权得分", 1)} <= {int, float}  # a number (100 is read back as int)
    kpi = book["KPI"]
    values = [kpi.cell(r, 5) for r in range(2, kpi.max_row + 1) if kpi.cell(r, 5).value is not None]
    assert values and all(isinstance(c.value, (int, float)) for c in values)
    assert {c.number_format for c in values} >= {"¥#,##0.00", "0.00%", "0"}
    assert {kpi.cell(r, 1).value for r in range(2, kpi.max_row + 1)} == {"部门", "小组", "个人"}


def test_every_sheet_is_set_up_for_printing(book):
    for ws in book.worksheets:
        setup = ws.page_setup
        assert setup.paperSize == 9 and setup.orientation in ("portrait", "landscape"), ws.title
        if ws.title == "工资条":  # a fixed scale: Excel ignores manual page breaks under fit-to-page
            assert not (ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage)
            assert 50 <= int(setup.scale) <= 100 and ws.row_breaks.count >= 1
        else:
            assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
            assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), ws.title
        assert ws.print_title_rows, ws.title
        assert "2026-10" in ws.oddHeader.center.text, ws.title
        assert "第 &P 页，共 &N 页" in ws.oddFooter.center.text, ws.title
        width = sum((ws.column_dimensions[letter].width or 8) for letter in ws.column_dimensions)
        if width > 120:
            assert setup.orientation == "landscape", ws.title
    for name in ("工资表", "考勤月报", "现金发放", "考勤明细"):
        assert book[name].page_setup.orientation == "landscape" and book[name].print_title_cols == "$A:$B", name
    assert book["工资表"].print_title_rows == "$3:$4" and book["考勤月报"].print_title_rows == "$3:$4"


def _widths(ws) -> dict[int, float]:
    out = {}
    for dim in ws.column_dimensions.values():
        for col in range(dim.min or 1, (dim.max or dim.min or 1) + 1):
            out[col] = dim.width
    return out


def test_text_columns_are_wide_enough_for_their_longest_label(book):
    """A label is cut short in print where the next cell holds something: every such label fits its column."""
    from ecomdept.outputs.results.book import text_width

    cut = []
    for ws in book.worksheets:
        merged = {(r, c) for rng in ws.merged_cells.ranges for r in range(rng.min_row, rng.max_row + 1)
                  for c in range(rng.min_col, rng.max_col + 1)}
        widths = _widths(ws)
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if (not isinstance(value, str) or value.startswith("=") or (cell.row, cell.column) in merged
                        or cell.alignment.wrap_text or cell.alignment.shrink_to_fit
                        or ws.cell(cell.row, cell.column + 1).value is None):
                    continue
                if text_width(value) > widths.get(cell.column, 8.43):
                    cut.append((ws.title, cell.coordinate, value))
    assert not cut, cut[:10]
    status = _column(book["考勤明细"], "状态", 1)
    assert "法定节假日（有打卡）" in status


def test_strips_break_between_strips_only(book, demo_run):
    ws = book["工资条"]
    starts = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "工号"]
    assert len(starts) == len(demo_run.result.pays)
    step = starts[1] - starts[0]
    assert all(b - a == step for a, b in zip(starts, starts[1:]))
    for brk in ws.row_breaks.brk:   # a break after row N: the next row opens a strip
        assert brk.id + 1 in starts, brk.id
    first = starts[0]
    assert [ws.cell(first + 2, 1).value, ws.cell(first + 1, 1).value] == ["缺勤扣款", demo_run.result.pays[0].employee_id]


@pytest.mark.parametrize("name", SIGNED)
def test_signed_lists_end_with_sign_off_lines(book, name):
    ws = book[name]
    first = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    total = first.index("合计")
    tail = [v for v in first[total + 1:] if v]
    assert tail[:2] == ["制表：　　　　审核：　　　　批准：　　　　", "日期：　　　　年　　月　　日"], tail
    if name in ("代发工资", "现金发放"):  # the lists money is paid from: not before approval
        assert tail[2:] == ["发放状态：未批准，不得据此发放（须 审核、批准；用 ecomdept approve 登记）"], tail
    else:
        assert tail[2:] == [], tail
    assert ws.cell(total + 1, 2).value.endswith(" 人")


def test_totals_are_sums(book):
    for name in ("工资表", "代发工资", "现金发放", "单位成本", "考勤月报", "扣款明细"):
        ws = book[name]
        total = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "合计")
        assert any(str(c.value).startswith("=SUM(") for c in ws[total]), name


# 考勤月报 ---------------------------------------------------------------------------------------------

def test_month_grid_has_a_mark_per_person_day(book, demo_run):
    ws = book["考勤月报"]
    result = demo_run.result
    header = [c.value for c in ws[3]]
    assert header[:3] == ["工号", "姓名", "小组"] and header[3:34] == list(range(1, 32))
    assert header[34:] == ["应出勤", "实出勤", "迟到次数", "早退次数", "旷工天数", "缺卡次数", "请假小时", "加班小时"]
    assert [c.value for c in ws[4]][3:10] == list("四五六日一二三")      # 2026-10-01 is a Thursday
    assert "√ 正常" in ws["A2"].value and "旷 旷工" in ws["A2"].value
    rows = {ws.cell(r, 1).value: [c.value for c in ws[r]] for r in range(5, ws.max_row + 1)
            if str(ws.cell(r, 1).value or "").startswith("E")}
    summary = result.summary.set_index("employee_id")
    assert list(rows) == list(result.summary["employee_id"])
    allowed = {"√", "迟", "早", "旷", "缺", "假", "休", "加"}
    for emp, row in rows.items():
        marks = [m for m in row[3:34] if m is not None]
        assert all(set(m.split("/")) <= allowed for m in marks), marks
        s = summary.loc[emp]
        assert marks.count("旷") == s.absent_days == row[38]
        assert sum("迟" in m for m in marks) == s.late_count == row[36]
        assert sum("早" in m for m in marks) == s.early_count == row[37]
        assert sum("缺" in m for m in marks) == s.missing_punch == row[39]
        assert row[34:36] == [s.scheduled_days, s.attended]             # 应出勤: the person's own rota
        days = result.days[result.days["employee_id"] == emp]
        assert len(marks) == len(days)                                  # blank only on days not employed
    overtime = Counter(line.employee_id for line in result.overtime)
    assert sum(sum("加" in (m or "") for m in row[3:34]) for row in rows.values()) == sum(overtime.values())
    rest = next(c for c in ws[5][3:34] if ws.cell(4, c.column).value == "日")
    assert rest.fill.fgColor.rgb.endswith("E7E6E6")                    # weekends and holidays shaded


def test_day_marks_combine_with_a_slash():
    import pandas as pd
    days = pd.DataFrame({
        "employee_id": ["E1"] * 8, "date": [dt.date(2026, 10, d) for d in range(8, 16)],
        "kind": [WORKDAY] * 5 + ["restday"] + [WORKDAY] * 2,
        "absent": [False, False, True, False, False, False, False, False],
        "is_late": [True, True, True, False, False, False, False, True],
        "is_early": [False, True, False, False, False, False, False, False],
        "missing_punch": [False, False, False, True, False, False, False, False],
        "leave_min": [0, 0, 0, 0, 480, 0, 240, 240], "punches": [4, 4, 2, 1, 0, 2, 2, 2]})
    ot = {("E1", dt.date(2026, 10, 8)), ("E1", dt.date(2026, 10, 13))}
    # a whole day on leave is 假; half a day on leave and the rest at work (部分请假) is √/假
    assert list(day_marks(days, ot)) == ["迟/加", "迟/早", "旷", "缺", "假", "加", "√/假", "迟/假"]


def test_month_grid_marks_agree_with_the_detail_status(book):
    grid, detail = book["考勤月报"], book["考勤明细"]
    head = {c.value: c.column - 1 for c in detail[1]}
    marks = {}
    for r in range(5, grid.max_row + 1):
        emp = grid.cell(r, 1).value
        if str(emp or "").startswith("E"):
            for c in range(4, 35):
                marks[(emp, grid.cell(3, c).value)] = grid.cell(r, c).value
    partial = 0
    for row in detail.iter_rows(min_row=2, values_only=True):
        if not str(row[head["工号"]] or "").startswith("E"):
            continue
        mark = marks[(row[head["工号"]], row[head["日期"]].day)]
        status = row[head["状态"]]
        if status == "部分请假":
            partial += 1
            assert mark in ("√/假", "√/假/加"), (row[head["工号"]], row[head["日期"]], mark)
        elif status == "请假":
            assert mark.startswith("假"), mark
        elif status == "正常":
            assert mark.startswith("√") and "假" not in mark, mark
    assert partial


# cash -------------------------------------------------------------------------------------------------

def test_cash_split_stops_at_the_smallest_unit():
    assert unit_fen(None) == 10 and unit_fen("1元") == 100 and unit_fen("1分") == 1
    assert [label for _, label in denominations()][-1] == "1角"
    for amount in (0, 1, 9, 10, 99, 1234567, 15525_36, 7145_19):
        for unit in (100, 50, 10, 1):
            counts, rest = split(amount, unit)
            notes = denominations(unit)
            assert sum(c * v for c, (v, _) in zip(counts, notes)) + rest == amount
            assert 0 <= rest < unit
    assert split(-500) == ([0] * len(denominations()), 0)
    assert len(denominations(1)) == len(DENOMINATIONS)


def _cash_rows(ws):
    header = [c.value for c in ws[3]]
    rows = [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=4)
            if str(row[0].value or "").startswith("E")]
    total = next(dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=4) if row[0].value == "合计")
    return header, rows, total


def _fen(value) -> int:
    return round(value * 100)


def test_cash_list_reconciles_to_the_fen_without_fen_coins(values):
    header, rows, total = _cash_rows(values["现金发放"])
    notes = [label for _, label in denominations(10)]
    assert header[5:5 + len(notes)] == notes and not {"5分", "2分", "1分"} & set(header)
    assert header[-2:] == ["备注", "签收"] and header[4] == "零头（不足1角）"
    for row in rows:
        cash = sum(row[label] * value for value, label in denominations(10))
        assert _fen(row["现金金额"]) == cash and _fen(row["实发金额"]) == cash + _fen(row["零头（不足1角）"])
        assert 0 <= _fen(row["零头（不足1角）"]) < 10
    assert _fen(total["实发金额"]) == sum(_fen(r["实发金额"]) for r in rows)
    assert _fen(total["零头（不足1角）"]) == sum(_fen(r["零头（不足1角）"]) for r in rows)
    bank = values["代发工资"]
    bank_total = next(row[3].value for row in bank.iter_rows() if row[0].value == "合计")
    assert _fen(bank_total) == _fen(total["实发金额"])


def test_cash_unit_comes_from_the_rules(tmp_path):
    data = copy.deepcopy(sample.build(employees=4, orders_per_employee=1))
    for row in data["规则"]:
        if row[0] == "cash_smallest_unit":
            row[2] = "1元"
    outcome = run_payroll(write_master(tmp_path / "m.xlsx", data), "2026-10", tmp_path / "out", pdf=False,
                          show_progress=False)
    assert outcome.code == 0, outcome.message
    book = openpyxl.load_workbook(outcome.month_dir / "工资表_2026-10.xlsx", data_only=True)
    header, rows, _ = _cash_rows(book["现金发放"])
    assert header[4] == "零头（不足1元）" and header[5:11] == ["100元", "50元", "20元", "10元", "5元", "1元"]
    assert "5角" not in header and all(0 <= _fen(r["零头（不足1元）"]) < 100 for r in rows)


# LibreOffice ------------------------------------------------------------------------------------------

def test_libreoffice_prints_payroll_and_month_grid_one_page_wide(demo_run, tmp_path):
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) 未安装"
    source = demo_run.month_dir / "工资表_2026-10.xlsx"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)], check=True,
                   capture_output=True, timeout=300)
    pdf = tmp_path / "工资表_2026-10.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    sheets = {}
    for page in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        lines = [line for line in text.splitlines() if line.strip()]
        assert re.search(rf"第 {page} 页，共 {pages} 页", lines[-1]), lines[-1]
        sheets.setdefault(lines[-1].split()[-1], []).append(text)      # the footer ends with the sheet's name
    assert len(sheets["工资表"]) == 1 and len(sheets["考勤月报"]) == 1     # 30 people: one page, not 3 wide
    assert "工号" in sheets["工资表"][0] and "发薪日" in sheets["工资表"][0] and "制表" in sheets["工资表"][0]
    assert "工号" in sheets["考勤月报"][0] and "加班小" in sheets["考勤月报"][0]   # the last column (its header wraps)
    strips = 0
    for text in sheets["工资条"]:                                     # whole strips only, one page wide
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        heads = [i for i, line in enumerate(lines) if line.startswith("工号")]
        assert heads and all(re.match(r"E\d{4}", lines[i + 1]) and lines[i + 2].startswith("缺勤扣款")
                             and "年终奖" in lines[i] and "发薪日" in lines[i + 2] for i in heads), text
        strips += len(heads)
    assert strips == 30
    assert any("法定节假日（有打卡）" in t for t in sheets["考勤明细"])      # the 状态 column holds its longest label
    for name, texts in sheets.items():                                 # every page of every sheet: its header row
        assert all(("工号" in t or "项目" in t or "退款单号" in t or "范围" in t or "级别" in t or "下单数" in t)
                   for t in texts), name
    assert pages < 70
