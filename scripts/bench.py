"""Benchmark (run by hand, not in CI): python scripts/bench.py [--sizes 1000 10000] [--baseline]

For each size: generate a sample workbook with `ecomdept sample` (about 4 punches per workday,
100 orders per employee), time a bare pandas.read_excel(sheet_name=None, engine="calamine") of it,
run `ecomdept payroll --no-pdf` in a fresh process and report its per-stage wall times, employees/s,
peak RSS and the ratio to the bare read; then time HTML and PDF payslips on a slice (PDF: at most
1,000 with Typst on every core, the font search and glyph check included; target ≥ 200 PDFs/s). With
--baseline also time the formula workbook of ../shared/tools/formula_baseline recalculated in
LibreOffice against `ecomdept payroll --no-pdf` on a sample of the same size (30 and 3,000 staff;
ours the median of three runs, startup included). With --recalc N… also time the ED_ worksheet
functions as Excel calls them on a book of N staff (``recalc_cost``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BASELINE = ROOT.parent / "shared" / "tools"


def sync() -> None:
    if hasattr(os, "sync"):  # not on Windows
        os.sync()


def child(code: str) -> dict:
    """Run Python code in a fresh process; it prints one JSON line; add its peak RSS (MB). The disk is
    synced first, so writing back the previous step's files does not slow this one."""
    sync()
    wrapper = code + "\nimport resource, json, sys\nprint(json.dumps({**RESULT, 'rss_mb': " \
                     "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'child_rss_mb': " \
                     "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))"
    out = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bare_read(path: Path) -> dict:
    return child(f"""
import time, pandas as pd
t = time.perf_counter()
frames = pd.read_excel({str(path)!r}, sheet_name=None, engine="calamine")
RESULT = {{"seconds": time.perf_counter() - t, "rows": sum(len(f) for f in frames.values())}}
""")


def payroll_run(path: Path, out: Path, month: str) -> dict:
    return child(f"""
import time
from ecomdept.run.pipeline import run_payroll
t = time.perf_counter()
o = run_payroll({str(path)!r}, {month!r}, {str(out)!r}, pdf=False, show_progress=False)
assert o.code == 0, o.message
RESULT = {{"seconds": time.perf_counter() - t, "employees": len(o.result.pays),
          "timings": {{k: round(v, 3) for k, v in o.timings.items()}}}}
""")


def kpi_run(path: Path, month: str) -> dict:
    return child(f"""
import time
from ecomdept.sales import kpi
from ecomdept.inputs.workbook_io import load_path
book = load_path({str(path)!r}, frozenset({{"orders", "ads", "employees"}}))
orders = book.frames["orders"]
y, m = (int(x) for x in {month!r}.split("-"))
t = time.perf_counter()
kpi.compute(orders, y, m, 48, book.frames["ads"], book.frames["employees"])
RESULT = {{"seconds": time.perf_counter() - t, "orders": len(orders)}}
""")


def cli_seconds(args: list[str]) -> float:
    sync()
    t = time.perf_counter()
    subprocess.run([str(BIN / "ecomdept"), *args], check=True, capture_output=True)
    return time.perf_counter() - t


def payslip_rates(path: Path, month: str, n_html: int, n_pdf: int) -> dict:
    """HTML payslips, then PDFs as a run writes them: find the font and check every character
    (``pdf_fonts``), then render on every core (``write_pdf``); the PDFs are counted and sized."""
    return child(f"""
import os, time, tempfile, pathlib
from ecomdept.run import engine
from ecomdept.outputs import payslips
from ecomdept.inputs.workbook_io import load_path
y, m = (int(x) for x in {month!r}.split("-"))
result = engine.run_month(load_path({str(path)!r}), y, m)
slips = payslips.contexts(result)
folder = pathlib.Path(tempfile.mkdtemp())
getattr(os, "sync", lambda: None)()
t = time.perf_counter(); payslips.write_html(slips[:{n_html}], folder); html = time.perf_counter() - t
getattr(os, "sync", lambda: None)()
t = time.perf_counter()
fontset = payslips.pdf_fonts(slips[:{n_pdf}])
check = time.perf_counter() - t
payslips.write_pdf(slips[:{n_pdf}], folder, fontset=fontset)
pdf = time.perf_counter() - t
sizes = [p.stat().st_size for p in folder.glob("*.pdf")]
assert len(sizes) == min({n_pdf}, len(slips))
RESULT = {{"html_per_s": min({n_html}, len(slips)) / html, "pdf_per_s": len(sizes) / pdf, "pdf_n": len(sizes),
          "pdf_check_s": check, "pdf_kb": sum(sizes) / len(sizes) / 1024, "font": fontset.describe()}}
""")


def ensure_sample(size: int, month: str, folder: Path, orders: int = 100) -> Path:
    path = folder / f"sample_{size}{'' if orders == 100 else f'_o{orders}'}.xlsx"
    if not path.exists():
        t = time.perf_counter()
        subprocess.run([str(BIN / "ecomdept"), "sample", "--employees", str(size), "--month", month, "--seed", "1",
                        "--orders-per-employee", str(orders), "-o", str(path)], check=True, capture_output=True)
        print(f"  生成 {size} 人示例：{time.perf_counter() - t:.1f} s，{path.stat().st_size / 1e6:.1f} MB")
    return path


def baseline(size: int, folder: Path, month: str) -> dict:
    formula = folder / f"formula_{size}.xlsx"
    if not formula.exists():
        subprocess.run([sys.executable, str(BASELINE / "formula_baseline" / "make_workbook.py"), "--employees",
                        str(size), "--month", month, "--seed", "1", "-o", str(formula)], check=True, capture_output=True)
    outdir = Path(tempfile.mkdtemp())
    t = time.perf_counter()
    subprocess.run([str(BASELINE / "lo-recalc"), str(formula), str(outdir)], check=True, capture_output=True)
    lo = time.perf_counter() - t
    # the formula workbook holds roster, punches and rules but no orders: compare like with like
    sample = ensure_sample(size, month, folder, orders=0)
    ours = statistics.median(cli_seconds(["payroll", "--month", month, "--workbook", str(sample), "--out",
                                          str(outdir / f"ours{i}"), "--no-pdf"]) for i in range(3))
    with_orders = cli_seconds(["payroll", "--month", month, "--workbook", str(ensure_sample(size, month, folder)),
                               "--out", str(outdir / "ours_orders"), "--no-pdf"])
    steps = json.loads((outdir / "ours2" / month / "run.json").read_text(encoding="utf-8"))["timings_s"]
    return {"libreoffice_s": lo, "ecomdept_s": ours, "speedup": lo / ours, "with_orders_s": with_orders,
            "steps": steps}


def send_rate(count: int, folder: Path, month: str) -> dict:
    """``ecomdept send`` of ``count`` encrypted payslips to a local SMTP server (aiosmtpd, which keeps
    nothing), with no rate limit: what the program itself costs per message (MIME, SMTP, the 发放记录)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    from ecomdept.cli import main as cli
    from ecomdept.inputs.master_workbook import write_master
    from ecomdept.run import sample
    from ecomdept.run.pipeline import run_payroll

    data = sample.build(count, month)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    values = {"pdf_password": "id_last6", "send.rate_per_minute": "6000", "send.smtp_host": "127.0.0.1",
              "send.smtp_port": str(port), "send.security": "none", "send.sender": "hr@example.com", "send.user": "-"}
    for row in data["规则"]:
        if row[0] in values:
            row[2] = values.pop(row[0])
    data["规则"] += [[key, "发送设置", value, "", "SEC-04", ""] for key, value in values.items()]
    book = write_master(folder / f"send_{count}.xlsx", data, month=month)
    out = folder / f"send_out_{count}"
    shutil.rmtree(out, ignore_errors=True)
    assert run_payroll(book, month, out, pdf=True, show_progress=False).code == 0
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        tick = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            code = cli(["send", "--month", month, "--out", str(out)])
        seconds = time.perf_counter() - tick
    finally:
        controller.stop()
    sent = sum(1 for line in (out / f"发放记录_{month}.csv").read_text(encoding="utf-8-sig").splitlines() if ",已发送," in line)
    return {"code": code, "sent": sent, "seconds": seconds}


def recalc_cost(path: Path, month: str) -> dict:
    """The Python time of the ED_ data functions per recalculation, called as Excel calls them on a
    workbook with =ED_NET_PAY(工号, 月份, ED_DATA_VERSION) for every employee and one
    =ED_PAYROLL(月份, ED_DATA_VERSION): the book is the test double FileBook over the sample (its
    values in memory, standing for the open book; in Excel each sheet read goes through COM instead).

    - open: the first calculation (数据版本 new);
    - same version, every formula: what F9 or a full recalculation calls when no input changed — an
      edit outside the input sheets calls no data function at all (they are not volatile), and an
      edited 工号 cell calls one;
    - input edit: 月基本工资 of the first employee changed in 员工, so the workbook's macro gives a new
      数据版本 and Excel calls every formula again."""
    return child(f"""
import time
from ecomdept.excel import functions as f, recalc
from ecomdept.excel.filebook import Caller, FileBook
book = FileBook({str(path)!r})
ids = [r[0] for r in book.sheets["员工"].cells[1:] if r and r[0]]
cells = [Caller(book, f"$A${{i}}") for i in range(1, len(ids) + 1)]
def recalculate(version):
    reads, sheets, runs = recalc.COUNTS["reads"], recalc.COUNTS["sheets_read"], f.PIPELINE_RUNS["count"]
    read_s = recalc.COUNTS["read_seconds"]
    t = time.perf_counter()
    values = [f.ed_net_pay(e, {month!r}, version, c) for e, c in zip(ids, cells)]
    table = f.ed_payroll({month!r}, version, Caller(book, "$Z$1"))
    seconds = time.perf_counter() - t
    assert len(table) > 1 and sum(isinstance(v, float) for v in values) >= 0.95 * len(ids), values[:3]
    return {{"seconds": seconds, "calls": len(ids) + 1, "reads": recalc.COUNTS["reads"] - reads,
            "sheets": recalc.COUNTS["sheets_read"] - sheets, "runs": f.PIPELINE_RUNS["count"] - runs,
            "read_s": recalc.COUNTS["read_seconds"] - read_s,
            "first": values[0]}}
opened = recalculate(85000000000.0)
same = min((recalculate(85000000000.0) for _ in range(3)), key=lambda r: r["seconds"])
header = book.sheets["员工"].cells[0]
row, column = book.sheets["员工"].cells[1], header.index("月基本工资")
row[column] = float(row[column]) + 1000
edited = recalculate(85000000001.0)
assert edited["first"] != opened["first"]
RESULT = {{"staff": len(ids), "opened": opened, "same": same, "edited": edited}}
""")


def print_recalc(size: int, folder: Path, month: str) -> None:
    r = recalc_cost(ensure_sample(size, month, folder), month)
    print(f"\n== ED_ 函数每次重算的 Python 用时：{r['staff']:,} 人，{r['staff']:,} 个 ED_NET_PAY + 1 个 ED_PAYROLL ==")
    for key, label in (("opened", "打开（新的数据版本）"), ("same", "数据版本未变、全部公式重算（F9）"),
                       ("edited", "改了输入表（员工 的月基本工资 → 新的数据版本）")):
        x = r[key]
        print(f"  {label}：{x['seconds'] * 1000:,.0f} ms，{x['calls']:,} 次调用，读取 {x['reads']} 次"
              f"（{x['sheets']} 张表，{x['read_s'] * 1000:,.0f} ms），计算工资 {x['runs']} 次")
    print("  改输入表以外的单元格：Excel 不调用任何 ED_ 读数据的函数（非易失）；改了某个公式引用的工号，只调用那一个")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000], help="人数（可多个；--sizes 后不写数字则只测 --send）")
    parser.add_argument("--month", default="2026-11")  # 21 workdays: about 4 punches × 21 per person
    parser.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "ecomdept-bench"))
    parser.add_argument("--baseline", action="store_true", help="LibreOffice 公式工作簿对照（30 与 3,000 人）")
    parser.add_argument("--pdf-sample", type=int, default=1000)
    parser.add_argument("--recalc", type=int, nargs="*", metavar="N",
                        help="另测 ED_ 函数每次重算的 Python 用时：N 人的工作簿（默认 1000；只测这一项可写 --sizes --recalc）")
    parser.add_argument("--send", type=int, default=0, metavar="N",
                        help="另测 ecomdept send：N 份加密工资条发往本机 SMTP 服务器（需要 aiosmtpd，pip install -e '.[test]'）")
    args = parser.parse_args()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    print(f"机器：{platform.machine()}，{os.cpu_count()} 核，Python {platform.python_version()}")
    for size in args.sizes:
        print(f"\n== {size:,} 人 ==")
        path = ensure_sample(size, args.month, folder)
        bare = bare_read(path)
        out = folder / f"out_{size}"
        shutil.rmtree(out, ignore_errors=True)
        run = payroll_run(path, out, args.month)
        print(f"  pandas.read_excel(calamine) 全表：{bare['seconds']:.2f} s，{bare['rss_mb']:.0f} MB，{bare['rows']:,} 行")
        print(f"  ecomdept payroll --no-pdf：{run['seconds']:.2f} s，{run['employees'] / run['seconds']:,.0f} 人/s，"
              f"峰值内存 {run['rss_mb']:.0f} MB（订单子进程 {run['child_rss_mb']:.0f} MB），"
              f"为裸读的 {run['seconds'] / bare['seconds']:.2f} 倍")
        print("  各步：" + "，".join(f"{k} {v:.2f} s" for k, v in run["timings"].items()))
        k = kpi_run(path, args.month)
        print(f"  KPI（部门 + 小组 + 个人）：{k['orders']:,} 单 {k['seconds']:.2f} s")
        rates = payslip_rates(path, args.month, min(size, 5000), min(size, args.pdf_sample))
        print(f"  HTML 工资条 {rates['html_per_s']:,.0f} 份/s；PDF 工资条 {rates['pdf_per_s']:,.0f} 份/s"
              f"（{rates['pdf_n']:,} 份，{os.cpu_count()} 核，其中找字体与查字形 {rates['pdf_check_s']:.2f} s；"
              f"平均 {rates['pdf_kb']:.0f} KB/份；目标 ≥ 200 份/s；字体 {rates['font']}）")
    for size in ([] if args.recalc is None else args.recalc or [1000]):
        print_recalc(size, folder, args.month)
    if args.send:
        result = send_rate(args.send, folder, args.month)
        print(f"\n== ecomdept send：{result['sent']:,} 封（不限速，本机 SMTP）==\n  {result['seconds']:.1f} s，"
              f"{result['sent'] / result['seconds']:,.0f} 封/s，退出码 {result['code']}（每封写两次发放记录：交给服务器前、收到回复后）")
    if args.baseline:
        print("\n== 对照：LibreOffice 重算公式工作簿 vs ecomdept payroll --no-pdf（含启动）==")
        for size in (30, 3000):
            b = baseline(size, folder, args.month)
            print(f"  {size:,} 人：LibreOffice {b['libreoffice_s']:.1f} s，ecomdept {b['ecomdept_s']:.1f} s，"
                  f"快 {b['speedup']:.1f} 倍（含 100 单/人的订单与 KPI：{b['with_orders_s']:.1f} s）")
            print("    各步（第三次）：" + "，".join(f"{k} {v:.2f} s" for k, v in b["steps"].items()))


if __name__ == "__main__":
    main()
