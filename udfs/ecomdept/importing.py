"""What every importer shares: kept rows, folded duplicates, rejected lines (with line number and
reason) written to a rejects file beside the output, and one summary line."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from .master_workbook import write_master
from .privacy import safe_text


NUL_RUN = re.compile("\x00+")


@dataclass
class Reject:
    file: str
    line: int
    reason: str
    content: str


@dataclass
class ImportResult:
    sheet: str
    rows: list[list] = field(default_factory=list)
    duplicates: int = 0
    rejects: list[Reject] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def reject(self, file: str | Path, line: int, reason: str, content: object) -> None:
        text = content if isinstance(content, str) else repr(content)
        text = NUL_RUN.sub(lambda m: f"⟨{len(m.group(0))} 个 NUL 字节⟩", text)
        self.rejects.append(Reject(Path(file).name, line, reason, text[:200]))

    def summary(self, what: str, rejects_path: Path | None) -> str:
        where = f"（明细见 {rejects_path}）" if self.rejects and rejects_path else ""
        extra = "；" + "；".join(self.notes) if self.notes else ""
        return (f"{what}导入：保留 {len(self.rows):,} 行，合并重复 {self.duplicates:,} 行，"
                f"拒绝 {len(self.rejects):,} 行{where}{extra}")


def rejects_path_for(out: Path) -> Path:
    return out.with_name(out.stem + ".rejects.csv")


def write(result: ImportResult, out: Path) -> Path:
    """Write OUT.xlsx (sheet-ready rows) and OUT.rejects.csv (always, so an empty one says 'none')."""
    write_master(out, {result.sheet: result.rows}, only_given=True)
    path = rejects_path_for(out)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["文件", "行号", "原因", "内容"])
        for r in result.rejects:
            writer.writerow([r.file, r.line, r.reason, safe_text(r.content)])
    return path
