"""The command line speaks Chinese: help, usage errors (exit 2, one message), reruns, the demo's next steps."""

import re
import shlex
import subprocess
import sys

import pytest

from ecomdept.cli import main

COMMANDS = [[], ["demo"], ["sample"], ["payroll"], ["check"], ["import"], ["import", "punches"],
            ["import", "orders"], ["diff"], ["kpi"], ["excel"], ["excel", "init"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "ecomdept")
def test_help_is_chinese(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(command + ["-h"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for english in ("usage:", "options:", "show this help", "positional arguments", "show program's version"):
        assert english not in text, (command, english)
    assert "用法：" in text and "显示帮助并退出" in text


@pytest.mark.parametrize("argv", [["payroll"], ["payroll", "--bogus"], ["payroll", "--month", "十月", "--workbook", "x"],
                                  ["nosuch"], ["sample", "--employees", "many"]])
def test_usage_errors_exit_2_with_one_chinese_message(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("参数错误") == 1 and "error:" not in err and "the following" not in err


@pytest.mark.parametrize("path", ["/nonexistent/master.xlsx", "/tmp"])
def test_a_missing_workbook_is_a_usage_error_said_once(path, capsys):
    assert main(["payroll", "--month", "2026-10", "--workbook", path, "--out", "/tmp/unused-out"]) == 2
    assert main(["check", "--workbook", path]) == 2
    err = capsys.readouterr().err
    assert err.count(path) == 2 and "Traceback" not in err


def test_a_rerun_says_where_the_previous_result_went(sample_path, tmp_path, capsys):
    args = ["payroll", "--month", "2026-10", "--workbook", str(sample_path), "--out", str(tmp_path), "--no-pdf"]
    assert main(args) == 0
    assert "上一版" not in capsys.readouterr().out
    assert main(args) == 0
    out = capsys.readouterr().out
    moved = next(p for p in tmp_path.iterdir() if p.name.startswith("2026-10.v"))
    assert moved.name == "2026-10.v1"
    assert f"这是 2026-10 的第 2 版；上一版原样保留在 {moved}" in out


def _printed_commands(stdout: str) -> list[str]:
    """The commands of the demo's 下一步 lines, as printed (a line may hold two, one after the other)."""
    steps = stdout.split("下一步：", 1)[1]
    return re.findall(r"([^\s：，]*ecomdept (?:payroll|diff|demo|excel init)[^，（\n]*)", steps)


def test_demo_prints_next_commands_that_run_as_printed(tmp_path):
    run = subprocess.run([sys.executable, "-m", "ecomdept", "demo", "--months", "2", "--out", "out", "--no-pdf"],
                         capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert {"2026-09", "2026-10", "sample_master.xlsx"} <= {p.name for p in (tmp_path / "out").iterdir()}
    assert "activate" in run.stdout
    commands = _printed_commands(run.stdout)
    kinds = [c.split(" ", 2)[1] for c in commands]
    assert kinds == ["payroll", "diff", "excel", "payroll"], commands
    for command in commands:                           # in the order printed, from where the demo ran
        done = subprocess.run(shlex.split(command), capture_output=True, text=True, timeout=600, cwd=tmp_path)
        assert done.returncode == 0, (command, done.stdout[-500:], done.stderr[-2000:])
        if " diff " in command:
            assert "绩效奖金" in done.stdout and "→" in done.stdout


def test_a_one_month_demo_points_to_the_two_month_one(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "o"), "--no-pdf"]) == 0
    commands = _printed_commands(capsys.readouterr().out)
    assert any(c.endswith(f"demo --months 2 --out {tmp_path / 'o'}") for c in commands), commands


@pytest.mark.parametrize("argv, wrong, meant", [
    (["payroll", "--workbok", "x.xlsx"], "--workbok", "--workbook"),
    (["payroll", "--workbook", "x.xlsx", "--no-pfd"], "--no-pfd", "--no-pdf"),
    (["send", "--month", "2026-10", "--dry-rn"], "--dry-rn", "--dry-run"),
    (["--verison"], "--verison", "--version"),
])
def test_a_misspelt_option_is_named_with_the_nearest_one(argv, wrong, meant, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"不认识的选项 {wrong}，您是不是要 {meant}？" in err and "缺少必需的参数" not in err
    assert err.count("参数错误") == 1


def test_the_start_of_an_option_is_still_accepted(sample_path, tmp_path):
    assert main(["payroll", "--work", str(sample_path), "--month", "2026-10", "--out", str(tmp_path), "--no-p"]) == 0


@pytest.mark.parametrize("month", ["2026/10", "2026-1", "202610", "2026-10-01", "2026年10月"])
def test_months_on_the_command_line_are_yyyy_mm_exactly(month, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["payroll", "--workbook", "x.xlsx", "--month", month])
    assert exit_info.value.code == 2
    assert "月份应写作 YYYY-MM" in capsys.readouterr().err


@pytest.mark.parametrize("month", [["--month", "2026-10"], []])
def test_a_csv_given_as_the_workbook_is_said_once(tmp_path, capsys, month):
    path = tmp_path / "打卡.csv"
    path.write_text("工号,打卡时间\nE0001,2026-10-08 08:30\n", encoding="utf-8")
    assert main(["payroll", "--workbook", str(path), "--out", str(tmp_path / "o"), *month]) == 1
    err = capsys.readouterr().err
    assert err.count("不是工作簿") == 1 and "import punches" in err and "无法确定月份" not in err


def test_the_bundled_data_notice_is_said_once_by_payroll_and_check_with_what_to_do(sample_path, tmp_path, capsys):
    assert main(["check", "--workbook", str(sample_path)]) == 0
    out = capsys.readouterr().out
    notices = [line for line in out.splitlines() if "data/cities/shanghai.json" in line]
    assert len(notices) == 1 and "未能从官方通知核实" in notices[0] and "个月没有更新" in notices[0]
    assert "人事不用改工作簿" in notices[0] and "更新这个数据文件" in notices[0]
    assert "警告 1 个" in out
    assert main(["payroll", "--workbook", str(sample_path), "--month", "2026-10", "--out", str(tmp_path), "--no-pdf"]) == 0
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if "data/cities/shanghai.json" in line] == notices
