"""The sample month end to end: files, identities, input untouched, PDFs with real glyphs."""

import datetime as dt
import csv
import hashlib
import json
import subprocess
from decimal import Decimal
from pathlib import Path

from python_calamine import CalamineWorkbook

from conftest import check_golden
from ecomdept.outputs import fonts
from ecomdept.core.money import fmt_yuan, yuan_to_fen
from ecomdept.outputs.records import CONTRACT_COLUMNS
from ecomdept.outputs.payslips import contexts
from ecomdept.run.pipeline import run_payroll
from ecomdept.outputs.templating import render
from ecomdept.outputs.payslips import batch_size, css


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_employee_gets_html_and_pdf(demo_run):
    folder = demo_run.month_dir / "payslips"
    ids = [p.employee_id for p in demo_run.result.pays]
    assert len(ids) == 30
    for pay in demo_run.result.pays:
        stem = f"{pay.employee_id}_{pay.name}"
        assert (folder / f"{stem}.html").stat().st_size > 1000
        assert (folder / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
        assert (folder / f"{stem}.pdf").stat().st_mode & 0o077 == 0  # not world- or group-readable
    for name in ("payroll.csv", "run.json", "report.html", "工资表_2026-10.xlsx"):
        assert (demo_run.month_dir / name).exists()


def test_payroll_csv_identities_to_the_fen(demo_run):
    rows = read_csv(demo_run.month_dir / "payroll.csv")
    assert list(rows[0])[:len(CONTRACT_COLUMNS)] == list(CONTRACT_COLUMNS)
    for row in rows:
        f = {k: yuan_to_fen(row[k]) for k in CONTRACT_COLUMNS[2:]}
        check_identities(row)


def check_identities(row):
    """DESIGN's payroll.csv identities, to the fen, on one row."""
    from ecomdept.pay import tax

    f = {k: yuan_to_fen(row[k]) for k in CONTRACT_COLUMNS[2:]}
    assert f["gross_pay"] == (f["base_pay"] + f["allowance"] + f["overtime_pay"] + f["bonus"] + f["annual_bonus"]
                              - f["unpaid_leave_deduction"] - f["penalties"])
    assert f["net_pay"] == (f["gross_pay"] - f["social_insurance"] - f["housing_fund"] - f["iit"]
                            - f["annual_bonus_iit"])
    assert f["ytd_taxable_income"] == max(0, f["ytd_income"] - f["ytd_basic_deduction"]
                                          - f["ytd_special_deduction"] - f["ytd_additional_deduction"])
    on = dt.date(int(row["tax_period"][:4]), int(row["tax_period"][5:7]), 1)
    assert f["iit"] == max(0, tax.tax_on(f["ytd_taxable_income"], on) - f["ytd_iit_before_this_month"])
    if row["annual_bonus_method"] == "merged":
        assert f["annual_bonus_iit"] == 0
    assert f["iit"] >= 0 and f["annual_bonus_iit"] >= 0


def test_totals_reconcile(demo_run):
    rows = read_csv(demo_run.month_dir / "payroll.csv")
    info = json.loads((demo_run.month_dir / "run.json").read_text(encoding="utf-8"))
    for key in ("gross_pay", "net_pay", "iit", "social_insurance", "housing_fund"):
        assert sum(Decimal(r[key]) for r in rows) == Decimal(info["totals"][key])


def test_input_untouched_and_hash_recorded(demo_run, sample_path):
    info = json.loads((demo_run.month_dir / "run.json").read_text(encoding="utf-8"))
    assert info["input"]["sha256"] == hashlib.sha256(sample_path.read_bytes()).hexdigest()
    assert info["counts"]["employees_paid"] == 30 and info["rules_fingerprint"]


def test_pdf_text_has_name_and_net_pay_and_cjk_font(demo_run):
    ids = {pay.employee_id for pay in demo_run.result.pays}
    for pay in demo_run.result.pays:
        pdf = demo_run.month_dir / "payslips" / f"{pay.employee_id}_{pay.name}.pdf"
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert pay.name in text and fmt_yuan(pay.net_pay) in text
        assert {e for e in ids if f"工号：{e}" in text} == {pay.employee_id}  # split at the right pages
    embedded = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    names = {line.split()[0].split("+", 1)[-1] for line in embedded.splitlines()[2:]}
    # the Chinese font found on this machine is embedded, and no other: no boxes instead of glyphs
    assert names and names <= fonts.find().postscript_names and "CID" in embedded


def test_pdf_renders_to_png(demo_run, tmp_path):
    pay = demo_run.result.pays[0]
    pdf = demo_run.month_dir / "payslips" / f"{pay.employee_id}_{pay.name}.pdf"
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True)
    png = next(tmp_path.glob("p*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def test_golden_payslip_html(demo_run):
    ctx = next(c for c in contexts(demo_run.result) if c["employee_id"] == "E0002")
    check_golden("payslip_E0002.html", render("payslip.html", s=ctx, css=css()))


def test_results_workbook_sheets(demo_run):
    book = CalamineWorkbook.from_path(str(demo_run.month_dir / "工资表_2026-10.xlsx"))
    assert {"工资表", "考勤汇总", "考勤明细", "扣款明细", "加班明细", "预警", "数据问题", "运行信息"} <= set(book.sheet_names)
    rows = book.get_sheet_by_name("工资表").to_python()
    assert rows[3][:2] == ["工号", "姓名"] and rows[-4][0] == "合计" and rows[-2][0].startswith("制表：")
    assert [g for g in rows[2] if g] == ["员工", "应发项目", "扣款项目", "应发", "代扣项目", "实发"]


def test_rerun_is_identical_and_keeps_a_backup(demo_run, sample_path):
    out = demo_run.month_dir.parent
    again = run_payroll(sample_path, "2026-10", out, pdf=False, show_progress=False)
    assert again.code == 0
    assert (again.month_dir / "payroll.csv").read_bytes() == (
        next(out.glob("2026-10.v*")) / "payroll.csv").read_bytes()


def test_next_month_continues_year_to_date(two_months_path, tmp_path):
    sample_path = two_months_path
    oct_run = run_payroll(sample_path, "2026-10", tmp_path, pdf=False, show_progress=False)
    nov_run = run_payroll(sample_path, "2026-11", tmp_path, pdf=False, show_progress=False)
    assert nov_run.code == 0
    oct_rows = {r["employee_id"]: r for r in read_csv(oct_run.month_dir / "payroll.csv")}
    deferred = [e for e, r in oct_rows.items() if r["deferred"] == "1"]
    assert len(deferred) == 1                        # the late-month hire (PAY-05)
    for row in read_csv(nov_run.month_dir / "payroll.csv"):
        before = oct_rows[row["employee_id"]]
        # October's wages are the 2026-11 period, November's the 2026-12 period
        assert (before["tax_period"], row["tax_period"]) == ("2026-12" if before["deferred"] == "1" else "2026-11",
                                                             "2026-12")
        carried = yuan_to_fen(before["gross_pay"]) if before["deferred"] == "1" else 0
        assert yuan_to_fen(row["ytd_income"]) == (yuan_to_fen(before["ytd_income"]) + carried
                                                  + yuan_to_fen(row["gross_pay"]))
        assert yuan_to_fen(row["ytd_iit_before_this_month"]) == (
            yuan_to_fen(before["ytd_iit_before_this_month"]) + yuan_to_fen(before["iit"]))
        assert yuan_to_fen(row["carried_net"]) == (yuan_to_fen(before["net_pay"]) if carried else 0)
    # the bank list: October leaves the late hire out, November pays both months
    from python_calamine import CalamineWorkbook

    def bank(run):
        sheet = CalamineWorkbook.from_path(str(run.month_dir / f"工资表_{run.result.label}.xlsx")).get_sheet_by_name("代发工资")
        return {r[0]: r[3] for r in sheet.to_python() if r and str(r[0]).startswith("E")}
    nov_rows = {r["employee_id"]: r for r in read_csv(nov_run.month_dir / "payroll.csv")}
    assert deferred[0] not in bank(oct_run)
    assert yuan_to_fen(bank(nov_run)[deferred[0]]) == (yuan_to_fen(nov_rows[deferred[0]]["net_pay"])
                                                       + yuan_to_fen(oct_rows[deferred[0]]["net_pay"]))
    # re-running October afterwards does not count October twice
    again = run_payroll(sample_path, "2026-10", tmp_path, pdf=False, show_progress=False)
    assert (again.month_dir / "payroll.csv").read_bytes() == (oct_run.month_dir.parent.glob("2026-10.v*").__next__()
                                                              / "payroll.csv").read_bytes()


def test_pdf_batches_keep_every_core_busy():
    for count in (1, 7, 30, 200, 201, 10_000):
        for workers in (1, 2, 4):
            size = batch_size(count, workers)
            documents = -(-count // size)
            # at most 40 slips a document, and no more rounds of documents per core than that needs
            assert size <= 40 and -(-documents // workers) == -(-count // (workers * 40))


def test_spaceless_keeps_text_spaces():
    from ecomdept.outputs.templating import environment
    template = environment().from_string("{% filter spaceless %}<p>\n  <b>a b</b> c\n</p>\n<p>{{ x }}</p>{% endfilter %}")
    assert template.render(x="<i>") == "<p><b>a b</b> c\n</p><p>&lt;i&gt;</p>"


def test_every_csv_opens_in_excel_on_chinese_windows(demo_run):
    """UTF-8 with a BOM: Excel on Chinese Windows otherwise reads a CSV as GBK and garbles every name."""
    csvs = sorted(demo_run.month_dir.rglob("*.csv"))
    assert {path.name for path in csvs} >= {"payroll.csv", "考勤明细.csv", "退款流程.csv"}
    for path in csvs:
        assert path.read_bytes().startswith(b"\xef\xbb\xbfemployee_id" if path.name == "payroll.csv"
                                            else b"\xef\xbb\xbf"), path.name
