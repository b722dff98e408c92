"""Company policy as data: the 规则 sheet's parameters, their defaults (from the rulebook) and types.

Clause ids (ATT-04, ABS-08 …) refer to the rulebook catalogue; the sample workbook writes every
parameter with its default, HR edits the value in Excel.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal

from .issues import ERROR, WARNING, Issue
from .money import to_decimal, yuan_to_fen

KPI_KEY = re.compile(r"^(kpi\.[^.]+\.[^.]+\.(target|weight)|bonus\.[^.]+\.base)$")
TIME, MINUTES, MONEY, RATIO, CHOICE, COUNT, TEXT = (
    "time", "minutes", "money", "ratio", "choice", "count", "text")


@dataclass(frozen=True)
class Param:
    id: str
    label: str
    default: object
    kind: str
    clause: str
    doc: str
    unit: str = ""
    choices: tuple[str, ...] = ()


PARAMS: tuple[Param, ...] = (
    Param("work_am_start", "上午上班", "08:30", TIME, "ATT-01", "行政班上午上班时间（标准班改为 09:00）"),
    Param("work_am_end", "上午下班", "12:00", TIME, "ATT-01", "行政班上午下班时间"),
    Param("work_pm_start", "下午上班", "14:00", TIME, "ATT-01", "行政班下午上班时间（标准班改为 13:00）"),
    Param("work_pm_end", "下午下班", "18:00", TIME, "ATT-01", "行政班下午下班时间"),
    Param("grace_minutes", "迟到宽限", 0, MINUTES, "ATT-04", "迟到分钟数超过宽限才算迟到；制度未设宽限，默认 0", "分钟"),
    Param("serious_late_minutes", "严重迟到阈值", 0, MINUTES, "ATT-04",
          "迟到达到此分钟数记为严重迟到（钉钉口径）；0 = 不启用（制度未规定）", "分钟"),
    Param("absence_threshold_minutes", "迟到早退按旷工阈值", 60, MINUTES, "ABS-04",
          "迟到或早退达到此分钟数（含本数，「1小时以上」）且未补假 → 当天旷工", "分钟"),
    Param("offpost_threshold_minutes", "脱岗按旷工阈值", 60, MINUTES, "ABS-02",
          "未经批准离岗达到此分钟数（含本数）→ 当天旷工", "分钟"),
    Param("early_leave_mode", "早退处理口径", "threshold", CHOICE, "ABS-05",
          "threshold = 早退未满阈值只算早退（推荐，与 ABS-04 一致）；always = 字面：早退当天按旷工处理",
          choices=("threshold", "always")),
    Param("late_fine", "迟到罚款（每次）", 0, MONEY, "ATT-07", "制度称按财务制度执行，未提供金额：默认 0", "元"),
    Param("early_fine", "早退罚款（每次）", 0, MONEY, "ATT-07", "同上，默认 0", "元"),
    Param("missing_punch_fine", "缺卡罚款（每次）", 0, MONEY, "ATT-06", "制度未规定，默认 0", "元"),
    Param("absence_fine_first", "旷工一次罚款", 100, MONEY, "ABS-08", "当月第一次旷工扣款", "元"),
    Param("absence_fine_second", "旷工两次罚款", 300, MONEY, "ABS-08",
          "当月旷工两次的扣款（cumulative 口径为合计 300，即第二次加扣 200）", "元"),
    Param("absence_fine_mode", "旷工罚款口径", "cumulative", CHOICE, "ABS-08",
          "cumulative = 两次合计 300（推荐）；per_occurrence = 第一次 100 + 第二次 300",
          choices=("cumulative", "per_occurrence")),
    Param("dismissal_consecutive_days", "连续旷工预警天数", 2, COUNT, "ABS-09", "连续旷工达到此天数 → 开除预警（不自动执行）", "天"),
    Param("dismissal_year_days", "年累计旷工预警天数", 3, COUNT, "ABS-09", "一年内累计旷工达到此天数 → 开除预警", "天"),
    Param("leave_notice_days", "请假提前天数", 1, COUNT, "LV-01", "请假须提前一天申请；晚于此 → 预警（不改变批准结果）", "天"),
    Param("sick_certificate_over_days", "病假证明起点", 1, COUNT, "LV-04", "病假超过此天数须病假证明", "天"),
    Param("sick_supervisor_max_days", "病假主管审批上限", 3, COUNT, "LV-04", "连续病假不超过此天数由主管批准，超过由主管领导批准", "天"),
    Param("personal_supervisor_max_days", "事假主管审批上限", 2, COUNT, "LV-09", "连续事假不超过此天数由主管批准，超过由主管领导批准", "天"),
    Param("makeup_punch_monthly_limit", "每月补卡次数上限", 3, COUNT, "ATT-06", "超过部分的补卡不予采用并预警", "次"),
    Param("duty_min_people", "每日最少值班人数", 2, COUNT, "DUTY-01", "周一至周日每天至少在岗人数，不足 → 预警", "人"),
    Param("pay_day", "发薪日", 15, COUNT, "PAY-03", "次月发薪日", "日"),
    Param("cash_smallest_unit", "现金最小面额", "1角", CHOICE, "PAY-02", "现金发放配钞的最小面额（1角 / 5角 / 1元 / 1分）；低于它的零头不发现金，在现金发放表逐人列出并合计，另行转账", choices=("1角", "5角", "1元", "1分")),
    Param("pay_day_shift", "发薪日遇节假日", "earlier", CHOICE, "PAY-04",
          "earlier = 提前到之前最后一个工作日（推荐）；later = 推后", choices=("earlier", "later")),
    Param("day_divisor", "日工资除数", "workdays", CHOICE, "PAY-08",
          "workdays = 按当月实际工作日（制度）；21.75 = 法定月计薪天数", choices=("workdays", "21.75")),
    Param("ot_rate_workday", "工作日加班倍数", "1.5", RATIO, "OT-01", "劳动法第44条：不低于 150%"),
    Param("ot_rate_restday", "休息日加班倍数", "2", RATIO, "OT-01", "不能安排补休的，不低于 200%"),
    Param("ot_rate_holiday", "法定节假日加班倍数", "3", RATIO, "OT-01", "仅 13 天法定节假日，不低于 300%"),
    Param("ot_monthly_limit_hours", "月加班上限", 36, COUNT, "OT-01", "劳动法第41条：每月不超过 36 小时，超过 → 预警", "小时"),
    Param("ot_daily_limit_hours", "工作日加班日上限", 3, COUNT, "OT-01", "劳动法第41条：特殊情况每日不超过 3 小时，超过 → 预警", "小时"),
    Param("short_notice_settlement", "辞职未提前一个月的结算", "pay", CHOICE, "HR-03",
          "pay = 照常足额结算并预警（推荐：工资支付暂行规定第9条）；hold = 按制度字面暂缓结算（工资条注明，发放清单标出）",
          choices=("pay", "hold")),
    Param("ship_sla_hours", "发货时限", 48, COUNT, "ORD-11", "付款后多少小时内交给快递算及时发货（制度无数值，占位 48 小时）", "小时"),
    Param("refund_decision_sla_hours", "退款审批时限", 24, COUNT, "ORD-02", "申请后多少小时内部门主管须同意或拒绝", "小时"),
    Param("refund_check_sla_hours", "退货验收时限", 24, COUNT, "ORD-07", "退货到仓后多少小时内发货员须验货", "小时"),
    Param("refund_pay_sla_hours", "退款到账时限", 24, COUNT, "ORD-08", "同意（仅退款）或验货后多少小时内退款", "小时"),
    Param("kpi_pass_score", "绩效及格分", 60, COUNT, "KPI-03", "加权得分低于此分不发绩效奖金（不罚款）", "分"),
    Param("kpi_achievement_cap", "单项达成率上限", "1.5", RATIO, "KPI-05", "单项达成率（实际 ÷ 目标）最多按此计"),
    Param("kpi_coefficient_cap", "绩效系数上限", "1.5", RATIO, "PAY-10", "绩效系数 = 加权得分 ÷ 100，最多到此值"),
    Param("pdf_password", "工资条 PDF 密码", "none", CHOICE, "SEC-04",
          "none = 不加密；id_last6 = 打开密码为本人身份证号后 6 位（AES-256）", choices=("none", "id_last6")),
    Param("city", "社保城市", "shanghai", TEXT, "PAY-01", "社保公积金基数上下限与最低工资所用城市数据文件"),
    Param("pension_rate", "养老保险个人比例", "0.08", RATIO, "PAY-01", "个人缴纳比例"),
    Param("medical_rate", "医疗保险个人比例", "0.02", RATIO, "PAY-01", "个人缴纳比例"),
    Param("unemployment_rate", "失业保险个人比例", "0.005", RATIO, "PAY-01", "个人缴纳比例"),
    Param("default_hf_rate", "公积金默认比例", "0.07", RATIO, "PAY-01", "花名册未填 公积金比例 时使用"),
    Param("sick_pay_floor_ratio", "病假工资下限", "0.8", RATIO, "LV-10",
          "公司规则：病假期间保留当地最低工资的此比例，按病假时间折算（劳部发〔1995〕309号第59条）；城市法定病假工资"
          "（上海按连续工龄 60%–100%，沪劳保发〔1995〕83号）更高时按法定"),
    Param("penalty_cap_ratio", "罚款上限比例", "0.2", RATIO, "PAY-07",
          "罚款与赔偿合计不超过当月工资的此比例，且扣后不低于最低工资（工资支付暂行规定第16条）"),
    Param("penalty_cap_excess", "超限罚款处理", "carry", CHOICE, "PAY-07",
          "carry = 结转下月；waive = 免除", choices=("carry", "waive")),
    Param("iit_period", "个税所属期", "pay_month", CHOICE, "PAY-03",
          "pay_month = 发放月（推荐：扣缴义务人支付时预扣，10 月工资 11 月发放属 11 月；12 月工资次年 1 月发放属次年）；"
          "work_month = 工资所属月", choices=("pay_month", "work_month")),
    Param("allow_negative_net", "允许实发为负", "no", CHOICE, "PAY-07",
          "no = 有人实发为负时不出工资条（阻断性问题，推荐）；yes = 照常计算并预警，发放须人工处理", choices=("no", "yes")),
)

PARAMS_BY_ID = {param.id: param for param in PARAMS}


def parse_time(value: object) -> dt.time:
    if isinstance(value, dt.datetime):
        return value.time()
    if isinstance(value, dt.time):
        return value
    if isinstance(value, (int, float)) and 0 <= float(value) < 1:  # Excel day fraction
        seconds = round(float(value) * 86400)
        return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60)
    text = str(value).strip().replace("：", ":")
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).time()
        except ValueError:
            pass
    raise ValueError("应为时间，如 08:30")


def _parse(param: Param, value: object) -> object:
    if param.kind == TIME:
        return parse_time(value)
    if param.kind in (MINUTES, COUNT):
        number = to_decimal(value)
        if number != number.to_integral_value() or number < 0:
            raise ValueError("应为非负整数")
        return int(number)
    if param.kind == MONEY:
        fen = yuan_to_fen(value)
        if fen < 0:
            raise ValueError("金额不能为负")
        return fen
    if param.kind == RATIO:
        number = to_decimal(str(value).strip().rstrip("%")) / (100 if str(value).strip().endswith("%") else 1)
        if number < 0:
            raise ValueError("比例不能为负")
        return number
    text = str(value).strip()
    if param.kind == CHOICE and text not in param.choices:
        raise ValueError("应为 " + " / ".join(param.choices) + " 之一")
    if not text:
        raise ValueError("不能为空")
    return text


class Rules:
    """Typed rule values: ``rules.grace_minutes``, ``rules.ot_rate_workday`` …; ``rules.kpi`` holds
    the per-team KPI rows ``kpi.<小组>.<指标>.target|weight`` and ``bonus.<小组>.base``."""

    def __init__(self, values: dict[str, object], sources: dict[str, str] | None = None,
                 kpi: dict[str, Decimal] | None = None):
        self._values = values
        self.sources = sources or {}
        self.kpi = kpi or {}

    def __getattr__(self, name: str) -> object:
        if name.startswith("_"):  # pickling looks up dunders before __init__ has run
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    def as_dict(self) -> dict[str, str]:
        out = {key: _show(value) for key, value in self._values.items()}
        out.update({key: _show(value) for key, value in sorted(self.kpi.items())})
        return out

    def fingerprint(self) -> str:
        blob = json.dumps(self.as_dict(), sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(blob).hexdigest()

    def seconds(self, name: str) -> int:
        value = self._values[name]
        return value.hour * 3600 + value.minute * 60 + value.second

    def with_values(self, **changes: object) -> "Rules":
        values = dict(self._values)
        values.update(changes)
        return Rules(values, self.sources, self.kpi)


def _show(value: object) -> str:
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def defaults() -> Rules:
    return Rules({p.id: _parse(p, p.default) for p in PARAMS}, {p.id: "默认" for p in PARAMS})


def from_rows(rows: list[tuple[int, str, object]], sheet: str = "规则") -> tuple[Rules, list[Issue]]:
    """Rules from (excel_row, rule_id, value) rows; missing ids fall back to the rulebook default."""
    issues: list[Issue] = []
    values = {p.id: _parse(p, p.default) for p in PARAMS}
    sources = {p.id: "默认" for p in PARAMS}
    seen: set[str] = set()
    kpi: dict[str, Decimal] = {}
    for row, rule_id, value in rows:
        if KPI_KEY.match(rule_id):
            try:
                number = to_decimal(str(value).strip().rstrip("%")) / (100 if str(value).strip().endswith("%") else 1)
                if number < 0:
                    raise ValueError
                kpi[rule_id] = number
            except ValueError:
                issues.append(Issue(sheet, row, "值", f"参数「{rule_id}」的值「{value}」应为非负数字", ERROR, "value"))
            continue
        param = PARAMS_BY_ID.get(rule_id)
        if param is None:
            issues.append(Issue(sheet, row, "参数", f"未知参数「{rule_id}」，已忽略", WARNING, "rule_id"))
            continue
        if rule_id in seen:
            issues.append(Issue(sheet, row, "参数", f"参数「{rule_id}」重复", ERROR, "rule_id"))
            continue
        seen.add(rule_id)
        try:
            values[rule_id] = _parse(param, value)
            sources[rule_id] = f"规则!第{row}行"
        except ValueError as exc:
            issues.append(Issue(sheet, row, "值", f"参数「{rule_id}」（{param.label}）的值「{value}」无效：{exc}",
                                ERROR, "value"))
    for param in PARAMS:
        if param.id not in seen:
            issues.append(Issue(sheet, None, None, f"缺少参数「{param.id}」（{param.label}），按制度默认值 {param.default}",
                                WARNING))
    rules = Rules(values, sources, kpi)
    if not (rules.seconds("work_am_start") < rules.seconds("work_am_end")
            <= rules.seconds("work_pm_start") < rules.seconds("work_pm_end")):
        issues.append(Issue(sheet, None, "值", "上下班时间顺序应为 上午上班 < 上午下班 ≤ 下午上班 < 下午下班", ERROR))
    return rules, issues
