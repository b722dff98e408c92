"""绩效, KPI, 销售 (daily series with Excel charts), 退款流程 and 售后KPI — when the month has orders."""

from __future__ import annotations

from ecomdept.sales import kpi as kpi_mod
from ecomdept.sales.refunds import per_person
from ecomdept.outputs.results.attendance_sheets import FULL_DETAIL_LIMIT
from ecomdept.outputs.results.book import WRAP, Writer

KPI_KIND = {"money": "money", "count": "int", "rate": "rate", "ratio": "num2", "score": "num2"}
DEPARTMENT = "department"


def write_performance(w: Writer, result, names: dict) -> None:
    if result.scores:
        w.table("绩效", [("工号", "text", 8), ("姓名", "text", 9), ("小组", "text", 9), ("加权得分", "num2", 8),
                       ("绩效系数", "num4", 8), ("绩效基数", "money", 10), ("绩效奖金", "money", 10),
                       ("各项达成", WRAP, 70)],
                ([s.employee_id, names.get(s.employee_id, ""), s.team, float(s.score), float(s.coefficient), s.base,
                  s.bonus,
                  "；".join(p["formula"] for p in s.parts) + f"；加权得分 {s.score_formula()}"]
                 for s in result.scores.values()), totals=(6,))
    if result.kpis is None:
        return
    write_kpis(w, result, names)
    write_sales(w, result)
    write_refunds(w, result, names)


def write_kpis(w: Writer, result, names: dict) -> None:
    """范围 部门 / 小组 / 个人, the metric's Chinese name and its value as a number (¥, %, count)."""
    teams = set(result.employees["team"].dropna())
    kpis, title = result.kpis, None
    if len(kpis) > FULL_DETAIL_LIMIT:
        kpis = kpis[kpis["scope"].eq(DEPARTMENT) | kpis["scope"].isin(teams)]
        title = f"KPI（部门与小组；每个人的 KPI 见 kpi.csv，共 {len(result.kpis):,} 行）"

    def scope_of(scope: str) -> tuple[str, str, str]:
        if scope == DEPARTMENT:
            return "部门", "电商部", ""
        if scope in teams:
            return "小组", scope, ""
        return "个人", names.get(scope, ""), scope

    def value_of(metric: str, value):
        definition = kpi_mod.BY_ID.get(metric)
        return value, KPI_KIND.get(definition.kind if definition else "", "num2")

    w.table("KPI", [("范围", "text", 6), ("名称", "text", 10), ("工号", "text", 8), ("指标", "text", 20),
                    ("值", "typed", 14)],
            ([*scope_of(scope), kpi_mod.BY_ID[metric].label if metric in kpi_mod.BY_ID else metric,
              value_of(metric, value)] for scope, metric, value in kpis.itertuples(index=False)), title,
            repeat_columns=0)


def write_sales(w: Writer, result) -> None:
    d = result.sales.daily
    ws = w.table("销售", [("日", "int", 5), ("下单数", "int", 8), ("付款订单数", "int", 9), ("下单金额", "money", 13),
                        ("付款金额", "money", 13), ("退款订单数", "int", 9), ("付款转化率", "pct", 9), ("退款率", "pct", 8)],
                 ([r.day, r.orders_created, r.orders_paid, r.gmv, r.paid_amount, r.refund_orders, r.payment_conversion,
                   r.refund_rate] for r in d.itertuples(index=False)), totals=(1, 2, 3, 4, 5), landscape=True)
    n = len(d)
    if not n:
        return
    sales = w.book.add_chart({"type": "column"})
    sales.add_series({"name": "付款金额", "categories": ["销售", 1, 0, n, 0], "values": ["销售", 1, 4, n, 4]})
    sales.add_series({"name": "下单金额", "categories": ["销售", 1, 0, n, 0], "values": ["销售", 1, 3, n, 3]})
    sales.set_title({"name": f"{result.label} 每日销售"})
    sales.set_y_axis({"num_format": "¥#,##0"})
    ws.insert_chart("J2", sales, {"x_scale": 1.4, "y_scale": 1.1})
    rates = w.book.add_chart({"type": "line"})
    rates.add_series({"name": "付款转化率", "categories": ["销售", 1, 0, n, 0], "values": ["销售", 1, 6, n, 6]})
    rates.add_series({"name": "退款率", "categories": ["销售", 1, 0, n, 0], "values": ["销售", 1, 7, n, 7]})
    rates.set_title({"name": "付款转化率与退款率"})
    rates.set_y_axis({"num_format": "0%"})
    ws.insert_chart("J19", rates, {"x_scale": 1.4, "y_scale": 1.1})


def write_refunds(w: Writer, result, names: dict) -> None:
    flow, title = result.refund_flow, None
    if flow is not None and len(flow) > FULL_DETAIL_LIMIT // 6:
        full = len(flow)
        flow = flow[(flow["problems"] != "") | (flow["state"] != "已退款")]
        title = f"退款流程（{full:,} 张中只列出有问题或未完成的 {len(flow):,} 张；完整清单见 退款流程.csv）"
    if flow is None or not len(flow):
        return
    w.table("退款流程", [("退款单号", "text", 16), ("订单编号", "text", 17), ("类型", "text", 9), ("状态", "text", 12),
                     ("受理客服", "text", 9), ("审批用时(小时)", "num1", 9), ("验货用时(小时)", "num1", 9),
                     ("退款用时(小时)", "num1", 9), ("总用时(小时)", "num1", 9), ("问题", WRAP, 50)],
            ([r.refund_id, r.order_id, r.type, r.state, r.registered_by or "", r.decision_hours, r.check_hours,
              r.pay_hours, r.total_hours, r.problems] for r in flow.itertuples(index=False)), title)
    people = per_person(result.refund_flow)
    w.table("售后KPI", [("工号", "text", 8), ("姓名", "text", 9), ("受理退款", "int", 9),
                      ("申请到退款中位用时(小时)", "num1", 14), ("顺序错误步骤", "int", 10), ("有问题的单", "int", 10)],
            ([r.employee_id, names.get(r.employee_id, ""), r.refunds_handled, r.median_hours, r.out_of_order,
              r.with_problems] for r in people.itertuples(index=False)))
