"""Machine-readable outputs: payroll.csv (DESIGN.md contract) and run.json."""

from __future__ import annotations

import csv
import json
import platform
from importlib import metadata
from pathlib import Path

from ecomdept import __version__
from ecomdept.core.money import plain_yuan
from ecomdept.core.privacy import safe_text

CONTRACT_COLUMNS = (
    "employee_id", "name", "base_pay", "allowance", "overtime_pay", "bonus", "unpaid_leave_deduction",
    "penalties", "gross_pay", "social_insurance", "housing_fund", "additional_deductions", "iit", "net_pay",
    "ytd_income", "ytd_basic_deduction", "ytd_special_deduction", "ytd_additional_deduction",
    "ytd_taxable_income", "ytd_iit_before_this_month", "annual_bonus", "annual_bonus_iit",
)
EXTRA_COLUMNS = ("team", "position", "workdays", "employed_workdays", "absent_days", "comp_balance_min",
                 "penalties_carried", "pay_date", "tax_period", "deferred", "carried_net", "carried_month",
                 "annual_bonus_method", "annual_bonus_separate_tax_total", "annual_bonus_merged_tax_total",
                 "annual_leave_year", "annual_leave_entitled_days", "annual_leave_opening_min", "annual_leave_used_min",
                 "annual_leave_closing_min", "annual_leave_used_ytd_min", "annual_leave_carried_min", "annual_leave_pay",
                 "corrections", "severance_pay", "severance_iit", "severance_net", "sick_leave_ytd_days", "personal_leave_ytd_days", "annual_leave_exclusion",
                 "annual_leave_next_year_excluded",
                 "employer_pension", "employer_medical", "employer_unemployment", "employer_injury",
                 "employer_housing_fund")
MONEY_COLUMNS = (set(CONTRACT_COLUMNS[2:]) | {"penalties_carried", "carried_net", "annual_bonus_separate_tax_total",
                                              "annual_leave_pay", "corrections", "severance_pay", "severance_iit",
                                              "severance_net",
                                              "annual_bonus_merged_tax_total"}
                 | {c for c in EXTRA_COLUMNS if c.startswith("employer_")})


def payroll_rows(result) -> list[dict[str, object]]:
    staff = {rec.employee_id: rec for rec in result.employees.itertuples(index=False)}
    absent = dict(zip(result.summary["employee_id"], result.summary["absent_days"]))
    rows = []
    for pay in result.pays:
        emp = staff[pay.employee_id]
        row = {col: getattr(pay, col) for col in CONTRACT_COLUMNS}
        row.update(team=emp.team or "", position=emp.position, workdays=pay.workdays,
                   employed_workdays=pay.employed_workdays, absent_days=int(absent.get(pay.employee_id, 0)),
                   comp_balance_min=result.comp_ledger.get(pay.employee_id, {}).get("closing", 0),
                   penalties_carried=pay.penalties_carried,
                   pay_date=pay.pay_date.isoformat() if pay.pay_date else "", tax_period=pay.tax_period,
                   deferred=int(pay.deferred), carried_net=pay.carried_net, carried_month=pay.carried_month,
                   annual_bonus_method=pay.annual_bonus_method,
                   annual_bonus_separate_tax_total=pay.annual_bonus_compare[0] if pay.annual_bonus_compare else 0,
                   annual_bonus_merged_tax_total=pay.annual_bonus_compare[1] if pay.annual_bonus_compare else 0,
                   annual_leave_pay=pay.annual_leave_pay, corrections=pay.correction, **_leave_columns(result, pay.employee_id))
        settled = getattr(result, "settlements", {}).get(pay.employee_id)
        row.update(severance_pay=settled.total if settled else 0, severance_iit=settled.tax if settled else 0,
                   severance_net=settled.net if settled else 0)
        for key, value in pay.employer_cost.items():
            row[f"employer_{key}"] = value
        rows.append(row)
    return rows


def _leave_columns(result, employee_id: str) -> dict:
    ledger = result.annual_leave.get(employee_id)
    if ledger is None:
        return {"annual_leave_year": "", "annual_leave_entitled_days": "", "annual_leave_opening_min": "",
                "annual_leave_used_min": "", "annual_leave_closing_min": "", "annual_leave_used_ytd_min": "",
                "annual_leave_carried_min": "", "sick_leave_ytd_days": "", "personal_leave_ytd_days": "",
                "annual_leave_exclusion": "", "annual_leave_next_year_excluded": ""}
    return {"annual_leave_year": result.year, "annual_leave_entitled_days": ledger.entitled_days,
            "annual_leave_opening_min": ledger.opening_min, "annual_leave_used_min": ledger.used_min,
            "annual_leave_closing_min": ledger.closing_min, "annual_leave_used_ytd_min": ledger.used_ytd_min,
            "annual_leave_carried_min": ledger.carried_min, "sick_leave_ytd_days": ledger.sick_days,
            "personal_leave_ytd_days": ledger.personal_days, "annual_leave_exclusion": ledger.exclusion,
            "annual_leave_next_year_excluded": int(ledger.next_year_excluded)}


def write_payroll_csv(result, path: Path) -> None:
    columns = CONTRACT_COLUMNS + EXTRA_COLUMNS
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in payroll_rows(result):
            writer.writerow([plain_yuan(row[c]) if c in MONEY_COLUMNS else safe_text(row[c]) for c in columns])


def totals(result) -> dict[str, str]:
    keys = CONTRACT_COLUMNS[2:14] + ("annual_bonus", "annual_bonus_iit")
    return {key: plain_yuan(sum(getattr(p, key) for p in result.pays)) for key in keys}


def package_versions() -> dict[str, str]:
    names = ("pandas", "python-calamine", "XlsxWriter", "Jinja2", "typst", "fonttools", "pikepdf", "chinesecalendar", "rich")
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    versions["python"] = platform.python_version()
    return versions


def statutory_versions(result) -> dict[str, str]:
    """The versions of the statutory tables the month used: 规则 city's and every 参保城市 of the roster."""
    import datetime as dt

    from ecomdept.core.statutory import versions_used

    used = versions_used(result.book.rules.city, dt.date(result.year, result.month, 1))
    used.update({f"city:{city}": table.effective_from for city, table in sorted(result.cities.items())})
    return used


def run_info(result, workbook_path: Path | None, sha256: str | None, files: dict[str, int]) -> dict:
    import datetime as dt

    book = result.book
    return {
        "ecomdept_version": __version__,
        "month": result.label,
        "tax_period": result.tax_period,
        "input": {"path": str(workbook_path) if workbook_path else None, "sha256": sha256},
        "rules": book.rules.as_dict(),
        "rules_fingerprint": book.rules.fingerprint(),
        "statutory_data": statutory_versions(result),
        "packages": package_versions(),
        "counts": {"employees_paid": len(result.pays), "person_days": int(len(result.days)),
                   "fines": len(result.fines), "alerts": len(result.alerts),
                   "issues": len(book.issues), "input_rows": book.counts, "files": files},
        "totals": totals(result),
        "ytd_sources": result.ytd_sources,
        "ytd_runs_sha256": result.ytd_runs,
    }


def write_run_json(info: dict, path: Path) -> None:
    path.write_text(json.dumps(info, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def write_lines_json(result, path: Path) -> None:
    """Every payslip line per employee, for ``ecomdept diff`` (what changed and why)."""
    data = {p.employee_id: {"name": p.name, "lines": [
        {"code": l.code, "section": l.section, "label": l.label, "amount": plain_yuan(l.amount),
         "explanation": l.explanation} for l in p.lines]} for p in result.pays}
    # one employee per line: readable in a diff tool, and written by json's C encoder (indent is not)
    body = ",\n".join(f"{json.dumps(key, ensure_ascii=False)}: {json.dumps(value, ensure_ascii=False, sort_keys=True)}"
                      for key, value in sorted(data.items()))
    path.write_text("{\n" + body + "\n}\n", encoding="utf-8")
