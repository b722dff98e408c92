"""A parsed copy of the master workbook's sheets, kept beside the output, so that a run of an unchanged
workbook does not read it again.

``OUT/.parsed/<sha256 of the workbook's bytes>/<sheet id>.pickle`` holds one sheet as the reader left
it (the typed frame, its problems, the rows it refused). A copy is used only when everything it was
made from is the same: the workbook's bytes (sha256), this program (version and a digest of its own
source and data files), Python, pandas and numpy. Anything else — another workbook, another program,
a file cut short or changed by a single byte (each copy carries a digest of its content), a file or
folder another user could write — and the sheet is read from the workbook as if there were no copy.
Pay data is personal (SEC-04): the folders are 700 and the files 600, like everything under OUT; each
file is written whole beside its place and moved in. Copies of the newest ``KEEP`` workbooks stay.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pickle
import shutil
import stat
import sys
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

import ecomdept
from ecomdept.core import scratch

FOLDER = ".parsed"
KEEP = 3
MAGIC = b"ecomdept parsed sheet 1\n"
DIGEST_SIZE = 32
PACKAGE = Path(ecomdept.__file__).resolve().parent


@cache
def fingerprint() -> str:
    """This program as it reads a workbook: its version, and a digest of every source and data file of
    the package (a change without a new version number still makes the copies stale)."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(p for p in PACKAGE.rglob("*") if p.suffix in (".py", ".json") and p.is_file()):
        digest.update(path.relative_to(PACKAGE).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return f"{ecomdept.__version__}+{digest.hexdigest()}"


def _runtime() -> dict[str, str]:
    return {"program": fingerprint(), "python": sys.version.split()[0], "pandas": pd.__version__,
            "numpy": np.__version__}


def _private(path: Path) -> bool:
    """Ours and writable by no one else (POSIX; elsewhere the folder's own permissions decide)."""
    if os.name != "posix":
        return True
    info = path.lstat()
    return (info.st_uid == os.getuid() and not stat.S_ISLNK(info.st_mode)
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH | stat.S_IRGRP | stat.S_IROTH))


class ParsedCopy:
    """The parsed copies of one workbook (by its sha256) under ``out_dir``."""

    def __init__(self, out_dir: str | Path, workbook_sha256: str):
        self.root = Path(out_dir) / FOLDER
        self.sha256 = workbook_sha256
        self.folder = self.root / workbook_sha256
        self.hits: list[str] = []
        self.stored: list[str] = []
        self._trusted: bool | None = None

    @property
    def trusted(self) -> bool:
        """Folders that are ours and private, or not there yet. One another user could write to is
        neither read nor written: whatever is in it may have been put there."""
        if self._trusted is None:
            try:
                self._trusted = all(_private(p) for p in (self.root, self.folder) if p.exists() or p.is_symlink())
            except OSError:
                self._trusted = False
        return self._trusted

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.pickle"

    def get(self, key: str):
        """The value stored under ``key`` for this workbook and program, or None."""
        path = self._path(key)
        try:
            if not self.trusted or not _private(path):
                return None
            data = memoryview(path.read_bytes())
            header_end = bytes(data[:4096]).index(b"\n", len(MAGIC))
            header = json.loads(bytes(data[len(MAGIC):header_end]))
            payload, digest = data[header_end + 1:-DIGEST_SIZE * 2], bytes(data[-DIGEST_SIZE * 2:])
            if (bytes(data[:len(MAGIC)]) != MAGIC or header != self._header(key)
                    or digest.decode("ascii") != hashlib.blake2b(payload, digest_size=DIGEST_SIZE).hexdigest()):
                return None
            value = _unpacked(pickle.loads(payload))
        except Exception:  # noqa: BLE001 — missing, unreadable, damaged: read the workbook instead
            return None
        self.hits.append(key)
        return value

    def _header(self, key: str) -> dict:
        return {"workbook_sha256": self.sha256, "key": key, "runtime": _runtime()}

    def put(self, key: str, value) -> None:
        """Store ``value`` under ``key``; a copy that cannot be written (disk full …) is simply not kept.
        The file: MAGIC, a JSON line saying what it was made from, the pickle, its digest (hex)."""
        tmp = None
        if not self.trusted:
            return
        try:
            new = not self.folder.exists()
            for folder in (self.root, self.folder):
                folder.mkdir(mode=0o700, exist_ok=True)
                folder.chmod(0o700)
            tmp = self.folder / f".{key}.tmp-{os.getpid()}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(MAGIC + json.dumps(self._header(key), sort_keys=True).encode("utf-8") + b"\n")
                digest = hashlib.blake2b(digest_size=DIGEST_SIZE)
                pickler = pickle.Pickler(_Hashing(handle, digest), protocol=pickle.HIGHEST_PROTOCOL)
                pickler.fast = True  # no memo: a million cells are not remembered one by one (and nothing is shared)
                pickler.dump(_packed(value))
                handle.write(digest.hexdigest().encode("ascii"))
            os.replace(tmp, self._path(key))
            tmp = None
            self.stored.append(key)
            if new:
                self._prune()
        except Exception:  # noqa: BLE001 — the copy is only a shortcut
            pass
        finally:
            if tmp is not None:
                scratch.remove(tmp)

    def _prune(self) -> None:
        """Only the copies of the newest KEEP workbooks stay."""
        folders = sorted((p for p in self.root.iterdir() if p.is_dir() and p != self.folder),
                         key=lambda p: p.stat().st_mtime, reverse=True)
        for old in folders[KEEP - 1:]:
            shutil.rmtree(old, ignore_errors=True)


# --- frames, column by column ---------------------------------------------------------------------
# The reader's frames hold Python objects (None for a blank cell). A column of one plain type is kept
# as a numpy array and a mask of the blanks — dates and numbers then cost bytes, not a million objects
# to pickle one by one — and comes back as the very same values of the very same types.

_NUMPY = {int: np.int64, float: np.float64, bool: np.bool_, dt.datetime: "datetime64[us]", dt.date: "datetime64[D]"}
_FILL = {int: 0, float: 0.0, bool: False, dt.datetime: dt.datetime(1970, 1, 1), dt.date: dt.date(1970, 1, 1)}


class _PackedFrame:
    def __init__(self, frame: pd.DataFrame):
        self.index = frame.index
        self.columns = list(frame.columns)
        self.data = [_pack_column(frame[c]) for c in self.columns]

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({c: _unpack_column(d, self.index) for c, d in zip(self.columns, self.data)},
                            index=self.index, columns=self.columns)


def _pack_column(series: pd.Series):
    if series.dtype != object:
        return ("series", series)
    values = series.to_numpy()
    kinds = set(map(type, values)) - {type(None)}
    kind = next(iter(kinds)) if len(kinds) == 1 else None
    if kind not in _NUMPY:
        return ("objects", values)
    # one type besides None: NaN is a float, so only a float column can hold it beside None
    blank = (np.fromiter((v is None for v in values), dtype=bool, count=len(values)) if kind is float
             else pd.isna(values))
    filled = values.copy()
    filled[blank] = _FILL[kind]
    try:
        if kind in (dt.datetime, dt.date):  # pandas converts a column of datetimes in C; numpy one by one
            stamps = pd.to_datetime(filled)
            if stamps.tz is not None:
                return ("objects", values)
            return ("typed", stamps.to_numpy().astype(_NUMPY[kind]), blank)
        return ("typed", filled.astype(_NUMPY[kind]), blank)
    except (OverflowError, TypeError, ValueError, pd.errors.OutOfBoundsDatetime):  # beyond 64 bits or 1677–2262
        return ("objects", values)


def _unpack_column(data, index) -> pd.Series:
    if data[0] == "series":
        return data[1]
    if data[0] == "objects":
        return pd.Series(data[1], index=index, dtype=object)
    _, array, blank = data
    values = array.astype(object)  # Python ints, floats, bools, datetimes and dates
    values[blank] = None
    return pd.Series(values, index=index, dtype=object)


def _packed(value):
    if isinstance(value, pd.DataFrame):
        return _PackedFrame(value)
    if isinstance(value, tuple):
        return tuple(_packed(v) for v in value)
    return value


def _unpacked(value):
    if isinstance(value, _PackedFrame):
        return value.frame()
    if isinstance(value, tuple):
        return tuple(_unpacked(v) for v in value)
    return value


class _Hashing:
    """A file to write that also feeds what is written to a digest (the pickle is never held twice)."""

    def __init__(self, handle, digest):
        self.handle, self.digest = handle, digest

    def write(self, data) -> int:
        self.digest.update(data)
        return self.handle.write(data)
