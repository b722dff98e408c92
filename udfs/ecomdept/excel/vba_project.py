"""The master workbook's vbaProject.bin: xlwings' own Excel-made project with module sources swapped and
one standard module added.

``xlwings`` ships ``quickstart_standalone.xlsm``, saved by Excel, whose ``xl/vbaProject.bin`` holds the
xlwings VBA module (with its ``Dictionary`` class), the document modules ``ThisWorkbook``, ``Sheet1``,
``Sheet2`` and one user module, ``Module1``. ``build`` takes that project and changes only what a new
source needs, following MS-OVBA (the VBA File Format). For each module whose source is swapped (the
master workbook swaps ``Module1`` and the document module ``ThisWorkbook``, whose new source keeps the
attribute lines Excel wrote):

- the module's stream (2.3.4.3) becomes just the new source, compressed as in 2.4.1 (``compress``): no
  PerformanceCache (compiled p-code) before it, so VBA compiles the module from source;
- its MODULE record in the ``dir`` stream gets ``MODULEOFFSET`` 0 (2.3.4.2.3.2.5: where the source starts
  in the stream); every other record of ``dir`` stays as Excel wrote it, and ``dir`` is recompressed.
  This is the form in which the template already carries its largest module, ``xlwings`` (offset 0,
  source only), so the change copies what xlwings itself ships to Excel users;
- ``_VBA_PROJECT`` (2.3.4.1) stays the 7-byte header the spec prescribes on write — Reserved1 0x61CC,
  Version 0xFFFF, Reserved2 0x00, Reserved3 — with no PerformanceCache. A Version that no VBA has
  tells the reader that every cached p-code (the template still has some in the document modules and
  ``Dictionary``) is stale: the project is compiled from source when it is opened. The template's
  stream already is exactly this header; a longer one would be cut to it (``vba_project_header``);
- ``PROJECT``, ``PROJECTwm`` and every other stream are copied byte for byte.

A module can also be **added** (``build(..., added=…)``; the master workbook adds ``xlwings_udfs``, the
worksheet functions' wrappers): a new stream holding its compressed source; a MODULE record (2.3.4.2.3.2)
at the end of the ``dir`` stream's modules — MODULENAME, MODULENAMEUNICODE, MODULESTREAMNAME (with its
Unicode form), an empty MODULEDOCSTRING, MODULEOFFSET 0, MODULEHELPCONTEXT 0, MODULECOOKIE 0xFFFF (the
value 2.3.4.2.3.2.8 prescribes on write), MODULETYPE procedural (0x0021), the terminator — and the
PROJECTMODULES count one higher; in ``PROJECT`` (2.3.1) a ``Module=`` line after the template's module
lines and a line in [Workspace]; in ``PROJECTwm`` (2.3.3) the name's MBCS/UTF-16 pair before the
terminator. Everything else stays as for a swap.

A swapped module keeps the template's name (``Module1``, not ``Buttons``): ``PROJECT`` (``Module=Module1`` and its [Workspace]
line), ``PROJECTwm`` and the names in ``dir`` then stay exactly as Excel made them, and nothing
needs the module's name — buttons call their macros by Sub name (``[0]!ValidateData``). Only the
source's ``Attribute VB_Name`` line is rewritten to the module's name, which must match MODULENAME.

The compound file is read and written here (MS-CFB version 3; ``write_cfb`` is deterministic: same
input, same bytes). xlwings is located with ``importlib.util.find_spec`` and only its template file is
read: nothing here imports xlwings.
"""

from __future__ import annotations

import importlib.util
import re
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

TEMPLATE = "quickstart_standalone.xlsm"
TEMPLATE_MEMBER = "xl/vbaProject.bin"
USER_MODULE = "Module1"  # the template's user module, whose source the master workbook replaces
XLWINGS_MODULE = "xlwings"


class VbaProjectError(Exception):
    """The template is missing or not what this module expects; the message is for the user."""


# ---- MS-OVBA 2.4.1 compression -------------------------------------------------------------------

CHUNK = 4096


def _copy_token_help(difference: int) -> tuple[int, int]:
    """2.4.1.3.19.1 CopyToken Help: (bit count of the offset, maximum length) at ``difference`` bytes
    into a decompressed chunk."""
    bit_count = max((difference - 1).bit_length(), 4)
    return bit_count, (0xFFFF >> bit_count) + 3


def _compress_chunk(chunk: bytes) -> bytes:
    """2.4.1.3.7: token sequences (a flag byte, then up to 8 literal bytes or copy tokens). Matching as
    2.4.1.3.19.4: the longest earlier match in the chunk, the nearest of equal length, then cut to the
    copy token's maximum length. (Excel's own compressor sometimes settles for a shorter match, so its
    bytes can differ; any conforming decompressor reads both the same.)"""
    out = bytearray()
    where: dict[bytes, list[int]] = {}  # 3-byte prefix → earlier positions in the chunk
    pos, end = 0, len(chunk)
    while pos < end:
        flag_at = len(out)
        out.append(0)
        for bit in range(8):
            if pos >= end:
                break
            best_len, best_at = 0, 0
            for cand in reversed(where.get(chunk[pos:pos + 3], ())):  # nearest first; a tie keeps it
                length = 3
                while pos + length < end and chunk[cand + length] == chunk[pos + length]:
                    length += 1
                if length > best_len:
                    best_len, best_at = length, cand
                    if pos + length == end:
                        break
            if best_len >= 3:
                bit_count, max_len = _copy_token_help(pos)
                step = min(best_len, max_len)
                out += struct.pack("<H", ((pos - best_at - 1) << (16 - bit_count)) | (step - 3))
                out[flag_at] |= 1 << bit
            else:
                step = 1
                out.append(chunk[pos])
            for p in range(pos, min(pos + step, end - 2)):
                where.setdefault(chunk[p:p + 3], []).append(p)
            pos += step
    return bytes(out)


def compress(data: bytes) -> bytes:
    """A CompressedContainer (2.4.1.1.1): signature 0x01, then one compressed chunk per 4,096 source
    bytes. The spec's fallback for data that does not shrink, an uncompressed chunk (2.4.1.3.10), is not
    written: it pads the source with zeros and never happens for VBA text."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK):
        body = _compress_chunk(data[start:start + CHUNK])
        if len(body) > CHUNK:
            raise VbaProjectError("VBA 源码无法压缩（不像文本）")
        out += struct.pack("<H", (len(body) - 1) | (0b011 << 12) | (1 << 15)) + body
    return bytes(out)


def decompress(data: bytes) -> bytes:
    """2.4.1.3.1: the inverse of ``compress`` (and of what Excel writes)."""
    if not data or data[0] != 1:
        raise VbaProjectError("VBA 压缩数据的签名不是 0x01")
    out = bytearray()
    pos = 1
    while pos < len(data):
        header = struct.unpack_from("<H", data, pos)[0]
        size, compressed = (header & 0x0FFF) + 3, header >> 15
        if (header >> 12) & 0b111 != 0b011:
            raise VbaProjectError("VBA 压缩块头的签名错误")
        body, pos = data[pos + 2:pos + size], pos + size
        if not compressed:
            out += body[:CHUNK]
            continue
        start, i = len(out), 0
        while i < len(body):
            flags, i = body[i], i + 1
            for bit in range(8):
                if i >= len(body):
                    break
                if not flags >> bit & 1:
                    out.append(body[i])
                    i += 1
                    continue
                token = struct.unpack_from("<H", body, i)[0]
                i += 2
                bit_count, _ = _copy_token_help(len(out) - start)
                offset = (token >> (16 - bit_count)) + 1
                length = (token & (0xFFFF >> bit_count)) + 3
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


# ---- the dir stream (2.3.4.2) --------------------------------------------------------------------

PROJECTVERSION = 0x0009  # its Size field says 4, but 6 bytes follow (Reserved 4, VersionMajor 4, VersionMinor 2)
PROJECTCODEPAGE = 0x0003
PROJECTMODULES = 0x000F
MODULENAME = 0x0019
MODULENAMEUNICODE = 0x0047
MODULESTREAMNAME = 0x001A
MODULESTREAMNAMEUNICODE = 0x0032  # the Reserved marker before the Unicode stream name
MODULEDOCSTRING = 0x001C
MODULEDOCSTRINGUNICODE = 0x0048   # likewise before the Unicode doc string
MODULEOFFSET = 0x0031
MODULEHELPCONTEXT = 0x001E
MODULECOOKIE = 0x002C
MODULETERMINATOR = 0x002B
MODULETYPE_PROCEDURAL = 0x0021


@dataclass
class Record:
    id: int
    data: bytes

    def pack(self) -> bytes:
        size = 4 if self.id == PROJECTVERSION else len(self.data)
        return struct.pack("<HI", self.id, size) + self.data


def parse_dir(data: bytes) -> list[Record]:
    """The decompressed dir stream as (id, data) records, in order. Every structure of 2.3.4.2 reads as
    Id (2 bytes), Size (4), Size bytes — including the Reserved markers inside a record (0x0032 before
    MODULESTREAMNAMEUNICODE, 0x0030 in REFERENCECONTROL, …) — except PROJECTVERSION."""
    records, pos = [], 0
    while pos < len(data):
        rid, size = struct.unpack_from("<HI", data, pos)
        if rid == PROJECTVERSION:
            size = 6
        records.append(Record(rid, data[pos + 6:pos + 6 + size]))
        pos += 6 + size
    if pos != len(data):
        raise VbaProjectError("VBA 工程的 dir 流结构不完整")
    return records


def pack_dir(records: list[Record]) -> bytes:
    return b"".join(r.pack() for r in records)


def codepage(records: list[Record]) -> str:
    for r in records:
        if r.id == PROJECTCODEPAGE:
            return f"cp{struct.unpack('<H', r.data)[0]}"
    raise VbaProjectError("VBA 工程的 dir 流没有 PROJECTCODEPAGE")


def module_records(records: list[Record]) -> dict[str, tuple[int, int]]:
    """Module name → (index of its MODULENAME record, index of its terminator)."""
    found, start = {}, None
    encoding = codepage(records)
    for i, r in enumerate(records):
        if r.id == MODULENAME:
            start = i
        elif r.id == MODULETERMINATOR and start is not None:
            found[records[start].data.decode(encoding)] = (start, i)
            start = None
    return found


def module_source(name: str, text: str) -> str:
    """A .bas file's text as the module ``name`` stores it: CRLF line ends (the file's last line end is
    the stored text's last) and the ``Attribute VB_Name`` line first, naming the module the project's
    dir stream names."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = (text[:-1] if text.endswith("\n") else text).split("\n")  # blank lines at the end are kept
    if lines and re.match(r"Attribute VB_Name\s*=", lines[0]):
        lines = lines[1:]
    return "\r\n".join([f'Attribute VB_Name = "{name}"', *lines]) + "\r\n"


def vba_project_header(data: bytes) -> bytes:
    """2.3.4.1 _VBA_PROJECT as written by a spec-conforming writer: Reserved1 0x61CC, Version 0xFFFF,
    Reserved2 0x00, Reserved3 as found, no PerformanceCache."""
    if len(data) < 7 or data[:2] != b"\xcc\x61":
        raise VbaProjectError("模板 VBA 工程的 _VBA_PROJECT 流不是 MS-OVBA 格式")
    return b"\xcc\x61\xff\xff\x00" + data[5:7]


def module_record(name: str, encoding: str) -> list[Record]:
    """2.3.4.2.3.2 MODULE for a new procedural module whose stream has the module's name and holds just
    its source (MODULEOFFSET 0)."""
    mbcs, wide = name.encode(encoding), name.encode("utf-16-le")
    return [Record(MODULENAME, mbcs), Record(MODULENAMEUNICODE, wide), Record(MODULESTREAMNAME, mbcs),
            Record(MODULESTREAMNAMEUNICODE, wide), Record(MODULEDOCSTRING, b""), Record(MODULEDOCSTRINGUNICODE, b""),
            Record(MODULEOFFSET, struct.pack("<I", 0)), Record(MODULEHELPCONTEXT, struct.pack("<I", 0)),
            Record(MODULECOOKIE, struct.pack("<H", 0xFFFF)), Record(MODULETYPE_PROCEDURAL, b""),
            Record(MODULETERMINATOR, b"")]


def _encoded(name: str, text: str, encoding: str) -> bytes:
    try:
        return module_source(name, text).encode(encoding)
    except UnicodeEncodeError as exc:
        raise VbaProjectError(f"模块 {name} 的源码含有代码页 {encoding} 无法表示的字符："
                              f"{exc.object[exc.start:exc.end]!r}") from None


PROJECT_MODULE_KEYS = ("Document=", "Module=", "Class=", "BaseClass=", "Package=")


def project_with_modules(data: bytes, names: list[str], encoding: str) -> bytes:
    """The PROJECT stream (2.3.1) with a ``Module=`` line for each new module after the template's own
    module lines, and a [Workspace] line (2.3.1.18: window positions; zeros and C, as Excel writes
    for a closed window)."""
    text = data.decode(encoding)
    lines = text.split("\r\n")
    last = max(i for i, line in enumerate(lines) if line.startswith(PROJECT_MODULE_KEYS))
    lines[last + 1:last + 1] = [f"Module={n}" for n in names]
    if "[Workspace]" in lines:
        end = lines.index("[Workspace]") + 1
        while end < len(lines) and lines[end]:
            end += 1
        lines[end:end] = [f"{n}=0, 0, 0, 0, C" for n in names]
    return "\r\n".join(lines).encode(encoding)


def name_map_with_modules(data: bytes, names: list[str], encoding: str) -> bytes:
    """PROJECTwm (2.3.3): each name as MBCS + NUL and UTF-16 + NUL, then the two-byte terminator."""
    if not data.endswith(b"\x00\x00"):
        raise VbaProjectError("模板 VBA 工程的 PROJECTwm 流没有结束符")
    pairs = b"".join(n.encode(encoding) + b"\x00" + n.encode("utf-16-le") + b"\x00\x00" for n in names)
    return data[:-2] + pairs + b"\x00\x00"


def build(sources: dict[str, str], template: bytes | None = None, added: dict[str, str] | None = None) -> bytes:
    """vbaProject.bin: ``template`` (default: xlwings' own) with each named module's source replaced
    (``sources``: module name → .bas/.cls text) and the standard modules of ``added`` (name → .bas text)
    appended. See the module docstring for what changes."""
    root = read_cfb(template if template is not None else template_bytes())
    try:
        vba, dir_entry, project = root.find("VBA"), root.find("VBA/dir"), root.find("VBA/_VBA_PROJECT")
    except KeyError as exc:
        raise VbaProjectError(f"模板的 VBA 工程缺少 {exc.args[0]}") from None
    plain = decompress(dir_entry.data)
    records = parse_dir(plain)
    if pack_dir(records) != plain:
        raise VbaProjectError("无法逐字节重建模板 VBA 工程的 dir 流")
    encoding = codepage(records)
    modules = module_records(records)
    for name, text in sources.items():
        if name not in modules:
            raise VbaProjectError(f"模板的 VBA 工程没有模块 {name}（有：{'、'.join(modules)}）")
        start, end = modules[name]
        stream_name = next(r.data for r in records[start:end] if r.id == MODULESTREAMNAME).decode(encoding)
        offset = next(i for i in range(start, end) if records[i].id == MODULEOFFSET)
        records[offset] = Record(MODULEOFFSET, struct.pack("<I", 0))
        vba.find(stream_name).data = compress(_encoded(name, text, encoding))
    new = list(added or {})
    if new:
        taken = {n.upper() for n in modules} | {c.name.upper() for c in vba.children}
        for name in new:
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,30}", name) or name.upper() in taken:
                raise VbaProjectError(f"不能添加 VBA 模块 {name}：名称无效或已存在")
            taken.add(name.upper())
        count = next(i for i, r in enumerate(records) if r.id == PROJECTMODULES)
        records[count] = Record(PROJECTMODULES, struct.pack("<H", struct.unpack("<H", records[count].data)[0] + len(new)))
        last = max(end for _, end in modules.values()) + 1
        records[last:last] = [r for name in new for r in module_record(name, encoding)]
        for name in new:
            vba.children.append(Entry(name, data=compress(_encoded(name, added[name], encoding))))
        for entry, change in ((root.find("PROJECT"), project_with_modules),
                              (root.find("PROJECTwm"), name_map_with_modules)):
            entry.data = change(entry.data, new, encoding)
    dir_entry.data = compress(pack_dir(records))
    project.data = vba_project_header(project.data)
    return write_cfb(root)


def template_path() -> Path:
    """xlwings' quickstart_standalone.xlsm, found without importing xlwings."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.submodule_search_locations:
        raise VbaProjectError("找不到 xlwings：主工作簿的 VBA 工程取自 xlwings 自带的 quickstart_standalone.xlsm。"
                              "请先安装：pip install \"ecomdept[excel]\"（xlwings 0.37.8）")
    path = Path(list(spec.submodule_search_locations)[0]) / TEMPLATE
    if not path.is_file():
        raise VbaProjectError(f"xlwings 的安装里没有 {TEMPLATE}（{path}）：请重新安装 xlwings 0.37.8")
    return path


def template_bytes() -> bytes:
    path = template_path()
    try:
        with zipfile.ZipFile(path) as book:
            return book.read(TEMPLATE_MEMBER)
    except (zipfile.BadZipFile, KeyError):
        raise VbaProjectError(f"{path} 里没有可用的 {TEMPLATE_MEMBER}") from None


# ---- MS-CFB (compound file) version 3 ------------------------------------------------------------

MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
SECTOR, MINI_SECTOR, MINI_CUTOFF = 512, 64, 4096
STORAGE, STREAM, ROOT = 1, 2, 5
RED, BLACK = 0, 1


@dataclass
class Entry:
    """A directory entry: a storage (``children``) or a stream (``data``); CLSID, state bits and the
    two FILETIMEs are carried over as raw bytes."""
    name: str
    data: bytes | None = None
    children: list["Entry"] = field(default_factory=list)
    clsid: bytes = bytes(16)
    state: int = 0
    times: bytes = bytes(16)

    def find(self, path: str) -> "Entry":
        entry = self
        for part in path.split("/"):
            entry = next((c for c in entry.children if c.name == part), None)
            if entry is None:
                raise KeyError(path)
        return entry


def read_cfb(data: bytes) -> Entry:
    """A compound file (MS-CFB 2.2–2.6) as an Entry tree; children in directory (sorted) order."""
    if data[:8] != MAGIC:
        raise VbaProjectError("vbaProject.bin 不是 OLE 复合文件")
    size = 1 << struct.unpack_from("<H", data, 30)[0]
    mini = 1 << struct.unpack_from("<H", data, 32)[0]
    n_fat, first_dir, _, cutoff, first_minifat, _, first_difat = struct.unpack_from("<7I", data, 44)
    count = max(len(data) // size - 1, 0)

    def sector(i: int) -> bytes:
        return data[(i + 1) * size:(i + 2) * size]

    def words(blob: bytes) -> list[int]:
        return list(struct.unpack(f"<{len(blob) // 4}I", blob))

    def chain(start: int, table: list[int]) -> list[int]:
        out = []
        while start not in (ENDOFCHAIN, FREESECT):
            if start >= len(table) or len(out) > len(table):
                raise VbaProjectError("OLE 复合文件的扇区链损坏")
            out.append(start)
            start = table[start]
        return out

    difat, next_difat = words(data[76:512]), first_difat
    while next_difat not in (ENDOFCHAIN, FREESECT) and next_difat < count:
        block = words(sector(next_difat))
        difat, next_difat = difat + block[:-1], block[-1]
    fat = [w for s in difat[:n_fat] for w in words(sector(s))]
    big = lambda start: b"".join(sector(s) for s in chain(start, fat))  # noqa: E731
    directory = big(first_dir)
    minifat = words(big(first_minifat)) if first_minifat not in (ENDOFCHAIN, FREESECT) else []
    raw = [directory[i:i + 128] for i in range(0, len(directory), 128)]
    ministream = big(struct.unpack_from("<I", raw[0], 116)[0])

    def stream(start: int, length: int) -> bytes:
        if length >= cutoff:
            return big(start)[:length]
        return b"".join(ministream[s * mini:(s + 1) * mini] for s in chain(start, minifat))[:length]

    def entry(sid: int) -> Entry:
        r = raw[sid]
        name = r[:max(struct.unpack_from("<H", r, 64)[0] - 2, 0)].decode("utf-16-le")
        kind = r[66]
        found = Entry(name, clsid=r[80:96], state=struct.unpack_from("<I", r, 96)[0], times=r[100:116])
        if kind == STREAM:
            found.data = stream(struct.unpack_from("<I", r, 116)[0], struct.unpack_from("<I", r, 120)[0])
        else:
            found.children = [entry(k) for k in siblings(struct.unpack_from("<I", r, 76)[0])]
        return found

    def siblings(sid: int) -> list[int]:
        if sid == NOSTREAM:
            return []
        left, right = struct.unpack_from("<II", raw[sid], 68)
        return siblings(left) + [sid] + siblings(right)

    return entry(0)


def _order(entry: Entry) -> tuple[int, str]:
    """MS-CFB 2.6.4: shorter names first, then code unit by code unit, upper-cased."""
    return len(entry.name.encode("utf-16-le")) // 2, entry.name.upper()


def write_cfb(root: Entry) -> bytes:
    """A version-3 compound file (512-byte sectors, streams under 4,096 bytes in the mini stream).
    Each storage's children form a balanced binary tree, coloured as a valid red-black tree (only the
    last, incomplete level red). Layout: directory, mini FAT, mini stream, large streams, FAT."""
    entries: list[Entry] = [root]
    links: dict[int, tuple[int, int, int, int]] = {}  # sid → (left, right, child, colour)

    def place(storage_sid: int) -> None:
        kids = sorted(entries[storage_sid].children, key=_order)
        if len({_order(k) for k in kids}) != len(kids):
            raise VbaProjectError(f"存储 {entries[storage_sid].name} 下有同名条目")
        first = len(entries)
        entries.extend(kids)
        sids = list(range(first, first + len(kids)))
        depth: dict[int, int] = {}

        def tree(lo: int, hi: int, d: int) -> int:
            if lo >= hi:
                return NOSTREAM
            mid = (lo + hi) // 2
            depth[sids[mid]] = d
            links[sids[mid]] = (tree(lo, mid, d + 1), tree(mid + 1, hi, d + 1), NOSTREAM, BLACK)
            return sids[mid]

        top = tree(0, len(sids), 0)
        deepest = max(depth.values(), default=0)
        perfect = len(sids) == 2 ** (deepest + 1) - 1
        for sid in sids:
            left, right, _, _ = links[sid]
            links[sid] = (left, right, NOSTREAM, RED if depth[sid] == deepest and not perfect else BLACK)
        old = links.get(storage_sid, (NOSTREAM, NOSTREAM, NOSTREAM, BLACK))
        links[storage_sid] = (old[0], old[1], top, old[3])
        for sid in sids:
            if entries[sid].data is None:
                place(sid)

    links[0] = (NOSTREAM, NOSTREAM, NOSTREAM, BLACK)
    place(0)

    sectors: list[bytes] = []
    fat: list[int] = []

    def allocate(blob: bytes) -> int:
        if not blob:
            return ENDOFCHAIN
        start, n = len(sectors), -(-len(blob) // SECTOR)
        blob = blob.ljust(n * SECTOR, b"\x00")
        sectors.extend(blob[i * SECTOR:(i + 1) * SECTOR] for i in range(n))
        fat.extend(list(range(start + 1, start + n)) + [ENDOFCHAIN])
        return start

    dir_sectors = -(-len(entries) * 128 // SECTOR)
    directory_at = allocate(bytes(dir_sectors * SECTOR))  # filled in below
    ministream, minifat = bytearray(), []
    starts, sizes = {0: ENDOFCHAIN}, {0: 0}
    for sid, e in enumerate(entries):
        if e.data is not None and 0 < len(e.data) < MINI_CUTOFF:
            start, n = len(minifat), -(-len(e.data) // MINI_SECTOR)
            minifat.extend(list(range(start + 1, start + n)) + [ENDOFCHAIN])
            ministream += e.data.ljust(n * MINI_SECTOR, b"\x00")
            starts[sid], sizes[sid] = start, len(e.data)
    minifat_blob = struct.pack(f"<{len(minifat)}I", *minifat)
    minifat_blob += b"\xff" * (-len(minifat_blob) % SECTOR)
    minifat_at = allocate(minifat_blob)
    starts[0], sizes[0] = allocate(bytes(ministream)), len(ministream)
    for sid, e in enumerate(entries):
        if e.data is not None and (len(e.data) >= MINI_CUTOFF or not e.data):
            starts[sid], sizes[sid] = allocate(e.data), len(e.data)

    n_fat = 0
    while n_fat * (SECTOR // 4) < len(fat) + n_fat:
        n_fat += 1
    if n_fat > 109:
        raise VbaProjectError("VBA 工程过大（超过 109 个 FAT 扇区）")
    fat_at = len(sectors)
    fat_table = fat + [FATSECT] * n_fat
    fat_table += [FREESECT] * (n_fat * (SECTOR // 4) - len(fat_table))

    directory = bytearray()
    for sid, e in enumerate(entries):
        name = e.name.encode("utf-16-le")
        if len(name) > 62:
            raise VbaProjectError(f"OLE 条目名过长：{e.name}")
        left, right, child, colour = links[sid]
        kind = ROOT if sid == 0 else STREAM if e.data is not None else STORAGE
        start, length = (starts[sid], sizes[sid]) if sid == 0 or e.data is not None else (0, 0)
        directory += (name + b"\x00\x00").ljust(64, b"\x00") + struct.pack(
            "<HBBIII16sI16sIQ", len(name) + 2, kind, colour, left, right, child, e.clsid, e.state, e.times,
            start, length)
    while len(directory) % SECTOR:
        directory += bytes(64) + struct.pack("<HBBIII", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM) + bytes(48)
    for i in range(dir_sectors):
        sectors[directory_at + i] = bytes(directory[i * SECTOR:(i + 1) * SECTOR])
    fat_blob = struct.pack(f"<{len(fat_table)}I", *fat_table)

    difat = list(range(fat_at, fat_at + n_fat)) + [FREESECT] * (109 - n_fat)
    header = MAGIC + bytes(16) + struct.pack(
        "<HHHHH6sIIIIIIIII109I", 0x003E, 0x0003, 0xFFFE, 9, 6, bytes(6), 0, n_fat, directory_at, 0, MINI_CUTOFF,
        minifat_at, len(minifat_blob) // SECTOR, ENDOFCHAIN, 0, *difat)
    return header + b"".join(sectors) + fat_blob
