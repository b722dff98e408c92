"""UDFs and buttons called as Excel calls them, through the workbook adapter on the sample workbook."""

import csv
import datetime as dt

import pytest

from ecomdept.run import sample
from ecomdept.excel import buttons, functions as f, recalc
from ecomdept.excel.filebook import Caller, FileBook
from ecomdept.core.money import yuan_to_fen


@pytest.fixture()
def book(sample_path):
    f.clear_cache()
    return FileBook(sample_path)


def csv_rows(demo_run):
    with open(demo_run.month_dir / "payroll.csv", encoding="utf-8-sig") as handle:
        return {r["employee_id"]: r for r in csv.DictReader(handle)}


def test_calendar_and_pure_functions(book):
    assert f.ed_workdays("2026-10") == 18
    assert f.ed_workdays(dt.datetime(2026, 10, 1), 1.0, caller=Caller(book)) == 18
    assert f.ed_is_workday(dt.datetime(2026, 10, 10)) is True and f.ed_is_workday(dt.datetime(2026, 10, 5)) is False
    assert f.ed_late_minutes(dt.time(8, 30, 59), "08:30") == 0
    assert f.ed_late_minutes(0.35486111, 0.35416667, None) == 1        # Excel time fractions: 08:31 vs 08:30
    assert f.ed_late_minutes("08:40", "08:30", 10.0) == 0


def test_data_functions_equal_the_cli(book, demo_run):
    rows = csv_rows(demo_run)
    caller = Caller(book)
    for emp, row in rows.items():
        assert yuan_to_fen(f.ed_net_pay(emp, "2026-10", 1.0, caller)) == yuan_to_fen(row["net_pay"])
        assert yuan_to_fen(f.ed_penalty(emp, dt.datetime(2026, 10, 1), 1.0, caller)) == yuan_to_fen(row["penalties"])
    table = f.ed_payroll("2026-10", 1.0, caller)
    assert table[0][0] == "工号" and len(table) == len(rows) + 1
    assert {r[0]: yuan_to_fen(r[-1]) for r in table[1:]} == {e: yuan_to_fen(r["net_pay"]) for e, r in rows.items()}
    with open(demo_run.month_dir / "kpi.csv", encoding="utf-8-sig") as handle:
        kpis = {(r["scope"], r["metric"]): r["value"] for r in csv.DictReader(handle)}
    assert yuan_to_fen(f.ed_kpi("department", "2026-10", "net_sales", 1.0, caller)) == yuan_to_fen(
        kpis[("department", "net_sales")])
    assert f.ed_kpi("department", "2026-10", "refund_rate", 1.0, caller) == pytest.approx(
        float(kpis[("department", "refund_rate")]), abs=1e-6)


def test_ed_payroll_is_a_plain_two_dimensional_array(book):
    """What Excel 365 spills: a list of equally long rows of numbers and text, nothing for xlwings to expand."""
    table = f.ed_payroll("2026-10", 1.0, Caller(book))
    assert isinstance(table, list) and all(isinstance(r, list) and len(r) == len(f.PAYROLL_HEADERS) for r in table)
    assert table[0] == f.PAYROLL_HEADERS
    assert all(isinstance(v, str) for r in table[1:] for v in r[:2])
    assert all(isinstance(v, float) for r in table[1:] for v in r[2:])


def test_errors_are_short_chinese_messages(book):
    caller = Caller(book)
    assert f.ed_net_pay("E9999", "2026-10", 1.0, caller) == "错误：工号 E9999 本月不在工资表中"
    assert f.ed_net_pay("E0001", "十月", 1.0, caller).startswith("错误：月份应写作 YYYY-MM")
    assert f.ed_net_pay("E0001", "2026-10", 1.0, None) == "错误：无法确定调用的工作簿"
    assert f.ed_kpi("department", "2026-10", "no_such_metric", 1.0, caller).startswith("错误：")


@pytest.mark.parametrize("call", [
    lambda c: f.ed_net_pay("E0001", "2026-10", None, c), lambda c: f.ed_penalty("E0001", "2026-10", "", c),
    lambda c: f.ed_kpi("department", "2026-10", "net_sales", None, c), lambda c: f.ed_payroll("2026-10", None, c),
    lambda c: f.ed_workdays("2026-10", None, c), lambda c: f.ed_is_workday(dt.datetime(2026, 10, 10), None, c)])
def test_a_data_function_without_the_data_version_says_what_to_write(book, call):
    reads = recalc.COUNTS["reads"]
    assert call(Caller(book)) == "错误：缺少数据版本：最后一个参数写 ED_DATA_VERSION"
    assert recalc.COUNTS["reads"] == reads


def test_an_error_value_as_data_version_is_named(book):
    assert f.ed_net_pay("E0001", "2026-10", "#REF!", Caller(book)) == "错误：数据版本是错误值 #REF!"


def _roster_cell(book, employee_id, header):
    rows = book.sheets["员工"].cells
    column = rows[0].index(header)
    return next(r for r in rows if r[0] == employee_id), column


def _recalculate(book, count, version):
    """Excel calling the formula cells A1…A<count> of the first sheet, =ED_NET_PAY(工号, 月份, ED_DATA_VERSION)."""
    return [f.ed_net_pay(f"E{i:04d}", "2026-10", version, Caller(book, f"$A${i}")) for i in range(1, count + 1)]


def test_a_thousand_cells_read_and_run_the_month_once_per_data_version(tmp_path):
    path = sample.write(tmp_path / "big.xlsx", employees=1000, orders_per_employee=1)
    book = FileBook(path)
    f.clear_cache()
    runs, reads = f.PIPELINE_RUNS["count"], recalc.COUNTS["reads"]
    first = _recalculate(book, 1000, 85000000000.0)
    assert f.PIPELINE_RUNS["count"] - runs == 1 and recalc.COUNTS["reads"] - reads == 1
    assert sum(isinstance(v, float) for v in first) >= 990  # all but the odd mid-month leaver are paid

    again = _recalculate(book, 1000, 85000000000.0)      # F9, or Excel recalculating for another reason
    assert again == first and f.PIPELINE_RUNS["count"] - runs == 1 and recalc.COUNTS["reads"] - reads == 1

    row, column = _roster_cell(book, "E0001", "月基本工资")
    row[column] = float(row[column]) + 1000            # an edit in 员工: the workbook gives a new version
    second = _recalculate(book, 1000, 85000000123.0)
    assert f.PIPELINE_RUNS["count"] - runs == 2 and recalc.COUNTS["reads"] - reads == 2
    assert second[0] > first[0] and second[1:] == first[1:]


def test_the_version_decides_what_is_read(book):
    """Data read at a version stands for that version: the workbook's macro gives every input edit a new
    one, so an unchanged version means unchanged data."""
    caller = Caller(book, "$B$2")
    before = f.ed_net_pay("E0002", "2026-10", 7.0, caller)
    row, column = _roster_cell(book, "E0002", "月基本工资")
    row[column] = float(row[column]) + 500
    assert f.ed_net_pay("E0002", "2026-10", 7.0, caller) == before
    assert f.ed_net_pay("E0002", "2026-10", 8.0, caller) > before


def test_every_input_sheet_edit_is_seen_with_the_next_version(book):
    caller = Caller(book, "$B$2")
    before = f.ed_net_pay("E0002", "2026-10", 1.0, caller)
    roster, clock = _roster_cell(book, "E0002", "考勤号")
    punches = book.sheets["打卡"].cells
    header = punches[0]
    mine = [r for r in punches[1:] if r[header.index("考勤号")] == roster[clock]]
    assert mine
    for r in mine:
        punches.remove(r)                              # E0002 now absent all month
    after = f.ed_net_pay("E0002", "2026-10", 2.0, caller)
    assert after < before
    net = f.ed_net_pay("E0001", "2026-10", 2.0, caller)
    row = next(r for r in book.sheets["规则"].cells if r[0] == "pension_rate")
    row[2] = 0.09                                      # an edit in 规则
    assert f.ed_net_pay("E0001", "2026-10", 3.0, caller) < net
    holidays = book.sheets["节假日"].cells
    assert f.ed_is_workday(dt.datetime(2026, 10, 12), 3.0, caller) is True
    holidays.append([dt.datetime(2026, 10, 12), "休息日", "公司活动日"])
    assert f.ed_is_workday(dt.datetime(2026, 10, 12), 4.0, caller) is False
    assert f.ed_workdays("2026-10", 4.0, caller) == 17


def test_one_version_reads_each_sheet_once_whatever_asks_first(book):
    reads, sheets = recalc.COUNTS["reads"], recalc.COUNTS["sheets_read"]
    caller = Caller(book)
    assert f.ed_workdays("2026-10", 5.0, caller) == 18          # reads 节假日 and 说明
    assert recalc.COUNTS["sheets_read"] - sheets == 2
    f.ed_net_pay("E0001", "2026-10", 5.0, caller)               # reads the other input sheets
    f.ed_payroll("2026-10", 5.0, caller)
    f.ed_kpi("department", "2026-10", "net_sales", 5.0, caller)
    assert f.ed_is_workday(dt.datetime(2026, 10, 10), 5.0, caller) is True
    inputs = {s.name for s in book.sheets} - {"xlwings.conf"}
    assert recalc.COUNTS["reads"] - reads == 2 and recalc.COUNTS["sheets_read"] - sheets == len(inputs)


def test_books_with_the_same_version_are_kept_apart(book, tmp_path):
    other = FileBook(sample.write(tmp_path / "other.xlsx", employees=5, orders_per_employee=1))
    mine = f.ed_payroll("2026-10", 1.0, Caller(book))
    theirs = f.ed_payroll("2026-10", 1.0, Caller(other))
    assert len(mine) == 31 and len(theirs) == 6


def test_buttons_write_only_result_sheets(book, demo_run):
    inputs = {s.name: [list(r) for r in s.cells] for s in book.sheets}
    book.sheets["说明"].cells.insert(1, ["计算月份", "2026-10"])
    inputs["说明"] = [list(r) for r in book.sheets["说明"].cells]
    assert buttons.validate(book) == 0
    buttons.attendance(book)
    result = buttons.payroll(book)
    names = [s.name for s in book.sheets]
    assert {"结果-数据问题", "结果-考勤汇总", "结果-考勤明细", "结果-预警", "结果-工资表", "结果-扣款明细"} <= set(names)
    for s in book.sheets:
        if s.name in inputs:
            assert s.cells == inputs[s.name], f"按钮改动了输入表 {s.name}"
    rows = csv_rows(demo_run)
    sheet = book.sheets["结果-工资表"].cells
    assert {r[0]: yuan_to_fen(r[-1]) for r in sheet[1:]} == {e: yuan_to_fen(r["net_pay"]) for e, r in rows.items()}
    assert len(result.pays) == 30
    assert any("考勤完成" in str(m) for m in book.app.status_history)
    buttons.payroll(book)  # pressing again replaces, never duplicates
    assert [s.name for s in book.sheets].count("结果-工资表") == 1


def test_payslip_button_writes_beside_the_workbook(book, tmp_path):
    import shutil
    copy = tmp_path / "主工作簿.xlsx"
    shutil.copy(book.fullname, copy)
    local = FileBook(copy)
    local.sheets["说明"].cells.insert(1, ["计算月份", "2026-10"])
    outcome = buttons.payslips(local, pdf=False)
    assert outcome.code == 0 and outcome.month_dir == tmp_path / "ecomdept输出" / "2026-10"
    assert len(list((outcome.month_dir / "payslips").glob("*.html"))) == 30
    assert any("HTML 工资条 30/30" in str(m) for m in local.app.status_history)


def test_without_a_month_on_the_sheet_the_buttons_take_the_month_the_punches_are_in(tmp_path):
    from ecomdept.excel.filebook import FileBook
    from ecomdept.excel.workbook import month_of
    from ecomdept.run import sample

    book = FileBook(sample.write(tmp_path / "无月份.xlsx", 4, "2026-10"))  # 说明 has no 计算月份
    assert month_of(book, dt.date(2027, 3, 5)) == "2026-10"
