"""The ED_ functions registered the way Windows Excel registers them.

On Windows ``xw.func``/``xw.arg``/``xw.ret`` are ``xlwings.udfs.xlfunc``/``xlarg``/``xlret``; on
Linux they do nothing, so a function that cannot register would go unnoticed. Here pywin32 is
stubbed, the decorators are bound to xlwings' real ones, ``ecomdept.excel.functions`` is imported
afresh and xlwings' own ``generate_vba_wrapper`` writes the VBA module "Import Functions" would — the
module the master workbook and every ``excel init`` workbook carry in their VBA project.
"""

import datetime as dt
import importlib
import inspect
import io
import re
import sys
import types
from unittest import mock

import pytest
from oletools.olevba import VBA_Parser

from conftest import ROOT
from ecomdept import cli
from ecomdept.excel import udf_module

# Every worksheet function with the signature Excel sees (caller is filled in by xlwings).
SIGNATURES = {
    "ed_iit": "ytd_income, ytd_exempt, ytd_basic_deduction, ytd_special_deduction, ytd_additional_deduction, "
              "ytd_other_deduction, ytd_withheld, Optional ytd_relief",
    "ed_late_minutes": "punch_time, start_time, Optional grace_minutes",
    "ed_workdays": "month, Optional data_version",
    "ed_is_workday": "day, Optional data_version",
    "ed_penalty": "employee_id, month, Optional data_version",
    "ed_net_pay": "employee_id, month, Optional data_version",
    "ed_kpi": "scope, month, metric, Optional data_version",
    "ed_payroll": "month, Optional data_version",
    "ed_annual_bonus_iit": "amount, Optional paid_on",
}
READS_BOOK = {"ed_workdays", "ed_is_workday", "ed_penalty", "ed_net_pay", "ed_kpi", "ed_payroll"}
VBA_RESERVED = {"and", "as", "boolean", "byref", "byte", "byval", "call", "case", "const", "currency", "date",
                "decimal", "declare", "dim", "do", "double", "each", "else", "elseif", "end", "enum", "erase",
                "error", "event", "exit", "false", "for", "friend", "function", "get", "global", "gosub", "goto",
                "if", "implements", "in", "integer", "is", "let", "like", "long", "loop", "lset", "me", "mod", "new",
                "next", "not", "nothing", "null", "on", "option", "optional", "or", "paramarray", "preserve",
                "private", "public", "raiseevent", "redim", "rem", "resume", "return", "rset", "select", "set",
                "single", "static", "step", "stop", "string", "sub", "then", "to", "true", "type", "typeof",
                "until", "variant", "wend", "while", "with", "withevents", "xor"}


@pytest.fixture()
def windows_functions(monkeypatch):
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        monkeypatch.setitem(sys.modules, name, mock.MagicMock(name=name))
    import xlwings as xw

    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    udfs = importlib.import_module("xlwings.udfs")
    monkeypatch.setattr(xw, "func", udfs.xlfunc)
    monkeypatch.setattr(xw, "arg", udfs.xlarg)
    monkeypatch.setattr(xw, "ret", udfs.xlret)
    import ecomdept.excel

    monkeypatch.delitem(sys.modules, "ecomdept.excel.functions", raising=False)
    monkeypatch.setattr(ecomdept.excel, "functions", None, raising=False)
    module = importlib.import_module("ecomdept.excel.functions")
    monkeypatch.delitem(sys.modules, "xlwings.udfs")  # later tests get the plain module back
    return module, udfs


def vba_module(module, udfs, workbook_name="master.xlsm") -> str:
    out = io.StringIO()
    udfs.generate_vba_wrapper("ecomdept.excel.functions", module, out, types.SimpleNamespace(Name=workbook_name))
    return out.getvalue()


def import_functions_text(module, udfs, workbook_name="master.xlsm") -> str:
    """The file xlwings' Import Functions (import_udfs) writes and imports: its header lines, then the
    generator's wrappers."""
    return "\n".join(udf_module.HEADER) + "\n" + vba_module(module, udfs, workbook_name)


def embedded_module(path) -> str:
    parser = VBA_Parser(str(path))
    try:
        modules = {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    return modules["xlwings_udfs.bas"].replace("\r\n", "\n")


def test_the_header_is_the_one_import_functions_writes(windows_functions):
    _, udfs = windows_functions
    source = inspect.getsource(udfs.import_udfs)
    for line in udf_module.HEADER:
        assert repr(line)[1:-1] in source or line in source, line


def test_the_master_workbook_carries_the_import_functions_module(windows_functions):
    expected = import_functions_text(*windows_functions)
    assert embedded_module(ROOT / "udfs" / "ecomdept" / "workbook" / "master.xlsm") == expected
    assert udf_module.stored() == expected, "vba/xlwings_udfs.bas 过期：运行 python scripts/build_master.py"


def test_an_init_workbook_carries_the_import_functions_module(windows_functions, tmp_path):
    book = tmp_path / "工资 2026.xlsm"
    assert cli.main(["excel", "init", "-o", str(book)]) == 0
    assert embedded_module(book) == import_functions_text(*windows_functions, book.name)


def test_generating_in_a_fresh_process_gives_the_same_text(windows_functions):
    assert udf_module.generate("我的工资.xlsm") == import_functions_text(*windows_functions, "我的工资.xlsm")


def test_every_function_registers_with_its_signature(windows_functions):
    module, udfs = windows_functions
    registered = {name for name in dir(module) if hasattr(getattr(module, name), "__xlfunc__")}
    assert registered == set(SIGNATURES)
    vba = vba_module(module, udfs)
    declared = dict(re.findall(r"^Function (\w+)\((.*)\)$", vba, re.M))
    assert declared == SIGNATURES
    for name in SIGNATURES:
        info = getattr(module, name).__xlfunc__
        for arg in info["args"]:
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,254}", arg["name"]) and arg["name"].lower() not in VBA_RESERVED
            if arg["name"] != "caller":
                assert arg["options"].get("err_to_str") is True, f"{name}({arg['name']}) would read #N/A as blank"
                assert re.search("[\u4e00-\u9fff]", arg["doc"]), "argument help is Chinese"
        assert info["volatile"] is False, f"{name} would run on every recalculation"
        assert info["call_in_wizard"] is (name not in READS_BOOK)
        assert not info["ret"]["options"].get("expand"), "a plain array spills; expand writes a legacy array"
        assert f'XLPy.CallUDF("ecomdept.excel.functions", "{name}"' in vba
    assert "Application.Volatile" not in vba
    body = vba.split("Function ed_net_pay(")[1].split("End Function")[0]
    assert "Array(employee_id, month, data_version, Nothing)" in body


def test_registered_data_functions_read_the_book_at_its_data_version(windows_functions, sample_path):
    from ecomdept.excel.filebook import Caller, FileBook

    module, _ = windows_functions
    caller = Caller(FileBook(sample_path))
    assert module.ed_workdays("2026-10", 85000000000.0, caller) == 18
    assert module.ed_payroll("2026-10", 85000000000.0, caller)[0][0] == "工号"
    assert module.ed_net_pay("E0001", "2026-10", None, caller) == "错误：缺少数据版本：最后一个参数写 ED_DATA_VERSION"


def test_registered_functions_still_compute(windows_functions):
    module, _ = windows_functions
    assert module.ed_iit(30000.0, None, 5000.0, 4500.0, 2000.0, None, 0.0) == 555.0
    assert module.ed_late_minutes(dt.datetime(2026, 10, 8, 8, 31), "08:30") == 1
    assert module.ed_annual_bonus_iit(50000.0, dt.datetime(2026, 1, 15)) == 4790.0     # 公告2023年第30号
    assert module.ed_annual_bonus_iit(50000.0, dt.datetime(2028, 1, 15)).startswith("错误：单独计税政策有效期至")
    assert module.ed_annual_bonus_iit("#N/A").startswith("错误：")


@pytest.mark.parametrize("args", [
    ("#N/A", 0, 5000, 0, 0, 0, 0), (-2146826246, 0, 5000, 0, 0, 0, 0), (30000, "#VALUE!", 5000, 0, 0, 0, 0),
    (1e300, 0, 5000, 0, 0, 0, 0), (float("nan"), 0, 5000, 0, 0, 0, 0), (float("inf"), 0, 0, 0, 0, 0, 0),
    ("1e999", 0, 5000, 0, 0, 0, 0), (dt.datetime(2026, 10, 1), 0, 5000, 0, 0, 0, 0), (True, 0, 0, 0, 0, 0, 0),
    ("一万", 0, 5000, 0, 0, 0, 0), (-30000, 0, 5000, 0, 0, 0, 0), (30000, 0, 5000, 0, 0, 0, 0, "#DIV/0!"),
])
def test_garbage_iit_arguments_give_a_chinese_message(windows_functions, args):
    module, _ = windows_functions
    value = module.ed_iit(*args)
    assert isinstance(value, str) and value.startswith("错误：") and len(value) < 40, value


@pytest.mark.parametrize("call", [
    lambda f: f.ed_late_minutes("#N/A", "08:30"),
    lambda f: f.ed_late_minutes("08:31", "08:30", float("nan")),
    lambda f: f.ed_late_minutes("08:31", "08:30", 1e300),
    lambda f: f.ed_late_minutes("08:31", "08:30", "1e999"),
    lambda f: f.ed_late_minutes(dt.date(2026, 10, 8), "08:30"),
    lambda f: f.ed_late_minutes(5.5, "08:30"),
    lambda f: f.ed_workdays("9999-12"),
    lambda f: f.ed_workdays("#N/A"),
    lambda f: f.ed_workdays(1e300),
    lambda f: f.ed_workdays(float("nan")),
    lambda f: f.ed_is_workday(1e300),
    lambda f: f.ed_is_workday("#REF!"),
    lambda f: f.ed_is_workday(dt.datetime(9999, 12, 1)),
    lambda f: f.ed_is_workday("下周一"),
])
def test_garbage_arguments_never_raise_or_read_as_zero(windows_functions, call):
    value = call(windows_functions[0])
    assert isinstance(value, str) and value.startswith("错误：") and len(value) < 50, value
