"""Temporary files and folders, each owned by its cleanup from the instant it exists.

A run writes into a hidden folder or file beside its target and moves it into place only when it is
complete. Ctrl-C, a full disk or any failure removes what was half-written:

- the temporary thing is created inside the guard that removes it, never before;
- helpers forked to write into a folder have exited before the folder is removed;
- the removal itself is not cut short by a second Ctrl-C (interrupts are held back while it runs);
- the final move happens only if no interrupt is waiting, so an interrupted run leaves either the
  complete result or none, and an earlier result stays where it was.

``checkpoint(name)`` marks the points of a run where the tests act on purpose, so that every window
is hit deterministically: with ``ECOMDEPT_INTERRUPT_AT`` naming it, the process sends itself SIGINT
there; with ``ECOMDEPT_PAUSE_AT`` naming it, it writes its pid to the file ``ECOMDEPT_PAUSE_FILE``
and waits there until that file is removed (or the process is killed). ``name#k`` means the k-th time the point is reached. Nothing but
the tests sets these variables.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from contextlib import contextmanager, suppress
from pathlib import Path

INTERRUPT_AT = "ECOMDEPT_INTERRUPT_AT"
PAUSE_AT, PAUSE_FILE = "ECOMDEPT_PAUSE_AT", "ECOMDEPT_PAUSE_FILE"
_reached: dict[str, int] = {}


def _named(variable: str, name: str, count: int) -> bool:
    wanted = os.environ.get(variable)
    return bool(wanted) and (name in wanted.split(",") or f"{name}#{count}" in wanted.split(","))


def checkpoint(name: str) -> None:
    """A named point of a run (see the module's docstring); does nothing unless a test asks."""
    if not (os.environ.get(INTERRUPT_AT) or os.environ.get(PAUSE_AT)):
        return
    count = _reached[name] = _reached.get(name, 0) + 1
    if _named(INTERRUPT_AT, name, count):
        signal.raise_signal(signal.SIGINT)
    if _named(PAUSE_AT, name, count):
        marker = Path(os.environ[PAUSE_FILE])
        marker.write_text(str(os.getpid()), encoding="utf-8")
        while marker.exists():
            time.sleep(0.01)


class HeldInterrupts:
    """Ctrl-C held back for the length of a block: ``interrupted`` says whether one came."""

    def __init__(self, reraise: bool = True):
        self.reraise = reraise
        self.interrupted = False
        self._old = None

    def _note(self, signum, frame) -> None:
        self.interrupted = True

    def __enter__(self) -> HeldInterrupts:
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._note)
        return self

    def __exit__(self, kind, value, trace) -> bool:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
        if self.interrupted and self.reraise and kind is None:
            raise KeyboardInterrupt
        return False


def held_interrupts(reraise: bool = True) -> HeldInterrupts:
    """Within the block a Ctrl-C only sets ``interrupted``; it is raised at the end (``reraise``) or
    dropped. Outside the main thread (where no signal arrives) nothing changes."""
    return HeldInterrupts(reraise)


def stop_helpers() -> None:
    """Stop the forked helpers still at work and wait until each has exited."""
    import multiprocessing

    children = multiprocessing.active_children()
    for child in children:
        child.terminate()
    for child in children:
        child.join(10)
        if child.exitcode is None:  # did not take SIGTERM in time
            child.kill()
            child.join()


def remove(path: Path, helpers: bool = False) -> None:
    """Remove a temporary file or folder, whatever Ctrl-C does meanwhile; with ``helpers``, the
    forked helpers that may be writing into it have exited first."""
    with held_interrupts(reraise=False):
        checkpoint("cleanup")  # a second Ctrl-C here changes nothing
        if helpers:
            stop_helpers()
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with suppress(OSError):
                path.unlink()


class ScratchFolder:
    """``with ScratchFolder(path) as tmp:`` creates ``tmp`` (private, 700) and removes it, with
    whatever is in it, if the block ends by any exception (after the forked helpers writing into it,
    with ``helpers``, have exited). ``commit`` moves it into place."""

    def __init__(self, path: Path, helpers: bool = False):
        self.path = Path(path)
        self.helpers = helpers

    def __enter__(self) -> Path:
        try:
            if self.path.exists():  # named after this process: left by an earlier one with its number
                remove(self.path)
            self.path.mkdir(parents=True, mode=0o700)
            self.path.chmod(0o700)  # whatever the umask
        except BaseException:
            remove(self.path, self.helpers)
            raise
        return self.path

    def __exit__(self, kind, value, trace) -> bool:
        if kind is not None:
            remove(self.path, self.helpers)
        return False


def commit(tmp: Path, target: Path, previous: Path | None = None) -> Path | None:
    """Move ``tmp`` to ``target``; an existing ``target`` first goes to ``previous`` (when given).
    Nothing moves if an interrupt came before (KeyboardInterrupt, ``tmp`` still in place for its
    guard to remove); once the first move is made both are made, or ``target`` is put back."""
    with held_interrupts() as held:
        checkpoint("commit")
        if held.interrupted:
            raise KeyboardInterrupt
        moved = None
        if previous is not None and target.exists():
            target.rename(previous)
            moved = previous
        try:
            os.replace(tmp, target)
        except BaseException:
            if moved is not None:
                moved.rename(target)
            raise
        held.interrupted = False  # came during the moves: the result is complete, the run is done
    return moved


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` all at once: a hidden temporary file beside it, flushed, then moved
    into place; the temporary file never outlives a failure or Ctrl-C."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        checkpoint("written")
        commit(tmp, path)
    except BaseException:
        remove(tmp)
        raise
    if os.name != "nt":
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


@contextmanager
def replacing(target: Path):
    """Yields a temporary path beside ``target`` (in a private hidden folder) to write the new file
    to; when the block ends normally it replaces ``target``, otherwise it is removed."""
    target = Path(target)
    with ScratchFolder(target.parent / f".{target.name}.tmp-{os.getpid()}") as folder:
        new = folder / target.name
        yield new
        checkpoint("written")
        commit(new, target)
        folder.rmdir()
