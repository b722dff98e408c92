"""Score → bonus (KPI-02/03/05, PAY-10) and the refund flow (ORD-01…09)."""

import datetime as dt
from decimal import Decimal

import pandas as pd

from builders import frame
from ecomdept.pay import performance
from ecomdept.sales import refunds
from ecomdept.inputs import rules as rules_mod
from ecomdept.inputs.schema import EMPLOYEES, REFUNDS, SCORES

KPI = {"kpi.客服.paid_amount.target": Decimal("10000"), "kpi.客服.paid_amount.weight": Decimal("0.6"),
       "kpi.客服.refund_rate.target": Decimal("0.1"), "kpi.客服.refund_rate.weight": Decimal("0.2"),
       "kpi.客服.满意度.weight": Decimal("0.2"), "bonus.客服.base": Decimal("800")}


def staff():
    return frame(EMPLOYEES, [
        {"employee_id": "C1", "name": "甲", "team": "客服", "position": "售后客服", "hire_date": dt.date(2020, 1, 1)},
        {"employee_id": "C2", "name": "乙", "team": "客服", "position": "售前客服", "hire_date": dt.date(2020, 1, 1)},
        {"employee_id": "S1", "name": "丙", "team": "仓储发货", "position": "发货员", "hire_date": dt.date(2020, 1, 1)},
        {"employee_id": "H1", "name": "丁", "team": "管理", "position": "电子商务主管", "hire_date": dt.date(2020, 1, 1)}])


def kpis(rows):
    return pd.DataFrame(rows, columns=["scope", "metric", "value"], dtype=object)


def test_weighted_score_and_bonus():
    rules = rules_mod.Rules(rules_mod.defaults()._values, {}, KPI)
    table = kpis([("C1", "paid_amount", 1200000), ("C1", "refund_rate", 0.2), ("C2", "paid_amount", 300000),
                  ("客服", "refund_rate", 0.05)])
    manual = frame(SCORES, [{"month": "2026-10", "employee_id": "C1", "metric": "满意度", "score": 90}])
    scores = performance.score_people(staff(), table, manual, rules, "2026-10")
    c1 = scores["C1"]
    # paid 12,000 / 10,000 = 120% × 0.6; refund 0.1 / 0.2 = 50% × 0.2; 满意度 90% × 0.2 → 100.0
    assert float(c1.score) == 100.0 and c1.bonus == 80000
    c2 = scores["C2"]  # 30% × 0.6 + refund from the team 0.1/0.05 capped at 150% × 0.2 + unscored 0 → 48 < 60
    assert round(float(c2.score), 6) == 48.0 and c2.bonus == 0
    assert "加权得分 Σ达成×权重：30.00 × 0.6 + 150.00 × 0.2 + 0.00 × 0.2 = 48.00，低于及格 60" in c2.explanation()
    assert "退款率（越低越好）目标 10.00% ÷ 实际 5.00% = 达成 200.00%，封顶 150.00%" in c2.explanation()
    assert "退款率（越低越好）目标 10.00% ÷ 实际 20.00% = 达成 50.00%" in c1.explanation()
    assert "绩效系数 0 × 基数 ¥800.00 = ¥0.00" in c2.explanation()
    assert "S1" not in scores  # no plan for 仓储发货


def test_no_kpi_rules_no_scores():
    assert performance.score_people(staff(), kpis([]), frame(SCORES, []), rules_mod.defaults(), "2026-10") == {}


def t(h):
    return dt.datetime(2026, 10, 12, 9) + dt.timedelta(hours=h)


def test_refund_flow_states_roles_order_and_sla():
    rows = frame(REFUNDS, [
        {"refund_id": "R1", "order_id": "O1", "requested_at": t(0), "goods_received": False, "registered_by": "C1",
         "decision": "同意", "decided_by": "H1", "decided_at": t(2), "refunded_at": t(3)},
        {"refund_id": "R2", "order_id": "O2", "requested_at": t(0), "goods_received": True, "registered_by": "C1",
         "decision": "同意", "decided_by": "C2", "decided_at": t(30), "returned_at": t(60), "checked_by": "C1",
         "checked_at": t(61), "refunded_at": t(59)},
        {"refund_id": "R3", "order_id": "O3", "requested_at": t(0), "goods_received": True, "registered_by": "C1",
         "decision": "同意", "decided_by": "H1", "decided_at": t(1)},
        {"refund_id": "R4", "order_id": "O4", "requested_at": t(0), "goods_received": False, "registered_by": "C1",
         "decision": "拒绝", "decided_by": "H1", "decided_at": t(1)},
    ])
    flow = refunds.flow(rows, staff(), rules_mod.defaults()).set_index("refund_id")
    assert flow.loc["R1", "state"] == "已退款" and flow.loc["R1", "problems"] == ""
    assert flow.loc["R3", "state"] == "待买家退货" and flow.loc["R4", "state"] == "已拒绝，客服协商"
    problems = flow.loc["R2", "problems"]
    assert "不是部门主管（ORD-02/04）" in problems and "不是发货员（ORD-07）" in problems
    assert "退款早于验货" in problems and "审批用时 30.0 小时，超过 24 小时" in problems
    people = refunds.per_person(flow.reset_index())
    assert people.to_dict("records")[0] == {"employee_id": "C1", "refunds_handled": 4, "median_hours": 31.0,
                                            "out_of_order": 1, "with_problems": 1}
