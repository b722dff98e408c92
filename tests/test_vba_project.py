"""vbaProject.bin: xlwings' Excel-made project with only the user module's source replaced, checked
with independent readers (olefile for the compound file, oletools for MS-OVBA decompression and
module extraction)."""

import importlib.metadata
import importlib.util
import io
import random
import struct
import zipfile

import olefile
import pytest
from oletools.olevba import VBA_Parser, decompress_stream

from conftest import ROOT
from ecomdept.excel import master, vba_project

BUTTONS_BAS = (ROOT / "udfs" / "ecomdept" / "workbook" / "vba" / "Buttons.bas").read_text(encoding="ascii")
MODULE = vba_project.USER_MODULE
RED, BLACK = 0, 1  # MS-CFB 2.6.1 ColorFlag


def template() -> bytes:
    spec = importlib.util.find_spec("xlwings")
    with zipfile.ZipFile(f"{spec.submodule_search_locations[0]}/quickstart_standalone.xlsm") as z:
        return z.read("xl/vbaProject.bin")


@pytest.fixture(scope="module")
def pair():
    return template(), vba_project.build({MODULE: BUTTONS_BAS})


def streams(data: bytes) -> dict[str, bytes]:
    ole = olefile.OleFileIO(io.BytesIO(data))
    try:
        return {"/".join(p): ole.openstream(p).read() for p in ole.listdir(streams=True, storages=False)}
    finally:
        ole.close()


def dir_records(stream: bytes) -> list[tuple[int, bytes]]:
    """MS-OVBA 2.3.4.2, decompressed with oletools: (Id, Size, data) records; PROJECTVERSION (0x0009)
    carries 6 bytes after a Size of 4."""
    data = bytes(decompress_stream(bytearray(stream)))
    out, pos = [], 0
    while pos < len(data):
        rid, size = struct.unpack_from("<HI", data, pos)
        size = 6 if rid == 0x0009 else size
        out.append((rid, data[pos + 6:pos + 6 + size]))
        pos += 6 + size
    assert pos == len(data)
    return out


def module_offsets(records) -> dict[str, tuple[int, int]]:
    """Module name → (index of its MODULEOFFSET record, offset)."""
    found, name = {}, None
    for i, (rid, data) in enumerate(records):
        if rid == 0x0019:
            name = data.decode("cp1252")
        elif rid == 0x0031:
            found[name] = (i, struct.unpack("<I", data)[0])
    return found


def test_only_the_user_modules_stream_and_dir_record_differ(pair):
    before, after = map(streams, pair)
    assert sorted(before) == sorted(after)  # same storages and streams, same names
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {f"VBA/{MODULE}", "VBA/dir"}
    assert after["PROJECT"] == before["PROJECT"] and after["PROJECTwm"] == before["PROJECTwm"]
    old, new = dir_records(before["VBA/dir"]), dir_records(after["VBA/dir"])
    assert len(old) == len(new)
    index, offset = module_offsets(old)[MODULE]
    assert offset > 0  # Excel's module starts with compiled p-code …
    assert module_offsets(new)[MODULE] == (index, 0)  # … which the built one no longer has
    assert [i for i, (a, b) in enumerate(zip(old, new)) if a != b] == [index]


def test_the_module_stream_is_just_the_compressed_source(pair):
    stream = streams(pair[1])[f"VBA/{MODULE}"]
    source = bytes(decompress_stream(bytearray(stream))).decode("cp1252")
    lines = BUTTONS_BAS.splitlines()
    assert lines[0] == 'Attribute VB_Name = "Buttons"'
    assert source == "\r\n".join([f'Attribute VB_Name = "{MODULE}"', *lines[1:]]) + "\r\n"


def test_the_vba_project_stream_has_no_performance_cache(pair):
    stream = streams(pair[1])["VBA/_VBA_PROJECT"]
    assert stream[:5] == b"\xcc\x61\xff\xff\x00" and len(stream) == 7  # MS-OVBA 2.3.4.1, as written


def test_olevba_reads_back_buttons_bas(pair):
    parser = VBA_Parser("vbaProject.bin", data=pair[1])
    try:
        modules = {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    code = modules[f"{MODULE}.bas"]
    lines = BUTTONS_BAS.splitlines()  # olevba gives the stored text: CRLF, the VB_Name line naming the module
    assert code == "\r\n".join([f'Attribute VB_Name = "{MODULE}"', *lines[1:]]) + "\r\n"
    assert "xlwings.bas" in modules and "Dictionary.cls" in modules  # the template's other modules stay


ADDED = "Attribute VB_Name = \"Extra\"\nFunction Twice(x)\n    Twice = 2 * x\nEnd Function\n"


@pytest.fixture(scope="module")
def with_module(pair):
    """(the project with Module1 swapped, the same with a module added)"""
    return pair[1], vba_project.build({MODULE: BUTTONS_BAS}, added={"Extra": ADDED})


def test_an_added_module_changes_only_what_ms_ovba_lists(with_module):
    before, after = map(streams, with_module)
    assert sorted(after) == sorted([*before, "VBA/Extra"])
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"VBA/dir", "PROJECT", "PROJECTwm"}
    old_project, new_project = before["PROJECT"].decode("cp1252"), after["PROJECT"].decode("cp1252")
    old_lines, new_lines = old_project.split("\r\n"), new_project.split("\r\n")
    assert [l for l in new_lines if l not in old_lines] == ["Module=Extra", "Extra=0, 0, 0, 0, C"]
    assert [l for l in new_lines if l in old_lines] == old_lines
    assert new_lines.index("Module=Extra") == new_lines.index("Class=Dictionary") + 1 < new_lines.index('Name="VBAProject"')
    assert new_lines.index("Extra=0, 0, 0, 0, C") > new_lines.index("[Workspace]")
    assert after["PROJECTwm"] == before["PROJECTwm"][:-2] + b"Extra\x00E\x00x\x00t\x00r\x00a\x00\x00\x00\x00\x00"


def test_an_added_modules_dir_record(with_module):
    old, new = (dir_records(streams(d)["VBA/dir"]) for d in with_module)
    count = next(i for i, (rid, _) in enumerate(old) if rid == 0x000F)
    assert struct.unpack("<H", new[count][1])[0] == struct.unpack("<H", old[count][1])[0] + 1 == 7
    last = max(i for i, (rid, _) in enumerate(old) if rid == 0x002B)
    wide = "Extra".encode("utf-16-le")
    assert new[last + 1:last + 12] == [
        (0x0019, b"Extra"), (0x0047, wide), (0x001A, b"Extra"), (0x0032, wide), (0x001C, b""), (0x0048, b""),
        (0x0031, bytes(4)), (0x001E, bytes(4)), (0x002C, b"\xff\xff"), (0x0021, b""), (0x002B, b"")]
    assert new[:count] + new[count + 1:last + 1] + new[last + 12:] == old[:count] + old[count + 1:]
    source = bytes(decompress_stream(bytearray(streams(with_module[1])["VBA/Extra"]))).decode("cp1252")
    assert source == ADDED.replace("\n", "\r\n")


def test_olevba_reads_an_added_module(with_module):
    parser = VBA_Parser("vbaProject.bin", data=with_module[1])
    try:
        modules = {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    assert modules["Extra.bas"] == ADDED.replace("\n", "\r\n")
    assert {"xlwings.bas", "Dictionary.cls", f"{MODULE}.bas", "ThisWorkbook.cls"} <= set(modules)


def test_an_added_module_needs_a_new_valid_name():
    for name in ("Module1", "xlwings", "MODULE1", "1abc", "two words", "dir"):
        with pytest.raises(vba_project.VbaProjectError, match=f"不能添加 VBA 模块 {name}"):
            vba_project.build({}, added={name: ADDED})


def test_two_builds_are_identical(pair):
    assert vba_project.build({MODULE: BUTTONS_BAS}) == pair[1]


def test_the_template_is_the_installed_xlwings(pair):
    xlwings_module = streams(pair[0])["VBA/xlwings"]
    source = bytes(decompress_stream(bytearray(xlwings_module))).decode("cp1252")
    assert f"'Version: {importlib.metadata.version('xlwings')}" in source.splitlines()[:5]


def test_unknown_module_and_non_cp1252_source_are_refused():
    with pytest.raises(vba_project.VbaProjectError, match="没有模块 Buttons"):
        vba_project.build({"Buttons": BUTTONS_BAS})
    with pytest.raises(vba_project.VbaProjectError, match="代码页 cp1252"):
        vba_project.build({MODULE: "' 计算工资\r\n"})


def test_missing_xlwings_is_a_chinese_message(monkeypatch):
    monkeypatch.setattr(vba_project.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(vba_project.VbaProjectError, match=r"找不到 xlwings.*pip install"):
        master.build(ROOT / "never-written.xlsm")


@pytest.mark.parametrize("text", [
    b"",
    b"a",
    b"abc" * 5000,  # long matches: the copy token's length limit, several chunks
    bytes(9000),
    b"Attribute VB_Name = \"x\"\r\n" + b"Public Sub A()\r\n    RunPython \"x\"\r\nEnd Sub\r\n" * 300,
    bytes(random.Random(7).choice(b"ab \r\n") for _ in range(20000)),
])
def test_compression_round_trips_through_oletools(text):
    packed = vba_project.compress(text)
    assert bytes(decompress_stream(bytearray(packed))) == text
    assert vba_project.decompress(packed) == text


def test_compression_reads_what_excel_wrote():
    ole = olefile.OleFileIO(io.BytesIO(template()))
    try:
        for name in ("VBA/dir", "VBA/xlwings"):
            raw = ole.openstream(name).read()
            assert vba_project.decompress(raw) == bytes(decompress_stream(bytearray(raw)))
    finally:
        ole.close()


def test_compound_file_round_trip_keeps_every_entry():
    data = template()
    again = vba_project.write_cfb(vba_project.read_cfb(data))
    assert streams(again) == streams(data)
    a, b = olefile.OleFileIO(io.BytesIO(data)), olefile.OleFileIO(io.BytesIO(again))
    try:
        def entries(ole):
            return sorted((e.name, e.entry_type, e.clsid, e.dwUserFlags, e.createTime, e.modifyTime, e.size)
                          for e in ole.direntries if e is not None)
        assert entries(a) == entries(b)
    finally:
        a.close()
        b.close()


def test_compound_file_directory_is_a_valid_red_black_tree(pair):
    """MS-CFB 2.6.4: each storage's children form a red-black tree ordered by name length, then by
    upper-cased name; the root is black, no red node has a red child, every path has as many black
    nodes."""
    ole = olefile.OleFileIO(io.BytesIO(pair[1]))
    try:
        entries = ole.direntries

        def check(sid, low, high) -> int:
            if sid == olefile.NOSTREAM:
                return 1
            e = entries[sid]
            key = (len(e.name), e.name.upper())
            assert (low is None or low < key) and (high is None or key < high), e.name
            if e.color == RED:
                for kid in (e.sid_left, e.sid_right):
                    assert kid == olefile.NOSTREAM or entries[kid].color == BLACK
            left, right = check(e.sid_left, low, key), check(e.sid_right, key, high)
            assert left == right, e.name
            return left + (e.color == BLACK)

        for e in entries:
            if e is not None and e.entry_type in (olefile.STGTY_STORAGE, olefile.STGTY_ROOT):
                if e.sid_child != olefile.NOSTREAM:
                    assert entries[e.sid_child].color == BLACK
                    check(e.sid_child, None, None)
    finally:
        ole.close()
