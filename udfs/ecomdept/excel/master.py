"""The master workbook with buttons and VBA: the packaged sample (``ecomdept/workbook/master.xlsm``, whose
xlwings.conf carries no machine paths) and the user's own copy (``ecomdept excel init``), whose
xlwings.conf names the Python that made it, with two launchers beside it for WPS and machines
without Excel (xlwings drives Microsoft Excel only): ``计算工资.cmd`` (Windows) and
``计算工资.command`` (macOS) check that Python, then run ``python -m ecomdept.excel.launcher``, i.e.
``ecomdept payroll`` on the workbook beside them (see ``launcher``).

The VBA sources, ``ecomdept/workbook/vba/Buttons.bas`` and the worksheet functions' wrappers
``xlwings_udfs.bas`` (``udf_module``), are package data like the templates (see
``ecomdept.core.resources``); the VBA project around them is xlwings' own (``vba_project``).
"""

from __future__ import annotations

import ast
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from ecomdept.core.resources import package_file

from . import udf_module, vba_project
from .launcher import OUTPUT_FOLDER  # beside the workbook, as the 生成工资条 button writes

BUTTONS_BAS = package_file("workbook", "vba", "Buttons.bas")
THIS_WORKBOOK_CLS = package_file("workbook", "vba", "ThisWorkbook.cls")  # keeps the 数据版本 current
WORKBOOK_MODULE = "ThisWorkbook"
MASTER_XLSM = package_file("workbook", "master.xlsm")
PACKAGE_DIR = Path(__file__).resolve().parents[1]  # …/ecomdept
BUTTONS = [("校验数据", "ValidateData"), ("计算考勤", "ComputeAttendance"), ("计算工资", "ComputePayroll"),
           ("生成工资条", "MakePayslips"), ("导入打卡", "ImportPunches"), ("导入订单", "ImportOrders"),
           ("发送工资条", "SendPayslips"), ("审批工资", "ApprovePayroll")]
UDF_MODULES = "ecomdept.excel.functions"
WINDOWS_LAUNCHER, MAC_LAUNCHER = "计算工资.cmd", "计算工资.command"
INTERPRETER_KEYS = {"win32": ["Interpreter_Win"], "darwin": ["Interpreter_Mac"]}


def _vba_source(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise vba_project.VbaProjectError(f"找不到 VBA 源码 {path}：ecomdept 安装不完整，请重新安装（pip install --force-reinstall ecomdept）") from None


def buttons_source() -> str:
    return _vba_source(BUTTONS_BAS)


def workbook_source() -> str:
    return _vba_source(THIS_WORKBOOK_CLS)


def build(out: str | Path, conf: list[list[str]] | None = None, modules: dict[str, str] | None = None,
          udfs: str | None = None) -> Path:
    """The master workbook with sample data, 计算月份 and the buttons on 说明, and the VBA project:
    xlwings' with its user module's source replaced by Buttons.bas, ThisWorkbook's by ThisWorkbook.cls
    (which keeps the 数据版本 on 说明 current; ``modules`` replaces more, by
    module name: the LibreOffice test swaps a RunPython stub in for the xlwings module) and the module
    ``xlwings_udfs`` added: ``udfs``, the text of ``udf_module.generate``, by default the one stored in
    the package."""
    from ecomdept.run import sample
    from ecomdept.inputs.master_workbook import write_master

    vba = vba_project_bytes(modules, udfs)
    return write_master(out, sample.build(), title="电商部主工作簿（示例数据）", month=sample.DEFAULT_MONTH,
                        buttons=BUTTONS, vba_project=vba, conf=conf if conf is not None else conf_rows(),
                        data_version=True)


def vba_project_bytes(modules: dict[str, str] | None = None, udfs: str | None = None) -> bytes:
    """The master workbook's vbaProject.bin (see ``build``)."""
    try:
        text = udfs if udfs is not None else udf_module.stored()
    except udf_module.UdfModuleError as exc:
        raise vba_project.VbaProjectError(str(exc)) from None
    return vba_project.build({vba_project.USER_MODULE: buttons_source(), WORKBOOK_MODULE: workbook_source(),
                              **(modules or {})}, added={udf_module.MODULE_NAME: text})


def conf_rows(python: str | None = None, pythonpath: str | None = None, platform: str = sys.platform
              ) -> list[list[str]]:
    """The xlwings.conf sheet. xlwings reads column A down to the first empty cell, and a key present
    with an empty value overrides the add-in's own setting: only keys with a value are written.
    The interpreter goes under the key of this system's Excel (Interpreter_Win on Windows,
    Interpreter_Mac on macOS; both elsewhere, where no Excel runs). A PYTHONPATH must be absolute:
    xlwings puts it on sys.path as given, relative to the Python process, not to the workbook."""
    rows = [["UDF Modules", UDF_MODULES]]
    if python:
        rows += [[key, python] for key in INTERPRETER_KEYS.get(platform, ["Interpreter_Win", "Interpreter_Mac"])]
    if pythonpath:
        rows.append(["PYTHONPATH", pythonpath])
    rows.append(["Show Console", "False"])
    return rows


def interpreter() -> str:
    """The running Python, as Excel and the launchers should start it: python.exe rather than
    pythonw.exe (xlwings' own ``xlwings config create`` writes the console interpreter too), and not
    resolved through links — a virtual environment's python must stay the environment's."""
    if not sys.executable:
        raise vba_project.VbaProjectError("无法确定当前 Python 解释器的路径（sys.executable 为空）")
    exe = Path(os.path.abspath(sys.executable))
    console = exe.with_name("python.exe")
    if exe.name.lower() == "pythonw.exe" and console.exists():
        return str(console)
    return str(exe)


def pythonpath_for(python: str) -> str | None:
    """The folder to add to ``python``'s sys.path so that it imports this ecomdept; None when it
    already does on its own (installed, an editable install included). Asked of ``python`` itself,
    started with -E (no PYTHONPATH from this shell) in an empty folder."""
    probe = "import importlib.util as u; s = u.find_spec('ecomdept'); print(ascii(s.origin if s else None))"
    with tempfile.TemporaryDirectory() as empty:
        try:
            run = subprocess.run([python, "-E", "-c", probe], cwd=empty, capture_output=True, text=True,
                                 timeout=120)
            origin = ast.literal_eval(run.stdout.strip()) if run.returncode == 0 else None
        except (OSError, subprocess.TimeoutExpired, ValueError, SyntaxError):
            origin = None
    if origin and Path(origin).resolve().parent == PACKAGE_DIR:
        return None
    return str(PACKAGE_DIR.parent)


PYTHON_MISSING = ("请安装 Python 3.11 或更新版本（https://www.python.org/downloads/{extra}），再按 README 的"
                  "{section}装好 ecomdept，然后运行 ecomdept excel init 重新生成本文件。")
ECOMDEPT_MISSING = "请按 README 的{section}在这个 Python 里重新安装 ecomdept，再运行 ecomdept excel init 重新生成本文件。"


def windows_launcher(book_name: str, python: str, pythonpath: str | None) -> bytes:
    """计算工资.cmd: UTF-8 with CRLF line ends; ``chcp 65001`` first so cmd reads the rest as UTF-8.
    The workbook and the output folder are found beside the script (%~dp0: the folder may be moved as
    a whole, the workbook renamed); ``ecomdept.excel.launcher`` does the rest. The window stays open
    at the end whatever happened, and says what failed: no Python at the recorded path (how to install
    it), a Python without ecomdept, or what the launcher reports."""
    def value(text: str) -> str:  # inside "…" on a command line or in set "NAME=…": only % is special
        return text.replace("%", "%%")

    section = "「Windows 第一次安装」一节"
    lines = ["@echo off", "chcp 65001 >nul",
             f"rem 由 ecomdept excel init 生成：用下面的 Python 计算旁边的工作簿（{value(book_name)}，改了名也行）的工资，",
             "rem 月份取自工作簿「说明」表的 计算月份，结果写入旁边的 ecomdept输出 文件夹；窗口在结束后保持打开。",
             "setlocal",
             f'set "PYTHON={value(python)}"',
             *([f'set "PYTHONPATH={value(pythonpath)}"'] if pythonpath else []),
             'if not exist "%PYTHON%" goto nopython',
             '"%PYTHON%" -c "import ecomdept" >nul 2>&1',
             "if errorlevel 1 goto noecomdept",
             f'"%PYTHON%" -m ecomdept.excel.launcher "%~dp0." "{value(book_name)}"',
             'set "CODE=%errorlevel%"',
             f'if "%CODE%"=="0" start "" "%~dp0{OUTPUT_FOLDER}"',
             "goto finish",
             ":nopython",
             'echo 找不到 Python："%PYTHON%"（excel init 时记下的 Python，已被卸载或移动）。',
             "echo " + PYTHON_MISSING.format(extra="，安装时勾选「Add python.exe to PATH」", section=section),
             'set "CODE=9009"',
             "goto finish",
             ":noecomdept",
             'echo 这个 Python 里没有 ecomdept："%PYTHON%"。',
             "echo " + ECOMDEPT_MISSING.format(section=section),
             'set "CODE=9009"',
             ":finish",
             "echo.",
             "pause",
             "exit /b %CODE%"]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def mac_launcher(book_name: str, python: str, pythonpath: str | None) -> bytes:
    """计算工资.command: a bash script that Finder opens in Terminal (the file is executable); the same
    steps as ``windows_launcher``."""
    q = shlex.quote
    section = "「macOS」一节"
    lines = ["#!/bin/bash",
             f"# 由 ecomdept excel init 生成：用下面的 Python 计算旁边的工作簿（{book_name}，改了名也行）的工资，",
             "# 月份取自工作簿「说明」表的 计算月份，结果写入旁边的 ecomdept输出 文件夹；窗口在结束后保持打开。",
             f"PYTHON={q(python)}",
             *([f"export PYTHONPATH={q(pythonpath)}"] if pythonpath else []),
             'HERE="$(cd "$(dirname "$0")" && pwd)"',
             'finish() { echo; printf "%s" "按回车键关闭窗口。"; read -r _ || true; echo; exit "$1"; }',
             'if [ ! -x "$PYTHON" ]; then',
             '  echo "找不到 Python：$PYTHON（excel init 时记下的 Python，已被卸载或移动）。"',
             f"  echo {q(PYTHON_MISSING.format(extra=' 或 brew install python@3.11', section=section))}",
             "  finish 127",
             "fi",
             'if ! "$PYTHON" -c "import ecomdept" >/dev/null 2>&1; then',
             '  echo "这个 Python 里没有 ecomdept：$PYTHON。"',
             f"  echo {q(ECOMDEPT_MISSING.format(section=section))}",
             "  finish 127",
             "fi",
             f'"$PYTHON" -m ecomdept.excel.launcher "$HERE" {q(book_name)}',
             "code=$?",
             f'if [ "$code" -eq 0 ]; then open "$HERE"/{q(OUTPUT_FOLDER)}; fi',
             'finish "$code"']
    return ("\n".join(lines) + "\n").encode("utf-8")


def launcher_paths(book: Path) -> list[Path]:
    return [book.with_name(WINDOWS_LAUNCHER), book.with_name(MAC_LAUNCHER)]


def udf_wrappers(book_name: str) -> tuple[str, str | None]:
    """The xlwings_udfs module for a new workbook: generated now by xlwings for the installed functions;
    the packaged text, with the reason, when that fails."""
    try:
        return udf_module.generate(book_name), None
    except udf_module.UdfModuleError as exc:
        return udf_module.stored(), str(exc)


def user_copy(book: Path, python: str, pythonpath: str | None, udfs: str | None = None
              ) -> dict[Path, tuple[bytes, bool]]:
    """What ``ecomdept excel init -o BOOK`` writes: path → (content, executable). The workbook is the
    sample master whose xlwings.conf names ``python`` (``interpreter()``) and ``pythonpath``
    (``pythonpath_for(python)``), with ``udfs`` as its xlwings_udfs module (``udf_wrappers``); the
    launchers run the same."""
    with tempfile.TemporaryDirectory() as tmp:
        data = build(Path(tmp) / "book.xlsm", conf_rows(python, pythonpath), udfs=udfs).read_bytes()
    windows, mac = launcher_paths(book)
    return {book: (data, False), windows: (windows_launcher(book.name, python, pythonpath), False),
            mac: (mac_launcher(book.name, python, pythonpath), True)}


def write_files(files: dict[Path, tuple[bytes, bool]]) -> None:
    for path, (data, executable) in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if executable:  # x wherever r is set (the umask decided r)
            mode = path.stat().st_mode
            path.chmod(mode | (mode & 0o444) >> 2)
