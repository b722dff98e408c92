"""report.html: the month at a glance — totals by team, attendance exceptions by day, sales, alerts and
data problems, with inline SVG charts (no scripts, opens anywhere, prints).

Every figure is written for people: money as ¥ with thousands separators, rates as %, ratios and
scores with two decimals, counts with separators (``show_kpi``). Each chart has a title, a value
axis with ticks, labels and its unit, and category labels that are never cut off (rotated where
they would not fit). The report is also HR's copy of what the payslips leave out: the alerts (预警)
and the notes for HR (``payslips.hr_notes``) of every employee.
"""

from __future__ import annotations

import math
import os
import re
from collections import defaultdict

from ecomdept import __version__
from ecomdept.core.calendar import WORKDAY
from ecomdept.core.money import fmt_yuan
from ecomdept.outputs.templating import render

WIDTH = 940  # the charts' drawing width on a screen as wide as the page's column (≤ 980 px)
NARROW = 340  # …and on a phone (375 px less the page's padding): drawn again, not scaled down
CLAUSE = re.compile(r"[A-Z]{2,4}-\d{2}")
TITLE_H, TICK_FONT, LABEL_FONT, TITLE_FONT, LINE_H = 50, 12, 12, 15, 20


# ---------- figures ----------

def percent_text(rate: float, decimals: int = 2) -> str:
    return f"{rate * 100:.{decimals}f}%"


def show_kpi(metric: str, value) -> str:
    """A KPI for the report by its kind (kpi.Definition.kind); '—' when undefined."""
    from ecomdept.sales import kpi

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    kind = kpi.BY_ID[metric].kind
    if kind == "money":
        return fmt_yuan(int(value))
    if kind == "count":
        return f"{int(value):,}"
    if kind == "rate":
        return percent_text(float(value))
    return f"{float(value):,.2f}"  # ratios (ROI) and scores


def text_width(text: str, size: float) -> float:
    """About how wide a label is drawn (CJK a full em, Latin and digits about 0.6 em)."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.6 for ch in str(text))


def axis(peak: float, integer: bool = False, ticks: int = 5) -> tuple[float, float]:
    """A round top and step for a value axis from 0 to at least ``peak``."""
    if not peak or peak <= 0 or peak != peak:
        return (ticks if integer else 1.0), (1 if integer else 0.2)
    raw = peak / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if integer and magnitude <= 1 else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in steps if m * magnitude >= raw)
    if integer:
        step = max(1, round(step))
    return math.ceil(peak / step - 1e-9) * step, step


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0


def tick_text(value: float, step: float, kind: str) -> str:
    if kind == "rate":
        return f"{value * 100:.{_decimals(step * 100)}f}%"
    return f"{value:,.{_decimals(step)}f}"


def _r(x: float) -> float:
    return round(x, 1)


def wrap(text: str, width: float, size: float) -> list[str]:
    """A title in lines no wider than ``width`` (Chinese breaks between any two characters; a run of
    Latin letters and digits stays whole)."""
    lines, line = [], ""
    for word in re.findall(r"[A-Za-z0-9.,%¥+\-]+\s*|\S\s*|\s+", str(text)):
        if line and text_width(line + word.rstrip(), size) > width:
            lines.append(line.rstrip())
            line = word.lstrip()
        else:
            line += word
    return lines + [line.rstrip()] if line.strip() else lines or [""]


def _heading(title: str, unit: str, width: float) -> dict:
    """Title lines (wrapped to the drawing), the unit under them, and where the plot may begin."""
    lines = wrap(title, width, TITLE_FONT)
    extra = LINE_H * (len(lines) - 1)
    return {"title": title, "unit": unit, "width": width,
            "title_lines": [{"y": 16 + LINE_H * i, "text": t} for i, t in enumerate(lines)],
            "unit_y": 36 + extra, "plot_top": TITLE_H + extra}


def _frame(title: str, unit: str, peak: float, kind: str, integer: bool, height: int, left_extra: float = 0,
           bottom: float = 28, width: float = WIDTH) -> dict:
    top, step = axis(peak, integer)
    labels = [tick_text(i * step, step, kind) for i in range(int(round(top / step)) + 1)]
    left = max(text_width(t, TICK_FONT) for t in labels) + 12 + left_extra
    head = _heading(title, unit, width)
    height += head["plot_top"] - TITLE_H
    plot_top, plot_bottom = head["plot_top"], height - bottom
    ticks = [{"y": _r(plot_bottom - (plot_bottom - plot_top) * i / (len(labels) - 1)), "label": label}
             for i, label in enumerate(labels)]
    return {**head, "height": height, "left": _r(left), "right": width - 12,
            "top": plot_top, "bottom": plot_bottom, "yticks": ticks, "peak": top, "label_y": plot_bottom + 15,
            "mid": _r((left + width - 12) / 2), "caption_y": height - 6}


def both(make, *args, **kwargs) -> dict:
    """A chart drawn for a wide screen and again for a phone (the page shows the one that fits)."""
    return {"wide": make(*args, width=WIDTH, **kwargs), "narrow": make(*args, width=NARROW, **kwargs)}


def _x_labels(chart: dict, labels: list[str]) -> float:
    """Room for the category labels under the plot; the width of one category. Labels that would touch
    are rotated 45°: the chart grows below for them, and at the left for the first one."""
    step = (chart["right"] - chart["left"]) / max(len(labels), 1)
    widest = max((text_width(t, TICK_FONT) for t in labels), default=0)
    chart["every"] = 1
    if widest > step - 3 and widest <= 2 * TICK_FONT:  # short labels (days, hours): every k-th one, level
        chart["every"] = math.ceil((widest + 4) / step)
    chart["rotate"] = widest > step * chart["every"] - 3
    if chart["rotate"]:
        chart["every"] = math.ceil((TICK_FONT + 2) / (step * 0.7))  # 45° labels a line apart
        reach = widest * 0.72  # a 45° label's height and its reach to the left
        if reach - step / 2 + 4 > chart["left"]:
            chart["left"] = _r(reach - step / 2 + 4)
            step = (chart["right"] - chart["left"]) / max(len(labels), 1)
        chart["label_y"] = chart["bottom"] + 10
        need = 10 + reach + (20 if chart["xlabel"] else 4)
        if need > chart["height"] - chart["bottom"]:
            chart["height"] = _r(chart["bottom"] + need)
    chart["caption_y"] = _r(chart["height"] - 6)
    chart["tick_x"] = _r(chart["left"] - 4)
    return step


def column_chart(items: list[tuple[str, float]], title: str, unit: str, xlabel: str = "", kind: str = "count",
                 value_text=None, height: int = 260, colour: str = "#5b9bd5", width: float = WIDTH) -> dict:
    """Vertical columns on a value axis (0 … a round top) with ticks, labels and the unit."""
    values = [v for _, v in items]
    integer = kind == "count" and all(float(v).is_integer() for v in values)
    chart = _frame(title, unit, max(values, default=0), kind, integer, height, bottom=44 if xlabel else 28,
                   width=width)
    chart["xlabel"] = xlabel
    step = _x_labels(chart, [label for label, _ in items])
    left, top, bottom = chart["left"], chart["top"], chart["bottom"]
    cols = []
    for index, (label, value) in enumerate(items):
        h = (bottom - top) * value / chart["peak"] if chart["peak"] else 0
        x = left + index * step
        shown = value_text(value) if value_text else f"{value:,}"
        cols.append({"x": _r(x + step * 0.14), "w": _r(step * 0.72), "y": _r(bottom - h), "h": _r(h),
                     "cx": _r(x + step / 2), "label": label, "text": shown})
    widest = max((text_width(c["text"], TICK_FONT - 1) for c in cols), default=0)
    chart.update(kind="column", cols=cols, colour=colour, show_values=widest <= step - 2)
    return chart


def bar_chart(items: list[tuple[str, float]], title: str, unit: str, kind: str = "count", value_text=None,
              bar: int = 18, gap: int = 8, colour: str = "#70ad47", width: float = WIDTH) -> dict:
    """Horizontal bars: the categories on the vertical axis (labels never cut: the column is as wide as
    the longest), the values on a horizontal axis with ticks, labels and the unit."""
    values = [v for _, v in items]
    integer = kind == "count" and all(float(v).is_integer() for v in values)
    texts = [value_text(v) if value_text else f"{v:,}" for v in values]
    label_w = max((text_width(label, LABEL_FONT) for label, _ in items), default=0) + 12
    top, step = axis(max(values, default=0), integer)
    left = _r(label_w)
    right = _r(width - max((text_width(t, TICK_FONT) for t in texts), default=0) - 16)
    head = _heading(title, unit, width)
    plot_top = head["plot_top"]
    bottom = plot_top + len(items) * (bar + gap)
    ticks = int(round(top / step))
    while ticks > 1 and ticks % 2 == 0 and (right - left) / ticks < max(
            text_width(tick_text(i * step, step, kind), TICK_FONT) for i in range(ticks + 1)) + 6:
        step, ticks = step * 2, ticks // 2  # tick labels that would touch: every other one
    xticks = [{"x": _r(left + (right - left) * i * step / top), "label": tick_text(i * step, step, kind)}
              for i in range(int(round(top / step)) + 1)]
    rows = []
    for index, ((label, value), shown) in enumerate(zip(items, texts)):
        y = plot_top + index * (bar + gap) + gap / 2
        w = (right - left) * value / top
        rows.append({"y": _r(y), "cy": _r(y + bar / 2), "ty": _r(y + bar / 2 + 4), "w": _r(w), "tx": _r(left + w + 5),
                     "label": label, "text": shown})
    return {**head, "kind": "bar", "height": bottom + 26, "left": left,
            "right": right, "top": plot_top, "bottom": bottom, "xticks": xticks, "rows": rows, "bar": bar,
            "colour": colour, "label_y": bottom + 18, "tick_x": _r(left - 4), "tick_y": bottom + 4}


def line_chart(series: dict[str, list[float | None]], labels: list[str], title: str, xlabel: str = "",
               height: int = 260, width: float = WIDTH) -> dict:
    """Polylines for rates (0–1) over days, on a % axis with ticks."""
    values = [v for vs in series.values() for v in vs if v is not None and v == v]
    chart = _frame(title, "%", max(values, default=0), "rate", False, height, bottom=44 if xlabel else 28,
                   width=width)
    chart["xlabel"] = xlabel
    step = _x_labels(chart, labels)
    left, right, top, bottom = chart["left"], chart["right"], chart["top"], chart["bottom"]
    colours = ("#5b9bd5", "#ed7d31", "#70ad47")
    lines = []
    for (name, vs), colour in zip(series.items(), colours):
        points = " ".join(f"{_r(left + (i + 0.5) * step)},{_r(bottom - (bottom - top) * v / chart['peak'])}"
                          for i, v in enumerate(vs) if v is not None and v == v)
        lines.append({"name": name, "points": points, "colour": colour})
    legend, x = [], right
    for line in reversed(lines):
        x -= text_width(line["name"], LABEL_FONT) + 22
        legend.insert(0, {**line, "x": _r(x)})
    last_title = chart["title_lines"][-1]["text"]
    beside = text_width(last_title, TITLE_FONT) + 12 <= x  # beside the title's last line, else beside the unit
    chart["legend_y"] = chart["title_lines"][-1]["y"] if beside else chart["unit_y"]
    cols = [{"cx": _r(left + (i + 0.5) * step), "label": label} for i, label in enumerate(labels)]
    chart.update(kind="line", lines=lines, legend=legend, cols=cols)
    return chart


# ---------- the report ----------

def sales_context(result) -> dict | None:
    from ecomdept.sales import kpi

    if result.kpis is None:
        return None
    d, province, hour = result.sales.daily, result.sales.province, result.sales.hour
    dept = {m: v for s, m, v in result.kpis.itertuples(index=False) if s == "department"}
    month = f"{result.month}月"
    return {
        "dept": [{"label": kpi.BY_ID[m].label, "value": show_kpi(m, v), "kind": kpi.BY_ID[m].kind,
                  "formula": kpi.BY_ID[m].formula} for m, v in dept.items()],
        "daily_paid": both(column_chart, [(str(r.day), int(r.paid_amount) // 100) for r in d.itertuples(index=False)],
                           "每日付款金额", "元", f"{month}下单日", "count", value_text=lambda v: f"¥{v:,}"),
        "rates": both(line_chart, {"付款转化率": list(d["payment_conversion"]), "退款率": list(d["refund_rate"])},
                      [str(x) for x in d["day"]], "付款转化率与退款率（按下单日）", f"{month}下单日"),
        "province": both(bar_chart, [(str(k), int(v)) for k, v in province.items()], "订单按省份（前 15）", "单"),
        "hour": both(column_chart, [(f"{h}", int(v)) for h, v in hour.items()], "订单按下单时段", "单",
                     "下单时刻（点）", colour="#8e8e8e"),
    }


def hr_rows(result, names: dict[str, str]) -> list[dict]:
    """HR's copy of what the payslips leave out: every alert, and each employee's notes for HR."""
    from ecomdept.outputs.payslips import hr_notes

    rows = [{"employee_id": a.employee_id, "name": names.get(a.employee_id, ""), "kind": a.kind,
             "clause": a.clause, "message": a.message} for a in result.alerts]
    for pay in result.pays:
        rows += [{"employee_id": pay.employee_id, "name": pay.name, "kind": "结算附注",
                  "clause": next(iter(CLAUSE.findall(note)), ""), "message": note} for note in hr_notes(pay)]
    order = {pay.employee_id: i for i, pay in enumerate(result.pays)}
    return sorted(rows, key=lambda r: order.get(r["employee_id"], len(order)))


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
    names = {e: s.name for e, s in staff.items()}
    return {
        "label": result.label, "info": info, "version": __version__,
        "teams": sorted(teams.items()),
        "team_chart": both(bar_chart, [(team, t["net_pay"] / 100) for team, t in sorted(teams.items())],
                           "实发工资按小组", "元", "money", value_text=lambda v: fmt_yuan(round(v * 100)),
                           colour="#5b9bd5"),
        "daily_chart": both(column_chart, exceptions,
                            "每天的考勤异常人次（按各人排班的出勤日：迟到 + 早退 + 缺卡 + 旷工）", "人次",
                            f"{result.month}月日期", colour="#ed7d31"),
        "totals": {k: sum(getattr(p, k) for p in result.pays)
                   for k in ("gross_pay", "social_insurance", "housing_fund", "iit", "net_pay", "penalties",
                             "overtime_pay", "unpaid_leave_deduction")},
        "employer_total": sum(sum(p.employer_cost.values()) for p in result.pays),
        "people": len(result.pays),
        "attendance": {k: int(result.summary[k].sum()) for k in
                       ("scheduled_days", "attended", "late_count", "early_count", "missing_punch", "absent_days")},
        "alerts": result.alerts, "names": names, "hr": hr_rows(result, names),
        "issues": result.book.issues,
        "sales": sales_context(result),
        "scores": sorted(result.scores.values(), key=lambda s: -s.score),
    }


def write_report(result, info: dict, path, templates: str | None = None) -> None:
    """Written private (0o600): it holds pay and HR's alerts (SEC-04)."""
    data = render("report.html", templates, r=context(result, info)).encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
