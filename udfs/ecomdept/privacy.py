"""Masking of personal numbers (SEC-04) and neutralising spreadsheet formula injection."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
