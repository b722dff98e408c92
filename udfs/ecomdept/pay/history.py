"""Year-to-date state for cumulative withholding, carried between monthly runs.

The tax period is the month wages are paid (规则 ``iit_period = pay_month``, the default): October's
wages paid on 15 November are November's withholding, and December's wages paid in January start the
next tax year. For the tax period P of tax year Y, the earlier periods of Y come from, in order of
authority:
1. earlier runs' ``OUT/YYYY-MM/payroll.csv`` rows whose ``tax_period`` is before P in Y (what was
   actually paid and withheld), then
2. the workbook's 工资台账 sheet, whose 月份 is the tax period (税款所属期), for periods no run covers.
The run being replaced is never read, so re-running a month never counts it twice.

The same two sources give a person's average monthly wage over the months paid before a date
(``wage_history`` + ``average_wage``), each purpose with its own inclusion rule: unused annual leave
excludes overtime pay (企业职工带薪年休假实施办法第十一条, ``ANNUAL_LEAVE``), 经济补偿 includes it
(劳动合同法实施条例第二十七条, ``SEVERANCE``).

A late-month hire's first month (PAY-05) is paid with the next month's wages: its row is marked
``deferred`` and its pay joins the next run's tax period and bank list (``carried``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import pandas as pd

from ecomdept.core.money import fmt_yuan, round_half_up, yuan_to_fen


@dataclass
class YearToDate:
    income: int = 0
    special: int = 0
    additional: int = 0
    iit: int = 0
    absent_days: int = 0
    months: set[int] = field(default_factory=set)       # tax periods of this tax year already withheld
    separate_bonus: list[str] = field(default_factory=list)  # periods with a separately taxed year-end bonus
    carried_income: int = 0     # a deferred month's pay joining this period (PAY-05)
    carried_special: int = 0
    carried_net: int = 0
    carried_month: str = ""

    def add(self, month: int, income: int, special: int, additional: int, iit: int, absent_days: int = 0) -> None:
        self.absent_days += absent_days
        self.income += income
        self.special += special
        self.additional += additional
        self.iit += iit
        self.months.add(month)


def label(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def shift(year: int, month: int, months: int) -> tuple[int, int]:
    y, m = divmod(month - 1 + months, 12)
    return year + y, m + 1


def read_run(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _fen(row: dict, column: str) -> int:
    value = row.get(column)
    return yuan_to_fen(value) if value not in (None, "") else 0


def row_period(row: dict, work: tuple[int, int], mode: str) -> str:
    """A run row's tax period: its own column, else (runs written before the column) the work month
    or the month after it."""
    if row.get("tax_period"):
        return row["tax_period"]
    return label(*(shift(*work, 1) if mode == "pay_month" else work))


def taxed_income(row: dict) -> int:
    """The row's income in the cumulative base: gross less a separately taxed year-end bonus."""
    income = _fen(row, "gross_pay")
    if row.get("annual_bonus_method") == "separate":
        income -= _fen(row, "annual_bonus")
    return income


@dataclass
class History:
    ytd: dict[str, YearToDate]
    sources: list[str]
    run_hashes: dict[str, str]
    last_year_income: dict[str, int] = field(default_factory=dict)  # from last year's runs and ledger rows


def prior_months(ledger: pd.DataFrame, out_dir: Path | None, year: int, month: int,
                 period: tuple[int, int] | None = None, mode: str = "pay_month") -> History:
    """Year-to-date before tax period ``period`` (default: the work month) for work month year-month.

    Also per employee: absent days of the calendar year's earlier work months (ABS-09) and the pay
    of last month's deferred late-month hires, which joins this period."""
    from ecomdept.inputs.workbook_io import sha256_file

    period = period or (year, month)
    current = label(*period)
    totals: dict[str, YearToDate] = {}
    covered: set[tuple[str, str]] = set()
    sources: list[str] = []
    hashes: dict[str, str] = {}
    last_year: dict[str, int] = {}
    work = shift(period[0], 1, -2)  # runs from November of the year before can hold this year's periods
    while work < (year, month):
        folder = label(*work)
        run = out_dir / folder / "payroll.csv" if out_dir else None
        if run is not None and run.exists():
            used = False
            for row in read_run(run):
                emp = row["employee_id"]
                ytd = totals.setdefault(emp, YearToDate())
                if work[0] == year:
                    ytd.absent_days += int(row.get("absent_days") or 0)
                tax_period = row_period(row, work, mode)
                if row.get("deferred") == "1" and tax_period == current and work == shift(year, month, -1):
                    ytd.carried_income += taxed_income(row)
                    ytd.carried_special += _fen(row, "social_insurance") + _fen(row, "housing_fund")
                    ytd.carried_net += _fen(row, "net_pay")
                    ytd.carried_month = folder
                    used = True
                    continue
                if tax_period[:4] == str(period[0] - 1) and row.get("deferred") != "1":
                    last_year[emp] = last_year.get(emp, 0) + taxed_income(row)
                if row.get("deferred") == "1" or not (tax_period[:4] == current[:4] and tax_period < current):
                    continue
                t = int(tax_period[5:7])
                ytd.add(t, taxed_income(row), _fen(row, "social_insurance") + _fen(row, "housing_fund"),
                        _fen(row, "additional_deductions"), _fen(row, "iit"))
                if row.get("annual_bonus_method") == "separate":
                    ytd.separate_bonus.append(f"{folder} 的运行结果（所属期 {tax_period}）")
                covered.add((emp, tax_period))
                used = True
            if used:
                hashes[folder] = sha256_file(run)
                sources.append(f"{folder}: 往期运行结果 {run}")
        work = shift(*work, 1)
    rows = ledger[ledger["month"].map(lambda m: m[:4] == current[:4] and m < current)] if len(ledger) else ledger
    months: dict[str, int] = {}
    for rec in rows.itertuples(index=False):
        if (rec.employee_id, rec.month) in covered:
            continue
        totals.setdefault(rec.employee_id, YearToDate()).add(int(rec.month[5:7]), rec.income, rec.special,
                                                              rec.additional, rec.iit)
        months[rec.month] = months.get(rec.month, 0) + 1
    sources += [f"{m}: 工资台账 {n} 行" for m, n in sorted(months.items())]
    if len(ledger):
        for rec in ledger[ledger["month"].map(lambda m: m[:4] == str(period[0] - 1))].itertuples(index=False):
            last_year[rec.employee_id] = last_year.get(rec.employee_id, 0) + rec.income
    return History(totals, sources, hashes, last_year)


def previous_run_rows(out_dir: Path | None, year: int, month: int) -> dict[str, dict[str, str]]:
    """Last month's payroll.csv rows by 工号 (December's for January); {} when there is no run."""
    prev_year, prev_month = (year, month - 1) if month > 1 else (year - 1, 12)
    run = out_dir / f"{prev_year:04d}-{prev_month:02d}" / "payroll.csv" if out_dir else None
    if run is None or not run.exists():
        return {}
    return {row["employee_id"]: row for row in read_run(run)}


def previous_run_column(out_dir: Path | None, year: int, month: int, column: str) -> dict[str, str]:
    """One column of last month's run (``OUT/YYYY-MM/payroll.csv``; December for January)."""
    prev_year, prev_month = (year, month - 1) if month > 1 else (year - 1, 12)
    run = out_dir / f"{prev_year:04d}-{prev_month:02d}" / "payroll.csv" if out_dir else None
    if run is None or not run.exists():
        return {}
    with open(run, encoding="utf-8-sig", newline="") as handle:
        return {row["employee_id"]: row[column] for row in csv.DictReader(handle) if row.get(column) not in (None, "")}


def comp_opening(out_dir: Path | None, year: int, month: int, employees: pd.DataFrame) -> dict[str, int]:
    """Comp-time (补休) balance in minutes at the start of the month: last month's closing balance
    from its run, else the roster's 补休期初余额 (hours)."""
    opening = {rec.employee_id: int(rec.comp_opening_hours * 60) for rec in employees.itertuples(index=False)
               if rec.comp_opening_hours}
    opening.update({e: int(v) for e, v in previous_run_column(out_dir, year, month, "comp_balance_min").items()})
    return opening


def carried_penalties(out_dir: Path | None, year: int, month: int) -> dict[str, int]:
    """Fines over last month's cap that the 规则 said to carry (PAY-07), in fen."""
    return {e: yuan_to_fen(v) for e, v in previous_run_column(out_dir, year, month, "penalties_carried").items()
            if yuan_to_fen(v) > 0}


def stale_later_runs(out_dir: Path, label_: str, new_sha: str, mode: str) -> list[str]:
    """Later months whose year-to-date read this month's previous result (or went without one that
    they should have read): after this run they no longer match and must be run again, in order."""
    import json

    year, month = int(label_[:4]), int(label_[5:7])
    stale = []
    for info_path in sorted(Path(out_dir).glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]/run.json")):
        later = info_path.parent.name
        if later <= label_:
            continue
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        period = info.get("tax_period") or label(*(shift(int(later[:4]), int(later[5:7]), 1) if mode == "pay_month"
                                                  else (int(later[:4]), int(later[5:7]))))
        window_start = shift(int(period[:4]), 1, -2)
        if not window_start <= (year, month):
            continue  # this month cannot feed that month's tax year
        if info.get("ytd_runs_sha256", {}).get(label_) != new_sha:
            stale.append(later)
    return stale


# --- average monthly wage (实施办法第十一条; 劳动合同法实施条例第二十七条) --------------------------------

@dataclass(frozen=True)
class Inclusion:
    """What a month's wage counts for one purpose: 应发工资, with or without the overtime pay."""
    purpose: str
    overtime: bool
    clause: str
    counted: str              # how the month's wage is named on the payslip


ANNUAL_LEAVE = Inclusion("未休年休假工资", False, "企业职工带薪年休假实施办法第十一条", "应发工资剔除加班工资")
SEVERANCE = Inclusion("经济补偿", True, "劳动合同法实施条例第二十七条", "应发工资（含加班工资、奖金、津贴）")


@dataclass(frozen=True)
class MonthWage:
    period: str               # YYYY-MM: the month paid (tax period), as 工资台账 月份 and payroll.csv tax_period
    gross: int                # 应发工资, fen
    overtime: int | None      # the overtime pay in it; None where the source does not say (工资台账 without 加班工资)
    source: str               # 往期运行 YYYY-MM / 工资台账


@dataclass(frozen=True)
class AverageWage:
    months: tuple[MonthWage, ...]
    total: int
    average: int              # fen, rounded half up: the figure the payout is computed from
    text: str
    unknown_overtime: tuple[str, ...] = ()


def wage_history(ledger: pd.DataFrame, out_dir: Path | None, period: tuple[int, int], months: int = 12,
                 mode: str = "pay_month", employees: set[str] | None = None,
                 skip_folder: str | None = None) -> dict[str, dict[str, MonthWage]]:
    """Each person's wages of the ``months`` months paid before tax period ``period``: earlier runs'
    payroll.csv rows first (they keep overtime, bonus and allowances apart), 工资台账 rows for the
    months no run covers. A month with no record of the person (not employed) is simply absent.
    ``skip_folder`` is the run being computed, never read."""
    first = shift(*period, -months)
    window = {label(*shift(*first, i)) for i in range(months)}
    found: dict[str, dict[str, MonthWage]] = {}
    work = shift(*first, -2)
    while work < period:
        folder = label(*work)
        run = out_dir / folder / "payroll.csv" if out_dir else None
        if folder != skip_folder and run is not None and run.exists():
            for row in read_run(run):
                emp = row["employee_id"]
                paid = row_period(row, work, mode)
                if paid not in window or (employees is not None and emp not in employees):
                    continue
                mine = found.setdefault(emp, {})
                before = mine.get(paid)
                gross, overtime = _fen(row, "gross_pay"), _fen(row, "overtime_pay")
                if before is not None and before.source.startswith("往期运行"):  # a deferred month paid with this one
                    gross, overtime = gross + before.gross, overtime + (before.overtime or 0)
                    folder_text = before.source.replace("往期运行 ", "") + "、" + folder
                else:
                    folder_text = folder
                mine[paid] = MonthWage(paid, gross, overtime, f"往期运行 {folder_text}")
        work = shift(*work, 1)
    if len(ledger):
        for rec in ledger[ledger["month"].isin(window)].itertuples(index=False):
            if employees is not None and rec.employee_id not in employees:
                continue
            mine = found.setdefault(rec.employee_id, {})
            if rec.month in mine:
                continue
            overtime = getattr(rec, "overtime", None)
            overtime = None if overtime is None or pd.isna(overtime) else int(overtime)
            mine[rec.month] = MonthWage(rec.month, int(rec.income), overtime, "工资台账")
    return found


def average_wage(history: dict[str, MonthWage], inclusion: Inclusion, months: int = 12) -> AverageWage | None:
    """The average monthly wage over the months found (fewer where the person was employed fewer), as
    ``inclusion`` counts a month; None when nothing is recorded. The text shows the months, the total
    and the division, so that it recomputes to the fen."""
    if not history:
        return None
    chosen = tuple(history[p] for p in sorted(history))
    unknown = tuple(m.period for m in chosen if m.overtime is None and not inclusion.overtime)
    counted = [m.gross if inclusion.overtime else m.gross - (m.overtime or 0) for m in chosen]
    total = sum(counted)
    average = round_half_up(Fraction(total, len(chosen)))
    periods = [m.period for m in chosen]
    span = (f"{periods[0]} 至 {periods[-1]}" if _contiguous(periods) else "、".join(periods))
    overtime_out = sum((m.overtime or 0) for m in chosen) if not inclusion.overtime else 0
    detail = f"，已剔除加班工资 {fmt_yuan(overtime_out)}" if overtime_out else ""
    short = f"（在职不满 {months} 个月，按实际 {len(chosen)} 个月）" if len(chosen) < months else ""
    text = (f"月平均工资：发放月 {span} 共 {len(chosen)} 个月{short}的{inclusion.counted}合计 {fmt_yuan(total)}{detail}，"
            f"{fmt_yuan(total)} ÷ {len(chosen)} = {fmt_yuan(average)}（{inclusion.clause}）")
    if unknown:
        text += f"；工资台账 {'、'.join(unknown)} 没有填加班工资，这几个月未能剔除加班工资"
    return AverageWage(chosen, total, average, text, unknown)


def _contiguous(periods: list[str]) -> bool:
    return all(label(*shift(int(a[:4]), int(a[5:7]), 1)) == b for a, b in zip(periods, periods[1:]))
