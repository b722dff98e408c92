"""Who approved which run: 审核 then 批准, recorded in the run folder (``approvals.json``) and on the
results workbook's sign-off lines. 规则 ``release_roles`` says which approvals a release needs; the
releases — ``send``, the 代发工资 / 现金发放 lists, the bank and tax files — ask ``require_released``.

An approval names the run it approves: its ``run_id`` and the sha256 of its payroll.csv. A payroll.csv
changed after approval no longer matches, and nothing is released from it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ecomdept.outputs.results.book import APPROVAL_ROLES as ROLES, RELEASE_PREFIX, release_roles
from ecomdept.outputs.results.book import release_line as _release_line

FILE = "approvals.json"


class ApprovalRefused(Exception):
    """The approval cannot be recorded, or the run cannot be released; the message says why and what to do."""


@dataclass(frozen=True)
class Status:
    required: tuple[str, ...]
    records: tuple[dict, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        done = {r["role"] for r in self.records}
        return tuple(role for role in self.required if role not in done)

    @property
    def released(self) -> bool:
        return not self.missing

    def describe(self) -> str:
        done = "；".join(f"{r['role']}：{r['by']}（{_when(r['at'])}）" for r in self.records) or "尚无审批"
        if self.released:
            return f"已批准，可以发放（{done}）" if self.required else f"规则不要求审批（{done}）"
        return f"未批准，不得发放：缺 {'、'.join(self.missing)}（{done}）"


def required_roles(rule: str | None) -> tuple[str, ...]:
    return release_roles(rule)


def payroll_sha256(run_dir: Path) -> str:
    return hashlib.sha256((Path(run_dir) / "payroll.csv").read_bytes()).hexdigest()


def load(run_dir: Path) -> list[dict]:
    """The run's approval records (oldest first); [] when none. A damaged file is an error, not 'none':
    a locked month must not unlock because its record was garbled."""
    path = Path(run_dir) / FILE
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        records = data["records"]
        if not isinstance(records, list) or not all(isinstance(r, dict) and {"role", "by", "at"} <= set(r)
                                                    for r in records):
            raise ValueError
        return records
    except (OSError, ValueError, KeyError, TypeError):
        raise ApprovalRefused(f"审批记录 {path} 已损坏，无法读取：请从备份恢复该文件；在此之前该月按已锁定处理，"
                              "不能重算也不能发放") from None


def run_info(run_dir: Path) -> dict:
    path = Path(run_dir) / "run.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ApprovalRefused(f"没有运行结果 {path}") from None
    except (OSError, ValueError):
        raise ApprovalRefused(f"运行信息 {path} 无法读取：请重新运行 payroll") from None


def status(run_dir: Path, info: dict | None = None) -> Status:
    info = info if info is not None else run_info(run_dir)
    return Status(required_roles((info.get("rules") or {}).get("release_roles")), tuple(load(run_dir)))


def _when(at: str) -> str:
    return at[:16].replace("T", " ")


def _name(by: str) -> str:
    name = " ".join(str(by or "").split())
    if not name or len(name) > 40 or any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        raise ApprovalRefused("--by 应为审批人的姓名（1–40 个字，不含控制字符）")
    return name


def record(out_dir: Path, month: str, role: str, by: str, now: dt.datetime | None = None) -> Status:
    """Record ``by``'s ``role`` approval of the month's current run; the new status. ``ApprovalRefused``
    when the run is missing, changed since it was computed, already approved in that role, approved out
    of order (批准 before a required 审核) or by the same person in both roles."""
    from ecomdept.close.versions import version_of
    from ecomdept.core import scratch
    from ecomdept.core.runlock import history_lock

    if role not in ROLES:
        raise ApprovalRefused(f"--role 应为 {' 或 '.join(ROLES)}，不是「{role}」")
    name = _name(by)
    run_dir = Path(out_dir) / month
    if not (run_dir / "run.json").exists():
        raise ApprovalRefused(f"{Path(out_dir)} 里没有 {month} 的运行结果：先运行 ecomdept payroll --month {month} "
                              f"--out {out_dir}")
    with history_lock(Path(out_dir), month):  # no run of the month replaces the folder meanwhile
        info = run_info(run_dir)
        current = status(run_dir, info)
        sha = payroll_sha256(run_dir)
        if info.get("payroll_sha256") and sha != info["payroll_sha256"]:
            raise ApprovalRefused(f"{run_dir / 'payroll.csv'} 在计算之后被修改过，不能审批：请重新运行 payroll")
        for earlier in current.records:
            if earlier["role"] == role:
                raise ApprovalRefused(f"{month} 第 {version_of(run_dir)} 版已由 {earlier['by']} 于 {_when(earlier['at'])}"
                                      f"{role}，不需要再次{role}")
            if earlier["by"] == name:
                raise ApprovalRefused(f"{name} 已{earlier['role']}过这一版：审核与批准须由不同的人完成")
        if role == "批准" and "审核" in current.required and not any(r["role"] == "审核" for r in current.records):
            raise ApprovalRefused(f"{month} 还没有审核：先 ecomdept approve --month {month} --role 审核 --by 审核人")
        entry = {"role": role, "by": name, "at": (now or dt.datetime.now()).isoformat(timespec="seconds"),
                 "version": version_of(run_dir), "run_id": info.get("run_id", ""), "payroll_sha256": sha}
        records = [*current.records, entry]
        body = {"month": month, "version": entry["version"], "run_id": entry["run_id"], "records": records}
        scratch.atomic_write(run_dir / FILE, (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        new = Status(current.required, tuple(records))
        sign_workbook(run_dir, month, new)
    return new


def require_released(run_dir: Path, what: str, info: dict | None = None) -> Status:
    """The run's status when it may be released; else ``ApprovalRefused`` naming what is missing."""
    run_dir = Path(run_dir)
    info = info if info is not None else run_info(run_dir)
    found = status(run_dir, info)
    month = run_dir.name
    out = run_dir.parent
    if not found.released:
        steps = "；".join(f"ecomdept approve --month {month} --role {role} --by 姓名 --out {out}" for role in found.missing)
        raise ApprovalRefused(f"{month} 的工资还没有批准，不能{what}：{found.describe()}。审批：{steps}"
                              f"（规则 release_roles = {'+'.join(found.required)}）")
    sha = payroll_sha256(run_dir)
    changed = [r for r in found.records if r.get("payroll_sha256") and r["payroll_sha256"] != sha]
    if changed:
        raise ApprovalRefused(f"{run_dir / 'payroll.csv'} 与审批时的内容不同（审批后被修改过），不能{what}："
                              "请重新运行 payroll 并重新审批")
    return found


def sign_lines(found: Status, version: int) -> tuple[str, str, str]:
    """The sign-off, date and release-status lines of the results workbook for this status."""
    by = {r["role"]: r for r in found.records}

    def who(role: str) -> str:
        return by[role]["by"] if role in by else "　　　　"

    sign = f"制表：ecomdept（第 {version} 版）　　审核：{who('审核')}　　批准：{who('批准')}"
    dates = "　　".join(f"{role}日期：{by[role]['at'][:10]}" for role in ROLES if role in by) or "日期：　　　　年　　月　　日"
    return sign, dates, release_line(found)


def release_line(found: Status) -> str:
    return _release_line(found.missing, found.required)


def sign_workbook(run_dir: Path, month: str, found: Status) -> None:
    """Write the approvals onto the results workbook's sign-off lines (a new file replaces the old one
    only when complete)."""
    import io

    import openpyxl

    from ecomdept.close.versions import version_of
    from ecomdept.core import scratch
    from ecomdept.outputs.results.book import SIGN_DATE, SIGN_OFF

    path = Path(run_dir) / f"工资表_{month}.xlsx"
    if not path.exists():
        return
    sign, dates, release = sign_lines(found, version_of(run_dir))
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if not isinstance(value, str):
                    continue
                if value == SIGN_OFF or value.startswith("制表：ecomdept"):
                    cell.value = sign
                elif value == SIGN_DATE or value.startswith(("审核日期：", "批准日期：")):
                    cell.value = dates
                elif value.startswith(RELEASE_PREFIX):
                    cell.value = release
    buffer = io.BytesIO()
    book.save(buffer)
    scratch.atomic_write(path, buffer.getvalue())
