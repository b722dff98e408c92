"""Cost grows with the work, not its square: the whole pipeline (read and validate, attendance, fines,
预警, payroll, KPIs, every output but the PDFs) run in this process on 75 and on 600 staff, and each
engine function's calls, pandas rows and CPU time compared between the two (growth.py says how).

Eight times the staff is about eight times the work of a linear step (exponent 1) and sixty-four times
that of a quadratic one (exponent 2). Counts are exact, so their limit is tight (exponent 1.5); CPU time
is judged at 1.6 and only after a second measurement agrees, so a busy machine cannot fail it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from ecomdept.core import processes
from ecomdept.inputs.workbook_io import load
from ecomdept.run import sample
from ecomdept.run.pipeline import run_book
from growth import FLOOR, MemorySource, compare, instrumented, super_linear

SMALL, LARGE = 75, 600
MONTH = "2026-10"
COUNT_LIMIT, TIME_LIMIT = 1.5, 1.6


def _scratch() -> str | None:
    """Results go to memory where the system has it (/dev/shm): file creation on a shared disk costs
    what the disk is doing at that moment, not what the program does."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def _run(data: dict) -> None:
    with tempfile.TemporaryDirectory(dir=_scratch()) as out:
        outcome = run_book(load(MemorySource(data)), 2026, 10, Path(out), pdf=False)
        assert outcome.code == 0, outcome.message


def _measure(meter, data: dict):
    with meter.measuring() as costs:
        _run(data)
    return costs


def test_no_step_of_a_run_grows_faster_than_the_staff(monkeypatch):
    monkeypatch.setattr(processes, "can_fork", lambda: False)  # every step in this process, metered
    data = {n: sample.build(n, MONTH, 3, orders_per_employee=20) for n in (SMALL, LARGE)}
    _run(sample.build(20, MONTH, 3, orders_per_employee=20))  # every module imported, every cache warm
    with instrumented() as meter:
        growths = compare(_measure(meter, data[SMALL]), _measure(meter, data[LARGE]), LARGE / SMALL)
        counted = super_linear(growths, "calls", COUNT_LIMIT) + super_linear(growths, "rows", COUNT_LIMIT)
        timed = {g.name for g in super_linear(growths, "seconds", TIME_LIMIT)}
        if timed:  # once more: a function really quadratic is so again, a moment of load is not
            again = compare(_measure(meter, data[SMALL]), _measure(meter, data[LARGE]), LARGE / SMALL)
            timed &= {g.name for g in super_linear(again, "seconds", TIME_LIMIT)}
    assert len(growths) > 300 and sum(g.judged("rows") for g in growths) >= 10  # the meter saw the engine
    slow = [g for g in growths if g.name in timed]
    assert not counted and not slow, "\n".join(str(g) for g in counted + slow)


# --- the meter itself, on a made-up quadratic step (counts only: exact, no timing) ----------------

def _days(people: int) -> pd.DataFrame:
    return pd.DataFrame({"employee_id": [f"E{i:05d}" for i in range(people) for _ in range(31)],
                         "minutes": [i % 7 for i in range(people * 31)]})


def per_person_filter(days: pd.DataFrame) -> dict:
    return {emp: int(days[days["employee_id"] == emp]["minutes"].sum()) for emp in days["employee_id"].unique()}


def grouped(days: pd.DataFrame) -> dict:
    for _ in range(20):  # linear work enough to be judged
        totals = days.groupby("employee_id")["minutes"].sum()
        days = days.assign(minutes=days["minutes"] + 0)
    return totals.to_dict()


def nested_loop(days: pd.DataFrame) -> int:
    people = list(days["employee_id"].unique())
    return sum(_same(a, b) for a in people for b in people)


def _same(a: str, b: str) -> bool:
    return a == b


def test_the_meter_tells_a_quadratic_step_from_a_linear_one():
    with instrumented(__name__) as meter:
        costs = []
        for people in (SMALL, LARGE):
            frame = _days(people)
            with meter.measuring() as cost:
                assert per_person_filter(frame) == grouped(frame)
                nested_loop(frame)
            costs.append(cost)
    growths = {g.name.rsplit(".", 1)[-1]: g for g in compare(*costs, LARGE / SMALL)}
    rows = {g.name.rsplit(".", 1)[-1] for g in super_linear(list(growths.values()), "rows", COUNT_LIMIT)}
    calls = {g.name.rsplit(".", 1)[-1] for g in super_linear(list(growths.values()), "calls", COUNT_LIMIT)}
    assert rows == {"per_person_filter"} and calls == {"_same"}
    assert growths["grouped"].judged("rows") and 0.9 < growths["grouped"].exponent("rows") < 1.1
    assert 1.9 < growths["per_person_filter"].exponent("rows") < 2.1  # people × person-days
    assert growths["_same"].large.calls == LARGE ** 2 and growths["_same"].large.calls >= FLOOR.calls
