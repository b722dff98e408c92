"""发放记录: who was sent which payslip of a month, when, and what the server said.

``OUT/发放记录_YYYY-MM.json`` sits beside the month's run folders (a re-run moves ``OUT/YYYY-MM/`` into
a backup; the record of what was sent stays). It is rewritten whole after every message — a
temporary file, flushed to disk, then renamed over the old one — so a send killed at any moment
leaves the record as it was after the last message. ``发放记录_YYYY-MM.csv`` is the same for HR to
open in Excel.

One entry per employee and run (``run_id``: the sha256 of that run's run.json). Results:
``sent``; ``committing`` (the whole message had been handed to the server when the send stopped:
it counts as sent, and is listed so HR can check); ``temporary`` (retries used up: tried again by the
next send); ``failed`` (refused for good: tried again only when the address changes or with
--resend); ``no_address`` / ``bad_address``. An entry sent under a run that was replaced by a run
with a different payslip is marked superseded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path

from ecomdept.core.scratch import atomic_write

RESULT_LABELS = {"sent": "已发送", "committing": "发送中断（已交给服务器，应已送达）", "temporary": "临时失败（下次发送时重试）",
                 "failed": "发送失败（服务器拒收）", "no_address": "无邮箱", "bad_address": "邮箱格式不对",
                 "shared_address": "邮箱与他人相同（未发送）"}
DELIVERED = {"sent", "committing"}
NOTE = "ecomdept send 的发放记录：不要手工修改，否则可能重复发送或漏发"
CSV_HEADERS = ["工号", "姓名", "邮箱", "结果", "时间", "尝试次数", "服务器回复", "文件", "文件sha256", "运行", "已被替换"]


@dataclass
class Entry:
    employee_id: str
    name: str
    address: str
    run_id: str
    file: str
    sha256: str          # of the file sent (the encrypted PDF)
    content_sha256: str  # of the payslip's HTML: the same payslip in another run has the same one
    result: str
    time: str = ""
    reply: str = ""
    attempts: int = 0
    superseded_by: str = ""

    @property
    def delivered(self) -> bool:
        return self.result in DELIVERED


def now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def ledger_path(out_dir: Path, month: str) -> Path:
    return Path(out_dir) / f"发放记录_{month}.json"


class Ledger:
    """The entries in the order they were first made, indexed by (工号, run) and by 工号: a send of n
    payslips looks each person up once, never through every entry."""

    def __init__(self, path: Path, month: str, entries: list[Entry] | None = None):
        self.path = Path(path)
        self.month = month
        self.entries = entries or []
        self._first: dict[tuple[str, str], int] = {}
        self._last: dict[tuple[str, str], int] = {}
        self._mine: dict[str, list[int]] = {}
        for index, entry in enumerate(self.entries):
            self._index(index, entry)

    def _index(self, index: int, entry: Entry) -> None:
        key = (entry.employee_id, entry.run_id)
        self._first.setdefault(key, index)
        self._last[key] = index
        self._mine.setdefault(entry.employee_id, []).append(index)

    @classmethod
    def load(cls, out_dir: Path, month: str) -> "Ledger":
        path = ledger_path(out_dir, month)
        if not path.exists():
            return cls(path, month)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = [Entry(**{k: v for k, v in item.items() if k in Entry.__dataclass_fields__})
                       for item in data["entries"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise RuntimeError(f"发放记录 {path} 无法读取（{exc}）：为避免重复发送，本次不发送。"
                               f"请从备份恢复该文件，或确认后把它改名再运行") from None
        return cls(path, month, entries)

    # queries ---------------------------------------------------------------------------------------
    def for_run(self, employee_id: str, run_id: str) -> Entry | None:
        """The person's entry for the run (the last, should the file hold two)."""
        index = self._last.get((employee_id, run_id))
        return None if index is None else self.entries[index]

    def delivered_before(self, employee_id: str, run_id: str) -> list[Entry]:
        """Slips of this employee delivered under other (earlier) runs of the month."""
        mine = (self.entries[i] for i in self._mine.get(employee_id, ()))
        return [e for e in mine if e.run_id != run_id and e.delivered]

    # changes ---------------------------------------------------------------------------------------
    def replace(self, entry: Entry) -> Entry:
        """Add or replace the entry of (employee, run) in memory."""
        index = self._first.get((entry.employee_id, entry.run_id))
        if index is not None:
            self.entries[index] = entry
        else:
            self.entries.append(entry)
            self._index(len(self.entries) - 1, entry)
        return entry

    def put(self, entry: Entry) -> Entry:
        """Add or replace the entry of (employee, run), and write the ledger to disk."""
        self.replace(entry)
        self.save()
        return entry

    def save(self) -> None:
        # one entry per line, by json's C encoder: rewritten after every message, so it has to be quick
        head = json.dumps({"month": self.month, "note": NOTE}, ensure_ascii=False)[:-1]
        body = ",\n".join(json.dumps(vars(e), ensure_ascii=False) for e in self.entries)
        atomic_write(self.path, f'{head}, "entries": [\n{body}\n]}}\n'.encode("utf-8"))

    def save_csv(self) -> Path:
        path = self.path.with_suffix(".csv")
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(CSV_HEADERS)
        for e in self.entries:
            writer.writerow([_cell(v) for v in (e.employee_id, e.name, e.address, RESULT_LABELS.get(e.result, e.result),
                                               e.time, e.attempts, e.reply, e.file, e.sha256, e.run_id[:12],
                                               "是" if e.superseded_by else "")])
        atomic_write(path, ("\ufeff" + buffer.getvalue()).encode("utf-8"))
        return path


def _cell(value) -> str:
    """A text cell Excel shows as text, never runs as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

