"""Every run of a month is a version. ``OUT/YYYY-MM/`` is the newest; an earlier one is kept beside it
as ``OUT/YYYY-MM.v1/``, ``YYYY-MM.v2/`` … (nothing is overwritten, least of all an approved run). A
month with an approval is locked: it is computed again only with ``--reopen --reason …``, as the next
version, which needs approval again."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ecomdept.close import approval
from ecomdept.core.backups import free_name

VERSION_DIR = re.compile(r"^(\d{4}-\d{2})\.v(\d+)$")


class MonthLocked(Exception):
    """The month's run is approved: the message says how to correct it instead."""


@dataclass(frozen=True)
class Reopen:
    reason: str


def version_of(run_dir: Path) -> int:
    """The version a run folder holds (run.json ``version``; runs written before versions were kept: 1)."""
    try:
        info = json.loads((Path(run_dir) / "run.json").read_text(encoding="utf-8"))
        return int(info.get("version") or 1)
    except (OSError, ValueError, TypeError, AttributeError):
        return 1


def next_version(out_dir: Path, label: str) -> int:
    current = Path(out_dir) / label
    kept = [int(m.group(2)) for p in Path(out_dir).glob(f"{label}.v*") if (m := VERSION_DIR.match(p.name))]
    return max([version_of(current) if current.exists() else 0, *kept]) + 1


def archive_path(out_dir: Path, label: str) -> Path:
    """Where the month's current run goes when a new version replaces it."""
    current = Path(out_dir) / label
    return free_name(Path(out_dir) / f"{label}.v{version_of(current)}")


def check_unlocked(out_dir: Path, label: str, reopen: Reopen | None) -> list[dict]:
    """The current run's approvals ([] when none). ``MonthLocked`` when it has some and no reopen is asked."""
    current = Path(out_dir) / label
    records = approval.load(current) if current.exists() else []
    if records and reopen is None:
        who = "；".join(f"{r['role']} {r['by']}（{r['at'][:16].replace('T', ' ')}）" for r in records)
        raise MonthLocked(
            f"{label} 第 {version_of(current)} 版已审批（{who}），已锁定，不能重新计算覆盖。发放后发现的差错请在下个月的"
            f"「补发补扣」表登记；确需重算本月，加 --reopen --reason 「原因」：生成第 {next_version(out_dir, label)} 版，"
            f"已审批的版本原样保留为 {label}.v{version_of(current)}，新版本须重新审批")
    return records


def reopen_reason(text: str | None) -> Reopen | None:
    if text is None:
        return None
    reason = " ".join(str(text).split())
    if len(reason) < 2:
        raise ValueError("--reopen 须用 --reason 写明重新打开的原因（例如 「9 月病假单补交」）")
    return Reopen(reason[:500])
