"""Every explanation recomputes: the arithmetic printed, done with the numbers printed, gives the
amount printed to the fen — on the demo and on hypothesis-generated months."""

import csv

from hypothesis import HealthCheck, given, settings

from ecomdept.inputs.master_workbook import write_master
from ecomdept.run.pipeline import run_payroll
from explain_check import checks, failures
from test_workbook_properties import workbooks


def test_the_checker_catches_a_wrong_line():
    assert failures("绩效系数 0.82 × 基数 ¥2,000.00 = ¥1,643.98")
    assert failures("¥29.89 × 3.5 × 2 = ¥209.20")
    assert not failures("¥7,100.00 × 85 分钟 ÷ (18 天 × 450 分钟) = ¥74.51（ABS-01）")
    assert not failures("公积金基数 ¥7,464.22 × 7% = 522.4954 元，四舍五入到元 = ¥522.00")
    assert not failures("¥7,674.48 − 已预扣 ¥6,505.00 = ¥1,169.48")


def all_lines(result):
    return [(pay.employee_id, line) for pay in result.pays for line in pay.lines]


def test_every_demo_explanation_recomputes(demo_run):
    lines = all_lines(demo_run.result)
    checked = sum(1 for _, line in lines for _ in checks(line.explanation))
    bad = [(emp, line.label, f) for emp, line in lines for f in failures(line.explanation)]
    assert not bad, bad[:10]
    assert checked > 200


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
