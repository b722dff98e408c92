"""Text a spreadsheet would evaluate stays text in every CSV and xlsx; ordinary text and numbers are untouched."""

import csv
import copy

import openpyxl
import pytest

from ecomdept.run import sample
from ecomdept.inputs.master_workbook import write_master
from ecomdept.run.pipeline import run_payroll
from ecomdept.core.privacy import formula_like, safe_text

HOSTILE = ['=HYPERLINK("http://x","点我")', "+cmd|' /C calc'!A0", "@SUM(A1:A9)", "-2+3", "=1+1", "\t=1", "-A1",
           "-SUM(A1)", "=cmd|'/c calc'!A1"]
ORDINARY = ["-小明", "-8882.00", "+86 138 0000 0000", "小明", "-", "+", "- 备注", "100", "3.5%", "李-四"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formulas_are_recognised(text):
    assert formula_like(text) and safe_text(text) == "'" + text


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_kept(text):
    assert not formula_like(text) and safe_text(text) == text
    assert safe_text(-8882.0) == -8882.0


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inj")
    data = copy.deepcopy(sample.build())
    data["员工"][0][1] = HOSTILE[0]                  # 姓名
    data["员工"][1][1] = "-小明"
    refunds = data["退款"]
    refunds[0][0] = "+cmd|' /C calc'!A0"             # 退款单号
    for row in data["订单"]:
        if row[7]:
            row[7] = "@SUM(A1:A9)"                   # 客服工号 of every order with one
            break
    outcome = run_payroll(write_master(folder / "m.xlsx", data), "2026-10", folder / "out", pdf=False,
                          show_progress=False)
    assert outcome.code == 0, outcome.message
    return outcome


def cells(path):
    with open(path, encoding="utf-8-sig") as handle:
        return [c for row in csv.reader(handle) for c in row]


def test_every_csv_neutralises_formulas(hostile_run):
    folder = hostile_run.month_dir
    seen = {}
    for name in ("payroll.csv", "考勤明细.csv", "退款流程.csv", "kpi.csv"):
        values = cells(folder / name)
        seen[name] = values
        assert not [v for v in values if formula_like(v)], name
    assert "'" + HOSTILE[0] in seen["payroll.csv"] and "-小明" in seen["payroll.csv"]
    assert "'" + HOSTILE[0] in seen["考勤明细.csv"]
    assert "'+cmd|'/Ccalc'!A0" in seen["退款流程.csv"]        # ids are read without their spaces
    assert "'@SUM(A1:A9)" in seen["kpi.csv"]


def test_results_workbook_keeps_the_value_as_quoted_text(hostile_run):
    book = openpyxl.load_workbook(hostile_run.month_dir / "工资表_2026-10.xlsx")
    found = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":              # only the workbook's own totals are formulas
                    assert str(cell.value).startswith("=SUM("), (ws.title, cell.coordinate, cell.value)
                elif isinstance(cell.value, str) and formula_like(cell.value):
                    assert cell.data_type == "s" and cell.quotePrefix, (ws.title, cell.coordinate)
                    found.append(cell.value)
    assert HOSTILE[0] in found                        # the exact name, not "'=HYPERLINK…"
    names = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert "-小明" in names and "'-小明" not in names
