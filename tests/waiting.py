"""Waiting for a condition another process makes true (a file it writes at a pause point, its exit),
never for a length of time: the timeout only bounds a hang, the outcome does not depend on it."""

from __future__ import annotations

import time

HANG = 300.0  # seconds: far beyond any step on a loaded machine


def wait_for(condition, timeout: float = HANG, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(0.01)
