"""The clause registry: every rule id the product cites (ATT-04, PAY-07, STA-2018-61 …) with the
section of 《电商部管理制度》 or the law it comes from, the rule in the product's words and the 规则
parameters that set it. Payslips and reports print the section people can look up, with the id in
small print; ``docs/clauses.md`` (``python -m ecomdept.core.clauses``) is the same table for reading."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "clauses.json"
ID = re.compile(r"\b(?:ORG|ATT|ABS|LV|OUT|OT|DUTY|PAY|KPI|ORD|FLW|HR|SEC)-\d{2}\b|\bSTA-\d{4}-\d+\b")
DOCS = Path(__file__).resolve().parents[3] / "docs" / "clauses.md"


@cache
def registry() -> dict[str, dict[str, str]]:
    return json.loads(DATA.read_text(encoding="utf-8"))["clauses"]


def section(clause_id: str) -> str:
    """「《电商部管理制度》第二章 三、4」 for ABS-08; the id itself when it is not registered."""
    entry = registry().get(clause_id)
    return entry["section"] if entry else clause_id


def cite(clauses: str) -> str:
    """One or more ids (ABS-01/ABS-04) → their sections, joined."""
    ids = ID.findall(clauses or "")
    seen: list[str] = []
    for clause_id in ids:
        text = section(clause_id)
        if text not in seen:
            seen.append(text)
    return "；".join(seen)


def readable(text: str) -> str:
    """A text with ids in it, ids replaced by their sections (for people who do not know the ids)."""
    return ID.sub(lambda m: section(m.group(0)), text or "")


def markdown() -> str:
    out = ["# 条款对照表", "",
           "工资条、报告与结果工作簿里引用的每一条规则：出处（《电商部管理制度》的章节或法律法规）、本工具的做法、"
           "在 `规则` 表里调整它的参数。条款编号（如 ABS-08）印在出处旁的小字里。", "",
           "| 编号 | 出处 | 规则 | 规则表参数 |", "|---|---|---|---|"]
    for clause_id, entry in registry().items():
        params = ", ".join(f"`{p.strip()}`" for p in entry["params"].split(",") if p.strip())
        out.append(f"| {clause_id} | {entry['section']} | {entry['rule']} | {params} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    DOCS.parent.mkdir(exist_ok=True)
    DOCS.write_text(markdown(), encoding="utf-8")
    print(f"已写入 {DOCS}")


_INLINE = re.compile(r"[（(]\s*(?:" + ID.pattern + r")(?:\s*[/、,，]\s*(?:" + ID.pattern + r"))*\s*[）)]")


def plain(text: str) -> str:
    """A text for people: inline id remarks such as （ABS-01/ABS-04） dropped (the line's citation says
    where the rule is written), any other id replaced by its section."""
    return readable(_INLINE.sub("", text or "")).strip()


def line_citation(clause: str) -> str:
    """「依据《电商部管理制度》第二章 三、4」 for a payslip line; empty when it cites nothing."""
    text = cite(clause)
    return f"依据{text}" if text else ""
