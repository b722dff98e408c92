"""How the cost of a payroll run grows with the staff: the pipeline run in this process on two sample
sizes, every function of the engine metered, and the two runs compared function by function.

Per engine function (module-level functions and methods of ``ecomdept``) the meter keeps, for the work
the function does itself — its engine callees apart:

- ``calls``: how often it ran;
- ``rows``: the rows of every pandas result it made (each Series or DataFrame an operation returns,
  a column merely taken out of a frame apart) — the work of its vectorised steps;
- ``seconds``: CPU seconds of this process (other programs do not count; the collector is off).

Calls and rows are counted, not timed: the same data gives the same counts, however loaded the machine.
A loop over people that filters the whole person-day frame each time makes ``rows`` grow with the
square of the staff; a loop over people inside a loop over people makes ``calls`` grow so; the CPU time
catches what neither sees (a pure-Python scan of a whole list per person). Each function is judged on
its own, so a quadratic step shows however small it still is beside the rest of its stage.
"""

from __future__ import annotations

import functools
import gc
import inspect
import math
import sys
import time
import types
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
from pandas.core.generic import NDFrame

from ecomdept.inputs.schema import INPUT_SHEETS, MONEY

_SHEETS = {sheet.name: sheet for sheet in INPUT_SHEETS}


class MemorySource:
    """The sample builder's sheets as python-calamine hands a saved file's over: a header row, then
    numbers as floats, money in yuan, blanks as '' and 是/否 for booleans; dates stay dates."""

    def __init__(self, data: dict[str, list[list[object]]]):
        self.data = data

    def sheet_names(self) -> list[str]:
        return list(self.data)

    def rows(self, name: str) -> list[list[object]]:
        sheet = _SHEETS[name]
        kinds = [col.kind for col in sheet.columns]
        return [[col.header for col in sheet.columns]] + [[_cell(v, k) for v, k in zip(row, kinds)]
                                                          for row in self.data[name]]


def _cell(value: object, kind: str) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if kind == MONEY and isinstance(value, int):
        return value / 100
    if isinstance(value, (int, Decimal)):
        return float(value)
    return value


@dataclass
class Cost:
    calls: int = 0
    rows: int = 0
    seconds: float = 0.0


@dataclass
class Meter:
    """Calls, pandas rows and own CPU seconds per engine function while ``measuring``."""

    costs: dict[str, Cost] = field(default_factory=dict)
    stack: list[list] = field(default_factory=list)  # [name, start, seconds in engine callees, rows]
    on: bool = False

    def wrap(self, func, name: str):
        clock = time.process_time
        meter = self

        @functools.wraps(func)
        def metered(*args, **kwargs):
            if not meter.on:
                return func(*args, **kwargs)
            frame = [name, clock(), 0.0, 0]
            meter.stack.append(frame)
            try:
                return func(*args, **kwargs)
            finally:
                meter.stack.pop()
                spent = clock() - frame[1]
                cost = meter.costs.get(name)
                if cost is None:
                    cost = meter.costs[name] = Cost()
                cost.calls += 1
                cost.seconds += spent - frame[2]
                cost.rows += frame[3]
                if meter.stack:
                    meter.stack[-1][2] += spent
        metered.__metered__ = True
        return metered

    def count_rows(self, result, other, method) -> None:
        if self.on and self.stack and not (method is None and isinstance(other, pd.DataFrame)
                                           and isinstance(result, pd.Series)):  # a column taken out
            self.stack[-1][3] += len(result)

    @contextmanager
    def measuring(self):
        """Count from zero, the garbage collector off: a full collection lands on whatever runs then."""
        self.costs, self.stack = {}, []
        gc.collect()
        gc.disable()
        self.on = True
        try:
            yield self.costs
        finally:
            self.on = False
            gc.enable()


@contextmanager
def instrumented(prefix: str = "ecomdept."):
    """Every function and method of the loaded modules named ``prefix``… (generators and dunder methods
    apart) wrapped in one ``Meter``, and pandas results counted, until the block ends."""
    meter, undo, wrapped = Meter(), [], {}

    def wrapper(func):
        if func not in wrapped:
            wrapped[func] = meter.wrap(func, f"{func.__module__}.{func.__qualname__}")
        return wrapped[func]

    def usable(func) -> bool:
        return (isinstance(func, types.FunctionType) and str(func.__module__).startswith(prefix)
                and not inspect.isgeneratorfunction(func) and not getattr(func, "__metered__", False))

    def swap(owner, attr, new, old) -> None:
        undo.append((owner, attr, old))
        setattr(owner, attr, new)

    for module in [m for n, m in list(sys.modules.items()) if n.startswith(prefix) and m is not None]:
        for attr, obj in list(vars(module).items()):
            if usable(obj):
                swap(module, attr, wrapper(obj), obj)
            elif isinstance(obj, type) and obj.__module__ == module.__name__:
                for key, member in list(vars(obj).items()):
                    if key.startswith("__"):
                        continue
                    if isinstance(member, property) and usable(member.fget):
                        swap(obj, key, property(wrapper(member.fget), member.fset, member.fdel, member.__doc__),
                             member)
                    elif isinstance(member, (staticmethod, classmethod)) and usable(member.__func__):
                        swap(obj, key, type(member)(wrapper(member.__func__)), member)
                    elif usable(member):
                        swap(obj, key, wrapper(member), member)
    finalize = NDFrame.__finalize__

    def counted(self, other, method=None, **kwargs):
        meter.count_rows(self, other, method)
        return finalize(self, other, method, **kwargs)

    swap(NDFrame, "__finalize__", counted, finalize)
    try:
        yield meter
    finally:
        for owner, attr, original in reversed(undo):
            setattr(owner, attr, original)


# A function's cost is judged when it is large enough to matter at the large size: below these it
# cannot hurt, and a few rare events more or less in one sample would decide its ratio.
FLOOR = Cost(calls=20_000, rows=200_000, seconds=0.05)


@dataclass
class Growth:
    name: str
    small: Cost
    large: Cost
    size_ratio: float

    def ratio(self, what: str) -> float:
        floor = {"calls": 1, "rows": 1, "seconds": 1e-3}[what]
        return getattr(self.large, what) / max(getattr(self.small, what), floor)

    def exponent(self, what: str) -> float:
        """Cost ∝ size^exponent between the two sizes: 1 linear, 2 quadratic."""
        return math.log(max(self.ratio(what), 1e-9)) / math.log(self.size_ratio)

    def judged(self, what: str) -> bool:
        return getattr(self.large, what) >= getattr(FLOOR, what)

    def __str__(self) -> str:
        s, big = self.small, self.large
        return (f"{self.name}：调用 {s.calls:,} → {big.calls:,}（指数 {self.exponent('calls'):.2f}），"
                f"pandas 行 {s.rows:,} → {big.rows:,}（指数 {self.exponent('rows'):.2f}），"
                f"CPU {s.seconds:.3f} → {big.seconds:.3f} s（指数 {self.exponent('seconds'):.2f}）")


def compare(small: dict[str, Cost], large: dict[str, Cost], size_ratio: float) -> list[Growth]:
    rows = [Growth(name, small.get(name, Cost()), cost, size_ratio) for name, cost in large.items()]
    return sorted(rows, key=lambda g: g.large.seconds, reverse=True)


def super_linear(growths: list[Growth], what: str, limit: float) -> list[Growth]:
    """The functions whose ``what`` (calls, rows, seconds) grows faster than size^limit, where judged."""
    return [g for g in growths if g.judged(what) and g.exponent(what) > limit]
