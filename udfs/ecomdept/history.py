"""Year-to-date state for cumulative withholding, carried between monthly runs.

For month M of year Y the prior months 1..M−1 come from, in order of authority:
1. earlier runs' ``OUT/YYYY-MM/payroll.csv`` (what was actually paid and withheld), then
2. the workbook's 工资台账 sheet (months paid before this tool, or by another system).
Only months before M are read, so re-running M replaces M and never counts it twice; January
starts from zero (new tax year).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .money import yuan_to_fen


@dataclass
class YearToDate:
    income: int = 0
    special: int = 0
    additional: int = 0
    iit: int = 0
    absent_days: int = 0
    months: set[int] = field(default_factory=set)

    def add(self, month: int, income: int, special: int, additional: int, iit: int, absent_days: int = 0) -> None:
        self.absent_days += absent_days
        self.income += income
        self.special += special
        self.additional += additional
        self.iit += iit
        self.months.add(month)


def _from_run(path: Path) -> dict[str, tuple[int, int, int, int, int]]:
    rows = {}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            rows[row["employee_id"]] = (
                yuan_to_fen(row["gross_pay"]),
                yuan_to_fen(row["social_insurance"]) + yuan_to_fen(row["housing_fund"]),
                yuan_to_fen(row["additional_deductions"]),
                yuan_to_fen(row["iit"]),
                int(row.get("absent_days") or 0),
            )
    return rows


def prior_months(ledger: pd.DataFrame, out_dir: Path | None, year: int, month: int
                 ) -> tuple[dict[str, YearToDate], list[str]]:
    """YTD totals of months 1..month−1 per employee, and where each month came from."""
    totals: dict[str, YearToDate] = {}
    sources: list[str] = []
    for m in range(1, month):
        key = f"{year:04d}-{m:02d}"
        run = out_dir / key / "payroll.csv" if out_dir else None
        if run is not None and run.exists():
            for emp, values in _from_run(run).items():
                totals.setdefault(emp, YearToDate()).add(m, *values)
            sources.append(f"{key}: 往期运行结果 {run}")
            continue
        rows = ledger[ledger["month"] == key] if len(ledger) else ledger
        if len(rows):
            for rec in rows.itertuples(index=False):
                totals.setdefault(rec.employee_id, YearToDate()).add(m, rec.income, rec.special, rec.additional, rec.iit)
            sources.append(f"{key}: 工资台账 {len(rows)} 行")
    return totals, sources


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
