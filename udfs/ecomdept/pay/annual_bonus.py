"""全年一次性奖金 (year-end bonus), paid with a month's wages from the 年终奖 sheet.

Until 2027-12-31 it may be taxed apart from wages (财政部 税务总局公告2023年第30号): bonus ÷ 12 finds
the rate and quick deduction on the monthly table, tax = bonus × rate − quick deduction, once per
person and tax year (国税发〔2005〕9号第三条); or merged into the month's wages and taxed cumulatively. A
blank 计税方式 is 单独计税 while the policy is in force. The payslip shows both methods' tax for the month.

Once a year, whatever the order of the runs: the tax year is the one of the payment's tax period, and every
claim to the separate method in it counts — earlier and later runs' payroll.csv rows, and the 年终奖 rows of
months not yet run. The earliest payment keeps it; a later one is merged (规则 ``annual_bonus_repeat = merge``)
or stops the run naming the rows (``stop``); a later month's run that had taken it is stale and must be run again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ecomdept.pay import tax
from ecomdept.core.money import fmt_yuan, percent, round_half_up
from ecomdept.core.statutory import annual_bonus_table

SEPARATE, MERGED = "separate", "merged"
METHOD_LABEL = {SEPARATE: "单独计税", MERGED: "并入综合所得"}
SHEET_METHOD = {"单独计税": SEPARATE, "并入综合所得": MERGED}


@dataclass
class Plan:
    amount: int
    method: str
    warnings: list[str] = field(default_factory=list)


def plan(annual: tuple[int, str | None], ytd, paid_on: dt.date) -> Plan:
    """The method that applies: the sheet's choice, within the policy's dates and once a year."""
    amount, asked = annual
    table = annual_bonus_table(paid_on)
    method = SHEET_METHOD.get(asked or "", SEPARATE if table.separate_allowed(paid_on) else MERGED)
    warnings = []
    if method == SEPARATE and not table.separate_allowed(paid_on):
        warnings.append(f"单独计税政策有效期至 {table.separate_until}，{paid_on} 发放的年终奖并入综合所得计税")
        method = MERGED
    if method == SEPARATE and ytd.separate_bonus:
        warnings.append(f"本纳税年度已有一笔年终奖单独计税：{ytd.separate_bonus[0]}；一个纳税年度只允许一次"
                        "（国税发〔2005〕9号第三条），本次并入综合所得计税")
        method = MERGED
    return Plan(amount, method, warnings)


def separate_tax_text(amount: int, on: dt.date) -> tuple[int, str]:
    bonus_tax, bracket = tax.annual_bonus_tax(amount, on)
    monthly = round_half_up(amount / 12) if isinstance(amount, int) else 0
    bound = f"≤ {fmt_yuan(int(bracket.up_to * 100))}" if bracket.up_to is not None else "以上"
    text = (f"{fmt_yuan(amount)} ÷ 12 = {fmt_yuan(monthly)}（{bound}）：税率 {percent(bracket.rate)}、速算扣除数 "
            f"{fmt_yuan(round_half_up(bracket.quick_deduction * 100))}；{fmt_yuan(amount)} × {percent(bracket.rate)} − "
            f"{fmt_yuan(round_half_up(bracket.quick_deduction * 100))} = {fmt_yuan(bonus_tax)}")
    return bonus_tax, text


def add_lines(p, chosen: Plan, on: dt.date, cumulative: int) -> int:
    """The bonus's lines on the payslip; returns the separately withheld tax (0 when merged)."""
    from ecomdept.pay.payroll import EARNING, WITHHOLDING, Line

    amount = chosen.amount
    bonus_tax, separate_text = separate_tax_text(amount, on)
    before = p.ytd_iit_before_this_month
    if chosen.method == SEPARATE:
        merged_iit = max(0, tax.tax_on(p.ytd_taxable_income + amount, on) - before)
        separate_total, merged_total, withheld = p.iit + bonus_tax, merged_iit, bonus_tax
    else:
        wage_only = max(0, p.ytd_income - amount - p.ytd_basic_deduction - p.ytd_special_deduction
                        - p.ytd_additional_deduction)
        wage_iit = max(0, tax.tax_on(wage_only, on) - before)
        separate_total, merged_total, withheld = wage_iit + bonus_tax, p.iit, 0
    cheaper = "单独计税" if separate_total < merged_total else "并入综合所得" if merged_total < separate_total else "两种相同"
    p.annual_bonus_compare = (separate_total, merged_total)
    p.lines.append(Line(EARNING, "annual_bonus", "全年一次性奖金", amount,
                        f"年终奖表：{METHOD_LABEL[chosen.method]}（财政部 税务总局公告2023年第30号）", "STA-2023-30"))
    comparison = (f"本月两种方式的个税合计：单独计税 {fmt_yuan(separate_total)}，并入综合所得 {fmt_yuan(merged_total)}"
                  f"（{cheaper}{'较少' if cheaper != '两种相同' else ''}）")
    if chosen.method == SEPARATE:
        p.lines.append(Line(WITHHOLDING, "annual_bonus_iit", "年终奖个税", bonus_tax,
                            f"单独计税：{separate_text}。{comparison}", "STA-2023-30"))
    else:
        p.lines.append(Line(WITHHOLDING, "annual_bonus_iit", "年终奖个税", 0,
                            f"并入综合所得，已含在本月个人所得税中。{comparison}", "STA-2023-30"))
    return withheld


@dataclass(frozen=True)
class Claim:
    """A payment of the tax year that takes (or would take) the separate method."""
    period: str               # tax period of the payment
    month: str                # work month it is paid with
    where: str                # how it is named to HR
    run: bool                 # a run's result (else a 年终奖 row not yet run)
    row: int | None = None    # the 年终奖 row


def claims(annual_rows, out_dir, label: str, period_of, tax_year: str) -> dict[str, list[Claim]]:
    """Every claim to the separate method in ``tax_year`` other than this month's, per person.

    ``period_of(month) -> (tax period 'YYYY-MM', paid_on date)`` for a work month's normal pay day. A month
    with a run is what its run did; a month not run yet is what its 年终奖 row asks for."""
    import re
    from pathlib import Path

    from ecomdept.pay.history import read_run, row_period

    found: dict[str, list[Claim]] = {}
    ran: dict[str, set[str]] = {}
    if out_dir is not None:
        for csv_path in sorted(Path(out_dir).glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]/payroll.csv")):
            folder = csv_path.parent.name
            if folder == label or not re.fullmatch(r"\d{4}-\d{2}", folder):
                continue
            if not f"{int(tax_year) - 1}-11" <= folder <= f"{tax_year}-12":  # cannot be paid in the tax year
                continue
            mode_period = period_of(folder)[0]
            for row in read_run(csv_path):
                ran.setdefault(folder, set()).add(row["employee_id"])
                paid = row.get("tax_period") or mode_period
                if row.get("annual_bonus_method") == SEPARATE and paid[:4] == tax_year:
                    found.setdefault(row["employee_id"], []).append(
                        Claim(paid, folder, f"{folder} 的运行结果（所属期 {paid}）", True))
    if len(annual_rows):
        for rec in annual_rows.itertuples(index=False):
            if rec.month == label or rec.employee_id in ran.get(rec.month, ()) or not rec.amount:
                continue
            if SHEET_METHOD.get(rec.method or "", SEPARATE) != SEPARATE:
                continue
            paid, paid_on = period_of(rec.month)
            if paid[:4] != tax_year or not annual_bonus_table(paid_on).separate_allowed(paid_on):
                continue
            found.setdefault(rec.employee_id, []).append(
                Claim(paid, rec.month, f"年终奖表第 {rec.xl_row} 行（{rec.month} 随工资发放，所属期 {paid}）", False,
                      rec.xl_row))
    return found
