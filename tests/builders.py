"""Tiny typed frames for inline rule tests (the same columns the reader produces)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ecomdept.inputs.schema import EMPLOYEES, LEAVE, OVERTIME, PUNCHES


def frame(sheet, rows: list[dict]) -> pd.DataFrame:
    cols = [c.id for c in sheet.columns] + ["xl_row"]
    records = [{**{c: None for c in cols}, "xl_row": i + 2, **row} for i, row in enumerate(rows)]
    return pd.DataFrame({c: pd.Series([r[c] for r in records], dtype=object) for c in cols})


def employees(*ids: str, base: int = 660000, hire=dt.date(2020, 1, 1), **extra) -> pd.DataFrame:
    return frame(EMPLOYEES, [{"employee_id": e, "name": f"员工{e}", "position": "程序员", "team": "技术",
                              "hire_date": hire, "base_salary": base, **extra} for e in ids])


def punches(*items: tuple[str, str]) -> pd.DataFrame:
    """items: (employee_id, 'YYYY-MM-DD HH:MM:SS')."""
    return frame(PUNCHES, [{"employee_id": e, "punched_at": dt.datetime.fromisoformat(t), "source": "考勤机"}
                           for e, t in items])


def day_punches(emp: str, day: str, *times: str) -> list[tuple[str, str]]:
    return [(emp, f"{day} {t}") for t in times]


def _requests(sheet, prefix: str, rows) -> pd.DataFrame:
    out = [{"request_id": f"{prefix}{i}", "status": "已批准", **r, "start": dt.datetime.fromisoformat(r["start"]),
            "end": dt.datetime.fromisoformat(r["end"])} for i, r in enumerate(rows)]
    return frame(sheet, out)


def leave(*rows: dict) -> pd.DataFrame:
    return _requests(LEAVE, "L", rows)


def overtime(*rows: dict) -> pd.DataFrame:
    return _requests(OVERTIME, "O", rows)
