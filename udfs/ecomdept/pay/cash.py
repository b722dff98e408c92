"""Cash payout (PAY-02: 发放形式：现金支付): how many notes and coins of each denomination to put in
each envelope, greedy from the largest — the greedy split is optimal for the RMB series.

A cashier cannot get 分 coins from a bank any more, so the smallest denomination handed out comes from
规则 (``cash_smallest_unit``, 1角 by default). What lies below it is not paid in cash: the envelope
holds the amount rounded down to that unit and the remainder (零头) is listed per person, so that
cash + 零头 = 实发 to the fen.
"""

from __future__ import annotations

DENOMINATIONS = (  # fen, label
    (10000, "100元"), (5000, "50元"), (2000, "20元"), (1000, "10元"), (500, "5元"), (100, "1元"),
    (50, "5角"), (10, "1角"), (5, "5分"), (2, "2分"), (1, "1分"),
)
UNIT_FEN = {"1元": 100, "5角": 50, "1角": 10, "1分": 1}  # cash_smallest_unit → fen
DEFAULT_UNIT = "1角"


def unit_fen(label: str | None) -> int:
    """The 规则 value (1元 / 5角 / 1角 / 1分) in fen; anything else is the default, 1角."""
    return UNIT_FEN.get(str(label or "").strip(), UNIT_FEN[DEFAULT_UNIT])


def denominations(smallest_fen: int = UNIT_FEN[DEFAULT_UNIT]) -> tuple[tuple[int, str], ...]:
    """The notes and coins a cashier hands out: every denomination down to ``smallest_fen``."""
    return tuple((value, label) for value, label in DENOMINATIONS if value >= smallest_fen)


def split(amount_fen: int, smallest_fen: int = UNIT_FEN[DEFAULT_UNIT]) -> tuple[list[int], int]:
    """(count per denomination of ``denominations(smallest_fen)``, remainder in fen below the smallest
    unit). counts · values + remainder = amount exactly. Negative amounts pay nothing."""
    counts, rest = [], max(0, amount_fen)
    for value, _label in denominations(smallest_fen):
        count, rest = divmod(rest, value)
        counts.append(count)
    return counts, rest
