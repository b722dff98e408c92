"""What 计算工资.cmd / .command run after finding their Python (ecomdept.excel.launcher): which workbook,
and the last line that says what happened."""

import copy

import pytest

from ecomdept.excel import launcher
from ecomdept.inputs.master_workbook import write_master
from ecomdept.outputs import fonts, payslips
from ecomdept.run import sample

MONTH = sample.DEFAULT_MONTH


@pytest.fixture(scope="module")
def data():
    return sample.build(employees=4, orders_per_employee=1, month=MONTH)


def book(folder, name, data):
    return write_master(folder / name, data, month=MONTH)


def never_asked(prompt):
    raise AssertionError(f"不该询问：{prompt}")


def test_several_workbooks_are_listed_and_the_one_typed_is_computed(tmp_path, data, capsys):
    for name in ("我的工资.xlsm", "十月工资.xlsm", "打卡导出.xlsx"):
        book(tmp_path, name, data)
    (tmp_path / "~$我的工资.xlsm").write_bytes(b"lock")
    (tmp_path / "我的工资.备份-20261101-090000.xlsm").write_bytes(b"backup")
    asked = []
    picked = launcher.pick(tmp_path, "我的工资.xlsm", lambda prompt: asked.append(prompt) or "2")
    assert picked == tmp_path / "十月工资.xlsm"
    out = capsys.readouterr().out
    assert "1. 我的工资.xlsm（excel init 写出的）" in out and "2. 十月工资.xlsm" in out
    assert "打卡导出" not in out and "~$" not in out and "备份" not in out  # .xlsx only without any .xlsm
    assert asked == ["计算哪一个？请输入编号，直接回车为 1："]
    assert launcher.pick(tmp_path, "我的工资.xlsm", lambda prompt: "") == tmp_path / "我的工资.xlsm"


def test_nobody_to_ask_means_the_workbook_init_wrote(tmp_path, data):
    for name in ("我的工资.xlsm", "十月工资.xlsm"):
        book(tmp_path, name, data)

    def closed(prompt):
        raise EOFError

    assert launcher.pick(tmp_path, "我的工资.xlsm", closed) == tmp_path / "我的工资.xlsm"


def test_a_wrong_answer_or_no_workbook_computes_nothing(tmp_path, data, capsys):
    assert launcher.main([str(tmp_path), "我的工资.xlsm"], never_asked) == launcher.EXIT_USAGE
    assert "没有找到工作簿" in capsys.readouterr().out
    for name in ("十月工资.xlsm", "十一月工资.xlsm"):
        book(tmp_path, name, data)
    assert launcher.main([str(tmp_path), "我的工资.xlsm"], lambda prompt: "3") == launcher.EXIT_USAGE
    assert "没有选择工作簿（输入的是「3」）" in capsys.readouterr().out
    assert not (tmp_path / launcher.OUTPUT_FOLDER).exists()


def test_an_only_xlsx_is_computed_and_the_run_says_where(tmp_path, data, capsys):
    book(tmp_path, "工资.xlsx", data)
    assert launcher.main([str(tmp_path), "我的工资.xlsm"], never_asked) == 0
    out = capsys.readouterr().out
    month_dir = tmp_path / launcher.OUTPUT_FOLDER / MONTH
    assert "没有找到 我的工资.xlsm，计算旁边唯一的工作簿 工资.xlsx" in out
    assert out.rstrip().endswith(f"完成：{MONTH} 的工资表、工资条与报告在 {month_dir}")
    assert (month_dir / "payroll.csv").is_file() and list((month_dir / "payslips").glob("*.pdf"))


def test_data_problems_name_the_file_that_lists_them(tmp_path, data, capsys):
    bad = copy.deepcopy(data)
    bad["员工"][0][8] = -100                       # a negative base salary blocks the run
    book(tmp_path, "我的工资.xlsm", bad)
    assert launcher.main([str(tmp_path), "我的工资.xlsm"], never_asked) == launcher.EXIT_DATA
    problems = tmp_path / launcher.OUTPUT_FOLDER / f"数据问题_{MONTH}.xlsx"
    assert problems.is_file()
    last = capsys.readouterr().out.rstrip().splitlines()[-1]
    assert last.startswith(f"数据有问题，没有算完：要改的地方列在 {problems}") and "保存后，再双击本文件" in last


def test_no_chinese_font_is_named_and_the_rest_is_written(tmp_path, data, capsys, monkeypatch):
    def no_font(*args, **kwargs):
        raise fonts.FontMissing(f"本机没有找到中文字体，PDF 工资条未生成。{fonts.INSTALL_HINT}")

    monkeypatch.setattr(payslips, "pdf_fonts", no_font)
    book(tmp_path, "我的工资.xlsm", data)
    assert launcher.main([str(tmp_path), "我的工资.xlsm"], never_asked) == launcher.EXIT_DATA
    captured = capsys.readouterr()
    month_dir = tmp_path / launcher.OUTPUT_FOLDER / MONTH
    assert "本机没有找到中文字体" in captured.err  # the font message with what to install, from the run
    assert captured.out.rstrip().splitlines()[-1] == (
        f"没有生成 PDF 工资条：本机没有可用的中文字体（办法见上面的提示）。工资表、HTML 工资条和报告已写入 {month_dir}")
    assert (month_dir / "payroll.csv").is_file() and not list((month_dir / "payslips").glob("*.pdf"))


def test_an_unreadable_workbook_says_so(tmp_path, capsys):
    (tmp_path / "我的工资.xlsm").write_bytes(b"not a workbook")
    assert launcher.main([str(tmp_path), "我的工资.xlsm"], never_asked) == launcher.EXIT_DATA
    out = capsys.readouterr().out
    assert "无法读取工作簿 我的工资.xlsm" in out and out.rstrip().endswith("没有算完：原因见上面的提示；处理后再双击本文件。")
