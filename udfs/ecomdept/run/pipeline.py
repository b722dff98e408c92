"""The monthly batch: read → compute → write DIR/YYYY-MM/ atomically.

Everything is written into a hidden temporary folder beside the target and renamed into place only
when complete; an earlier result for the month is kept as its version, ``YYYY-MM.v1`` … A month whose
run is approved is locked (``ecomdept.close.versions``): it is computed again only when reopened, as a
new version. One lock file per month stops a second concurrent run. The input workbook is only read (its sha256 is checked before
and after).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import uuid

from ecomdept.close import approval, versions
from ecomdept.core import scratch
from ecomdept.run import engine
from ecomdept.outputs import fonts
from ecomdept.pay import history
from ecomdept.outputs import records as outputs
from ecomdept.outputs import payslips
from ecomdept.core import processes
from ecomdept.outputs import report
from ecomdept.outputs import results
from ecomdept.outputs import signoff
from ecomdept.core.exitcodes import EXIT_DATA, EXIT_OK, EXIT_USAGE  # noqa: F401  (re-exported)
from ecomdept.core.runlock import RunRefused, history_lock, refuse_outputs_over_input, ticket
from ecomdept.core.calendar import parse_month
from ecomdept.core.issues import Issue, folded_summary, has_blocking, in_reading_order
from ecomdept.inputs.workbook_io import PAYROLL_SHEETS, WorkbookReadError, load_path, sha256_file



@dataclass
class RunOutcome:
    code: int
    month_dir: Path | None = None
    issues: list[Issue] = field(default_factory=list)
    result: object | None = None
    info: dict | None = None
    timings: dict[str, float] = field(default_factory=dict)
    message: str = ""
    stale: list[str] = field(default_factory=list)  # later months to run again (their year-to-date changed)
    previous: Path | None = None  # where the month's earlier result was moved


def progress_bar(enabled: bool):
    if not enabled:
        return None
    from rich.progress import track

    def wrap(items, description):
        return track(items, description=description, transient=True, console=None)
    return wrap


def print_issues(issues: list[Issue], stream=None, limit: int = 200) -> None:
    """Blocking root problems first, each with the follow-on problems it explains folded into one line
    under it (all of them are in the 数据问题 sheet); then the rest."""
    stream = stream or sys.stderr
    ordered = in_reading_order(issues)
    for issue, children in ordered[:limit]:
        print(str(issue), file=stream)
        if children:
            print(f"  └ {folded_summary(children)}（见数据问题表）", file=stream)
    if len(ordered) > limit:
        print(f"……另有 {len(ordered) - limit} 条问题，见数据问题表", file=stream)


def run_payroll(workbook: str | Path, month: str, out_dir: str | Path = "out", pdf: bool = True,
                templates: str | None = None, show_progress: bool | None = None, font: str | None = None,
                reopen: versions.Reopen | None = None) -> RunOutcome:
    """``RunRefused`` (``versions.MonthLocked``) when the month is approved and not reopened."""
    timings: dict[str, float] = {}
    year, mon = parse_month(month)
    workbook, out_dir = Path(workbook), Path(out_dir)
    refuse_outputs_over_input(workbook, out_dir, f"{year:04d}-{mon:02d}")
    _check_unlocked(out_dir, f"{year:04d}-{mon:02d}", reopen)  # before any work: the answer is no
    with ticket(out_dir, f"{year:04d}-{mon:02d}"):  # in the month queue before the workbook is read
        return _run_payroll(workbook, year, mon, out_dir, pdf, templates, show_progress, timings, font, reopen)


def _check_unlocked(out_dir: Path, label: str, reopen) -> list[dict]:
    try:
        return versions.check_unlocked(out_dir, label, reopen)
    except (versions.MonthLocked, approval.ApprovalRefused) as exc:
        raise RunRefused(str(exc)) from None


def _run_payroll(workbook: Path, year: int, mon: int, out_dir: Path, pdf: bool, templates: str | None,
                 show_progress: bool | None, timings: dict, font: str | None, reopen=None) -> RunOutcome:
    show = sys.stderr.isatty() if show_progress is None else show_progress
    progress = progress_bar(show)
    tick = time.perf_counter()
    scratch.checkpoint("read")
    try:
        book = load_path(workbook, PAYROLL_SHEETS)
    except WorkbookReadError as exc:
        return RunOutcome(EXIT_DATA, issues=[Issue("（文件）", None, None, str(exc))], message=str(exc))
    timings["read"] = time.perf_counter() - tick
    if not book.rules.kpi:
        return run_book(book, year, mon, out_dir, pdf, templates, progress, timings, workbook, font=font,
                        reopen=reopen)
    # KPI targets set: the bonus needs the order sheets. They are the largest part of the file, so
    # another process reads them and computes the KPIs while this one does attendance and payroll.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ExitStack() as stack:
        if processes.can_fork():
            stack.enter_context(processes.frozen_heap())
            pool = stack.enter_context(ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"),
                                                           initializer=processes.helper_init))
            with processes.forking():  # the pool forks its worker on the first submit
                orders = pool.submit(_order_stage_from_file, workbook, book.rules, year, mon).result
        else:  # no fork (Windows): the order sheets are read here, after 退款
            def orders():
                return _order_stage_from_file(workbook, book.rules, year, mon)

        def provider():
            # while the other process is still on 订单, read 退款 here and walk the refund flow
            from ecomdept.run.engine import refund_stage
            from ecomdept.inputs.schema import REFUNDS

            tick = time.perf_counter()
            part = load_path(workbook, frozenset({"refunds"}))
            flow_issues = [i for i in part.issues if i.sheet == REFUNDS.name]
            flow = refund_stage(part.frames["refunds"], book.frames["employees"], book.rules, year, mon)
            timings["refunds"] = time.perf_counter() - tick
            tick = time.perf_counter()
            stage, issues, counts = orders()
            book.issues.extend(issues + flow_issues)
            book.counts.update(counts)
            book.counts[REFUNDS.name] = part.counts[REFUNDS.name]
            timings["orders_wait"] = time.perf_counter() - tick
            if stage is not None:
                stage.refund_flow = flow
            return stage
        return run_book(book, year, mon, out_dir, pdf, templates, progress, timings, workbook, provider, font,
                        reopen)


def _order_stage_from_file(workbook: Path, rules, year: int, mon: int):
    """Child process: read 订单 and 推广 (and the roster, for teams) and reduce them to the KPIs."""
    from ecomdept.run.engine import order_stage
    from ecomdept.inputs.schema import INPUT_SHEETS

    sheets = frozenset({"orders", "ads"})
    part = load_path(workbook, sheets | {"employees"})
    names = {s.name for s in INPUT_SHEETS if s.id in sheets}
    issues = [i for i in part.issues if i.sheet in names]
    counts = {name: part.counts[name] for name in names}
    if any(i.blocking for i in issues):
        return None, issues, counts
    staff = part.frames["employees"]
    return order_stage(part.frames, staff, rules, year, mon, with_refunds=False), issues, counts


def run_book(book, year: int, mon: int, out_dir: Path, pdf: bool = True, templates: str | None = None,
             progress=None, timings: dict | None = None, workbook: Path | None = None,
             stage_provider=None, font: str | None = None, reopen=None) -> RunOutcome:
    """Compute a loaded workbook's month and write OUT/YYYY-MM/ atomically (CLI and Excel buttons).

    Without a Chinese font that has every character of the payslips no PDF is written: everything
    else is, and the outcome is EXIT_DATA with the font message (``font``: a font file to use)."""
    timings = timings if timings is not None else {}
    label = f"{year:04d}-{mon:02d}"
    out_dir = Path(out_dir)
    if has_blocking(book.issues):
        return _blocked(book.issues, out_dir, label, timings)
    with history_lock(out_dir, label):  # year-to-date is read from the earlier months: one run at a time
        result = engine.run_month(book, year, mon, out_dir, stage_provider=stage_provider)
        timings.update(result.timings)
        if has_blocking(book.issues):
            return _blocked(book.issues, out_dir, label, timings)
        return _write_month(result, book, label, out_dir, pdf, templates, progress, timings, workbook, font, reopen)


def _write_month(result, book, label: str, out_dir: Path, pdf: bool, templates, progress, timings: dict,
                 workbook: Path | None, font: str | None, reopen=None) -> RunOutcome:
    with processes.frozen_heap():  # the writers below are forked
        for stale in out_dir.glob(f".{label}.tmp-*"):  # left by a run that was killed; we hold the lock
            shutil.rmtree(stale, ignore_errors=True)
        scratch.checkpoint("before-folder")
        # Ctrl-C, a full disk, any failure: nothing half-written stays (the writers stopped first)
        with scratch.ScratchFolder(out_dir / f".{label}.tmp-{os.getpid()}", helpers=True) as tmp:
            scratch.checkpoint("folder")
            (tmp / "payslips").mkdir(mode=0o700)
            tick = time.perf_counter()
            rows = outputs.payroll_rows(result)
            slips = payslips.contexts(result)
            payslips.write_index(slips, tmp / payslips.INDEX_NAME)  # who has which file: ecomdept send
            fontset, pdf_refused = None, ""
            if pdf:  # before the writers fork: they record how many PDFs there are
                try:
                    fontset = payslips.pdf_fonts(slips, templates, font)
                except fonts.FontMissing as exc:
                    pdf_refused = str(exc)
            files = {"payslips_html": len(result.pays), "payslips_pdf": len(result.pays) if fontset else 0}
            info = outputs.run_info(result, workbook or book.path, book.sha256, files)
            outputs.write_payroll_csv(result, tmp / "payroll.csv")
            approved = _check_unlocked(out_dir, label, reopen)  # we hold the month's lock: final answer
            info.update(version=versions.next_version(out_dir, label), run_id=uuid.uuid4().hex,
                        payroll_sha256=sha256_file(tmp / "payroll.csv"))
            if reopen is not None:
                info["reopened"] = {"reason": reopen.reason, "from_version": versions.version_of(out_dir / label)
                                    if (out_dir / label).exists() else None, "approvals": approved}
            stale = history.stale_later_runs(out_dir, label, sha256_file(tmp / "payroll.csv"), book.rules.iit_period)
            stale = sorted(set(stale) | set(result.stale_runs))  # + later runs that took the year's separate bonus
            if stale:
                note_stale(result, info, label, stale)
            # the results workbook (the longest output), the CSVs, lines.json and the report are written
            # by forked processes while this one writes the payslips
            kept = signoff.carried(out_dir, label)  # HR's 签收申诉 entries survive a re-run
            if kept:
                info["signoff_carried"] = len(kept)
            writer = _start(_write_workbook, result, tmp, label, rows, book.issues, info, kept)
            extras = _start(_write_extras, result, tmp, info, templates)
            scratch.checkpoint("writers")
            timings["csv"] = time.perf_counter() - tick
            tick = time.perf_counter()
            payslips.write_html(slips, tmp / "payslips", templates, progress)
            timings["html"] = time.perf_counter() - tick
            if fontset:
                tick = time.perf_counter()
                try:
                    payslips.write_pdf(slips, tmp / "payslips", templates, progress=progress,
                                       password_rule=book.rules.pdf_password, fontset=fontset)
                except fonts.FontMissing as exc:  # found after rendering: no PDF is kept
                    for path in (tmp / "payslips").glob("*.pdf"):
                        path.unlink()
                    pdf_refused = str(exc)
                    info["counts"]["files"]["payslips_pdf"] = 0
                timings["pdf"] = time.perf_counter() - tick
            tick = time.perf_counter()
            _finish(writer)
            _finish(extras)
            timings["results_wait"] = time.perf_counter() - tick
            if workbook is not None and sha256_file(workbook) != book.sha256:
                raise RuntimeError("输入工作簿在计算期间被修改：结果作废，请关闭其他程序后重新运行")
            info["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
            outputs.write_run_json(info, tmp / "run.json")
            _private(tmp)
            final = out_dir / label
            previous = scratch.commit(tmp, final, versions.archive_path(out_dir, label) if final.exists() else None)
        (out_dir / f"数据问题_{label}.xlsx").unlink(missing_ok=True)  # fixed now: the old list would mislead
    if pdf_refused:
        return RunOutcome(EXIT_DATA, final, book.issues, result, info, timings,
                          message=f"{pdf_refused}\n其余结果（工资表、HTML 工资条、报告）已写入 {final}", stale=stale,
                          previous=previous)
    return RunOutcome(EXIT_OK, final, book.issues, result, info, timings, stale=stale, previous=previous)


def note_stale(result, info: dict, label: str, stale: list[str]) -> None:
    """Later months computed from the result this run replaces: in 预警, run.json and the outcome."""
    from ecomdept.worktime.alerts import NOBODY, Alert

    text = (f"{'、'.join(stale)} 的本年累计个税用的是被替换前的 {label} 结果，已过期："
            f"请按月份顺序重新计算 {'、'.join(stale)}")
    result.alerts.append(Alert(NOBODY, "结果过期", "STA-2018-61", text))
    info["stale_later_runs"] = stale


def _write_workbook(result, tmp: Path, label: str, rows, issues, info, kept=None) -> None:
    results.write_results(result, tmp / f"工资表_{label}.xlsx", rows, issues, info, kept)


def _write_extras(result, tmp: Path, info, templates) -> None:
    results.write_attendance_csv(result, tmp / "考勤明细.csv")
    results.write_refunds_csv(result, tmp / "退款流程.csv")
    if result.kpis is not None:
        from ecomdept.sales import kpi
        kpi.write_csv(result.kpis, tmp / "kpi.csv")
    report.write_report(result, info, tmp / "report.html", templates)
    outputs.write_lines_json(result, tmp / "lines.json")


def _start(target, *args):
    """Run ``target`` in a forked process (inline where fork is unavailable)."""
    import multiprocessing

    if not processes.can_fork():
        target(*args)
        return None
    process = multiprocessing.get_context("fork").Process(target=processes.in_child, args=(target, *args),
                                                           daemon=True)
    with processes.forking():
        process.start()
    return process


def _finish(process) -> None:
    if process is None:
        return
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"写结果工作簿的进程异常退出（退出码 {process.exitcode}），本次结果作废")


def _private(folder: Path) -> None:
    """Pay data is personal (SEC-04): nothing in a run folder is readable by other users."""
    for path in folder.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)


def _blocked(issues: list[Issue], out_dir: Path, label: str, timings: dict) -> RunOutcome:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"数据问题_{label}.xlsx"
    results.write_issues_only(path, issues)
    path.chmod(0o600)  # the problems quote pay data (SEC-04)
    roots = [i for i, _ in in_reading_order(issues) if i.blocking]
    followers = sum(len(c) for _, c in in_reading_order(issues))
    return RunOutcome(EXIT_DATA, None, issues, timings=timings,
                      message=f"发现 {len(roots)} 个阻断性数据问题" + (f"（另有 {followers} 个由{'它' if len(roots) == 1 else '它们'}引起）" if followers else "")
                      + f"，未生成工资条；问题清单：{path}")
