"""``ecomdept send`` and the 发送工资条 button: read the settings and addresses, plan, send, report.

The addresses (员工 邮箱) and the 发送设置 come from the master workbook the run was computed from
(its path is in run.json), or the one given: an address corrected after the run is used without
computing the month again.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ecomdept.core.issues import Issue
from ecomdept.delivery import recipients, sending, settings as settings_mod
from ecomdept.delivery.ledger import Ledger
from ecomdept.delivery.recipients import Plan, SendRefused
from ecomdept.delivery.settings import SendSettings, SettingsError


@dataclass
class Prepared:
    plan: Plan
    ledger: Ledger
    settings: SendSettings | None
    settings_problem: str
    encrypted: bool
    release_problem: str = ""  # not approved for release (a dry run only shows the plan)


def read_workbook(workbook: Path) -> tuple[dict[str, str], dict, list[Issue]]:
    """(工号 → 邮箱, the 发送设置 values, the problems of the 发送设置 rows) from a master workbook. Its
    sheets are found as payroll finds them; two sheets that fit 员工 or 规则 stop the send (a stale
    copy would give wrong addresses)."""
    from ecomdept.inputs import send_rules
    from ecomdept.inputs.rules import _rule_id
    from ecomdept.inputs.schema import EMPLOYEES, RULES
    from ecomdept.inputs.workbook_io import CalamineSource, read_sheet, sheet_rows

    try:
        found, problems = sheet_rows(CalamineSource(workbook), {EMPLOYEES.id, RULES.id})
    except Exception as exc:  # noqa: BLE001 — any unreadable workbook: one message
        raise SendRefused(f"无法读取主工作簿 {workbook}：{exc}") from None
    if problems:
        raise SendRefused("；".join(str(i) for i in problems))
    if EMPLOYEES.id not in found:
        raise SendRefused(f"主工作簿 {workbook} 没有「员工」表：读不到邮箱")
    staff = read_sheet(EMPLOYEES, found[EMPLOYEES.id], [])
    if "email" not in staff.columns:
        addresses = {}
    else:
        addresses = {e: (a or "") for e, a in zip(staff["employee_id"], staff["email"])}
    rows = []
    if RULES.id in found:
        frame = read_sheet(RULES, found[RULES.id], [])
        rows = [(r.xl_row, _rule_id(r.rule_id), r.value) for r in frame.itertuples(index=False)
                if send_rules.is_send_key(_rule_id(r.rule_id))]
    values, issues = send_rules.from_rows(rows, RULES.name)
    return addresses, values, issues


def workbook_of(run_dir: Path, info: dict, given: str | Path | None) -> Path:
    if given:
        path = Path(given)
    else:
        recorded = (info.get("input") or {}).get("path")
        if not recorded:
            raise SendRefused(f"{run_dir}/run.json 没有记录主工作簿的位置：请用 --workbook 指定（读取 邮箱 与 发送设置）")
        path = Path(recorded)
        if not path.is_absolute():
            path = Path.cwd() / path
    if not path.is_file():
        raise SendRefused(f"找不到主工作簿 {path}（读取 邮箱 与 发送设置）：请用 --workbook 指定")
    return path


def prepare(out_dir: Path, month: str, workbook: str | Path | None = None, config: str | Path | None = None,
            only: list[str] | None = None, resend: list[str] | None = None, allow_unencrypted: bool = False,
            retry_failed: bool = False, dry_run: bool = False) -> Prepared:
    """What a send would do. ``SendRefused`` when it may not happen: no usable run, or (unless
    ``dry_run``) a run not approved as 规则 release_roles requires."""
    from ecomdept.close import approval

    run_dir, info = recipients.check_run(out_dir, month, allow_unencrypted)
    release_problem = ""
    try:
        approval.require_released(run_dir, "发送工资条", info)
    except approval.ApprovalRefused as exc:
        if not dry_run:
            raise SendRefused(str(exc)) from None
        release_problem = str(exc)
    book = workbook_of(run_dir, info, workbook)
    addresses, values, issues = read_workbook(book)
    if any(i.blocking and i.code == "send_password" for i in issues):
        raise SendRefused("；".join(str(i) for i in issues if i.blocking))
    problem = ""
    found = None
    try:
        found = _resolve(values, issues, config, book)
    except SettingsError as exc:
        problem = str(exc)
    ledger = Ledger.load(out_dir, month)
    plan = recipients.make_plan(run_dir, addresses, ledger, only, resend, retry_failed)
    encrypted = info.get("rules", {}).get("pdf_password", "none") != "none"
    if found is not None and found.body == "html" and encrypted:
        found, problem = None, ("send.body = html 会把工资条（金额与打码的身份证号）明文放进邮件正文，PDF 加密就没有意义了："
                                "请把 send.body 改为 text")
    return Prepared(plan, ledger, found, problem, encrypted, release_problem)


def settings_for(out_dir: Path, month: str, workbook: str | Path | None, config: str | Path | None) -> SendSettings:
    """The settings alone (``--save-password``): from the given workbook, or the run's."""
    if workbook is None:
        run_dir, info = recipients.check_run(out_dir, month, allow_unencrypted=True)
        workbook = workbook_of(run_dir, info, None)
    _, values, issues = read_workbook(Path(workbook))
    return _resolve(values, issues, config, Path(workbook))


def _resolve(values: dict, issues: list[Issue], config: str | Path | None, book: Path) -> SendSettings:
    """The settings in force, or SettingsError naming the wrong 发送设置 rows or what is missing."""
    blocking = [i for i in issues if i.blocking]
    if blocking:
        raise SettingsError("；".join(str(i) for i in blocking))
    return settings_mod.resolve(values, settings_mod.load_config(Path(config)) if config else None,
                                f"主工作簿 {book.name} 的规则表")


@contextmanager
def send_lock(out_dir: Path, month: str):
    """One send of a month at a time (the system's lock: it goes with the process)."""
    from ecomdept.core.runlock import _try_lock

    path = Path(out_dir) / f".send-{month}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not _try_lock(fd):
            raise SendRefused(f"{month} 的工资条正在由另一个 ecomdept send 发送：请等它结束")
        yield
    finally:
        os.close(fd)
