"""Shop order exports into 订单 rows: the Tmall/Taobao 订单报表 (header names with stray spaces, empty
pay time for unpaid orders) and the Olist multi-file set (orders + items + payments + reviews
[+ customers] joined on order_id). Any line end, BOM and encoding (UTF-8, GBK/GB18030, UTF-16); a
broken line (cut mid-character, an unclosed quote, a huge field) is rejected with its line number and
never takes the rows after it along; a file that is another export, binary, empty or holds no usable
order is refused with one message."""

from __future__ import annotations

from collections import defaultdict
from decimal import InvalidOperation
from pathlib import Path

from ecomdept.inputs.cells import normalize_header
from ecomdept.inputs.importing import (EXCEL_CELL_LIMIT, ImportFileError, ImportResult, Record, Source, csv_table, load_source,
                        strict_datetime, wrong_format)
from ecomdept.core.money import yuan_to_fen

TMALL_COLUMNS = {  # normalized header → field
    "订单编号": "order_id", "总金额": "total_amount", "买家实际支付金额": "paid_amount", "收货地址": "province",
    "订单创建时间": "created_at", "订单付款时间": "paid_at", "退款金额": "refund_amount",
}
ROW_FIELDS = ("order_id", "total_amount", "paid_amount", "province", "created_at", "paid_at", "refund_amount",
              "cs_id", "shipper_id", "shipped_at", "status", "delivered_at", "estimated_at", "review_score")
WHAT = "订单导出"
MAX_FEN = 10**15 - 1  # what a spreadsheet's number holds to the fen


class OrderImportError(ImportFileError):
    pass


def header_format(row: list) -> str | None:
    """tmall for the Tmall 订单报表 headers, olist for a file of the Olist data set, else None."""
    heads = {normalize_header(h) for h in row}
    if set(TMALL_COLUMNS) <= heads:
        return "tmall"
    if heads & {"order_id", "customer_id", "product_id", "seller_id", "review_id", "product_category_name",
                "geolocation_zip_code_prefix"}:
        return "olist"
    return None


def _text_source(path: Path, fmt: str) -> Source:
    """A CSV order export, or an OrderImportError naming what the file is instead."""
    from ecomdept.inputs.punch_import import identify

    source = load_source(Path(path), WHAT, OrderImportError)
    if source.empty:
        raise OrderImportError(source.empty_message("订单"))
    found = identify(source)
    if found and found != fmt:
        raise wrong_format(source.path, found, fmt, "orders", OrderImportError)
    if source.sheets is not None:
        raise OrderImportError(f"{source.path.name} 是 Excel 工作簿，不是 CSV 文件：请在 Excel 里另存为「CSV UTF-8」后再导入")
    return source


def _table(source: Source, looks_like, row_check=None) -> tuple[list[str], Record, list[Record], list[Record]]:
    """Normalized header, its record, the records after it, and those before it (when ``looks_like``
    finds the header further down; else the header is the first readable record)."""
    header, before, records = csv_table(source.text, looks_like, row_check)
    if header is None:
        header, before, records = csv_table(source.text, None, row_check)
    if header is None:
        raise OrderImportError(f"{source.path.name} 没有可读的表头（第一行：{before[0].problem if before else '空'}）")
    return [normalize_header(h) for h in header.cells], header, list(records), before


def _valid_rows(parse):
    """row_check for csv_table: the header → a test whether cells make a row that ``parse`` accepts."""
    def check(header_cells):
        header = [normalize_header(h) for h in header_cells]

        def is_row(cells):
            try:
                parse(cells, header)
                return True
            except (ValueError, KeyError, IndexError):
                return False
        return is_row
    return check


def _amount(text: str) -> int:
    try:
        fen = yuan_to_fen(text)
    except (ArithmeticError, InvalidOperation):
        raise ValueError(f"金额无效：{text[:40]!r}") from None
    if abs(fen) > MAX_FEN:
        raise ValueError(f"金额过大：{text[:40]}")
    return fen


def _short(record: Record, width: int, used: int) -> str | None:
    """Why a record's columns do not fit the header (None when they do)."""
    n = len(record.cells)
    if record.last and n < width:
        return f"最后一行不完整（只有 {n} 列，表头有 {width} 列）：文件可能被截断"
    if n < used:
        return f"列数不足（{n} 列，表头有 {width} 列）"
    if n > width and any(c.strip() for c in record.cells[width:]):
        return f"列数多于表头（{n} 列，表头有 {width} 列）：可能有未加引号的逗号"
    return None


def _tmall_order(row: list[str], header: list[str]) -> tuple:
    """(order id, total, paid, province, created, paid at, refund) of a 订单报表 row, or ValueError."""
    get = {field: row[header.index(h)].strip() if header.index(h) < len(row) else "" for h, field in TMALL_COLUMNS.items()}
    if not get["order_id"]:
        raise ValueError("订单编号为空")
    if max(len(get["order_id"]), len(get["province"])) > EXCEL_CELL_LIMIT:
        raise ValueError(f"订单编号或收货地址超过 {EXCEL_CELL_LIMIT:,} 个字符（Excel 单元格的上限）")
    created = strict_datetime(get["created_at"])
    paid_at = strict_datetime(get["paid_at"]) if get["paid_at"] else None
    total = _amount(get["total_amount"])
    paid = _amount(get["paid_amount"] or "0")
    refund = _amount(get["refund_amount"] or "0")
    if min(total, paid, refund) < 0:
        raise ValueError("金额为负")
    return get["order_id"], total, paid, get["province"], created, paid_at, refund


def import_tmall(files: list[Path]) -> ImportResult:
    result = ImportResult("订单")
    seen: dict[str, tuple] = {}
    for path in files:
        source = _text_source(path, "tmall")
        header, head, records, before = _table(source, lambda cells: header_format(cells) == "tmall",
                                               _valid_rows(_tmall_order))
        missing = [h for h in TMALL_COLUMNS if h not in header]
        if len(missing) == len(TMALL_COLUMNS):
            raise OrderImportError(f"{source.path.name} 不是天猫订单报表文件：缺少列 {'、'.join(missing)}")
        if missing:
            raise OrderImportError(f"{source.path.name} 缺少列：{'、'.join(missing)}（天猫订单报表）")
        for record in before:
            result.reject(source.path, record.line, f"表头（第 {head.line} 行）之前的行", record.text)
        used = max(header.index(h) for h in TMALL_COLUMNS) + 1
        mark = result.mark()
        for record in records:
            problem = record.problem or _short(record, len(header), used)
            if problem:
                result.reject(source.path, record.line, problem, record.text)
                continue
            try:
                key, *values = _tmall_order(record.cells, header)
            except ValueError as exc:
                result.reject(source.path, record.line, str(exc), record.text)
                continue
            if key in seen:
                if seen[key] != values:
                    result.reject(source.path, record.line, f"订单编号 {key} 重复且内容不同（保留先出现的一行）", record.text)
                else:
                    result.duplicates += 1
                continue
            seen[key] = values
            total, paid, province, created, paid_at, refund = values
            result.rows.append(_row(order_id=key, total_amount=total, paid_amount=paid, province=province,
                                    created_at=created, paid_at=paid_at, refund_amount=refund,
                                    status="已付款" if paid_at else "未付款"))
        result.require_usable(source.path, mark, "订单")
    result.rows.sort(key=lambda r: (r[4], r[0]))
    return result


def _row(**fields) -> list:
    return [fields.get(name) for name in ROW_FIELDS]


OLIST_KINDS = {
    "orders": {"order_id", "order_status", "order_purchase_timestamp"},
    "items": {"order_id", "order_item_id", "price", "freight_value"},
    "payments": {"order_id", "payment_sequential", "payment_value"},
    "reviews": {"review_id", "order_id", "review_score"},
    "customers": {"customer_id", "customer_state"},
}


class _OlistTable:
    """One Olist CSV: its column positions and records, rejecting for it the lines that are no row."""

    def __init__(self, source: Source, header: list[str], records: list[Record], result: ImportResult):
        self.path, self.c, self.result = source.path, {h: i for i, h in enumerate(header)}, result
        self.width = len(header)
        self.records = records
        self.kept = 0

    def rows(self, *needed: str):
        """(line, cells) of every record that has the ``needed`` columns; the rest are rejected."""
        used = max(self.c[name] for name in needed) + 1
        for record in self.records:
            problem = record.problem or _short(record, self.width, used)
            if problem:
                self.result.reject(self.path, record.line, problem, record.text)
                continue
            yield record, record.cells

    def reject(self, record: Record, reason: str) -> None:
        self.result.reject(self.path, record.line, reason, record.text)

    def require_usable(self) -> None:
        if not self.kept:
            mine = [r for r in self.result.rejects if r.file == self.path.name]
            if not mine:
                raise OrderImportError(f"{self.path.name} 中没有数据行：只有表头")
            raise OrderImportError(f"{self.path.name} 中没有可用的行：{len(mine):,} 行都被拒绝（第一处：第 "
                                   f"{mine[0].line} 行，{mine[0].reason}）")


def _olist_order(row: list[str], header: list[str]) -> None:
    """ValueError unless the row is an order of olist_orders_dataset (the rows no quote may swallow)."""
    if not row[header.index("order_id")].strip():
        raise ValueError("order_id 为空")
    strict_datetime(row[header.index("order_purchase_timestamp")])


def import_olist(files: list[Path]) -> ImportResult:
    """Join the Olist files on order_id; files are recognised by their headers, not their names."""
    result = ImportResult("订单")
    tables: dict[str, _OlistTable] = {}
    for path in files:
        source = _text_source(path, "olist")
        header, head, records, before = _table(source, lambda cells: header_format(cells) == "olist",
                                               _valid_rows(_olist_order))
        if header_format(header) != "olist":
            raise OrderImportError(f"{source.path.name} 不是 Olist 数据集文件（表头：{'、'.join(header[:6])[:80]}）")
        kind = next((k for k, need in OLIST_KINDS.items() if need <= set(header)), None)
        if kind is None:
            result.notes.append(f"{source.path.name} 不是所需的 Olist 文件，已忽略")
            continue
        if kind in tables:
            raise OrderImportError(f"{source.path.name} 与 {tables[kind].path.name} 是同一种 Olist 文件，请只给一个")
        for record in before:
            result.reject(source.path, record.line, f"表头（第 {head.line} 行）之前的行", record.text)
        tables[kind] = _OlistTable(source, header, records, result)
    if "orders" not in tables:
        raise OrderImportError("缺少 Olist 订单文件（olist_orders_dataset.csv）")

    totals: dict[str, int] = defaultdict(int)
    if "items" in tables:
        t = tables["items"]
        for record, row in t.rows("order_id", "price", "freight_value"):
            try:
                totals[row[t.c["order_id"]]] += _amount(row[t.c["price"]]) + _amount(row[t.c["freight_value"]])
                t.kept += 1
            except ValueError as exc:
                t.reject(record, str(exc))
    paid: dict[str, int] = defaultdict(int)
    if "payments" in tables:
        t = tables["payments"]
        for record, row in t.rows("order_id", "payment_value"):
            try:
                paid[row[t.c["order_id"]]] += _amount(row[t.c["payment_value"]])
                t.kept += 1
            except ValueError as exc:
                t.reject(record, f"支付{exc}")
    review: dict[str, tuple[str, int]] = {}
    if "reviews" in tables:
        t = tables["reviews"]
        for record, row in t.rows("order_id", "review_score"):
            try:
                score = int(row[t.c["review_score"]])
                if not 1 <= score <= 5:
                    raise ValueError("评分应为 1–5")
            except ValueError as exc:
                t.reject(record, f"评分无效：{exc}")
                continue
            t.kept += 1
            stamp = row[t.c["review_answer_timestamp"]] if t.c.get("review_answer_timestamp", len(row)) < len(row) else ""
            order = row[t.c["order_id"]]
            if order not in review or stamp >= review[order][0]:
                review[order] = (stamp, score)  # the latest answer stands
    state: dict[str, str] = {}
    if "customers" in tables:
        t = tables["customers"]
        for record, row in t.rows("customer_id", "customer_state"):
            state[row[t.c["customer_id"]]] = row[t.c["customer_state"]]
            t.kept += 1

    t = tables["orders"]
    c = t.c
    seen = set()

    def when(row, name):
        text = row[c[name]].strip() if name in c and c[name] < len(row) else ""
        return strict_datetime(text) if text else None
    for record, row in t.rows("order_id", "order_status", "order_purchase_timestamp"):
        try:
            order = row[c["order_id"]].strip()
            if not order:
                raise ValueError("order_id 为空")
            if len(order) > EXCEL_CELL_LIMIT:
                raise ValueError(f"order_id 超过 {EXCEL_CELL_LIMIT:,} 个字符")
            created = when(row, "order_purchase_timestamp")
            if created is None:
                raise ValueError("下单时间为空")
            fields = dict(order_id=order, created_at=created, paid_at=when(row, "order_approved_at"),
                          shipped_at=when(row, "order_delivered_carrier_date"),
                          delivered_at=when(row, "order_delivered_customer_date"),
                          estimated_at=when(row, "order_estimated_delivery_date"), status=row[c["order_status"]])
        except ValueError as exc:
            t.reject(record, str(exc))
            continue
        t.kept += 1
        if order in seen:
            result.duplicates += 1
            continue
        seen.add(order)
        pay = paid.get(order, 0)
        customer = row[c["customer_id"]] if c.get("customer_id", len(row)) < len(row) else ""
        result.rows.append(_row(**fields, total_amount=totals.get(order, pay), paid_amount=pay if fields["paid_at"] else 0,
                                province=state.get(customer, ""), refund_amount=0,
                                review_score=review.get(order, (None, None))[1]))
    t.require_usable()  # the rows come from the orders file; the others' bad lines are rejects
    orphans = (set(totals) | set(paid) | set(review)) - seen
    if orphans:
        result.notes.append(f"{len(orphans)} 个订单编号只出现在明细/支付/评价文件里，没有订单行")
    result.rows.sort(key=lambda r: (r[4], r[0]))
    return result


IMPORTERS = {"tmall": import_tmall, "olist": import_olist}


def detect_format(files: list[Path]) -> str:
    """tmall when a file has the Tmall 订单报表 headers, olist when one has Olist's order_id; a punch
    export, a binary, empty or unknown file is an OrderImportError (an ImportFileError) naming it."""
    from ecomdept.inputs.punch_import import identify

    for path in files:
        source = load_source(Path(path), WHAT, OrderImportError)
        if source.empty:
            raise OrderImportError(source.empty_message("订单"))
        found = identify(source)
        if found in IMPORTERS:
            return found
        if found:
            raise wrong_format(source.path, found, None, "orders", OrderImportError)
    names = "、".join(Path(f).name for f in files)
    raise OrderImportError(f"{names}：无法识别，不是支持的订单导出文件（应为天猫订单报表或 Olist 数据集的 CSV）")


def import_orders(fmt: str | None, files: list[Path]) -> ImportResult:
    """``fmt`` None: the format from the files' content (detect_format)."""
    return IMPORTERS[fmt or detect_format(files)](files)
