"""report.html: figures written for people (¥, %, two decimals, separators) and charts with a title,
a value axis with ticks and its unit, and labels inside the drawing."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from ecomdept.sales import kpi
from ecomdept.outputs import report
from ecomdept.core.money import fmt_yuan


@pytest.fixture(scope="module")
def page(demo_run) -> str:
    return (demo_run.month_dir / "report.html").read_text(encoding="utf-8")


def text_of(page: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", page))


def test_no_raw_floats_anywhere(page):
    # 绩效系数 keeps the four decimals the bonus is computed from (系数 × 基数 = 奖金, as on the payslip)
    coefficients = re.findall(r'<td class="n coef">(\d+\.\d{4})</td>', page)
    assert coefficients
    page = re.sub(r'<td class="n coef">\d+\.\d{4}</td>', "", page)
    assert not re.findall(r"\d\.\d{3,}", text_of(page))
    assert not re.findall(r"\d\.\d{3,}", page)  # not in the drawing either (coordinates are rounded)


@pytest.mark.parametrize("metric, value, shown", [
    ("gmv", 139778680, "¥1,397,786.80"), ("aov", 46436, "¥464.36"), ("payment_conversion", 0.851667, "85.17%"),
    ("visitor_conversion", 0.008209, "0.82%"), ("roi", 2.906583, "2.91"), ("review_score_avg", 3.719101, "3.72"),
    ("visitors", 311233, "311,233"), ("orders_created", 3000, "3,000"), ("ship_unknown", 0, "0"),
    ("refund_rate", float("nan"), "—"), ("roi", None, "—"),
])
def test_kpis_by_kind(metric, value, shown):
    assert report.show_kpi(metric, value) == shown


def test_every_department_kpi_is_formatted_by_its_kind(demo_run, page):
    dept = {m: v for s, m, v in demo_run.result.kpis.itertuples(index=False) if s == "department"}
    assert dept
    patterns = {"money": r"-?¥\d{1,3}(,\d{3})*\.\d{2}", "count": r"\d{1,3}(,\d{3})*", "rate": r"\d+\.\d{2}%",
                "ratio": r"\d+\.\d{2}", "score": r"\d+\.\d{2}"}
    for metric, value in dept.items():
        definition = kpi.BY_ID[metric]
        shown = report.show_kpi(metric, value)
        if shown == "—":
            continue
        assert re.fullmatch(patterns[definition.kind], shown), (metric, shown)
        assert f"<td>{html_lib.escape(definition.label)}</td><td class=\"n\">{shown}</td>" in page


def test_money_in_the_report_is_yuan_with_separators(demo_run, page):
    totals = sum(p.net_pay for p in demo_run.result.pays)
    assert fmt_yuan(totals) in page and f"{totals / 100:.2f}" not in text_of(page)


def svgs(page: str) -> list[str]:
    return re.findall(r"<svg .*?</svg>", page, re.S)


def test_every_chart_has_a_title_a_unit_and_a_value_axis_with_ticks(page):
    charts = svgs(page)
    assert len(charts) == 12  # teams, attendance, daily paid, rates, provinces, hours: for a wide screen and a phone
    assert sum('class="narrow"' in svg for svg in charts) == 6
    for svg in charts:
        assert re.search(r'<text [^>]*class="ct">[^<]+</text>', svg)
        assert re.search(r'class="unit">单位：[^<]+</text>', svg)
        assert svg.count('class="axis"') == 2
        ticks = re.findall(r'class="grid"></line>\s*<text [^>]*>([^<]+)</text>', svg)
        assert len(ticks) >= 3 and ticks[0].rstrip("%") == "0", ticks
        width, height = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg).groups())
        for x in re.findall(r'<text x="([\d.-]+)"', svg):
            assert 0 <= float(x) <= width


def test_axis_steps_are_round():
    assert report.axis(6, integer=True) == (6, 2)
    assert report.axis(173, integer=True) == (200, 50)
    assert report.axis(79398.75) == (80000, 20000)
    top, step = report.axis(0.94)
    assert round(top, 9) == 1 and round(step, 9) == 0.2
    assert report.axis(0, integer=True) == (5, 1)
    assert [report.tick_text(i * 0.2, 0.2, "rate") for i in range(3)] == ["0%", "20%", "40%"]
    assert report.tick_text(0.015, 0.005, "rate") == "1.5%"


def test_labels_fit_inside_their_charts():
    """The category column is as wide as the longest label; crowded x labels are rotated, the chart grows."""
    long = [("内蒙古自治区", 10), ("新疆维吾尔自治区", 30), ("京", 5)]
    bars = report.bar_chart(long, "订单按省份", "单")
    widest = max(report.text_width(label, report.LABEL_FONT) for label, _ in long)
    assert bars["left"] - 6 - widest >= 0
    assert all(row["tx"] + report.text_width(row["text"], report.TICK_FONT) <= bars["width"] for row in bars["rows"])
    columns = report.column_chart([(f"第{i}个很长的类别", i) for i in range(20)], "测试", "单", "类别")
    assert columns["rotate"] and columns["height"] > 260
    days = report.column_chart([(str(d), d) for d in range(1, 32)], "每日", "单")
    assert not days["rotate"]


def test_score_table_coefficient_times_base_is_the_bonus(demo_run, page):
    rows = re.findall(r'<td class="n coef">([\d.]+)</td><td class="n">¥([\d,.]+)</td><td class="n">¥([\d,.]+)</td>', page)
    assert len(rows) == len(demo_run.result.scores)
    from decimal import Decimal, ROUND_HALF_UP
    for coefficient, base, bonus in rows:
        product = (Decimal(coefficient) * Decimal(base.replace(",", ""))).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert product == Decimal(bonus.replace(",", "")), (coefficient, base, bonus)


def test_charts_for_a_phone_wrap_their_titles_and_thin_their_labels():
    title = "每天的考勤异常人次（按各人排班的出勤日：迟到 + 早退 + 缺卡 + 旷工）"
    pair = report.both(report.column_chart, [(str(d), d % 7) for d in range(1, 32)], title, "人次", "10月日期")
    wide, narrow = pair["wide"], pair["narrow"]
    assert (wide["width"], narrow["width"]) == (report.WIDTH, report.NARROW)
    assert len(wide["title_lines"]) == 1 and len(narrow["title_lines"]) == 2
    assert "".join(t["text"] for t in narrow["title_lines"]).replace(" ", "") == title.replace(" ", "")
    assert all(report.text_width(t["text"], report.TITLE_FONT) <= report.NARROW for t in narrow["title_lines"])
    assert narrow["top"] == report.TITLE_H + report.LINE_H      # the plot moves down under the second line
    assert wide["every"] == 1 and narrow["every"] >= 2 and not narrow["rotate"]   # every other day, level
    step = (narrow["right"] - narrow["left"]) / 31
    assert step * narrow["every"] >= report.text_width("31", report.TICK_FONT) + 4
    bars = report.both(report.bar_chart, [("新疆维吾尔自治区", 30000), ("京", 5)], "订单按省份", "单")["narrow"]
    labels = [t["label"] for t in bars["xticks"]]
    gaps = [b["x"] - a["x"] for a, b in zip(bars["xticks"], bars["xticks"][1:])]
    assert all(gap >= report.text_width(label, report.TICK_FONT) for gap, label in zip(gaps, labels))
