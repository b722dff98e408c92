"""补发补扣: a difference found in a month already paid is paid or deducted in a later month.

One row of the 补发补扣 sheet is one correction: who, the month it corrects (所属月份), the month that
pays it (计入月份), the item, the signed amount and the reason. Only the run of the 计入月份 uses the
row, so re-running that month pays it once, and the row can stay in the workbook for the record.

The amount joins the month's 应发 (payroll.csv: within ``allowance``, and on its own in the
``corrections`` column), so the cumulative withholding of STA-2018-61 taxes it in the month it is paid:
by the year's last run the tax withheld equals the tax on the year's correct income, as if the earlier
month had been right. Social insurance is not recomputed: its base is the year's 缴费基数, not the
month's pay."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ecomdept.core.issues import ERROR, Issue
from ecomdept.core.money import fmt_yuan
from ecomdept.inputs.schema import CORRECTIONS

SHEET = CORRECTIONS.name


@dataclass(frozen=True)
class Correction:
    employee_id: str
    work_month: str
    item: str
    amount: int          # fen: > 0 补发, < 0 补扣
    reason: str
    row: int             # the sheet row, for messages

    @property
    def label(self) -> str:
        return f"{'补发' if self.amount > 0 else '补扣'}（{self.work_month} {self.item}）"

    def explanation(self) -> str:
        what = "补发" if self.amount > 0 else "补扣"
        return (f"更正 {self.work_month} 的{self.item}：{self.reason}；本月{what} {fmt_yuan(abs(self.amount))}，"
                f"计入本月应发，个税按累计预扣法一并计算（{SHEET}表第 {self.row} 行）")


def for_month(frame: pd.DataFrame, label: str, paid: set[str]) -> tuple[dict[str, list[Correction]], list[Issue]]:
    """The corrections the run of ``label`` pays, per 工号, and the problems of its rows (blocking: an
    amount of money that cannot be placed must not be dropped or guessed). ``paid``: the 工号 on this
    month's payroll."""
    found: dict[str, list[Correction]] = {}
    issues: list[Issue] = []
    if frame is None or not len(frame):
        return found, issues
    for rec in frame.itertuples(index=False):
        if rec.pay_month != label:
            continue
        row = int(rec.xl_row)
        problem, column = "", ""
        if rec.work_month >= label:
            problem, column = (f"所属月份 {rec.work_month} 不早于计入月份 {label}：补发补扣只更正已经发放的月份"
                               "（本月的差错直接改本月的数据重新计算）"), "所属月份"
        elif rec.employee_id not in paid:
            problem, column = (f"工号「{rec.employee_id}」不在 {label} 的工资表中（未入职或已离职）：离职人员的补发补扣"
                               "须另行结算，或把计入月份改为其在职的月份"), "工号"
        elif not rec.amount:
            problem, column = "金额为 0：正数补发，负数补扣", "金额"
        if problem:
            issues.append(Issue(SHEET, row, column, problem, ERROR))
            continue
        found.setdefault(rec.employee_id, []).append(
            Correction(rec.employee_id, rec.work_month, rec.item, int(rec.amount), str(rec.reason).strip(), row))
    return found, issues


def total(corrections: list[Correction]) -> int:
    return sum(c.amount for c in corrections)
