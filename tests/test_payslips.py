"""Payslips: the employee reads their own pay only (HR's alerts go to HR's copy in report.html), the
stylesheet reaches the browser, 应发合计 and 实发 in figures and in capitals, one A5 page per demo slip."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from ecomdept.outputs import payslips
from ecomdept.run import sample
from ecomdept.inputs.master_workbook import write_master
from ecomdept.core.money import fmt_yuan
from ecomdept.core.money_words import rmb_upper
from ecomdept.run.pipeline import run_payroll

HR_WORDS = ("开除", "请人工", "人工处理", "复核", "预警", "short_notice_settlement")
A5_POINTS = (419.53, 595.28)


def pdf_text(path: Path, first: int | None = None) -> str:
    pages = ["-f", str(first), "-l", str(first)] if first else []
    return subprocess.run(["pdftotext", "-raw", *pages, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def squeeze(text: str) -> str:
    """Text without whitespace: PDF lines wrap anywhere, HTML breaks lines between tags."""
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", text))


@pytest.fixture(scope="module")
def demo(sample_path, tmp_path_factory):
    """The sample month with its PDFs, in a folder of its own (other tests rerun demo_run's month)."""
    outcome = run_payroll(sample_path, sample.DEFAULT_MONTH, tmp_path_factory.mktemp("demo"), pdf=True,
                          show_progress=False)
    assert outcome.code == 0, outcome.message
    return outcome


@pytest.fixture(scope="module")
def hold_run(tmp_path_factory):
    """The sample month with 规则 short_notice_settlement = hold: a short-notice resignation held (HR-03),
    two consecutive absent workdays (开除预警, ABS-09) and an unapproved leave (LV-02)."""
    data = sample.build()
    for row in data["规则"]:
        if row[0] == "short_notice_settlement":
            row[2] = "hold"
    folder = tmp_path_factory.mktemp("hold")
    outcome = run_payroll(write_master(folder / "m.xlsx", data), sample.DEFAULT_MONTH, folder / "out", pdf=True,
                          show_progress=False)
    assert outcome.code == 0, outcome.message
    return outcome


def employee_files(outcome) -> dict[str, dict[str, str]]:
    """employee id → {"html": text, "pdf": text} of the payslips folder."""
    folder = outcome.month_dir / "payslips"
    out = {}
    for pay in outcome.result.pays:
        stem = payslips.file_stem({"employee_id": pay.employee_id, "name": pay.name})
        out[pay.employee_id] = {"html": (folder / f"{stem}.html").read_text(encoding="utf-8"),
                                "pdf": pdf_text(folder / f"{stem}.pdf")}
    return out


def check_employee_only(outcome) -> None:
    files = employee_files(outcome)
    messages = [squeeze(a.message) for a in outcome.result.alerts]
    hr_notes = [squeeze(n) for p in outcome.result.pays for n in payslips.hr_notes(p)]
    for employee, texts in files.items():
        for kind, text in texts.items():
            body = squeeze(text)
            for word in HR_WORDS:
                assert word not in body, f"{employee} {kind}: 「{word}」"
            for message in messages + hr_notes:
                assert message not in body, f"{employee} {kind}: {message}"
    report = squeeze((outcome.month_dir / "report.html").read_text(encoding="utf-8"))
    for message in messages + hr_notes:  # HR's copy has them all
        assert message in report
    assert (outcome.month_dir / "report.html").stat().st_mode & 0o077 == 0


def test_hr_alerts_and_holds_stay_out_of_the_employees_payslips(hold_run):
    alerts = {(a.employee_id, a.clause) for a in hold_run.result.alerts}
    held = [p for p in hold_run.result.pays if p.held]
    assert any(clause == "ABS-09" for _, clause in alerts) and held and ("LV-02" in {c for _, c in alerts})
    check_employee_only(hold_run)
    files = employee_files(hold_run)
    for pay in held:  # told neutrally, and still shown what was computed
        for text in files[pay.employee_id].values():
            assert "本月工资暂缓结算" in squeeze(text) and fmt_yuan(pay.net_pay) in text
    assert "本月工资暂缓结算" not in files[next(p for p in hold_run.result.pays if not p.held).employee_id]["html"]


def test_demo_payslips_hold_no_alerts(demo):
    assert any(a.clause == "ABS-09" for a in demo.result.alerts)
    check_employee_only(demo)


def test_stylesheet_reaches_the_browser_and_phones_get_the_real_width(demo):
    html = next((demo.month_dir / "payslips").glob("E0002_*.html")).read_text(encoding="utf-8")
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert 'font-family: "WenQuanYi Micro Hei"' in style and "&#34;" not in style and "&quot;" not in style
    assert "@media screen and (max-width: 600px)" in style
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


def test_gross_and_net_in_figures_and_in_capitals(demo):
    files = employee_files(demo)
    for pay in demo.result.pays:
        for kind, text in files[pay.employee_id].items():
            body = squeeze(text)
            assert f"应发合计{fmt_yuan(pay.gross_pay)}{rmb_upper(pay.gross_pay)}" in body, (pay.employee_id, kind)
            assert f"实发工资{fmt_yuan(pay.net_pay)}{rmb_upper(pay.net_pay)}" in body, (pay.employee_id, kind)


def test_capitals_of_e0002():
    assert rmb_upper(714519) == "人民币柒仟壹佰肆拾伍元壹角玖分"


def test_every_demo_pdf_is_one_a5_page(demo):
    pdfs = sorted((demo.month_dir / "payslips").glob("*.pdf"))
    assert len(pdfs) == 30
    for path in pdfs:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"^Pages:\s+1$", info, re.M), path.name
        width, height = (float(v) for v in re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
        assert (round(width, 1), round(height, 1)) == (round(A5_POINTS[0], 1), round(A5_POINTS[1], 1))


def test_a_long_payslip_continues_under_the_repeated_header(demo, tmp_path):
    slips = payslips.contexts(demo.result)
    long = dict(slips[0], exceptions=[{"date": f"2026-10-{d:02d}", "status": "迟到", "reason": f"第 {d} 条"}
                                      for d in range(1, 81)])
    rendered = payslips.render_pdf_batch([slips[1], long, slips[2]])
    path = tmp_path / "long.pdf"
    path.write_bytes(rendered[1][1])
    first, second = squeeze(pdf_text(path, 1)), squeeze(pdf_text(path, 2))
    assert "（续）" not in first and long["name"] in first
    assert f"{long['name']}（{long['employee_id']}）" in second and "（续）第2页" in second
    assert "2026年10月工资条" in second
    for stem, data in (rendered[0], rendered[2]):  # the slips around it keep one page and no header
        (tmp_path / "x.pdf").write_bytes(data)
        assert "（续）" not in pdf_text(tmp_path / "x.pdf")


def test_citations_name_the_section_with_the_id_in_small_print(demo):
    from ecomdept.core import clauses
    from ecomdept.outputs.templating import render

    for ctx in payslips.contexts(demo.result):
        html = render("payslip.html", s=ctx, css="")
        for section in ctx["sections"]:
            for line in section["lines"]:
                if line.clause:
                    assert f'<small class="clause">{clauses.line_citation(line.clause)} · {line.clause}</small>' in html
                    assert clauses.registry()[line.clause.split("/")[0]]["section"] in html
        assert "（ABS-01/ABS-04）" not in html and "（PAY-08）" not in html   # inline ids give way to the citation


HEADING_CONTENT = {"考勤": '<dl class="facts att">', "假期余额": '<ul class="notes">',
                   "本年累计（个税）": '<dl class="facts ytd">'}
FIRST_WORD = {"考勤": "应出勤", "假期余额": "年假", "本年累计（个税）": "累计收入"}


def test_every_heading_is_followed_by_its_own_content_in_html_and_pdf(demo):
    files = employee_files(demo)
    for employee, texts in files.items():
        page = texts["html"].split("</style>", 1)[1]
        headings = re.findall(r"<h2>([^<]*)</h2>\s*(<[a-z]+[^>]*>)", page)
        assert headings and [h for h, _ in headings][-1] == "本年累计（个税）", employee
        for title, after in headings:
            assert after == HEADING_CONTENT.get(title, '<table class="lines">'), (employee, title, after)
        pdf = squeeze(texts["pdf"])
        at = [pdf.index(title) for title, _ in headings]
        assert at == sorted(at), (employee, "PDF 的标题顺序与 HTML 不同")
        for (title, _), start, end in zip(headings, at, at[1:] + [len(pdf)]):
            assert FIRST_WORD.get(title, "项目") in pdf[start:end], (employee, title)
