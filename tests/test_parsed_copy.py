"""The parsed copy beside the output: used only for the same bytes and the same program, private,
never trusted when damaged — and a run from it gives the same results as a run from the file."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import stat
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest

from ecomdept.cli import main
from ecomdept.inputs import parsed_copy
from ecomdept.inputs.workbook_io import PAYROLL_SHEETS, load_path
from ecomdept.run.pipeline import run_payroll


def _same_frame(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_dtype=True)
    for column in a.columns:  # the same values of the same types: 5 is not 5.0, a date not a datetime
        assert [type(v) for v in a[column]] == [type(v) for v in b[column]], column


def _same_book(a, b) -> None:
    assert set(a.frames) == set(b.frames)
    for key in a.frames:
        _same_frame(a.frames[key], b.frames[key])
    assert [str(i) for i in a.issues] == [str(i) for i in b.issues]
    assert a.counts == b.counts and a.rules.as_dict() == b.rules.as_dict()


def _copies(out) -> list:
    return sorted((out / parsed_copy.FOLDER).rglob("*.pickle"))


def test_a_second_read_takes_every_sheet_from_the_copy_and_gets_the_same_book(sample_path, tmp_path):
    fresh = load_path(sample_path, PAYROLL_SHEETS)
    first = load_path(sample_path, PAYROLL_SHEETS, tmp_path)
    second = load_path(sample_path, PAYROLL_SHEETS, tmp_path)
    assert first.from_copy == []
    assert second.from_copy == sorted(PAYROLL_SHEETS)  # the sample has every sheet
    _same_book(fresh, second)
    assert second.sha256 == fresh.sha256 and second.path == sample_path


def test_every_kind_of_cell_comes_back_as_it_was(tmp_path):
    utc = dt.timezone.utc
    frame = pd.DataFrame({
        "ints": pd.Series([5, None, -(2**62)], dtype=object),
        "huge": pd.Series([2**70, None, 1], dtype=object),
        "floats": pd.Series([1.5, float("nan"), None], dtype=object),
        "mixed": pd.Series([1, 1.0, True], dtype=object),
        "bools": pd.Series([True, None, False], dtype=object),
        "stamps": pd.Series([dt.datetime(2026, 10, 1, 8, 22, 53, 120), None, dt.datetime(1899, 12, 30)], dtype=object),
        "aware": pd.Series([dt.datetime(2026, 10, 1, tzinfo=utc), None, None], dtype=object),
        "dates": pd.Series([dt.date(2026, 10, 1), dt.date(1, 1, 1), None], dtype=object),
        "text": pd.Series(["工号", "", None], dtype=object),
        "money": pd.Series([Decimal("1.10"), Fraction(1, 3), None], dtype=object),
        "numbers": pd.Series([1, 2, 3], dtype="int64"),
    }).set_axis([2, 5, 9])
    copy = parsed_copy.ParsedCopy(tmp_path, "0" * 64)
    copy.put("frames", (frame, frame.iloc[0:0], ["issue"]))
    back, empty, rest = parsed_copy.ParsedCopy(tmp_path, "0" * 64).get("frames")
    _same_frame(frame, back)
    _same_frame(frame.iloc[0:0], empty)
    assert rest == ["issue"] and pd.isna(back.at[5, "floats"]) and back.at[9, "floats"] is None
    assert parsed_copy.ParsedCopy(tmp_path, "1" * 64).get("frames") is None  # another workbook's bytes


def test_copies_are_private(sample_path, tmp_path):
    load_path(sample_path, PAYROLL_SHEETS, tmp_path)
    root = tmp_path / parsed_copy.FOLDER
    folders = [root, *[p for p in root.iterdir() if p.is_dir()]]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in folders)
    files = list(root.rglob("*"))
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files if p.is_file())
    assert not [p for p in files if ".tmp-" in p.name]


def _punches_copy(out):
    return next(p for p in _copies(out) if p.name == "punches.pickle")


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "garbage"])
def test_a_damaged_copy_is_read_again_from_the_workbook(sample_path, tmp_path, damage):
    fresh = load_path(sample_path, PAYROLL_SHEETS)
    load_path(sample_path, PAYROLL_SHEETS, tmp_path)
    path = _punches_copy(tmp_path)
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
    elif damage == "truncate":
        data = data[: len(data) - 100]
    elif damage == "empty":
        data = bytearray()
    else:
        data = bytearray(b"not a copy at all\n" * 10)
    path.write_bytes(bytes(data))
    again = load_path(sample_path, PAYROLL_SHEETS, tmp_path)
    assert "punches" not in again.from_copy and "employees" in again.from_copy
    _same_book(fresh, again)
    assert load_path(sample_path, PAYROLL_SHEETS, tmp_path).from_copy.count("punches") == 1  # stored anew


def test_a_copy_made_by_another_program_is_not_used(sample_path, tmp_path, monkeypatch):
    load_path(sample_path, PAYROLL_SHEETS, tmp_path)
    monkeypatch.setattr(parsed_copy, "_runtime", lambda: {"program": "0.0.0+other"})
    assert load_path(sample_path, PAYROLL_SHEETS, tmp_path).from_copy == []


def test_the_program_fingerprint_follows_the_source():
    first = parsed_copy.fingerprint()
    assert first.startswith(f"{parsed_copy.ecomdept.__version__}+") and len(first.split("+")[1]) == 32


def test_a_copy_of_other_bytes_is_not_used(sample_path, tmp_path):
    load_path(sample_path, PAYROLL_SHEETS, tmp_path)
    other = tmp_path / "other.xlsx"
    other.write_bytes(sample_path.read_bytes() + b"\0")  # one byte more: another sha256 (calamine reads it)
    book = load_path(other, PAYROLL_SHEETS, tmp_path)
    assert book.from_copy == []
    # a copy under the wrong name is still checked against the bytes it claims
    shutil.rmtree(tmp_path / parsed_copy.FOLDER / book.sha256)
    shutil.copytree(tmp_path / parsed_copy.FOLDER / load_path(sample_path).sha256,
                    tmp_path / parsed_copy.FOLDER / book.sha256)
    assert load_path(other, PAYROLL_SHEETS, tmp_path).from_copy == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_copy_others_could_write_is_not_used(sample_path, tmp_path):
    load_path(sample_path, PAYROLL_SHEETS, tmp_path)
    _punches_copy(tmp_path).chmod(0o666)
    assert "punches" not in load_path(sample_path, PAYROLL_SHEETS, tmp_path).from_copy
    (tmp_path / parsed_copy.FOLDER).chmod(0o777)  # anyone could have put a file there: nothing is used
    stored = sorted(p.stat().st_mtime_ns for p in _copies(tmp_path))
    assert load_path(sample_path, PAYROLL_SHEETS, tmp_path).from_copy == []
    assert load_path(sample_path, PAYROLL_SHEETS, tmp_path).from_copy == []
    assert sorted(p.stat().st_mtime_ns for p in _copies(tmp_path)) == stored  # nor written into


def test_only_the_newest_workbooks_keep_copies(sample_path, tmp_path):
    shas = []
    (tmp_path / "out").mkdir()
    for n in range(parsed_copy.KEEP + 2):
        path = tmp_path / f"book{n}.xlsx"
        path.write_bytes(sample_path.read_bytes() + b"\0" * n)
        shas.append(load_path(path, frozenset({"rules"}), tmp_path / "out").sha256)
        folder = tmp_path / "out" / parsed_copy.FOLDER / shas[-1]
        os.utime(folder, (1_000_000 + n, 1_000_000 + n))
    kept = {p.name for p in (tmp_path / "out" / parsed_copy.FOLDER).iterdir()}
    assert kept == set(shas[-parsed_copy.KEEP:])


def test_a_repeat_run_reads_from_the_copy_and_writes_the_same_results(sample_path, tmp_path):
    out = tmp_path / "out"
    first = run_payroll(sample_path, "2026-10", out, pdf=False, show_progress=False)
    first_csv = (first.month_dir / "payroll.csv").read_bytes()
    first_lines = (first.month_dir / "lines.json").read_bytes()
    read = json.loads((first.month_dir / "run.json").read_text(encoding="utf-8"))["input"].get("parsed_copy", [])
    assert set(read) <= {"employees"}  # the order stage's process reads the roster after this one kept it
    second = run_payroll(sample_path, "2026-10", out, pdf=False, show_progress=False)
    assert second.code == 0
    info = json.loads((second.month_dir / "run.json").read_text(encoding="utf-8"))
    assert {"employees", "punches", "orders", "refunds", "rules"} <= set(info["input"]["parsed_copy"])
    assert (second.month_dir / "payroll.csv").read_bytes() == first_csv
    assert (second.month_dir / "lines.json").read_bytes() == first_lines


def test_check_after_payroll_uses_the_copy(sample_path, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    assert run_payroll(sample_path, "2026-10", out, pdf=False, show_progress=False).code == 0
    capsys.readouterr()
    monkeypatch.chdir(tmp_path)  # no ./out here: the default finds no copy and reads the file
    assert main(["check", "--workbook", str(sample_path)]) == 0
    plain = capsys.readouterr().out
    opened = []
    real = parsed_copy.ParsedCopy.get
    monkeypatch.setattr(parsed_copy.ParsedCopy, "get", lambda self, key: opened.append(key) or real(self, key))
    assert main(["check", "--workbook", str(sample_path), "--out", str(out)]) == 0
    assert capsys.readouterr().out == plain
    assert {"employees", "punches", "orders"} <= set(opened)
    again = load_path(sample_path, out_dir=out)
    assert len(again.from_copy) >= 10  # every sheet the workbook has, now from the copy
