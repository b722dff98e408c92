"""Shop order exports into 订单 rows: the Tmall/Taobao 订单报表 (UTF-8 or GBK, header names with stray
spaces, empty pay time for unpaid orders) and the Olist multi-file set (orders + items + payments +
reviews [+ customers] joined on order_id)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

from .cells import normalize_header, parse_datetime
from .importing import ImportResult
from .money import yuan_to_fen

TMALL_COLUMNS = {  # normalized header → field
    "订单编号": "order_id", "总金额": "total_amount", "买家实际支付金额": "paid_amount", "收货地址": "province",
    "订单创建时间": "created_at", "订单付款时间": "paid_at", "退款金额": "refund_amount",
}
ROW_FIELDS = ("order_id", "total_amount", "paid_amount", "province", "created_at", "paid_at", "refund_amount",
              "cs_id", "shipper_id", "shipped_at", "status", "delivered_at", "estimated_at", "review_score")


class OrderImportError(Exception):
    pass


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise OrderImportError(f"{path.name} 既不是 UTF-8 也不是 GBK 编码")


def _csv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    reader = csv.reader(io.StringIO(read_text(path)))
    try:
        header = next(reader)
    except StopIteration:
        raise OrderImportError(f"{path.name} 是空文件") from None
    return [normalize_header(h) for h in header], [(n, row) for n, row in enumerate(reader, start=2)]


def _row(**fields) -> list:
    return [fields.get(name) for name in ROW_FIELDS]


def import_tmall(files: list[Path]) -> ImportResult:
    result = ImportResult("订单")
    seen: dict[str, tuple] = {}
    for path in files:
        header, rows = _csv(path)
        missing = [h for h in TMALL_COLUMNS if h not in header]
        if missing:
            raise OrderImportError(f"{path.name} 缺少列：{'、'.join(missing)}（天猫订单报表）")
        at = {field: header.index(h) for h, field in TMALL_COLUMNS.items()}
        for number, row in rows:
            if not any(cell.strip() for cell in row):
                continue
            try:
                get = {field: row[i].strip() if i < len(row) else "" for field, i in at.items()}
                if not get["order_id"]:
                    raise ValueError("订单编号为空")
                created = parse_datetime(get["created_at"])
                paid_at = parse_datetime(get["paid_at"]) if get["paid_at"] else None
                total = yuan_to_fen(get["total_amount"])
                paid = yuan_to_fen(get["paid_amount"] or 0)
                refund = yuan_to_fen(get["refund_amount"] or 0)
                if min(total, paid, refund) < 0:
                    raise ValueError("金额为负")
            except ValueError as exc:
                result.reject(path, number, str(exc), ",".join(row))
                continue
            key = get["order_id"]
            values = (total, paid, get["province"], created, paid_at, refund)
            if key in seen:
                result.duplicates += 1
                if seen[key] != values:
                    result.reject(path, number, f"订单编号 {key} 重复且内容不同（保留先出现的一行）", ",".join(row))
                    result.duplicates -= 1
                continue
            seen[key] = values
            result.rows.append(_row(order_id=key, total_amount=total, paid_amount=paid, province=get["province"],
                                    created_at=created, paid_at=paid_at, refund_amount=refund,
                                    status="已付款" if paid_at else "未付款"))
    result.rows.sort(key=lambda r: (r[4], r[0]))
    return result


OLIST_KINDS = {
    "orders": {"order_id", "order_status", "order_purchase_timestamp"},
    "items": {"order_id", "order_item_id", "price", "freight_value"},
    "payments": {"order_id", "payment_sequential", "payment_value"},
    "reviews": {"review_id", "order_id", "review_score"},
    "customers": {"customer_id", "customer_state"},
}


def import_olist(files: list[Path]) -> ImportResult:
    """Join the Olist files on order_id; files are recognised by their headers, not their names."""
    result = ImportResult("订单")
    tables: dict[str, tuple[Path, list[str], list]] = {}
    for path in files:
        header, rows = _csv(path)
        kind = next((k for k, need in OLIST_KINDS.items() if need <= set(header)), None)
        if kind is None:
            result.notes.append(f"{path.name} 不是所需的 Olist 文件，已忽略")
            continue
        tables[kind] = (path, header, rows)
    if "orders" not in tables:
        raise OrderImportError("缺少 Olist 订单文件（olist_orders_dataset.csv）")

    def column_map(kind):
        path, header, rows = tables[kind]
        return path, {h: i for i, h in enumerate(header)}, rows

    totals: dict[str, int] = defaultdict(int)
    if "items" in tables:
        path, c, rows = column_map("items")
        for number, row in rows:
            try:
                totals[row[c["order_id"]]] += yuan_to_fen(row[c["price"]]) + yuan_to_fen(row[c["freight_value"]])
            except (ValueError, IndexError) as exc:
                result.reject(path, number, f"金额无效：{exc}", ",".join(row))
    paid: dict[str, int] = defaultdict(int)
    if "payments" in tables:
        path, c, rows = column_map("payments")
        for number, row in rows:
            try:
                paid[row[c["order_id"]]] += yuan_to_fen(row[c["payment_value"]])
            except (ValueError, IndexError) as exc:
                result.reject(path, number, f"支付金额无效：{exc}", ",".join(row))
    review: dict[str, tuple[str, int]] = {}
    if "reviews" in tables:
        path, c, rows = column_map("reviews")
        for number, row in rows:
            try:
                score = int(row[c["review_score"]])
                if not 1 <= score <= 5:
                    raise ValueError("评分应为 1–5")
            except (ValueError, IndexError) as exc:
                result.reject(path, number, f"评分无效：{exc}", ",".join(row))
                continue
            stamp = row[c["review_answer_timestamp"]] if "review_answer_timestamp" in c else ""
            order = row[c["order_id"]]
            if order not in review or stamp >= review[order][0]:
                review[order] = (stamp, score)  # the latest answer stands
    state: dict[str, str] = {}
    if "customers" in tables:
        path, c, rows = column_map("customers")
        state = {row[c["customer_id"]]: row[c["customer_state"]] for _, row in rows if len(row) > c["customer_state"]}

    path, c, rows = column_map("orders")
    seen = set()

    def when(row, name):
        text = row[c[name]].strip() if name in c and c[name] < len(row) else ""
        return parse_datetime(text) if text else None
    for number, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        try:
            order = row[c["order_id"]].strip()
            if not order:
                raise ValueError("order_id 为空")
            created = when(row, "order_purchase_timestamp")
            if created is None:
                raise ValueError("下单时间为空")
            fields = dict(order_id=order, created_at=created, paid_at=when(row, "order_approved_at"),
                          shipped_at=when(row, "order_delivered_carrier_date"),
                          delivered_at=when(row, "order_delivered_customer_date"),
                          estimated_at=when(row, "order_estimated_delivery_date"), status=row[c["order_status"]])
        except (ValueError, IndexError) as exc:
            result.reject(path, number, str(exc), ",".join(row))
            continue
        if order in seen:
            result.duplicates += 1
            continue
        seen.add(order)
        pay = paid.get(order, 0)
        result.rows.append(_row(**fields, total_amount=totals.get(order, pay), paid_amount=pay if fields["paid_at"] else 0,
                                province=state.get(row[c["customer_id"]], "") if "customer_id" in c else "",
                                refund_amount=0, review_score=review.get(order, (None, None))[1]))
    orphans = (set(totals) | set(paid) | set(review)) - seen
    if orphans:
        result.notes.append(f"{len(orphans)} 个订单编号只出现在明细/支付/评价文件里，没有订单行")
    result.rows.sort(key=lambda r: (r[4], r[0]))
    return result


def detect_format(files: list[Path]) -> str:
    """tmall when a file has the Tmall 订单报表 headers, olist when one has Olist's order_id."""
    for path in files:
        if not path.exists():
            raise OrderImportError(f"找不到文件：{path}")
        first = read_text(path).split("\n", 1)[0]
        header = {normalize_header(h) for h in next(csv.reader([first]), [])}
        if set(TMALL_COLUMNS) <= header:
            return "tmall"
        if "order_id" in header:
            return "olist"
    raise OrderImportError("无法识别的订单文件（应为天猫订单报表或 Olist 数据集的 CSV）")


def import_orders(fmt: str, files: list[Path]) -> ImportResult:
    for path in files:
        if not path.exists():
            raise OrderImportError(f"找不到文件：{path}")
    return import_tmall(files) if fmt == "tmall" else import_olist(files)


