"""Excel worksheet functions (xlwings UDFs), thin wrappers over the engine.

Each takes what Excel passes (floats, None for blank cells, datetimes, error values as text) and
returns a value or a short Chinese message starting with 「错误：」 — never a traceback, never a 0
standing in for a bad argument.

Registration is xlwings' own: on Windows ``xw.func``/``xw.arg``/``xw.ret`` are
``xlwings.udfs.xlfunc``/``xlarg``/``xlret``, which read each function's signature (the guard below
keeps it with ``functools.wraps``) and write one VBA wrapper per function on "Import Functions".
Argument names are ASCII and valid VBA identifiers: they become the wrapper's parameters. On
machines without Excel the decorators do nothing and the functions are plain Python.

The functions that read the calling workbook take its 数据版本 cell (ED_DATA_VERSION) as their last
argument and are not volatile: Excel calls them again when that cell changes, and they share one read
and one computation per version (see ``recalc``). ED_PAYROLL returns a plain 2-D array, which Excel
365/2021 spills (#SPILL! when the cells below are not empty).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect

from ecomdept.run import engine
from ecomdept.pay import tax
from ecomdept.core.calendar import WorkCalendar, parse_month
from ecomdept.core.issues import has_blocking
from ecomdept.core.money import fen_to_float
from ecomdept.inputs.workbook_io import ALL_SHEETS, load
from ecomdept.excel.arguments import (amount_fen, check_error, date_value, minutes_value, month_text, text_value,
                                      time_value)
from ecomdept.excel.recalc import Recalculation
from ecomdept.excel.workbook import month_from
from ecomdept.inputs.master_workbook import DATA_VERSION_NAME

CATEGORY = "电商部 ecomdept"
PIPELINE_RUNS = {"count": 0}
HOLIDAY_SHEETS = frozenset({"holidays"})
VERSION_DOC = f"数据版本：写 {DATA_VERSION_NAME}（说明 表上自动更新的单元格）"
_recalc = Recalculation()


def _excel(*, reads_book: bool = False, **docs: str):
    """Guard a function (Chinese message instead of an exception) and register it with xlwings. Never
    volatile; a function that reads the book is not run while the Function Wizard is open."""
    def register(fn):
        @functools.wraps(fn)
        def cell(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except (ValueError, LookupError) as exc:
                return f"错误：{str(exc).strip(chr(39))}"
            except Exception as exc:  # never a traceback in a cell
                return f"错误：无法计算（{type(exc).__name__}）"

        try:
            import xlwings as xw
        except ImportError:  # pragma: no cover - machines without xlwings
            return cell
        for name in inspect.signature(fn).parameters:
            if name == "caller":  # xlwings hands over the calling Range; not an Excel argument
                cell = xw.arg("caller", vba="Caller")(cell)
            else:
                cell = xw.arg(name, err_to_str=True, doc=docs.get(name, name))(cell)
        return xw.func(call_in_wizard=not reads_book, category=CATEGORY)(cell)
    return register


def run_month(*args, **kwargs):
    """The engine's month, looked up at call time."""
    return engine.run_month(*args, **kwargs)


# --- pure functions -----------------------------------------------------------------------------

IIT_NAMES = ("累计收入", "累计免税收入", "累计减除费用", "累计专项扣除", "累计专项附加扣除", "累计依法确定的其他扣除",
             "累计已预扣预缴税额", "累计减免税额")


@_excel(**dict(zip(("ytd_income", "ytd_exempt", "ytd_basic_deduction", "ytd_special_deduction",
                    "ytd_additional_deduction", "ytd_other_deduction", "ytd_withheld", "ytd_relief"), IIT_NAMES)))
def ed_iit(ytd_income, ytd_exempt, ytd_basic_deduction, ytd_special_deduction, ytd_additional_deduction,
           ytd_other_deduction, ytd_withheld, ytd_relief=0):
    """ED_IIT(累计收入, 累计免税收入, 累计减除费用, 累计专项扣除, 累计专项附加扣除, 累计依法确定的其他扣除,
    累计已预扣预缴税额[, 累计减免税额]) → 本期应预扣预缴税额（元，到分，不为负）。国家税务总局公告2018年第61号。"""
    values = (ytd_income, ytd_exempt, ytd_basic_deduction, ytd_special_deduction, ytd_additional_deduction,
              ytd_other_deduction, ytd_withheld, ytd_relief)
    fen = [amount_fen(v, n) for v, n in zip(values, IIT_NAMES)]
    return fen_to_float(tax.withholding(*fen[:7], relief=fen[7], on=dt.date.today()))


@_excel(punch_time="打卡时间", start_time="上班时间", grace_minutes="宽限分钟（可省略，默认 0）")
def ed_late_minutes(punch_time, start_time, grace_minutes=0):
    """ED_LATE_MINUTES(打卡时间, 上班时间[, 宽限分钟]) → 迟到分钟（截去秒；不超过宽限为 0）。"""
    punch, start = time_value(punch_time, "打卡时间"), time_value(start_time, "上班时间")
    grace = minutes_value(grace_minutes, "宽限分钟")
    seconds = (punch.hour * 3600 + punch.minute * 60 + punch.second) - (start.hour * 3600 + start.minute * 60)
    minutes = max(0, seconds // 60)
    return 0 if minutes <= grace else minutes


# --- functions that read the calling workbook ---------------------------------------------------

def _book_of(caller):
    """The calling workbook: from an xlwings-style Range (``.sheet.book``), or from the raw
    Application.Caller COM range."""
    if caller is None:
        raise LookupError("无法确定调用的工作簿")
    sheet = getattr(caller, "sheet", None)
    if sheet is not None:
        return sheet.book
    import xlwings as xw

    return xw.Book(caller.Worksheet.Parent.FullName)


def version_key(value):
    """The 数据版本 argument, the key of what was read at it."""
    check_error(value, "数据版本")
    if value is None or (isinstance(value, str) and not value.strip()):
        raise LookupError(f"缺少数据版本：最后一个参数写 {DATA_VERSION_NAME}")
    if isinstance(value, list):
        raise ValueError(f"数据版本应为一个单元格（{DATA_VERSION_NAME}）")
    return value


def _compute(snapshot, month: str):
    loaded = load(snapshot, None)
    if has_blocking(loaded.issues):
        raise ValueError(f"数据有 {sum(i.blocking for i in loaded.issues)} 个问题，请先点「校验数据」")
    PIPELINE_RUNS["count"] += 1
    return run_month(loaded, *parse_month(month))


def _state(caller, version):
    book = _book_of(caller)
    return book, _recalc.version(book, version_key(version))


def _month_label(state, book, month) -> str:
    if month not in (None, ""):
        return month_text(month)
    return month_text(month_from(state.snapshot(book, ALL_SHEETS)), "计算月份")


def _month(caller, month, version):
    """(the book's state at this 数据版本, the month, its computation): read and computed at most once."""
    book, state = _state(caller, version)
    label = _month_label(state, book, month)
    return state, label, state.value(("month", label), lambda: _compute(state.snapshot(book, ALL_SHEETS), label))


def month_result(caller, month, version):
    """The month's computation for the calling book at this 数据版本."""
    return _month(caller, month, version)[2]


def month_pays(caller, month, version) -> dict:
    """工号 → this month's pay, for the calling book at this 数据版本."""
    state, label, result = _month(caller, month, version)
    return state.value(("pays", label), lambda: {pay.employee_id: pay for pay in result.pays})


def clear_cache() -> None:
    _recalc.clear()


def _calendar(caller, version) -> WorkCalendar:
    if caller is None:
        return WorkCalendar()
    book, state = _state(caller, version)
    return state.value("calendar", lambda: load(state.snapshot(book, HOLIDAY_SHEETS), None, HOLIDAY_SHEETS).calendar)


def _pay(employee_id, pays: dict):
    emp = text_value(employee_id, "工号")
    if emp not in pays:
        raise LookupError(f"工号 {emp} 本月不在工资表中")
    return pays[emp]


@_excel(reads_book=True, month="月份，如 2026-10", data_version=VERSION_DOC)
def ed_workdays(month, data_version=None, caller=None):
    """ED_WORKDAYS(月份, 数据版本) → 当月工作日天数（chinese-calendar + 节假日表）。"""
    year, mon = parse_month(month_text(month))
    return len(_calendar(caller, data_version).workdays(year, mon))


@_excel(reads_book=True, day="日期", data_version=VERSION_DOC)
def ed_is_workday(day, data_version=None, caller=None):
    """ED_IS_WORKDAY(日期, 数据版本) → TRUE/FALSE（含本工作簿 节假日 表的调整）。"""
    return _calendar(caller, data_version).is_workday(date_value(day))


@_excel(reads_book=True, employee_id="工号", month="月份，如 2026-10", data_version=VERSION_DOC)
def ed_penalty(employee_id, month, data_version=None, caller=None):
    """ED_PENALTY(工号, 月份, 数据版本) → 本月计入工资的罚款（元）。"""
    return fen_to_float(_pay(employee_id, month_pays(caller, month, data_version)).penalties)


@_excel(reads_book=True, employee_id="工号", month="月份，如 2026-10", data_version=VERSION_DOC)
def ed_net_pay(employee_id, month, data_version=None, caller=None):
    """ED_NET_PAY(工号, 月份, 数据版本) → 实发工资（元）。"""
    return fen_to_float(_pay(employee_id, month_pays(caller, month, data_version)).net_pay)


@_excel(reads_book=True, scope="范围：department、小组或工号", month="月份，如 2026-10", metric="指标 id，如 net_sales",
        data_version=VERSION_DOC)
def ed_kpi(scope, month, metric, data_version=None, caller=None):
    """ED_KPI(范围, 月份, 指标, 数据版本) → KPI 值（金额为元，比率为小数）；范围为 department、小组或工号。"""
    from ecomdept.sales.kpi import BY_ID

    scope, metric = text_value(scope, "范围"), text_value(metric, "指标")
    if metric not in BY_ID:
        raise LookupError(f"没有指标 {metric}")
    result = month_result(caller, month, data_version)
    if result.kpis is None:
        raise LookupError("工作簿没有订单数据")
    for s, m, value in result.kpis.itertuples(index=False):
        if s == scope and m == metric:
            if value is None:
                return "无数据"
            return fen_to_float(int(value)) if BY_ID[metric].kind == "money" else float(value)
    raise LookupError(f"没有 {scope} 的指标 {metric}")


PAYROLL_HEADERS = ["工号", "姓名", "基本工资", "岗位津贴", "加班工资", "绩效奖金", "缺勤扣款", "罚款", "应发工资", "社会保险",
                   "住房公积金", "专项附加扣除", "个人所得税", "实发工资"]


@_excel(reads_book=True, month="月份，如 2026-10", data_version=VERSION_DOC)
def ed_payroll(month, data_version=None, caller=None):
    """ED_PAYROLL(月份, 数据版本) → 数组：本月工资表（表头 + 每人一行）。Excel 365/2021 自动溢出（下方有内容时为 #SPILL!）；
    旧版 Excel 须先选中区域再按 Ctrl+Shift+Enter 作为数组公式输入。"""
    state, label, result = _month(caller, month, data_version)
    return [list(row) for row in state.value(("payroll", label), lambda: payroll_table(result))]


def payroll_table(result) -> list[list]:
    from ecomdept.outputs.records import CONTRACT_COLUMNS, payroll_rows

    rows = [list(PAYROLL_HEADERS)]
    for row in payroll_rows(result):
        rows.append([row["employee_id"], row["name"]] + [fen_to_float(row[c]) for c in CONTRACT_COLUMNS[2:14]])
    return rows


@_excel(amount="全年一次性奖金金额（元）", paid_on="发放日期（可省略，默认今天）")
def ed_annual_bonus_iit(amount, paid_on=None):
    """ED_ANNUAL_BONUS_IIT(金额[, 发放日期]) → 全年一次性奖金单独计税的税额（元）：金额 ÷ 12 按月度税率表定税率，
    金额 × 税率 − 速算扣除数（财政部 税务总局公告2023年第30号，至 2027-12-31）。"""
    from ecomdept.core.statutory import annual_bonus_table

    day = dt.date.today() if paid_on in (None, "") else date_value(paid_on, "发放日期")
    if not annual_bonus_table(day).separate_allowed(day):
        raise ValueError(f"单独计税政策有效期至 {annual_bonus_table(day).separate_until}，{day} 发放的应并入综合所得")
    return fen_to_float(tax.annual_bonus_tax(amount_fen(amount, "金额"), day)[0])
