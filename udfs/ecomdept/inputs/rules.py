"""Company policy as data: the 规则 sheet's parameters, their defaults (from the rulebook) and types.

Clause ids (ATT-04, ABS-08 …) refer to the rulebook catalogue; the sample workbook writes every
parameter with its default, HR edits the value in Excel.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ecomdept.inputs import send_rules
from ecomdept.inputs.cells import normalize_text, parse_text, rate_hint
from ecomdept.core.issues import ERROR, WARNING, Issue
from ecomdept.core.money import to_decimal, yuan_to_fen

KPI_KEY = re.compile(r"^(kpi\.[^.]+\.[^.]+\.(target|weight)|bonus\.[^.]+\.base)$")
KPI_LIKE = re.compile(r"^(kpi|bonus)[.。]", re.I)  # meant as a KPI row: a malformed one must not pass as unknown
TIME, MINUTES, MONEY, RATIO, RATE, CHOICE, COUNT, TEXT, CITY, DAY = (
    "time", "minutes", "money", "ratio", "rate", "choice", "count", "text", "city", "day")
MONTH_END = 31  # pay_day = 月末: the last day of the month (no month is longer)


class PayDay(int):
    """pay_day: a day 1–28, or MONTH_END (31, shown 月末) for the last day of the month."""

    @property
    def month_end(self) -> bool:
        return self == MONTH_END

    def __str__(self) -> str:
        return "月末" if self.month_end else int.__str__(self)

    def label(self) -> str:
        """'15日' or '月末'."""
        return "月末" if self.month_end else f"{int(self)}日"


MONTH_END_WORDS = {"月末", "月底", "最后一天", "每月最后一天", "end", "last", "month_end"}


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
    low: object = None   # the smallest sane value (same unit as the value), None = no bound
    high: object = None
    why: str = ""        # what the bounds come from, said in the message


PARAMS: tuple[Param, ...] = (
    Param("work_am_start", "上午上班", "08:30", TIME, "ATT-01", "行政班上午上班时间（标准班改为 09:00）"),
    Param("work_am_end", "上午下班", "12:00", TIME, "ATT-01", "行政班上午下班时间"),
    Param("work_pm_start", "下午上班", "14:00", TIME, "ATT-01", "行政班下午上班时间（标准班改为 13:00）"),
    Param("work_pm_end", "下午下班", "18:00", TIME, "ATT-01", "行政班下午下班时间"),
    Param("grace_minutes", "迟到宽限", 0, MINUTES, "ATT-04", "迟到分钟数超过宽限才算迟到；制度未设宽限，默认 0", "分钟", low=0, high=120),
    Param("serious_late_minutes", "严重迟到阈值", 0, MINUTES, "ATT-04",
          "迟到达到此分钟数记为严重迟到（钉钉口径）；0 = 不启用（制度未规定）", "分钟", low=0, high=480),
    Param("absence_threshold_minutes", "迟到早退按旷工阈值", 60, MINUTES, "ABS-04",
          "迟到或早退达到此分钟数（含本数，「1小时以上」）且未补假 → 当天旷工", "分钟", low=1, high=480),
    Param("offpost_threshold_minutes", "脱岗按旷工阈值", 60, MINUTES, "ABS-02",
          "未经批准离岗达到此分钟数（含本数）→ 当天旷工", "分钟", low=1, high=480),
    Param("early_leave_mode", "早退处理口径", "threshold", CHOICE, "ABS-05",
          "threshold = 早退未满阈值只算早退（推荐，与 ABS-04 一致）；always = 字面：早退当天按旷工处理",
          choices=("threshold", "always")),
    Param("late_fine", "迟到罚款（每次）", 0, MONEY, "ATT-07", "制度称按财务制度执行，未提供金额：默认 0", "元", low=0, high=100_000),
    Param("early_fine", "早退罚款（每次）", 0, MONEY, "ATT-07", "同上，默认 0", "元", low=0, high=100_000),
    Param("missing_punch_fine", "缺卡罚款（每次）", 0, MONEY, "ATT-06", "制度未规定，默认 0", "元", low=0, high=100_000),
    Param("absence_fine_first", "旷工一次罚款", 100, MONEY, "ABS-08", "当月第一次旷工扣款", "元", low=0, high=100_000),
    Param("absence_fine_second", "旷工两次罚款", 300, MONEY, "ABS-08",
          "当月旷工两次的扣款（cumulative 口径为合计 300，即第二次加扣 200）", "元", low=0, high=100_000),
    Param("absence_fine_mode", "旷工罚款口径", "cumulative", CHOICE, "ABS-08",
          "cumulative = 两次合计 300（推荐）；per_occurrence = 第一次 100 + 第二次 300",
          choices=("cumulative", "per_occurrence")),
    Param("clock_id_leading_zeros", "考勤号前导零", "ignore", CHOICE, "ATT-06",
          "ignore = 01002 与 1002 视为同一考勤号（推荐：Excel 会去掉数字单元格的前导零）；exact = 必须完全相同",
          choices=("ignore", "exact")),
    Param("dismissal_consecutive_days", "连续旷工预警天数", 2, COUNT, "ABS-09", "连续旷工达到此天数 → 开除预警（不自动执行）", "天", low=1, high=31),
    Param("dismissal_year_days", "年累计旷工预警天数", 3, COUNT, "ABS-09", "一年内累计旷工达到此天数 → 开除预警", "天", low=1, high=366),
    Param("leave_notice_days", "请假提前天数", 1, COUNT, "LV-01", "请假须提前一天申请；晚于此 → 预警（不改变批准结果）", "天", low=0, high=60),
    Param("sick_certificate_over_days", "病假证明起点", 1, COUNT, "LV-04", "病假超过此天数须病假证明", "天", low=0, high=31),
    Param("sick_supervisor_max_days", "病假主管审批上限", 3, COUNT, "LV-04", "连续病假不超过此天数由主管批准，超过由主管领导批准", "天", low=0, high=31),
    Param("personal_supervisor_max_days", "事假主管审批上限", 2, COUNT, "LV-09", "连续事假不超过此天数由主管批准，超过由主管领导批准", "天",
          low=0, high=31),
    Param("makeup_punch_monthly_limit", "每月补卡次数上限", 3, COUNT, "ATT-06", "超过部分的补卡不予采用并预警", "次", low=0, high=31),
    Param("duty_min_people", "每日最少值班人数", 2, COUNT, "DUTY-01", "周一至周日每天至少在岗人数，不足 → 预警", "人", low=0, high=1000),
    Param("pay_day", "发薪日", 15, DAY, "PAY-03", "次月发薪日：1–28，或「月末」（次月最后一天）", "日"),
    Param("cash_smallest_unit", "现金最小面额", "1角", CHOICE, "PAY-02",
          "现金发放配钞的最小面额（1角 / 5角 / 1元 / 1分）；低于它的零头不发现金，在现金发放表逐人列出并合计，另行转账",
          choices=("1角", "5角", "1元", "1分")),
    Param("pay_day_shift", "发薪日遇节假日", "earlier", CHOICE, "PAY-04",
          "earlier = 提前到之前最后一个工作日（推荐）；later = 推后", choices=("earlier", "later")),
    Param("day_divisor", "日工资除数", "workdays", CHOICE, "PAY-08",
          "workdays = 按当月实际工作日（制度）；21.75 = 法定月计薪天数", choices=("workdays", "21.75")),
    Param("ot_rate_workday", "工作日加班倍数", "1.5", RATIO, "OT-01", "劳动法第44条：不低于 150%",
          low=Decimal("1.5"), high=10, why="劳动法第44条：工作日加班不低于 150%"),
    Param("ot_rate_restday", "休息日加班倍数", "2", RATIO, "OT-01", "不能安排补休的，不低于 200%",
          low=Decimal("2"), high=10, why="劳动法第44条：休息日加班不能补休的不低于 200%"),
    Param("ot_rate_holiday", "法定节假日加班倍数", "3", RATIO, "OT-01", "仅 13 天法定节假日，不低于 300%",
          low=Decimal("3"), high=10, why="劳动法第44条：法定节假日加班不低于 300%"),
    Param("ot_monthly_limit_hours", "月加班上限", 36, COUNT, "OT-01", "劳动法第41条：每月不超过 36 小时，超过 → 预警", "小时", low=0, high=200),
    Param("ot_daily_limit_hours", "工作日加班日上限", 3, COUNT, "OT-01", "劳动法第41条：特殊情况每日不超过 3 小时，超过 → 预警", "小时",
          low=0, high=24),
    Param("short_notice_settlement", "辞职未提前一个月的结算", "pay", CHOICE, "HR-03",
          "pay = 照常足额结算并预警（推荐：工资支付暂行规定第9条）；hold = 按制度字面暂缓结算（工资条注明，发放清单标出）",
          choices=("pay", "hold")),
    Param("ship_sla_hours", "发货时限", 48, COUNT, "ORD-11", "付款后多少小时内交给快递算及时发货（制度无数值，占位 48 小时）", "小时", low=1, high=720),
    Param("refund_decision_sla_hours", "退款审批时限", 24, COUNT, "ORD-02", "申请后多少小时内部门主管须同意或拒绝", "小时", low=1, high=720),
    Param("refund_check_sla_hours", "退货验收时限", 24, COUNT, "ORD-07", "退货到仓后多少小时内发货员须验货", "小时", low=1, high=720),
    Param("refund_pay_sla_hours", "退款到账时限", 24, COUNT, "ORD-08", "同意（仅退款）或验货后多少小时内退款", "小时", low=1, high=720),
    Param("kpi_pass_score", "绩效及格分", 60, COUNT, "KPI-03", "加权得分低于此分不发绩效奖金（不罚款）", "分", low=0, high=100),
    Param("kpi_achievement_cap", "单项达成率上限", "1.5", RATIO, "KPI-05", "单项达成率（实际 ÷ 目标）最多按此计", low=0, high=10),
    Param("kpi_coefficient_cap", "绩效系数上限", "1.5", RATIO, "PAY-10", "绩效系数 = 加权得分 ÷ 100，最多到此值", low=0, high=10),
    Param("pdf_password", "工资条 PDF 密码", "none", CHOICE, "SEC-04",
          "none = 不加密；id_last6 = 打开密码为本人身份证号后 6 位（AES-256）", choices=("none", "id_last6")),
    Param("city", "社保城市", "shanghai", CITY, "PAY-01", "社保公积金基数上下限与最低工资所用城市数据文件"),
    Param("pension_rate", "养老保险个人比例", "0.08", RATE, "PAY-01", "个人缴纳比例"),
    Param("medical_rate", "医疗保险个人比例", "0.02", RATE, "PAY-01", "个人缴纳比例"),
    Param("unemployment_rate", "失业保险个人比例", "0.005", RATE, "PAY-01", "个人缴纳比例"),
    Param("default_hf_rate", "公积金默认比例", "0.07", RATE, "PAY-01", "花名册未填 公积金比例 时使用"),
    Param("sick_pay_floor_ratio", "病假工资下限", "0.8", RATE, "LV-10",
          "公司规则：病假期间保留当地最低工资的此比例，按病假时间折算；低于法定下限（最低工资的 80%，劳部发〔1995〕309号"
          "第59条及各城市规定）时不采用并预警；城市法定病假工资（上海按连续工龄 60%–100%，沪劳保发〔1995〕83号）更高时按法定"),
    Param("penalty_cap_ratio", "罚款上限比例", "0.2", RATE, "PAY-07",
          "罚款与赔偿合计不超过当月工资的此比例，且扣后不低于最低工资（工资支付暂行规定第16条）"),
    Param("penalty_cap_excess", "超限罚款处理", "carry", CHOICE, "PAY-07",
          "carry = 结转下月；waive = 免除", choices=("carry", "waive")),
    Param("iit_period", "个税所属期", "pay_month", CHOICE, "PAY-03",
          "pay_month = 发放月（推荐：扣缴义务人支付时预扣，10 月工资 11 月发放属 11 月；12 月工资次年 1 月发放属次年）；"
          "work_month = 工资所属月", choices=("pay_month", "work_month")),
    Param("personal_leave_pay", "事假工资", "deduct", CHOICE, "LV-10",
          "deduct = 事假按分钟扣工资（LV-10：事假为无薪假，推荐）；paid = 事假不扣工资，此时本年事假累计 20 天以上的"
          "当年不享受年休假（职工带薪年休假条例第四条第（二）项）", choices=("deduct", "paid")),
    Param("annual_bonus_repeat", "年终奖第二次单独计税", "merge", CHOICE, "STA-2023-30",
          "一个纳税年度第二笔要单独计税的年终奖（国税发〔2005〕9号第三条：每人每年只能一次）：merge = 较晚发放的一笔并入综合所得"
          "并预警（推荐）；stop = 不出结果，数据问题写明两行", choices=("merge", "stop")),
    Param("annual_leave_year_end", "年末未休年假", "carry", CHOICE, "LV-11",
          "carry = 结转到次年一季度（推荐：实施办法第九条允许跨年安排）；pay = 12 月按日工资 300% 支付未休天数",
          choices=("carry", "pay")),
    Param("leave_excess", "超出法定天数的假期", "personal", CHOICE, "LV-12",
          "personal = 超出部分按事假扣款并预警（推荐）；paid = 照常发工资并预警", choices=("personal", "paid")),
    Param("release_roles", "发放前须审批", "审核+批准", CHOICE, "PAY-02",
          "审核+批准 = 工资表经审核、批准后才能发送工资条、据代发/现金清单发放（推荐）；批准 = 只须批准；无 = 不要求审批。"
          "审批用 ecomdept approve 登记，已审批的月份锁定", choices=("审核+批准", "批准", "无")),
    Param("allow_negative_net", "允许实发为负", "no", CHOICE, "PAY-07",
          "no = 有人实发为负时不出工资条（阻断性问题，推荐）；yes = 照常计算并预警，发放须人工处理", choices=("no", "yes")),
)

PARAMS_BY_ID = {param.id: param for param in PARAMS}


def parse_time(value: object) -> dt.time:
    """08:30 as text, an Excel time cell (a time, or the day fraction 0.354166…), or a datetime."""
    if isinstance(value, dt.datetime):
        return value.time().replace(microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(microsecond=0)
    if isinstance(value, dt.timedelta) and dt.timedelta(0) <= value < dt.timedelta(days=1):
        return _day_fraction(value.total_seconds() / 86400)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 0 <= float(value) < 1:  # Excel day fraction
            return _day_fraction(float(value))
        raise ValueError("应为时间，如 08:30（Excel 时间单元格的值在 0 到 1 之间）")
    text = normalize_text(str(value)).replace("：", ":").replace("点", ":").rstrip("分")
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if 0 <= number < 1:
            return _day_fraction(number)
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).time()
        except ValueError:
            pass
    raise ValueError("应为时间，如 08:30")


def _day_fraction(value: float) -> dt.time:
    seconds = min(round(value * 86400), 86399)  # 0.99999… is still the same day
    return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60)


def _number(value: object) -> Decimal:
    if isinstance(value, (bool, dt.date, dt.time, dt.timedelta)):
        raise ValueError("应为数字")
    try:
        return to_decimal(normalize_text(value) if isinstance(value, str) else value)
    except ValueError:
        raise ValueError("应为数字") from None


def _percent_number(value: object) -> tuple[Decimal, bool]:
    """'8%' → (0.08, True); 0.08 → (0.08, False)."""
    text = normalize_text(value) if isinstance(value, str) else value
    if isinstance(text, str) and text.endswith("%"):
        return _number(text[:-1]) / 100, True
    return _number(text), False


def _shown_number(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _bounds_text(param: Param) -> str:
    low, high = param.low, param.high
    unit = param.unit or ""
    if param.kind == MONEY:
        return f"应在 {low}–{high:,} 元之间" if high is not None else f"应不小于 {low} 元"
    return f"应在 {low}–{high} {unit}之间" if unit else f"应在 {low}–{high} 之间"


def _check_bounds(param: Param, number: Decimal) -> None:
    low, high = param.low, param.high
    if (low is None or number >= low) and (high is None or number <= high):
        return
    text = _bounds_text(param)
    if param.why and low is not None and number < low:
        text += f"（{param.why}）"
    if param.kind == RATIO and high is not None and number > high and number <= 1000:
        text += f"；如指 {_shown_number(number)}%，请写 {_shown_number(number / 100)} 或 {_shown_number(number)}%"
    raise ValueError(text)


def _closest(text: str, choices: Iterable[str]) -> str:
    found = difflib.get_close_matches(text, list(choices), n=1, cutoff=0.5)
    return f"（是否为「{found[0]}」？）" if found else ""


def _parse(param: Param, value: object) -> object:
    if param.kind == TIME:
        return parse_time(value)
    if param.kind == DAY and isinstance(value, str) and normalize_text(value).lower() in MONTH_END_WORDS:
        return PayDay(MONTH_END)
    if param.kind in (MINUTES, COUNT, DAY):
        number = _number(value)
        if number != number.to_integral_value():
            raise ValueError("应为整数")
        if param.kind == DAY:
            if not 1 <= number <= 28:
                raise ValueError("应为 1–28 日，或「月末」：29–31 日不是每个月都有（2 月只有 28 或 29 天）")
            return PayDay(int(number))
        if number < 0:
            raise ValueError("应为非负整数")
        _check_bounds(param, number)
        return int(number)
    if param.kind == MONEY:
        number = _number(value)
        if number < 0:
            raise ValueError("金额不能为负")
        _check_bounds(param, number)
        return yuan_to_fen(number)
    if param.kind == RATE:
        number, _ = _percent_number(value)
        if number < 0:
            raise ValueError("比例不能为负")
        if number > 1:
            raise ValueError(rate_hint(number))
        return number
    if param.kind == RATIO:
        number, _ = _percent_number(value)
        if number < 0:
            raise ValueError("不能为负")
        _check_bounds(param, number)
        return number
    text = normalize_text(value) if isinstance(value, str) else parse_text(value)
    if not text:
        raise ValueError("不能为空")
    if param.kind == CHOICE:
        folded = {choice.lower(): choice for choice in param.choices}
        if text.lower() not in folded:
            raise ValueError("应为 " + " / ".join(param.choices) + " 之一" + _closest(text.lower(), param.choices))
        return folded[text.lower()]
    if param.kind == CITY:
        return _city(text)
    return text


def _city(text: str) -> str:
    from ecomdept.core.statutory import DATA, cities

    names = {}
    for city in cities():
        try:
            names[json.loads((DATA / "cities" / f"{city}.json").read_text(encoding="utf-8"))["name"]] = city
        except (OSError, ValueError, KeyError):
            pass
    key = text.lower()
    if key in cities():
        return key
    if text in names or text.rstrip("市") in names:
        return names.get(text) or names[text.rstrip("市")]
    shown = "、".join(f"{c}（{n}）" for n, c in sorted(names.items(), key=lambda item: item[1]))
    raise ValueError(f"没有这个城市的社保数据，可用：{shown or '无'}")


class Rules:
    """Typed rule values: ``rules.grace_minutes``, ``rules.ot_rate_workday`` …; ``rules.kpi`` holds
    the per-team KPI rows ``kpi.<小组>.<指标>.target|weight`` and ``bonus.<小组>.base``."""

    def __init__(self, values: dict[str, object], sources: dict[str, str] | None = None,
                 kpi: dict[str, Decimal] | None = None, send: dict[str, object] | None = None):
        self._values = values
        self.sources = sources or {}
        self.kpi = kpi or {}
        self.send = send or {}  # the 发送设置 rows (send.<key>): how payslips are mailed, not pay

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
        return Rules(values, self.sources, self.kpi, self.send)


def _show(value: object) -> str:
    if isinstance(value, PayDay):
        return str(value)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def defaults() -> Rules:
    return Rules({p.id: _parse(p, p.default) for p in PARAMS}, {p.id: "默认" for p in PARAMS})


def _shown_value(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value)


def _rule_id(text: object) -> str:
    return re.sub(r"\s+", "", normalize_text(str(text))).replace("。", ".")


def from_rows(rows: list[tuple[int, str, object]], sheet: str = "规则") -> tuple[Rules, list[Issue]]:
    """Rules from (excel_row, rule_id, value) rows; missing ids fall back to the rulebook default.

    Every value is checked against its kind and range (a rate 0–1 or a percentage, pay_day 1–28 or
    月末, minutes and counts within sane bounds, money ≥ 0, a choice from its list); an unknown id close
    to a known one is blocking (a misspelt id would silently keep the default)."""
    issues: list[Issue] = []
    values = {p.id: _parse(p, p.default) for p in PARAMS}
    sources = {p.id: "默认" for p in PARAMS}
    seen: dict[str, int] = {}
    kpi: dict[str, Decimal] = {}
    send_rows: list[tuple[int, str, object]] = []
    for row, raw_id, value in rows:
        rule_id = _rule_id(raw_id)
        shown = _shown_value(value)
        if send_rules.is_send_key(rule_id):
            send_rows.append((row, rule_id, value))
            continue
        if KPI_KEY.match(rule_id):
            if rule_id in seen:
                issues.append(Issue(sheet, row, "参数", f"参数「{rule_id}」重复，与第 {seen[rule_id]} 行相同", ERROR,
                                    "rule_id", "rule_duplicate"))
                continue
            seen[rule_id] = row
            try:
                kpi[rule_id] = _kpi_value(rule_id, value)
                sources[rule_id] = f"规则!第{row}行"
            except ValueError as exc:
                issues.append(Issue(sheet, row, "值", f"参数「{rule_id}」的值「{shown}」无效：{exc}", ERROR, "value",
                                    "rule_value"))
            continue
        if KPI_LIKE.match(rule_id):
            issues.append(Issue(sheet, row, "参数",
                                f"考核参数「{rule_id}」写法不对：应为 kpi.<小组>.<指标>.target、kpi.<小组>.<指标>.weight "
                                "或 bonus.<小组>.base（写错的行不会被计算，该小组的绩效奖金会出错）", ERROR, "rule_id",
                                "rule_unknown"))
            continue
        param = PARAMS_BY_ID.get(rule_id) or PARAMS_BY_ID.get(rule_id.lower())
        if param is None:
            close = difflib.get_close_matches(rule_id.lower(), list(PARAMS_BY_ID), n=1, cutoff=0.8)
            if close:
                issues.append(Issue(sheet, row, "参数",
                                    f"未知参数「{rule_id}」：是否为「{close[0]}」（{PARAMS_BY_ID[close[0]].label}）？"
                                    "拼错的参数不会生效，会按默认值计算", ERROR, "rule_id", "rule_unknown"))
            else:
                issues.append(Issue(sheet, row, "参数", f"未知参数「{rule_id}」，已忽略", WARNING, "rule_id",
                                    "rule_unknown"))
            continue
        if param.id in seen:
            issues.append(Issue(sheet, row, "参数", f"参数「{param.id}」重复，与第 {seen[param.id]} 行相同", ERROR,
                                "rule_id", "rule_duplicate"))
            continue
        seen[param.id] = row
        try:
            values[param.id] = _parse(param, value)
            sources[param.id] = f"规则!第{row}行"
        except ValueError as exc:
            issues.append(Issue(sheet, row, "值", f"参数「{param.id}」（{param.label}）的值「{shown}」无效：{exc}",
                                ERROR, "value", "rule_value"))
    for param in PARAMS:
        if param.id not in seen:
            issues.append(Issue(sheet, None, None, f"缺少参数「{param.id}」（{param.label}），按制度默认值 {param.default}",
                                WARNING))
    send, send_issues = send_rules.from_rows(send_rows, sheet)
    issues.extend(send_issues)
    rules = Rules(values, sources, kpi, send)
    if not (rules.seconds("work_am_start") < rules.seconds("work_am_end")
            <= rules.seconds("work_pm_start") < rules.seconds("work_pm_end")):
        issues.append(Issue(sheet, None, "值", "上下班时间顺序应为 上午上班 < 上午下班 ≤ 下午上班 < 下午下班", ERROR,
                            None, "rule_value"))
    return rules, issues


def _kpi_value(rule_id: str, value: object) -> Decimal:
    number, _ = _percent_number(value)
    if number < 0:
        raise ValueError("应为非负数字")
    if rule_id.endswith(".weight") and number > 1:
        raise ValueError("权重" + rate_hint(number).removeprefix("比例"))
    return number


def kpi_issues(rules: Rules, manual: dict[str, int] | None, teams: set[str] | None = None, sheet: str = "规则",
               scores_sheet: str = "考核评分") -> list[Issue]:
    """The KPI rows against what can be scored: a team of the roster's list, a metric that is a KPI id
    (kpi.py) or a name in the 考核评分 sheet, a target for every weighted order metric, rates as rates.
    ``manual``: 考核评分's metric names → first Excel row (None: the sheet was not read); ``teams``: the
    roster's teams (a manual metric no one has been scored on yet blocks only a team with people)."""
    from ecomdept.inputs.metrics import BY_ID
    from ecomdept.inputs.schema import TEAMS

    issues: list[Issue] = []
    row_of = {key: int(src.split("第")[1].rstrip("行")) for key, src in rules.sources.items()
              if key in rules.kpi and "第" in src}
    plan: dict[str, dict[str, dict[str, Decimal]]] = {}
    bases: set[str] = set()
    known_names = set(BY_ID) | set(manual or ())
    for key in sorted(rules.kpi, key=lambda k: row_of.get(k, 0)):
        parts = key.split(".")
        row = row_of.get(key)
        team = parts[1]
        if team not in TEAMS:
            issues.append(Issue(sheet, row, "参数", f"「{key}」中的小组「{team}」不是花名册的小组（"
                                + "/".join(TEAMS) + "）" + _closest(team, TEAMS) + "：这一行不会被计算", ERROR,
                                "rule_id", "kpi_team"))
            continue
        if parts[0] == "bonus":
            bases.add(team)
            continue
        metric, what = parts[2], parts[3]
        if metric not in BY_ID and manual is not None and metric not in manual:
            hint = _closest(metric, known_names)
            # a team nobody is in yet may name a measure no one has been scored on; a near-id is a typo anyway
            if teams is None or team in teams or difflib.get_close_matches(metric, list(BY_ID), 1, 0.8):
                issues.append(Issue(sheet, row, "参数",
                                    f"「{key}」中的指标「{metric}」既不是订单 KPI 的 id，也不是考核评分表中的指标{hint}："
                                    f"拼错的指标得分为 0，会取消或压低「{team}」小组的绩效奖金。订单 KPI："
                                    + "、".join(BY_ID), ERROR, "rule_id", "kpi_metric"))
                continue
        plan.setdefault(team, {}).setdefault(metric, {})[what] = rules.kpi[key]
        if metric in BY_ID and what == "target" and BY_ID[metric].kind == "rate" and rules.kpi[key] > 1:
            issues.append(Issue(sheet, row, "值", f"「{key}」是比率指标的目标：" + rate_hint(rules.kpi[key]), ERROR,
                                "value", "rule_value"))
    for team, metrics in plan.items():
        for metric, spec in metrics.items():
            weighted = spec.get("weight", Decimal(0)) > 0
            key = f"kpi.{team}.{metric}"
            if metric in BY_ID and weighted and not spec.get("target"):
                issues.append(Issue(sheet, row_of.get(f"{key}.weight"), "参数",
                                    f"「{key}.weight」有权重，但没有目标「{key}.target」（或目标为 0）：该项达成率会按 0 计，"
                                    "请补上目标", ERROR, "rule_id", "kpi_incomplete"))
            if "weight" not in spec and metric in BY_ID:
                issues.append(Issue(sheet, row_of.get(f"{key}.target"), "参数",
                                    f"「{key}.target」没有对应的权重「{key}.weight」：这个目标不参与考核", WARNING,
                                    "rule_id", "kpi_incomplete"))
        total = sum((spec.get("weight", Decimal(0)) for spec in metrics.values()), Decimal(0))
        if total and team not in bases:
            issues.append(Issue(sheet, None, "参数", f"小组「{team}」有考核权重，但没有「bonus.{team}.base」："
                                "该小组的绩效奖金为 0", WARNING, "rule_id", "kpi_incomplete"))
        if total and total != 1:
            issues.append(Issue(sheet, None, "值", f"小组「{team}」的考核权重合计为 {_shown_number(total)}，"
                                "不是 1（100%）：按各项权重占合计的比例计算，请核对", WARNING, "value", "kpi_incomplete"))
    if manual:
        used = {metric for metrics in plan.values() for metric in metrics}
        for name, row in manual.items():
            if name not in used and name not in BY_ID:
                issues.append(Issue(scores_sheet, row, "指标",
                                    f"指标「{name}」不在规则表的任何 kpi.<小组>.{name}.weight 中{_closest(name, used)}："
                                    "这些评分不参与绩效计算", WARNING, "metric", "kpi_metric"))
    return issues
