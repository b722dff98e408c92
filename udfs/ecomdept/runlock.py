"""One lock for an output folder's whole history, and a queue in month order.

A month's year-to-date is read from the earlier months' results, so runs of different months must
never interleave, and runs started together should go in month order — then running 09, 10 and 11
at once gives what running them one after another gives. Each run puts a ticket in ``OUT/.queue/``
as soon as it starts; the lock ``OUT/.ecomdept.lock`` goes to the earliest month among live tickets.
A second run of the month being computed is refused (it would compute the same thing); a lock or
ticket left by a process that no longer exists is cleared.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".ecomdept.lock"
QUEUE = ".queue"
WAIT_SECONDS = 600.0
POLL_SECONDS = 0.2
SETTLE_SECONDS = 0.5  # a ticket this young waits so that runs started together all join the queue first


class RunRefused(Exception):
    pass


def alive(pid: int) -> bool:
    """Is process ``pid`` running? (On Windows ``os.kill(pid, 0)`` would terminate it.)"""
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - Windows only
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return kernel32.GetLastError() == 5  # access denied: it exists
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read(path: Path) -> tuple[int, str]:
    try:
        pid, _, label = path.read_text(encoding="utf-8").strip().partition(" ")
        return int(pid or 0), label
    except (OSError, ValueError):
        return 0, ""


@contextmanager
def ticket(out_dir: Path, label: str):
    """Join the queue (idempotent for the same process and month)."""
    queue = Path(out_dir) / QUEUE
    queue.mkdir(parents=True, exist_ok=True)
    path = queue / f"{label}.{os.getpid()}"
    mine = not path.exists()
    if mine:
        path.write_text(f"{os.getpid()} {label}", encoding="utf-8")
    try:
        yield path
    finally:
        if mine:
            path.unlink(missing_ok=True)


def _earlier_waiting(out_dir: Path, label: str) -> list[str]:
    waiting = []
    for path in (Path(out_dir) / QUEUE).glob("*.*"):
        pid, other = _read(path)
        if pid == os.getpid():
            continue
        if not alive(pid):
            path.unlink(missing_ok=True)
            continue
        if other < label:
            waiting.append(other)
    return sorted(waiting)


@contextmanager
def history_lock(out_dir: Path, label: str, wait: float = WAIT_SECONDS):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = out_dir / LOCK_NAME
    deadline = time.monotonic() + wait
    with ticket(out_dir, label) as mine:
        age = time.time() - mine.stat().st_mtime
        if age < SETTLE_SECONDS:
            time.sleep(SETTLE_SECONDS - age)
        while True:
            pid, holder = _read(lock) if lock.exists() else (0, "")
            if pid and alive(pid) and pid != os.getpid():
                if holder == label:
                    raise RunRefused(f"{label} 的工资正在由另一个进程（PID {pid}）计算，请等它结束后再运行；"
                                     f"如确认没有在运行，删除锁文件 {lock}")
                blocker = f"{holder} 的运行（PID {pid}）"
            else:
                if pid:
                    lock.unlink(missing_ok=True)  # left by a run that was killed
                earlier = _earlier_waiting(out_dir, label)
                blocker = f"{'、'.join(earlier)} 的运行" if earlier else ""
                if not earlier:
                    try:
                        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    except FileExistsError:
                        continue
                    with os.fdopen(fd, "w", encoding="utf-8") as handle:
                        handle.write(f"{os.getpid()} {label}")
                    break
            if time.monotonic() > deadline:
                raise RunRefused(f"等待 {blocker} 结束超过 {wait:.0f} 秒：同一输出目录的各月按顺序计算，请稍后再运行")
            time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)
