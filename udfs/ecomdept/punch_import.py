"""Clock punches into 打卡 rows: ZKTeco attlog (USB export), ZKTeco 考勤记录表 (.xls report) and
DingTalk 原始记录. Every valid punch is kept, exact duplicates (same person, same second) are folded
and counted, every other line is rejected with its line number and reason."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from .cells import normalize_header, normalize_text, parse_datetime
from .importing import ImportResult

ATTLOG_LINE = re.compile(r"^\s*(\d+)\t(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:\t(\d*))?(?:\t.*)?$")
GLUED_TIMES = re.compile(r"(\d{1,2}):(\d{2})")
PERIOD = re.compile(r"(\d{4})-(\d{2})-(\d{2})\s*~\s*(\d{4})-(\d{2})-(\d{2})")
EARLIEST = dt.datetime(2000, 1, 1)


class PunchImportError(Exception):
    pass


class _Collector:
    """Folds duplicates on (PIN or 工号, time) and maps PINs through the roster."""

    def __init__(self, roster: dict[str, str] | None):
        self.result = ImportResult("打卡")
        self.seen: set[tuple[str, dt.datetime]] = set()
        self.roster = roster
        self.unknown: dict[str, int] = {}

    def add(self, pin: str | None, when: dt.datetime, employee_id: str | None = None) -> None:
        key = (employee_id or pin or "", when)
        if key in self.seen:
            self.result.duplicates += 1
            return
        self.seen.add(key)
        if employee_id is None and self.roster is not None and pin is not None:
            employee_id = self.roster.get(pin)
            if employee_id is None:
                self.unknown[pin] = self.unknown.get(pin, 0) + 1
        self.result.rows.append([employee_id, pin, when, "考勤机", None])

    def finish(self) -> ImportResult:
        if self.unknown:
            pins = "、".join(sorted(self.unknown, key=lambda p: (len(p), p))[:20])
            self.result.notes.append(f"{len(self.unknown)} 个考勤号不在花名册中（{pins}"
                                     f"{' 等' if len(self.unknown) > 20 else ''}），"
                                     f"{sum(self.unknown.values()):,} 条打卡保留考勤号、工号留空")
        self.result.rows.sort(key=lambda r: (r[2], r[1] or r[0] or ""))
        return self.result


def _plausible(when: dt.datetime) -> bool:
    return EARLIEST <= when <= dt.datetime.now() + dt.timedelta(days=1)


def read_attlog(path: Path, c: _Collector) -> None:
    data = path.read_bytes()
    text = data.decode("utf-8", errors="replace")
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip("\x00 \t"):
            continue
        clean = line.replace("\x00", "")
        match = ATTLOG_LINE.match(clean)
        if not match:
            reason = "含 NUL 字节且记录不完整" if "\x00" in line else "格式不符（应为 PIN、时间 YYYY-MM-DD HH:MM:SS、设备…，以制表符分隔）"
            c.result.reject(path, number, reason, line)
            continue
        try:
            when = dt.datetime.strptime(match.group(2), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            c.result.reject(path, number, f"时间无效：{match.group(2)}", line)
            continue
        if not _plausible(when):
            c.result.reject(path, number, f"时间不合理：{when}", line)
            continue
        c.add(match.group(1), when)


def read_report_xls(path: Path, c: _Collector) -> None:
    """ZKTeco 考勤记录表: per person a 工号 row, then a row of day cells with glued punches."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise PunchImportError(f"无法打开 {path.name}：{type(exc).__name__}") from None
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python()
        start = None
        day_columns: dict[int, dt.date] = {}
        pin = None
        for index, row in enumerate(rows):
            number = index + 1
            cells = [normalize_text(str(v)) if v not in (None, "") else "" for v in row]
            joined = " ".join(cells)
            period = PERIOD.search(joined)
            if period:
                start = dt.date(*(int(x) for x in period.groups()[:3]))
                continue
            if start and all(isinstance(v, (int, float)) or v == "" for v in row) and any(v != "" for v in row):
                day_columns = {}
                for col, value in enumerate(row):
                    if value != "":
                        day = int(value)
                        month_start = start if day >= start.day else (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
                        day_columns[col] = month_start.replace(day=day)
                continue
            heads = [normalize_header(v) for v in cells]
            if "工号:" in heads:
                at = heads.index("工号:")
                pin = next((cells[i] for i in range(at + 1, len(cells)) if cells[i]), None)
                continue
            if pin is None or not day_columns or not any(cells):
                continue
            for col, value in enumerate(cells):
                if not value:
                    continue
                day = day_columns.get(col)
                times = GLUED_TIMES.findall(value)
                if day is None or not times or "".join(f"{h}:{m}" for h, m in times) != value.replace(" ", ""):
                    c.result.reject(path, number, f"第 {col + 1} 列无法识别为打卡时间", value)
                    continue
                for hour, minute in times:
                    if int(hour) > 23 or int(minute) > 59:
                        c.result.reject(path, number, f"时间无效：{hour}:{minute}", value)
                        continue
                    c.add(pin, dt.datetime.combine(day, dt.time(int(hour), int(minute))))
            pin = None


DINGTALK_DATE = re.compile(r"(\d{2,4})[-/.年](\d{1,2})[-/.月](\d{1,2})")


def _dingtalk_rows(path: Path) -> list[list]:
    if path.suffix.lower() in (".xlsx", ".xls", ".xlsm"):
        from python_calamine import CalamineWorkbook
        book = CalamineWorkbook.from_path(str(path))
        return book.get_sheet_by_name(book.sheet_names[0]).to_python()
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise PunchImportError(f"{path.name} 既不是 UTF-8 也不是 GBK 编码")
    return list(csv.reader(io.StringIO(text)))


def read_dingtalk(path: Path, c: _Collector) -> None:
    rows = _dingtalk_rows(path)
    header_at = next((i for i, r in enumerate(rows[:10]) if "打卡时间" in [normalize_header(v) for v in r]), None)
    if header_at is None:
        raise PunchImportError(f"{path.name}：找不到「打卡时间」列（钉钉「原始记录」导出）")
    heads = [normalize_header(v) for v in rows[header_at]]
    col = {name: heads.index(name) for name in ("工号", "UserId", "考勤日期", "打卡时间", "打卡结果") if name in heads}
    if "工号" not in col and "UserId" not in col:
        raise PunchImportError(f"{path.name}：缺少「工号」或「UserId」列")
    for index in range(header_at + 1, len(rows)):
        row = rows[index]
        number = index + 1

        def get(name):
            return row[col[name]] if name in col and col[name] < len(row) else ""
        if not any(str(v).strip() for v in row):
            continue
        who = str(get("工号") or "").strip() or None
        pin = None if who else (str(get("UserId") or "").strip() or None)
        stamp = get("打卡时间")
        if not who and not pin:
            c.result.reject(path, number, "工号与 UserId 都为空", ",".join(map(str, row)))
            continue
        if stamp in ("", None) or str(get("打卡结果")).strip() in ("未打卡", "缺卡"):
            c.result.reject(path, number, "未打卡（无打卡时间）", ",".join(map(str, row)))
            continue
        try:
            if isinstance(stamp, (dt.datetime, dt.date)) or re.search(r"\d{4}", str(stamp)):
                when = parse_datetime(stamp)
            else:
                day = DINGTALK_DATE.search(str(get("考勤日期")))
                if not day:
                    raise ValueError("考勤日期无法识别")
                year = int(day.group(1))
                year = year + 2000 if year < 100 else year
                hm = [int(x) for x in re.findall(r"\d+", str(stamp))[:3]]
                when = dt.datetime(year, int(day.group(2)), int(day.group(3)), *hm)
        except (ValueError, TypeError) as exc:
            c.result.reject(path, number, f"打卡时间无法识别：{exc}", ",".join(map(str, row)))
            continue
        c.add(pin, when, employee_id=who)


READERS = {"zkteco": read_attlog, "zkteco-xls": read_report_xls, "dingtalk": read_dingtalk}
SPREADSHEET_SUFFIXES = (".xls", ".xlsx", ".xlsm")


def detect_format(path: Path) -> str:
    """Which export a file is, from its content: a ZKTeco attlog (tab-separated PIN and time), a
    ZKTeco 考勤记录表 (a 考勤时间 period line), or a DingTalk 原始记录 (a 打卡时间 column)."""
    if not path.exists():
        raise PunchImportError(f"找不到文件：{path}")
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_path(str(path))
            rows = [row for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python()[:10]]
        except Exception as exc:
            raise PunchImportError(f"无法打开 {path.name}：{type(exc).__name__}") from None
        cells = [normalize_text(str(v)) for row in rows for v in row if v not in (None, "")]
        if any(PERIOD.search(c) for c in cells) or any("考勤记录表" in c.replace(" ", "") for c in cells):
            return "zkteco-xls"
        if "打卡时间" in {normalize_header(c) for c in cells}:
            return "dingtalk"
    else:
        with open(path, "rb") as handle:
            head = handle.read(1 << 16).replace(b"\x00", b"").decode("utf-8", errors="replace")
        lines = [line.rstrip("\r") for line in head.split("\n")[:50] if line.strip()]
        if any(ATTLOG_LINE.match(line) for line in lines):
            return "zkteco"
        if any("打卡时间" in line for line in lines[:10]):
            return "dingtalk"
    raise PunchImportError(f"{path.name}：无法识别的打卡文件（应为中控 attlog、中控考勤记录表或钉钉原始记录）")


def import_punches(fmt: str, files: list[Path], roster: dict[str, str] | None = None) -> ImportResult:
    c = _Collector(roster)
    for path in files:
        if not path.exists():
            raise PunchImportError(f"找不到文件：{path}")
        READERS[fmt](path, c)
    return c.finish()
