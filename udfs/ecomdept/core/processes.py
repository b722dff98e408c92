"""Helper processes. Where the system can fork (Linux, macOS) independent outputs are written by
forked processes; elsewhere (Windows) the same work runs in this process, one step after another.

Forked processes share the parent's heap copy-on-write. A full garbage collection in a child walks
(and so copies) every inherited object; freezing the heap before the fork keeps the collector off
it — PDF workers forked from a 3,000-staff run render about a third faster this way."""

from __future__ import annotations

import gc
import multiprocessing
from contextlib import contextmanager


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


@contextmanager
def frozen_heap():
    """Objects alive now are left out of garbage collection until the block ends (nesting is fine)."""
    outermost = gc.get_freeze_count() == 0
    gc.freeze()
    try:
        yield
    finally:
        if outermost:
            gc.unfreeze()


def die_with_parent() -> None:
    """A forked helper ends when the run that started it is killed (even with SIGKILL): on Linux the
    kernel sends it SIGTERM (prctl PR_SET_PDEATHSIG); elsewhere a thread watches the parent."""
    import os
    import signal
    import sys
    import threading

    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(1, signal.SIGTERM, 0, 0, 0) == 0:  # PR_SET_PDEATHSIG
                if os.getppid() != parent:  # the parent died before the call
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass

    def watch():
        import time

        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def in_child(target, *args) -> None:
    """Run ``target`` in a forked helper that dies with its parent. Ctrl-C is the parent's to handle
    (it stops the helpers and cleans up): a helper leaves quietly, without a traceback."""
    import os

    try:
        helper_init()
        target(*args)
    except KeyboardInterrupt:
        os._exit(130)


def quiet_on_interrupt() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):  # blocked by ``forking`` in the parent: ignored from now on
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextmanager
def forking():
    """Ctrl-C is held back while helpers are forked: a child never inherits an interrupt half-way
    through the fork, and the parent gets it as soon as the helpers exist (and stops them)."""
    import signal

    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def helper_init() -> None:
    """What every forked helper does first: leave Ctrl-C to the parent, end when the parent ends."""
    quiet_on_interrupt()
    die_with_parent()
