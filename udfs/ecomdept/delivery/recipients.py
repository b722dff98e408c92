"""Who gets which file: the month's current run (``OUT/YYYY-MM/``) read against the 发放记录 and the
roster's 邮箱 column. Nothing of an earlier run of the month is ever sent: only the files of the run
folder in place, checked again (run.json and the PDF's sha256) just before each message.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ecomdept.delivery.ledger import Ledger
from ecomdept.delivery.settings import valid_address
from ecomdept.outputs import payslips


class SendRefused(Exception):
    """The month cannot be sent as it stands (no run, no PDFs, PDFs not encrypted …)."""


@dataclass(frozen=True)
class Slip:
    employee_id: str
    name: str
    address: str
    pdf: Path
    html: Path
    sha256: str
    content_sha256: str


@dataclass
class Plan:
    month: str
    run_dir: Path
    run_id: str
    to_send: list[Slip] = field(default_factory=list)
    already: list[Slip] = field(default_factory=list)       # delivered under this run, or the same payslip earlier
    interrupted: list[Slip] = field(default_factory=list)   # handed to the server when a send stopped: counted as sent
    superseded: list[Slip] = field(default_factory=list)    # an earlier run's slip was sent; this run's differs
    refused: list[tuple[Slip, str]] = field(default_factory=list)  # the server refused it for good (same address)
    no_address: list[Slip] = field(default_factory=list)
    bad_address: list[Slip] = field(default_factory=list)
    shared: list[tuple[Slip, list[str]]] = field(default_factory=list)  # the same 邮箱 as others: never sent
    moved: list[tuple[Slip, str]] = field(default_factory=list)  # sent to the address the roster had then
    resend: list[Slip] = field(default_factory=list)        # --resend: sent again on purpose
    unknown: list[str] = field(default_factory=list)        # --only / --resend ids not in the run


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_id(run_dir: Path) -> str:
    try:
        return sha256(Path(run_dir) / "run.json")
    except FileNotFoundError:
        raise SendRefused(f"{run_dir} 不是完整的运行结果（没有 run.json）") from None


def run_info(run_dir: Path) -> dict:
    return json.loads((Path(run_dir) / "run.json").read_text(encoding="utf-8"))


UNENCRYPTED = ("规则 pdf_password = none：工资条 PDF 没有加密，邮件可能被转发或误投，不发送。请把 pdf_password 改为 "
               "id_last6（打开密码为本人身份证号后 6 位）后重新运行 payroll；确需发送不加密的 PDF 时加 --unencrypted")


def check_run(out_dir: Path, month: str, allow_unencrypted: bool = False) -> tuple[Path, dict]:
    """The month's run folder and its run.json, or SendRefused saying what to do first."""
    run_dir = Path(out_dir) / month
    if not (run_dir / "run.json").exists():
        have = sorted(p.parent.name for p in Path(out_dir).glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]/run.json"))
        raise SendRefused(f"{out_dir} 里没有 {month} 的运行结果：先运行 ecomdept payroll --month {month} --out {out_dir}"
                          + (f"（已有：{'、'.join(have)}）" if have else ""))
    info = run_info(run_dir)
    if not (run_dir / payslips.INDEX_NAME).exists():
        raise SendRefused(f"{run_dir} 是旧版本 ecomdept 写出的结果（没有 {payslips.INDEX_NAME}）：请重新运行 payroll")
    if not info.get("counts", {}).get("files", {}).get("payslips_pdf"):
        raise SendRefused(f"{month} 的结果里没有 PDF 工资条（计算时用了 --no-pdf 或缺少中文字体）：请重新运行 payroll 生成 PDF")
    if info.get("rules", {}).get("pdf_password", "none") == "none" and not allow_unencrypted:
        raise SendRefused(UNENCRYPTED)
    return run_dir, info


def _ids(given: list[str] | None, known: dict[str, str]) -> tuple[set[str], list[str]]:
    """--only / --resend ids matched to the run's 工号 (case and spaces aside), and the unknown ones."""
    import re

    found, unknown = set(), []
    for text in [part for item in given or [] for part in re.split(r"[,，、;；\s]+", item) if part]:
        key = text.strip().casefold()
        (found.add(known[key]) if key in known else unknown.append(text))
    return found, unknown


def make_plan(run_dir: Path, addresses: dict[str, str], ledger: Ledger, only: list[str] | None = None,
              resend: list[str] | None = None, retry_failed: bool = False) -> Plan:
    """The plan for a run folder that ``check_run`` accepted."""
    plan = Plan(ledger.month, run_dir, run_id(run_dir))
    index = payslips.read_index(run_dir / payslips.INDEX_NAME)
    known = {row["employee_id"].casefold(): row["employee_id"] for row in index}
    only_ids, unknown_only = _ids(only, known)
    resend, unknown_resend = _ids(resend, known)
    plan.unknown = unknown_only + unknown_resend
    only = only_ids if only else None
    holders: dict[str, list[str]] = {}
    for row in index:
        address = (addresses.get(row["employee_id"]) or "").strip().casefold()
        if address:
            holders.setdefault(address, []).append(row["employee_id"])
    for row in index:
        emp = row["employee_id"]
        if only and emp not in only and emp not in resend:
            continue
        pdf = run_dir / "payslips" / f"{row['file']}.pdf"
        html = run_dir / "payslips" / f"{row['file']}.html"
        if not pdf.exists():
            raise SendRefused(f"{run_dir} 里缺少 {emp} {row['name']} 的工资条 {pdf.name}：结果不完整，请重新运行 payroll")
        address = (addresses.get(emp) or "").strip()
        slip = Slip(emp, row["name"], address, pdf, html, sha256(pdf), sha256(html) if html.exists() else "")
        if not address:
            plan.no_address.append(slip)
            continue
        if not valid_address(address):
            plan.bad_address.append(slip)
            continue
        others = [e for e in holders.get(address.casefold(), []) if e != emp]
        if others:  # one mailbox would get several people's pay
            plan.shared.append((slip, others))
            continue
        if emp in resend:
            plan.resend.append(slip)
            plan.to_send.append(slip)
            continue
        mine = ledger.for_run(emp, plan.run_id)
        if mine is not None and mine.delivered and mine.address.casefold() != address.casefold():
            plan.moved.append((slip, mine.address))
        if mine is not None and mine.result == "sent":
            plan.already.append(slip)
            continue
        if mine is not None and mine.result == "committing":
            plan.interrupted.append(slip)
            continue
        if mine is not None and mine.result == "failed" and mine.address == address and not retry_failed:
            plan.refused.append((slip, mine.reply))
            continue
        earlier = ledger.delivered_before(emp, plan.run_id)
        if earlier:
            if any(e.content_sha256 and e.content_sha256 == slip.content_sha256 for e in earlier):
                plan.already.append(slip)  # the same payslip, already in the employee's mailbox
            else:
                plan.superseded.append(slip)
            continue
        plan.to_send.append(slip)
    return plan


def describe(plan: Plan, dry_run: bool = False) -> list[str]:
    """The plan in Chinese, one line per person that needs a word, then the counts."""
    lines = []
    verb = "将发送" if dry_run else "待发送"
    for slip in plan.to_send:
        again = "（--resend：再次发送）" if slip in plan.resend else ""
        lines.append(f"{verb}  {slip.employee_id} {slip.name} → {slip.address}  {slip.pdf.name}{again}")
    for slip in plan.no_address:
        lines.append(f"无邮箱  {slip.employee_id} {slip.name}：花名册「邮箱」列为空，未发送")
    for slip in plan.bad_address:
        lines.append(f"邮箱格式不对  {slip.employee_id} {slip.name}：「{ascii_safe(slip.address)}」，未发送")
    for slip, others in plan.shared:
        lines.append(f"邮箱重复  {slip.employee_id} {slip.name}：{slip.address} 也是 {'、'.join(others)} 的邮箱，"
                     "一个邮箱不能收几个人的工资条，未发送；请在花名册改正")
    for slip in plan.superseded:
        lines.append(f"已被替换  {slip.employee_id} {slip.name}：已发出的 {plan.month} 工资条来自被替换的计算结果，"
                     f"新结果与它不同；核对后用 --resend {slip.employee_id} 发送新的工资条")
    for slip, reply in plan.refused:
        lines.append(f"曾被拒收  {slip.employee_id} {slip.name} → {slip.address}：{reply}；改正邮箱后会再发送，"
                     f"邮箱没错时用 --retry-failed（或 --resend {slip.employee_id}）")
    for slip in plan.interrupted:
        lines.append(f"上次发送中断  {slip.employee_id} {slip.name} → {slip.address}：邮件已整封交给服务器、没等到回复，"
                     f"按已送达计；可在发件邮箱的「已发送」里核对，本人确未收到时用 --resend {slip.employee_id}")
    for slip, before in plan.moved:
        lines.append(f"邮箱已改  {slip.employee_id} {slip.name}：工资条已发到原来的 {before}，花名册现在是 {slip.address}；"
                     f"需要发到新地址时用 --resend {slip.employee_id}")
    for emp in plan.unknown:
        lines.append(f"不在 {plan.month} 的工资条中：{emp}")
    return lines


def ascii_safe(text: str) -> str:
    """An address as typed, with line breaks and other control characters shown as \\n etc."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def unsendable(plan: Plan) -> int:
    return len(plan.no_address) + len(plan.bad_address) + len(plan.shared)


def counts_line(plan: Plan) -> str:
    return (f"{plan.month}：待发送 {len(plan.to_send)} 人，已发送 {len(plan.already) + len(plan.interrupted)} 人，"
            f"无邮箱或邮箱有误 {unsendable(plan)} 人"
            + (f"，已被替换 {len(plan.superseded)} 人" if plan.superseded else "")
            + (f"，曾被拒收 {len(plan.refused)} 人" if plan.refused else ""))
