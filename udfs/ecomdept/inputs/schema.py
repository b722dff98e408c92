"""The master workbook's input sheets: Chinese headers, English field ids, types and enumerations.

This module is the single source for the reader (validation), the sample generator (layout,
drop-downs, formats) and the README's sheet tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

POSITIONS = ("电子商务主管", "程序员", "售前客服", "售后客服", "推广专员", "美工", "策划专员", "发货员")
TEAM_OF_POSITION = {
    "电子商务主管": "管理",
    "推广专员": "运营推广",
    "策划专员": "运营推广",
    "美工": "运营推广",
    "售前客服": "客服",
    "售后客服": "客服",
    "程序员": "技术",
    "发货员": "仓储发货",
}
TEAMS = ("管理", "运营推广", "客服", "技术", "仓储发货")
LEAVE_TYPES = ("事假", "病假", "年假", "婚假", "丧假", "调休", "因公外出", "产假", "陪产假", "育儿假", "哺乳假", "工伤")
APPROVAL_STATES = ("已批准", "待审批", "已驳回")
YES_NO = ("是", "否")
PUNCH_SOURCES = ("考勤机", "补卡", "钉钉")
OT_COMPENSATION = ("加班费", "补休")
CALENDAR_KINDS = ("休息日", "工作日", "法定节假日")
EVENT_TYPES = ("脱岗", "外出未报告", "拒绝调岗")
LEAVE_REASONS = ("协商解除", "无过失辞退", "经济性裁员", "合同到期不续签", "被迫解除", "辞职", "过失辞退")

# column kinds
TEXT, INT, MONEY, DATE, DATETIME, ENUM, BOOL, RATE, MONTH, NUMBER = (
    "text", "int", "money", "date", "datetime", "enum", "bool", "rate", "month", "number")


@dataclass(frozen=True)
class Column:
    id: str
    header: str
    kind: str = TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    doc: str = ""
    width: int = 12
    parse: str = ""  # a parser other than the kind's: code (工号 …), digits (身份证号, 银行账号), raw
    limits: tuple[object, object] | None = None  # (low, high), None for no bound; checked after parsing


@dataclass(frozen=True)
class Sheet:
    id: str
    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    required: bool = False
    table: str = ""
    extra: dict = field(default_factory=dict)

    def column(self, col_id: str) -> Column:
        for col in self.columns:
            if col.id == col_id:
                return col
        raise KeyError(col_id)


EMPLOYEES = Sheet(
    "employees", "员工", "花名册：一人一行。工号唯一；金额单位为元。",
    (
        Column("employee_id", "工号", TEXT, True, doc="唯一编号，如 E0001", parse="code"),
        Column("name", "姓名", TEXT, True),
        Column("team", "小组", ENUM, False, TEAMS, doc="管理/运营推广/客服/技术/仓储发货"),
        Column("position", "岗位", ENUM, True, POSITIONS),
        Column("manager_id", "直属上级", TEXT, doc="上级的工号（部门主管 L1）", parse="code"),
        Column("leader_id", "主管领导", TEXT, doc="主管领导的工号（L2：超过主管审批权限的请假由其批准）",
               parse="code"),
        Column("hire_date", "入职日期", DATE, True),
        Column("leave_date", "离职日期", DATE, doc="最后工作日；空 = 在职"),
        Column("base_salary", "月基本工资", MONEY, True),
        Column("allowance", "岗位津贴", MONEY, doc="每月固定津贴，随出勤折算"),
        Column("clock_id", "考勤号", TEXT, doc="考勤机上的编号（PIN）", parse="code"),
        Column("si_base", "社保基数", MONEY, doc="空 = 月基本工资；按城市上下限截取"),
        Column("hf_rate", "公积金比例", RATE, doc="个人缴存比例，5%–12%"),
        Column("special_deduction", "专项附加扣除", MONEY, doc="每月合计（子女教育、房租等）"),
        Column("id_number", "身份证号", TEXT, width=20, parse="digits"),
        Column("bank_account", "银行账号", TEXT, width=22, parse="digits"),
        Column("first_job_this_year", "本年首次就业", BOOL, doc="是 = 国家税务总局公告2020年第13号"),
        Column("prior_year_under_60k", "上年收入不超过6万", BOOL, doc="是 = 国家税务总局公告2020年第19号"),
        Column("resign_notice_date", "辞职申请日期", DATE, doc="提出辞职的日期（HR-03）"),
        Column("comp_opening_hours", "补休期初余额", NUMBER, doc="首次使用本工具时的补休余额（小时）；以后按上月结果结转"),
        Column("service_start", "连续工龄起算日", DATE,
               doc="病假工资按连续工龄计（上海：沪劳保发〔1995〕83号）；空 = 入职日期"),
        Column("work_start", "参加工作日期", DATE, doc="年假按累计工作年限（职工带薪年休假条例第三条）；空 = 入职日期"),
        Column("annual_leave_opening_days", "年假期初余额", NUMBER,
               doc="首次使用本工具时本年剩余的年假天数；以后按上月结果结转"),
        Column("probation_end", "试用期截止日", DATE, doc="试用期内工资不低于约定工资的 80% 与最低工资（劳动合同法第二十条）"),
        Column("regular_salary", "转正后月工资", MONEY, doc="劳动合同约定的转正后工资（试用期检查用）"),
        Column("si_city", "参保城市", TEXT, width=10,
               doc="上海/北京/杭州/广州/深圳（或 shanghai/beijing/hangzhou/guangzhou/shenzhen）：本人社保、公积金"
                   "与最低工资按此城市；空 = 规则 city"),
        Column("email", "邮箱", TEXT, width=26, doc="工资条发送地址（ecomdept send）：空 = 不发送，发送时列出"),
        Column("leave_reason", "离职原因", ENUM, False, LEAVE_REASONS,
               doc="协商解除/无过失辞退/经济性裁员/合同到期不续签/被迫解除 = 支付经济补偿（劳动合同法第四十六条、第四十七条）；"
                   "辞职/过失辞退 = 不支付"),
        Column("notice_pay", "代通知金", BOOL, doc="是 = 无过失辞退未提前三十日通知，额外支付一个月工资（劳动合同法第四十条）"),
    ),
    key=("employee_id",), required=True, table="tbl_employees",
)

PUNCHES = Sheet(
    "punches", "打卡", "考勤机原始打卡：一次打卡一行。工号为空时按 考勤号 对应花名册。",
    (
        Column("employee_id", "工号", TEXT, parse="code"),
        Column("clock_id", "考勤号", TEXT, parse="code"),
        Column("punched_at", "打卡时间", DATETIME, True, width=20),
        Column("source", "来源", ENUM, False, PUNCH_SOURCES, doc="考勤机/补卡/钉钉；空 = 考勤机"),
        Column("approved", "补卡已批准", BOOL, doc="来源为补卡时必填"),
    ),
    table="tbl_punches",
)

LEAVE = Sheet(
    "leave", "请假", "请假与因公外出申请：一张单一行，时间精确到分钟。",
    (
        Column("request_id", "单号", TEXT, True, parse="code"),
        Column("employee_id", "工号", TEXT, True, parse="code"),
        Column("leave_type", "请假类型", ENUM, True, LEAVE_TYPES),
        Column("start", "开始时间", DATETIME, True, width=18),
        Column("end", "结束时间", DATETIME, True, width=18),
        Column("applied_at", "申请时间", DATETIME, width=18),
        Column("status", "审批状态", ENUM, True, APPROVAL_STATES),
        Column("approver_id", "审批人", TEXT, doc="审批人工号", parse="code"),
        Column("certificate", "病假证明", BOOL),
        Column("notified_at", "口头报告时间", DATETIME, width=18, doc="急事先通讯报告、事后补办（LV-07）"),
        Column("extends", "续假单号", TEXT, doc="本单是哪张假单的续假（LV-07）", parse="code"),
        Column("maternity_case", "产假情形", TEXT, doc="产假：难产、双胞胎、三胞胎……（延长产假天数）"),
        Column("note", "备注", TEXT, width=20),
    ),
    key=("request_id",), table="tbl_leave",
)

OVERTIME = Sheet(
    "overtime", "加班", "加班记录：只有已批准的记录计入（OT-01）。",
    (
        Column("request_id", "单号", TEXT, True, parse="code"),
        Column("employee_id", "工号", TEXT, True, parse="code"),
        Column("start", "开始时间", DATETIME, True, width=18),
        Column("end", "结束时间", DATETIME, True, width=18),
        Column("status", "审批状态", ENUM, True, APPROVAL_STATES),
        Column("compensation", "补偿方式", ENUM, False, OT_COMPENSATION, doc="加班费/补休；空 = 加班费"),
        Column("filed", "已备案", BOOL, doc="补休须交办公室备案（OT-02）"),
        Column("note", "备注", TEXT, width=20),
    ),
    key=("request_id",), table="tbl_overtime",
)

ORDERS = Sheet(
    "orders", "订单", "店铺订单（列名同天猫导出）。",
    (
        Column("order_id", "订单编号", TEXT, True, width=18, parse="code"),
        Column("total_amount", "总金额", MONEY, True),
        Column("paid_amount", "买家实际支付金额", MONEY),
        Column("province", "收货地址", TEXT, doc="省份"),
        Column("created_at", "订单创建时间", DATETIME, True, width=18),
        Column("paid_at", "订单付款时间", DATETIME, width=18),
        Column("refund_amount", "退款金额", MONEY),
        Column("cs_id", "客服工号", TEXT, parse="code"),
        Column("shipper_id", "发货员工号", TEXT, parse="code"),
        Column("shipped_at", "发货时间", DATETIME, width=18, doc="交给快递的时间"),
        Column("status", "订单状态", TEXT, doc="平台状态原文，如 已完成 / canceled"),
        Column("delivered_at", "妥投时间", DATETIME, width=18),
        Column("estimated_at", "预计送达时间", DATETIME, width=18),
        Column("review_score", "评价星级", INT, doc="1–5", limits=(1, 5)),
    ),
    key=("order_id",), table="tbl_orders",
)

ADS = Sheet(
    "ads", "推广", "推广花费（ROI 用）：一天一渠道一行。",
    (
        Column("date", "日期", DATE, True),
        Column("channel", "渠道", TEXT, True, doc="直通车、钻展、淘宝客……"),
        Column("spend", "花费", MONEY, True, limits=(0, None)),
        Column("attributed_sales", "归因销售额", MONEY, doc="平台归因到该渠道的成交金额"),
        Column("visitors", "访客数", INT, doc="UV", limits=(0, None)),
    ),
    key=("date", "channel"), table="tbl_ads",
)

SCORES = Sheet(
    "scores", "考核评分", "不能从订单算出的考核项（计划完成、问题解决时效、满意度……），主管按 0–100 打分（KPI-02/ORG-07）。",
    (
        Column("month", "月份", MONTH, True),
        Column("employee_id", "工号", TEXT, True, parse="code"),
        Column("metric", "指标", TEXT, True, doc="与规则表 kpi.<小组>.<指标>.weight 中的指标同名"),
        Column("score", "得分", INT, True, doc="0–100", limits=(0, 100)),
        Column("scored_by", "评分人", TEXT),
        Column("note", "备注", TEXT, width=24),
    ),
    key=("month", "employee_id", "metric"), table="tbl_scores",
)

REFUNDS = Sheet(
    "refunds", "退款", "退款流程（ORD-01…08）：一张退款申请一行，各步骤的人与时间。",
    (
        Column("refund_id", "退款单号", TEXT, True, parse="code"),
        Column("order_id", "订单编号", TEXT, True, width=18, parse="code"),
        Column("requested_at", "申请时间", DATETIME, True, width=18),
        Column("reason", "退款理由", TEXT, width=16),
        Column("amount", "退款金额", MONEY),
        Column("goods_received", "买家已收到货", BOOL, doc="是 = 退货退款；否 = 仅退款"),
        Column("registered_by", "受理客服", TEXT, doc="售后客服工号（ORD-09）", parse="code"),
        Column("decision", "审批结果", ENUM, False, ("同意", "拒绝"), doc="部门主管同意或拒绝（ORD-02/04）"),
        Column("decided_by", "审批人", TEXT, parse="code"),
        Column("decided_at", "审批时间", DATETIME, width=18),
        Column("returned_at", "退货到仓时间", DATETIME, width=18, doc="ORD-06：发货员收到退货"),
        Column("checked_by", "验货人", TEXT, doc="发货员工号（ORD-07）", parse="code"),
        Column("checked_at", "验货时间", DATETIME, width=18),
        Column("refunded_at", "退款时间", DATETIME, width=18, doc="ORD-03/08：买家收款"),
    ),
    key=("refund_id",), table="tbl_refunds",
)

BONUS = Sheet(
    "bonus", "绩效", "每月绩效奖金（PAY-10）：一人一月一行。",
    (
        Column("month", "月份", MONTH, True, doc="YYYY-MM"),
        Column("employee_id", "工号", TEXT, True, parse="code"),
        Column("score", "考核分", INT, limits=(0, 100)),
        Column("bonus", "绩效奖金", MONEY, True, limits=(0, None)),
        Column("note", "备注", TEXT, width=24),
    ),
    key=("month", "employee_id"), table="tbl_bonus",
)

ANNUAL_BONUS_METHODS = ("单独计税", "并入综合所得")
ANNUAL_BONUS = Sheet(
    "annual_bonus", "年终奖", "全年一次性奖金：随该月工资发放，一人一年一次可单独计税（财政部 税务总局公告2023年第30号）。",
    (
        Column("month", "月份", MONTH, True, doc="随哪个月的工资发放"),
        Column("employee_id", "工号", TEXT, True, parse="code"),
        Column("amount", "金额", MONEY, True, limits=(0, None)),
        Column("method", "计税方式", ENUM, False, ANNUAL_BONUS_METHODS,
               doc="空 = 单独计税（政策有效期至 2027-12-31，之后并入综合所得）"),
        Column("note", "备注", TEXT, width=24),
    ),
    key=("month", "employee_id"), table="tbl_annual_bonus",
)

CORRECTION_ITEMS = ("工资", "津贴", "加班", "请假", "考勤", "罚款", "绩效", "其他")
CORRECTIONS = Sheet(
    "corrections", "补发补扣",
    "已发放月份的更正：一项差错登记一行，在「计入月份」的工资里补发（正数）或补扣（负数），"
    "计入当月应发并按累计预扣法计税，工资条写明更正哪个月、为什么。已审批的月份不重算。",
    (
        Column("employee_id", "工号", TEXT, True, parse="code"),
        Column("work_month", "所属月份", MONTH, True, doc="差错所在的月份（已发放），早于计入月份"),
        Column("pay_month", "计入月份", MONTH, True, doc="在哪个月的工资里补发或补扣（只有该月的计算使用这一行）"),
        Column("item", "项目", ENUM, True, CORRECTION_ITEMS, doc="更正的工资项目"),
        Column("amount", "金额", MONEY, True, doc="正数 = 补发，负数 = 补扣（元）"),
        Column("reason", "原因", TEXT, True, width=30, doc="工资条上照印，如「9 月病假单补交，退回事假扣款」"),
    ),
    table="tbl_corrections",
)

LEDGER = Sheet(
    "ledger", "工资台账", "往月个税台账（本年累计预扣的依据）：一人一月一行。",
    (
        Column("month", "月份", MONTH, True),
        Column("employee_id", "工号", TEXT, True, parse="code"),
        Column("income", "应发工资", MONEY, True, limits=(0, None)),
        Column("special", "专项扣除", MONEY, True, doc="个人社保 + 公积金"),
        Column("additional", "专项附加扣除", MONEY, True),
        Column("iit", "已预扣个税", MONEY, True, limits=(0, None)),
        Column("overtime", "加班工资", MONEY, limits=(0, None),
               doc="应发工资中的加班工资：未休年假工资按剔除加班工资的月平均工资计（实施办法第十一条）；空 = 无法剔除，工资条注明"),
    ),
    key=("month", "employee_id"), table="tbl_ledger",
)

EVENTS = Sheet(
    "events", "考勤事件", "主管登记的考勤事件：脱岗（ABS-02）、外出未报告（OUT-02）、拒绝调岗（ABS-06）。",
    (
        Column("employee_id", "工号", TEXT, True, parse="code"),
        Column("event_type", "类型", ENUM, True, EVENT_TYPES),
        Column("start", "开始时间", DATETIME, True, width=18),
        Column("end", "结束时间", DATETIME, width=18, doc="拒绝调岗可不填：按全天"),
        Column("recorded_by", "登记人", TEXT),
        Column("note", "备注", TEXT, width=24),
    ),
    table="tbl_events",
)

SHIFTS = Sheet(
    "shifts", "班次", "班次定义：一个班次一行（行政班不用填，就是规则表的上下班时间，代码 行政）。时间写作 14:00；"
    "跨夜的班次下班时间写次日的时间；弹性班填 最晚上班 与 工作时长（ATT-09）。",
    (
        Column("code", "班次代码", TEXT, True, doc="排班表里用的代码，如 晚班、仓储、夜班；不能用 行政、休", parse="code"),
        Column("name", "班次名称", TEXT, width=14, doc="空 = 班次代码"),
        Column("start", "上班时间", TEXT, True, doc="时间，如 14:00；弹性班为最早到岗时间", parse="raw"),
        Column("end", "下班时间", TEXT, doc="时间，如 22:00；跨夜班填次日的时间（如 06:00）；弹性班可不填", parse="raw"),
        Column("break_start", "休息开始", TEXT, doc="不计工时、不用打卡（行政班为 12:00–14:00）；空 = 无休息", parse="raw"),
        Column("break_end", "休息结束", TEXT, parse="raw"),
        Column("overnight", "跨夜", BOOL, doc="是 = 下班在次日（夜班）；空 = 下班时间不晚于上班时间即为跨夜"),
        Column("latest_start", "最晚上班", TEXT, parse="raw",
               doc="弹性班：上班时间 至 最晚上班 之间到岗都不算迟到，晚于最晚上班才算迟到"),
        Column("work_hours", "工作时长", NUMBER, limits=(0, 16),
               doc="弹性班：到岗后须工作的小时数（不含休息），早于 到岗 + 工作时长 离岗为早退；核心时段 = 最晚上班 至 "
                   "上班时间 + 工作时长"),
        Column("punch_margin", "下班后打卡", INT, limits=(0, 720),
               doc="跨夜班：次日 下班时间 + 此分钟数 之前的打卡算这个班（且早于本人次日班次的前一半）；空 = 120"),
        Column("note", "备注", TEXT, width=20),
    ),
    key=("code",), table="tbl_shifts",
)

ROTA = Sheet(
    "rota", "排班", "每人每天的班次：一人一天一行（ATT-09）。没有排班行的日子按规则表的行政班、按日历上班；「休」为本人"
    "休息日，即使日历上是工作日（这天上班只有已批准的加班才算休息日加班）。",
    (
        Column("employee_id", "工号", TEXT, True, parse="code"),
        Column("date", "日期", DATE, True),
        Column("shift", "班次", TEXT, True, doc="班次表的班次代码；行政 = 规则表的行政班；休 = 休息"),
        Column("note", "备注", TEXT, width=20),
    ),
    key=("employee_id", "date"), table="tbl_rota",
)

HOLIDAYS = Sheet(
    "holidays", "节假日", "日历调整：覆盖 chinese-calendar 的判断；包外年份（如 2027）以此为准。",
    (
        Column("date", "日期", DATE, True),
        Column("kind", "类型", ENUM, True, CALENDAR_KINDS, doc="休息日/工作日/法定节假日"),
        Column("name", "名称", TEXT, width=16),
    ),
    key=("date",), table="tbl_holidays",
)

RULES = Sheet(
    "rules", "规则", "部门制度参数：改这里即改规则；每条注明制度条款。",
    (
        Column("rule_id", "参数", TEXT, True, width=28),
        Column("label", "名称", TEXT, width=26),
        Column("value", "值", TEXT, True, width=14, parse="raw"),
        Column("unit", "单位", TEXT, width=8),
        Column("clause", "条款", TEXT, width=12),
        Column("doc", "说明", TEXT, width=60),
    ),
    key=("rule_id",), table="tbl_rules",
)

INPUT_SHEETS: tuple[Sheet, ...] = (
    EMPLOYEES, PUNCHES, LEAVE, OVERTIME, EVENTS, SHIFTS, ROTA, ORDERS, ADS, REFUNDS, BONUS, ANNUAL_BONUS, SCORES, LEDGER,
    CORRECTIONS, HOLIDAYS, RULES)
SHEETS_BY_NAME = {sheet.name: sheet for sheet in INPUT_SHEETS}
README_SHEET = "说明"
