"""File names from data: never outside the folder, never invalid, never two that collide (safenames.py)."""

import copy
import os

import pytest

from ecomdept.run import sample
from ecomdept.inputs.master_workbook import write_master
from ecomdept.run.pipeline import run_payroll
from ecomdept.core.safenames import payslip_stem, safe_part, unique

HOSTILE_IDS = ["../../../x", "/abs/dir/x", "DS/001", "..\\..\\win", "C:\\Windows\\x", "a\x00b", "CON", "nul.txt",
               " .hidden. ", "E\u200b1", "E\r\n2", "<>:\"|?*", "..", ".", "", "名" * 80, "AUX", "e0007"]


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_a_part_is_a_plain_bounded_name(value):
    part = safe_part(value)
    assert part and "/" not in part and "\\" not in part and ".." not in part and not part.startswith(".")
    assert not any(ch in part for ch in '<>:"|?*') and all(ord(ch) >= 32 for ch in part)
    assert len(part.encode("utf-8")) <= 120 and part.split(".")[0].upper() not in {"CON", "NUL", "AUX"}
    stem = payslip_stem(value, value)
    assert len(stem.encode("utf-8")) <= 120 and os.path.basename(stem) == stem


def test_names_unique_under_case_folding_and_readable():
    stems = unique([payslip_stem("E0007", "A"), payslip_stem("e0007", "a"), payslip_stem("DS/001", "x"),
                    payslip_stem("DS_001", "x")])
    assert len({s.casefold() for s in stems}) == 4 and stems[0] == "E0007_A" and stems[2] == "DS_001_x"


def test_hostile_roster_writes_every_payslip_inside_the_folder(tmp_path):
    data = copy.deepcopy(sample.build(employees=8, orders_per_employee=1))
    renamed = dict(zip([r[0] for r in data["员工"]], ["../../../x", "/abs/dir/x", "DS/001", "E\u200b1", "CON"]))
    for rows in data.values():                                   # the same ids everywhere they appear
        for row in rows:
            for i, value in enumerate(row):
                if value in renamed:
                    row[i] = renamed[value]
    data["员工"][5][1] = "名" * 80
    data["员工"][6][1] = "a\x00b"
    out = tmp_path / "out"
    outcome = run_payroll(write_master(tmp_path / "m.xlsx", data), "2026-10", out, pdf=True, show_progress=False)
    written = [p for p in tmp_path.rglob("*") if p.suffix in (".html", ".pdf") and p.name != "report.html"]
    folder = (out / "2026-10" / "payslips").resolve()
    assert written and all(p.resolve().parent == folder for p in written)
    assert outcome.code == 0, [str(i) for i in outcome.issues if i.blocking]
    assert len([p for p in written if p.suffix == ".html"]) == len(outcome.result.pays)
