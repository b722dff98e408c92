"""One lock for an output folder's whole history, and a queue in month order.

A month's year-to-date is read from the earlier months' results, so runs of different months must
never interleave, and runs started together should go in month order — then running 09, 10 and 11
at once gives what running them one after another gives. Each run puts a ticket in ``OUT/.queue/``
as soon as it starts; the lock ``OUT/.ecomdept.lock`` goes to the earliest month among live tickets.
A second run of the month being computed is refused (it would compute the same thing). The lock is
the operating system's (flock, or msvcrt on Windows): it goes when its process goes, however it
ends; the file only says who holds it (pid, month, host, start time). A ticket left by a process
that no longer exists is cleared.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
from contextlib import contextmanager
from pathlib import Path

from ecomdept.core.backups import inside

LOCK_NAME = ".ecomdept.lock"
QUEUE = ".queue"
WAIT_SECONDS = 600.0
POLL_SECONDS = 0.2
SETTLE_SECONDS = 0.5  # a ticket this young waits so that runs started together all join the queue first


class RunRefused(Exception):
    pass


class BadOutput(RunRefused):
    """The output folder would land on or inside an input (a usage error, exit 2)."""


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
    """(pid, month) of a ticket or lock; pid 0 when nothing readable is in it."""
    try:
        parts = path.read_text(encoding="utf-8").split()
        return int(parts[0]), parts[1] if len(parts) > 1 else ""
    except (OSError, ValueError, IndexError):
        return 0, ""


def _try_lock(fd: int) -> bool:
    """An exclusive lock on the open file, held until it is closed — the system drops it when the
    process ends, however it ends, so a killed run never leaves a lock behind."""
    try:
        if os.name == "nt":  # pragma: no cover - Windows only
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


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
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while True:
                earlier = _earlier_waiting(out_dir, label)
                if not earlier and _try_lock(fd):
                    break
                if earlier:
                    blocker = f"{'、'.join(earlier)} 的运行"
                else:
                    pid, holder = _read(lock)
                    if holder == label:
                        raise RunRefused(f"{label} 的工资正在由另一个进程（PID {pid or '未知'}）计算，请等它结束后再运行")
                    blocker = f"{holder or '另一个月'} 的运行（PID {pid or '未知'}）"
                if time.monotonic() > deadline:
                    raise RunRefused(f"等待 {blocker} 结束超过 {wait:.0f} 秒：同一输出目录的各月按顺序计算，请稍后再运行")
                time.sleep(POLL_SECONDS)
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"{os.getpid()} {label} {socket.gethostname()} "
                         f"{dt.datetime.now().isoformat(timespec='seconds')}\n".encode("utf-8"))
            try:
                yield
            finally:
                os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # releases the lock


def refuse_outputs_over_input(workbook: Path, out_dir: Path, label: str) -> None:
    """Outputs never land on or inside an input: a rerun moves OUT/YYYY-MM/ into a backup."""
    if out_dir.exists() and not out_dir.is_dir():
        raise BadOutput(f"输出目录 {out_dir} 是一个文件，不是文件夹：请用 --out 指定文件夹")
    if inside(workbook, out_dir / label) or inside(workbook, out_dir / f".{label}.tmp"):
        raise BadOutput(f"工作簿 {workbook} 在本月的输出文件夹 {out_dir / label} 里：重算时这个文件夹会被整体移进备份，"
                         f"请把工作簿放到输出目录之外再运行")
    if workbook.exists() and inside(out_dir, workbook):
        raise BadOutput(f"输出目录 {out_dir} 与工作簿 {workbook} 是同一路径：请用 --out 指定另一个文件夹")
