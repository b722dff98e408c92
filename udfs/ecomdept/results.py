"""The results workbook 工资表_YYYY-MM.xlsx: payroll laid out as Chinese payroll sheets are, plus
attendance, fines, overtime, alerts and the 数据问题 sheet. Written with XlsxWriter; values are
final numbers (totals are SUM formulas with their values cached)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xlsxwriter

from .attendance import hours_text
from .calendar import KIND_LABEL
from .issues import Issue
from .money import fen_to_float, fmt_yuan
from .privacy import formula_like, safe_frame
from .schema import LEAVE_TYPES

PAY_GROUPS = (
    ("员工", (("employee_id", "工号", "text"), ("name", "姓名", "text"), ("team", "小组", "text"),
             ("position", "岗位", "text"))),
    ("应发项目", (("base_pay", "基本工资", "money"), ("allowance", "岗位津贴", "money"),
              ("overtime_pay", "加班工资", "money"), ("bonus", "绩效奖金", "money"),
              ("annual_bonus", "年终奖", "money"))),
    ("扣款项目", (("unpaid_leave_deduction", "缺勤扣款", "money"), ("penalties", "罚款", "money"))),
    ("应发", (("gross_pay", "应发工资", "money"),)),
    ("代扣项目", (("social_insurance", "社会保险", "money"), ("housing_fund", "住房公积金", "money"),
              ("iit", "个人所得税", "money"), ("annual_bonus_iit", "年终奖个税", "money"))),
    ("实发", (("net_pay", "实发工资", "money"), ("pay_date", "发薪日", "text"))),
)


FULL_DETAIL_LIMIT = 60_000  # person-days written in full to the 考勤明细 sheet


def write_refunds_csv(result, path: Path) -> None:
    flow = result.refund_flow
    if flow is None or flow.empty:
        return
    out = flow.rename(columns={"refund_id": "退款单号", "order_id": "订单编号", "type": "类型", "state": "状态",
                               "registered_by": "受理客服", "decision_hours": "审批用时(小时)", "check_hours": "验货用时(小时)",
                               "pay_hours": "退款用时(小时)", "total_hours": "总用时(小时)", "out_of_order": "顺序错误步骤",
                               "problems": "问题"})
    safe_frame(out).to_csv(path, index=False, encoding="utf-8-sig", float_format="%.2f")


def write_attendance_csv(result, path: Path) -> None:
    """Every person-day, for any size (the sheet shortens itself past FULL_DETAIL_LIMIT)."""
    d = result.days
    names = dict(zip(result.employees["employee_id"], result.employees["name"]))
    out = pd.DataFrame({
        "工号": d["employee_id"], "姓名": d["employee_id"].map(names), "日期": d["date"].astype(str),
        "日历": d["kind"].map(KIND_LABEL), "首次打卡": d["first_in"].map(_hms), "末次打卡": d["last_out"].map(_hms),
        "打卡次数": d["punches"], "应出勤分钟": d["scheduled_min"], "迟到分钟": d["late_min"],
        "早退分钟": d["early_min"], "状态": d["status"], "原因与条款": d["reason"]})
    safe_frame(out).to_csv(path, index=False, encoding="utf-8-sig")


class _Writer:
    def __init__(self, path: Path):
        # not constant_memory: it loses all but the first merged group header of a row
        self.book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                                    "strings_to_numbers": False})
        b = self.book
        self.fmt = {
            "money": b.add_format({"num_format": "¥#,##0.00"}),
            "money_total": b.add_format({"num_format": "¥#,##0.00", "bold": True, "top": 1}),
            "pct": b.add_format({"num_format": "0.0%"}),
            "int": b.add_format({"num_format": "0"}),
            "text": None,
            "date": b.add_format({"num_format": "yyyy-mm-dd"}),
            "header": b.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                    "align": "center", "valign": "vcenter"}),
            "group": b.add_format({"bold": True, "bg_color": "#BDD7EE", "border": 1, "align": "center"}),
            "bold": b.add_format({"bold": True}),
            "title": b.add_format({"bold": True, "font_size": 14}),
            "quoted": b.add_format({"quote_prefix": True}),  # text that would otherwise run as a formula
        }

    def write_row(self, ws, r: int, values: list) -> None:
        """One row; text a spreadsheet would evaluate is kept text by Excel's quote prefix."""
        ws.write_row(r, 0, values)
        for c, value in enumerate(values):
            if isinstance(value, str) and formula_like(value):
                ws.write_string(r, c, value, self.fmt["quoted"])

    def converter(self, kind: str):
        """Cell value as written; the column's format (set once) gives ¥, dates and integers."""
        if kind == "money":
            return lambda v: None if v is None or v == "" else v / 100
        if kind in ("int", "date"):
            return lambda v: None if v == "" else v
        if kind == "pct":
            return lambda v: None if v is None or v != v else float(v)
        return lambda v: None if v is None or v == "" else str(v)

    def table(self, name: str, columns: list[tuple[str, str, int]], rows, title: str | None = None):
        """columns: (header, kind, width); rows: iterables of values. Formats live on the columns
        (XlsxWriter applies a column's format to cells written without one), rows go in one call."""
        ws = self.book.add_worksheet(name)
        top = 0
        if title:
            ws.write(0, 0, title, self.fmt["title"])
            top = 2
        for col, (header, kind, width) in enumerate(columns):
            ws.set_column(col, col, width, self.fmt.get(kind))
            ws.write(top, col, header, self.fmt["header"])
        convert = [self.converter(kind) for _, kind, _ in columns]
        r = top
        for r, row in enumerate(rows, start=top + 1):
            self.write_row(ws, r, [c(v) for c, v in zip(convert, row)])
        ws.freeze_panes(top + 1, 0)
        ws.autofilter(top, 0, max(r, top), len(columns) - 1)
        return ws


def write_payroll_sheet(w: _Writer, result, rows: list[dict]) -> None:
    ws = w.book.add_worksheet("工资表")
    ws.write(0, 0, f"电商部工资表 {result.label}（计薪期 {result.label}-01 至月底，单位：元）", w.fmt["title"])
    col = 0
    flat = []
    for group, cols in PAY_GROUPS:
        if len(cols) > 1:
            ws.merge_range(2, col, 2, col + len(cols) - 1, group, w.fmt["group"])
        else:
            ws.write(2, col, group, w.fmt["group"])
        for key, header, kind in cols:
            ws.write(3, col, header, w.fmt["header"])
            ws.set_column(col, col, 12 if kind == "money" else 10, w.fmt.get(kind))
            flat.append((key, kind))
            col += 1
    first = 4
    convert = [w.converter(kind) for _, kind in flat]
    for r, row in enumerate(rows, start=first):
        w.write_row(ws, r, [c(row.get(key)) for c, (key, _) in zip(convert, flat)])
    last = first + len(rows) - 1
    total_row = last + 1
    ws.write(total_row, 0, "合计", w.fmt["bold"])
    for c, (key, kind) in enumerate(flat):
        if kind == "money":
            letter = xlsxwriter.utility.xl_col_to_name(c)
            value = fen_to_float(sum(row[key] for row in rows))
            ws.write_formula(total_row, c, f"=SUM({letter}{first + 1}:{letter}{last + 1})", w.fmt["money_total"], value)
    ws.freeze_panes(first, 2)


def write_strips(w: _Writer, result, rows: list[dict]) -> None:
    """工资条: the classic print-and-cut layout — a header row above each employee's row, a blank
    row between, so the printed sheet cuts into one strip per person."""
    ws = w.book.add_worksheet("工资条")
    flat = [(key, header, kind) for _, cols in PAY_GROUPS for key, header, kind in cols]
    for c, (_, header, kind) in enumerate(flat):
        ws.set_column(c, c, 12 if kind == "money" else 10, w.fmt.get(kind))
    headers = [header for _, header, _ in flat]
    convert = [w.converter(kind) for _, _, kind in flat]
    r = 0
    for row in rows:
        ws.write_row(r, 0, headers, w.fmt["header"])
        w.write_row(ws, r + 1, [c(row.get(key)) for c, (key, _, _) in zip(convert, flat)])
        r += 3
    ws.fit_to_pages(1, 0)
    ws.set_landscape()


def payout_rows(rows: list[dict]) -> tuple[list[tuple[dict, int, str]], list[dict]]:
    """Who is paid this time and how much: this month's net plus last month's deferred net (PAY-05);
    late-month hires whose month is paid with the next one are left out."""
    paid, deferred = [], []
    for row in rows:
        if row["deferred"]:
            deferred.append(row)
            continue
        note = f"含 {row['carried_month']} 工资 {fmt_yuan(row['carried_net'])}（PAY-05）" if row["carried_net"] else ""
        paid.append((row, row["net_pay"] + row["carried_net"], note))
    return paid, deferred


def write_payouts(w: _Writer, result, rows: list[dict]) -> None:
    """代发工资 (bank list) and 现金发放 (the rulebook pays cash: notes and coins per person, PAY-02)."""
    from .cash import DENOMINATIONS, split

    accounts = {rec.employee_id: rec.bank_account or "" for rec in result.employees.itertuples(index=False)}
    held = {p.employee_id for p in result.pays if p.held}
    paid, deferred = payout_rows(rows)
    later = f"；{len(deferred)} 人本月工资随下月工资发放（PAY-05）" if deferred else ""

    def status(row, note):
        return "；".join(x for x in ("暂缓结算（HR-03）" if row["employee_id"] in held else "", note) if x)

    w.table("代发工资", [("工号", "text", 10), ("姓名", "text", 10), ("账号", "text", 24), ("金额", "money", 12),
                     ("状态", "text", 24)],
            ([row["employee_id"], row["name"], accounts.get(row["employee_id"], ""), amount, status(row, note)]
             for row, amount, note in paid),
            f"银行代发清单 {result.label}：合计 {sum(a for _, a, _ in paid) / 100:,.2f} 元，{len(paid)} 人"
            + (f"，其中 {len(held)} 人暂缓" if held else "") + later)
    totals = [0] * len(DENOMINATIONS)
    body = []
    for row, amount, note in paid:
        counts = split(amount)
        totals = [t + c for t, c in zip(totals, counts)]
        body.append([row["employee_id"], row["name"], amount, *counts, status(row, note)])
    body.append(["合计", "", sum(a for _, a, _ in paid), *totals, ""])
    w.table("现金发放", [("工号", "text", 10), ("姓名", "text", 10), ("实发金额", "money", 12)]
            + [(label, "int", 6) for _, label in DENOMINATIONS] + [("签收", "text", 12)], body,
            f"现金发放清单 {result.label}（制度：现金支付，PAY-02）：每人按面额配钞，领取人签收" + later)


def write_employer_cost(w: _Writer, result) -> None:
    keys = (("pension", "养老"), ("medical", "医疗"), ("unemployment", "失业"), ("injury", "工伤"),
            ("housing_fund", "公积金"))
    w.table("单位成本", [("工号", "text", 10), ("姓名", "text", 10), ("应发工资", "money", 12)]
            + [(f"单位{label}", "money", 11) for _, label in keys] + [("单位缴费合计", "money", 12),
                                                                       ("人工成本合计", "money", 12)],
            ([p.employee_id, p.name, p.gross_pay] + [p.employer_cost.get(k, 0) for k, _ in keys]
             + [sum(p.employer_cost.values()), p.gross_pay + sum(p.employer_cost.values())] for p in result.pays))


def write_results(result, path: Path, rows: list[dict], issues: list[Issue], info: dict) -> None:
    w = _Writer(path)
    names = {rec.employee_id: rec.name for rec in result.employees.itertuples(index=False)}
    write_payroll_sheet(w, result, rows)
    write_strips(w, result, rows)
    write_payouts(w, result, rows)
    write_employer_cost(w, result)
    s = result.summary
    ot_min: dict[str, int] = {}
    for line in result.overtime:
        ot_min[line.employee_id] = ot_min.get(line.employee_id, 0) + line.minutes
    head = [("工号", "text", 10), ("姓名", "text", 10), ("应出勤天数", "int", 10), ("实出勤天数", "int", 10),
            ("迟到次数", "int", 8), ("迟到分钟", "int", 8), ("严重迟到", "int", 8), ("早退次数", "int", 8),
            ("早退分钟", "int", 8), ("缺卡次数", "int", 8), ("旷工天数", "int", 8), ("旷工未出勤分钟", "int", 12)]
    head += [(f"{t}（小时）", "text", 9) for t in LEAVE_TYPES]
    head += [("加班小时", "text", 8), ("补休余额（小时）", "text", 12)]
    w.table("考勤汇总", head,
            ([r.employee_id, names.get(r.employee_id, ""), int(r.workdays), int(r.attended), int(r.late_count),
              int(r.late_min), int(r.serious_late), int(r.early_count), int(r.early_min), int(r.missing_punch),
              int(r.absent_days), int(r.absent_unworked_min)]
             + [_hours(getattr(r, f"leave_min_{t}")) for t in LEAVE_TYPES]
             + [_hours(ot_min.get(r.employee_id, 0)),
                _hours(result.comp_ledger.get(r.employee_id, {}).get("closing", 0))]
             for r in s.itertuples(index=False)))
    d = result.days
    title = None
    if len(d) > FULL_DETAIL_LIMIT:
        plain = (d["status"] == "正常") | ((d["kind"] != "workday") & (d["punches"] == 0))
        d = d[~plain]
        title = f"考勤明细（{len(result.days):,} 个人天中只列出需要说明的 {len(d):,} 个；完整明细见 考勤明细.csv）"
    w.table("考勤明细", [("工号", "text", 10), ("姓名", "text", 10), ("日期", "date", 11), ("日历", "text", 9),
                     ("首次打卡", "text", 9), ("末次打卡", "text", 9), ("打卡次数", "int", 8), ("应出勤分钟", "int", 10),
                     ("迟到分钟", "int", 8), ("早退分钟", "int", 8), ("状态", "text", 10), ("原因与条款", "text", 70)],
            ([r.employee_id, names.get(r.employee_id, ""), r.date, KIND_LABEL[r.kind], _hms(r.first_in),
              _hms(r.last_out), int(r.punches), int(r.scheduled_min), int(r.late_min), int(r.early_min), r.status,
              r.reason] for r in d.itertuples(index=False)), title)
    w.table("扣款明细", [("工号", "text", 10), ("姓名", "text", 10), ("日期", "text", 11), ("规则", "text", 16),
                     ("条款", "text", 8), ("金额", "money", 10), ("说明", "text", 80)],
            ([f.employee_id, names.get(f.employee_id, ""), f.date, f.rule, f.clause, f.amount, f.explanation]
             for f in result.fines))
    w.table("加班明细", [("工号", "text", 10), ("姓名", "text", 10), ("单号", "text", 14), ("日期", "date", 11),
                     ("分钟", "int", 8), ("倍数", "text", 6), ("加班工资", "money", 10), ("补休分钟", "int", 8),
                     ("说明", "text", 80)],
            ([o.employee_id, names.get(o.employee_id, ""), o.request_id, o.day, o.minutes, f"{float(o.rate):g}",
              o.amount, o.comp_minutes, o.explanation] for o in result.overtime))
    w.table("预警", [("工号", "text", 10), ("姓名", "text", 10), ("类型", "text", 12), ("条款", "text", 8),
                   ("说明", "text", 90)],
            ([a.employee_id, names.get(a.employee_id, ""), a.kind, a.clause, a.message] for a in result.alerts))
    write_performance(w, result, names)
    write_issues_sheet(w, issues)
    w.table("运行信息", [("项目", "text", 24), ("值", "text", 90)],
            ([key, str(value)] for key, value in _flatten(info)))
    w.book.close()


def write_performance(w: _Writer, result, names: dict) -> None:
    """绩效 (score → bonus per person), KPI table, 销售 (daily series with Excel charts), 退款流程."""
    from . import kpi as kpi_mod
    from .refunds import per_person

    if result.scores:
        w.table("绩效", [("工号", "text", 10), ("姓名", "text", 10), ("小组", "text", 10), ("加权得分", "text", 9),
                       ("绩效系数", "text", 9), ("绩效奖金", "money", 11), ("各项达成", "text", 100)],
                ([s.employee_id, names.get(s.employee_id, ""), s.team, f"{float(s.score):.1f}",
                  f"{float(s.coefficient):.3f}", s.bonus,
                  "；".join(f"{p['label']} {p['actual']}/{p['target']} 达成 {p['achievement'] * 100:.0f}% 权重 {p['weight']:g}"
                           for p in s.parts)] for s in result.scores.values()))
    if result.kpis is None:
        return
    label = {d.id: d.label for d in kpi_mod.DEFINITIONS}
    kpis, title = result.kpis, None
    if len(kpis) > FULL_DETAIL_LIMIT:
        kpis = kpis[~kpis["scope"].isin(names)]
        title = f"KPI（部门与小组；每个人的 KPI 见 kpi.csv，共 {len(result.kpis):,} 行）"
    w.table("KPI", [("范围", "text", 12), ("姓名", "text", 10), ("指标", "text", 24), ("名称", "text", 16), ("值", "text", 14)],
            ([scope, names.get(scope, ""), metric, label.get(metric, ""), kpi_mod.show(metric, value)]
             for scope, metric, value in kpis.itertuples(index=False)), title)
    d = result.sales.daily
    ws = w.table("销售", [("日", "int", 6), ("下单数", "int", 9), ("付款订单数", "int", 10), ("下单金额", "money", 14),
                        ("付款金额", "money", 14), ("退款订单数", "int", 10), ("付款转化率", "pct", 10), ("退款率", "pct", 10)],
                 ([int(r.day), int(r.orders_created), int(r.orders_paid), int(r.gmv), int(r.paid_amount),
                   int(r.refund_orders), r.payment_conversion, r.refund_rate] for r in d.itertuples(index=False)))
    n = len(d)
    if n:
        sales = w.book.add_chart({"type": "column"})
        sales.add_series({"name": "付款金额", "categories": ["销售", 1, 0, n, 0], "values": ["销售", 1, 4, n, 4]})
        sales.add_series({"name": "下单金额", "categories": ["销售", 1, 0, n, 0], "values": ["销售", 1, 3, n, 3]})
        sales.set_title({"name": f"{result.label} 每日销售"})
        sales.set_y_axis({"num_format": "¥#,##0"})
        ws.insert_chart("L2", sales, {"x_scale": 1.6, "y_scale": 1.1})
        rates = w.book.add_chart({"type": "line"})
        rates.add_series({"name": "付款转化率", "categories": ["销售", 1, 0, n, 0], "values": ["销售", 1, 6, n, 6]})
        rates.add_series({"name": "退款率", "categories": ["销售", 1, 0, n, 0], "values": ["销售", 1, 7, n, 7]})
        rates.set_title({"name": "付款转化率与退款率"})
        rates.set_y_axis({"num_format": "0%"})
        ws.insert_chart("L20", rates, {"x_scale": 1.6, "y_scale": 1.1})
    flow, title = result.refund_flow, None
    if flow is not None and len(flow) > FULL_DETAIL_LIMIT // 6:
        full = len(flow)
        flow = flow[(flow["problems"] != "") | (flow["state"] != "已退款")]
        title = f"退款流程（{full:,} 张中只列出有问题或未完成的 {len(flow):,} 张；完整清单见 退款流程.csv）"
    if flow is not None and len(flow):
        w.table("退款流程", [("退款单号", "text", 16), ("订单编号", "text", 18), ("类型", "text", 9), ("状态", "text", 14),
                         ("受理客服", "text", 10), ("审批用时(小时)", "text", 12), ("验货用时(小时)", "text", 12),
                         ("退款用时(小时)", "text", 12), ("问题", "text", 80)],
                ([r.refund_id, r.order_id, r.type, r.state, r.registered_by or "", _h(r.decision_hours),
                  _h(r.check_hours), _h(r.pay_hours), r.problems] for r in flow.itertuples(index=False)), title)
        people = per_person(result.refund_flow)
        w.table("售后KPI", [("工号", "text", 10), ("姓名", "text", 10), ("受理退款", "int", 10),
                          ("申请到退款中位用时(小时)", "text", 20), ("顺序错误步骤", "int", 12), ("有问题的单", "int", 12)],
                ([r.employee_id, names.get(r.employee_id, ""), int(r.refunds_handled), _h(r.median_hours),
                  int(r.out_of_order), int(r.with_problems)] for r in people.itertuples(index=False)))


def _h(value) -> str:
    return "" if value is None or value != value else f"{value:.1f}"


def write_issues_sheet(w: _Writer, issues: list[Issue]) -> None:
    w.table("数据问题", [("级别", "text", 6), ("工作表", "text", 10), ("行", "int", 6), ("列", "text", 18),
                     ("字段", "text", 16), ("问题", "text", 90)],
            ([i.severity, i.sheet, i.row, i.column or "", i.field or "", i.message] for i in issues))


def write_issues_only(path: Path, issues: list[Issue]) -> None:
    """When blocking problems stop the run: a results workbook with just the 数据问题 sheet."""
    w = _Writer(path)
    write_issues_sheet(w, issues)
    w.book.close()


def _hours(minutes) -> str:
    return hours_text(int(minutes)) if minutes else ""


def _hms(seconds) -> str:
    if seconds is None or seconds != seconds:
        return ""
    seconds = int(seconds)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _flatten(info: dict, prefix: str = ""):
    for key, value in info.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        elif isinstance(value, list):
            yield f"{prefix}{key}", "；".join(str(v) for v in value)
        else:
            yield f"{prefix}{key}", value
