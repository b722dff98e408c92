"""The 签收申诉 sheet (HR records sign-offs and disputes from the replies; ABS-11) read by the next run
into 预警 and by ``ecomdept diff``, kept when a month is run again; and the 发送工资条 button: a
confirmation naming the count, then the same send as the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
from python_calamine import CalamineWorkbook

from ecomdept.cli import main
from ecomdept.excel import buttons
from ecomdept.excel.filebook import FileBook
from ecomdept.excel.master import OUTPUT_FOLDER
from ecomdept.outputs import signoff
from ecomdept.run import sample
from ecomdept.run.pipeline import run_payroll
from test_send import MONTH, NO_ADDRESS, PASSWORD, USER, _config, _roster, _workbook, smtp_server  # noqa: F401

SEPTEMBER = "2026-09"


def _sheet(path: Path, name: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def _fill(path: Path, cells: dict[str, str]) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[signoff.SHEET]
    for ref, value in cells.items():
        ws[ref] = value
    wb.save(path)


def test_disputes_reach_the_next_months_alerts_and_diff_and_survive_a_rerun(tmp_path, capsys):
    out = tmp_path / "out"
    september = sample.write(tmp_path / "sep.xlsx", 8, SEPTEMBER)
    assert run_payroll(september, SEPTEMBER, out, pdf=False, show_progress=False).code == 0
    book = signoff.results_path(out, SEPTEMBER)
    rows = _sheet(book, signoff.SHEET)
    header = next(i for i, r in enumerate(rows) if r[:2] == ["工号", "姓名"])
    assert list(rows[header]) == list(signoff.HEADERS)
    paid = json.loads((out / SEPTEMBER / "payslips.json").read_text(encoding="utf-8"))
    assert [r[0] for r in rows[header + 1:]] == [p["employee_id"] for p in paid]  # one row per payslip
    first, second = rows[header + 1][0], rows[header + 2][0]
    excel_row = header + 2  # the first employee's Excel row
    _fill(book, {f"C{excel_row}": "是", f"C{excel_row + 2}": "否", f"E{excel_row + 1}": "罚款",
                 f"F{excel_row + 1}": "9月3日地铁停运，有证明"})

    # the month run again (HR corrected something): what HR wrote is kept in the new workbook
    assert run_payroll(september, SEPTEMBER, out, pdf=False, show_progress=False).code == 0
    kept = signoff.read(signoff.results_path(out, SEPTEMBER), SEPTEMBER)
    by_emp = {e.employee_id: e for e in kept}
    assert by_emp[first].signed and not by_emp[first].disputed
    third = rows[header + 3][0]
    assert by_emp[third].signed_text == "否" and not by_emp[third].signed
    assert by_emp[second].item == "罚款" and by_emp[second].note == "9月3日地铁停运，有证明"

    # the next month lists the open dispute in 预警 (results workbook and report)
    october = sample.write(tmp_path / "oct.xlsx", 8, MONTH)
    outcome = run_payroll(october, MONTH, out, pdf=False, show_progress=False)
    assert outcome.code == 0
    disputes = [a for a in outcome.result.alerts if a.kind == "工资申诉"]
    assert [(a.employee_id, a.clause) for a in disputes] == [(second, "ABS-11")]
    assert "「罚款」" in disputes[0].message and "尚未处理" in disputes[0].message
    alerts = _sheet(signoff.results_path(out, MONTH), "预警")
    assert any("9月3日地铁停运" in str(cell) for row in alerts for cell in row)
    assert "9月3日地铁停运" in (out / MONTH / "report.html").read_text(encoding="utf-8")
    # and ecomdept diff names it
    assert main(["diff", "--out", str(out), SEPTEMBER, MONTH]) == 0
    printed = capsys.readouterr().out
    assert f"{SEPTEMBER} 工资条申诉（1 条" in printed and "9月3日地铁停运" in printed

    # resolved: shown once more with the decision, then no longer an open item
    _fill(signoff.results_path(out, SEPTEMBER), {f"G{excel_row + 1}": "情况属实，罚款下月退回"})
    outcome = run_payroll(october, MONTH, out, pdf=False, show_progress=False)
    message = next(a.message for a in outcome.result.alerts if a.kind == "工资申诉")
    assert "处理结果：情况属实" in message


def test_an_untouched_results_workbook_is_not_read(tmp_path, monkeypatch):
    out = tmp_path / "out"
    book = sample.write(tmp_path / "sep.xlsx", 4, SEPTEMBER)
    assert run_payroll(book, SEPTEMBER, out, pdf=False, show_progress=False).code == 0
    assert not signoff.maybe_filled(out, SEPTEMBER)
    _fill(signoff.results_path(out, SEPTEMBER), {"C4": "是"})
    assert signoff.maybe_filled(out, SEPTEMBER)


def test_the_send_button_asks_with_the_count_then_sends(tmp_path, smtp_server, monkeypatch):  # noqa: F811
    folder = tmp_path / "hr"
    folder.mkdir()
    book_path = _workbook(folder / "我的工资.xlsx", smtp_port=smtp_server.port, user=USER)
    out = folder / OUTPUT_FOLDER
    monkeypatch.setenv("ECOMDEPT_SMTP_PASSWORD", PASSWORD)
    book = FileBook(book_path)
    assert buttons.payslips(book).code == 0  # 生成工资条 first
    roster = _roster(book_path)
    with_address = [e for e, p in roster.items() if p["email"]]
    assert buttons.send_payslips(book) is None  # not approved yet: nothing is asked, nothing sent
    assert "还没有批准，不能发送工资条" in book.app.alerts[-1] and not smtp_server.messages
    from ecomdept.close import approval

    approval.record(out, MONTH, "审核", "张审核")
    approval.record(out, MONTH, "批准", "李批准")

    book.app.answer = "cancel"
    assert buttons.send_payslips(book) is None
    question = book.app.alerts[-1]
    assert f"将向 {len(with_address)} 人发送 {MONTH} 的工资条" in question and "确定发送吗" in question
    assert f"无邮箱  {NO_ADDRESS}" in question
    assert not smtp_server.messages

    book.app.answer = "ok"
    summary = buttons.send_payslips(book)
    assert len(summary.sent) == len(with_address) == len(smtp_server.messages)
    assert f"本次发送 {len(with_address)} 人" in book.app.alerts[-1]
    assert any("发送工资条" in str(s) for s in book.app.status_history if s)
    # pressed again: nothing to send, no question asked
    before = len(book.app.alerts)
    assert buttons.send_payslips(book) is None
    assert "没有需要发送的工资条" in book.app.alerts[-1] and len(book.app.alerts) == before + 1
    assert len(smtp_server.messages) == len(with_address)
    shutil.rmtree(out)
    assert buttons.send_payslips(book) is None
    assert "还没有计算结果" in book.app.alerts[-1]


def test_a_results_workbook_hr_broke_is_said_in_the_next_months_alerts(tmp_path):
    import os

    out = tmp_path / "out"
    september = sample.write(tmp_path / "sep.xlsx", 4, SEPTEMBER)
    assert run_payroll(september, SEPTEMBER, out, pdf=False, show_progress=False).code == 0
    book = signoff.results_path(out, SEPTEMBER)
    book.write_bytes(b"not a workbook any more")
    later = (out / SEPTEMBER / "run.json").stat().st_mtime + 10
    os.utime(book, (later, later))  # saved by HR after the run
    outcome = run_payroll(sample.write(tmp_path / "oct.xlsx", 4, MONTH), MONTH, out, pdf=False, show_progress=False)
    said = [a.message for a in outcome.result.alerts if a.kind == "工资申诉"]
    assert len(said) == 1 and SEPTEMBER in said[0] and "无法读取" in said[0]


def test_a_signoff_sheet_whose_header_hr_overwrote_is_said_not_dropped(tmp_path):
    out = tmp_path / "out"
    september = sample.write(tmp_path / "sep.xlsx", 4, SEPTEMBER)
    assert run_payroll(september, SEPTEMBER, out, pdf=False, show_progress=False).code == 0
    book = signoff.results_path(out, SEPTEMBER)
    rows = _sheet(book, signoff.SHEET)
    header = next(i for i, r in enumerate(rows) if r[:2] == ["工号", "姓名"]) + 1
    _fill(book, {f"A{header}": "员工编号", f"F{header + 1}": "罚款算错了"})
    outcome = run_payroll(sample.write(tmp_path / "oct.xlsx", 4, MONTH), MONTH, out, pdf=False, show_progress=False)
    said = [a.message for a in outcome.result.alerts if a.kind == "工资申诉"]
    assert len(said) == 1 and "找不到表头" in said[0] and SEPTEMBER in said[0]
