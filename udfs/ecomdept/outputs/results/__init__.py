"""The results workbook 工资表_YYYY-MM.xlsx: payroll laid out as Chinese payroll sheets are, plus the
cash and bank lists, the DingTalk-style 考勤月报, attendance, fines, overtime, alerts, orders and the
数据问题 sheet. Written with XlsxWriter; every value is typed (¥ numbers, dates, times, counts), every
cell a person reads is Chinese, every sheet prints one page wide with repeated headers and page
numbers; totals are SUM formulas with their values cached."""

from __future__ import annotations

from pathlib import Path

from ecomdept.core.issues import Issue
from ecomdept.outputs.results.attendance_sheets import FULL_DETAIL_LIMIT, day_marks, write_attendance
from ecomdept.outputs.results.book import Writer
from ecomdept.outputs.results.csvs import write_attendance_csv, write_refunds_csv
from ecomdept.outputs.results.info_sheets import write_issues_sheet, write_run_info
from ecomdept.outputs.results.order_sheets import write_performance
from ecomdept.outputs.results.pay import (PAY_GROUPS, payout_rows, write_employer_cost, write_leave_balances, write_payouts,
                                          write_settlements,
                  write_payroll_sheet, write_strips)

__all__ = ["FULL_DETAIL_LIMIT", "PAY_GROUPS", "day_marks", "payout_rows", "write_attendance_csv", "write_issues_only",
           "write_refunds_csv", "write_results"]


def write_results(result, path: Path, rows: list[dict], issues: list[Issue], info: dict,
                  signoff_rows: dict[str, list[str]] | None = None) -> None:
    """``signoff_rows``: what HR wrote in the month's 签收申诉 sheet before (a re-run keeps it)."""
    from ecomdept.outputs import signoff

    w = Writer(path, result.label)
    names = {rec.employee_id: rec.name for rec in result.employees.itertuples(index=False)}
    write_payroll_sheet(w, result, rows)
    write_strips(w, result, rows)
    write_payouts(w, result, rows)
    write_employer_cost(w, result)
    write_settlements(w, result)
    write_attendance(w, result, names)
    write_leave_balances(w, result)
    write_performance(w, result, names)
    signoff.write_sheet(w, result, signoff_rows)
    write_issues_sheet(w, issues)
    write_run_info(w, result, info)
    w.book.close()


def write_issues_only(path: Path, issues: list[Issue]) -> None:
    """When blocking problems stop the run: a results workbook with just the 数据问题 sheet."""
    from ecomdept.core import scratch

    with scratch.replacing(path) as new:  # complete or absent, never a half-written list
        w = Writer(new)
        write_issues_sheet(w, issues)
        w.book.close()
