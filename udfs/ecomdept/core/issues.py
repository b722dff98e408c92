"""Data problems are values: one Issue per problem, collected in one list."""

from __future__ import annotations

from dataclasses import dataclass, replace

ERROR = "错误"
WARNING = "警告"
FILE = "（文件）"  # the sheet of a problem with the workbook file itself (it cannot be opened)


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in the input. ``row`` is the Excel row number (header = 1)."""

    sheet: str
    row: int | None
    column: str | None
    message: str
    severity: str = ERROR
    field: str | None = None
    code: str = ""  # the kind of problem (one of KINDS), for tests and tools; never shown to users
    employee_id: str = ""  # the person it is about, where it is about one
    cause: str = ""  # the root problem (``root_key``) this one follows from: printed folded under it

    @property
    def blocking(self) -> bool:
        return self.severity == ERROR

    def location(self) -> str:
        if self.sheet == FILE:
            return "工作簿文件"
        parts = [f"工作表「{self.sheet}」"]
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column:
            col = self.column if not self.field else f"{self.column}（{self.field}）"
            parts.append(f"列「{col}」")
        return " ".join(parts)

    def __str__(self) -> str:
        return f"[{self.severity}] {self.location()}：{self.message}"


# Issue.code: the kinds of problem the reader tells apart (a message may change, its kind does not)
KINDS = {
    "bad_value": "单元格的值无法识别",
    "required_blank": "必填项为空",
    "number_as_text": "编号或号码被 Excel 存成了数字",
    "formula_error": "公式错误值（#DIV/0!、#N/A …）",
    "formula_no_value": "公式没有保存的计算结果",
    "out_of_range": "数值超出允许范围",
    "missing_column": "缺少必填列",
    "header_not_found": "找不到表头",
    "missing_sheet": "缺少工作表",
    "duplicate_sheet": "多个工作表名称相同",
    "duplicate_key": "编号重复",
    "unknown_employee": "工号不在花名册中",
    "skipped_rows": "花名册行有错，其他表该工号的行已跳过",
    "unknown_clock_id": "打卡的考勤号不在花名册中",
    "clock_id_clash": "考勤号重复或只差前导零",
    "no_punches": "在职员工没有任何打卡",
    "rule_value": "规则参数的值无效",
    "rule_unknown": "未知规则参数",
    "rule_duplicate": "规则参数重复",
    "kpi_metric": "考核指标名未知",
    "kpi_team": "考核小组名未知",
    "kpi_incomplete": "考核指标缺目标或权重",
    "pdf_password": "工资条密码缺身份证号",
    "send_password": "发送设置里写了密码",
    "wrong_month": "计算月份与打卡所在的月份不符",
    "punches_outside_month": "有打卡不在本月",
    "negative_net": "实发工资为负",
}

# What a root problem explains: fix it and these go away (so they are printed folded under it).
FOLLOWS = {"wrong_month": ("no_punches", "punches_outside_month", "negative_net"),
           "no_punches": ("negative_net",)}


def root_key(issue: Issue) -> str:
    """A blocking problem's key, as its follow-on problems name it in ``cause``."""
    return f"{issue.code}:{issue.employee_id}" if issue.code == "no_punches" else issue.code


def fold(issues: list[Issue]) -> list[Issue]:
    """The same problems, each follow-on marked with the root it follows from: a month the punches
    are not in explains everyone's missing punches and negative pay; a person none of whose punches
    were matched explains their own negative pay."""
    wrong_month = any(i.blocking and i.code == "wrong_month" for i in issues)
    no_punches = {i.employee_id for i in issues if i.blocking and i.code == "no_punches" and i.employee_id}
    out = []
    for issue in issues:
        cause = issue.cause
        if not cause and wrong_month and issue.code in FOLLOWS["wrong_month"]:
            cause = "wrong_month"
        elif not cause and issue.code in FOLLOWS["no_punches"] and issue.employee_id in no_punches:
            cause = f"no_punches:{issue.employee_id}"
        out.append(replace(issue, cause=cause) if cause != issue.cause else issue)
    return out


def in_reading_order(issues: list[Issue]) -> list[tuple[Issue, list[Issue]]]:
    """(problem, the follow-on problems folded under it): blocking roots first, then the rest; a
    follow-on whose root is not in the list stands on its own."""
    roots = {root_key(i) for i in issues if i.blocking and not i.cause and i.code}
    under: dict[str, list[Issue]] = {}
    for issue in issues:
        if issue.cause and issue.cause in roots:
            under.setdefault(issue.cause, []).append(issue)
    standing = [i for i in issues if not (i.cause and i.cause in roots)]
    ordered = [i for i in standing if i.blocking] + [i for i in standing if not i.blocking]
    return [(i, under.get(root_key(i), []) if i.blocking and i.code else []) for i in ordered]


def folded_summary(children: list[Issue]) -> str:
    """「由此引起的 30 个问题（实发工资为负 29 个、有打卡不在本月 1 个）」"""
    counts: dict[str, int] = {}
    for child in children:
        label = KINDS.get(child.code, "其他")
        counts[label] = counts.get(label, 0) + 1
    parts = "、".join(f"{label} {n} 个" for label, n in counts.items())
    return f"由此引起的 {len(children)} 个问题（{parts}）改正上面这一条后会消失，未逐条列出"


def has_blocking(issues: list[Issue]) -> bool:
    return any(issue.blocking for issue in issues)


def excel_column(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name
