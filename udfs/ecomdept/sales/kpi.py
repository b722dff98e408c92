"""KPIs from orders and ad spend, per department, team and person (rulebook §4, KPI-…).

Every metric has an id, a formula (README) and a direction for scoring. Amounts are yuan with two
decimals, rates are fractions (0–1). Timeliness (SLA, on-time delivery) is measured against the
export's horizon — the latest timestamp in the order table: an order not yet handed to the carrier
and already past the SLA is late; one still inside the window is *unknown* and reported, never
counted as on time. Cancelled orders are left out of timeliness.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from ecomdept.core.money import plain_yuan
from ecomdept.core.privacy import safe_frame
from ecomdept.sales.regions import provinces

CANCELLED = {"canceled", "cancelled", "unavailable", "交易关闭", "已取消", "取消", "已关闭"}


from ecomdept.inputs.metrics import BY_ID, DEFINITIONS, Definition  # noqa: F401  (the vocabulary of 规则)


def _frame(orders: pd.DataFrame) -> pd.DataFrame:
    if orders.attrs.get("kpi_frame"):  # already prepared
        return orders
    f = pd.DataFrame({"order_id": orders["order_id"].astype(str)})
    for col in ("created_at", "paid_at", "shipped_at", "delivered_at", "estimated_at"):
        f[col] = pd.to_datetime(orders[col]) if col in orders else pd.NaT
    for col in ("total_amount", "paid_amount", "refund_amount"):
        f[col] = pd.to_numeric(orders[col], errors="coerce").fillna(0).astype(np.int64) if col in orders else 0
    f["review_score"] = pd.to_numeric(orders.get("review_score"), errors="coerce") if "review_score" in orders \
        else np.nan
    f["status"] = orders["status"].fillna("").astype(str) if "status" in orders else ""
    for col in ("cs_id", "shipper_id", "province"):
        f[col] = orders[col] if col in orders else None
    f.attrs["kpi_frame"] = True
    return f


def prepare(orders: pd.DataFrame) -> pd.DataFrame:
    """Typed order frame once, for compute/daily/breakdown on the same data."""
    return _frame(orders)


def _ratio(numerator, denominator):
    """numerator / denominator, None (undefined) where the denominator is 0 — scalars or Series."""
    if isinstance(denominator, pd.Series):
        return (numerator / denominator.where(denominator > 0)).astype(object).where(denominator > 0, None)
    return None if not denominator else numerator / denominator



def indicators(f: pd.DataFrame, horizon: pd.Timestamp, sla_hours: int) -> pd.DataFrame:
    """Per-order 0/1 columns (and amounts) whose group sums give every order metric."""
    paid = f["paid_at"].notna()
    live = ~f["status"].str.strip().str.lower().isin(CANCELLED)
    sla = pd.Timedelta(hours=sla_hours)
    shipped = f["shipped_at"].notna()
    eligible = live & (paid | shipped)
    on_time = eligible & paid & shipped & (f["shipped_at"] - f["paid_at"] <= sla)
    late = eligible & paid & ((shipped & (f["shipped_at"] - f["paid_at"] > sla))
                              | (~shipped & (horizon - f["paid_at"] > sla)))
    has_eta = f["estimated_at"].notna()
    delivered = f["delivered_at"].notna()
    eta_day = f["estimated_at"].dt.normalize()
    d_on = live & has_eta & delivered & (f["delivered_at"].dt.normalize() <= eta_day)
    d_late = live & has_eta & ((delivered & ~d_on) | (~delivered & (horizon.normalize() > eta_day)))
    reviewed = f["review_score"].notna()
    return pd.DataFrame({
        "orders": 1, "paid": paid, "refund": f["refund_amount"] > 0, "gmv": f["total_amount"],
        "paid_amount_paid": f["paid_amount"].where(paid, 0), "refund_amount": f["refund_amount"],
        "ship_on": on_time, "ship_late": late, "ship_unknown": eligible & ~on_time & ~late,
        "ship_any": shipped, "no_ship_live_paid": eligible | (live & paid),
        "d_on": d_on, "d_late": d_late, "d_unknown": live & paid & ~d_on & ~d_late, "eta_any": has_eta,
        "live_paid": live & paid, "reviewed": reviewed, "review_sum": f["review_score"].fillna(0),
        "low_review": f["review_score"] <= 2,
    }, index=f.index)


def metrics_from_sums(t: pd.DataFrame) -> dict[str, pd.Series]:
    """Order metrics for every group from the summed indicators (one row per group)."""
    m: dict[str, pd.Series] = {
        "orders_created": t["orders"], "orders_paid": t["paid"], "gmv": t["gmv"],
        "paid_amount": t["paid_amount_paid"], "refund_orders": t["refund"], "refund_amount": t["refund_amount"],
    }
    m["net_sales"] = m["paid_amount"] - m["refund_amount"]
    m["aov"] = (m["paid_amount"] / m["orders_paid"].where(m["orders_paid"] > 0)).round().astype(object).where(
        m["orders_paid"] > 0, None)
    m["payment_conversion"] = _ratio(m["orders_paid"], m["orders_created"])
    m["refund_rate"] = _ratio(m["refund_orders"], m["orders_paid"])
    measurable = t["ship_any"] > 0  # an export without hand-over times cannot be measured
    m["ship_within_sla_rate"] = _ratio(t["ship_on"], t["ship_on"] + t["ship_late"]).where(measurable, None)
    m["ship_unknown"] = t["ship_unknown"].where(measurable, t["no_ship_live_paid"])
    has_eta = t["eta_any"] > 0
    m["on_time_delivery_rate"] = _ratio(t["d_on"], t["d_on"] + t["d_late"]).where(has_eta, None)
    m["delivery_unknown"] = t["d_unknown"].where(has_eta, t["live_paid"])
    m["review_score_avg"] = _ratio(t["review_sum"], t["reviewed"])
    m["low_review_rate"] = _ratio(t["low_review"], t["reviewed"])
    return m


def _total(ind: pd.DataFrame) -> pd.DataFrame:
    """One-row sums that keep integer dtypes (money stays exact fen)."""
    if ind.empty:
        return pd.DataFrame({c: [0] for c in ind.columns})
    return ind.groupby(np.zeros(len(ind), dtype=np.int8)).sum()


def _plain(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (np.integer, bool, np.bool_)):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def horizon_of(f: pd.DataFrame) -> pd.Timestamp:
    stamps = [f[c].max() for c in ("created_at", "paid_at", "shipped_at", "delivered_at") if f[c].notna().any()]
    return max(stamps) if stamps else pd.Timestamp.now()


def month_slice(f: pd.DataFrame, year: int, month: int) -> pd.DataFrame:
    start = pd.Timestamp(year, month, 1)
    return f[(f["created_at"] >= start) & (f["created_at"] < start + pd.offsets.MonthBegin(1))]


def ad_metrics(ads: pd.DataFrame, year: int, month: int, orders_paid: int) -> dict[str, object]:
    if ads is None or ads.empty:
        return {}
    dates = pd.to_datetime(ads["date"])
    rows = ads[(dates.dt.year == year) & (dates.dt.month == month)]
    spend = int(pd.to_numeric(rows["spend"]).sum())
    sales = int(pd.to_numeric(rows["attributed_sales"].fillna(0)).sum())
    visitors = int(pd.to_numeric(rows["visitors"].fillna(0)).sum())
    return {"ad_spend": spend, "roi": _ratio(sales, spend), "visitors": visitors or None,
            "visitor_conversion": _ratio(orders_paid, visitors)}


def compute(orders: pd.DataFrame, year: int, month: int, sla_hours: int = 48, ads: pd.DataFrame | None = None,
            employees: pd.DataFrame | None = None) -> pd.DataFrame:
    """kpi.csv rows: scope (department / team / 工号), metric, value (fen for money). Every scope is
    one groupby over per-order indicators, so a million orders stay a handful of column operations."""
    f = _frame(orders)
    horizon = horizon_of(f)
    mf = month_slice(f, year, month)
    ind = indicators(mf, horizon, sla_hours)
    rows = []
    dept = {k: _plain(v.iloc[0]) for k, v in metrics_from_sums(_total(ind)).items()}
    dept.update(ad_metrics(ads, year, month, dept["orders_paid"]))
    rows += [("department", k, v) for k, v in dept.items()]
    if employees is not None and len(employees) and len(mf):
        team_of = dict(zip(employees["employee_id"], employees["team"]))
        groups = [mf["cs_id"], mf["shipper_id"], mf["cs_id"].map(team_of)]
        for key in groups:
            sums = ind[key.notna()].groupby(key[key.notna()].astype(str), sort=True).sum()
            if sums.empty:
                continue
            metrics = metrics_from_sums(sums)
            for metric, series in metrics.items():
                rows += [(scope, metric, _plain(value)) for scope, value in series.items()]
    table = pd.DataFrame(rows, columns=["scope", "metric", "value"], dtype=object)
    order = {d.id: i for i, d in enumerate(DEFINITIONS)}
    first = {"department": 0}
    return table.sort_values(["scope", "metric"], key=lambda s: s.map(first).fillna(1) if s.name == "scope"
                             else s.map(order), kind="stable").reset_index(drop=True)


def show(metric: str, value: object) -> str:
    """kpi.csv text: money as yuan with two decimals, rates with six, empty when undefined."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    kind = BY_ID[metric].kind
    if kind == "money":
        return plain_yuan(int(value))
    if kind == "count":
        return str(int(value))
    return f"{float(value):.6f}"  # rates, ratios and scores


def write_csv(table: pd.DataFrame, path) -> None:
    out = table.assign(value=[show(m, v) for m, v in zip(table["metric"], table["value"])])
    safe_frame(out).to_csv(path, index=False, encoding="utf-8-sig")


def daily(orders: pd.DataFrame, year: int, month: int) -> pd.DataFrame:
    """Per day of the month: orders created and paid, paid amount (fen), conversion, refund rate."""
    f = month_slice(_frame(orders), year, month)
    day = f["created_at"].dt.day
    paid = f["paid_at"].notna()
    out = pd.DataFrame({
        "orders_created": f.groupby(day).size(),
        "orders_paid": paid.groupby(day).sum(),
        "gmv": f["total_amount"].groupby(day).sum(),
        "paid_amount": f["paid_amount"].where(paid, 0).groupby(day).sum(),
        "refund_orders": (f["refund_amount"] > 0).groupby(day).sum(),
    }).fillna(0).astype(np.int64)
    out["payment_conversion"] = out["orders_paid"] / out["orders_created"].where(out["orders_created"] > 0)
    out["refund_rate"] = out["refund_orders"] / out["orders_paid"].where(out["orders_paid"] > 0)
    out.index.name = "day"
    return out.reset_index()


def breakdown(orders: pd.DataFrame, year: int, month: int) -> tuple[pd.Series, pd.Series]:
    """Orders by province (top 15) and by hour of day."""
    f = month_slice(_frame(orders), year, month)
    province = pd.Series(provinces(f["province"]), index=f.index).value_counts().head(15)
    hour = f["created_at"].dt.hour.value_counts().reindex(range(24), fill_value=0)
    return province, hour
