"""workbook/master.xlsm: built from text, read back with independent tools (oletools' olevba,
LibreOffice)."""

import re
import shutil
import subprocess
import zipfile

import pytest
from oletools.olevba import VBA_Parser
from python_calamine import CalamineWorkbook

from conftest import ROOT
from ecomdept.excel import buttons, master, vba_project

# macro → the ecomdept.excel.buttons function its RunPython command calls
COMMANDS = {"ValidateData": "validate", "ComputeAttendance": "attendance", "ComputePayroll": "payroll",
            "MakePayslips": "payslips", "ImportPunches": "import_punches", "ImportOrders": "import_orders", "SendPayslips": "send_payslips"}


def vba_modules(path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        return {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def code_lines(text: str) -> list[str]:
    return [l for l in text.replace("\r\n", "\n").split("\n") if not l.startswith("Attribute ")]


def vba_bin(path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/vbaProject.bin")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xlsm")
    return master.build(folder / "master.xlsm"), master.build(folder / "again.xlsm")


def test_buttons_bas_round_trips_through_olevba(built):
    modules = vba_modules(built[0])
    buttons_bas = (ROOT / "udfs" / "ecomdept" / "workbook" / "vba" / "Buttons.bas").read_text(encoding="ascii")
    assert code_lines(modules[vba_project.USER_MODULE]) == code_lines(buttons_bas)


def test_every_button_runs_a_parameterless_sub_of_the_user_module(built):
    with zipfile.ZipFile(built[0]) as z:
        vml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/drawings/vmlDrawing"))
    macros = re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml)
    assert macros == [m for _, m in master.BUTTONS] == list(COMMANDS)
    source = vba_modules(built[0])[vba_project.USER_MODULE]
    for macro in macros:
        assert re.search(rf"^Public Sub {macro}\(\)\s*$", source, re.M), macro
    commands = re.findall(r'RunPython "from ecomdept\.excel import buttons; buttons\.(\w+)\(\)"', source)
    assert commands == list(COMMANDS.values())
    for name in COMMANDS.values():
        assert callable(getattr(buttons, name, None)), name


def test_built_twice_same_bytes_and_sheets(built):
    first, second = built
    assert vba_bin(first) == vba_bin(second)
    assert first.read_bytes() == second.read_bytes()
    a = CalamineWorkbook.from_path(str(first))
    assert "xlwings.conf" in a.sheet_names
    conf = a.get_sheet_by_name("xlwings.conf").to_python()
    assert dict(conf) == {"UDF Modules": "ecomdept.excel.functions", "Show Console": "False"}


def test_committed_master_matches_the_build(built):
    committed = ROOT / "udfs" / "ecomdept" / "workbook" / "master.xlsm"
    assert vba_bin(committed) == vba_bin(built[0]), "workbook/master.xlsm 过期：运行 .venv/bin/python scripts/build_master.py"
    a, b = CalamineWorkbook.from_path(str(committed)), CalamineWorkbook.from_path(str(built[0]))
    assert a.sheet_names == b.sheet_names
    for name in a.sheet_names:
        assert a.get_sheet_by_name(name).to_python() == b.get_sheet_by_name(name).to_python(), name


def test_the_embedded_project_is_the_one_built(built):
    assert vba_bin(built[0]) == vba_project.build({vba_project.USER_MODULE: master.buttons_source()})


def test_libreoffice_opens_and_converts(built, tmp_path):
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) 未安装：.ci/run 会安装 libreoffice-calc"
    run = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--norestore",
                          "--convert-to", "xlsx", "--outdir", str(tmp_path / "out"), str(built[0])],
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    converted = CalamineWorkbook.from_path(str(tmp_path / "out" / "master.xlsx"))
    assert "员工" in converted.sheet_names
    assert len(converted.get_sheet_by_name("员工").to_python()) == 31


def test_libreoffice_runs_each_button_macro_with_a_stub_run_python(tmp_path):
    """LibreOffice cannot compile xlwings' VBA, so this build puts test doubles in place of xlwings'
    two modules — tests/fixtures/Stub.bas as the xlwings module (a RunPython that records each
    command in column Z) and an empty Dictionary class — and keeps Buttons.bas as the user module."""
    system_python = "/usr/bin/python3"
    check = subprocess.run([system_python, "-c", "import uno"], capture_output=True)
    assert check.returncode == 0, "需要 Debian 的 python3-uno（.ci/run 会安装）"
    fixtures = ROOT / "tests" / "fixtures"
    path = master.build(tmp_path / "stub.xlsm", modules={
        vba_project.XLWINGS_MODULE: (fixtures / "Stub.bas").read_text(encoding="ascii"),
        "Dictionary": (fixtures / "Dictionary.cls").read_text(encoding="ascii")})
    macros = [f"VBAProject.{vba_project.USER_MODULE}.{m}" for _, m in master.BUTTONS]
    run = subprocess.run([system_python, str(fixtures / "lo_run_macros.py"), str(path), str(tmp_path / "profile"),
                          *macros], capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr
    recorded = run.stdout.strip().splitlines()
    assert recorded == [f"from ecomdept.excel import buttons; buttons.{name}()" for name in COMMANDS.values()]
