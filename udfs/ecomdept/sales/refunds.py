"""The refund flow of the rulebook's 退款流程 chart (ORD-01…09), per refund request: its state, whether
each step was done by the role the rulebook names (部门主管 decides, 发货员 checks the returned goods,
售后客服 registers), steps out of order, and each step's time against the SLA in 规则."""

from __future__ import annotations

import statistics

import pandas as pd

from ecomdept.inputs.rules import Rules

SUPERVISOR, SHIPPER, AFTER_SALES = "电子商务主管", "发货员", "售后客服"


def _hours(start, end) -> float | None:
    if start is None or end is None or start != start or end != end:  # blank, NaN or NaT
        return None
    return (end - start).total_seconds() / 3600


def flow(refunds: pd.DataFrame, employees: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    position = dict(zip(employees["employee_id"], employees["position"]))
    rows = []
    for r in refunds.itertuples(index=False):
        problems = []
        returned = bool(r.goods_received)
        if r.decision is None:
            state = "待主管审批"
        elif r.decision == "拒绝":
            state = "已拒绝，客服协商"
        elif returned and r.returned_at is None:
            state = "待买家退货"
        elif returned and r.checked_at is None:
            state = "待发货员验货"
        elif r.refunded_at is None:
            state = "待退款"
        else:
            state = "已退款"
        if r.decided_by and position.get(r.decided_by) != SUPERVISOR:
            problems.append(f"审批人 {r.decided_by} 不是部门主管（ORD-02/04）")
        if r.checked_by and position.get(r.checked_by) != SHIPPER:
            problems.append(f"验货人 {r.checked_by} 不是发货员（ORD-07）")
        if r.registered_by and position.get(r.registered_by) != AFTER_SALES:
            problems.append(f"受理人 {r.registered_by} 不是售后客服（ORD-09）")
        if not returned and (r.returned_at is not None or r.checked_at is not None):
            problems.append("仅退款却登记了退货/验货")
        order = [("申请", r.requested_at), ("审批", r.decided_at)]
        if returned:
            order += [("退货到仓", r.returned_at), ("验货", r.checked_at)]
        order.append(("退款", r.refunded_at))
        stamps = [(name, t) for name, t in order if t is not None]
        for (a, ta), (b, tb) in zip(stamps, stamps[1:]):
            if tb < ta:
                problems.append(f"{b}早于{a}（步骤顺序错误）")
        if r.refunded_at is not None and r.decision != "同意":
            problems.append("未经主管同意就已退款")
        decision_h = _hours(r.requested_at, r.decided_at)
        check_h = _hours(r.returned_at, r.checked_at) if returned else None
        pay_h = _hours(r.checked_at if returned else r.decided_at, r.refunded_at)
        for label, hours, limit in (("审批", decision_h, rules.refund_decision_sla_hours),
                                    ("验货", check_h, rules.refund_check_sla_hours),
                                    ("退款", pay_h, rules.refund_pay_sla_hours)):
            if hours is not None and hours > limit:
                problems.append(f"{label}用时 {hours:.1f} 小时，超过 {limit} 小时")
        rows.append({"refund_id": r.refund_id, "order_id": r.order_id, "type": "退货退款" if returned else "仅退款",
                     "state": state, "registered_by": r.registered_by, "decision_hours": decision_h,
                     "check_hours": check_h, "pay_hours": pay_h, "total_hours": _hours(r.requested_at, r.refunded_at),
                     "out_of_order": sum("顺序" in p or "未经主管" in p for p in problems),
                     "problems": "；".join(problems)})
    return pd.DataFrame(rows, columns=["refund_id", "order_id", "type", "state", "registered_by", "decision_hours",
                                       "check_hours", "pay_hours", "total_hours", "out_of_order", "problems"])


def per_person(table: pd.DataFrame) -> pd.DataFrame:
    """After-sales KPIs per 受理客服: refunds handled, median request→refund hours, steps out of order."""
    rows = []
    for person, group in table.dropna(subset=["registered_by"]).groupby("registered_by", sort=True):
        done = [h for h in group["total_hours"] if h is not None and not pd.isna(h)]
        rows.append({"employee_id": person, "refunds_handled": len(group),
                     "median_hours": statistics.median(done) if done else None,
                     "out_of_order": int(group["out_of_order"].sum()),
                     "with_problems": int((group["problems"] != "").sum())})
    return pd.DataFrame(rows, columns=["employee_id", "refunds_handled", "median_hours", "out_of_order",
                                       "with_problems"])
