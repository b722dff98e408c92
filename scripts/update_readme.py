"""Regenerate the README's sheet and rule tables from the schema: python scripts/update_readme.py"""

import re
from pathlib import Path

from ecomdept.outputs.docs import kpis_markdown, rules_markdown, send_markdown, sheets_markdown

README = Path(__file__).resolve().parents[1] / "README.md"
text = README.read_text(encoding="utf-8")
for name, body in (("sheets", sheets_markdown()), ("rules", rules_markdown()), ("kpis", kpis_markdown()), ("send", send_markdown())):
    text = re.sub(f"(<!-- {name}:begin -->\n).*?(<!-- {name}:end -->)", lambda m: m.group(1) + body + m.group(2),
                  text, flags=re.S)
README.write_text(text, encoding="utf-8")
