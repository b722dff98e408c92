"""Score → bonus (KPI-02/03/05, PAY-10): per-team targets and weights in 规则 → achievement per
metric → weighted score → performance coefficient → the bonus line of the payroll.

规则 rows: ``kpi.<小组>.<指标>.target`` and ``kpi.<小组>.<指标>.weight`` (指标 is a KPI id such as
``paid_amount`` — money targets in yuan — or a manual measure scored 0–100 in 考核评分), and
``bonus.<小组>.base`` (the bonus at coefficient 1, in yuan). A person's order metrics come from the
orders attributed to them (客服工号 / 发货员工号), else their team's, else the department's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from ecomdept.sales.kpi import BY_ID
from ecomdept.core.money import as_shown, fmt_yuan, mul_round, round_half_up

COEFFICIENT_PLACES = 4
from ecomdept.inputs.rules import Rules


@dataclass
class Score:
    employee_id: str
    team: str
    score: Fraction
    coefficient: Decimal
    bonus: int
    base: int  # fen at coefficient 1
    parts: list[dict] = field(default_factory=list)

    def explanation(self) -> str:
        items = "；".join(f"{p['label']} 实际 {p['actual']} / 目标 {p['target']} = 达成 {p['achievement'] * 100:.0f}% × 权重 "
                         f"{p['weight']:g}" for p in self.parts)
        return (f"{items}；加权得分 {float(self.score):.2f}（及格 60，KPI-03）→ 绩效系数 {self.coefficient} × "
                f"基数 {fmt_yuan(self.base)} = {fmt_yuan(self.bonus)}")


def team_plan(rules: Rules) -> dict[str, dict[str, dict[str, Decimal]]]:
    plan: dict[str, dict[str, dict[str, Decimal]]] = {}
    for key, value in rules.kpi.items():
        parts = key.split(".")
        if parts[0] == "kpi":
            plan.setdefault(parts[1], {}).setdefault(parts[2], {})[parts[3]] = value
    return plan


def _shown(metric: str, value) -> str:
    definition = BY_ID.get(metric)
    if definition is None:
        return f"{value:g} 分"
    if definition.kind == "money":
        return fmt_yuan(int(value))
    if definition.kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if definition.kind == "ratio":
        return f"{float(value):.2f}"
    return f"{float(value):g}"


def score_people(employees: pd.DataFrame, kpis: pd.DataFrame, manual: pd.DataFrame, rules: Rules,
                 month_label: str) -> dict[str, Score]:
    plan = team_plan(rules)
    if not plan:
        return {}
    values = {(s, m): v for s, m, v in kpis.itertuples(index=False)}
    scores_sheet = {}
    if len(manual):
        rows = manual[manual["month"] == month_label]
        scores_sheet = {(r.employee_id, r.metric): r.score for r in rows.itertuples(index=False)}
    cap = Fraction(rules.kpi_achievement_cap)
    out: dict[str, Score] = {}
    for emp in employees.itertuples(index=False):
        metrics = plan.get(emp.team or "")
        if not metrics:
            continue
        parts, total_weight, weighted = [], Fraction(0), Fraction(0)
        for metric, spec in sorted(metrics.items()):
            weight = Fraction(spec.get("weight", Decimal(0)))
            if not weight:
                continue
            if metric in BY_ID:
                actual = next((values[(scope, metric)] for scope in (emp.employee_id, emp.team, "department")
                               if values.get((scope, metric)) is not None), None)
                target = spec.get("target")
                if actual is None or not target:
                    achievement = Fraction(0)
                else:
                    target_value = target * 100 if BY_ID[metric].kind == "money" else target
                    actual_f, target_f = Fraction(actual), Fraction(target_value)
                    if BY_ID[metric].higher_is_better:
                        achievement = actual_f / target_f
                    else:
                        achievement = target_f / actual_f if actual_f else cap
                shown_actual = _shown(metric, actual) if actual is not None else "无数据"
                shown_target = _shown(metric, target * 100 if BY_ID[metric].kind == "money" else target) if target else "—"
                label = BY_ID[metric].label
            else:
                score = scores_sheet.get((emp.employee_id, metric))
                achievement = Fraction(score or 0, 100)
                shown_actual, shown_target, label = (f"{score} 分" if score is not None else "未评分"), "100 分", metric
            achievement = min(achievement, cap)
            parts.append({"metric": metric, "label": label, "actual": shown_actual, "target": shown_target,
                          "achievement": float(achievement), "weight": float(weight)})
            total_weight += weight
            weighted += weight * achievement
        if not total_weight:
            continue
        score = weighted / total_weight * 100
        coefficient = Fraction(0) if score < rules.kpi_pass_score else min(score / 100, Fraction(rules.kpi_coefficient_cap))
        coefficient = as_shown(coefficient, COEFFICIENT_PLACES)  # the bonus is computed from the printed coefficient
        base = round_half_up(rules.kpi.get(f"bonus.{emp.team}.base", Decimal(0)) * 100)
        bonus = mul_round(base, coefficient)
        out[emp.employee_id] = Score(emp.employee_id, emp.team, score, coefficient, bonus, base, parts)
    return out
