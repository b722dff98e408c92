"""File names built from data (工号, 姓名, a workbook's name): one function for all of them.

No path separators, no ``..``, no control or zero-width characters, none of Windows' forbidden
characters or reserved device names, no leading or trailing dots and spaces, at most ``max_bytes``
bytes in UTF-8 — and, for a set of names, unique under case folding (Windows and macOS file systems
ignore case), with the 工号 kept readable at the front.
"""

from __future__ import annotations

import re
import unicodedata

FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_BYTES = 120


def _clip(text: str, max_bytes: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", errors="ignore")


def safe_part(value: object, max_bytes: int = MAX_BYTES) -> str:
    """One component of a file name; never empty, never a path."""
    text = unicodedata.normalize("NFC", str(value or ""))
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    text = FORBIDDEN.sub("_", text)
    text = re.sub(r"\s+", "_", text)
    text = re.sub(r"\.{2,}", ".", text).strip(" .")
    text = _clip(text, max_bytes).strip(" .")
    if not text:
        return "_"
    if text.split(".")[0].upper() in RESERVED:
        text = "_" + text
    return text


def payslip_stem(employee_id: object, name: object, max_bytes: int = MAX_BYTES) -> str:
    """<工号>_<姓名>: the 工号 whole (within the bound), the name cut to what is left."""
    emp = safe_part(employee_id, max_bytes // 2)
    person = safe_part(name, max(8, max_bytes - len(emp.encode("utf-8")) - 1))
    return f"{emp}_{person}"


def unique(stems: list[str]) -> list[str]:
    """Stems made distinct under case folding: later duplicates get -2, -3 … before any extension."""
    seen: dict[str, int] = {}
    out = []
    for stem in stems:
        key = stem.casefold()
        if key not in seen:
            seen[key] = 1
            out.append(stem)
            continue
        n = seen[key]
        while True:
            n += 1
            candidate = f"{stem}-{n}"
            if candidate.casefold() not in seen:
                break
        seen[key] = n
        seen[candidate.casefold()] = 1
        out.append(candidate)
    return out
