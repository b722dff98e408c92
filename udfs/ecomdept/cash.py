"""Cash payout (PAY-02: 发放形式：现金支付): how many notes and coins of each denomination to put in
each envelope, greedy from the largest — the greedy split is optimal for the RMB series."""

from __future__ import annotations

DENOMINATIONS = (  # fen, label
    (10000, "100元"), (5000, "50元"), (2000, "20元"), (1000, "10元"), (500, "5元"), (100, "1元"),
    (50, "5角"), (10, "1角"), (5, "5分"), (2, "2分"), (1, "1分"),
)


def split(amount_fen: int) -> list[int]:
    """Count per denomination; sums back to the amount exactly. Negative amounts pay nothing."""
    counts, rest = [], max(0, amount_fen)
    for value, _label in DENOMINATIONS:
        count, rest = divmod(rest, value)
        counts.append(count)
    return counts
