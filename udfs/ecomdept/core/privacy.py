"""Masking of personal numbers (SEC-04) and neutralising spreadsheet formula injection.

A text cell that a spreadsheet would evaluate (=…, @…, a tab or CR first, or + / − followed by
something a formula is made of: +cmd|' /C calc'!A0, -2+3, -SUM(A1), -A1) is written so that it stays
text: in CSV with a leading apostrophe, in xlsx as a string cell with Excel's quote-prefix style (the
value itself unchanged). Ordinary text and numbers are untouched: 「-小明」, 「-8882.00」, 「+86 138 0000 0000」.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SIGNED_NUMBER = re.compile(r"^[+-]\s*[\d,，\s]*\.?\d+\s*%?$")
_EVALUATED = re.compile(r"[()!|=+\-*/^&;:\"<>{}\[\]]|\b[A-Za-z]{1,3}\$?\d+\b")


def formula_like(value: object) -> bool:
    """Would a spreadsheet evaluate this text?"""
    if not isinstance(value, str) or not value:
        return False
    first = value[0]
    if first in "=@\t\r":
        return True
    if first in "+-":
        return not _SIGNED_NUMBER.match(value) and bool(_EVALUATED.search(value[1:]))
    return False


def mask_id(value: str | None) -> str:
    """310101199001011234 → 310101********1234."""
    if not value:
        return ""
    text = str(value)
    return text[:6] + "*" * (len(text) - 10) + text[-4:] if len(text) > 10 else "*" * len(text)


def mask_account(value: str | None) -> str:
    """6222001234567890123 → 6222 **** **** 0123."""
    if not value:
        return ""
    text = str(value).replace(" ", "")
    return f"{text[:4]} **** **** {text[-4:]}" if len(text) > 8 else "*" * len(text)


def safe_text(value: object) -> object:
    """For CSV: text that a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + value if formula_like(value) else value


def safe_frame(frame):
    """A DataFrame for CSV: every text cell through ``safe_text`` (numbers stay numbers)."""
    from pandas.api.types import is_numeric_dtype

    out = frame.copy()
    for column in out.columns:
        if not is_numeric_dtype(out[column]):
            out[column] = out[column].map(safe_text).astype(object)
    return out
