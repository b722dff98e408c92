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

from ecomdept.inputs.rules import Rules

# Each step is computed from the previous one as printed, so the slip's arithmetic recomputes:
ACHIEVEMENT_PLACES = 4  # 达成 97.17%
SCORE_PLACES = 2        # 加权得分 103.85
COEFFICIENT_PLACES = 4  # 绩效系数 1.0385


def _pct(value) -> str:
    """0.9717 → '97.17%'."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return f"{Decimal(value) * 100:.2f}%"


def _num(value) -> str:
    """A weight or a factor as printed: 0.5, 1, 0.25."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass
class Score:
    employee_id: str
    team: str
    score: Decimal        # 加权得分 as printed (two decimals)
    coefficient: Decimal  # 绩效系数 as printed (four decimals)
    bonus: int
    base: int  # fen at coefficient 1
    parts: list[dict] = field(default_factory=list)
    pass_score: int = 60
    coefficient_cap: Decimal | None = None

    def score_formula(self) -> str:
        """加权得分 from the printed achievements: Σ 达成 × 权重 (÷ Σ 权重 when the weights do not add to 1)."""
        terms = " + ".join(f"{Decimal(p['achievement']) * 100:.2f} × {_num(p['weight'])}" for p in self.parts)
        total = sum((Decimal(p["weight"]) for p in self.parts), Decimal(0))
        if total == 1:
            return f"{terms} = {self.score:.2f}"
        return f"({terms}) ÷ {_num(total)} = {self.score:.2f}"

    def explanation(self) -> str:
        items = "；".join(p["formula"] for p in self.parts)
        head = f"{items}；加权得分 Σ达成×权重：{self.score_formula()}"
        if self.score < self.pass_score:
            return (f"{head}，低于及格 {self.pass_score}（KPI-03），不发绩效奖金：绩效系数 0 × "
                    f"基数 {fmt_yuan(self.base)} = {fmt_yuan(self.bonus)}")
        ratio = self.score / 100
        if self.coefficient_cap is not None and ratio > self.coefficient_cap:
            why = f"得分 ÷ 100 = {ratio}，封顶 {_num(self.coefficient_cap)}"
        else:
            why = "得分 ÷ 100"
        return (f"{head}（及格 {self.pass_score}，KPI-03）→ 绩效系数 {self.coefficient}（{why}） × "
                f"基数 {fmt_yuan(self.base)} = {fmt_yuan(self.bonus)}")


def team_plan(rules: Rules) -> dict[str, dict[str, dict[str, Decimal]]]:
    plan: dict[str, dict[str, dict[str, Decimal]]] = {}
    for key, value in rules.kpi.items():
        parts = key.split(".")
        if parts[0] == "kpi":
            plan.setdefault(parts[1], {}).setdefault(parts[2], {})[parts[3]] = value
    return plan


def _shown(metric: str, value) -> tuple[str, Fraction]:
    """A metric's actual or target as printed, and its value as printed (what the achievement uses)."""
    definition = BY_ID.get(metric)
    if definition is None or definition.kind == "score":
        shown = as_shown(Fraction(str(value)) if isinstance(value, float) else value, 2)
        return f"{_num(shown)} 分" if definition is None else _num(shown), Fraction(shown)
    if definition.kind == "money":
        return fmt_yuan(int(value)), Fraction(int(value))
    if definition.kind == "rate":
        shown = as_shown(Fraction(str(value)) if isinstance(value, float) else value, ACHIEVEMENT_PLACES)
        return _pct(shown), Fraction(shown)
    if definition.kind == "ratio":
        shown = as_shown(Fraction(str(value)) if isinstance(value, float) else value, 2)
        return f"{shown:.2f}", Fraction(shown)
    return f"{int(value):,}", Fraction(int(value))


def _part(label: str, actual: str | None, target: str | None, actual_v: Fraction | None,
          target_v: Fraction | None, higher_is_better: bool, cap: Fraction, weight: Fraction) -> dict:
    """One metric's achievement, computed from the printed actual and target and rounded as printed."""
    if actual_v is None or not target_v:
        achievement = Fraction(0)
        formula = f"{label} {actual or '无数据'}，{'无目标' if target is None else '目标 ' + target}，达成 0.00%"
    elif higher_is_better:
        achievement = Fraction(as_shown(actual_v / target_v, ACHIEVEMENT_PLACES))
        formula = f"{label} 实际 {actual} ÷ 目标 {target} = 达成 {_pct(achievement)}"
    elif not actual_v:
        achievement = cap
        formula = f"{label}（越低越好）实际 {actual}，达成按封顶 {_pct(cap)}"
    else:
        achievement = Fraction(as_shown(target_v / actual_v, ACHIEVEMENT_PLACES))
        formula = f"{label}（越低越好）目标 {target} ÷ 实际 {actual} = 达成 {_pct(achievement)}"
    if achievement > cap:
        achievement = cap
        formula += f"，封顶 {_pct(cap)}"
    weight_d = Decimal(weight.numerator) / Decimal(weight.denominator)
    return {"label": label, "actual": actual or "无数据", "target": target or "—",
            "achievement": Decimal(achievement.numerator) / Decimal(achievement.denominator),
            "weight": weight_d, "formula": f"{formula}（权重 {_num(weight_d)}）"}


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
    cap = Fraction(as_shown(Fraction(rules.kpi_achievement_cap), ACHIEVEMENT_PLACES))
    coefficient_cap = Decimal(str(rules.kpi_coefficient_cap))
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
                definition = BY_ID[metric]
                actual = next((values[(scope, metric)] for scope in (emp.employee_id, emp.team, "department")
                               if values.get((scope, metric)) is not None), None)
                target = spec.get("target")
                if target is not None and definition.kind == "money":
                    target = target * 100
                actual_text, actual_v = _shown(metric, actual) if actual is not None else (None, None)
                target_text, target_v = _shown(metric, target) if target else (None, None)
                part = _part(definition.label, actual_text, target_text, actual_v, target_v,
                             definition.higher_is_better, cap, weight)
            else:
                score = scores_sheet.get((emp.employee_id, metric))
                actual_text, actual_v = _shown(metric, score) if score is not None else ("未评分", None)
                part = _part(metric, actual_text, "100 分", actual_v,
                             Fraction(100), True, cap, weight)
            part["metric"] = metric
            parts.append(part)
            total_weight += weight
            weighted += weight * Fraction(part["achievement"])
        if not total_weight:
            continue
        score = as_shown(weighted / total_weight * 100, SCORE_PLACES)  # from the printed achievements
        if score < rules.kpi_pass_score:
            coefficient = Decimal(0)
        else:
            coefficient = as_shown(min(Fraction(score) / 100, Fraction(coefficient_cap)), COEFFICIENT_PLACES)
        base = round_half_up(rules.kpi.get(f"bonus.{emp.team}.base", Decimal(0)) * 100)
        bonus = mul_round(base, coefficient)
        out[emp.employee_id] = Score(emp.employee_id, emp.team, score, coefficient, bonus, base, parts,
                                     pass_score=rules.kpi_pass_score, coefficient_cap=coefficient_cap)
    return out
