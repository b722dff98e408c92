"""The send itself: the plan's messages one by one over one connection, no faster than
send.rate_per_minute; a temporary error retried after send.retry_wait_seconds, doubling each time, up
to send.retries times; a permanent one recorded and the send goes on. After every message the
发放记录 is written; before every message the run folder is checked to be the one planned.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from ecomdept.core.scratch import checkpoint
from ecomdept.delivery import messages
from ecomdept.delivery.ledger import Entry, Ledger, now
from ecomdept.delivery.recipients import Plan, SendRefused, Slip, run_id, sha256, unsendable
from ecomdept.delivery.settings import SendSettings
from ecomdept.delivery.smtp import Connection, Fatal, Permanent, Temporary, Uncertain, Unreachable

MAX_WAIT = 300.0  # the longest wait between two tries of one message, in seconds
SAME_REFUSAL_STOP = 3  # this many messages in a row refused with the same reply: the settings, not the people


@dataclass
class Summary:
    sent: list[Slip] = field(default_factory=list)
    failed: list[tuple[Slip, str]] = field(default_factory=list)      # refused for good
    temporary: list[tuple[Slip, str]] = field(default_factory=list)   # retries used up: the next send tries again
    uncertain: list[Slip] = field(default_factory=list)
    stopped: str = ""  # why the send stopped before the end (login refused, run replaced …)
    interrupted: bool = False  # Ctrl-C

    @property
    def ok(self) -> bool:
        return not (self.failed or self.temporary or self.stopped)


class Throttle:
    def __init__(self, per_minute: int, clock=time.monotonic, sleep=time.sleep):
        self.interval = 60.0 / per_minute
        self.clock, self.sleep = clock, sleep
        self.last: float | None = None

    def wait(self) -> None:
        if self.last is not None:
            left = self.last + self.interval - self.clock()
            if left > 0:
                checkpoint("throttle")
                self.sleep(left)
        self.last = self.clock()


def _entry(slip: Slip, plan: Plan, result: str, reply: str = "", attempts: int = 0) -> Entry:
    return Entry(slip.employee_id, slip.name, slip.address, plan.run_id, f"{plan.month}/payslips/{slip.pdf.name}",
                 slip.sha256, slip.content_sha256, result, now(), reply, attempts)


def record_unsendable(plan: Plan, ledger: Ledger) -> None:
    """Without an address: in the record, so HR's list shows them; superseded slips marked."""
    changed = False
    for slip, result in ([(s, "no_address") for s in plan.no_address] + [(s, "bad_address") for s in plan.bad_address]
                         + [(s, "shared_address") for s, _ in plan.shared]):
        old = ledger.for_run(slip.employee_id, plan.run_id)
        if old is None or old.result != result or old.address != slip.address:
            ledger.replace(_entry(slip, plan, result))
            changed = True
    for slip in plan.superseded:
        for old in ledger.delivered_before(slip.employee_id, plan.run_id):
            if old.superseded_by != plan.run_id:
                old.superseded_by = plan.run_id
                changed = True
    if changed:
        ledger.save()


def send(plan: Plan, settings: SendSettings, password: str | None, ledger: Ledger, encrypted: bool,
         progress=None, sleep=time.sleep, clock=time.monotonic) -> Summary:
    summary = Summary()
    record_unsendable(plan, ledger)
    if not plan.to_send:
        return summary
    connection = Connection(settings, password)
    throttle = Throttle(settings.rate_per_minute, clock, sleep)
    items = progress(plan.to_send, "发送工资条") if progress else plan.to_send
    try:
        for slip in items:
            if summary.stopped:
                break
            problem = _changed(plan, slip)
            if problem:
                summary.stopped = problem
                break
            message = messages.build(slip, settings, plan.month, encrypted)
            attempts = 0
            while True:
                attempts += 1
                throttle.wait()
                try:
                    reply = connection.send(message, slip.address,
                                            lambda: ledger.put(_entry(slip, plan, "committing", attempts=attempts)))
                except Uncertain as exc:
                    ledger.put(_entry(slip, plan, "committing", str(exc), attempts))
                    summary.uncertain.append(slip)
                    break
                except Temporary as exc:
                    if attempts > settings.retries:
                        ledger.put(_entry(slip, plan, "temporary", str(exc), attempts))
                        summary.temporary.append((slip, str(exc)))
                        if isinstance(exc, Unreachable):  # the others would wait as long for nothing
                            summary.stopped = (f"{exc}，重试 {settings.retries} 次仍不行：已停止，其余的没有尝试。"
                                               "请核对 send.smtp_host、端口与网络后重新运行 send")
                        break
                    sleep(min(MAX_WAIT, settings.retry_wait_seconds * 2 ** (attempts - 1)))
                    continue
                except Permanent as exc:
                    ledger.put(_entry(slip, plan, "failed", str(exc), attempts))
                    summary.failed.append((slip, str(exc)))
                    last = [reply for _, reply in summary.failed[-SAME_REFUSAL_STOP:]]
                    if len(last) == SAME_REFUSAL_STOP and len(set(last)) == 1 and not summary.sent:
                        summary.stopped = (f"最先的 {SAME_REFUSAL_STOP} 封都被服务器以同样的理由拒收（{last[0]}），"
                                           "多半是发送设置的问题而不是收件人：已停止。改正后用 --retry-failed 重发这几封")
                    break
                ledger.put(_entry(slip, plan, "sent", reply, attempts))
                summary.sent.append(slip)
                break
    except Fatal as exc:
        summary.stopped = str(exc)
    except KeyboardInterrupt:
        summary.stopped = "按 Ctrl-C 中断：已发出的都已记入发放记录，重新运行 send 会发送其余的"
        summary.interrupted = True
    finally:
        connection.close()
        ledger.save()
        ledger.save_csv()
    return summary


def _changed(plan: Plan, slip: Slip) -> str:
    """Why the planned run can no longer be sent ('' if it still can)."""
    try:
        if run_id(plan.run_dir) != plan.run_id:
            raise SendRefused("")
        if sha256(Path(slip.pdf)) != slip.sha256:
            return f"{slip.pdf.name} 在发送期间被修改：已停止发送，请核对后重新运行 ecomdept send"
    except (SendRefused, OSError):
        return (f"{plan.month} 的结果在发送期间被重新计算替换：已停止，被替换的结果不再发送。"
                f"请重新运行 ecomdept send --month {plan.month}（已发出的会标为已被替换）")
    return ""


def summary_lines(plan: Plan, summary: Summary) -> list[str]:
    lines = []
    for slip, reply in summary.failed:
        lines.append(f"发送失败  {slip.employee_id} {slip.name} → {slip.address}：{reply}（不重试）")
    for slip, reply in summary.temporary:
        lines.append(f"临时失败  {slip.employee_id} {slip.name} → {slip.address}：{reply}（下次运行 send 时重试）")
    for slip in summary.uncertain:
        lines.append(f"结果未知  {slip.employee_id} {slip.name} → {slip.address}：整封邮件已交给服务器后连接中断，按已发送记录；"
                     f"本人未收到时用 --resend {slip.employee_id}")
    failed = len(summary.failed) + len(summary.temporary) + len(plan.refused)
    lines.append(f"{plan.month} 工资条：本次发送 {len(summary.sent)} 人，失败 {failed} 人"
                 + (f"（其中以前被拒收 {len(plan.refused)} 人）" if plan.refused else "")
                 + f"，无邮箱或邮箱有误 {unsendable(plan)} 人；此前已发送 {len(plan.already) + len(plan.interrupted)} 人"
                 + (f"；已被替换待核对 {len(plan.superseded)} 人" if plan.superseded else ""))
    if summary.stopped:
        lines.append(f"已停止：{summary.stopped}")
    return lines
