"""workbook/master.xlsm: built from text, read back with independent tools (oletools' olevba,
LibreOffice)."""

import importlib.util
import re
import shutil
import subprocess
import zipfile

import pytest
from oletools.olevba import VBA_Parser
from python_calamine import CalamineWorkbook

from conftest import ROOT
from ecomdept.excel import buttons

spec = importlib.util.spec_from_file_location("build_master", ROOT / "scripts" / "build_master.py")
build_master = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_master)


def vba_modules(path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        return {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def code_lines(text: str) -> list[str]:
    return [l for l in text.replace("\r\n", "\n").split("\n") if not l.startswith("Attribute ")]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xlsm")
    return build_master.build(folder / "master.xlsm"), build_master.build(folder / "again.xlsm")


def test_vba_source_round_trips_through_olevba(built):
    modules = vba_modules(built[0])
    for bas in sorted((ROOT / "workbook" / "vba").glob("*.bas")):
        assert code_lines(modules[bas.stem]) == code_lines(bas.read_text(encoding="ascii")), bas.name


def test_every_button_runs_a_parameterless_sub_that_exists_in_python(built):
    with zipfile.ZipFile(built[0]) as z:
        vml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/drawings/vmlDrawing"))
    macros = re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml)
    assert macros == [m for _, m in build_master.BUTTONS]
    source = vba_modules(built[0])["Buttons"]
    for macro in macros:
        assert re.search(rf"^Public Sub {macro}\(\)\s*$", source, re.M), macro
    commands = re.findall(r'RunPython "from ecomdept\.excel import buttons; buttons\.(\w+)\(\)"', source)
    assert len(commands) == len(macros)
    for name in commands:
        assert callable(getattr(buttons, name, None)), name


def test_built_twice_same_vba_and_sheets(built):
    first, second = built
    assert vba_modules(first) == vba_modules(second)
    a, b = CalamineWorkbook.from_path(str(first)), CalamineWorkbook.from_path(str(second))
    assert a.sheet_names == b.sheet_names
    for name in a.sheet_names:
        assert a.get_sheet_by_name(name).to_python() == b.get_sheet_by_name(name).to_python(), name
    assert "xlwings.conf" in a.sheet_names
    conf = dict((r[0], r[1]) for r in a.get_sheet_by_name("xlwings.conf").to_python())
    assert conf["UDF Modules"] == "ecomdept.excel.functions"


def test_committed_master_matches_the_build(built):
    committed = ROOT / "workbook" / "master.xlsm"
    assert vba_modules(committed) == vba_modules(built[0])
    a, b = CalamineWorkbook.from_path(str(committed)), CalamineWorkbook.from_path(str(built[0]))
    for name in a.sheet_names:
        assert a.get_sheet_by_name(name).to_python() == b.get_sheet_by_name(name).to_python(), name


def test_libreoffice_opens_and_converts(tmp_path):
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) 未安装：.ci/run 会安装 libreoffice-calc"
    path = build_master.build(tmp_path / "lo.xlsm", with_xlwings=False)
    run = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--norestore",
                          "--convert-to", "xlsx", "--outdir", str(tmp_path / "out"), str(path)],
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    converted = CalamineWorkbook.from_path(str(tmp_path / "out" / "lo.xlsx"))
    assert "员工" in converted.sheet_names
    assert len(converted.get_sheet_by_name("员工").to_python()) == 31


def test_libreoffice_runs_each_button_macro_with_a_stub_run_python(tmp_path):
    """LibreOffice cannot compile the xlwings module, so this variant leaves it out and adds a
    RunPython test double (tests/fixtures/Stub.bas) that records each command in column Z."""
    system_python = "/usr/bin/python3"
    check = subprocess.run([system_python, "-c", "import uno"], capture_output=True)
    assert check.returncode == 0, "需要 Debian 的 python3-uno（.ci/run 会安装）"
    path = build_master.build(tmp_path / "stub.xlsm", with_xlwings=False,
                              extra_modules=[ROOT / "tests" / "fixtures" / "Stub.bas"])
    macros = [f"VBAProject.Buttons.{m}" for _, m in build_master.BUTTONS]
    run = subprocess.run([system_python, str(ROOT / "tests" / "fixtures" / "lo_run_macros.py"), str(path),
                          str(tmp_path / "profile"), *macros], capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr
    recorded = run.stdout.strip().splitlines()
    assert recorded == [f"from ecomdept.excel import buttons; buttons.{name}()"
                        for name in ("validate", "attendance", "payroll", "payslips")]
