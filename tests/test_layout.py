"""The package layout shows the data flow: each sub-package imports only the ones below it, and the
engine never imports xlwings."""

import re
from pathlib import Path

ORDER = ["core", "inputs", "worktime", "sales", "pay", "outputs", "close", "run", "delivery", "excel", "top"]
PACKAGE = Path(__file__).resolve().parents[1] / "udfs" / "ecomdept"


def test_imports_only_run_down_the_layers():
    upward = []
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        source = parts[0] if len(parts) > 1 and parts[0] in ORDER else "top"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in re.finditer(r"(?:from|import) ecomdept\.(\w+)", line):
                target = match.group(1) if match.group(1) in ORDER else "top"
                if ORDER.index(target) > ORDER.index(source):
                    upward.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert not upward, upward


def test_only_the_excel_package_knows_xlwings():
    for path in PACKAGE.rglob("*.py"):
        if path.relative_to(PACKAGE).parts[0] == "excel":
            continue
        assert not re.search(r"^\s*(import|from) xlwings", path.read_text(encoding="utf-8"), re.M), path


def test_no_flat_module_pile():
    flat = [p.name for p in PACKAGE.glob("*.py")]
    assert sorted(flat) == ["__init__.py", "__main__.py", "cli.py", "cli_text.py"]
