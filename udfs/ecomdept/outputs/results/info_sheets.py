"""数据问题 and 运行信息: what was wrong with the input, and what this run used (rules in Chinese)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ecomdept.sales import kpi as kpi_mod
from ecomdept.core.issues import KINDS, Issue, in_reading_order
from ecomdept.inputs.rules import CHOICE, CITY, COUNT, DAY, MINUTES, MONEY, PARAMS, RATE, RATIO, TIME, TEXT
from ecomdept.outputs.results.book import WRAP, Writer
from ecomdept.outputs.results.pay import PAY_COLUMNS

COUNT_LABELS = {"employees_paid": ("计薪人数", "人"), "person_days": ("考勤人天数", "个"), "fines": ("罚款条数", "条"),
                "alerts": ("预警条数", "条"), "issues": ("数据问题条数", "条")}
FILE_LABELS = {"payslips_html": "HTML 工资条", "payslips_pdf": "PDF 工资条"}
STATUTORY_LABELS = {"iit": "个人所得税预扣率表", "annual_bonus": "全年一次性奖金税率表",
                    "statutory_holidays": "法定节假日数据"}
TOTAL_LABELS = {key: header for key, header, _ in PAY_COLUMNS} | {"additional_deductions": "专项附加扣除"}


def write_issues_sheet(w: Writer, issues: list[Issue]) -> None:
    """Root problems first, each followed by what it explains (起因 names the root), then the rest."""
    rows = []
    for issue, children in in_reading_order(issues):
        rows.append([issue.severity, issue.sheet, issue.row, issue.column or "", issue.message, ""])
        rows += [[c.severity, c.sheet, c.row, c.column or "", c.message, f"由「{KINDS.get(issue.code, issue.message[:20])}」引起"] for c in children]
    w.table("数据问题", [("级别", "text", 6), ("工作表", "text", 10), ("行", "int", 6), ("列", "text", 16),
                     ("问题", WRAP, 90), ("起因", "text", 18)], rows, repeat_columns=0)


def choice_label(param, value: str) -> str:
    """A choice's meaning from the parameter's doc (「threshold = 早退未满阈值只算早退（推荐…）；always = …」),
    without the parenthesis: 早退未满阈值只算早退."""
    marks = sorted((param.doc.find(f"{choice} = "), choice) for choice in param.choices
                   if f"{choice} = " in param.doc)
    for i, (start, choice) in enumerate(marks):
        if choice == value:
            end = marks[i + 1][0] if i + 1 < len(marks) else len(param.doc)
            return param.doc[start + len(choice) + 3:end].split("（")[0].rstrip("；; ")
    return value


def _rule_rows(result):
    rules = result.book.rules
    on = dt.date(result.year, result.month, 1)
    for p in PARAMS:
        value = getattr(rules, p.id)
        where = rules.sources.get(p.id, "")
        if p.kind == TIME:
            cell = (value.hour * 3600 + value.minute * 60 + value.second) / 86400, "clock"
        elif p.kind in (MINUTES, COUNT) or (p.kind == DAY and isinstance(value, int)):
            cell = value, "int"
        elif p.kind == DAY:
            cell = "月末", "text"
        elif p.kind == MONEY:
            cell = value, "money"
        elif p.kind in (RATIO, RATE):
            cell = float(value), "rate" if value < 1 else "ratio"
        elif p.kind == CHOICE:
            cell = choice_label(p, str(value)), "text"
        elif p.kind == CITY or (p.kind == TEXT and p.id == "city"):
            cell = _city_name(str(value), on), "text"
        else:
            cell = str(value), "text"
        yield p.label, cell, p.unit, p.clause, where


def _city_name(city: str, on: dt.date) -> str:
    from ecomdept.core.statutory import city_table

    try:
        return city_table(city, on).name
    except Exception:  # a city without a data file is reported in 数据问题; show what was typed
        return city


def _kpi_rows(rules):
    for key, value in sorted(rules.kpi.items()):
        parts = key.split(".")
        if parts[0] == "bonus":
            yield f"{parts[1]}：绩效奖金基数", (int(value * 100), "money"), "元", "PAY-10", "规则"
            continue
        team, metric, what = parts[1], parts[2], parts[3]
        definition = kpi_mod.BY_ID.get(metric)
        name = definition.label if definition else metric
        if what == "weight":
            yield f"{team}：{name} 权重", (float(value), "num2"), "", "KPI-02", "规则"
        elif definition and definition.kind == "money":
            yield f"{team}：{name} 目标", (int(value * 100), "money"), "元", "KPI-02", "规则"
        else:
            kind = {"rate": "rate", "count": "int"}.get(definition.kind if definition else "", "num2")
            yield f"{team}：{name} 目标", (float(value), kind), "", "KPI-02", "规则"


def _month(label: str):
    try:
        return dt.date.fromisoformat(f"{label}-01"), "month"
    except (TypeError, ValueError):
        return label, "text"


def run_rows(result, info: dict):
    """(项目, (值, kind), 单位, 条款, 来源) rows, or a section title (str)."""
    known = {"ecomdept_version", "month", "tax_period", "input", "rules", "rules_fingerprint", "statutory_data",
             "packages", "counts", "totals", "ytd_sources", "ytd_runs_sha256", "stale_later_runs", "timings_s",
             "version", "run_id", "payroll_sha256", "reopened"}
    yield "本次运行"
    yield "程序版本", (f"ecomdept {info.get('ecomdept_version', '')}", "text"), "", "", ""
    yield "工资月份", _month(info.get("month", result.label)), "", "", ""
    yield "个税所属期", _month(info.get("tax_period", "")), "", "PAY-03", ""
    path = (info.get("input") or {}).get("path")
    if path:
        yield "输入工作簿", (path.replace("\\", "/").rsplit("/", 1)[-1], "text"), "", "", "完整路径见 run.json"
    yield "输入工作簿 SHA-256", ((info.get("input") or {}).get("sha256") or "", "text"), "", "", ""
    if info.get("version"):
        yield "版本", (int(info["version"]), "int"), "", "", "同月每算一次是一个新版本；旧版本保留为 YYYY-MM.vN"
        yield "运行编号", (info.get("run_id", ""), "text"), "", "", "审批记录据此认定所审批的是哪一次运行"
        yield "payroll.csv SHA-256", (info.get("payroll_sha256", ""), "text"), "", "", "审批后被改动即不能发放"
    reopened = info.get("reopened")
    if reopened:
        earlier = "；".join(f"{r['role']} {r['by']}" for r in reopened.get("approvals") or []) or "无审批"
        yield "重新打开", (f"自第 {reopened.get('from_version')} 版（{earlier}）：{reopened.get('reason', '')}", "text"), \
            "", "", "新版本须重新审批"
    yield "规则参数"
    yield from _rule_rows(result)
    yield from _kpi_rows(result.book.rules)
    yield "规则指纹（SHA-256）", (info.get("rules_fingerprint", ""), "text"), "", "", "规则变了指纹就变"
    yield "法定数据（起用日期）"
    for key, value in (info.get("statutory_data") or {}).items():
        if key.startswith("city:"):
            yield f"{_city_name(key[5:], dt.date(result.year, result.month, 1))}社保公积金与最低工资", (value, "date"), \
                "", "PAY-01", ""
        elif key == "statutory_holidays":
            yield STATUTORY_LABELS[key], ("、".join(str(value).split(",")) + " 年", "text"), "", "", ""
        else:
            yield STATUTORY_LABELS.get(key, key), (value, "date"), "", "", ""
    yield "软件版本"
    for name, version in (info.get("packages") or {}).items():
        yield "软件包", (f"{'Python' if name == 'python' else name} {version}", "text"), "", "", ""
    counts = info.get("counts") or {}
    yield "计数"
    for key, value in counts.items():
        if key == "input_rows":
            for sheet, n in value.items():
                yield f"输入行数：{sheet}", (n, "int"), "行", "", ""
        elif key == "files":
            for name, n in value.items():
                yield FILE_LABELS.get(name, name), (n, "int"), "份", "", ""
        else:
            label, unit = COUNT_LABELS.get(key, (key, ""))
            yield label, (value, "int"), unit, "", ""
    yield "本月合计"
    for key, value in (info.get("totals") or {}).items():
        yield TOTAL_LABELS.get(key, key), (int(Decimal(value) * 100), "money"), "元", "", ""
    yield "本年累计来源"
    for line in info.get("ytd_sources") or []:
        yield "本年累计来源", (line, "text"), "", "", ""
    for month, digest in (info.get("ytd_runs_sha256") or {}).items():
        yield f"{month} 结果 SHA-256", (digest, "text"), "", "", ""
    if info.get("stale_later_runs"):
        yield "需重算的后续月份", ("、".join(info["stale_later_runs"]), "text"), "", "STA-2018-61", ""
    for key, value in info.items():
        if key not in known:
            yield key, (str(value), "text"), "", "", ""


def write_run_info(w: Writer, result, info: dict) -> None:
    rows = list(run_rows(result, info))
    ws = w.table("运行信息", [("项目", "text", 30), ("值", "typed", 42), ("单位", "text", 6), ("条款", "text", 10),
                          ("来源", "text", 22)],
                 ([row, (None, "text"), "", "", ""] if isinstance(row, str) else row for row in rows), repeat_columns=0)
    section = w.style(bold=True, bg_color="#F2F2F2")
    for r, row in enumerate(rows, start=1):
        if isinstance(row, str):
            ws.write_string(r, 0, row, section)
