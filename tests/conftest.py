"""Shared fixtures: the seeded sample workbook and one full payroll run of it (session-scoped)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ecomdept.run import sample
from ecomdept.run.pipeline import run_payroll

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
GOLDEN = Path(__file__).parent / "golden"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="session")
def sample_path(tmp_path_factory) -> Path:
    return sample.write(tmp_path_factory.mktemp("sample") / "master.xlsx")


@pytest.fixture(scope="session")
def two_months_path(tmp_path_factory) -> Path:
    """The sample's staff with October's and November's punches and requests."""
    from ecomdept.inputs.master_workbook import write_master

    return write_master(tmp_path_factory.mktemp("two") / "master.xlsx", sample.build(months=2),
                        month=sample.DEFAULT_MONTH)


@pytest.fixture(scope="session")
def demo_run(sample_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    outcome = run_payroll(sample_path, sample.DEFAULT_MONTH, out, pdf=True, show_progress=False)
    assert outcome.code == 0, outcome.message
    return outcome


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE_GOLDEN or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} 与金标准不同；确认无误后用 UPDATE_GOLDEN=1 刷新"
