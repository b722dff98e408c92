"""Approve and lock a month: a paid month never changes silently.

An approved run is refused on re-run; reopened, it becomes the next version, the approved one kept as
it was, the difference shown by ``diff``, and the new version unapproved; ``send`` refuses a run that
is not approved as 规则 release_roles requires."""

from __future__ import annotations

import json

import openpyxl
import pytest

from ecomdept.cli import main
from ecomdept.close import approval, versions
from ecomdept.delivery import command
from ecomdept.delivery.recipients import SendRefused
from ecomdept.inputs.master_workbook import write_master
from ecomdept.run import sample
from ecomdept.run.pipeline import run_payroll
from ecomdept.core.runlock import RunRefused

MONTH = "2026-10"


def workbook(tmp_path, name="master.xlsx", release_roles=None):
    data = sample.build(4)
    rules = data["规则"]
    for row in rules:
        if row[0] == "pdf_password":
            row[2] = "id_last6"
        if release_roles and row[0] == "release_roles":
            row[2] = release_roles
    return write_master(tmp_path / name, data, month=MONTH)


def raised_salary(tmp_path, book, amount=500):
    wb = openpyxl.load_workbook(book)
    ws = wb["员工"]
    header = [c.value for c in ws[1]]
    col = next(i for i, h in enumerate(header) if h and str(h).startswith("月基本工资")) + 1
    ws.cell(row=2, column=col).value = float(ws.cell(row=2, column=col).value) + amount
    path = tmp_path / "corrected.xlsx"
    wb.save(path)
    return path, ws.cell(row=2, column=1).value


@pytest.fixture
def computed(tmp_path):
    book = sample.write(tmp_path / "master.xlsx", 4, MONTH)
    out = tmp_path / "out"
    assert run_payroll(book, MONTH, out, pdf=False, show_progress=False).code == 0
    return book, out


def test_every_run_is_a_version_and_no_earlier_one_is_lost(computed):
    book, out = computed
    first = (out / MONTH / "payroll.csv").read_bytes()
    again = run_payroll(book, MONTH, out, pdf=False, show_progress=False)
    assert again.code == 0 and again.previous == out / f"{MONTH}.v1" and again.info["version"] == 2
    assert (out / f"{MONTH}.v1" / "payroll.csv").read_bytes() == first
    third = run_payroll(book, MONTH, out, pdf=False, show_progress=False)
    assert third.info["version"] == 3 and (out / f"{MONTH}.v2").is_dir() and (out / f"{MONTH}.v1").is_dir()
    info = json.loads((out / MONTH / "run.json").read_text(encoding="utf-8"))
    assert info["version"] == 3 and len(info["run_id"]) == 32
    assert info["payroll_sha256"] == approval.payroll_sha256(out / MONTH)


def test_approval_is_recorded_in_order_by_two_people(computed):
    _, out = computed
    with pytest.raises(approval.ApprovalRefused, match="还没有审核"):
        approval.record(out, MONTH, "批准", "李四")
    found = approval.record(out, MONTH, "审核", "张三")
    assert found.missing == ("批准",) and not found.released
    with pytest.raises(approval.ApprovalRefused, match="不需要再次审核"):
        approval.record(out, MONTH, "审核", "王五")
    with pytest.raises(approval.ApprovalRefused, match="不同的人"):
        approval.record(out, MONTH, "批准", "张三")
    found = approval.record(out, MONTH, "批准", "李四")
    assert found.released
    saved = json.loads((out / MONTH / approval.FILE).read_text(encoding="utf-8"))
    info = json.loads((out / MONTH / "run.json").read_text(encoding="utf-8"))
    assert [(r["role"], r["by"]) for r in saved["records"]] == [("审核", "张三"), ("批准", "李四")]
    assert all(r["run_id"] == info["run_id"] and r["payroll_sha256"] == info["payroll_sha256"]
               for r in saved["records"])
    assert (out / MONTH / approval.FILE).stat().st_mode & 0o077 == 0


def test_the_results_workbook_carries_the_signatures(computed):
    _, out = computed
    book_path = out / MONTH / f"工资表_{MONTH}.xlsx"

    def texts():
        wb = openpyxl.load_workbook(book_path)
        return {ws.title: [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
                for ws in wb.worksheets}

    before = texts()
    assert any(t.startswith("发放状态：未批准") for t in before["现金发放"])
    assert any(t.startswith("发放状态：未批准") for t in before["代发工资"])
    approval.record(out, MONTH, "审核", "张三")
    approval.record(out, MONTH, "批准", "李四")
    after = texts()
    for sheet in ("工资表", "代发工资", "现金发放"):
        assert any("审核：张三" in t and "批准：李四" in t for t in after[sheet]), sheet
    assert "发放状态：已批准，可据此发放" in after["现金发放"]
    wb = openpyxl.load_workbook(book_path)
    assert wb["工资表"].print_title_rows  # still prints as it did


def test_an_approved_month_is_locked(computed):
    book, out = computed
    approval.record(out, MONTH, "审核", "张三")
    before = (out / MONTH / "payroll.csv").read_bytes()
    with pytest.raises(RunRefused, match="已锁定"):
        run_payroll(book, MONTH, out, pdf=False, show_progress=False)
    assert main(["payroll", "--month", MONTH, "--workbook", str(book), "--out", str(out), "--no-pdf"]) == 1
    assert (out / MONTH / "payroll.csv").read_bytes() == before
    assert not list(out.glob(f"{MONTH}.v*"))


def test_a_reopened_month_is_a_new_unapproved_version_diffed_against_the_approved_one(computed, tmp_path, capsys):
    book, out = computed
    approval.record(out, MONTH, "审核", "张三")
    approval.record(out, MONTH, "批准", "李四")
    approved = (out / MONTH / "payroll.csv").read_bytes()
    corrected, who = raised_salary(tmp_path, book)
    assert main(["payroll", "--month", MONTH, "--workbook", str(corrected), "--out", str(out), "--no-pdf",
                 "--reopen"]) == 2  # a reopen needs its reason
    capsys.readouterr()
    assert main(["payroll", "--month", MONTH, "--workbook", str(corrected), "--out", str(out), "--no-pdf",
                 "--reopen", "--reason", "基本工资录错"]) == 0
    printed = capsys.readouterr().out
    assert f"diff --out {out} {MONTH}.v1 {MONTH}" in printed
    kept = out / f"{MONTH}.v1"
    assert (kept / "payroll.csv").read_bytes() == approved and len(approval.load(kept)) == 2
    info = json.loads((out / MONTH / "run.json").read_text(encoding="utf-8"))
    assert info["version"] == 2 and info["reopened"]["reason"] == "基本工资录错"
    assert [r["by"] for r in info["reopened"]["approvals"]] == ["张三", "李四"]
    assert approval.load(out / MONTH) == [] and not approval.status(out / MONTH).released
    assert main(["diff", "--out", str(out), f"{MONTH}.v1", MONTH]) == 0
    shown = capsys.readouterr().out
    assert who in shown and "基本工资" in shown


def test_send_refuses_a_run_that_is_not_approved(tmp_path, capsys):
    book = workbook(tmp_path)
    out = tmp_path / "out"
    assert run_payroll(book, MONTH, out, pdf=True, show_progress=False).code == 0
    with pytest.raises(SendRefused, match="还没有批准.*缺 审核、批准"):
        command.prepare(out, MONTH)
    assert main(["send", "--month", MONTH, "--out", str(out)]) == 1
    assert "还没有批准，不能发送工资条" in capsys.readouterr().err
    assert main(["send", "--month", MONTH, "--out", str(out), "--dry-run"]) == 0  # the plan, with the reason
    assert "缺 审核、批准" in capsys.readouterr().err
    approval.record(out, MONTH, "审核", "张三")
    with pytest.raises(SendRefused, match="缺 批准"):
        command.prepare(out, MONTH)
    approval.record(out, MONTH, "批准", "李四")
    assert command.prepare(out, MONTH).plan is not None
    # a payroll.csv changed after approval is released no more
    path = out / MONTH / "payroll.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n", 1))
    with pytest.raises(SendRefused, match="审批后被修改过"):
        command.prepare(out, MONTH)


def test_release_roles_set_what_a_release_needs(tmp_path):
    out = tmp_path / "out"
    assert run_payroll(workbook(tmp_path, release_roles="无"), MONTH, out, pdf=True, show_progress=False).code == 0
    assert command.prepare(out, MONTH).release_problem == ""
    other = tmp_path / "out2"
    assert run_payroll(workbook(tmp_path, "m2.xlsx", release_roles="批准"), MONTH, other, pdf=True,
                       show_progress=False).code == 0
    assert approval.status(other / MONTH).missing == ("批准",)
    approval.record(other, MONTH, "批准", "李四")  # no 审核 required first
    assert command.prepare(other, MONTH).release_problem == ""


def test_a_damaged_approval_record_keeps_the_month_locked(computed):
    book, out = computed
    approval.record(out, MONTH, "审核", "张三")
    (out / MONTH / approval.FILE).write_text("{不是 JSON", encoding="utf-8")
    with pytest.raises(RunRefused, match="已损坏"):
        run_payroll(book, MONTH, out, pdf=False, show_progress=False)
    with pytest.raises(approval.ApprovalRefused, match="已损坏"):
        approval.require_released(out / MONTH, "发送工资条")


def test_approve_on_the_command_line(computed, capsys):
    _, out = computed
    base = ["approve", "--month", MONTH, "--out", str(out)]
    assert main(base) == 0 and "缺 审核、批准" in capsys.readouterr().out
    assert main(base + ["--role", "审核"]) == 2  # who approves must be said
    with pytest.raises(SystemExit) as refused:
        main(base + ["--role", "复核", "--by", "张三"])
    assert refused.value.code == 2
    assert main(base + ["--role", "审核", "--by", "张三"]) == 0
    assert main(base + ["--role", "批准", "--by", "张三"]) == 1 and "不同的人" in capsys.readouterr().err
    assert main(base + ["--role", "批准", "--by", "李四"]) == 0
    assert "已批准，可以发放" in capsys.readouterr().out
    assert main(["approve", "--month", "2026-01", "--out", str(out)]) == 1


def test_reopen_reason_is_required_and_kept_short():
    assert versions.reopen_reason(None) is None
    with pytest.raises(ValueError):
        versions.reopen_reason(" ")
    assert versions.reopen_reason("  9月  病假单补交 ").reason == "9月 病假单补交"


def test_the_approve_button_asks_role_and_name(tmp_path):
    from ecomdept.excel import buttons
    from ecomdept.excel.filebook import FileBook
    from ecomdept.excel.master import OUTPUT_FOLDER

    folder = tmp_path / "hr"
    folder.mkdir()
    book = FileBook(write_master(folder / "我的工资.xlsx", sample.build(4), month=MONTH))
    assert buttons.approve(book) is None and "还没有计算结果" in book.app.alerts[-1]
    assert buttons.payslips(book, pdf=False).code == 0
    out = folder / OUTPUT_FOLDER
    book.app.typed = ["审核", None]  # cancelled at the name: nothing recorded
    assert buttons.approve(book) is None and approval.load(out / MONTH) == []
    book.app.typed = ["审核", "张三"]
    assert buttons.approve(book).missing == ("批准",)
    assert "缺 批准" in book.app.alerts[-1]
    book.app.typed = ["批准", "张三"]
    assert buttons.approve(book) is None and "不同的人" in book.app.alerts[-1]
    book.app.typed = ["批准", "李四"]
    assert buttons.approve(book).released
    assert [r["by"] for r in approval.load(out / MONTH)] == ["张三", "李四"]
