"""Atomic, auditable runs: kill at any moment, one run per month, byte-identical results, privacy."""

import os
import signal
import subprocess
import sys

import pikepdf
import pytest

from ecomdept.run import sample
from ecomdept.cli import main
from ecomdept.inputs.master_workbook import write_master
from ecomdept.run.pipeline import run_payroll
from ecomdept.core.scratch import PAUSE_AT, PAUSE_FILE
from waiting import wait_for

EXPECTED = {"payroll.csv", "run.json", "lines.json", "report.html", "工资表_2026-10.xlsx", "考勤明细.csv", "payslips"}


def complete(folder) -> bool:
    return EXPECTED <= {p.name for p in folder.iterdir()}


@pytest.mark.parametrize("point", ["read", "folder", "writers", "pdf", "commit"])
def test_killed_run_leaves_nothing_complete_looking_and_next_run_succeeds(sample_path, tmp_path, point):
    out = tmp_path / "out"
    pause_file = tmp_path / "paused"
    code = (f"from ecomdept.run.pipeline import run_payroll; "
            f"run_payroll({str(sample_path)!r}, '2026-10', {str(out)!r}, pdf=True, show_progress=False)")
    child = subprocess.Popen([sys.executable, "-c", code],
                             env={**os.environ, PAUSE_AT: point, PAUSE_FILE: str(pause_file)})
    wait_for(lambda: pause_file.exists() or child.poll() is not None, what=f"the run reaching {point}")
    assert child.poll() is None, "the run ended before the point it was to be killed at"
    child.send_signal(signal.SIGKILL)
    child.wait()
    month = out / "2026-10"
    assert not month.exists() or complete(month)  # either absent or the whole thing (rename is atomic)
    again = run_payroll(sample_path, "2026-10", out, pdf=False, show_progress=False)
    assert again.code == 0 and complete(again.month_dir)
    assert not list(out.glob(".2026-10.tmp-*")) and (out / ".ecomdept.lock").read_text() == ""
    assert not list((out / ".queue").iterdir())


HOLD_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, f"{os.getpid()} {sys.argv[2]} here 2026-12-02T10:00:00".encode())
print("held", flush=True)
time.sleep(60)
"""


def test_second_concurrent_run_is_refused(sample_path, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(out / ".ecomdept.lock"), "2026-10"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"   # a live process computes October
        code = main(["payroll", "--month", "2026-10", "--workbook", str(sample_path), "--out", str(out), "--no-pdf"])
        assert code == 1 and "正在由另一个进程" in capsys.readouterr().err
        assert not (out / "2026-10").exists()
    finally:
        holder.kill()
        holder.wait()
    assert run_payroll(sample_path, "2026-10", out, pdf=False, show_progress=False).code == 0  # its lock went with it


def test_an_empty_or_leftover_lock_file_is_not_a_lock(sample_path, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".ecomdept.lock").write_text("")                # a run killed right after creating it
    assert run_payroll(sample_path, "2026-10", out, pdf=False, show_progress=False).code == 0


def test_stale_lock_of_a_dead_run_is_taken_over(sample_path, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (out / ".ecomdept.lock").write_text(f"{dead.pid} 2026-09")
    (out / ".queue").mkdir()
    (out / ".queue" / f"2026-09.{dead.pid}").write_text(f"{dead.pid} 2026-09")
    assert run_payroll(sample_path, "2026-10", out, pdf=False, show_progress=False).code == 0


def test_two_runs_give_byte_identical_payroll_csv(sample_path, tmp_path):
    a = run_payroll(sample_path, "2026-10", tmp_path / "a", pdf=False, show_progress=False)
    b = run_payroll(sample_path, "2026-10", tmp_path / "b", pdf=False, show_progress=False)
    assert (a.month_dir / "payroll.csv").read_bytes() == (b.month_dir / "payroll.csv").read_bytes()
    assert (a.month_dir / "lines.json").read_bytes() == (b.month_dir / "lines.json").read_bytes()


def test_run_json_is_auditable(demo_run):
    import json
    info = json.loads((demo_run.month_dir / "run.json").read_text(encoding="utf-8"))
    assert len(info["input"]["sha256"]) == 64 and len(info["rules_fingerprint"]) == 64
    assert info["statutory_data"]["iit"] == "2019-01-01" and info["statutory_data"]["city:shanghai"] == "2025-07-01"
    assert info["packages"]["pandas"] and info["ecomdept_version"]


def test_run_folder_is_private(demo_run):
    for path in demo_run.month_dir.rglob("*"):
        assert path.stat().st_mode & 0o077 == 0, path


def test_diff_explains_changes(two_months_path, tmp_path, capsys):
    run_payroll(two_months_path, "2026-10", tmp_path, pdf=False, show_progress=False)
    run_payroll(two_months_path, "2026-11", tmp_path, pdf=False, show_progress=False)
    assert main(["diff", "--out", str(tmp_path), "2026-10", "2026-11"]) == 0
    text = capsys.readouterr().out
    assert "E0001" in text and "→" in text and "旷工扣款" in text
    assert main(["diff", "--out", str(tmp_path), "2026-09", "2026-10"]) == 1


def test_pdf_passwords_from_id_numbers(tmp_path):
    data = sample.build(employees=4, orders_per_employee=1)
    for row in data["规则"]:
        if row[0] == "pdf_password":
            row[2] = "id_last6"
    path = write_master(tmp_path / "m.xlsx", data)
    outcome = run_payroll(path, "2026-10", tmp_path / "out", pdf=True, show_progress=False)
    pay = outcome.result.pays[0]
    emp = outcome.result.employees.set_index("employee_id").loc[pay.employee_id]
    pdf = outcome.month_dir / "payslips" / f"{pay.employee_id}_{pay.name}.pdf"
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(pdf)
    for wrong in ("", "000000"):  # neither an empty owner password nor a guess opens it
        with pytest.raises(pikepdf.PasswordError):
            pikepdf.open(pdf, password=wrong)
    password = emp.id_number[-6:]
    with pikepdf.open(pdf, password=password) as opened:
        assert opened.is_encrypted and str(opened.docinfo["/Title"]).startswith(pay.name)
    text = subprocess.run(["pdftotext", "-upw", password, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert pay.name in text


def test_formula_injection_is_neutralised(tmp_path):
    import csv
    data = sample.build(employees=4, orders_per_employee=1)
    data["员工"][0][1] = "=HYPERLINK(\"http://x\",\"点我\")"
    path = write_master(tmp_path / "m.xlsx", data)
    outcome = run_payroll(path, "2026-10", tmp_path / "out", pdf=False, show_progress=False)
    with open(outcome.month_dir / "payroll.csv", encoding="utf-8-sig") as handle:
        names = [r["name"] for r in csv.DictReader(handle)]
    assert names[0].startswith("'=")
    from python_calamine import CalamineWorkbook
    sheet = CalamineWorkbook.from_path(str(outcome.month_dir / "工资表_2026-10.xlsx")).get_sheet_by_name("工资表")
    values = [v for row in sheet.to_python() for v in row]
    assert data["员工"][0][1] in values and not any(str(v).startswith("'=") for v in values)  # quote-prefixed text


def test_frozen_heap_nests_and_thaws():
    import gc

    from ecomdept.core.processes import frozen_heap
    assert gc.get_freeze_count() == 0
    with frozen_heap():
        outer = gc.get_freeze_count()
        with frozen_heap():
            pass
        assert gc.get_freeze_count() >= outer > 0  # the inner block leaves the outer one frozen
    assert gc.get_freeze_count() == 0


def test_without_fork_everything_runs_in_one_process(sample_path, tmp_path, monkeypatch):
    """Windows has no fork: orders, writers and PDF workers run in this process, with the same results."""
    import multiprocessing

    from ecomdept.core import processes
    forked = run_payroll(sample_path, "2026-10", tmp_path / "forked", pdf=False, show_progress=False)
    monkeypatch.setattr(processes, "can_fork", lambda: False)
    monkeypatch.setattr(multiprocessing, "get_context", None)  # any attempt to fork fails loudly
    alone = run_payroll(sample_path, "2026-10", tmp_path / "alone", pdf=True, show_progress=False)
    assert alone.code == 0 and alone.result.kpis is not None
    assert (alone.month_dir / "payroll.csv").read_bytes() == (forked.month_dir / "payroll.csv").read_bytes()
    assert complete(alone.month_dir) and len(list((alone.month_dir / "payslips").glob("*.pdf"))) == 30
