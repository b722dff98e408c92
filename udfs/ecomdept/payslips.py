"""Payslips: one HTML file per employee, and PDFs rendered many to a document with WeasyPrint and
split per employee with pikepdf (rendering documents one by one re-embeds the CJK font each time)."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from . import __version__, processes
from .payroll import DEDUCTION, EARNING, WITHHOLDING
from .templating import render, template_dir

SAFE_NAME = re.compile(r"[\\/:*?\"<>|\s]+")
FILE_MODE = 0o600  # payslips are private (SEC-04)


def slip_context(result, pay, emp, att: dict, exceptions: list[dict], alerts: list, fingerprint: str) -> dict:
    lines = pay.lines
    earn = [l for l in lines if l.section == EARNING]
    ded = [l for l in lines if l.section == DEDUCTION]
    wh = [l for l in lines if l.section == WITHHOLDING]
    sections = [
        {"title": "应发项目", "lines": earn, "total_label": "应发合计",
         "total": pay.base_pay + pay.allowance + pay.overtime_pay + pay.bonus + pay.annual_bonus, "total_note": ""},
    ]
    if ded:
        sections.append({"title": "扣款项目", "lines": ded, "total_label": "扣款合计",
                         "total": pay.unpaid_leave_deduction + pay.penalties,
                         "total_note": f"应发工资 = 应发合计 − 扣款合计 = {pay.gross_pay / 100:,.2f} 元"})
    sections.append({"title": "代扣项目", "lines": wh, "total_label": "代扣合计",
                     "total": pay.social_insurance + pay.housing_fund + pay.iit + pay.annual_bonus_iit,
                     "total_note": "实发工资 = 应发工资 − 代扣合计"})
    return {
        "company": "电商部", "year": result.year, "month": result.month, "employee_id": pay.employee_id,
        "name": pay.name, "team": emp.team or "", "position": emp.position, "id_number": emp.id_number or "",
        "bank_account": emp.bank_account or "", "pay_date": pay.pay_date, "pay_note": pay.notes[-1] if pay.notes else "",
        "pay_method": "现金发放（PAY-02）", "net_pay": pay.net_pay, "gross_pay": pay.gross_pay, "sections": sections,
        "att": att, "exceptions": exceptions, "alerts": alerts, "notes": pay.notes[:-1],
        "ytd": {"income": pay.ytd_income, "basic": pay.ytd_basic_deduction, "special": pay.ytd_special_deduction,
                "additional": pay.ytd_additional_deduction, "taxable": pay.ytd_taxable_income,
                "iit_before": pay.ytd_iit_before_this_month},
        "rules_fingerprint": fingerprint, "version": __version__,
    }


def contexts(result) -> list[dict]:
    staff = {rec.employee_id: rec for rec in result.employees.itertuples(index=False)}
    att = {rec["employee_id"]: rec for rec in result.summary.to_dict("records")}
    days = result.days
    odd = days[(days["status"] != "正常") & (days["kind"] == "workday")]
    exceptions: dict[str, list[dict]] = {}
    for rec in odd.itertuples(index=False):
        exceptions.setdefault(rec.employee_id, []).append(
            {"date": str(rec.date), "status": rec.status, "reason": rec.reason})
    alerts: dict[str, list] = {}
    for alert in result.alerts:
        alerts.setdefault(alert.employee_id, []).append(alert)
    empty = {"workdays": 0, "attended": 0, "late_count": 0, "late_min": 0, "early_count": 0, "early_min": 0,
             "missing_punch": 0, "absent_days": 0, "leave_min": 0}
    fingerprint = result.book.rules.fingerprint()
    out = []
    for pay in result.pays:
        a = {k: int(v) for k, v in att.get(pay.employee_id, empty).items() if k != "employee_id"}
        out.append(slip_context(result, pay, staff[pay.employee_id], a, exceptions.get(pay.employee_id, []),
                                alerts.get(pay.employee_id, []), fingerprint))
    return out


def file_stem(ctx: dict) -> str:
    return f"{ctx['employee_id']}_{SAFE_NAME.sub('_', ctx['name'])}"


def _private_write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def css(templates: str | None = None) -> str:
    return (template_dir(templates) / "payslip.css").read_text(encoding="utf-8")


def write_html(slips: list[dict], folder: Path, templates: str | None = None, progress=None) -> int:
    style = css(templates)
    items = progress(slips, "HTML 工资条") if progress else slips
    for ctx in items:
        html = render("payslip.html", templates, s=ctx, css=style)
        _private_write(folder / f"{file_stem(ctx)}.html", html.encode("utf-8"))
    return len(slips)


def pdf_password(ctx: dict, rule: str) -> str | None:
    """SEC-04: the PDF opens with the last 6 characters of the employee's ID number."""
    if rule == "id_last6" and len(ctx.get("id_number") or "") >= 6:
        return ctx["id_number"][-6:].upper()
    return None


def render_pdf_batch(slips: list[dict], templates: str | None = None, password_rule: str = "none"
                     ) -> list[tuple[str, bytes]]:
    """Render a batch of payslips as one document and split it into one PDF per employee."""
    import pikepdf
    import weasyprint

    style = (template_dir(templates) / "payslip_print.css").read_text(encoding="utf-8")
    html = render("payslip_print.html", templates, slips=slips, css=style)
    document = weasyprint.HTML(string=html, base_url=str(template_dir(templates))).render()
    starts: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith("slip-") and anchor[5:] not in starts:
                starts[anchor[5:]] = number
    whole = pikepdf.open(io.BytesIO(document.write_pdf()))
    bounds = [starts[ctx["employee_id"]] for ctx in slips] + [len(whole.pages)]
    out = []
    for index, ctx in enumerate(slips):
        single = pikepdf.new()
        single.pages.extend(whole.pages[bounds[index]:bounds[index + 1]])
        single.docinfo["/Title"] = f"{ctx['name']} {ctx['year']}年{ctx['month']}月工资条"
        single.docinfo["/Producer"] = f"ecomdept {__version__}"
        buffer = io.BytesIO()
        password = pdf_password(ctx, password_rule)
        if password:  # the owner password is the same: an empty one would open the file for anyone
            single.save(buffer, encryption=pikepdf.Encryption(user=password, owner=password, R=6))
        else:
            single.save(buffer, deterministic_id=True)
        out.append((file_stem(ctx), buffer.getvalue()))
    return out


def _render_to_folder(args) -> int:
    chunk, templates, password_rule, folder = args
    for stem, data in render_pdf_batch(chunk, templates, password_rule):
        _private_write(Path(folder) / f"{stem}.pdf", data)
    return len(chunk)


def batch_size(count: int, workers: int, target: int = 40) -> int:
    """About ``target`` slips per document, and a multiple of ``workers`` documents so no core idles
    at the end (a document's fonts and styles are set up once, so fewer, larger documents are faster)."""
    rounds = max(1, -(-count // (workers * target)))
    return max(1, -(-count // (workers * rounds)))


def write_pdf(slips: list[dict], folder: Path, templates: str | None = None, batch: int | None = None,
              progress=None, password_rule: str = "none", workers: int | None = None) -> int:
    """Batches of payslips per document; batches spread over the cores (WeasyPrint is single-threaded)."""
    workers = workers or min(os.cpu_count() or 1, 4)
    batch = batch or batch_size(len(slips), workers)
    batches = [(slips[i:i + batch], templates, password_rule, str(folder)) for i in range(0, len(slips), batch)]
    workers = min(workers, len(batches))
    if workers <= 1 or not processes.can_fork():  # one process where fork is unavailable (Windows)
        done = map(_render_to_folder, batches)
        for _ in (progress(done, "PDF 工资条") if progress else done):
            pass
        return len(slips)
    import multiprocessing

    import weasyprint  # noqa: F401  imported (fonts loaded) once, before the workers fork

    with processes.frozen_heap(), multiprocessing.get_context("fork").Pool(workers) as pool:
        done = pool.imap_unordered(_render_to_folder, batches)
        for _ in (progress(done, "PDF 工资条") if progress else done):
            pass
    return len(slips)
