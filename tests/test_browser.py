"""In a real browser (headless Chromium, installed by .ci/run): payslips read on a 390 px phone without
sideways scrolling, and no chart label of report.html is cut off at 1280 px."""

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
