"""工资表, 工资条, 代发工资, 现金发放 and 单位成本: the sheets that are printed, checked and signed."""

from __future__ import annotations

from ecomdept.core.calendar import month_dates
from ecomdept.pay.cash import denominations, split, unit_fen
from ecomdept.core.money import fen_to_float, fmt_yuan
from ecomdept.outputs.results.book import (WRAP, Writer, convert, fitted_width, header_height, release_line,
                                          release_roles)

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
    ("实发", (("net_pay", "实发工资", "money"), ("pay_date", "发薪日", "date"))),
)
PAY_COLUMNS = [(key, header, kind) for _, cols in PAY_GROUPS for key, header, kind in cols]
PAY_WIDTHS = {"employee_id": 7, "name": 8, "team": 9, "position": 12, "pay_date": 10.5}
MONEY_WIDTH = 12
BORDER = {"border": 1, "valign": "vcenter"}


def pay_widths(rows: list[dict]) -> list[float]:
    """Column widths of 工资表 and 工资条: text columns as wide as their longest value."""
    return [fitted_width(PAY_WIDTHS.get(key, MONEY_WIDTH), (row.get(key) for row in rows)) if kind == "text"
            else PAY_WIDTHS.get(key, MONEY_WIDTH) for key, _, kind in PAY_COLUMNS]


def _pay_columns(ws, rows: list[dict]) -> float:
    widths = pay_widths(rows)
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    return sum(widths)


def _pay_values(row: dict) -> list:
    return [convert(kind, row.get(key)) for key, _, kind in PAY_COLUMNS]


def write_payroll_sheet(w: Writer, result, rows: list[dict]) -> None:
    ws = w.book.add_worksheet("工资表")
    width = len(PAY_COLUMNS)
    days = month_dates(result.year, result.month)
    w.banner(ws, 0, width, f"电商部工资表　{result.label}")
    ws.merge_range(1, 0, 1, width - 1, f"计薪期 {days[0]} 至 {days[-1]}　　单位：元　　共 {len(rows)} 人",
                   w.style(align="center"))
    col = 0
    for group, cols in PAY_GROUPS:
        if len(cols) > 1:
            ws.merge_range(2, col, 2, col + len(cols) - 1, group, w.group)
        else:
            ws.write(2, col, group, w.group)
        for _, header, _ in cols:
            ws.write(3, col, header, w.header)
            col += 1
    total_width = _pay_columns(ws, rows)
    kinds = [kind for _, _, kind in PAY_COLUMNS]
    first = 4
    for r, row in enumerate(rows, start=first):
        w.write_cells(ws, r, _pay_values(row), kinds, **BORDER)
    last = first + len(rows) - 1
    total_row = last + 1
    w.write_cells(ws, total_row, ["合计", f"{len(rows)} 人"] + [None] * (width - 2), ["text"] * width,
                  bold=True, **BORDER)
    for c, (key, _, kind) in enumerate(PAY_COLUMNS):
        if kind == "money":
            w.sum_cell(ws, total_row, c, first, last, fen_to_float(sum(row[key] for row in rows)), kind, **BORDER)
    w.sign_off(ws, total_row + 2, width)
    ws.freeze_panes(first, 2)
    w.page(ws, f"工资表 {result.label}", total_width, (2, 3), repeat_columns=2, gridlines=False, landscape=True)


# A4 landscape inside the margins Writer.page sets (0.4 in left and right, 0.75 in top, 0.7 in bottom), in points
PRINT_WIDTH = 841.89 - 2 * 0.4 * 72
PRINT_HEIGHT = 595.28 - (0.75 + 0.7) * 72
TITLE_HEIGHT, DATA_HEIGHT, CUT_HEIGHT = 22.0, 18.0, 12.0
# A column is so many characters of the workbook font wide: Excel lays Calibri out at 7 px a character;
# LibreOffice on a machine without Calibri or its metric twin Carlito uses a wider font (DejaVu Sans,
# 1.33 times as wide). The strips are scaled to fit the wider one.
WIDE_FONT = 1.33
STRIP_SPLIT = 9  # each strip prints the pay columns on two lines of nine: readable at full size


def _column_points(width: float) -> float:
    """A column of ``width`` characters in points, as Excel lays it out (7 px a character + 5 px padding)."""
    return (int(width * 7 + 0.5) + 5) * 0.75


def strip_pages(widths: list[float], header: float) -> tuple[int, int]:
    """(print scale %, strips per page) so the strips print one page wide and a page break falls only
    between two strips, never inside one."""
    needed = sum(_column_points(w) for w in widths) * WIDE_FONT
    scale = min(100, int(PRINT_WIDTH / needed * 100))
    room = PRINT_HEIGHT * 0.97 / (scale / 100) - TITLE_HEIGHT  # the title row repeats on every page
    return scale, max(1, int(room // (2 * (header + DATA_HEIGHT) + CUT_HEIGHT)))


def write_strips(w: Writer, result, rows: list[dict]) -> None:
    """工资条: the classic print-and-cut layout — each employee's strip is a header line and its values,
    twice (the pay columns in two lines), then a blank row to cut along. Printed at a fixed scale with
    a page break every so many strips (Excel ignores manual page breaks under 「fit to page」)."""
    ws = w.book.add_worksheet("工资条")
    lines = [PAY_COLUMNS[:STRIP_SPLIT], PAY_COLUMNS[STRIP_SPLIT:]]
    all_widths = dict(zip((key for key, _, _ in PAY_COLUMNS), pay_widths(rows)))
    widths = [max(all_widths[line[c][0]] for line in lines if c < len(line)) for c in range(STRIP_SPLIT)]
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    header = max(header_height((h, widths[c]) for c, (_, h, _) in enumerate(line)) for line in lines)
    ws.write(0, 0, f"工资条 {result.label}（每人一条，沿空行裁开）", w.title)
    ws.set_row(0, TITLE_HEIGHT)
    ws.set_row(1, CUT_HEIGHT)
    r = 2
    for row in rows:
        values = _pay_values(row)
        for part, line in enumerate(lines):
            ws.set_row(r, header)
            ws.write_row(r, 0, [h for _, h, _ in line], w.header)
            ws.set_row(r + 1, DATA_HEIGHT)
            offset = part * STRIP_SPLIT
            w.write_cells(ws, r + 1, values[offset:offset + len(line)], [k for _, _, k in line], **BORDER)
            r += 2
        ws.set_row(r, CUT_HEIGHT)
        r += 1
    w.page(ws, f"工资条 {result.label}", sum(widths), (0, 0), gridlines=False, landscape=True)
    scale, per_page = strip_pages(widths, header)
    ws.set_print_scale(scale)
    step = 2 * len(lines) + 1
    ws.set_h_pagebreaks([2 + step * k for k in range(per_page, len(rows), per_page)])


def payout_rows(rows: list[dict]) -> tuple[list[tuple[dict, int, str]], list[dict]]:
    """Who is paid this time and how much: this month's net plus last month's deferred net (PAY-05);
    late-month hires whose month is paid with the next one are left out."""
    paid, deferred = [], []
    for row in rows:
        if row["deferred"]:
            deferred.append(row)
            continue
        note = f"含 {row['carried_month']} 工资 {fmt_yuan(row['carried_net'])}（PAY-05）" if row["carried_net"] else ""
        severance = row.get("severance_net", 0)
        if severance:
            note = "；".join(x for x in (note, f"含离职补偿（税后）{fmt_yuan(severance)}，见离职结算单") if x)
        paid.append((row, row["net_pay"] + row["carried_net"] + severance, note))
    return paid, deferred


def _listing(w: Writer, name: str, title: str, columns: list[tuple[str, str, float]], body: list[list],
             totals: dict[int, object], row_height: float | None = None, note: str | None = None,
             release: str | None = None) -> None:
    """A bordered list that is signed on paper: title, header, one row per person, 合计, sign-off."""
    ws = w.book.add_worksheet(name)
    width = len(columns)
    w.banner(ws, 0, width, title, w.style(bold=True, font_size=13, align="left", text_wrap=True, valign="vcenter"))
    ws.set_row(0, 36)
    if note:
        ws.merge_range(1, 0, 1, width - 1, note, w.style(text_wrap=True, valign="vcenter"))
        ws.set_row(1, 30)
    columns = [(header, kind, fitted_width(col_width, (row[c] for row in body)) if kind == "text" else col_width)
               for c, (header, kind, col_width) in enumerate(columns)]
    for c, (header, kind, col_width) in enumerate(columns):
        ws.set_column(c, c, col_width)
        ws.write(2, c, header, w.header)
    ws.set_row(2, header_height((header, col_width) for header, _, col_width in columns))
    kinds = [kind for _, kind, _ in columns]
    wraps = [(c, col_width) for c, (_, kind, col_width) in enumerate(columns) if kind == WRAP]
    first = 3
    for r, row in enumerate(body, start=first):
        values = [convert(k, v) for k, v in zip(kinds, row)]
        w.write_cells(ws, r, values, kinds, **BORDER)
        w.fit_row(ws, r, values, wraps, row_height)
    last = first + len(body) - 1
    total_row = last + 1
    w.write_cells(ws, total_row, ["合计", f"{len(body)} 人"] + [None] * (width - 2), ["text"] * width, bold=True,
                  **BORDER)
    for c, value in totals.items():
        w.sum_cell(ws, total_row, c, first, last, convert(kinds[c], value), kinds[c], **BORDER)
    w.sign_off(ws, total_row + 2, width, release)
    ws.freeze_panes(first, 2)
    w.page(ws, f"{name} {w.label}", sum(c[2] for c in columns), (2, 2), repeat_columns=2, gridlines=False)


def write_payouts(w: Writer, result, rows: list[dict]) -> None:
    """代发工资 (bank list) and 现金发放 (the rulebook pays cash: notes and coins per person, PAY-02)."""
    accounts = {rec.employee_id: rec.bank_account or "" for rec in result.employees.itertuples(index=False)}
    held = {p.employee_id for p in result.pays if p.held}
    paid, deferred = payout_rows(rows)
    later = f"；{len(deferred)} 人本月工资随下月工资发放（PAY-05）" if deferred else ""
    total = sum(a for _, a, _ in paid)
    required = release_roles(getattr(result.book.rules, "release_roles", None))
    release = release_line(required, required)

    def status(row, note):
        return "；".join(x for x in ("暂缓结算（HR-03）" if row["employee_id"] in held else "", note) if x)

    _listing(w, "代发工资", f"银行代发清单 {result.label}：合计 {total / 100:,.2f} 元，{len(paid)} 人"
             + (f"，其中 {len(held)} 人暂缓" if held else "") + later,
             [("工号", "text", 8), ("姓名", "text", 9), ("账号", "text", 23), ("金额", "money", 13),
              ("状态", WRAP, 26)],
             [[row["employee_id"], row["name"], accounts.get(row["employee_id"], ""), amount, status(row, note)]
              for row, amount, note in paid], {3: total}, release=release)

    unit_label = str(getattr(result.book.rules, "cash_smallest_unit", "1角"))
    unit = unit_fen(unit_label)
    notes = denominations(unit)
    body, counts_total, cash_total, rest_total = [], [0] * len(notes), 0, 0
    for row, amount, note in paid:
        counts, rest = split(amount, unit)
        cash = sum(count * value for count, (value, _) in zip(counts, notes))
        if amount < 0:
            note = "；".join(x for x in (note, "实发为负，不发现金，须人工处理") if x)
        counts_total = [t + c for t, c in zip(counts_total, counts)]
        cash_total, rest_total = cash_total + cash, rest_total + rest
        body.append([row["employee_id"], row["name"], amount, cash, rest, *counts, status(row, note), None])
    head = [("工号", "text", 8), ("姓名", "text", 9), ("实发金额", "money", 12), ("现金金额", "money", 12),
            (f"零头（不足{unit_label}）", "money", 10)]
    head += [(label, "int", 5.5) for _, label in notes] + [("备注", WRAP, 16), ("签收", "text", 12)]
    totals = {2: total, 3: cash_total, 4: rest_total}
    totals.update({5 + i: count for i, count in enumerate(counts_total)})
    rest_note = (f"不足{unit_label}的零头不发现金，共 {fmt_yuan(rest_total)}，须另行转账补足；" if rest_total else "")
    _listing(w, "现金发放", f"现金发放清单 {result.label}（制度：现金支付，PAY-02）：每人按面额配钞，领取人签收" + later,
             head, body, totals, row_height=24,
             note=(f"最小面额 {unit_label}（规则「现金最小面额」）；{rest_note}"
                   f"现金 {fmt_yuan(cash_total)} + 零头 {fmt_yuan(rest_total)} = 实发 {fmt_yuan(total)}，与代发清单合计一致"),
             release=release)


def write_employer_cost(w: Writer, result) -> None:
    keys = (("pension", "养老"), ("medical", "医疗"), ("unemployment", "失业"), ("injury", "工伤"),
            ("housing_fund", "公积金"))
    w.table("单位成本", [("工号", "text", 8), ("姓名", "text", 9), ("应发工资", "money", 12)]
            + [(f"单位{label}", "money", 11) for _, label in keys] + [("单位缴费合计", "money", 12),
                                                                       ("人工成本合计", "money", 12)],
            ([p.employee_id, p.name, p.gross_pay] + [p.employer_cost.get(k, 0) for k, _ in keys]
             + [sum(p.employer_cost.values()), p.gross_pay + sum(p.employer_cost.values())] for p in result.pays),
            totals=tuple(range(2, 10)))


def write_leave_balances(w: Writer, result) -> None:
    """假期余额: each person's annual leave and comp time for the month (days and hours)."""
    from ecomdept.worktime.attendance import Shift

    day = Shift.from_rules(result.book.rules).minutes
    rows = []
    for pay in result.pays:
        ledger = result.annual_leave.get(pay.employee_id)
        comp = result.comp_ledger.get(pay.employee_id, {})
        if ledger is None:
            continue
        rows.append([pay.employee_id, pay.name, ledger.entitled_days, ledger.sick_days, ledger.personal_days,
                     ledger.exclusion + ("；下一年度也不享受（实施办法第八条）" if ledger.next_year_excluded
                                         and "第八条" not in ledger.exclusion else ""),
                     ledger.opening_min / day, ledger.used_min / day,
                     ledger.excess_min / day, ledger.closing_min / day, ledger.payout_days, ledger.carried_min / day,
                     comp.get("opening", 0) / 60, comp.get("earned", 0) / 60, comp.get("used", 0) / 60,
                     comp.get("closing", 0) / 60])
    w.table("假期余额", [("工号", "text", 8), ("姓名", "text", 9), ("本年年假（天）", "num2", 10),
                      ("本年病假（天）", "int", 10), ("本年事假（天）", "int", 10), ("不享受年假的原因", "text", 40),
                      ("年假月初（天）", "num2", 10), ("本月休（天）", "num2", 9), ("超出余额（天）", "num2", 10),
                      ("年假月末（天）", "num2", 10), ("折算工资（天）", "int", 10), ("其中上年结转（天）", "num2", 12),
                      ("补休月初（小时）", "num2", 10), ("补休新增（小时）", "num2", 10), ("补休使用（小时）", "num2", 10),
                      ("补休月末（小时）", "num2", 10)], rows,
            f"假期余额 {result.label}（年假：职工带薪年休假条例；本年病假按日历天数、事假按工作日累计，"
            "达到第四条的天数当年不享受年假；补休：OT-02）")


def write_settlements(w: Writer, result) -> None:
    """离职结算: one block per leaver owed compensation (劳动合同法第四十七条), to be signed."""
    settlements = getattr(result, "settlements", {}) or {}
    if not settlements:
        return
    names = {p.employee_id: p for p in result.pays}
    ws = w.book.add_worksheet("离职结算")
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 16)
    ws.set_column(2, 2, 90)
    wrap = w.style(text_wrap=True, valign="top")
    r = 0
    w.banner(ws, r, 3, f"离职结算单 {result.label}（经济补偿：劳动合同法第四十七条；个税：财税〔2018〕164号第五条第一项）")
    r += 2
    for emp, done in sorted(settlements.items()):
        pay = names.get(emp)
        ws.write(r, 0, f"{emp} {pay.name if pay else ''}", w.header)
        ws.write(r, 1, done.reason, w.header)
        ws.write(r, 2, f"本月工资实发 {fmt_yuan(pay.net_pay) if pay else ''}；以下一次性补偿另行计税，与本月工资一并发放", w.header)
        r += 1
        for label, amount, text in done.lines:
            ws.write(r, 0, label, wrap)
            w.write_cells(ws, r, [convert("money", amount)], ["money"], col=1)
            ws.write(r, 2, text, wrap)
            ws.set_row(r, 15 * max(1, len(text) // 55 + 1))
            r += 1
        ws.write(r, 0, "实付一次性补偿", w.header)
        w.write_cells(ws, r, [convert("money", done.net)], ["money"], col=1, bold=True)
        ws.write(r, 2, f"{fmt_yuan(done.total)} − 个税 {fmt_yuan(done.tax)} = {fmt_yuan(done.net)}", wrap)
        r += 1
        ws.write(r, 0, "员工签字：　　　　　　　　日期：　　　　年　　月　　日", w.style(font_size=12))
        r += 3
