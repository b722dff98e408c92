"""Excel worksheet functions (xlwings UDFs), thin wrappers over the engine.

Each takes what Excel passes (floats, None for blank cells, datetimes) and returns a value or a
short Chinese message — never a traceback.
"""

from __future__ import annotations

import datetime as dt

from .. import tax
from ..money import fen_to_float, yuan_to_fen

try:  # xlwings is only present where Excel is; the functions stay plain Python without it
    import xlwings as xw

    def _udf(fn):
        return xw.func(fn)
except ImportError:  # pragma: no cover - exercised on machines without xlwings
    def _udf(fn):
        return fn


def _fen(value: object, name: str) -> int:
    if value is None or value == "":
        return 0
    try:
        return yuan_to_fen(value)
    except ValueError:
        raise ValueError(f"{name}应为数字") from None


@_udf
def ed_iit(ytd_income, ytd_exempt, ytd_basic_deduction, ytd_special_deduction, ytd_additional_deduction,
           ytd_other_deduction, ytd_withheld, ytd_relief=0):
    """ED_IIT(累计收入, 累计免税收入, 累计减除费用, 累计专项扣除, 累计专项附加扣除, 累计依法确定的其他扣除,
    累计已预扣预缴税额[, 累计减免税额]) → 本期应预扣预缴税额（元，到分，不为负）。国家税务总局公告2018年第61号。"""
    names = ("累计收入", "累计免税收入", "累计减除费用", "累计专项扣除", "累计专项附加扣除", "累计依法确定的其他扣除",
             "累计已预扣预缴税额", "累计减免税额")
    values = (ytd_income, ytd_exempt, ytd_basic_deduction, ytd_special_deduction, ytd_additional_deduction,
              ytd_other_deduction, ytd_withheld, ytd_relief)
    try:
        fen = [_fen(v, n) for v, n in zip(values, names)]
    except ValueError as exc:
        return f"错误：{exc}"
    return fen_to_float(tax.withholding(*fen[:7], relief=fen[7], on=dt.date.today()))


# --- functions that read the calling workbook -------------------------------------------------
# Excel recalculates cell by cell; a sheet of 1,000 ED_NET_PAY cells must not run the payroll
# 1,000 times. Results are cached per (workbook, month) for CACHE_SECONDS: long enough to span one
# recalculation, short enough that the next recalculation after an edit sees the new data.

import time as _time

from ..calendar import WorkCalendar, parse_month
from ..engine import run_month
from ..issues import has_blocking
from .workbook import month_of, normalize_month, read

CACHE_SECONDS = 5.0
PIPELINE_RUNS = {"count": 0}
_cache: dict[tuple[str, str], tuple[float, object]] = {}


def _book_of(caller):
    """The calling workbook: from an xlwings-style Range (``.sheet.book``), or from the raw
    Application.Caller COM range that ``@xw.arg("caller", vba="Caller")`` hands over in Excel."""
    if caller is None:
        raise LookupError("无法确定调用的工作簿")
    sheet = getattr(caller, "sheet", None)
    if sheet is not None:
        return sheet.book
    import xlwings as xw

    return xw.Book(caller.Worksheet.Parent.FullName)


def month_result(book, month: str):
    """The month's computation for the book, cached for one recalculation."""
    key = (getattr(book, "fullname", str(id(book))), month)
    hit = _cache.get(key)
    if hit and _time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    PIPELINE_RUNS["count"] += 1
    loaded = read(book)
    if has_blocking(loaded.issues):
        result = ValueError(f"数据有 {sum(i.blocking for i in loaded.issues)} 个问题，请先点「校验数据」")
    else:
        year, mon = parse_month(month)
        result = run_month(loaded, year, mon)
    _cache[key] = (_time.monotonic(), result)
    return result


def clear_cache() -> None:
    _cache.clear()


def _guard(fn):
    """Short Chinese messages in the cell instead of tracebacks."""
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (ValueError, LookupError, KeyError) as exc:
            return f"错误：{exc}"
    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    return wrapper


def _result(month, caller):
    book = _book_of(caller)
    result = month_result(book, normalize_month(month) if month not in (None, "") else month_of(book))
    if isinstance(result, Exception):
        raise result
    return result


def _pay(employee_id, result):
    emp = str(int(employee_id)) if isinstance(employee_id, float) and employee_id.is_integer() else str(employee_id)
    for pay in result.pays:
        if pay.employee_id == emp.strip():
            return pay
    raise LookupError(f"工号 {emp} 本月不在工资表中")


def _calendar(caller) -> WorkCalendar:
    return read(_book_of(caller)).calendar if caller is not None else WorkCalendar()


def _excel(fn):
    """Register with xlwings when it is present; the plain function otherwise."""
    try:
        import xlwings as xw
    except ImportError:
        return _guard(fn)
    guarded = _guard(fn)
    if "caller" in fn.__code__.co_varnames:
        guarded = xw.arg("caller", vba="Caller")(guarded)
    return xw.func(guarded)


@_excel
def ed_workdays(month, caller=None):
    """ED_WORKDAYS(月份) → 当月工作日天数（chinese-calendar + 节假日表）。"""
    year, mon = parse_month(normalize_month(month))
    return len(_calendar(caller).workdays(year, mon))


@_excel
def ed_is_workday(day, caller=None):
    """ED_IS_WORKDAY(日期) → TRUE/FALSE。"""
    if not isinstance(day, (dt.date, dt.datetime)):
        from ..cells import parse_date
        day = parse_date(day)
    day = day.date() if isinstance(day, dt.datetime) else day
    return _calendar(caller).is_workday(day)


@_excel
def ed_late_minutes(punch_time, start_time, grace_minutes=0):
    """ED_LATE_MINUTES(打卡时间, 上班时间[, 宽限分钟]) → 迟到分钟（截去秒；不超过宽限为 0）。"""
    from ..rules import parse_time

    punch, start = parse_time(punch_time), parse_time(start_time)
    seconds = (punch.hour * 3600 + punch.minute * 60 + punch.second) - (start.hour * 3600 + start.minute * 60)
    minutes = max(0, seconds // 60)
    return 0 if minutes <= int(grace_minutes or 0) else minutes


@_excel
def ed_penalty(employee_id, month, caller=None):
    """ED_PENALTY(工号, 月份) → 本月计入工资的罚款（元）。"""
    return fen_to_float(_pay(employee_id, _result(month, caller)).penalties)


@_excel
def ed_net_pay(employee_id, month, caller=None):
    """ED_NET_PAY(工号, 月份) → 实发工资（元）。"""
    return fen_to_float(_pay(employee_id, _result(month, caller)).net_pay)


@_excel
def ed_kpi(scope, month, metric, caller=None):
    """ED_KPI(范围, 月份, 指标) → KPI 值（金额为元，比率为小数）；范围为 department、小组或工号。"""
    from ..kpi import BY_ID

    result = _result(month, caller)
    if result.kpis is None:
        raise LookupError("工作簿没有订单数据")
    for s, m, value in result.kpis.itertuples(index=False):
        if s == str(scope) and m == metric:
            if value is None:
                return "无数据"
            return fen_to_float(int(value)) if BY_ID[metric].kind == "money" else float(value)
    raise LookupError(f"没有 {scope} 的指标 {metric}")


@_excel
def ed_payroll(month, caller=None):
    """ED_PAYROLL(月份) → 动态数组：本月工资表（表头 + 每人一行）。"""
    from ..outputs import CONTRACT_COLUMNS, payroll_rows

    result = _result(month, caller)
    headers = ["工号", "姓名", "基本工资", "岗位津贴", "加班工资", "绩效奖金", "缺勤扣款", "罚款", "应发工资", "社会保险",
               "住房公积金", "专项附加扣除", "个人所得税", "实发工资"]
    rows = [headers]
    for row in payroll_rows(result):
        rows.append([row["employee_id"], row["name"]] + [fen_to_float(row[c]) for c in CONTRACT_COLUMNS[2:14]])
    return rows
