"""Period integrity: the month the data is about, and no negative pay (period.py)."""

import os
import datetime as dt
import subprocess
import sys

from ecomdept.run import sample
from ecomdept.inputs.master_workbook import write_master
from ecomdept.run.pipeline import run_payroll
from ecomdept.core.scratch import PAUSE_AT, PAUSE_FILE
from waiting import wait_for


def test_a_run_for_the_wrong_month_is_refused(sample_path, tmp_path):
    out = tmp_path / "out"
    outcome = run_payroll(sample_path, "2026-09", out, pdf=False, show_progress=False)
    assert outcome.code == 1 and outcome.month_dir is None
    wrong = [i for i in outcome.issues if i.blocking and i.sheet == "打卡"]
    assert len(wrong) == 1 and "2026-10（" in wrong[0].message and "选错了月份" in wrong[0].message
    assert not (out / "2026-09").exists() and not list(out.rglob("*.html"))
    cli = subprocess.run([sys.executable, "-m", "ecomdept", "payroll", "--month", "2026-09", "--workbook",
                          str(sample_path), "--out", str(tmp_path / "cli"), "--no-pdf"], capture_output=True, text=True)
    assert cli.returncode == 1 and "2026-10" in cli.stderr


def _negative_workbook(tmp_path, allow: bool):
    data = sample.build()
    rules = data["规则"]
    for row in rules:
        if row[0] == "pension_rate":
            row[2] = "0.8"       # meant 8%, typed 80%: every net goes negative
        if row[0] == "allow_negative_net" and allow:
            row[2] = "yes"
    return write_master(tmp_path / f"neg{allow}.xlsx", data, month=sample.DEFAULT_MONTH)


def test_negative_net_pay_blocks_the_run_by_default(tmp_path):
    outcome = run_payroll(_negative_workbook(tmp_path, False), "2026-10", tmp_path / "out", pdf=False,
                          show_progress=False)
    assert outcome.code == 1 and outcome.month_dir is None
    negative = [i for i in outcome.issues if i.blocking and "实发工资为" in i.message]
    assert negative and all(i.sheet == "员工" and i.row for i in negative)


def test_negative_net_pay_allowed_by_the_rule_is_an_alert(tmp_path):
    outcome = run_payroll(_negative_workbook(tmp_path, True), "2026-10", tmp_path / "out", pdf=False,
                          show_progress=False)
    assert outcome.code == 0
    assert any(a.kind == "实发为负" for a in outcome.result.alerts)
    assert any(not i.blocking and "allow_negative_net = yes" in i.message for i in outcome.issues)


def _three_months(tmp_path):
    return write_master(tmp_path / "three.xlsx", sample.build(month="2026-09", months=3), month="2026-09")


def test_rerunning_october_after_november_reports_november_stale(tmp_path, capsys):
    import json

    from ecomdept.cli import main

    path = _three_months(tmp_path)
    out = tmp_path / "out"
    for month in ("2026-09", "2026-10", "2026-11"):
        assert run_payroll(path, month, out, pdf=False, show_progress=False).code == 0
    info = json.loads((out / "2026-11" / "run.json").read_text(encoding="utf-8"))
    assert set(info["ytd_runs_sha256"]) == {"2026-09", "2026-10"}
    same = run_payroll(path, "2026-10", out, pdf=False, show_progress=False)
    assert same.code == 0 and same.stale == []        # the same October: November still matches it
    data = sample.build(month="2026-09", months=3)
    for row in data["员工"][:3]:
        row[8] += 50000                                # raise three base salaries by 500
    changed = write_master(tmp_path / "changed.xlsx", data, month="2026-09")
    capsys.readouterr()
    assert main(["payroll", "--month", "2026-10", "--workbook", str(changed), "--out", str(out), "--no-pdf"]) == 0
    assert "2026-11" in capsys.readouterr().err
    info = json.loads((out / "2026-10" / "run.json").read_text(encoding="utf-8"))
    assert info["stale_later_runs"] == ["2026-11"]
    again = run_payroll(changed, "2026-09", out, pdf=False, show_progress=False)
    assert again.stale == ["2026-10", "2026-11"]
    assert any(a.kind == "结果过期" for a in again.result.alerts)


def test_months_run_in_parallel_equal_months_run_in_order(tmp_path):
    path = _three_months(tmp_path)
    months = ("2026-09", "2026-10", "2026-11")
    for month in months:
        assert run_payroll(path, month, tmp_path / "in_order", pdf=False, show_progress=False).code == 0
    # started together: each is held right after joining the queue until all three have joined
    pauses = {m: tmp_path / f"paused-{m}" for m in months}
    procs = [subprocess.Popen([sys.executable, "-m", "ecomdept", "payroll", "--month", m, "--workbook", str(path),
                               "--out", str(tmp_path / "parallel"), "--no-pdf"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, env={**os.environ, PAUSE_AT: "read", PAUSE_FILE: str(pauses[m])})
             for m in reversed(months)]
    wait_for(lambda: all(p.exists() for p in pauses.values()) or any(p.poll() is not None for p in procs),
             what="all three runs joining the queue")
    for pause in pauses.values():
        pause.unlink()
    for proc in procs:
        assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
    for month in months:
        assert ((tmp_path / "parallel" / month / "payroll.csv").read_bytes()
                == (tmp_path / "in_order" / month / "payroll.csv").read_bytes()), month


def test_a_wrong_month_comes_alone_with_what_follows_from_it_folded(sample_path, tmp_path, capsys):
    from ecomdept.cli import main

    capsys.readouterr()
    assert main(["payroll", "--month", "2026-11", "--workbook", str(sample_path), "--out", str(tmp_path / "o"),
                 "--no-pdf"]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert err[0].startswith("[错误]") and "选错了月份" in err[0] and "--month 2026-10" in err[0]
    assert err[1].startswith("  └ 由此引起的") and "实发工资为负 " in err[1]
    assert not any("allow_negative_net" in line for line in err)      # advice that would pay a wrong month
    assert sum(line.startswith("[错误]") for line in err) == 1
    assert "发现 1 个阻断性数据问题（另有" in err[-1]
    import openpyxl                                                     # the sheet keeps them all, under their root
    ws = openpyxl.load_workbook(tmp_path / "o" / "数据问题_2026-11.xlsx")["数据问题"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert "选错了月份" in rows[0][4] and not rows[0][5]
    followers = [r for r in rows if r[5]]
    assert len(followers) >= 29 and all("计算月份与打卡所在的月份不符" in r[5] for r in followers)


def test_a_person_without_punches_explains_their_own_negative_pay():
    from ecomdept.core.issues import ERROR, Issue, fold, in_reading_order

    issues = fold([Issue("员工", 3, None, "E1 实发为负", ERROR, code="negative_net", employee_id="E1"),
                   Issue("员工", 4, None, "E2 实发为负", ERROR, code="negative_net", employee_id="E2"),
                   Issue("员工", 3, "考勤号", "E1 没有打卡", ERROR, code="no_punches", employee_id="E1")])
    ordered = in_reading_order(issues)
    assert [(i.message, [c.message for c in children]) for i, children in ordered] == [
        ("E2 实发为负", []), ("E1 没有打卡", ["E1 实发为负"])]


def test_without_month_nor_calculation_month_the_punches_month_is_computed(sample_path, tmp_path, capsys):
    from ecomdept.cli import main

    capsys.readouterr()
    assert main(["payroll", "--workbook", str(sample_path), "--out", str(tmp_path / "o"), "--no-pdf"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("月份 2026-10：") and "打卡在 2026-10" in out
    assert (tmp_path / "o" / "2026-10" / "payroll.csv").exists()


def test_the_punches_month_is_the_latest_that_has_ended():
    import pandas as pd

    from ecomdept.run.period import punch_month

    stamps = pd.Series(pd.to_datetime(["2026-09-03 08:00"] * 50 + ["2026-10-08 08:00"] * 60
                                      + ["2026-11-01 05:59"] * 2 + ["2026-11-02 08:00"] * 3))
    assert punch_month(stamps, dt.date(2026, 12, 2))[0] == "2026-10"   # 2 + 3 night-shift strays in November
    assert punch_month(stamps, dt.date(2026, 10, 20))[0] == "2026-09"  # October has not ended yet
    assert punch_month(stamps, dt.date(2025, 1, 1))[0] == "2026-10"    # none ended: the latest
    assert punch_month(pd.Series([], dtype="datetime64[ns]"), dt.date(2026, 12, 2)) is None


def test_problems_without_a_kind_are_all_printed():
    from ecomdept.core.issues import ERROR, WARNING, Issue, in_reading_order

    issues = [Issue("员工", 2, None, "甲", ERROR), Issue("规则", None, None, "乙", WARNING),
              Issue("打卡", None, None, "丙", ERROR, code="wrong_month")]
    assert [i.message for i, _ in in_reading_order(issues)] == ["甲", "丙", "乙"]
