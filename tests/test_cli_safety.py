"""Every command ends in a Chinese message and an exact exit code; nothing is lost or overwritten."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ecomdept.core.backups import back_up, free_name, stamped
from ecomdept.cli import main
from ecomdept.core.scratch import INTERRUPT_AT, PAUSE_AT, PAUSE_FILE
from waiting import wait_for


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


def interruptible() -> None:
    """In the child before it starts: Ctrl-C as in a terminal, even when the tests themselves were
    started with it ignored (in the background, under nohup)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def payroll_process(sample_path, out, env=None, pdf=True):
    return subprocess.Popen([sys.executable, "-m", "ecomdept", "payroll", "--month", "2026-10", "--workbook",
                             str(sample_path), "--out", str(out), *([] if pdf else ["--no-pdf"])],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=interruptible)


def tagged_env(tmp_path, windows: str) -> tuple[dict, str]:
    """The environment of a run that interrupts itself at ``windows`` (scratch.checkpoint names), with
    a tag that every process it forks inherits, so the test can tell none of them outlived it."""
    tag = f"ecomdept-test-{os.getpid()}-{tmp_path.name}-{windows}"
    env = {**os.environ, "ECOMDEPT_TEST_TAG": tag}
    if windows:
        env[INTERRUPT_AT] = windows
    return env, tag


def processes_tagged(tag: str) -> list[int]:
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if f"ECOMDEPT_TEST_TAG={tag}".encode() in environ.read_bytes().split(b"\0"):
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.rglob("*") if ".tmp" in p.name) if out.exists() else []


# each window of a run, hit on purpose: before the hidden folder exists, right after, while the forked
# writers run, while the PDF workers run, during the final move, and a second Ctrl-C during the cleanup
WINDOWS = ["read", "before-folder", "folder", "writers", "pdf", "commit", "writers,cleanup", "pdf,cleanup"]


@pytest.mark.parametrize("windows", WINDOWS)
def test_ctrl_c_in_every_window_cleans_up_and_exits_130(sample_path, tmp_path, windows):
    out = tmp_path / "out"
    env, tag = tagged_env(tmp_path, windows)
    proc = payroll_process(sample_path, out, env)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130 and "已中断" in err and "Traceback" not in err, (proc.returncode, err)
    assert not leftovers(out) and not (out / "2026-10").exists()
    assert not processes_tagged(tag), "a helper outlived the interrupted run"
    assert not list((out / ".queue").iterdir()) if (out / ".queue").exists() else True


def test_ctrl_c_at_the_final_move_keeps_the_earlier_result(sample_path, tmp_path):
    out = tmp_path / "out"
    first = payroll_process(sample_path, out, pdf=False)
    assert first.wait(timeout=300) == 0
    before = {p.relative_to(out): p.read_bytes() for p in (out / "2026-10").rglob("*") if p.is_file()}
    env, tag = tagged_env(tmp_path, "commit")
    proc = payroll_process(sample_path, out, env)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130 and "Traceback" not in err, err
    after = {p.relative_to(out): p.read_bytes() for p in (out / "2026-10").rglob("*") if p.is_file()}
    assert after == before and not list(out.glob("2026-10.v*")) and not leftovers(out)


@pytest.mark.parametrize("windows", ["written", "commit", "written,cleanup"])
def test_ctrl_c_while_a_workbook_is_written_leaves_none(tmp_path, windows):
    target = tmp_path / "样本.xlsx"
    env, tag = tagged_env(tmp_path, windows)
    done = subprocess.run([sys.executable, "-m", "ecomdept", "sample", "--employees", "5", "--month", "2026-10",
                           "--seed", "1", "-o", str(target)], capture_output=True, text=True, env=env, timeout=300,
                          preexec_fn=interruptible)
    assert done.returncode == 130 and "Traceback" not in done.stderr, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_ledger_write_interrupted_keeps_the_old_file(tmp_path, monkeypatch, request):
    from ecomdept.core import scratch

    path = tmp_path / "发放记录.json"
    path.write_bytes(b"old")
    old_handler = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
    request.addfinalizer(lambda: signal.signal(signal.SIGINT, old_handler))
    monkeypatch.setenv(INTERRUPT_AT, "written")
    with pytest.raises(KeyboardInterrupt):
        scratch.atomic_write(path, b"new")
    assert path.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["发放记录.json"]
    monkeypatch.setenv(INTERRUPT_AT, "commit")
    with pytest.raises(KeyboardInterrupt):
        scratch.atomic_write(path, b"new")
    assert path.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["发放记录.json"]
    monkeypatch.delenv(INTERRUPT_AT)
    scratch.atomic_write(path, b"new")
    assert path.read_bytes() == b"new" and sorted(p.name for p in tmp_path.iterdir()) == ["发放记录.json"]


def test_forked_workers_die_with_a_killed_run(sample_path, tmp_path):
    pause_file = tmp_path / "paused"
    env, tag = tagged_env(tmp_path, "")
    env.update({PAUSE_AT: "writers", PAUSE_FILE: str(pause_file)})  # held while the writers are at work
    proc = payroll_process(sample_path, tmp_path / "out", env)
    wait_for(lambda: pause_file.exists() or proc.poll() is not None, what="the run reaching its writers")
    kids = children_of(proc.pid)
    assert len(kids) >= 2, "the run forked no helpers to check"
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    wait_for(lambda: not [k for k in processes_tagged(tag) if not zombie(k)], what="every helper ending")


def zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


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
