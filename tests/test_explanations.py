"""Every explanation recomputes: the arithmetic printed, done with the numbers printed, gives the
amount printed to the fen — on the demo and on hypothesis-generated months."""

import csv

from hypothesis import HealthCheck, given, settings

from ecomdept.inputs.master_workbook import write_master
from ecomdept.run.pipeline import run_payroll
from explain_check import checks, failures, page_failures, page_text
from test_workbook_properties import workbooks


def test_the_checker_catches_a_wrong_line():
    assert failures("绩效系数 0.82 × 基数 ¥2,000.00 = ¥1,643.98")
    assert failures("¥29.89 × 3.5 × 2 = ¥209.20")
    assert not failures("¥7,100.00 × 85 分钟 ÷ (18 天 × 450 分钟) = ¥74.51（ABS-01）")
    assert not failures("公积金基数 ¥7,464.22 × 7% = 522.4954 元，四舍五入到元 = ¥522.00")
    assert not failures("¥7,674.48 − 已预扣 ¥6,505.00 = ¥1,169.48")
    # percentages and plain numbers are results too: a ratio printed upside down, a score from other numbers
    assert failures("退款率 实际 10.1% / 目标 15.0% = 达成 149%")
    assert not failures("退款率 目标 15.00% ÷ 实际 10.06% = 达成 149.11%")
    assert failures("加权得分 Σ达成×权重：117 × 0.5 + 150 × 0.2 + 96 × 0.3 = 117.16")
    assert not failures("加权得分 Σ达成×权重：116.72 × 0.5 + 150.00 × 0.2 + 96.00 × 0.3 = 117.16")
    assert failures("已过 294 天 ÷ 365 × 5 天 = 4.13 天")


def test_the_page_checker_reads_cells_and_subtotals():
    page = ('<style>x</style><table><tr><td class="why">¥10.00 × 3 = ¥30.00 <small class="clause">第 1 条 = 2</small>'
            '</td></tr></table><div class="result"><span class="label">应发合计</span><span class="amount">¥31.00'
            '</span><span class="words">叁拾壹元</span><span class="formula">= 小计 ¥30.00 + ¥2.00</span></div>')
    count, bad = page_failures(page)
    assert count == 2 and bad == ["¥31.00 = 小计 ¥30.00 + ¥2.00"]
    assert "第 1 条" not in page_text(page)


def all_lines(result):
    return [(pay.employee_id, line) for pay in result.pays for line in pay.lines]


def test_every_demo_explanation_recomputes(demo_run):
    lines = all_lines(demo_run.result)
    checked = sum(1 for _, line in lines for _ in checks(line.explanation))
    bad = [(emp, line.label, f) for emp, line in lines for f in failures(line.explanation)]
    assert not bad, bad[:10]
    assert checked > 200


def test_every_printed_formula_on_every_demo_slip_recomputes(demo_run):
    """The slips as people read them (the HTML text, every cell, note and subtotal), not the lines behind them."""
    pages = sorted((demo_run.month_dir / "payslips").glob("*.html"))
    assert len(pages) == 30
    total, bad = 0, []
    for page in pages:
        count, wrong = page_failures(page.read_text(encoding="utf-8"))
        total += count
        bad += [(page.stem, w) for w in wrong]
    assert not bad, bad[:10]
    assert total > 400


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=workbooks())
def test_explanations_recompute_on_generated_months(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("ex")
    outcome = run_payroll(write_master(folder / "m.xlsx", data), "2026-10", folder / "out", pdf=False,
                          show_progress=False)
    assert outcome.code == 0, outcome.message
    bad = [(emp, line.label, f) for emp, line in all_lines(outcome.result) for f in failures(line.explanation)]
    assert not bad, bad[:10]
