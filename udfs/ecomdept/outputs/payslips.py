"""Payslips: one HTML file per employee, and PDFs rendered many to a document with Typst (the
``typst`` wheel: no system library) and split per employee with pikepdf (documents rendered one by
one embed the Chinese font each time). The PDF is written only with a Chinese font that has every
character shown (``fonts``): never a page of boxes."""

from __future__ import annotations

import io
import json
import os
from functools import cache
from pathlib import Path

from ecomdept import __version__
from ecomdept.core import processes, scratch
from ecomdept.outputs import fonts
from ecomdept.core.money import fmt_yuan
from ecomdept.pay.payroll import DEDUCTION, EARNING, WITHHOLDING
from ecomdept.core.safenames import payslip_stem, unique
from ecomdept.outputs.templating import TYPST_VALUES, render, render_typst, template_dir

FILE_MODE = 0o600  # payslips are private (SEC-04)


# what HR must act on is never the employee's: a note with one of these words goes to HR's copy (the
# 工资条人事附注 of report.html) with the alerts (预警), and the payslip says only what the employee needs
HR_WORDS = ("请人工", "人工处理", "复核", "核实", "预警", "开除", "short_notice_settlement", "暂缓结算")
HELD_NOTE = "本月工资暂缓结算，发放时间另行通知"


def hr_only(note: str) -> bool:
    return any(word in note for word in HR_WORDS)


def employee_notes(pay) -> tuple[str, list[str]]:
    """The pay-date note (PAY-03/04/05, the first) and the other notes the employee may read."""
    notes = list(pay.notes)
    pay_note = notes.pop(0) if notes and not hr_only(notes[0]) else ""
    return pay_note, [n for n in notes if not hr_only(n)]


def hr_notes(pay) -> list[str]:
    """The notes left off the payslip (for HR)."""
    return [n for n in pay.notes if hr_only(n)]


def slip_context(result, pay, emp, att: dict, exceptions: list[dict], fingerprint: str) -> dict:
    """What one employee's payslip shows: their pay, attendance and the explanations — never HR's
    alerts (预警) or instructions (see ``hr_only``)."""
    lines = pay.lines
    earn = [l for l in lines if l.section == EARNING]
    ded = [l for l in lines if l.section == DEDUCTION]
    wh = [l for l in lines if l.section == WITHHOLDING]
    earned = pay.base_pay + pay.allowance + pay.overtime_pay + pay.bonus + pay.annual_bonus
    deducted = pay.unpaid_leave_deduction + pay.penalties
    withheld = pay.social_insurance + pay.housing_fund + pay.iit + pay.annual_bonus_iit
    gross = {"label": "应发合计", "amount": pay.gross_pay,
             "formula": f"应发项目小计 {fmt_yuan(earned)} − 扣款小计 {fmt_yuan(deducted)}" if ded else ""}
    net = {"label": "实发工资", "amount": pay.net_pay,
           "formula": f"应发合计 {fmt_yuan(pay.gross_pay)} − 代扣小计 {fmt_yuan(withheld)}"}
    sections = [{"title": "应发项目", "lines": earn, "total_label": "应发项目小计", "total": earned,
                 "result": None if ded else gross}]
    if ded:
        sections.append({"title": "扣款项目", "lines": ded, "total_label": "扣款小计", "total": deducted,
                         "result": gross})
    sections.append({"title": "代扣项目", "lines": wh, "total_label": "代扣小计", "total": withheld, "result": net})
    pay_note, notes = employee_notes(pay)
    if pay.carried_net:
        notes.append(f"本次另发 {pay.carried_month} 工资 {fmt_yuan(pay.carried_net)}（PAY-05），"
                     f"合计发放 {fmt_yuan(pay.net_pay + pay.carried_net)}")
    return {
        "company": "电商部", "year": result.year, "month": result.month, "employee_id": pay.employee_id,
        "name": pay.name, "team": emp.team or "", "position": emp.position, "id_number": emp.id_number or "",
        "bank_account": emp.bank_account or "", "pay_date": pay.pay_date, "pay_note": pay_note,
        "held_note": HELD_NOTE if pay.held else "", "pay_method": "现金发放（PAY-02）", "net_pay": pay.net_pay,
        "gross_pay": pay.gross_pay, "sections": sections, "att": att, "exceptions": exceptions, "notes": notes,
        "ytd": {"income": pay.ytd_income, "basic": pay.ytd_basic_deduction, "special": pay.ytd_special_deduction,
                "additional": pay.ytd_additional_deduction, "taxable": pay.ytd_taxable_income,
                "iit_before": pay.ytd_iit_before_this_month},
        "balances": balances(result, pay.employee_id),
        "rules_fingerprint": fingerprint, "version": __version__,
    }


def balances(result, employee_id: str) -> list[str]:
    """假期余额 lines for the payslip: annual leave and comp time, in days and hours."""
    from ecomdept.worktime.attendance import Shift

    day = Shift.from_rules(result.book.rules).minutes
    out = []
    ledger = result.annual_leave.get(employee_id)
    if ledger is not None:
        text = (f"年假：本年 {ledger.entitled_days} 天，月初余额 {ledger.opening_min / day:g} 天，本月休 "
                f"{ledger.used_min / day:g} 天，月末余额 {ledger.closing_min / day:g} 天")
        if ledger.payout_days:
            text += f"（{ledger.payout_days} 天未休年假已折算工资）"
        if ledger.exclusion:
            text += f"。{ledger.exclusion}"
        out.append(text)
    comp = result.comp_ledger.get(employee_id)
    if comp:
        out.append(f"补休：月初 {comp['opening'] / 60:g} 小时，本月加 {comp['earned'] / 60:g} 小时、用 "
                   f"{comp['used'] / 60:g} 小时，月末 {comp['closing'] / 60:g} 小时")
    return out


def contexts(result) -> list[dict]:
    staff = {rec.employee_id: rec for rec in result.employees.itertuples(index=False)}
    att = {rec["employee_id"]: rec for rec in result.summary.to_dict("records")}
    days = result.days
    odd = days[(days["status"] != "正常") & (days["kind"] == "workday")]
    exceptions: dict[str, list[dict]] = {}
    for rec in odd.itertuples(index=False):
        exceptions.setdefault(rec.employee_id, []).append(
            {"date": str(rec.date), "status": rec.status, "reason": rec.reason})
    empty = {"workdays": 0, "scheduled_days": 0, "attended": 0, "late_count": 0, "late_min": 0, "early_count": 0,
             "early_min": 0, "missing_punch": 0, "absent_days": 0, "leave_min": 0}
    fingerprint = result.book.rules.fingerprint()
    out = []
    for pay in result.pays:
        a = {k: int(v) for k, v in att.get(pay.employee_id, empty).items() if k != "employee_id"}
        # 应出勤 is the person's own rota (排班, else the calendar's workdays); the calendar's workdays in
        # employment, the pay basis of PAY-08, stay apart as paid_workdays
        a["paid_workdays"], a["workdays"] = a["workdays"], a.pop("scheduled_days")
        out.append(slip_context(result, pay, staff[pay.employee_id], a, exceptions.get(pay.employee_id, []),
                                fingerprint))
    for ctx, stem in zip(out, unique([payslip_stem(c["employee_id"], c["name"]) for c in out])):
        ctx["file_stem"] = stem
    return out


def file_stem(ctx: dict) -> str:
    """<工号>_<姓名>, safe as a file name and unique in the month (see ``safenames``)."""
    return ctx.get("file_stem") or payslip_stem(ctx["employee_id"], ctx["name"])


def _inside(folder: Path, stem: str, suffix: str) -> Path:
    path = Path(folder) / f"{stem}{suffix}"
    if path.parent.resolve() != Path(folder).resolve() or path.name in (".", ".."):
        raise ValueError(f"工资条文件名不安全：{stem!r}")
    return path


def _private_write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


INDEX_NAME = "payslips.json"


def write_index(slips: list[dict], path: Path) -> None:
    """The run's payslips: 工号, 姓名 and file name (without .html/.pdf) of each, in payroll order."""
    rows = [{"employee_id": ctx["employee_id"], "name": ctx["name"], "file": file_stem(ctx)} for ctx in slips]
    _private_write(path, (json.dumps(rows, ensure_ascii=False, indent=0) + "\n").encode("utf-8"))


def read_index(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def css(templates: str | None = None) -> str:
    return (template_dir(templates) / "payslip.css").read_text(encoding="utf-8")


def write_html(slips: list[dict], folder: Path, templates: str | None = None, progress=None) -> int:
    style = css(templates)
    items = progress(slips, "HTML 工资条") if progress else slips
    for ctx in items:
        html = render("payslip.html", templates, s=ctx, css=style)
        _private_write(_inside(folder, file_stem(ctx), ".html"), html.encode("utf-8"))
    return len(slips)


def pdf_password(ctx: dict, rule: str) -> str | None:
    """SEC-04: the PDF opens with the last 6 characters of the employee's ID number."""
    if rule == "id_last6" and len(ctx.get("id_number") or "") >= 6:
        return ctx["id_number"][-6:].upper()
    return None


# the program's part of every payslip document: the checked fonts only (Typst never falls back to
# another font), no creation date (the same slips give the same bytes), bold drawn for fonts without it
TYPST_SETUP = """#set document(date: none)
#set text(font: json(bytes(sys.inputs.fonts)), fallback: false)
#let fake-bold = sys.inputs.at("fake-bold") == "true"
"""
_typst_pid: int | None = None  # Typst's worker threads do not survive a fork: see write_pdf


@cache
def _compiler(folder: str):
    import typst

    return typst.Compiler(font_paths=[folder], ignore_system_fonts=True)


def typst_source(slips: list[dict], templates: str | None = None) -> tuple[str, list[str]]:
    source, values = render_typst("payslip.typ", templates, slips=slips)
    return TYPST_SETUP + source, values


def compile_pdf(source: str, values: list[str], fontset: fonts.FontSet) -> bytes:
    """Typst source → PDF with the fonts of ``fontset`` only (a warning about fonts is an error)."""
    global _typst_pid
    import typst

    inputs = {TYPST_VALUES: json.dumps(values, ensure_ascii=False), "fonts": json.dumps(fontset.families),
              "fake-bold": "true" if fontset.fake_bold else "false"}
    _typst_pid = os.getpid()
    try:
        pdf, warnings = _compiler(fontset.folder).compile_with_warnings(source.encode("utf-8"), format="pdf",
                                                                         sys_inputs=inputs)
    except typst.TypstError as exc:
        raise RuntimeError(f"PDF 工资条模板 payslip.typ 有错误：{exc.message}") from None
    for warning in warnings:
        if "font" in warning.message:
            raise fonts.FontMissing(f"PDF 工资条的字体有问题：{warning.message}；{fonts.INSTALL_HINT}")
    return pdf


def pdf_fonts(slips: list[dict], templates: str | None = None, font: str | None = None) -> fonts.FontSet:
    """The fonts for these payslips' PDFs (``font``: a font file instead of the ones found), checked to
    have every character the PDFs will show; else ``fonts.FontMissing``."""
    fontset = fonts.find(font)
    check_glyphs(slips, templates, fontset)
    return fontset


def check_glyphs(slips: list[dict], templates: str | None, fontset: fonts.FontSet) -> None:
    """``fonts.FontMissing`` naming the payslips with characters that the fonts do not have."""
    source, values = typst_source(slips, templates)
    if not fontset.missing(source + "".join(values)):
        return
    found = []
    for ctx in slips:
        source, values = typst_source([ctx], templates)
        chars = fontset.missing(source + "".join(values))
        if chars:
            found.append(f"{ctx['employee_id']} {ctx['name']}：" + "、".join(f"「{ch}」(U+{ord(ch):04X})" for ch in chars))
    raise fonts.FontMissing(f"工资条里有字体 {fontset.describe()} 没有的字符（{'；'.join(found)}），PDF 工资条未生成。"
                            f"请改正工作簿里的这些文字，或安装有这些字符的字体并用 {fonts.FONT_ENV} / --font 指定。")


def _check_fonts(document, fontset: fonts.FontSet) -> None:
    """Every page shows its text in the checked fonts: no page without them, no other font."""
    allowed = fontset.postscript_names
    for number, page in enumerate(document.pages, 1):
        used = _page_fonts(page.obj.get("/Resources"))
        strange = {name for name in used if name not in allowed}
        if strange or not used:
            what = "、".join(sorted(strange)) if strange else "没有嵌入任何字体"
            raise fonts.FontMissing(f"PDF 工资条第 {number} 页的字体不是检查过的中文字体（{what}），未写出 PDF。"
                                    f"模板 payslip.typ 不要自己设置字体；{fonts.INSTALL_HINT}")


def _page_fonts(resources, depth: int = 0) -> set[str]:
    names: set[str] = set()
    if resources is None or depth > 8:
        return names
    for font in (resources.get("/Font") or {}).values():
        name = str(font.get("/BaseFont", "")).lstrip("/").split("+", 1)[-1]
        # a CFF-based CJK font (Noto Sans CJK .otc) is a Type0 font named after its CMap as well
        names.add(name.removesuffix("-Identity-H").removesuffix("-Identity-V"))
    for xobject in (resources.get("/XObject") or {}).values():
        names |= _page_fonts(xobject.get("/Resources"), depth + 1)
    return names


def _slip_pages(document) -> list[int]:
    """The first page of each payslip: its level-1 heading is an entry of the PDF outline."""
    pages = {page.objgen: number for number, page in enumerate(document.pages)}
    with document.open_outline() as outline:
        return [pages[item.destination[0].objgen] for item in outline.root]


def render_pdf_batch(slips: list[dict], templates: str | None = None, password_rule: str = "none",
                     fontset: fonts.FontSet | None = None) -> list[tuple[str, bytes]]:
    """Render a batch of payslips as one document and split it into one PDF per employee."""
    import pikepdf

    fontset = fontset or fonts.find()
    source, values = typst_source(slips, templates)
    if fontset.missing(source + "".join(values)):
        check_glyphs(slips, templates, fontset)  # says which payslips
    whole = pikepdf.open(io.BytesIO(compile_pdf(source, values, fontset)))
    _check_fonts(whole, fontset)
    starts = _slip_pages(whole)
    if len(starts) != len(slips):
        raise RuntimeError(f"PDF 工资条模板 payslip.typ 须让每份工资条以一个一级标题开头（{len(slips)} 份，"
                           f"{len(starts)} 个一级标题）")
    bounds = starts + [len(whole.pages)]
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
    chunk, templates, password_rule, folder, fontset = args
    for stem, data in render_pdf_batch(chunk, templates, password_rule, fontset):
        _private_write(_inside(folder, stem, ".pdf"), data)
    return len(chunk)


def batch_size(count: int, workers: int, target: int = 40) -> int:
    """About ``target`` slips per document, and a multiple of ``workers`` documents so no core idles
    at the end (a document's fonts and styles are set up once, so fewer, larger documents are faster)."""
    rounds = max(1, -(-count // (workers * target)))
    return max(1, -(-count // (workers * rounds)))


def _one_typst_thread() -> None:
    """In a forked worker: the workers already use every core, Typst's own threads would compete
    with them (about 6 % more CPU per payslip). It ends when the run that started it is killed."""
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    processes.helper_init()


def write_pdf(slips: list[dict], folder: Path, templates: str | None = None, batch: int | None = None,
              progress=None, password_rule: str = "none", workers: int | None = None,
              fontset: fonts.FontSet | None = None) -> int:
    """Batches of payslips per document; batches spread over forked processes where the system forks.
    ``fonts.FontMissing`` (before any PDF is written when no font is found)."""
    fontset = fontset or fonts.find()
    workers = workers or min(os.cpu_count() or 1, 4)
    batch = batch or batch_size(len(slips), workers)
    batches = [(slips[i:i + batch], templates, password_rule, str(folder), fontset)
               for i in range(0, len(slips), batch)]
    workers = min(workers, len(batches))
    # one process where fork is unavailable (Windows), and in a process that has run Typst itself:
    # Typst's worker threads would be missing in the forked copies, which then wait for them forever
    if workers <= 1 or not processes.can_fork() or _typst_pid == os.getpid():
        done = map(_render_to_folder, batches)
        for _ in (progress(done, "PDF 工资条") if progress else done):
            pass
        return len(slips)
    import multiprocessing

    with processes.frozen_heap(), processes.forking():
        pool = multiprocessing.get_context("fork").Pool(workers, _one_typst_thread)
    with pool:
        done = pool.imap_unordered(_render_to_folder, batches)
        scratch.checkpoint("pdf")
        for _ in (progress(done, "PDF 工资条") if progress else done):
            pass
    return len(slips)
