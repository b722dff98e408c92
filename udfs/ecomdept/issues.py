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
