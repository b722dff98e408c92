"""Macros behind the buttons on the 说明 sheet (RunPython from workbook/vba/Buttons.bas).

Each runs the CLI's pipeline on the calling book, replaces only the result sheets it owns (prefix
结果-), writes files to a folder beside the workbook, and reports progress in Excel's status bar.
In Excel ``book`` is ``xlwings.Book.caller()``; tests pass a FileBook.
"""

from __future__ import annotations

from pathlib import Path

from ecomdept.core.calendar import KIND_LABEL, parse_month
from ecomdept.run.engine import run_month
from ecomdept.core.issues import has_blocking
from ecomdept.core.money import fen_to_float
from ecomdept.outputs.records import CONTRACT_COLUMNS, payroll_rows
from ecomdept.excel.workbook import (IMPORT_ISSUES_SHEET, BookSource, alert, ask_files, extend_table, month_of, read,
                       replace_sheet, save_backup, status, write_rows)

ISSUES_SHEET = "结果-数据问题"


def _caller(book):
    if book is not None:
        return book
    import xlwings as xw  # only inside Excel

    return xw.Book.caller()


def _issues_rows(issues) -> list[list]:
    return [["级别", "工作表", "行", "列", "问题"]] + [[i.severity, i.sheet, i.row, i.column or "", i.message]
                                                  for i in issues]


def _load(book):
    status(book, "ecomdept：读取工作簿……")
    loaded = read(book)
    replace_sheet(book, ISSUES_SHEET, _issues_rows(loaded.issues))
    return loaded


def validate(book=None) -> int:
    """校验数据：列出全部数据问题（结果-数据问题）。返回阻断性问题数。"""
    book = _caller(book)
    loaded = _load(book)
    blocking = sum(i.blocking for i in loaded.issues)
    status(book, f"ecomdept：校验完成，错误 {blocking} 个，警告 {len(loaded.issues) - blocking} 个")
    return blocking


def _month(book):
    book = _caller(book)
    loaded = _load(book)
    if has_blocking(loaded.issues):
        status(book, "ecomdept：数据有错误，已写入「结果-数据问题」，未计算")
        return book, loaded, None
    year, month = parse_month(month_of(book))
    status(book, f"ecomdept：计算 {year}-{month:02d}……")
    return book, loaded, (year, month)


def attendance(book=None):
    """计算考勤：结果-考勤汇总、结果-考勤明细（需要说明的天）、结果-预警。"""
    book, loaded, ym = _month(book)
    if ym is None:
        return None
    result = run_month(loaded, *ym)
    names = dict(zip(result.employees["employee_id"], result.employees["name"]))
    s = result.summary
    replace_sheet(book, "结果-考勤汇总", [["工号", "姓名", "应出勤", "实出勤", "迟到次数", "迟到分钟", "早退次数", "早退分钟",
                                      "缺卡", "旷工天数"]] +
                  [[r.employee_id, names.get(r.employee_id, ""), int(r.scheduled_days), int(r.attended), int(r.late_count),
                    int(r.late_min), int(r.early_count), int(r.early_min), int(r.missing_punch), int(r.absent_days)]
                   for r in s.itertuples(index=False)])
    d = result.days[(result.days["status"] != "正常") & (result.days["kind"] == "workday")]
    replace_sheet(book, "结果-考勤明细", [["工号", "姓名", "日期", "日历", "状态", "原因与条款"]] +
                  [[r.employee_id, names.get(r.employee_id, ""), str(r.date), KIND_LABEL[r.kind], r.status, r.reason]
                   for r in d.itertuples(index=False)])
    replace_sheet(book, "结果-预警", [["工号", "类型", "条款", "说明"]] +
                  [[a.employee_id, a.kind, a.clause, a.message] for a in result.alerts])
    status(book, f"ecomdept：考勤完成，{len(s)} 人")
    return result


def payroll(book=None):
    """计算工资：结果-工资表（与 payroll.csv 相同的数）与 结果-扣款明细。"""
    book, loaded, ym = _month(book)
    if ym is None:
        return None
    result = run_month(loaded, *ym)
    headers = ["工号", "姓名", "基本工资", "岗位津贴", "加班工资", "绩效奖金", "缺勤扣款", "罚款", "应发工资", "社会保险",
               "住房公积金", "专项附加扣除", "个人所得税", "实发工资"]
    replace_sheet(book, "结果-工资表", [headers] + [[r["employee_id"], r["name"]] +
                                                [fen_to_float(r[c]) for c in CONTRACT_COLUMNS[2:14]]
                                                for r in payroll_rows(result)])
    replace_sheet(book, "结果-扣款明细", [["工号", "日期", "条款", "金额", "说明"]] +
                  [[f.employee_id, f.date, f.clause, fen_to_float(f.amount), f.explanation] for f in result.fines])
    status(book, f"ecomdept：工资完成，{len(result.pays)} 人")
    return result


def payslips(book=None, pdf: bool = True):
    """生成工资条：把整套结果（工资表、payroll.csv、工资条 HTML/PDF、报告）写到工作簿旁的 ecomdept输出/ 文件夹。"""
    from ecomdept.run.pipeline import run_book

    book, loaded, ym = _month(book)
    if ym is None:
        return None
    out = Path(book.fullname).parent / "ecomdept输出"
    outcome = run_book(loaded, *ym, out, pdf=pdf,
                       progress=lambda items, what: _status_progress(book, items, what))
    status(book, f"ecomdept：工资条已写入 {outcome.month_dir}" if outcome.code == 0 else f"ecomdept：{outcome.message}")
    return outcome


def _status_progress(book, items, what):
    items = list(items)
    for n, item in enumerate(items, start=1):
        if n == 1 or n % 20 == 0 or n == len(items):
            status(book, f"ecomdept：{what} {n}/{len(items)}")
        yield item


# --- import buttons: 导入打卡 / 导入订单 ---------------------------------------------------------

PUNCH_FILTER = "考勤导出 (*.dat;*.txt;*.xls;*.xlsx;*.csv),*.dat;*.txt;*.xls;*.xlsx;*.csv,所有文件 (*.*),*.*"
ORDER_FILTER = "订单导出 (*.csv),*.csv,所有文件 (*.*),*.*"


def _import(book, schema_sheet, files, read_files, what: str):
    """Pick files, read them with the CLI's importer, back the book up, place the rows, report."""
    from ecomdept.inputs.importing import merge_into

    book = _caller(book)
    files = [Path(f) for f in files] if files else ask_files(
        book, f"选择要导入的{what}文件", PUNCH_FILTER if schema_sheet.name == "打卡" else ORDER_FILTER)
    if not files:
        status(book, None)
        return None
    status(book, f"ecomdept：读取 {len(files)} 个{what}文件……")
    try:
        result = read_files(book, files)
        names = [s.name for s in book.sheets]
        existing = BookSource(book).rows(schema_sheet.name) if schema_sheet.name in names else []
        merge = merge_into(schema_sheet, existing, result.rows)
    except Exception as exc:  # an unreadable file or a sheet without its header: say so, change nothing
        message = f"{what}导入失败，工作簿未改动：{exc}"
        status(book, f"ecomdept：{message}")
        alert(book, message, "ecomdept 导入")
        return None
    backup = save_backup(book)
    if schema_sheet.name not in names:
        book.sheets.add(schema_sheet.name, after=book.sheets[len(names) - 1])
    kinds = {col.id: col.kind for col in schema_sheet.columns}

    def cells(row):
        return [v / 100 if kinds.get(c) == "money" and isinstance(v, int) and not isinstance(v, bool) else v
                for v, c in zip(row, merge.columns)]

    if merge.header:
        write_rows(book, schema_sheet.name, 1, [merge.header])
    block: list[list] = []
    start = 0
    for row_number, row in sorted(merge.updated.items()):  # consecutive rows in one write each
        if block and row_number != start + len(block):
            write_rows(book, schema_sheet.name, start, block)
            block = []
        if not block:
            start = row_number
        block.append(cells(row))
    write_rows(book, schema_sheet.name, start, block)
    write_rows(book, schema_sheet.name, merge.first_free, [cells(r) for r in merge.appended])
    extend_table(book, schema_sheet.name, merge.header_row, merge.first_free + len(merge.appended) - 1,
                 len(merge.columns))
    replace_sheet(book, IMPORT_ISSUES_SHEET, [["文件", "行号", "原因", "内容"]] +
                  [[r.file, r.line, r.reason, r.content] for r in result.rejects])
    summary = (f"{what}导入：文件中保留 {len(result.rows):,} 行，合并重复 {result.duplicates:,} 行，"
               f"拒绝 {len(result.rejects):,} 行（见「{IMPORT_ISSUES_SHEET}」表）；"
               f"新增 {len(merge.appended):,} 行" + (f"，更新 {len(merge.updated):,} 行" if merge.updated else "") +
               (f"，已在表中 {len(result.rows) - len(merge.appended) - len(merge.updated):,} 行"
                if len(result.rows) - len(merge.appended) - len(merge.updated) else "") +
               (f"；表中没有的列未写入：{'、'.join(merge.missing)}" if merge.missing else "") +
               ("；" + "；".join(result.notes) if result.notes else ""))
    status(book, f"ecomdept：{summary}")
    alert(book, f"{summary}\n\n导入前的工作簿已备份为 {backup.name}。请检查后保存。", "ecomdept 导入")
    return merge


def _roster(book) -> dict[str, str]:
    from ecomdept.inputs.schema import EMPLOYEES
    from ecomdept.inputs.workbook_io import read_sheet

    names = [s.name for s in book.sheets]
    if EMPLOYEES.name not in names:
        return {}
    frame = read_sheet(EMPLOYEES, BookSource(book).rows(EMPLOYEES.name), [])
    return {c: e for c, e in zip(frame["clock_id"], frame["employee_id"]) if c}


def _read_punches(book, files):
    from ecomdept.inputs.punch_import import detect_format, import_punches as read

    formats = {detect_format(f) for f in files}
    if len(formats) > 1:
        raise ValueError("一次只能导入同一种考勤导出（中控 attlog、中控考勤记录表或钉钉原始记录）")
    return read(formats.pop(), files, _roster(book))


def _read_orders(book, files):
    from ecomdept.inputs.order_import import detect_format, import_orders as read

    return read(detect_format(files), files)


def import_punches(book=None, files=None):
    """导入打卡：中控 attlog / 考勤记录表 .xls / 钉钉原始记录 → 打卡 表（按花名册 考勤号 填 工号；表中已有的打卡不重复）。"""
    from ecomdept.inputs.schema import PUNCHES

    return _import(book, PUNCHES, files, _read_punches, "打卡")


def import_orders(book=None, files=None):
    """导入订单：天猫订单报表 / Olist 数据集 → 订单 表（同一订单编号以新导出的为准）。"""
    from ecomdept.inputs.schema import ORDERS

    return _import(book, ORDERS, files, _read_orders, "订单")


# --- 发送工资条 ---------------------------------------------------------------------------------

def _latest_month(out: Path, wanted: str) -> str | None:
    """The book's 计算月份 when it has a run in the folder, else the newest month that has one."""
    if (out / wanted / "run.json").exists():
        return wanted
    runs = sorted(p.parent.name for p in out.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]/run.json"))
    return runs[-1] if runs else None


def send_payslips(book=None):
    """发送工资条：把 ecomdept输出/ 里最近一次结果的工资条（加密 PDF）发到每人的邮箱；先确认人数，已发送的不重发。"""
    from ecomdept.delivery import command, sending
    from ecomdept.delivery.recipients import SendRefused, counts_line, describe
    from ecomdept.delivery.settings import SettingsError, password
    from ecomdept.excel.master import OUTPUT_FOLDER
    from ecomdept.excel.workbook import confirm

    book = _caller(book)
    out = Path(book.fullname).parent / OUTPUT_FOLDER
    month = _latest_month(out, month_of(book))
    if month is None:
        alert(book, f"{out} 里还没有计算结果：请先点「生成工资条」", "ecomdept 发送工资条")
        return None
    try:
        with command.send_lock(out, month):
            prepared = command.prepare(out, month, workbook=book.fullname)
            plan = prepared.plan
            if prepared.settings is None:
                raise SettingsError(prepared.settings_problem)
            if not plan.to_send:
                alert(book, "\n".join([counts_line(plan), "没有需要发送的工资条。"] + describe(plan)[:20]),
                      "ecomdept 发送工资条")
                return None
            notes = [line for line in describe(plan) if not line.startswith("待发送")]
            question = (f"将向 {len(plan.to_send)} 人发送 {month} 的工资条（每人只收到自己的加密 PDF），"
                        f"经 {prepared.settings.describe()}。\n{counts_line(plan)}"
                        + ("\n" + "\n".join(notes[:15]) if notes else "") + "\n\n确定发送吗？")
            if not confirm(book, question, "ecomdept 发送工资条"):
                status(book, "ecomdept：已取消发送")
                return None
            secret = password(prepared.settings)
            summary = sending.send(plan, prepared.settings, secret, prepared.ledger, prepared.encrypted,
                                   progress=lambda items, what: _status_progress(book, items, what))
    except (SendRefused, SettingsError, RuntimeError) as exc:
        status(book, f"ecomdept：未发送：{exc}")
        alert(book, f"未发送：{exc}", "ecomdept 发送工资条")
        return None
    lines = sending.summary_lines(plan, summary)
    status(book, f"ecomdept：{lines[-1] if summary.stopped else next(l for l in lines if l.startswith(month))}")
    alert(book, "\n".join(lines + [f"发放记录：{prepared.ledger.path.with_suffix('.csv')}"]), "ecomdept 发送工资条")
    return summary


def approve(book=None):
    """审批工资：为 ecomdept输出/ 里最近一次结果登记审核或批准（问角色与审批人姓名）；批准后才能发送工资条和发放。"""
    from ecomdept.close import approval
    from ecomdept.close.versions import version_of
    from ecomdept.excel.master import OUTPUT_FOLDER
    from ecomdept.excel.workbook import ask_text
    from ecomdept.core.runlock import RunRefused

    book = _caller(book)
    out = Path(book.fullname).parent / OUTPUT_FOLDER
    month = _latest_month(out, month_of(book))
    title = "ecomdept 审批工资"
    if month is None:
        alert(book, f"{out} 里还没有计算结果：请先点「生成工资条」", title)
        return None
    run_dir = out / month
    try:
        found = approval.status(run_dir)
    except approval.ApprovalRefused as exc:
        alert(book, f"未审批：{exc}", title)
        return None
    suggested = found.missing[0] if found.missing else "审核"
    role = ask_text(book, f"{month} 第 {version_of(run_dir)} 版：{found.describe()}\n\n审批角色（审核 或 批准）：", title,
                    suggested)
    if role is None:
        status(book, "ecomdept：已取消审批")
        return None
    who = ask_text(book, f"{role}人姓名：", title)
    if who is None:
        status(book, "ecomdept：已取消审批")
        return None
    try:
        found = approval.record(out, month, role, who)
    except (approval.ApprovalRefused, RunRefused) as exc:
        alert(book, f"未审批：{exc}", title)
        return None
    status(book, f"ecomdept：{month} 已由 {who} {role}")
    alert(book, f"{month} 第 {version_of(run_dir)} 版：{who} {role}，已记入审批记录与工资表的签字栏。\n"
                f"状态：{found.describe()}；本月已锁定，重新计算须在命令行加 --reopen --reason。", title)
    return found
