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
