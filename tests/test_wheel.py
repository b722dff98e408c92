"""The product as a user gets it: a wheel built from the source, installed (not editable) into a new
virtual environment, run from a folder outside the source tree. Every command must find its templates,
VBA source, master workbook and data inside the installed package.

The new environment borrows the test environment's third-party packages through a path file (so the
test needs no download), but not its editable ``ecomdept``: the one imported is the wheel's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

IGNORE = shutil.ignore_patterns(".git", ".venv*", "out", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                                ".hypothesis", "tests")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=IGNORE)
    dist = base / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist),
                    str(source)], check=True, capture_output=True, text=True)
    (built,) = dist.glob("ecomdept-*.whl")
    shutil.rmtree(source)
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=False)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True, text=True)
    return python


def run(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "ECOMDEPT_TEMPLATES")}
    return subprocess.run([str(python), "-m", "ecomdept", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900)


def test_the_installed_package_is_the_wheel_not_the_source(installed, tmp_path):
    where = subprocess.run([str(installed), "-c", "import ecomdept; print(ecomdept.__file__)"], cwd=tmp_path,
                           check=True, capture_output=True, text=True).stdout.strip()
    assert Path(where).is_relative_to(installed.parents[1]), where
    assert not Path(where).is_relative_to(ROOT)


def test_demo_from_the_wheel(installed, tmp_path):
    done = run(installed, "demo", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    month = tmp_path / "out" / "2026-10"
    slips = month / "payslips"
    assert len(list(slips.glob("*.pdf"))) == len(list(slips.glob("*.html"))) > 0
    assert (month / "report.html").is_file() and (month / "payroll.csv").is_file()


def test_excel_init_from_the_wheel(installed, tmp_path):
    book = tmp_path / "我的工资.xlsm"
    done = run(installed, "excel", "init", "-o", str(book), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    with zipfile.ZipFile(book) as package:
        assert "xl/vbaProject.bin" in package.namelist()
    assert (tmp_path / "计算工资.cmd").is_file()


def test_the_wheel_carries_every_file_a_command_reads(wheel):
    members = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "udfs" / "ecomdept"
    shipped = [path for path in package.rglob("*") if path.is_file() and "__pycache__" not in path.parts]
    missing = [str(path.relative_to(ROOT / "udfs")) for path in shipped
               if path.relative_to(ROOT / "udfs").as_posix() not in members]
    assert not missing
