"""Markdown tables of the workbook's sheets and rules, generated from the schema (the README embeds
them between markers; ``python -m ecomdept.outputs.docs`` prints them, a test keeps the README in step)."""

from __future__ import annotations

from ecomdept.inputs.rules import PARAMS
from ecomdept.inputs.schema import INPUT_SHEETS

KIND_CN = {"text": "文本", "int": "整数", "money": "金额（元）", "date": "日期", "datetime": "日期时间",
           "enum": "下拉选项", "bool": "是/否", "rate": "比例", "month": "月份 YYYY-MM", "number": "数字"}


def sheets_markdown() -> str:
    out = []
    for sheet in INPUT_SHEETS:
        out.append(f"#### {sheet.name}（`{sheet.id}`{'，必需' if sheet.required else ''}）\n\n{sheet.doc}\n")
        out.append("| 列 | 字段 id | 类型 | 必填 | 说明 |\n|---|---|---|---|---|")
        for col in sheet.columns:
            doc = col.doc + ("；选项：" + "/".join(col.choices) if col.choices else "")
            out.append(f"| {col.header} | `{col.id}` | {KIND_CN[col.kind]} | {'是' if col.required else ''} | {doc} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def rules_markdown() -> str:
    out = ["| 参数 | 名称 | 默认值 | 条款 | 说明 |", "|---|---|---|---|---|"]
    for p in PARAMS:
        unit = f" {p.unit}" if p.unit else ""
        out.append(f"| `{p.id}` | {p.label} | {p.default}{unit} | {p.clause} | {p.doc} |")
    return "\n".join(out) + "\n"


def send_markdown() -> str:
    from ecomdept.inputs.send_rules import SEND_PARAMS

    out = ["| 参数 | 名称 | 默认值 | 说明 |", "|---|---|---|---|"]
    for p in SEND_PARAMS:
        default = (f"`{p.default}`" if p.default not in ("", None) else
                   "（无，须填写）" if p.key in ("smtp_host", "sender") else "（空）")
        choices = "（" + " / ".join(p.choices) + "）" if p.choices else ""
        out.append(f"| `send.{p.key}` | {p.label} | {default} | {p.doc}{choices} |")
    return "\n".join(out) + "\n"


def kpis_markdown() -> str:
    from ecomdept.sales.kpi import DEFINITIONS

    out = ["| id | 名称 | 公式 | 方向 |", "|---|---|---|---|"]
    for d in DEFINITIONS:
        out.append(f"| `{d.id}` | {d.label} | {d.formula} | {'越高越好' if d.higher_is_better else '越低越好'} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(sheets_markdown())
    print(rules_markdown())
