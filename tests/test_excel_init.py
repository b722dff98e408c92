"""ecomdept excel init: the user's own master workbook, whose xlwings.conf names this Python, and the
two launchers beside it for WPS and machines without Excel."""

import os
import shutil
import stat
import subprocess
import sys
import zipfile

import pytest
from python_calamine import CalamineWorkbook

from conftest import ROOT
from ecomdept import cli
from ecomdept.run import sample
from ecomdept.excel import master, udf_module, vba_project
from ecomdept.excel.workbook import last_month, readme_month

BOOK = "我的工资.xlsm"


@pytest.fixture(scope="module")
def initialised(tmp_path_factory):
    folder = tmp_path_factory.mktemp("init")
    assert cli.main(["excel", "init", "-o", str(folder / BOOK)]) == 0
    return folder


def conf_of(path) -> dict[str, str]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("xlwings.conf").to_python()
    return {key: value for key, value in rows}


def test_the_conf_sheet_names_the_running_interpreter(initialised):
    conf = conf_of(initialised / BOOK)
    python = master.interpreter()
    assert os.path.samefile(python, sys.executable)
    keys = master.INTERPRETER_KEYS.get(sys.platform, ["Interpreter_Win", "Interpreter_Mac"])
    assert {k: conf[k] for k in keys} == dict.fromkeys(keys, python)
    assert conf["UDF Modules"] == "ecomdept.excel.functions"
    assert all(value != "" for value in conf.values())  # an empty value would override the add-in's setting


def test_the_conf_sheet_lets_that_interpreter_import_this_ecomdept(initialised, tmp_path):
    """With the conf's PYTHONPATH (present only when needed), the conf's interpreter imports the
    ecomdept of this checkout — the way xlwings starts it: its environment's own sys.path plus PYTHONPATH."""
    conf = conf_of(initialised / BOOK)
    python = conf.get("Interpreter_Win") or conf["Interpreter_Mac"]
    if "PYTHONPATH" in conf:
        assert conf["PYTHONPATH"] == str(ROOT / "udfs")
    probe = "import sys; sys.path[0:0] = sys.argv[1:]; import ecomdept; print(ecomdept.__file__)"
    run = subprocess.run([python, "-E", "-c", probe, *([conf["PYTHONPATH"]] if "PYTHONPATH" in conf else [])],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert os.path.samefile(run.stdout.strip(), ROOT / "udfs" / "ecomdept" / "__init__.py")


def test_a_python_without_ecomdept_gets_the_package_folder_as_pythonpath():
    assert master.pythonpath_for("/usr/bin/python3") == str(ROOT / "udfs")  # Debian's python, no ecomdept
    assert master.pythonpath_for(str(ROOT / "no-such-python")) == str(ROOT / "udfs")


def test_conf_rows_are_per_system_and_never_empty():
    assert master.conf_rows("C:\\Py\\python.exe", None, "win32") == [
        ["UDF Modules", "ecomdept.excel.functions"], ["Interpreter_Win", "C:\\Py\\python.exe"],
        ["Show Console", "False"]]
    mac = master.conf_rows("/Users/a/.venv/bin/python", "/Users/a/ecomdept/udfs", "darwin")
    assert ["Interpreter_Mac", "/Users/a/.venv/bin/python"] in mac and ["PYTHONPATH", "/Users/a/ecomdept/udfs"] in mac
    assert not any(key.startswith("Interpreter_Win") for key, _ in mac)
    assert [key for key, _ in master.conf_rows()] == ["UDF Modules", "Show Console"]  # the repository's sample


def test_init_output_opens_in_libreoffice_with_the_interpreter_in_its_conf(initialised, tmp_path):
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) 未安装：.ci/run 会安装 libreoffice-calc"
    run = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--norestore",
                          "--convert-to", "xlsx", "--outdir", str(tmp_path / "out"), str(initialised / BOOK)],
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    converted = tmp_path / "out" / "我的工资.xlsx"
    book = CalamineWorkbook.from_path(str(converted))
    assert {"说明", "员工", "打卡", "xlwings.conf"} <= set(book.sheet_names)
    assert len(book.get_sheet_by_name("员工").to_python()) == 31
    assert master.interpreter() in conf_of(converted).values()


def test_same_sheets_buttons_and_vba_as_the_committed_master(initialised):
    mine, committed = initialised / BOOK, ROOT / "udfs" / "ecomdept" / "workbook" / "master.xlsm"
    a, b = CalamineWorkbook.from_path(str(mine)), CalamineWorkbook.from_path(str(committed))
    assert a.sheet_names == b.sheet_names
    for name in a.sheet_names:
        if name != "xlwings.conf":
            assert a.get_sheet_by_name(name).to_python() == b.get_sheet_by_name(name).to_python(), name
    with zipfile.ZipFile(mine) as x, zipfile.ZipFile(committed) as y:
        assert x.read("xl/vbaProject.bin") == y.read("xl/vbaProject.bin")
        assert x.read("xl/drawings/vmlDrawing1.vml") == y.read("xl/drawings/vmlDrawing1.vml")  # the buttons


def test_windows_launcher(initialised):
    data = (initialised / master.WINDOWS_LAUNCHER).read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")  # a BOM would break "@echo off"
    assert data.count(b"\n") == data.count(b"\r\n") > 10  # CRLF only
    text = data.decode("utf-8")
    lines = text.split("\r\n")
    assert lines[:2] == ["@echo off", "chcp 65001 >nul"]
    assert f'set "PYTHON={master.interpreter()}"' in lines
    # the workbook is found beside the script (%~dp0. — a trailing backslash would escape the quote)
    assert f'"%PYTHON%" -m ecomdept.excel.launcher "%~dp0." "{BOOK}"' in lines
    assert f'if "%CODE%"=="0" start "" "%~dp0{master.OUTPUT_FOLDER}"' in lines
    # no Python at the recorded path, or one without ecomdept: said, with what to do, before anything runs
    assert lines.index('if not exist "%PYTHON%" goto nopython') < lines.index('"%PYTHON%" -c "import ecomdept" >nul 2>&1')
    assert lines.index("if errorlevel 1 goto noecomdept") < lines.index(
        f'"%PYTHON%" -m ecomdept.excel.launcher "%~dp0." "{BOOK}"')
    after = lines[lines.index(":nopython"):]
    assert after[1].startswith('echo 找不到 Python："%PYTHON%"') and "python.org" in after[2] and "Add python.exe to PATH" in after[2]
    assert any(l.startswith('echo 这个 Python 里没有 ecomdept') for l in lines)
    assert lines[-4:] == ["echo.", "pause", "exit /b %CODE%", ""]  # the window stays open, whatever happened
    labels = {l[1:] for l in lines if l.startswith(":")}
    assert {t.split()[-1] for t in lines if t.startswith(("goto ", "if ")) and "goto" in t} <= labels


def test_windows_launcher_escapes_percent_signs():
    text = master.windows_launcher("100%工资.xlsm", r"C:\Py%3\python.exe", None).decode("utf-8")
    assert r'set "PYTHON=C:\Py%%3\python.exe"' in text and '"%~dp0." "100%%工资.xlsm"' in text
    assert "PYTHONPATH" not in text


def run_mac_launcher(launcher, tmp_path, answer: str | None = None):
    """The .command run with bash as Finder would run it, with a stand-in for macOS' open; ``answer`` is
    what the person types (None: nobody at the keyboard)."""
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    (fake / "open").write_text(f'#!/bin/sh\necho "$@" > {tmp_path / "opened"}\n')
    (fake / "open").chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)  # the launcher must bring its own
    return subprocess.run([str(launcher)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          input=answer if answer is not None else "")


def test_mac_launcher_is_executable_and_runs_the_payroll(initialised, tmp_path):
    launcher = initialised / master.MAC_LAUNCHER
    mode = launcher.stat().st_mode
    assert mode & stat.S_IXUSR
    text = launcher.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/bash\n") and "\r" not in text
    assert master.interpreter() in text
    run = run_mac_launcher(launcher, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    out = initialised / master.OUTPUT_FOLDER
    assert f"月份 {sample.DEFAULT_MONTH}：取自工作簿「说明」表的 计算月份" in run.stdout
    assert (out / sample.DEFAULT_MONTH / "payroll.csv").is_file()
    assert (tmp_path / "opened").read_text().strip() == str(out)
    assert f"完成：{sample.DEFAULT_MONTH} 的工资表、工资条与报告在 {out / sample.DEFAULT_MONTH}" in run.stdout
    assert run.stdout.rstrip().endswith("按回车键关闭窗口。")  # the window waits


def test_mac_launcher_computes_a_renamed_workbook(initialised, tmp_path):
    folder = tmp_path / "工资"
    folder.mkdir()
    shutil.copy(initialised / BOOK, folder / "十月工资.xlsm")
    shutil.copy(initialised / master.MAC_LAUNCHER, folder / master.MAC_LAUNCHER)
    run = run_mac_launcher(folder / master.MAC_LAUNCHER, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"没有找到 {BOOK}，计算旁边唯一的工作簿 十月工资.xlsm" in run.stdout
    assert (folder / master.OUTPUT_FOLDER / sample.DEFAULT_MONTH / "payroll.csv").is_file()


@pytest.mark.parametrize("python, said", [
    ("/no/such/python3", "找不到 Python：/no/such/python3（excel init 时记下的 Python，已被卸载或移动）。"),
    ("/usr/bin/python3", "这个 Python 里没有 ecomdept：/usr/bin/python3。")])
def test_mac_launcher_names_a_missing_python_or_ecomdept(tmp_path, python, said):
    launcher = tmp_path / master.MAC_LAUNCHER
    launcher.write_bytes(master.mac_launcher(BOOK, python, None))
    launcher.chmod(0o755)
    run = run_mac_launcher(launcher, tmp_path)
    assert run.returncode == 127
    lines = run.stdout.splitlines()
    assert lines[0] == said
    assert "ecomdept excel init 重新生成本文件" in lines[1] and "README 的「macOS」一节" in lines[1]
    assert ("python.org" in lines[1]) is python.startswith("/no/")
    assert run.stdout.rstrip().endswith("按回车键关闭窗口。") and not (tmp_path / "opened").exists()


def test_existing_files_are_kept_unless_forced_then_backed_up(tmp_path, capsys):
    book = tmp_path / BOOK
    book.write_bytes(b"old book")
    assert cli.main(["excel", "init", "-o", str(book)]) == cli.EXIT_USAGE
    assert book.read_bytes() == b"old book" and not (tmp_path / master.WINDOWS_LAUNCHER).exists()
    assert "目标文件已存在" in capsys.readouterr().err
    assert cli.main(["excel", "init", "-o", str(book), "--force"]) == 0
    assert (tmp_path / (BOOK + ".bak")).read_bytes() == b"old book"
    assert zipfile.is_zipfile(book)
    assert cli.main(["excel", "init", "-o", str(book), "--force"]) == 0
    assert (tmp_path / (master.MAC_LAUNCHER + ".bak")).is_file()


def test_output_must_be_an_xlsm_file(tmp_path, capsys):
    assert cli.main(["excel", "init", "-o", str(tmp_path)]) == cli.EXIT_USAGE
    assert "是文件夹" in capsys.readouterr().err
    assert cli.main(["excel", "init", "-o", str(tmp_path / "工资.xlsx")]) == cli.EXIT_USAGE
    assert ".xlsm" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(SystemExit) as exc:
        cli.main(["excel", "init"])
    assert exc.value.code == cli.EXIT_USAGE


def test_without_xlwings_init_explains_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(vba_project.importlib.util, "find_spec", lambda name: None)
    assert cli.main(["excel", "init", "-o", str(tmp_path / BOOK)]) == cli.EXIT_DATA
    assert "找不到 xlwings" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_without_the_generator_init_uses_the_packaged_functions_module(tmp_path, monkeypatch, capsys):
    def broken(book_name, python=None):
        raise udf_module.UdfModuleError("xlwings 生成 ED_ 函数的 VBA 模块失败：测试")

    monkeypatch.setattr(udf_module, "generate", broken)
    assert cli.main(["excel", "init", "-o", str(tmp_path / BOOK)]) == 0
    assert "[提示] xlwings 生成 ED_ 函数的 VBA 模块失败：测试；ED_ 函数的 VBA 模块用了安装包里的版本" in capsys.readouterr().err
    with zipfile.ZipFile(tmp_path / BOOK) as z, zipfile.ZipFile(master.MASTER_XLSM) as m:
        assert z.read("xl/vbaProject.bin") == m.read("xl/vbaProject.bin")


def test_payroll_takes_the_month_from_the_workbook_when_omitted(initialised, tmp_path, capsys):
    assert cli.main(["payroll", "--workbook", str(initialised / BOOK), "--out", str(tmp_path), "--no-pdf"]) == 0
    assert (tmp_path / sample.DEFAULT_MONTH / "payroll.csv").is_file()
    assert f"月份 {sample.DEFAULT_MONTH}" in capsys.readouterr().out


def test_readme_month_and_last_month():
    import datetime as dt

    assert readme_month([["标题"], ["计算月份", "2026-10"]]) == "2026-10"
    assert readme_month([["计算月份", dt.datetime(2026, 3, 1)]]) == "2026-03"
    assert readme_month([["标题"], ["计算月份", ""]]) is None
    assert last_month(dt.date(2026, 1, 15)) == "2025-12"


def test_python_dash_m_ecomdept(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "udfs")}
    run = subprocess.run([sys.executable, "-m", "ecomdept", "--version"], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.startswith("ecomdept "), run.stderr
