"""`ecomdept import … -o OUT.xlsx`: never overwrites without --force, keeps every earlier copy as a
numbered backup, never writes over (or beside, as its rejects file) an input, and leaves every input
file's bytes and place as they were."""

from __future__ import annotations

import hashlib
import os

import pytest
import xlsxwriter

from ecomdept.inputs import importing
from ecomdept.cli import main

TMALL_HEADER = "订单编号,总金额,买家实际支付金额,收货地址 ,订单创建时间,订单付款时间 ,退款金额"


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def orders_file(path, n: int = 1):
    rows = [f"{i},{i}.0,{i}.0,上海,2020-02-01 10:00:0{i % 10},,0" for i in range(1, n + 1)]
    path.write_text("\n".join([TMALL_HEADER, *rows, "坏行"]) + "\n", encoding="utf-8")
    return path


def punches_file(path, n: int = 1):
    rows = [f"甲,E{i},2026-10-12,08:{i:02d},正常" for i in range(1, n + 1)]
    path.write_text("\n".join(["姓名,工号,考勤日期,打卡时间,打卡结果", *rows, "乙,,2026-10-12,08:00,正常"]) + "\n",
                    encoding="utf-8")
    return path


def punches_workbook(path):
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "工号", "考勤日期", "打卡时间", "打卡结果"])
    sheet.write_row(1, 0, ["甲", "E1", "2026-10-12", "2026-10-12 08:29:00", "正常"])
    book.close()
    return path


MAKERS = {"orders": orders_file, "punches": punches_file}


class Inputs:
    """Input files whose bytes and place are checked after every command."""

    def __init__(self, folder):
        self.folder = folder
        self.files = {}

    def add(self, path):
        self.files[path] = sha(path)
        return path

    def unchanged(self) -> bool:
        return all(p.is_file() and not p.is_symlink() and sha(p) == h for p, h in self.files.items())


@pytest.fixture
def inputs(tmp_path):
    keep = Inputs(tmp_path)
    yield keep
    assert keep.unchanged()
    assert not list(tmp_path.rglob(".*.tmp")), "a temporary file was left behind"


def run(capsys, kind, *args):
    code = main(["import", kind, *map(str, args)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


@pytest.mark.parametrize("kind", list(MAKERS))
@pytest.mark.parametrize("existing", ["xlsx", "rejects", "both"])
def test_an_existing_output_needs_force(tmp_path, capsys, inputs, kind, existing):
    source = inputs.add(MAKERS[kind](tmp_path / "in.csv"))
    out, rejects = tmp_path / "out.xlsx", tmp_path / "out.rejects.csv"
    for name in {"xlsx": [out], "rejects": [rejects], "both": [out, rejects]}[existing]:
        name.write_bytes(b"earlier result")
    before = {p: sha(p) for p in (out, rejects) if p.exists()}
    code, _, err = run(capsys, kind, source, "-o", out)
    assert code == 2 and "已存在" in err and "--force" in err
    assert {p: sha(p) for p in (out, rejects) if p.exists()} == before
    assert not list(tmp_path.glob("*.bak*"))


@pytest.mark.parametrize("kind", list(MAKERS))
def test_force_keeps_every_earlier_copy(tmp_path, capsys, inputs, kind):
    out, rejects = tmp_path / "out.xlsx", tmp_path / "out.rejects.csv"
    copies = []
    for n in range(1, 5):
        source = inputs.add(MAKERS[kind](tmp_path / f"in{n}.csv", n))
        code, printed, _ = run(capsys, kind, source, "-o", out, *(["--force"] if n > 1 else []))
        assert code == 0 and f"保留 {n} 行" in printed
        copies.append((sha(out), sha(rejects)))
    assert [(sha(importing.backup_name(out, i)), sha(importing.backup_name(rejects, i))) for i in range(3)] == copies[:3]
    assert (sha(out), sha(rejects)) == copies[3]
    assert sorted(p.name for p in tmp_path.glob("out.*")) == sorted(
        ["out.xlsx", "out.xlsx.bak", "out.xlsx.bak.1", "out.xlsx.bak.2",
         "out.rejects.csv", "out.rejects.csv.bak", "out.rejects.csv.bak.1", "out.rejects.csv.bak.2"])


@pytest.mark.parametrize("taken", [["out.xlsx.bak"], ["out.xlsx.bak", "out.xlsx.bak.1"], ["out.xlsx.bak.1"]])
def test_no_backup_is_ever_overwritten(tmp_path, capsys, inputs, taken):
    source = inputs.add(orders_file(tmp_path / "in.csv"))
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"earlier result")
    for name in taken:
        (tmp_path / name).write_bytes(f"someone's {name}".encode())
        inputs.add(tmp_path / name)
    code, printed, _ = run(capsys, "orders", source, "-o", out, "--force")
    assert code == 0
    backup = next(importing.backup_name(out, i) for i in range(5) if importing.backup_name(out, i).name not in taken)
    assert backup.read_bytes() == b"earlier result" and str(backup) in printed


def test_output_that_is_an_input_is_refused(tmp_path, capsys, inputs):
    book = inputs.add(punches_workbook(tmp_path / "钉钉.xlsx"))
    for extra in ([], ["--force"]):
        code, _, err = run(capsys, "punches", book, "-o", book, *extra)
        assert code == 2 and "输入文件" in err


@pytest.mark.parametrize("how", ["symlink", "hardlink", "dotted", "relative"])
def test_output_reaching_an_input_another_way_is_refused(tmp_path, capsys, inputs, monkeypatch, how):
    book = inputs.add(punches_workbook(tmp_path / "book.xlsx"))
    (tmp_path / "sub").mkdir()
    if how == "symlink":
        out = tmp_path / "link.xlsx"
        out.symlink_to(book)
    elif how == "hardlink":
        out = tmp_path / "hard.xlsx"
        os.link(book, out)
    elif how == "dotted":
        out = tmp_path / "sub" / ".." / "book.xlsx"
    else:
        monkeypatch.chdir(tmp_path / "sub")
        out = "../book.xlsx"
    code, _, err = run(capsys, "punches", book, "-o", out, "--force")
    assert code == 2 and "输入文件" in err
    assert not book.is_symlink() and sha(book) == inputs.files[book]


def test_the_rejects_file_may_not_be_an_input_either(tmp_path, capsys, inputs):
    source = inputs.add(punches_file(tmp_path / "out.rejects.csv"))
    code, _, err = run(capsys, "punches", source, "-o", tmp_path / "out.xlsx", "--force")
    assert code == 2 and "输入文件" in err and not (tmp_path / "out.xlsx").exists()


def test_the_roster_workbook_may_not_be_the_output(tmp_path, capsys, inputs):
    source = inputs.add(punches_file(tmp_path / "in.csv"))
    book = inputs.add(punches_workbook(tmp_path / "master.xlsx"))
    code, _, err = run(capsys, "punches", source, "--workbook", book, "-o", book, "--force")
    assert code == 2 and "输入文件" in err


@pytest.mark.parametrize("kind", list(MAKERS))
@pytest.mark.parametrize("target,words", [("out.csv", ".xlsx"), ("out", ".xlsx"), ("dir.xlsx", "文件夹"),
                                          ("missing/out.xlsx", "不存在"), ("in.csv/out.xlsx", "不是文件夹"),
                                          ("rejects-dir.xlsx", "文件夹")])
def test_outputs_that_cannot_be(tmp_path, capsys, inputs, kind, target, words):
    source = inputs.add(MAKERS[kind](tmp_path / "in.csv"))
    (tmp_path / "dir.xlsx").mkdir()
    (tmp_path / "rejects-dir.rejects.csv").mkdir()
    code, _, err = run(capsys, kind, source, "-o", tmp_path / target, "--force")
    assert code == 2 and words in err
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("kind", list(MAKERS))
def test_a_failed_write_keeps_the_earlier_result(tmp_path, capsys, inputs, monkeypatch, kind):
    source = inputs.add(MAKERS[kind](tmp_path / "in.csv"))
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"earlier result")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(importing, "write_master", disk_full)
    code, _, err = run(capsys, kind, source, "-o", out, "--force")
    assert code == 1 and "无法写入" in err
    assert out.read_bytes() == b"earlier result" and not list(tmp_path.glob("out*.bak*"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.xlsx"]


@pytest.mark.parametrize("kind", list(MAKERS))
def test_a_refused_input_writes_nothing(tmp_path, capsys, inputs, kind):
    source = tmp_path / "in.csv"
    source.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    inputs.add(source)
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"earlier result")
    code, _, _ = run(capsys, kind, source, "-o", out, "--force")
    assert code == 1 and out.read_bytes() == b"earlier result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.xlsx"]
