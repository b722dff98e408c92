"""Data problems are values: one Issue per problem, collected in one list."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "错误"
WARNING = "警告"


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

    @property
    def blocking(self) -> bool:
        return self.severity == ERROR

    def location(self) -> str:
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
}


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
