"""The README's sheet and rule tables are generated from the code: they must not drift."""

import re

from conftest import ROOT
from ecomdept.outputs.docs import kpis_markdown, rules_markdown, send_markdown, sheets_markdown


def block(name: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(f"<!-- {name}:begin -->\n(.*?)<!-- {name}:end -->", text, re.S)
    assert match, f"README 缺少 {name} 区块"
    return match.group(1)


def test_readme_sheets_match_schema():
    assert block("sheets") == sheets_markdown(), "README 的工作表说明已过期：python -m ecomdept.outputs.docs"


def test_readme_rules_match_params():
    assert block("rules") == rules_markdown(), "README 的规则表已过期：python -m ecomdept.outputs.docs"


def test_readme_names_the_two_commands_first():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.index("make demo") < text.index("## 命令行") and "make test" in text


def test_readme_kpis_match_definitions():
    assert block("kpis") == kpis_markdown(), "README 的 KPI 表已过期：python scripts/update_readme.py"


def test_readme_send_settings_match_the_code():
    assert block("send") == send_markdown(), "README 的发送设置表已过期：python scripts/update_readme.py"
