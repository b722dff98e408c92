"""What 计算工资.cmd / 计算工资.command run once they found their Python: the month's payroll of the
workbook beside them, told in words for someone who double-clicked a file.

``python -m ecomdept.excel.launcher FOLDER BOOK_NAME``: FOLDER is the launcher's own folder, BOOK_NAME
the workbook ``excel init`` wrote there. The workbook is that one when it is the only one beside the
launcher; a renamed one when it is the only one; with several, the person is asked (Enter: the one
init wrote, if it is there). The month is the workbook's 计算月份, the results go to ecomdept输出
beside it, and the run is ``ecomdept payroll`` itself. Afterwards a last line says what happened: done
and where; or what failed — the data (naming the 数据问题 file that lists what to change), the
Chinese font for the PDF payslips (everything else written), or what the message above says. The
launcher keeps its window open after this, so the summary and every warning stay readable.

Exit codes as ``ecomdept payroll``: 0 done, 1 data problems or no font, 2 no workbook or a usage error.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ecomdept.core.exitcodes import EXIT_DATA, EXIT_OK, EXIT_USAGE

OUTPUT_FOLDER = "ecomdept输出"
BOOK_SUFFIXES = (".xlsm", ".xlsx")


def candidates(folder: Path) -> list[Path]:
    """The workbooks in ``folder`` a person keeps (not Excel's ~$ lock files, not the dated backups the
    import buttons write), .xlsm first: the master workbook has buttons; .xlsx ones only when there is
    no .xlsm (a copy saved without macros, e.g. from WPS)."""
    books = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in BOOK_SUFFIXES
                   and not p.name.startswith("~$") and ".备份-" not in p.name)
    with_macros = [p for p in books if p.suffix.lower() == ".xlsm"]
    return with_macros or books


def pick(folder: Path, written: str, ask=input) -> Path | None:
    """The workbook to compute (see the module docstring), or None after saying why there is none."""
    default = folder / written if (folder / written).is_file() else None
    found = [p for p in candidates(folder) if p != default]
    if default is not None:
        found.insert(0, default)
    if len(found) == 1:
        if found[0] != default:
            print(f"没有找到 {written}，计算旁边唯一的工作簿 {found[0].name}")
        return found[0]
    if not found:
        print(f"[错误] 没有找到工作簿：{folder} 里没有 .xlsm 或 .xlsx 文件。"
              f"请把工作簿（ecomdept excel init 写出的是 {written}）和本文件放在同一个文件夹里。")
        return None
    print(f"{folder} 里有 {len(found)} 个工作簿：")
    for number, path in enumerate(found, start=1):
        print(f"  {number}. {path.name}" + ("（excel init 写出的）" if path == default else ""))
    prompt = "计算哪一个？请输入编号" + ("，直接回车为 1" if default is not None else "") + "："
    try:
        answer = ask(prompt).strip()
    except EOFError:  # nobody to ask
        answer = ""
    if not answer and default is not None:
        return default
    if answer.isdigit() and 1 <= int(answer) <= len(found):
        return found[int(answer) - 1]
    print(f"[错误] 没有选择工作簿（输入的是「{answer}」）。请重新双击本文件，输入 1–{len(found)} 中的一个编号。")
    return None


def explain(code: int, outcome, out: Path, month: str) -> None:
    """The last line: done, or what failed and what to do."""
    if code == EXIT_OK:
        print(f"\n完成：{month} 的工资表、工资条与报告在 {outcome.month_dir}")
        return
    if outcome is not None and outcome.code == EXIT_DATA and outcome.month_dir is not None:
        print(f"\n没有生成 PDF 工资条：本机没有可用的中文字体（办法见上面的提示）。"
              f"工资表、HTML 工资条和报告已写入 {outcome.month_dir}")
        return
    problems = out / f"数据问题_{month}.xlsx"
    if outcome is not None and outcome.code == EXIT_DATA and problems.is_file():
        print(f"\n数据有问题，没有算完：要改的地方列在 {problems}（每行给出工作表、行、列和原因）。"
              "在工作簿里改好、保存后，再双击本文件。")
        return
    print("\n没有算完：原因见上面的提示；处理后再双击本文件。")


def main(argv: list[str] | None = None, ask=input) -> int:
    from ecomdept import cli
    from ecomdept.inputs.workbook_io import WorkbookReadError

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("用法：python -m ecomdept.excel.launcher 文件夹 工作簿名", file=sys.stderr)
        return EXIT_USAGE
    folder, written = Path(args[0]).resolve(), args[1]
    book = pick(folder, written, ask)
    if book is None:
        return EXIT_USAGE
    out = folder / OUTPUT_FOLDER
    print(f"计算 {book.name} 的工资，结果写入 {out}")
    try:
        month = cli._workbook_month(book)
    except (WorkbookReadError, ValueError) as exc:
        print(f"[错误] 无法读取工作簿 {book.name}：{exc}")
        explain(EXIT_DATA, None, out, "")
        return EXIT_DATA
    report: dict = {}
    code = cli._payroll(book, month, str(out), True, None, report=report)
    explain(code, report.get("outcome"), out, month)
    return code


if __name__ == "__main__":
    sys.exit(main())
