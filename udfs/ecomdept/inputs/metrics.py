"""The KPI vocabulary: every metric id a 规则 row may name (kpi.<小组>.<指标>), with its Chinese name,
formula and kind. The sales package computes them; the rules check names against them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Definition:
    id: str
    label: str
    formula: str
    higher_is_better: bool = True
    kind: str = "rate"  # rate | money | count | score


DEFINITIONS = (
    Definition("orders_created", "下单数", "本月创建的订单数", kind="count"),
    Definition("orders_paid", "付款订单数", "其中有付款时间的订单数", kind="count"),
    Definition("gmv", "下单金额（GMV）", "本月创建订单的 总金额 之和", kind="money"),
    Definition("paid_amount", "付款金额", "付款订单的 买家实际支付金额 之和", kind="money"),
    Definition("refund_orders", "退款订单数", "本月创建、退款金额 > 0 的订单数", False, "count"),
    Definition("refund_amount", "退款金额", "本月创建订单的 退款金额 之和", False, "money"),
    Definition("net_sales", "净销售额", "paid_amount − refund_amount", kind="money"),
    Definition("aov", "客单价", "paid_amount ÷ orders_paid", kind="money"),
    Definition("payment_conversion", "付款转化率", "orders_paid ÷ orders_created"),
    Definition("refund_rate", "退款率", "refund_orders ÷ orders_paid", False),
    Definition("ship_within_sla_rate", "及时发货率",
               "付款后 SLA 小时内交给快递的订单 ÷ 可判定的付款订单（未发货且已超 SLA 计为迟发；仍在 SLA 内的为未知，"
               "不计入；取消的订单不计）"),
    Definition("ship_unknown", "发货时效未知订单数", "付款但未发货且仍在 SLA 内、或缺付款时间的订单", kind="count"),
    Definition("on_time_delivery_rate", "准时送达率",
               "妥投日期 ≤ 预计送达日期的订单 ÷ 可判定订单（未妥投且已过预计日期计为迟到；未过的为未知；取消的不计）"),
    Definition("delivery_unknown", "送达时效未知订单数", "未妥投且未过预计送达日期、或缺预计日期的订单", kind="count"),
    Definition("review_score_avg", "平均评分", "有评价订单的评价星级平均值", kind="score"),
    Definition("low_review_rate", "差评率", "1–2 星评价 ÷ 有评价订单", False),
    Definition("ad_spend", "推广花费", "推广表本月 花费 之和", False, "money"),
    Definition("roi", "推广 ROI", "本月 归因销售额 ÷ 花费", kind="ratio"),
    Definition("visitors", "访客数（UV）", "推广表本月 访客数 之和", kind="count"),
    Definition("visitor_conversion", "访客转化率", "orders_paid ÷ visitors"),
)
BY_ID = {d.id: d for d in DEFINITIONS}
