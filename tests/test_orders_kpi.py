"""Order importers and KPIs on the real shop exports in ../shared/data/orders (see its README).
Expected values come from an independent pandas computation written here."""

import csv
import random
from decimal import Decimal

import pandas as pd
import pytest

from conftest import SHARED_DATA
from ecomdept.sales import kpi
from ecomdept.cli import main
from ecomdept.inputs.order_import import ROW_FIELDS, import_orders

TMALL = SHARED_DATA / "orders" / "tmall" / "tmall_order_report.csv"
OLIST = sorted((SHARED_DATA / "orders" / "olist").glob("*.csv"))


def frame(rows):
    return pd.DataFrame(rows, columns=list(ROW_FIELDS))


@pytest.fixture(scope="module")
def tmall_rows():
    return import_orders("tmall", [TMALL])


def fen(text) -> int:
    return int(Decimal(str(text)) * 100)


def test_tmall_import_counts(tmall_rows):
    assert len(tmall_rows.rows) == 28010 and tmall_rows.rejects == [] and tmall_rows.duplicates == 0
    assert sum(1 for r in tmall_rows.rows if r[5] is None) == 3923          # never paid
    assert len({r[3] for r in tmall_rows.rows}) == 31                       # provinces


def test_tmall_february_2020_department_metrics(tmall_rows):
    raw = pd.read_csv(TMALL, dtype=str, keep_default_na=False)
    raw.columns = [c.strip() for c in raw.columns]
    created = pd.to_datetime(raw["订单创建时间"])
    feb = raw[(created >= "2020-02-01") & (created < "2020-03-01")]
    paid = feb[feb["订单付款时间"].str.strip() != ""]
    expected = {
        "orders_created": len(feb),
        "orders_paid": len(paid),
        "gmv": sum(fen(v) for v in feb["总金额"]),
        "paid_amount": sum(fen(v) for v in paid["买家实际支付金额"]),
        "refund_orders": int((feb["退款金额"].map(fen) > 0).sum()),
        "refund_amount": sum(fen(v) for v in feb["退款金额"]),
    }
    expected["net_sales"] = expected["paid_amount"] - expected["refund_amount"]
    got = kpi.compute(frame(tmall_rows.rows), 2020, 2)
    dept = dict(zip(got.loc[got.scope == "department", "metric"], got.loc[got.scope == "department", "value"]))
    for key, value in expected.items():
        assert dept[key] == value, key
    assert expected["orders_paid"] == 24087 and expected["refund_orders"] == 5646
    assert dept["aov"] == round(expected["paid_amount"] / expected["orders_paid"])
    assert dept["payment_conversion"] == pytest.approx(expected["orders_paid"] / expected["orders_created"], abs=1e-12)
    assert dept["refund_rate"] == pytest.approx(expected["refund_orders"] / expected["orders_paid"], abs=1e-12)
    assert dept["ship_within_sla_rate"] is None and dept["on_time_delivery_rate"] is None  # Tmall lacks those times


def test_tmall_gbk_and_shuffled_columns_import_the_same(tmp_path, tmall_rows):
    text = TMALL.read_text(encoding="utf-8")
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(text.encode("gbk"))
    rows = list(csv.reader(text.splitlines()))
    order = list(range(len(rows[0])))
    random.Random(3).shuffle(order)
    shuffled = tmp_path / "shuffled.csv"
    with open(shuffled, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([[row[i] for i in order] for row in rows])
    assert import_orders("tmall", [gbk]).rows == tmall_rows.rows
    assert import_orders("tmall", [shuffled]).rows == tmall_rows.rows


def test_olist_join_and_timeliness():
    result = import_orders("olist", OLIST)
    assert len(result.rows) == 8135 and result.rejects == []
    got = frame(result.rows)
    d = pd.read_csv(SHARED_DATA / "orders" / "olist" / "olist_orders_dataset.csv",
                    parse_dates=["order_purchase_timestamp", "order_approved_at", "order_delivered_carrier_date",
                                 "order_delivered_customer_date", "order_estimated_delivery_date"])
    assert d["order_approved_at"].isna().sum() == 146 and d["order_delivered_carrier_date"].isna().sum() == 1782
    horizon = max(d[c].max() for c in ("order_purchase_timestamp", "order_approved_at",
                                       "order_delivered_carrier_date", "order_delivered_customer_date"))
    live = ~d["order_status"].isin(["canceled", "unavailable"])
    paid, shipped = d["order_approved_at"].notna(), d["order_delivered_carrier_date"].notna()
    hours = (d["order_delivered_carrier_date"] - d["order_approved_at"]).dt.total_seconds() / 3600
    waiting = (horizon - d["order_approved_at"]).dt.total_seconds() / 3600
    on_time = live & paid & shipped & (hours <= 48)
    late = live & paid & ((shipped & (hours > 48)) | (~shipped & (waiting > 48)))
    unknown = live & (paid | shipped) & ~on_time & ~late
    eta = d["order_estimated_delivery_date"].dt.normalize()
    delivered = d["order_delivered_customer_date"].notna()
    d_on = live & delivered & (d["order_delivered_customer_date"].dt.normalize() <= eta)
    d_late = live & ((delivered & ~d_on) | (~delivered & (horizon.normalize() > eta)))
    totals = {"on": 0, "late": 0, "unknown": 0, "d_on": 0, "d_late": 0}
    for month in pd.period_range("2016-09", "2018-10", freq="M"):
        table = kpi.compute(got, month.year, month.month)
        dept = dict(zip(table.metric, table.value))
        in_month = d["order_purchase_timestamp"].dt.to_period("M") == month
        n_on, n_late = int((on_time & in_month).sum()), int((late & in_month).sum())
        if n_on + n_late:
            assert dept["ship_within_sla_rate"] == pytest.approx(n_on / (n_on + n_late), abs=1e-12)
        assert dept["ship_unknown"] == int((unknown & in_month).sum())
        dn_on, dn_late = int((d_on & in_month).sum()), int((d_late & in_month).sum())
        if dn_on + dn_late:
            assert dept["on_time_delivery_rate"] == pytest.approx(dn_on / (dn_on + dn_late), abs=1e-12)
        totals["on"] += n_on
        totals["late"] += n_late
        totals["unknown"] += dept["ship_unknown"]
    assert totals["on"] + totals["late"] + totals["unknown"] == int((live & (paid | shipped)).sum())
    assert totals["unknown"] == int(unknown.sum())


def test_olist_reviews_and_amounts():
    got = frame(import_orders("olist", OLIST).rows)
    reviews = pd.read_csv(SHARED_DATA / "orders" / "olist" / "olist_order_reviews_dataset.csv")
    latest = reviews.sort_values("review_answer_timestamp").groupby("order_id")["review_score"].last()
    scores = got.set_index("order_id")["review_score"].dropna()
    assert scores.astype(int).sort_index().equals(latest.sort_index().astype(int))
    items = pd.read_csv(SHARED_DATA / "orders" / "olist" / "olist_order_items_dataset.csv", dtype=str)
    first = items["order_id"].iloc[0]
    expected = sum(fen(p) + fen(f) for p, f in zip(items.loc[items.order_id == first, "price"],
                                                   items.loc[items.order_id == first, "freight_value"]))
    assert int(got.set_index("order_id").loc[first, "total_amount"]) == expected


def test_cli_import_and_kpi(tmp_path, capsys):
    out = tmp_path / "tmall.xlsx"
    assert main(["import", "orders", "--format", "tmall", str(TMALL), "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip().endswith("订单导入：保留 28,010 行，合并重复 0 行，拒绝 0 行")
    assert main(["kpi", "--month", "2020-02", "--orders", str(out), "--out", str(tmp_path / "k")]) == 0
    table = pd.read_csv(tmp_path / "k" / "kpi.csv", dtype=str)
    assert list(table.columns) == ["scope", "metric", "value"]
    assert dict(zip(table.metric, table.value))["orders_paid"] == "24087"


def test_bad_order_lines_are_rejected_with_line_numbers(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("订单编号,总金额,买家实际支付金额,收货地址 ,订单创建时间,订单付款时间 ,退款金额\n"
                    "1,10.0,10.0,上海,2020-02-01 10:00:00,2020-02-01 10:01:00,0\n"
                    "2,十元,0,上海,2020-02-01 10:00:00,,0\n"
                    "3,10.0,10.0,上海,昨天,,0\n"
                    "1,10.0,10.0,上海,2020-02-01 10:00:00,2020-02-01 10:01:00,0\n", encoding="utf-8")
    result = import_orders("tmall", [path])
    assert len(result.rows) == 1 and result.duplicates == 1
    assert [r.line for r in result.rejects] == [3, 4]


def test_olist_bad_lines_are_rejected_and_good_ones_kept(tmp_path):
    orders = tmp_path / "o.csv"
    orders.write_text("order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at,"
                      "order_delivered_carrier_date,order_delivered_customer_date,order_estimated_delivery_date\n"
                      "a1,c1,delivered,2018-05-01 10:00:00,2018-05-01 11:00:00,2018-05-02 09:00:00,"
                      "2018-05-05 12:00:00,2018-05-10 00:00:00\n"
                      "a2,c2,delivered,not a date,,,,\n"
                      ",c3,delivered,2018-05-01 10:00:00,,,,\n", encoding="utf-8")
    reviews = tmp_path / "r.csv"
    reviews.write_text("review_id,order_id,review_score,review_comment_title,review_comment_message,"
                       "review_creation_date,review_answer_timestamp\nr1,a1,9,,,2018-05-06,2018-05-06 10:00:00\n",
                       encoding="utf-8")
    result = import_orders("olist", [orders, reviews])
    assert [r[0] for r in result.rows] == ["a1"]
    assert sorted((r.file, r.line) for r in result.rejects) == [("o.csv", 3), ("o.csv", 4), ("r.csv", 2)]


def test_empty_and_headerless_order_files(tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert main(["import", "orders", "--format", "tmall", str(empty), "-o", str(tmp_path / "o.xlsx")]) == 1
    assert "空文件" in capsys.readouterr().err
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("编号,金额\n1,2\n", encoding="utf-8")
    assert main(["import", "orders", "--format", "tmall", str(wrong), "-o", str(tmp_path / "o.xlsx")]) == 1
    assert "缺少列" in capsys.readouterr().err
