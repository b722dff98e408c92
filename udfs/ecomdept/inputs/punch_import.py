"""Clock punches into 打卡 rows: ZKTeco attlog (USB export), ZKTeco 考勤记录表 (.xls report) and
DingTalk 原始记录. Every valid punch is kept, exact duplicates (same person, same second) are folded
and counted, every other line is rejected with its line number and reason. Line ends (LF, CRLF, CR),
BOM and encoding (UTF-8, GBK/GB18030, UTF-16) do not matter; a file that is another export, binary,
empty or holds no usable punch is refused with one message."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ecomdept.inputs.cells import normalize_header, normalize_text, parse_date, parse_text
from ecomdept.inputs.importing import (EXCEL_CELL_LIMIT, FORMATS, ImportFileError, ImportResult, Source, csv_records, csv_table, is_blank,
                        load_source, strict_datetime, wrong_format)

ATTLOG_LINE = re.compile(r"^\s*(\d+)\t(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:\t(\d*))?(?:\t.*)?$", re.ASCII)
GLUED_TIMES = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)
PERIOD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*(?:~|～|—|--|至|到)\s*"
                    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", re.ASCII)
EARLIEST = dt.datetime(2000, 1, 1)
WHAT = "打卡导出"
DINGTALK_DAILY_HEADERS = {"上班1打卡时间", "下班1打卡时间"}


class PunchImportError(ImportFileError):
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


# --- ZKTeco attlog -------------------------------------------------------------------------------

def read_attlog(source: Source, c: _Collector) -> None:
    path, text = source.path, source.text
    for number, line in enumerate(text.lines, start=1):
        if is_blank(line):
            continue
        match = ATTLOG_LINE.match(line.replace("\x00", ""))
        if not match:
            if "\x00" in line:
                reason = "含 NUL 字节且记录不完整"
            elif number in text.bad:
                reason = text.undecodable(number)
            else:
                reason = "格式不符（应为 PIN、时间 YYYY-MM-DD HH:MM:SS、设备…，以制表符分隔）"
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
        if len(match.group(1)) > 64:
            c.result.reject(path, number, f"考勤号过长（{len(match.group(1)):,} 位）", line)
            continue
        c.add(match.group(1), when)


# --- ZKTeco 考勤记录表 -----------------------------------------------------------------------------

def _cell_text(value) -> str:
    return normalize_text(str(value)) if value not in (None, "") else ""


def _day_number(value) -> int | None:
    """A cell of the report's day row: 1–31 as a number or as digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and float(value).is_integer():
        return int(value)
    match = re.fullmatch(r"\s*(\d{1,2})\s*[日号]?\s*", value, re.ASCII) if isinstance(value, str) else None
    return int(match.group(1)) if match else None


def _is_day_row(row) -> bool:
    filled = [v for v in row if v not in (None, "")]
    return bool(filled) and all(_day_number(v) is not None and 1 <= _day_number(v) <= 31 for v in filled)


def _day_dates(row, start: dt.date, end: dt.date | None) -> dict[int, dt.date | None]:
    """Column → date for a day row. The days run on from the period's start: a 10th-to-10th cycle's
    10, 11, … 31, 1, … 10 are this month's 10th to the next month's 10th (across a year end too)."""
    last = end or start + dt.timedelta(days=61)
    cursor, dates = start, {}
    for col, value in enumerate(row):
        day = _day_number(value)
        if day is None:
            continue
        date = None
        probe = cursor
        while probe <= last:
            if probe.day == day:
                date = probe
                break
            probe += dt.timedelta(days=1)
        dates[col] = date
        if date is not None:
            cursor = date + dt.timedelta(days=1)
    return dates


def _cell_times(value) -> list[tuple[int, int]] | None:
    """The punches in one day cell: glued 'HH:MM' texts, or an Excel time; None if it is neither."""
    if isinstance(value, dt.datetime):
        return [(value.hour, value.minute)]
    if isinstance(value, dt.time):
        return [(value.hour, value.minute)]
    if isinstance(value, float) and 0 <= value < 1:
        minutes = round(value * 24 * 60)
        return [divmod(minutes, 60)] if minutes < 24 * 60 else None
    text = _cell_text(value).replace(" ", "")
    times = GLUED_TIMES.findall(text)
    if not times or "".join(f"{h}:{m}" for h, m in times) != text:
        return None
    return [(int(h), int(m)) for h, m in times]


def read_report_xls(source: Source, c: _Collector) -> None:
    """ZKTeco 考勤记录表: per person a 工号 row, then a row of day cells with glued punches."""
    path = source.path
    for name, rows in source.sheets.items():
        start = end = None
        day_columns: dict[int, dt.date | None] = {}
        pin = None
        for index, row in enumerate(rows):
            number = index + 1
            cells = [_cell_text(v) for v in row]
            period = PERIOD.search(" ".join(cells))
            if period:
                try:
                    start = dt.date(*(int(x) for x in period.groups()[:3]))
                    end = dt.date(*(int(x) for x in period.groups()[3:]))
                except ValueError:
                    c.result.reject(path, number, f"考勤时间不是有效的日期：{period.group(0)}", " ".join(cells))
                    start = end = None
                    continue
                if end < start:
                    c.result.reject(path, number, f"考勤时间的结束日早于开始日：{period.group(0)}", " ".join(cells))
                    start = end = None
                day_columns = {}
                continue
            if _is_day_row(row):
                day_columns = _day_dates(row, start, end) if start else {}
                if not start:
                    c.result.reject(path, number, "日期行之前没有「考勤时间」，无法确定年月", " ".join(cells))
                continue
            heads = [normalize_header(v) for v in cells]
            if "工号:" in heads:
                at = heads.index("工号:")
                pin = next((cells[i] for i in range(at + 1, len(cells)) if cells[i]), None)
                if pin is None:
                    c.result.reject(path, number, "工号为空", " ".join(cells))
                continue
            if not any(cells):
                continue
            if pin is None:
                if any(_cell_times(v) for v in row if v not in (None, "")):
                    c.result.reject(path, number, "打卡行前面没有「工号:」行", " ".join(cells))
                continue
            for col, value in enumerate(row):
                if value in (None, ""):
                    continue
                shown = cells[col]
                times = _cell_times(value)
                if col not in day_columns:
                    c.result.reject(path, number, f"第 {col + 1} 列上方没有日期", shown)
                    continue
                day = day_columns[col]
                if day is None:
                    c.result.reject(path, number, f"第 {col + 1} 列的日期不在考勤时间 {start} ~ {end} 之内", shown)
                    continue
                if not times:
                    c.result.reject(path, number, f"第 {col + 1} 列无法识别为打卡时间", shown)
                    continue
                for hour, minute in times:
                    if hour > 23 or minute > 59:
                        c.result.reject(path, number, f"时间无效：{hour}:{minute:02d}", shown)
                        continue
                    c.add(pin, dt.datetime.combine(day, dt.time(hour, minute)))
            pin = None


# --- DingTalk 原始记录 -----------------------------------------------------------------------------

DINGTALK_DATE = re.compile(r"^\s*(\d{4}|\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)", re.ASCII)
DINGTALK_TIME = re.compile(r"^(次日|第二天|翌日|隔日)?\s*(\d{1,2})\s*[:：时]\s*(\d{2})(?:\s*[:：分]\s*(\d{2}))?\s*[分秒]?$")


def _dingtalk_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return parse_date(value)
    day = DINGTALK_DATE.match(normalize_text(str(value or "")))
    if not day:
        raise ValueError("考勤日期无法识别")
    year = int(day.group(1))
    return dt.date(year + 2000 if year < 100 else year, int(day.group(2)), int(day.group(3)))


def _dingtalk_when(stamp, day) -> dt.datetime:
    """打卡时间: a full date and time, or a time on the 考勤日期 (次日 HH:MM: on the day after it)."""
    if isinstance(stamp, dt.datetime):
        return strict_datetime(stamp)
    if isinstance(stamp, dt.time):
        return dt.datetime.combine(_dingtalk_date(day), stamp.replace(microsecond=0))
    if isinstance(stamp, float) and 0 <= stamp < 1:  # an Excel time of day
        seconds = round(stamp * 86400)
        return dt.datetime.combine(_dingtalk_date(day), dt.time()) + dt.timedelta(seconds=seconds)
    text = normalize_text(str(stamp))
    if re.search(r"\d{4}", text):
        return strict_datetime(text)
    match = DINGTALK_TIME.match(text)
    if not match:
        raise ValueError(f"应为 HH:MM、次日 HH:MM 或完整的日期时间：{text[:40]!r}")
    next_day, hour, minute, second = match.groups()
    when = dt.datetime.combine(_dingtalk_date(day), dt.time(int(hour), int(minute), int(second or 0)))
    return when + dt.timedelta(days=1) if next_day else when


def _identity(value) -> str | None:
    """工号 / UserId as written (a number from a workbook without its '.0')."""
    text = value if isinstance(value, str) else parse_text(value)
    return text.strip() or None


def _is_dingtalk_header(cells) -> bool:
    return "打卡时间" in {normalize_header(v) for v in cells if v is not None}


def _dingtalk_table(source: Source):
    """(header cells or None, [(number, text)] above it, records after it as (number, cells, text,
    problem, last)) of the sheet or CSV that has a 打卡时间 column in its first 10 rows."""
    if source.sheets is not None:
        sheets = list(source.sheets.values()) or [[]]
        rows = next((rows for rows in sheets if any(_is_dingtalk_header(r) for r in rows[:10])), sheets[0])
        filled = [(i + 1, list(row), ",".join("" if v is None else str(v) for v in row)) for i, row in enumerate(rows)
                  if any(str(v).strip() for v in row if v is not None)]
        at = next((k for k, (_, cells, _) in enumerate(filled[:10]) if _is_dingtalk_header(cells)), None)
        if at is None:
            return None, [], iter(())
        return (filled[at][1], [(n, text) for n, _, text in filled[:at]],
                ((n, cells, text, None, False) for n, cells, text in filled[at + 1:]))
    header, before, records = csv_table(source.text, _is_dingtalk_header, _dingtalk_row_check)
    return (header.cells if header else None, [(r.line, r.text) for r in before],
            ((r.line, r.cells, r.text, r.problem, r.last) for r in records))


def _dingtalk_columns(header) -> dict[str, int]:
    heads = [normalize_header(v) for v in header]
    return {name: heads.index(name) for name in ("工号", "UserId", "考勤日期", "打卡时间", "打卡结果") if name in heads}


def _dingtalk_punch(row: list, col: dict[str, int]) -> tuple[str | None, str | None, dt.datetime]:
    """(工号, UserId when there is no 工号, time) of a 原始记录 row, or ValueError saying why not."""
    def get(name):
        value = row[col[name]] if name in col and col[name] < len(row) else ""
        return "" if value is None else value
    who = _identity(get("工号"))
    pin = None if who else _identity(get("UserId"))
    if not who and not pin:
        raise ValueError("工号与 UserId 都为空")
    if len(who or pin) > EXCEL_CELL_LIMIT:
        raise ValueError(f"工号或 UserId 超过 {EXCEL_CELL_LIMIT:,} 个字符（Excel 单元格的上限）")
    if len(row) <= col["打卡时间"]:
        raise ValueError(f"列数不足（{len(row)} 列），没有「打卡时间」")
    stamp = get("打卡时间")
    if str(stamp).strip() == "" or str(get("打卡结果")).strip() in ("未打卡", "缺卡"):
        raise ValueError("未打卡（无打卡时间）")
    try:
        return who, pin, _dingtalk_when(stamp, get("考勤日期"))
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(f"打卡时间无法识别：{exc}") from None


def _dingtalk_row_check(header):
    col = _dingtalk_columns(header)

    def is_row(cells):
        try:
            _dingtalk_punch(cells, col)
            return True
        except (ValueError, KeyError):
            return False
    return is_row


def read_dingtalk(source: Source, c: _Collector) -> None:
    path = source.path
    header, before, records = _dingtalk_table(source)
    if header is None:
        raise PunchImportError(f"{path.name} 不是钉钉「原始记录」文件：前 10 行里找不到「打卡时间」列")
    col = _dingtalk_columns(header)
    if "工号" not in col and "UserId" not in col:
        raise PunchImportError(f"{path.name} 缺少「工号」或「UserId」列（钉钉「原始记录」）")
    for number, text in before:  # a title above the header: not a punch, but not passed over in silence
        c.result.reject(path, number, "表头之前的行（不是打卡记录）", text)
    for number, row, text, problem, last in records:
        if problem or row is None:
            c.result.reject(path, number, problem or "无法读取", text)
            continue
        if last and len(row) < len(header):
            c.result.reject(path, number, f"最后一行不完整（只有 {len(row)} 列，表头有 {len(header)} 列）：文件可能被截断", text)
            continue
        try:
            who, pin, when = _dingtalk_punch(row, col)
        except ValueError as exc:
            c.result.reject(path, number, str(exc), text)
            continue
        c.add(pin, when, employee_id=who)


# --- which export a file is ------------------------------------------------------------------------

READERS = {"zkteco": read_attlog, "zkteco-xls": read_report_xls, "dingtalk": read_dingtalk}


def _header_rows(source: Source, limit: int = 10) -> list[list[str]]:
    if source.sheets is not None:
        return [[_cell_text(v) for v in row] for rows in source.sheets.values() for row in rows[:limit]]
    rows = []
    for record in csv_records(source.text):
        if record.cells is not None:
            rows.append(record.cells)
        if len(rows) >= limit or record.line > 200:
            break
    return rows


def identify(source: Source) -> str | None:
    """Which export a file is, from its content — a punch or an order export (see FORMATS)."""
    from ecomdept.inputs.order_import import header_format

    rows = _header_rows(source)
    if source.sheets is not None:
        cells = [cell for row in rows for cell in row if cell]
        if any(PERIOD.search(cell) for cell in cells) or any("考勤记录表" in cell.replace(" ", "") for cell in cells):
            return "zkteco-xls"
    for row in rows:  # a header names the export, whatever lines follow it
        heads = {normalize_header(v) for v in row}
        if "打卡时间" in heads:
            return "dingtalk"
        if DINGTALK_DAILY_HEADERS & heads:
            return "dingtalk-daily"
        found = header_format(row)
        if found:
            return found
    if source.text is not None:
        lines = [line for line in source.text.lines[:5000] if not is_blank(line)][:1000]
        if any(ATTLOG_LINE.match(line.replace("\x00", "")) for line in lines):
            return "zkteco"
    return None


def _check_format(source: Source, fmt: str | None, found: str | None) -> str:
    """The reader for a file whose content looks like ``found``: ``fmt`` when it fits or looks like
    no known export (its lines are then rejected one by one); a PunchImportError when it is another."""
    if fmt is None:
        if found in READERS:
            return found
        if found:
            raise wrong_format(source.path, found, None, "punches", PunchImportError)
        raise PunchImportError(f"{source.path.name}：无法识别，不是支持的打卡导出文件（应为中控 attlog、中控考勤记录表或钉钉原始记录）")
    if found == fmt:
        return fmt
    if found:
        raise wrong_format(source.path, found, fmt, "punches", PunchImportError)
    if fmt == "zkteco-xls" and source.sheets is None:
        raise PunchImportError(f"{source.path.name} 不是{FORMATS[fmt][1]}文件：它是文本，不是 Excel 工作簿")
    if fmt == "zkteco" and source.sheets is not None:
        raise PunchImportError(f"{source.path.name} 不是{FORMATS[fmt][1]}文件：它是 Excel 工作簿，不是文本")
    return fmt


def detect_format(path: Path) -> str:
    """Which export a file is, from its content: a ZKTeco attlog (tab-separated PIN and time), a
    ZKTeco 考勤记录表 (a 考勤时间 period line), or a DingTalk 原始记录 (a 打卡时间 column)."""
    source = load_source(Path(path), WHAT, PunchImportError)
    if source.empty:
        raise PunchImportError(source.empty_message("打卡记录"))
    return _check_format(source, None, identify(source))


def import_punches(fmt: str | None, files: list[Path], roster: dict[str, str] | None = None) -> ImportResult:
    """Read every file (``fmt`` None: each file's format from its content). A PunchImportError for a
    file that is missing, unreadable, binary or another export; a file that is empty or gives no
    usable punch is listed in the result's ``unusable``."""
    c = _Collector(roster)
    for path in files:
        source = load_source(Path(path), WHAT, PunchImportError)
        if source.empty:
            c.result.unusable.append(source.empty_message("打卡记录"))
            if source.text is not None and fmt in (None, "zkteco"):
                read_attlog(source, c)  # lines of NUL bytes are still each accounted for, as rejects
            continue
        found = identify(source)
        kind = _check_format(source, fmt, found)
        before = c.result.mark()
        READERS[kind](source, c)
        c.result.require_usable(source.path, before, "打卡记录", None if found else FORMATS[kind][1])
    return c.finish()
