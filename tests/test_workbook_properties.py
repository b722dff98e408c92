"""Hypothesis-generated workbooks run end to end: payroll.csv's identities hold on every row."""

import csv

from hypothesis import HealthCheck, given, settings, strategies as st

from ecomdept.run import sample
from ecomdept.inputs.master_workbook import write_master
from ecomdept.run.pipeline import run_payroll
from test_end_to_end import check_identities


@st.composite
def workbooks(draw):
    data = sample.build(employees=draw(st.integers(3, 8)), seed=draw(st.integers(0, 10_000)), orders_per_employee=1)
    roster = data["员工"]
    for row in roster:
        row[8] = draw(st.integers(300_000, 6_000_000))                      # 月基本工资 in fen
    ids = [row[0] for row in roster]
    bonus_rows = []
    for emp in draw(st.lists(st.sampled_from(ids), unique=True, max_size=3)):
        bonus_rows.append(["2026-10", emp, draw(st.integers(0, 20_000_000)),
                           draw(st.sampled_from([None, "单独计税", "并入综合所得"])), ""])
    data["年终奖"] = bonus_rows
    choices = {"day_divisor": draw(st.sampled_from(["workdays", "21.75"])),
               "iit_period": draw(st.sampled_from(["pay_month", "work_month"])),
               "penalty_cap_excess": draw(st.sampled_from(["carry", "waive"])),
               "allow_negative_net": "yes"}
    for row in data["规则"]:
        if row[0] in choices:
            row[2] = choices[row[0]]
    return data


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=workbooks())
def test_identities_hold_on_generated_workbooks(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("wb")
    outcome = run_payroll(write_master(folder / "m.xlsx", data), "2026-10", folder / "out", pdf=False,
                          show_progress=False)
    assert outcome.code == 0, outcome.message
    with open(outcome.month_dir / "payroll.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(outcome.result.pays)
    for row in rows:
        check_identities(row)
