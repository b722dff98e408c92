"""In a real browser (headless Chromium, installed by .ci/run): payslips read on a 390 px phone without
sideways scrolling, no chart label of report.html is cut off at 1280 px, and on a 375 px phone the
report's charts are drawn for the phone (labels at their size, none cut off) and its tables scroll."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from ecomdept.outputs import payslips

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(BROWSER is None, reason="Chromium 未安装（.ci/run 会安装）")

# the page in a frame of the width wanted (a browser window is at least 500 px wide), measured on load
PROBE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="page" style="width:{width}px;height:900px;border:0" srcdoc="{page}"></iframe>
<script>
const frame = document.getElementById("page");
frame.onload = () => {{
  const doc = frame.contentDocument, view = frame.contentWindow;
  const out = {{scroll: doc.documentElement.scrollWidth, width: view.innerWidth, clipped: []}};
  for (const svg of doc.querySelectorAll("svg")) {{
    const box = svg.getBoundingClientRect();
    for (const text of svg.querySelectorAll("text")) {{
      const r = text.getBoundingClientRect();
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        out.clipped.push(text.textContent);
    }}
  }}
  out.charts = [];
  for (const svg of doc.querySelectorAll("svg")) {{
    if (view.getComputedStyle(svg).display === "none") continue;
    const box = svg.getBoundingClientRect();
    const sizes = [...svg.querySelectorAll("text")].map(t => t.getBoundingClientRect().height);
    out.charts.push({{scale: box.width / svg.viewBox.baseVal.width, right: box.right,
                      title: svg.querySelector("title").textContent}});
  }}
  out.cells = [];
  for (const td of doc.querySelectorAll("td")) {{
    const range = doc.createRange();
    range.selectNodeContents(td);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    out.cells.push({{text: td.textContent.trim().slice(0, 20), lines: tops.size, scrolls: !!td.closest(".scroll"),
                    right: td.getBoundingClientRect().right}});
  }}
  document.body.setAttribute("data-measured", JSON.stringify(out));
}};
</script></body></html>"""


def measure(page: Path, width: int, tmp_path: Path) -> dict:
    probe = tmp_path / f"probe-{page.stem}-{width}.html"
    probe.write_text(PROBE.format(width=width, page=html.escape(page.read_text(encoding="utf-8"))), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                               "--disable-component-update", "--disable-sync", "--no-first-run",
                               f"--user-data-dir={profile}", f"--window-size={max(width, 500) + 40},1000",
                               "--hide-scrollbars", "--dump-dom", probe.as_uri()],
                              capture_output=True, text=True, timeout=120)
    found = re.search(r'data-measured="([^"]*)"', done.stdout)
    assert found, done.stderr[-2000:]
    return json.loads(html.unescape(found.group(1)))


def test_payslips_fit_a_phone(demo_run, tmp_path):
    folder = demo_run.month_dir / "payslips"
    longest = max(demo_run.result.pays, key=lambda p: sum(len(l.explanation) for l in p.lines))
    for pay in (longest, demo_run.result.pays[0]):
        page = folder / f"{payslips.file_stem({'employee_id': pay.employee_id, 'name': pay.name})}.html"
        found = measure(page, 390, tmp_path)
        assert found["width"] == 390 and found["scroll"] <= 390, (pay.employee_id, found)


def test_report_charts_keep_their_labels(demo_run, tmp_path):
    found = measure(demo_run.month_dir / "report.html", 1280, tmp_path)
    assert found["width"] == 1280 and found["scroll"] <= 1280
    assert found["clipped"] == []


def test_report_reads_on_a_phone(demo_run, tmp_path):
    found = measure(demo_run.month_dir / "report.html", 375, tmp_path)
    assert found["width"] == 375 and found["scroll"] <= 375      # the page itself never scrolls sideways
    assert len(found["charts"]) == 6 and found["clipped"] == []
    for chart in found["charts"]:                                # drawn for the phone: 12 px labels stay ~12 px
        assert chart["scale"] >= 0.95 and chart["right"] <= 375, chart
    for cell in found["cells"]:                                  # wide tables scroll, they do not squeeze
        assert cell["right"] <= 375 or cell["scrolls"], cell
    names = {p.name for p in demo_run.result.pays}
    squeezed = [c for c in found["cells"] if c["text"] in names and c["lines"] > 1]
    assert not squeezed, squeezed[:5]                            # a name on one line, not a character a line
