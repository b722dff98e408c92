"""workbook/master.xlsm: built from text, read back with independent tools (oletools' olevba,
LibreOffice)."""

import datetime as dt
import json
import re
import shutil
import subprocess
import zipfile

import pytest
from oletools.olevba import VBA_Parser
from python_calamine import CalamineWorkbook

from conftest import ROOT
from ecomdept.excel import buttons, master, udf_module, vba_project
from ecomdept.inputs.schema import INPUT_SHEETS

# macro → the ecomdept.excel.buttons function its RunPython command calls
COMMANDS = {"ValidateData": "validate", "ComputeAttendance": "attendance", "ComputePayroll": "payroll",
            "MakePayslips": "payslips", "ImportPunches": "import_punches", "ImportOrders": "import_orders", "SendPayslips": "send_payslips",
            "ApprovePayroll": "approve"}


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
    assert vba_bin(built[0]) == vba_project.build({vba_project.USER_MODULE: master.buttons_source(),
                                                   "ThisWorkbook": master.workbook_source()},
                                                  added={"xlwings_udfs": udf_module.stored()})
    assert vba_modules(built[0])["xlwings_udfs"].replace("\r\n", "\n") == udf_module.stored()


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


SYSTEM_PYTHON = "/usr/bin/python3"


@pytest.fixture(scope="module")
def stub_book(tmp_path_factory):
    """LibreOffice cannot compile xlwings' VBA, so this build puts test doubles in place of xlwings'
    two modules — tests/fixtures/Stub.bas as the xlwings module (a RunPython that records each
    command in column Z) and an empty Dictionary class — and keeps Buttons.bas as the user module and
    ThisWorkbook.cls as the workbook module."""
    check = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True)
    assert check.returncode == 0, "需要 Debian 的 python3-uno（.ci/run 会安装）"
    fixtures = ROOT / "tests" / "fixtures"
    return master.build(tmp_path_factory.mktemp("stub") / "stub.xlsm", modules={
        vba_project.XLWINGS_MODULE: (fixtures / "Stub.bas").read_text(encoding="ascii"),
        "Dictionary": (fixtures / "Dictionary.cls").read_text(encoding="ascii")})


def test_libreoffice_runs_each_button_macro_with_a_stub_run_python(stub_book, tmp_path):
    macros = [f"VBAProject.{vba_project.USER_MODULE}.{m}" for _, m in master.BUTTONS]
    run = subprocess.run([SYSTEM_PYTHON, str(ROOT / "tests" / "fixtures" / "lo_run_macros.py"), str(stub_book),
                          str(tmp_path / "profile"), *macros], capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr
    recorded = run.stdout.strip().splitlines()
    assert recorded == [f"from ecomdept.excel import buttons; buttons.{name}()" for name in COMMANDS.values()]


def test_the_readme_sheet_holds_the_data_version_and_says_when_to_import_functions(built):
    with zipfile.ZipFile(built[0]) as z:
        names = dict(re.findall(r'<definedName name="(\w+)">([^<]*)</definedName>', z.read("xl/workbook.xml").decode()))
    assert names["ED_DATA_VERSION"] == "'说明'!$B$4"
    listed = names["ED_INPUT_SHEETS"].replace("&quot;", '"')
    assert listed == '"/' + "/".join([s.name for s in INPUT_SHEETS] + ["说明"]) + '/"'
    rows = CalamineWorkbook.from_path(str(built[0])).get_sheet_by_name("说明").to_python()
    assert rows[3][:2] == ["数据版本", 1.0] and "ED_DATA_VERSION" in rows[3][2]
    assert rows[4][0] == "ED_ 函数" and "Import Functions" in rows[4][2] and "参数有变" in rows[4][2]
    assert rows[5][:3] == ["工作表", "列（字段 id）", "说明"]


def test_the_workbook_module_is_this_workbook_cls(built):
    source = (ROOT / "udfs" / "ecomdept" / "workbook" / "vba" / "ThisWorkbook.cls").read_text(encoding="ascii")
    stored = vba_modules(built[0])["ThisWorkbook"]
    assert stored == source.replace("\r\n", "\n").replace("\n", "\r\n")
    with zipfile.ZipFile(vba_project.template_path()) as z:
        template = {n.rsplit(".", 1)[0]: c for _, _, n, c in VBA_Parser("t.bin", data=z.read("xl/vbaProject.bin"))
                    .extract_macros()}["ThisWorkbook"]
    assert stored.startswith(template)  # the document module's attributes as Excel wrote them


def test_libreoffice_runs_the_data_version_handler(stub_book, tmp_path):
    """Opening gives the book a new 数据版本 and leaves it unmodified; an edit in an input sheet or 说明
    (a name with spaces is the same sheet to Python) gives a higher one, an edit elsewhere none; the
    version only grows, even over a number or text typed into its cell."""
    steps = ["员工", "打卡", "规则", "节假日", "xlwings.conf", "我的公式", "结果-工资表", "订 单", "说明",
             "=900000000000", "员工", "=abc", "班次"]
    run = subprocess.run([SYSTEM_PYTHON, str(ROOT / "tests" / "fixtures" / "lo_data_version.py"), str(stub_book),
                          str(tmp_path / "profile"), *steps], capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    days = (dt.date.today() - dt.date(2000, 1, 1)).days
    assert (days - 1) * 8640000 <= report["opened"] < (days + 2) * 8640000  # hundredths of a second since 2000
    assert report["modified"] is False
    versions = dict(report["steps"][:9])
    order = [report["opened"], *(versions[s] for s in ("员工", "打卡", "规则", "节假日"))]
    assert order == sorted(set(order))
    assert versions["xlwings.conf"] == versions["我的公式"] == versions["结果-工资表"] == versions["节假日"]
    assert versions["节假日"] < versions["订 单"] < versions["说明"]
    assert report["steps"][9:] == [["员工", 900000000001.0], ["班次", 900000000002.0]]
