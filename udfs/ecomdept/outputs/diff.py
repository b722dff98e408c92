"""``ecomdept diff --out DIR 2026-09 2026-10``: per employee, which payslip lines changed between two
runs and why (each side's explanation), plus who joined or left the payroll, and the disputes HR
recorded in either month's 签收申诉 sheet."""

from __future__ import annotations

import json
from pathlib import Path

from ecomdept.core.money import fmt_yuan, yuan_to_fen


class DiffError(Exception):
    pass


def _load(out: Path, month: str) -> dict:
    path = out / month / "lines.json"
    if not path.exists():
        runs = sorted(p.parent.name for p in out.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]/lines.json"))
        have = f"{out} 里已有的月份：{'、'.join(runs)}" if runs else f"{out} 里还没有任何月份的结果"
        raise DiffError(f"{month} 没有运行结果（找不到 {path}）：diff 只比较已经算过的月份；{have}")
    return json.loads(path.read_text(encoding="utf-8"))


CORRECTION = "correction"  # 补发补扣 of an earlier month: listed on their own, not as a change


def _by_label(lines: list[dict]) -> dict[str, tuple[int, list[str]]]:
    out: dict[str, tuple[int, list[str]]] = {}
    for line in lines:
        if line.get("code") == CORRECTION:
            continue
        key = f"{line['section']}·{line['label']}"
        amount, why = out.get(key, (0, []))
        out[key] = (amount + yuan_to_fen(line["amount"]), why + [line["explanation"]])
    return out


def explain(out: Path, before: str, after: str) -> list[str]:
    old, new = _load(out, before), _load(out, after)
    report = []
    for emp in sorted(set(old) | set(new)):
        if emp not in old:
            report.append(f"{emp} {new[emp]['name']}：{after} 新进入工资表")
            continue
        if emp not in new:
            report.append(f"{emp} {old[emp]['name']}：{after} 不在工资表中（离职或未入职）")
            continue
        a, b = _by_label(old[emp]["lines"]), _by_label(new[emp]["lines"])
        changes = []
        for key in sorted(set(a) | set(b)):
            x, y = a.get(key, (0, [])), b.get(key, (0, []))
            if x[0] == y[0]:
                continue
            why = "；".join(y[1]) or "本月无此项"
            changes.append(f"  {key}：{fmt_yuan(x[0])} → {fmt_yuan(y[0])}（{fmt_yuan(y[0] - x[0])}）。{after}：{why}")
        if changes:
            report.append(f"{emp} {new[emp]['name']}：")
            report.extend(changes)
    fixes = [(emp, new[emp]["name"], line) for emp in sorted(new) for line in new[emp]["lines"]
             if line.get("code") == CORRECTION]
    if fixes:
        report.append(f"{after} 的补发补扣（更正往月，{len(fixes)} 项，见「补发补扣」表）：")
        report.extend(f"  {emp} {name} {line['label']} {fmt_yuan(yuan_to_fen(line['amount']))}：{line['explanation']}"
                      for emp, name, line in fixes)
    from ecomdept.outputs import signoff

    for month in dict.fromkeys((before, after)):  # HR's 签收申诉 entries (ABS-11)
        found = signoff.disputes(out, month)
        if found:
            report.append(f"{month} 工资条申诉（{len(found)} 条，见 {month}/工资表_{month}.xlsx 的「{signoff.SHEET}」表）：")
            report.extend(f"  {e.describe()}" for e in found)
    return report
