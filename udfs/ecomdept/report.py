"""report.html: the month at a glance — totals by team, attendance exceptions by day, alerts and
data problems, with inline SVG charts (no scripts, opens anywhere, prints)."""

from __future__ import annotations

from collections import defaultdict

from . import __version__
from .calendar import WORKDAY
from .templating import render


def bar_chart(items: list[tuple[str, float]], unit: str = "", width: int = 640, bar: int = 22) -> dict:
    peak = max((v for _, v in items), default=0) or 1
    rows = []
    for index, (label, value) in enumerate(items):
        rows.append({"y": index * (bar + 6), "label": label, "value": value,
                     "w": round((width - 180) * value / peak, 1), "text": f"{value:,.2f}{unit}"})
    return {"rows": rows, "height": len(items) * (bar + 6) + 4, "width": width, "bar": bar}


def column_chart(items: list[tuple[str, int]], width: int = 640, height: int = 160) -> dict:
    peak = max((v for _, v in items), default=0) or 1
    step = width / max(len(items), 1)
    cols = []
    for index, (label, value) in enumerate(items):
        h = round((height - 30) * value / peak, 1)
        cols.append({"x": round(index * step + 2, 1), "w": round(step - 4, 1), "h": h, "y": round(height - 20 - h, 1),
                     "label": label, "value": value})
    return {"cols": cols, "width": width, "height": height}


def line_chart(series: dict[str, list[float | None]], labels: list[str], width: int = 640, height: int = 170) -> dict:
    """Polylines for rates (0–1) over days."""
    values = [v for vs in series.values() for v in vs if v is not None and v == v]
    peak = max(values, default=1) or 1
    step = width / max(len(labels) - 1, 1)
    colours = ("#5b9bd5", "#ed7d31", "#70ad47")
    lines = []
    for (name, vs), colour in zip(series.items(), colours):
        points = " ".join(f"{round(i * step, 1)},{round(height - 22 - (height - 40) * v / peak, 1)}"
                          for i, v in enumerate(vs) if v is not None and v == v)
        lines.append({"name": name, "points": points, "colour": colour})
    ticks = [{"x": round(i * step, 1), "label": label} for i, label in enumerate(labels)]
    return {"lines": lines, "ticks": ticks, "width": width, "height": height, "peak": f"{peak * 100:.0f}%"}


def sales_context(result) -> dict | None:
    from . import kpi

    if result.kpis is None:
        return None
    d, province, hour = result.sales.daily, result.sales.province, result.sales.hour
    dept = {m: v for s, m, v in result.kpis.itertuples(index=False) if s == "department"}
    return {
        "dept": [(kpi.BY_ID[m].label, kpi.show(m, v)) for m, v in dept.items()],
        "daily_paid": column_chart([(str(r.day), int(r.paid_amount) // 100) for r in d.itertuples(index=False)]),
        "rates": line_chart({"付款转化率": list(d["payment_conversion"]), "退款率": list(d["refund_rate"])},
                            [str(x) for x in d["day"]]),
        "province": bar_chart([(str(k), float(v)) for k, v in province.items()], " 单"),
        "hour": column_chart([(str(h), int(v)) for h, v in hour.items()]),
    }


def context(result, info: dict) -> dict:
    staff = {rec.employee_id: rec for rec in result.employees.itertuples(index=False)}
    teams: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for pay in result.pays:
        team = staff[pay.employee_id].team or "未分组"
        t = teams[team]
        t["people"] += 1
        for key in ("gross_pay", "social_insurance", "housing_fund", "iit", "net_pay", "penalties", "overtime_pay"):
            t[key] += getattr(pay, key)
    days = result.days[result.days["kind"] == WORKDAY]
    daily = days.groupby("date").agg(late=("is_late", "sum"), early=("is_early", "sum"), absent=("absent", "sum"),
                                     missing=("missing_punch", "sum"))
    exceptions = [(f"{d.day}", int(r.late + r.early + r.absent + r.missing)) for d, r in daily.iterrows()]
    return {
        "label": result.label, "info": info, "version": __version__,
        "teams": sorted(teams.items()),
        "team_chart": bar_chart([(team, t["net_pay"] / 100) for team, t in sorted(teams.items())], " 元"),
        "daily_chart": column_chart(exceptions),
        "totals": {k: sum(getattr(p, k) for p in result.pays)
                   for k in ("gross_pay", "social_insurance", "housing_fund", "iit", "net_pay", "penalties",
                             "overtime_pay", "unpaid_leave_deduction")},
        "employer_total": sum(sum(p.employer_cost.values()) for p in result.pays),
        "people": len(result.pays),
        "attendance": {k: int(result.summary[k].sum()) for k in
                       ("late_count", "early_count", "missing_punch", "absent_days")},
        "alerts": result.alerts, "names": {e: s.name for e, s in staff.items()},
        "issues": result.book.issues,
        "sales": sales_context(result),
        "scores": sorted(result.scores.values(), key=lambda s: -s.score),
    }


def write_report(result, info: dict, path, templates: str | None = None) -> None:
    path.write_text(render("report.html", templates, r=context(result, info)), encoding="utf-8")
