"""PDF payslips with Typst: workbook text printed literally, Chinese fonts found or PDFs refused, never boxes."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT
from ecomdept.outputs import fonts
from ecomdept.outputs import payslips
from ecomdept.run import sample
from ecomdept.inputs.master_workbook import write_master
from ecomdept.run.pipeline import run_payroll
from ecomdept.outputs.templating import render_typst

HOSTILE = ['#read("/etc/passwd")', "*粗体*", "$x$", "]", "\\", "<b>", "@ref", "= 标题", "- 列表", "+ 项", "1. 项",
           "// 注释", "/* 注释 */", "`raw`", "_斜_", "~", '"引号"', "'单引号'", "{#x}", "#{1 + 1}", "#set page(width: 1cm)"]
LONG_NAME = "欧阳" + "长名字" * 26  # 80 characters


def pdf_text(path: Path, password: str | None = None) -> str:
    args = ["pdftotext", "-raw", *(["-upw", password] if password else []), str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def flat(text: str) -> str:
    """pdftotext output without its line breaks (a long name wraps)."""
    return text.replace("\n", "")


def embedded_fonts(path: Path) -> list[str]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split()[0].split("+", 1)[-1].removesuffix("-Identity-H")
            for line in out.splitlines()[2:] if line.strip()]


def hostile_workbook(tmp_path: Path, names: list[str]) -> Path:
    data = sample.build(employees=len(names), orders_per_employee=1)
    for row, name in zip(data["员工"], names):
        row[1] = name
    return write_master(tmp_path / "m.xlsx", data)


@pytest.fixture(scope="module")
def demo_slips(sample_path):
    from ecomdept.run import engine
    from ecomdept.inputs.workbook_io import load_path
    return payslips.contexts(engine.run_month(load_path(sample_path), 2026, 10))


def test_workbook_text_is_printed_literally_never_as_markup(demo_slips, tmp_path):
    """Every text field a payslip shows, filled with Typst markup: each is printed as written."""
    slips = []
    for number, value in enumerate(HOSTILE + [LONG_NAME]):
        ctx = dict(demo_slips[number % len(demo_slips)])
        first = ctx["sections"][0]
        line = first["lines"][0]
        ctx.update(name=value, team=value, position=value, notes=[value], pay_note=value,
                   exceptions=[{"date": "2026-10-08", "status": "迟到", "reason": value}],
                   sections=[{**first, "lines": [dataclasses.replace(line, explanation=value)]}])
        slips.append(ctx)
    rendered = payslips.render_pdf_batch(slips)
    assert len(rendered) == len(slips)
    for (stem, data), ctx in zip(rendered, slips):
        path = tmp_path / f"{stem}.pdf"
        path.write_bytes(data)
        text = pdf_text(path)
        assert text.count("工资条") == 1 and "本年累计" in text  # one payslip, all of it: nothing broke
        assert flat(text).count(flat(ctx["name"])) >= 6  # name, team, position, note, reason, explanation
        assert "root:" not in text  # #read was not run
        assert subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout.count("Pages:") == 1
    long_one = tmp_path / f"{rendered[-1][0]}.pdf"
    assert "Pages:           1" in subprocess.run(["pdfinfo", str(long_one)], capture_output=True, text=True).stdout


def test_hostile_names_from_the_workbook_end_to_end(tmp_path):
    names = ['#read("/etc/passwd")', "*粗体*", "$x$", "]", "\\", "<b>", "@ref", LONG_NAME]
    outcome = run_payroll(hostile_workbook(tmp_path, names), "2026-10", tmp_path / "out", pdf=True,
                          show_progress=False)
    assert outcome.code == 0, outcome.message
    folder = outcome.month_dir / "payslips"
    assert len(list(folder.glob("*.pdf"))) == len(names)
    for pay in outcome.result.pays:
        stem = payslips.file_stem({"employee_id": pay.employee_id, "name": pay.name})
        text = pdf_text(folder / f"{stem}.pdf")
        assert pay.name in names and f"姓名：{pay.name}" in flat(text)


def test_typst_templates_get_references_html_templates_get_text(tmp_path):
    (tmp_path / "t.typ").write_text("{{ a }}|{{ b }}|{{ a }}|{{ c | safe }}|{{ '' }}", encoding="utf-8")
    source, values = render_typst("t.typ", str(tmp_path), a="#x", b="*y*", c="#strong[z]")
    assert source.endswith("\n#_v.at(0);|#_v.at(1);|#_v.at(0);|#strong[z]|") and values == ["#x", "*y*"]
    assert "*y*" not in source


def test_same_slips_give_the_same_bytes(demo_slips):
    assert payslips.render_pdf_batch(demo_slips[:3]) == payslips.render_pdf_batch(demo_slips[:3])


def test_pdf_uses_only_the_checked_chinese_fonts(demo_run):
    fontset = fonts.find()
    for path in (demo_run.month_dir / "payslips").glob("*.pdf"):
        used = embedded_fonts(path)
        assert used and set(used) <= fontset.postscript_names
        assert any(ord("工") in fonts._cmap(f.path, f.index)[0] for f in fontset.faces if f.postscript in used)


def test_a_character_no_font_has_refuses_the_pdfs_but_not_the_rest(tmp_path):
    fontset = fonts.find()
    rare = next(chr(c) for c in range(0x20000, 0x2A6DF) if c not in fontset.covered)
    outcome = run_payroll(hostile_workbook(tmp_path, ["张三", f"李{rare}"]), "2026-10", tmp_path / "out", pdf=True,
                          show_progress=False)
    assert outcome.code == 1 and f"李{rare}" in outcome.message and f"U+{ord(rare):04X}" in outcome.message
    folder = outcome.month_dir / "payslips"
    assert not list(folder.glob("*.pdf")) and len(list(folder.glob("*.html"))) == 2
    assert (outcome.month_dir / "工资表_2026-10.xlsx").exists()
    assert json.loads((outcome.month_dir / "run.json").read_text(encoding="utf-8"))["counts"]["files"][
        "payslips_pdf"] == 0


def test_a_template_that_picks_another_font_is_refused(demo_slips, tmp_path):
    own = (ROOT / "udfs" / "ecomdept" / "templates" / "payslip.typ").read_text(encoding="utf-8")
    own = own.replace("#set page(", '#set text(font: "DejaVu Sans Mono")\n#set page(', 1)
    (tmp_path / "payslip.typ").write_text(own, encoding="utf-8")
    with pytest.raises(fonts.FontMissing, match="DejaVuSansMono"):
        payslips.render_pdf_batch(demo_slips[:2], str(tmp_path))


def test_font_override(monkeypatch, tmp_path):
    found = fonts.find()
    monkeypatch.setenv(fonts.FONT_ENV, found.faces[0].path)
    assert fonts.find().families[0] == found.families[0]
    assert {face.path for face in fonts.find().faces} == {found.faces[0].path}  # that file and no other
    monkeypatch.setenv(fonts.FONT_ENV, str(tmp_path / "nope.ttf"))
    with pytest.raises(fonts.FontMissing, match="不存在"):
        fonts.find()
    latin = next(Path("/usr/share/fonts").rglob("DejaVuSans.ttf"), None)
    if latin:
        with pytest.raises(fonts.FontMissing, match="不含中文字形.*apt-get install fonts-wqy-microhei"):
            fonts.find(latin)  # --font wins over the environment


# The acceptance conditions, each in a fresh process: WeasyPrint cannot be imported, and fontconfig
# knows only the DejaVu fonts; with ``no_dirs`` the usual font folders are hidden too (no Chinese font).
CHILD = """
import importlib.abc, json, sys
class NoWeasyPrint(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "weasyprint":
            raise ImportError("weasyprint is not installed")
sys.meta_path.insert(0, NoWeasyPrint())
from ecomdept.outputs import fonts
if {no_dirs}:
    fonts.font_dirs = lambda: []
if {no_bundle}:  # an install without the noto-cjk-sans-otc package
    fonts._bundled_files = lambda: []
from ecomdept.cli import main
code = main(["payroll", "--month", "2026-10", "--workbook", {workbook!r}, "--out", {out!r}])
try:
    names = sorted(fonts.find().postscript_names)
except fonts.FontMissing:
    names = []
print(json.dumps({{"code": code, "fonts": names}}))
"""


def run_child(tmp_path: Path, workbook: Path, no_dirs: bool, limit_fontconfig: bool = True,
              no_bundle: bool = False) -> tuple[dict, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "udfs"))
    env.pop(fonts.FONT_ENV, None)
    if limit_fontconfig:
        dejavu = next((p for p in (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
                       if p.is_dir()), tmp_path)
        config = tmp_path / "fonts.conf"
        config.write_text(textwrap.dedent(f"""\
            <?xml version="1.0"?>
            <!DOCTYPE fontconfig SYSTEM "fonts.dtd">
            <fontconfig><dir>{dejavu}</dir><cachedir>{tmp_path / "fc-cache"}</cachedir></fontconfig>
            """), encoding="utf-8")
        env["FONTCONFIG_FILE"] = str(config)
        listed = subprocess.run(["fc-list", ":lang=zh-cn", "file"], capture_output=True, text=True, env=env).stdout
        assert listed.strip() == ""  # fontconfig really knows no Chinese font
    code = CHILD.format(no_dirs=no_dirs, no_bundle=no_bundle, workbook=str(workbook), out=str(tmp_path / "out"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def check_real_pdfs(folder: Path, pays, allowed: list[str], tmp_path: Path) -> None:
    """Every PDF embeds only Chinese fonts, shows its employee's name and renders to a page with ink."""
    assert len(list(folder.glob("*.pdf"))) == len(pays)
    for pay in pays:
        pdf = folder / f"{pay.employee_id}_{pay.name}.pdf"
        used = embedded_fonts(pdf)
        assert used and set(used) <= set(allowed), used
        assert pay.name in pdf_text(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-gray", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    page = next(tmp_path.glob("page*.pgm")).read_bytes()
    pixels = page[page.index(b"255\n") + 4:]
    assert sum(1 for value in pixels if value < 128) > 2000  # text drawn, not an empty page


def test_without_any_chinese_font_the_bundled_one_writes_every_pdf(demo_run, sample_path, tmp_path):
    result, stderr = run_child(tmp_path, sample_path, no_dirs=True)
    assert result["code"] == 0, stderr
    assert result["fonts"] and all(name.startswith("NotoSansCJK") for name in result["fonts"])
    check_real_pdfs(tmp_path / "out" / "2026-10" / "payslips", demo_run.result.pays, result["fonts"], tmp_path)


def test_without_any_chinese_font_nor_the_bundled_one_no_pdf_and_exit_1(sample_path, tmp_path):
    result, stderr = run_child(tmp_path, sample_path, no_dirs=True, no_bundle=True)
    assert result == {"code": 1, "fonts": []}
    assert "没有找到中文字体" in stderr and "apt-get install fonts-wqy-microhei" in stderr and "ECOMDEPT_FONT" in stderr
    month = tmp_path / "out" / "2026-10"
    assert not list(month.rglob("*.pdf"))
    assert len(list((month / "payslips").glob("*.html"))) == 30 and (month / "工资表_2026-10.xlsx").exists()


def test_without_weasyprint_fontconfig_limited_to_dejavu(demo_run, sample_path, tmp_path):
    """Either a Chinese font from the font folders is embedded in every PDF, or no PDF and exit 1."""
    result, stderr = run_child(tmp_path, sample_path, no_dirs=False)
    month = tmp_path / "out" / "2026-10"
    if result["code"] == 1:
        assert "没有找到中文字体" in stderr and not list(month.rglob("*.pdf"))
    else:
        assert result["fonts"] and result["code"] == 0
        check_real_pdfs(month / "payslips", demo_run.result.pays, result["fonts"], tmp_path)


def test_without_weasyprint_with_a_chinese_font_every_pdf_is_real(demo_run, sample_path, tmp_path):
    result, stderr = run_child(tmp_path, sample_path, no_dirs=False, limit_fontconfig=False)
    assert result["code"] == 0, stderr
    check_real_pdfs(tmp_path / "out" / "2026-10" / "payslips", demo_run.result.pays, result["fonts"], tmp_path)


def test_forked_workers_after_typst_ran_in_this_process_do_not_hang(tmp_path):
    """Typst's threads do not survive a fork: a process that has compiled renders the rest itself."""
    code = f"""
from pathlib import Path
from ecomdept.run import engine
from ecomdept.outputs import payslips
from ecomdept.run import sample
from ecomdept.inputs.workbook_io import load_path
slips = payslips.contexts(engine.run_month(load_path(sample.write(Path({str(tmp_path)!r}) / "m.xlsx")), 2026, 10))
payslips.render_pdf_batch(slips[:1])
print(payslips.write_pdf(slips, Path({str(tmp_path)!r}), batch=5, workers=2))
"""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "udfs"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "30" and len(list(tmp_path.glob("*.pdf"))) == 30


def test_a_payslip_too_long_for_a_page_keeps_its_second_page(demo_slips, tmp_path):
    long = dict(demo_slips[0], exceptions=[{"date": f"2026-10-{day:02d}", "status": "迟到", "reason": f"第 {day} 条"}
                                           for day in range(1, 61)])
    rendered = payslips.render_pdf_batch([demo_slips[1], long, demo_slips[2]])
    pages = []
    for number, (stem, data) in enumerate(rendered):
        path = tmp_path / f"{number}.pdf"
        path.write_bytes(data)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        pages.append(int(info.split("Pages:")[1].split()[0]))
        assert stem == payslips.file_stem([demo_slips[1], long, demo_slips[2]][number])
    assert pages == [1, 2, 1]
    text = pdf_text(tmp_path / "1.pdf")
    assert "第 1 条" in text and "第 60 条" in text and "本年累计" in text
