"""Nothing is overwritten without a backup, and no backup is ever overwritten: every earlier copy
is kept under the next free number (``x.xlsx.bak``, ``x.xlsx.bak.1``, ``x.xlsx.bak.2`` …; a run folder
``2026-10.bak-20261202T101500``, ``….1`` when two land in the same second)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path


def free_name(path: Path) -> Path:
    """``path`` itself if nothing is there, else ``path.1``, ``path.2`` …"""
    if not path.exists():
        return path
    n = 1
    while True:
        candidate = path.with_name(f"{path.name}.{n}")
        if not candidate.exists():
            return candidate
        n += 1


def back_up(target: Path) -> Path | None:
    """Move an existing file or folder aside to the next free ``.bak`` name; returns where it went."""
    target = Path(target)
    if not target.exists():
        return None
    backup = free_name(target.with_name(target.name + ".bak"))
    target.rename(backup)
    return backup


def stamped(target: Path, now: dt.datetime | None = None) -> Path:
    """``<target>.bak-<YYYYmmddTHHMMSS>`` not yet taken (for an earlier run of the month)."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%dT%H%M%S")
    return free_name(target.with_name(f"{target.name}.bak-{stamp}"))


def inside(path: Path, folder: Path) -> bool:
    """Is ``path`` the folder or somewhere under it (links resolved)?"""
    try:
        Path(path).resolve().relative_to(Path(folder).resolve())
        return True
    except ValueError:
        return False
