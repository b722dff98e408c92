"""The command line speaks Chinese: help, usage errors (exit 2, one message), reruns, the demo's next steps."""

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
    for english in ("usage:", "options:", "show this help", "positional arguments"):
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


def test_demo_prints_the_next_commands(tmp_path):
    run = subprocess.run([sys.executable, "-m", "ecomdept", "demo", "--out", str(tmp_path), "--no-pdf"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "下一步" in run.stdout and "ecomdept payroll --workbook" in run.stdout and "activate" in run.stdout
