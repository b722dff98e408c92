"""What every importer shares: reading an export whatever its line ends, BOM and encoding; kept rows,
folded duplicates, rejected lines (with line number and reason) written to a rejects file beside the
output, and one summary line; an output that never overwrites an input or an earlier result."""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ecomdept.core import scratch
from ecomdept.inputs.master_workbook import write_master
from ecomdept.core.privacy import safe_text


NUL_RUN = re.compile("\x00+")
LINE_END = re.compile("\r\n|\r|\n")
EXCEL_CELL_LIMIT = 32_767


class ImportFileError(Exception):
    """A file that cannot be imported at all (missing, unreadable, binary, empty, the wrong export,
    nothing usable in it): the message says which file and why."""


class OutputRefused(Exception):
    """-o that would overwrite an input, an earlier result without --force, or cannot be written."""


@dataclass
class Reject:
    file: str
    line: int
    reason: str
    content: str


@dataclass
class ImportResult:
    sheet: str
    rows: list[list] = field(default_factory=list)
    duplicates: int = 0
    rejects: list[Reject] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unusable: list[str] = field(default_factory=list)  # files that gave nothing: why, one line each

    def reject(self, file: str | Path, line: int, reason: str, content: object) -> None:
        text = content if isinstance(content, str) else repr(content)
        text = NUL_RUN.sub(lambda m: f"⟨{len(m.group(0))} 个 NUL 字节⟩", text)
        self.rejects.append(Reject(Path(file).name, line, reason, text[:200]))

    def summary(self, what: str, rejects_path: Path | None) -> str:
        where = f"（明细见 {rejects_path}）" if self.rejects and rejects_path else ""
        extra = "；" + "；".join(self.notes) if self.notes else ""
        return (f"{what}导入：保留 {len(self.rows):,} 行，合并重复 {self.duplicates:,} 行，"
                f"拒绝 {len(self.rejects):,} 行{where}{extra}")

    def mark(self) -> tuple[int, int, int]:
        return len(self.rows), self.duplicates, len(self.rejects)

    def require_usable(self, path: Path, since: tuple[int, int, int], what: str, label: str | None = None) -> None:
        """Nothing kept and nothing folded from ``path`` since ``since``: the file is listed in
        ``unusable`` (the command then writes nothing and exits 1). ``label``: the export it should
        have been, when its content looked like no export at all."""
        rows, duplicates, rejects = since
        if len(self.rows) > rows or self.duplicates > duplicates:
            return
        mine = self.rejects[rejects:]
        lead = f"{path.name} 不是{label}文件：" if label else f"{path.name}："
        if not mine:
            self.unusable.append(f"{lead}没有{what}（只有表头或空行）")
            return
        first = mine[0]
        self.unusable.append(f"{lead}没有一条可用的{what}，{len(mine):,} 行都被拒绝"
                             f"（第一处：第 {first.line} 行，{first.reason}）")


# --- reading a file, whatever its line ends, BOM and encoding ------------------------------------

@dataclass
class TextFile:
    """A text export split into physical lines (LF, CRLF and CR all end a line; a BOM at a line's
    start is dropped). ``bad``: line numbers whose bytes are not valid in ``encoding``."""

    path: Path
    encoding: str
    lines: list[str]
    bad: set[int] = field(default_factory=set)
    ends_with_newline: bool = True

    def undecodable(self, number: int) -> str:
        if number == len(self.lines) and not self.ends_with_newline:
            return f"最后一行不完整：文件在一个字符中间被截断（不是完整的 {self.encoding}）"
        return f"含有不是 {self.encoding} 编码的字节（文件损坏或混用了编码）"


MAGIC = [(b"PK\x03\x04", "ZIP 压缩包或 .xlsx 工作簿"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Office 文档（.xls 等）"),
         (b"%PDF", "PDF 文档"), (b"\x89PNG", "PNG 图片"), (b"\xff\xd8\xff", "JPEG 图片"), (b"GIF8", "GIF 图片"),
         (b"\x1f\x8b", "gzip 压缩文件"), (b"Rar!", "RAR 压缩包"), (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
         (b"\x7fELF", "程序文件"), (b"SQLite format 3\x00", "SQLite 数据库")]
SPREADSHEET_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
_MARK = "\udcff"  # stands for undecodable bytes while a file is decoded: a lone surrogate, in no decoded text


def _mark_undecodable(error: UnicodeDecodeError) -> tuple[str, int]:
    return _MARK, error.end


codecs.register_error("ecomdept-mark", _mark_undecodable)


def read_input(path: Path, what: str, error: type = ImportFileError) -> bytes:
    """The bytes of an input file, or an ImportFileError that says why not (never changes the file)."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise error(f"找不到文件：{path}") from None
    except PermissionError:
        raise error(f"无法读取 {path}：没有访问权限") from None
    except (OSError, ValueError) as exc:
        raise error(f"无法读取 {path}：{getattr(exc, 'strerror', None) or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{path} 是文件夹，不是{what}文件")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{path} 不是普通文件（设备、管道或套接字），不是{what}文件")
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except PermissionError:
        raise error(f"无法读取 {path}：没有读取权限") from None
    except OSError as exc:
        raise error(f"无法读取 {path}：{exc.strerror or exc}") from None


def is_spreadsheet(data: bytes) -> bool:
    return data.startswith(SPREADSHEET_MAGIC)


def _split(text: str) -> tuple[list[str], bool]:
    lines = LINE_END.split(text)
    ends = len(lines) > 1 and lines[-1] == ""
    if lines and lines[-1] == "":
        lines.pop()
    return [line[1:] if line.startswith("\ufeff") else line for line in lines], ends


def _decode(data: bytes) -> tuple[str, str]:
    """(text with undecodable bytes marked, encoding label): the BOM's (UTF-8, UTF-16 LE/BE), else
    whichever of UTF-8 and GB18030 (a superset of GBK) leaves fewer lines with bad bytes."""
    for bom, codec, label in ((codecs.BOM_UTF8, "utf-8", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
                              (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE")):
        if data.startswith(bom):
            return data[len(bom):].decode(codec, "ecomdept-mark"), label
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    utf8, gbk = data.decode("utf-8", "ecomdept-mark"), data.decode("gb18030", "ecomdept-mark")

    def bad_lines(text):
        return sum(1 for line in LINE_END.split(text) if _MARK in line)
    return (utf8, "UTF-8") if bad_lines(utf8) <= bad_lines(gbk) else (gbk, "GBK/GB18030")


def _binary_kind(data: bytes, text: str, lines: list[str]) -> str | None:
    """What a file is when it is no text: a known signature, or bytes that no text encoding reads
    (more than half of its lines broken, many bytes undecodable). Control characters alone do not
    make a binary: such lines are rejected one by one."""
    marks = text.count(_MARK)
    for magic, kind in MAGIC:
        if data.startswith(magic) and (marks or b"\x00" in data[:4096]):
            return kind
    if marks < 16 or marks < 0.01 * len(text):
        return None
    filled = [line for line in lines if line.strip()]
    return "无法识别的二进制数据" if sum(_MARK in line for line in filled) * 2 >= len(filled) else None


def decode_text(path: Path, data: bytes, what: str, error: type = ImportFileError) -> TextFile:
    """Lines of a text export (none for an empty one), or ``error`` for a binary file."""
    text, encoding = _decode(data)
    lines, ends = _split(text)
    kind = _binary_kind(data, text, lines)
    if kind:
        raise error(f"{path.name} 不是{what}文件：内容是二进制数据（{kind}），不是文本")
    bad = {number for number, line in enumerate(lines, start=1) if _MARK in line}
    if bad:
        lines = [line.replace(_MARK, "\ufffd") for line in lines]
    return TextFile(path, encoding, lines, bad, ends)


def is_blank(line: str) -> bool:
    """A line without content: nothing but whitespace (Python's, including the ideographic space)."""
    return not line.strip()


FORMATS = {  # --format value → (import kind, what it is)
    "zkteco": ("punches", "中控考勤机 attlog（USB 导出的 .dat/.txt）"),
    "zkteco-xls": ("punches", "中控「考勤记录表」（.xls）"),
    "dingtalk": ("punches", "钉钉「原始记录」"),
    "dingtalk-daily": ("punches", "钉钉「每日统计」（请改为导出「原始记录」）"),
    "tmall": ("orders", "天猫订单报表（CSV）"),
    "olist": ("orders", "Olist 数据集的 CSV"),
}


def wrong_format(path: Path, found: str, wanted: str | None, kind: str,
                 error: type = ImportFileError) -> ImportFileError:
    """One message for a file given as the wrong export: what it looks like and what to type instead."""
    def spaced(text):  # 是 Olist…, 是钉钉…
        return (" " if text[0].isascii() else "") + text
    found_kind, label = FORMATS[found]
    label = spaced(label)
    wanted_text = "不是" + spaced(FORMATS[wanted][1] if wanted else f"{'打卡' if kind == 'punches' else '订单'}导出")
    if found == "dingtalk-daily":
        hint = "请在钉钉考勤后台导出「原始记录」后再导入"
    elif found_kind == kind:
        hint = f"请改用 --format {found}"
    else:
        hint = f"请用 ecomdept import {found_kind} --format {found}"
    return error(f"{path.name} 看起来是{label}，{wanted_text}：{hint}")


@dataclass
class Source:
    """An input file read once: a text export's lines, or a workbook's sheets (name → rows)."""

    path: Path
    text: TextFile | None = None
    sheets: dict[str, list[list]] | None = None

    @property
    def empty(self) -> bool:
        """No content at all: no byte, or nothing but whitespace, BOM and NUL bytes."""
        if self.sheets is not None:
            return not any(v not in (None, "") for rows in self.sheets.values() for row in rows for v in row)
        return not any(line.replace("\x00", "").strip() for line in self.text.lines)

    def empty_message(self, what: str) -> str:
        nul = self.text is not None and any("\x00" in line for line in self.text.lines)
        return f"{self.path.name} 是空文件，没有{what}" + ("（只有 NUL 字节）" if nul else "")


def load_source(path: Path, what: str, error: type = ImportFileError) -> Source:
    """Read an input file once (never changing it): ``error`` for one that is missing, unreadable,
    binary, or a workbook that cannot be opened."""
    data = read_input(path, what, error)
    if not is_spreadsheet(data):
        return Source(path, text=decode_text(path, data, what, error))
    import io

    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}
    except Exception as exc:  # a damaged workbook or a ZIP that is none
        kind = next(k for m, k in MAGIC if data.startswith(m))
        raise error(f"{path.name} 不是可读的 Excel 工作簿，也就不是{what}文件（{kind}：{type(exc).__name__}）") from None
    return Source(path, sheets=sheets)


# --- CSV records, one bad line never taking the rest of the file with it ---------------------------

MAX_RECORD_LINES = 50  # a quoted field may run over this many lines at most


def _quote_state(line: str, inside: bool) -> bool:
    """Whether a CSV line ends inside a quoted field (Excel's dialect: a quote opens a field only at
    its start, "" inside a quoted field is a quote)."""
    if '"' not in line:
        return inside
    start, closed = not inside, False
    for ch in line:
        if inside:
            if ch == '"':
                inside, closed = False, True
            continue
        if ch == '"' and (start or closed):
            inside, start, closed = True, False, False
            continue
        start, closed = ch == ",", False
    return inside


def _closes_cleanly(line: str) -> bool:
    """Whether the quote that closes a field on this continuation line is followed by a comma or the
    line's end, as a CSV writer writes it."""
    at = 0
    while (at := line.find('"', at)) >= 0:
        if line[at + 1:at + 2] != '"':
            return line[at + 1:at + 2] in ("", ",")
        at += 2
    return True


def _cells(line: str) -> list[str] | None:
    try:
        return next(csv.reader([line.replace("\x00", "")]), [])
    except csv.Error:
        return None


def _swallows_a_row(lines: list[str], is_row) -> bool:
    """Whether a quoted field over ``lines[1:]`` would take along a line that is on its own a row
    (``is_row``) — the lines inside it, and its last line when the quote there does not close cleanly."""
    for j in range(1, len(lines)):
        if j == len(lines) - 1 and _closes_cleanly(lines[j]):
            break
        cells = _cells(lines[j])
        if cells is not None and is_row(cells):
            return True
    return False


@contextlib.contextmanager
def _any_field_size():
    old = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        yield
    finally:
        csv.field_size_limit(old)


@dataclass
class Record:
    line: int                  # first physical line
    cells: list[str] | None    # None: not a CSV record (``problem`` says why)
    text: str
    problem: str | None = None
    last: bool = False         # the file's last line, without a line end after it


def csv_records(source: TextFile, start: int = 0, is_row=None):
    """Every non-blank CSV record from physical line ``start`` (0-based) on, with its first line
    number. A quoted field may run over several lines — within MAX_RECORD_LINES lines, and over no
    line that is on its own a valid row (``is_row``): else the quote spoils only its own line, and
    the lines after it are records of their own."""
    lines, n, i = source.lines, len(source.lines), start
    unclosed = "引号不成对（一个以引号开头的字段没有结束引号）"
    with _any_field_size():
        while i < n:
            line = lines[i]
            end = i + 1
            if _quote_state(line, False):
                inside = True
                while inside and end < n and end - i < MAX_RECORD_LINES:
                    inside = _quote_state(lines[end], True)
                    end += 1
                if inside or (is_row is not None and _swallows_a_row(lines[i:end], is_row)):
                    yield Record(i + 1, None, line, unclosed)
                    i += 1
                    continue
            text = "\n".join(lines[i:end])
            if is_blank(text):
                i = end
                continue
            cells = _cells(text)
            if cells is None:
                yield Record(i + 1, None, line, "不是有效的 CSV 行")
                i += 1
                continue
            bad = next((k for k in range(i + 1, end + 1) if k in source.bad), None)
            record = Record(i + 1, cells, text, source.undecodable(bad) if bad else None,
                            last=end == n and not source.ends_with_newline)
            if record.problem is None and not any(c.strip() for c in cells):
                record.problem = "只有 NUL 字节" if "\x00" in text else "没有内容（只有分隔符）"
            yield record
            i = end


def csv_table(source: TextFile, is_header, row_check=None, within: int = 10):
    """(header record or None, the records above it, the records after it): the header is the first
    of the first ``within`` records that ``is_header`` accepts (any readable one when it is None);
    ``row_check(header cells)`` gives the test for a valid row that no quoted field may swallow."""
    head = []
    for record in csv_records(source):
        head.append(record)
        if len(head) >= within:
            break
    readable = [r for r in head if r.cells is not None and r.problem is None]
    header = next((r for r in readable if is_header is None or is_header(r.cells)), None)
    if header is None:
        return None, head, iter(())
    before = [r for r in head if r.line < header.line]
    is_row = row_check(header.cells) if row_check else None
    return header, before, csv_records(source, header.line + header.text.count("\n"), is_row)


STAMP = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?:\s*日\s*|\s*[T ]\s*)(\d{1,2})\s*[:：时]\s*"
                   r"(\d{2})(?:\s*[:：分]\s*(\d{2})(?:\.\d+)?)?\s*[分秒]?$")


def strict_datetime(value: object) -> dt.datetime:
    """A date with its time, written out in full: a cut-off '2020-02-2' or '23:5' is refused rather
    than read as another day or minute."""
    from ecomdept.inputs.cells import normalize_text, parse_datetime

    if not isinstance(value, str):
        return parse_datetime(value)
    match = STAMP.match(normalize_text(value))
    if not match:
        raise ValueError(f"应为完整的日期时间，如 2020-02-21 08:29:00：{value.strip()[:40]!r}")
    try:
        return dt.datetime(*(int(p) if p else 0 for p in match.groups()))
    except ValueError:
        raise ValueError(f"不存在的日期时间：{value.strip()[:40]}") from None


# --- writing OUT.xlsx and OUT.rejects.csv without losing anything --------------------------------

def rejects_path_for(out: Path) -> Path:
    return out.with_name(out.stem + ".rejects.csv")


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except OSError:
        return False


def plan_output(out: Path, inputs: list[Path], force: bool) -> list[Path]:
    """The files an import will write (OUT.xlsx, OUT.rejects.csv), checked before anything is read:
    never an input, never an existing file without --force. Raises OutputRefused."""
    if out.suffix.lower() != ".xlsx":
        raise OutputRefused(f"-o 应为 .xlsx 文件的路径：{out}")
    parent = out.parent
    if not parent.exists():
        raise OutputRefused(f"输出文件夹不存在：{parent}（请先建好文件夹）")
    if not parent.is_dir():
        raise OutputRefused(f"-o 的上级 {parent} 是文件，不是文件夹")
    targets = [out, rejects_path_for(out)]
    for target in targets:
        for source in inputs:
            if _same_file(target, source):
                raise OutputRefused(f"输出 {target} 就是输入文件 {source}：请换一个 -o，输入文件不会被改动")
        if target.is_dir():
            raise OutputRefused(f"输出 {target} 是文件夹")
        if (target.exists() or target.is_symlink()) and not target.is_file():
            raise OutputRefused(f"输出 {target} 已存在且不是普通文件")
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise OutputRefused(f"目标文件已存在：{'、'.join(map(str, existing))}。加 --force 覆盖（原文件先备份为 "
                            f"{existing[0].name}.bak，已有备份时依次编号 .bak.1、.bak.2……，不覆盖任何备份）")
    return targets


def backup_name(target: Path, number: int) -> Path:
    return target.with_name(target.name + (".bak" if number == 0 else f".bak.{number}"))


def _keep_backup(target: Path) -> Path:
    """Link (or else copy) ``target`` to the first free OUT.bak, OUT.bak.1, …: no backup is overwritten."""
    number = 0
    while True:
        backup = backup_name(target, number)
        try:
            os.link(target, backup)
            return backup
        except FileExistsError:
            number += 1
        except OSError:  # no hard links here: an exclusive copy
            try:
                with open(target, "rb") as source, open(backup, "xb") as copy:
                    while chunk := source.read(1 << 20):
                        copy.write(chunk)
                return backup
            except FileExistsError:
                number += 1


def _write_rejects(result: ImportResult, path: Path) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["文件", "行号", "原因", "内容"])
        for r in result.rejects:
            writer.writerow([r.file, r.line, r.reason, safe_text(r.content)])


def write(result: ImportResult, out: Path, force: bool = False) -> tuple[Path, list[Path]]:
    """Write OUT.xlsx (sheet-ready rows) and OUT.rejects.csv (always, so an empty one says 'none'):
    each first to a temporary file beside it, then an existing one is kept as a numbered backup and
    the new one takes its place. Returns the rejects path and the backups made."""
    targets = [out, rejects_path_for(out)]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise OutputRefused(f"目标文件已存在：{'、'.join(map(str, existing))}。加 --force 覆盖")
    backups: list[Path] = []
    mask = os.umask(0)
    os.umask(mask)
    with scratch.ScratchFolder(out.parent / f".{out.name}.tmp-{os.getpid()}") as folder:  # private while written
        temps = [folder / target.name for target in targets]
        write_master(temps[0], {result.sheet: result.rows}, only_given=True)
        _write_rejects(result, temps[1])
        for temp in temps:  # the result is as any new file
            os.chmod(temp, 0o666 & ~mask)
        for temp, target in zip(temps, targets):
            if target.exists():
                backups.append(_keep_backup(target))
            scratch.commit(temp, target)
        folder.rmdir()
    return targets[1], backups


@dataclass
class Merge:
    """Imported rows placed into a sheet that already has rows: which rows to append (in the sheet's
    column order), which existing rows to overwrite (Excel row number → row), how many were there."""

    header_row: int                      # Excel row number of the header
    columns: list[str]                   # field id per sheet column (None for columns of the user's own)
    appended: list[list] = field(default_factory=list)
    updated: dict[int, list] = field(default_factory=dict)
    present: int = 0
    missing: list[str] = field(default_factory=list)

    first_free: int = 0                  # Excel row number where appended rows start
    header: list[str] | None = None      # the header to write first (the sheet was empty)


def _punch_key(get) -> tuple | None:
    when, clock, emp = get("punched_at"), get("clock_id"), get("employee_id")
    if when is None or not (clock or emp):
        return None
    return ("考勤号", clock, when) if clock else ("工号", emp, when)


def _order_key(get) -> tuple | None:
    order = get("order_id")
    return ("订单", order) if order else None


# how an imported row is recognised in the sheet, and what happens to a row already there
MERGE_RULES = {"打卡": (_punch_key, "keep"), "订单": (_order_key, "replace")}


def merge_into(sheet, existing: list[list[object]], imported: list[list[object]]) -> Merge:
    """Place ``imported`` (rows in the schema's column order) into a sheet's existing raw rows:
    punches already there (same 考勤号 or 工号 and second) are not added again; an order already
    there (same 订单编号) is overwritten with the newer export; everything else is appended."""
    from ecomdept.inputs.cells import parser_for, whole_second
    from ecomdept.inputs.workbook_io import _find_header

    key_of, policy = MERGE_RULES[sheet.name]
    existing = [row for row in existing]
    header_index, positions = _find_header(existing, sheet) if existing else (0, {})
    header = None
    if not positions:
        if any(v not in (None, "") for row in existing for v in row):
            raise ValueError(f"「{sheet.name}」表找不到表头（{'、'.join(c.header for c in sheet.columns[:3])}……），未导入")
        header_index, positions = 0, {col.id: i for i, col in enumerate(sheet.columns)}
        header = [col.header for col in sheet.columns]  # an empty sheet gets the schema's header
        existing = [header]
    width = max([len(existing[header_index]), max(positions.values()) + 1])
    columns: list[str | None] = [None] * width
    for field_id, pos in positions.items():
        columns[pos] = field_id
    merge = Merge(header_index + 1, columns, header=header)
    merge.missing = [col.header for col in sheet.columns if col.id not in positions]
    parsers = {col.id: parser_for(col) for col in sheet.columns}
    order = [col.id for col in sheet.columns]

    def existing_key(row):
        def get(field_id):
            pos = positions.get(field_id)
            value = row[pos] if pos is not None and pos < len(row) else None
            if value in (None, ""):
                return None
            try:
                value = parsers[field_id](value)
            except ValueError:
                return None
            return whole_second(value) if isinstance(value, dt.datetime) else value
        return key_of(get)

    where: dict[tuple, int] = {}
    last = header_index
    for index in range(header_index + 1, len(existing)):
        row = existing[index]
        if any(v not in (None, "") for v in row):
            last = index
            key = existing_key(row)
            if key is not None:
                where.setdefault(key, index + 1)
    merge.present = len(where)
    appended_at = last + 2  # Excel row number after the last row with content
    for values in imported:
        by_id = dict(zip(order, values))
        key = key_of(by_id.get)
        row = [by_id.get(c) if c else None for c in columns]
        if key is not None and key in where:
            if policy == "replace":
                merge.updated[where[key]] = row
            continue
        if key is not None:
            where[key] = appended_at + len(merge.appended)
        merge.appended.append(row)
    merge.first_free = appended_at
    return merge
