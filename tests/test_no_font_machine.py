"""A machine with no Chinese font (a fresh Debian, a container, a CI runner): the demo still writes every
PDF payslip, in the Noto Sans CJK that pip installs with ecomdept, and leaves no temporary folder.

The system's font folders are hidden by binding an empty folder over them in a private mount namespace
(``unshare -m``, as root), so fontconfig and the known font paths find nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ecomdept.outputs import fonts

HIDDEN = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts",
          Path.home() / ".local" / "share" / "fonts"]


def without_fonts(command: list[str], empty: Path, **kwargs) -> subprocess.CompletedProcess:
    assert shutil.which("unshare") and os.geteuid() == 0, "这项测试需要 root 和 unshare（CI 以 root 运行）"
    binds = " && ".join(f"mount --bind {empty} '{folder}'" for folder in HIDDEN if folder.is_dir())
    script = f"{binds} && exec \"$@\"" if binds else 'exec "$@"'
    return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", *command], capture_output=True, text=True,
                          **kwargs)


def pdf_fonts(path: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def test_demo_on_a_machine_without_a_chinese_font(tmp_path):
    empty, temp, out = tmp_path / "empty", tmp_path / "tmp", tmp_path / "out"
    empty.mkdir(), temp.mkdir()
    probe = without_fonts(["fc-list", ":lang=zh-cn"], empty)
    assert probe.returncode == 0 and probe.stdout.strip() == "", probe.stdout + probe.stderr
    env = {**os.environ, "TMPDIR": str(temp), "ECOMDEPT_FONT": ""}
    run = without_fonts([sys.executable, "-m", "ecomdept", "demo", "--out", str(out)], empty, env=env, cwd=tmp_path,
                        timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    pdfs = sorted((out / "2026-10" / "payslips").glob("*.pdf"))
    assert len(pdfs) == len(list((out / "2026-10" / "payslips").glob("*.html"))) > 0
    for pdf in pdfs:
        embedded = pdf_fonts(pdf)
        assert embedded and all(row[0].split("+", 1)[-1].startswith("NotoSansCJK") for row in embedded), embedded
        assert all(row[-5] == "yes" for row in embedded)  # emb
    text = subprocess.run(["pdftotext", str(pdfs[0]), "-"], capture_output=True, text=True, check=True).stdout
    assert "实发工资" in text
    assert list(temp.iterdir()) == []  # no ecomdept-fonts-* (nor anything else) left in the temp folder


def test_a_system_font_wins_over_the_bundled_one():
    found = fonts.find()
    bundled = {str(path) for path in fonts._bundled_files()}
    assert bundled, "noto-cjk-sans-otc 未安装"
    assert found.faces and not any(face.path in bundled for face in found.faces), found.describe()


def test_the_font_folder_goes_with_the_process(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    code = "from ecomdept.outputs import fonts; f = fonts.find(); import os; assert os.path.isdir(f.folder)"
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert list(tmp_path.iterdir()) == []


def test_the_font_folder_of_a_killed_run_goes_with_the_next_run(tmp_path):
    import signal

    env = {**os.environ, "TMPDIR": str(tmp_path)}
    code = ("from ecomdept.outputs import fonts; import os, sys; f = fonts.find(); print(f.folder, flush=True);"
            " os.kill(os.getpid(), 9)")
    killed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL and Path(killed.stdout.strip()).is_dir()
    subprocess.run([sys.executable, "-c", "from ecomdept.outputs import fonts; fonts.find()"], check=True, env=env)
    assert list(tmp_path.iterdir()) == []
