"""Every command ends in a Chinese message and an exact exit code; nothing is lost or overwritten."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ecomdept.core.backups import back_up, free_name, stamped
from ecomdept.cli import main


def children_of(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def payroll_process(sample_path, out):
    return subprocess.Popen([sys.executable, "-m", "ecomdept", "payroll", "--month", "2026-10", "--workbook",
                             str(sample_path), "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


@pytest.mark.parametrize("when", ["starting", "writing"])
def test_ctrl_c_cleans_up_and_exits_130(sample_path, tmp_path, when):
    codes = []
    for attempt in range(3):  # a run may finish between seeing its folder and the signal: then try again
        out = tmp_path / f"out{attempt}"
        proc = payroll_process(sample_path, out)
        deadline = time.monotonic() + 30
        if when == "writing":  # once the hidden folder of the month exists the run is writing its files
            while not list(out.glob(".2026-10.tmp-*")) and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
        else:
            time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        codes.append(proc.returncode)
        assert proc.returncode in (0, 130) and "Traceback" not in err, (proc.returncode, err)
        if proc.returncode == 130:
            assert "已中断" in err
            assert not list(out.glob(".2026-10.tmp-*")) and not (out / "2026-10").exists()
            break
    assert 130 in codes, codes


def test_forked_workers_die_with_a_killed_run(sample_path, tmp_path):
    proc = payroll_process(sample_path, tmp_path / "out")
    deadline = time.monotonic() + 20
    kids = set()
    while time.monotonic() < deadline and proc.poll() is None:
        kids |= children_of(proc.pid)
        if len(kids) >= 2:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(3)
    assert kids, "the run forked no helper to check"
    alive = [k for k in kids if Path(f"/proc/{k}").exists() and "Z" not in Path(f"/proc/{k}/stat").read_text().split()[2]]
    assert not alive


def test_a_workbook_inside_the_month_folder_is_refused(sample_path, tmp_path, capsys):
    month = tmp_path / "out" / "2026-10"
    month.mkdir(parents=True)
    inside = month / "master.xlsx"
    inside.write_bytes(Path(sample_path).read_bytes())
    before = inside.read_bytes()
    code = main(["payroll", "--month", "2026-10", "--workbook", str(inside), "--out", str(tmp_path / "out"), "--no-pdf"])
    err = capsys.readouterr().err
    assert code == 2 and "输出文件夹" in err and inside.read_bytes() == before and inside.exists()
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    assert main(["payroll", "--month", "2026-10", "--workbook", str(sample_path), "--out", str(not_a_folder),
                 "--no-pdf"]) == 2
    assert "不是文件夹" in capsys.readouterr().err


def test_full_disk_and_unwritable_folder_give_a_chinese_message(sample_path, tmp_path, capsys, monkeypatch):
    import errno

    from ecomdept.outputs import records as outputs

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out"))
    monkeypatch.setattr(outputs, "write_payroll_csv", full)
    code = main(["payroll", "--month", "2026-10", "--workbook", str(sample_path), "--out", str(tmp_path / "out"),
                 "--no-pdf"])
    err = capsys.readouterr().err
    assert code == 1 and "磁盘空间不足" in err and "Traceback" not in err
    assert not list((tmp_path / "out").glob(".2026-10.tmp-*")) and not (tmp_path / "out" / "2026-10").exists()


def test_sample_force_keeps_every_earlier_copy(tmp_path, capsys):
    target = tmp_path / "s.xlsx"
    args = ["sample", "--employees", "3", "--month", "2026-10", "--seed", "1", "-o", str(target)]
    assert main(args) == 0
    assert main(args) == 2                                       # exists: refused without --force
    first = target.read_bytes()
    assert main(args[:-2] + ["--seed", "2", "-o", str(target), "--force"]) == 0
    assert main(args[:-2] + ["--seed", "3", "-o", str(target), "--force"]) == 0
    assert (tmp_path / "s.xlsx.bak").read_bytes() == first and (tmp_path / "s.xlsx.bak.1").exists()
    assert main(["sample", "--employees", "3", "-o", str(tmp_path), "--force"]) == 2   # a folder is not a workbook
    assert "是文件夹" in capsys.readouterr().err


def test_backups_never_overwrite(tmp_path):
    path = tmp_path / "a.txt"
    for text in ("1", "2", "3"):
        path.write_text(text)
        back_up(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt.bak", "a.txt.bak.1", "a.txt.bak.2"]
    import datetime as dt
    now = dt.datetime(2026, 12, 2, 10, 0, 0)
    run = tmp_path / "2026-10"
    run.mkdir()
    first = stamped(run, now)
    first.mkdir()
    assert stamped(run, now) == free_name(first) != first   # two backups in the same second


def test_problem_list_is_private_and_goes_when_fixed(tmp_path):
    import copy

    from ecomdept.run import sample
    from ecomdept.inputs.master_workbook import write_master
    from ecomdept.run.pipeline import run_payroll

    data = sample.build(employees=4, orders_per_employee=1)
    bad = copy.deepcopy(data)
    bad["员工"][0][8] = -100                       # a negative base salary blocks the run
    out = tmp_path / "out"
    blocked = run_payroll(write_master(tmp_path / "bad.xlsx", bad), "2026-10", out, pdf=False, show_progress=False)
    problems = out / "数据问题_2026-10.xlsx"
    assert blocked.code == 1 and problems.exists() and problems.stat().st_mode & 0o077 == 0
    fixed = run_payroll(write_master(tmp_path / "good.xlsx", data), "2026-10", out, pdf=False, show_progress=False)
    assert fixed.code == 0 and not problems.exists()


def test_buyer_addresses_reach_the_report_as_provinces_only(tmp_path):
    from ecomdept.run import sample
    from ecomdept.inputs.master_workbook import write_master
    from ecomdept.run.pipeline import run_payroll
    from ecomdept.sales.regions import province_of

    assert province_of("上海市浦东新区张江路 100 号 张三 13800138000") == "上海"
    assert province_of("内蒙古自治区呼和浩特市") == "内蒙古" and province_of("SP") == "SP"
    assert province_of("Rua 7 de Setembro 1234, apto 56") == "其他"
    data = sample.build(employees=4, orders_per_employee=5)
    for row in data["订单"]:
        row[3] = "广东省深圳市南山区科技园 李四 13912345678"
    outcome = run_payroll(write_master(tmp_path / "m.xlsx", data), "2026-10", tmp_path / "out", pdf=False,
                          show_progress=False)
    html = (outcome.month_dir / "report.html").read_text(encoding="utf-8")
    assert "13912345678" not in html and "李四" not in html and "科技园" not in html and "广东" in html
