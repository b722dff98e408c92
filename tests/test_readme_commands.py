"""Every command the README quotes runs as written. Each one is run in a copy of the project (the
README's commands are run from the project folder, with its .venv active as the README says:
``source .venv/bin/activate``, after which ``ecomdept …`` runs directly): the ones that create what
others use first (make demo, demo, excel init), then all the others in the README's order."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from ecomdept.core.runlock import LOCK_NAME

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

COMMAND = re.compile(r"^(\.venv/bin/)?(ecomdept|python3?|make)( |$)")
TEMPLATE = re.compile(r"\[|…|\||YYYY|\b(DIR|PATH|FILE|N|K|M|S)\b|OUT\.xlsx")
# quoted in prose as the name of a command (with an option it is about), not as a command to type
REFERENCES = {"ecomdept payroll", "ecomdept demo", "ecomdept diff", "ecomdept send", "ecomdept import", "ecomdept sample",
              "ecomdept excel init", "ecomdept payroll --no-pdf", "make test", "python", ".venv/bin/python",
              "ecomdept approve"}
INTERACTIVE = {"ecomdept send --month 2026-10 --save-password"}  # asks for the SMTP password at the terminal
CREATES = ("make demo", "ecomdept demo", "ecomdept excel init")
# the documented outcome of a command that does not succeed as written (code, what it must say)
EXPECTED = {"ecomdept send --month 2026-10 --out out": (1, "pdf_password")}  # README 发送工资条 1.: refused unencrypted


def quoted() -> list[str]:
    """The README's commands in order: inline code and the lines of shell code blocks (Windows blocks,
    installs and the load generator of 「在负载下跑测试」 are for other machines or other purposes)."""
    found: list[tuple[int, str]] = []
    blocks = list(re.finditer(r"```(\w*)\n(.*?)```", README, re.S))
    for block in blocks:
        if block.group(1) in ("", "sh"):
            offset = block.start(2)
            for line in block.group(2).splitlines(keepends=True):
                words = shlex.split(line, comments=True)
                if words:
                    found.append((offset, " ".join(words)))
                offset += len(line)
    text = README
    for block in blocks:  # inline code outside the blocks
        text = text[:block.start()] + " " * (block.end() - block.start()) + text[block.end():]
    found += [(m.start(), m.group(1)) for m in re.finditer(r"`([^`\n]+)`", text)]
    commands = []
    for _, command in sorted(found):
        if not COMMAND.match(command) or TEMPLATE.search(command) or "pip install" in command or "-m venv" in command:
            continue
        if command in REFERENCES or command.startswith("python3 -c") or command in commands:
            continue
        commands.append(command)
    return commands


def test_the_readme_quotes_runnable_commands():
    commands = quoted()
    for needed in ("make demo", "ecomdept excel init -o 我的工资.xlsm", "ecomdept diff --out 两个月 2026-09 2026-10",
                   ".venv/bin/python scripts/build_master.py"):
        assert needed in commands, needed


def test_the_lock_and_refusals_are_described_as_they_are():
    assert f"`OUT/{LOCK_NAME}`" in README and ".YYYY-MM.lock" not in README
    assert "--unencrypted" in next(line for line in README.splitlines() if line.startswith("| `ecomdept send"))
    assert "工作簿在本月的输出文件夹 `OUT/YYYY-MM/` 里" in README


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the project folder as a user has it, with this checkout's .venv."""
    folder = tmp_path_factory.mktemp("project")
    for name in ("Makefile", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, folder / name)
    for name in ("scripts", "udfs", "docs"):
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    (folder / ".venv").symlink_to(ROOT / ".venv")
    return folder


def test_every_command_the_readme_quotes_runs_as_written(project):
    env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
           "VIRTUAL_ENV": str(ROOT / ".venv")}
    commands = [c for c in quoted() if c not in INTERACTIVE]
    order = [c for c in commands if c.startswith(CREATES)] + [c for c in commands if not c.startswith(CREATES)]
    for command in order:
        done = subprocess.run(["bash", "-c", command], cwd=project, env=env, capture_output=True, text=True,
                              timeout=900)
        code, says = EXPECTED.get(command, (0, ""))
        assert done.returncode == code, (command, done.stdout[-1500:], done.stderr[-2500:])
        assert says in done.stdout + done.stderr and "Traceback" not in done.stderr, (command, done.stderr[-2500:])
        assert "参数错误" not in done.stderr, (command, done.stderr[-1500:])
