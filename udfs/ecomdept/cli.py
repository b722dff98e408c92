"""Command line: ecomdept demo | sample | payroll | check | import | send | kpi | diff | excel init.
Exit codes: 0 ok, 1 data problems, 2 usage."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from ecomdept.core.exitcodes import EXIT_DATA, EXIT_OK, EXIT_USAGE
from ecomdept.core.runlock import BadOutput, RunRefused, refuse_outputs_over_input, ticket


FONT_HELP = "PDF 工资条用的中文字体文件（.ttf/.ttc/.otf；默认取环境变量 ECOMDEPT_FONT，再找本机的中文字体）"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors → exit 2 with one Chinese message
        self.print_usage(sys.stderr)
        print(f"{self.prog}：参数错误：{message}（{self.prog} -h 查看帮助）", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)

    def parse_known_args(self, args=None, namespace=None):
        """An option this command does not have is named first — with the nearest one it has — before
        argparse would complain of a required option 「missing」 that was only misspelt."""
        unknown = _misspelt_option(self, sys.argv[1:] if args is None else list(args))
        if unknown:
            self.error(unknown)
        return super().parse_known_args(args, namespace)


def _misspelt_option(parser: argparse.ArgumentParser, args: list[str]) -> str | None:
    import difflib
    import re

    known = [o for action in parser._actions for o in action.option_strings]
    commands = any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)
    for token in args:
        if token == "--" or (commands and not token.startswith("-")):
            break  # the rest belongs to the command named here (its own parser checks it)
        if not re.match(r"--?[A-Za-z]", token):
            continue
        name = token.split("=", 1)[0]
        if name in known or (name.startswith("--") and any(o.startswith(name) for o in known)):
            continue  # an option, or the unambiguous start of one (argparse accepts those)
        near = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        return f"不认识的选项 {name}" + (f"，您是不是要 {near[0]}？" if near else "")
    return None


def _month(text: str) -> str:
    """--month as YYYY-MM exactly: 2026/10 or 2026-1 are refused, not guessed."""
    import re

    from ecomdept.core.calendar import parse_month
    if not re.fullmatch(r"\d{4}-\d{2}", text):
        raise argparse.ArgumentTypeError(f"月份应写作 YYYY-MM，如 2026-10（收到「{text}」）")
    try:
        year, month = parse_month(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return f"{year:04d}-{month:02d}"


def _run_name(text: str) -> str:
    """A month (YYYY-MM), or one of its kept versions (YYYY-MM.v1)."""
    import re

    found = re.fullmatch(r"\s*(.+?)\.v(\d+)\s*", text)
    if found:
        return f"{_month(found.group(1))}.v{int(found.group(2))}"
    return _month(text)


def _months(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为 1–12 的整数：{text!r}") from None
    if not 1 <= value <= 12:
        raise argparse.ArgumentTypeError(f"应为 1–12 的整数：{text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from ecomdept.cli_text import install
    from ecomdept.run.sample import DEFAULT_EMPLOYEES, DEFAULT_MONTH, DEFAULT_SEED

    install()
    parser = _Parser(prog="ecomdept", description="电商部考勤、罚款、工资与工资条")
    parser.add_argument("--version", action="version", version=f"ecomdept {__version__}", help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("demo", help="生成示例主工作簿并计算其月份的工资")
    p.add_argument("--out", default="out", help="输出目录（默认 out）")
    p.add_argument("--months", type=_months, default=1,
                   help=f"示例的月数（默认 1，即 {DEFAULT_MONTH}）；2 = 前一个月与 {DEFAULT_MONTH} 依次计算，"
                        "之后可以用 ecomdept diff 比较")
    p.add_argument("--no-pdf", action="store_true", help="不生成 PDF 工资条")
    p.add_argument("--font", help=FONT_HELP)

    p = sub.add_parser("sample", help="生成带种子的示例主工作簿")
    p.add_argument("--employees", type=int, default=DEFAULT_EMPLOYEES, help="员工人数")
    p.add_argument("--month", type=_month, default=DEFAULT_MONTH, help="月份 YYYY-MM（有 --months 时为第一个月）")
    p.add_argument("--months", type=_months, default=1, help="连续几个月的打卡、请假与订单（默认 1）")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子")
    p.add_argument("--orders-per-employee", type=int, default=100, help="每名员工对应的订单数")
    p.add_argument("-o", "--output", required=True, help="输出 .xlsx 路径")
    p.add_argument("--force", action="store_true", help="目标文件已存在时先备份再覆盖")

    p = sub.add_parser("payroll", help="计算一个月的考勤、罚款与工资，写出工资表、工资条与报告")
    p.add_argument("--month", type=_month, help="月份 YYYY-MM（省略时取工作簿「说明」表的 计算月份，没有则取打卡所在的月份）")
    p.add_argument("--workbook", required=True, help="主工作簿路径（只读）")
    p.add_argument("--out", default="out", help="输出目录（默认 out），结果写入 OUT/YYYY-MM/")
    p.add_argument("--no-pdf", action="store_true", help="不生成 PDF 工资条")
    p.add_argument("--templates", help="自定义模板目录（默认 templates/）")
    p.add_argument("--font", help=FONT_HELP)
    p.add_argument("--reopen", action="store_true",
                   help="重新计算已审批（已锁定）的月份：生成新版本，已审批的版本原样保留，新版本须重新审批")
    p.add_argument("--reason", help="--reopen 的原因（必填，记入 run.json 与运行信息）")

    p = sub.add_parser("check", help="只校验主工作簿，列出数据问题")
    p.add_argument("--workbook", required=True, help="主工作簿路径")

    p = sub.add_parser("import", help="把考勤机或店铺导出转换为可粘贴进主工作簿的行")
    kinds = p.add_subparsers(dest="kind", required=True, parser_class=_Parser)

    def import_format(*names):
        def check(text):
            if text not in names:
                raise argparse.ArgumentTypeError(f"未知的格式 {text!r}，可选：{'、'.join(names)}")
            return text
        return check
    force_help = "OUT.xlsx 或 OUT.rejects.csv 已存在时覆盖；原文件先备份为 .bak（已有时依次 .bak.1、.bak.2……，不覆盖任何备份）"
    q = kinds.add_parser("punches", help="打卡：ZKTeco attlog / ZKTeco 考勤记录表 .xls / 钉钉原始记录")
    q.add_argument("--format", type=import_format("zkteco", "zkteco-xls", "dingtalk"), metavar="zkteco|zkteco-xls|dingtalk",
                   help="导出的种类（省略时按文件内容识别；与文件内容不符时拒绝并说明它像哪一种）")
    q.add_argument("files", nargs="+", help="导出文件")
    q.add_argument("-o", "--output", required=True, help="输出 .xlsx（只含 打卡 表），旁边写 OUT.rejects.csv")
    q.add_argument("--workbook", help="主工作簿：按花名册的 考勤号 填入 工号")
    q.add_argument("--force", action="store_true", help=force_help)
    q = kinds.add_parser("orders", help="订单：天猫订单报表 / Olist 多文件")
    q.add_argument("--format", type=import_format("tmall", "olist"), metavar="tmall|olist",
                   help="导出的种类（省略时按文件内容识别）")
    q.add_argument("files", nargs="+", help="导出文件（Olist：订单、明细、支付、评价、客户等 CSV）")
    q.add_argument("-o", "--output", required=True, help="输出 .xlsx（只含 订单 表），旁边写 OUT.rejects.csv")
    q.add_argument("--force", action="store_true", help=force_help)

    p = sub.add_parser("diff", help="比较两个月的工资结果：每人哪些项目变了、为什么")
    p.add_argument("--out", default="out", help="payroll 的输出目录")
    p.add_argument("before", type=_run_name, help="较早的月份 YYYY-MM，或某月的旧版本 YYYY-MM.vN")
    p.add_argument("after", type=_run_name, help="较晚的月份 YYYY-MM，或某月的旧版本 YYYY-MM.vN")

    p = sub.add_parser("approve", help="审批一个月的工资结果（审核、批准），批准后才能发送工资条和发放；已审批的月份锁定")
    p.add_argument("--month", type=_month, required=True, help="月份 YYYY-MM（审批 OUT/YYYY-MM/ 的当前版本）")
    p.add_argument("--role", choices=("审核", "批准"), help="审批角色：审核 或 批准（省略时只显示审批状态）")
    p.add_argument("--by", help="审批人姓名")
    p.add_argument("--out", default="out", help="payroll 的输出目录（默认 out）")

    p = sub.add_parser("send", help="把每人自己的工资条（加密 PDF）发到花名册的邮箱，记入 发放记录，不重复发送")
    p.add_argument("--month", type=_month, required=True, help="月份 YYYY-MM（发送 OUT/YYYY-MM/ 的当前结果）")
    p.add_argument("--out", default="out", help="payroll 的输出目录（默认 out）")
    p.add_argument("--dry-run", action="store_true", help="只列出将发给谁、哪个文件，不连接服务器、不发送")
    p.add_argument("--only", nargs="+", metavar="工号", help="只发这些人")
    p.add_argument("--resend", nargs="+", metavar="工号", help="再次发送这些人（已发送过也发）")
    p.add_argument("--retry-failed", action="store_true", help="以前被服务器拒收（5xx）的也再发一次（邮箱没改时默认不重试）")
    p.add_argument("--workbook", help="读取 邮箱 与 发送设置 的主工作簿（默认 run.json 记录的那个）")
    p.add_argument("--config", help="发送设置的 TOML 配置文件（覆盖规则表的 send.* 行；不能含密码）")
    p.add_argument("--unencrypted", action="store_true", help="规则 pdf_password = none 时仍然发送（不推荐）")
    p.add_argument("--save-password", action="store_true",
                   help="输入 SMTP 密码并存入系统钥匙串（Windows 凭据管理器 / macOS 钥匙串），之后发送时自动读取")

    p = sub.add_parser("kpi", help="计算一个月的 KPI，写出 DIR/kpi.csv")
    p.add_argument("--month", type=_month, required=True, help="月份 YYYY-MM")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--workbook", help="主工作簿")
    source.add_argument("--orders", help="import orders 写出的 .xlsx")
    p.add_argument("--out", required=True, help="输出目录")

    p = sub.add_parser("excel", help="Excel 主工作簿（带按钮与 xlwings）")
    actions = p.add_subparsers(dest="action", required=True, parser_class=_Parser)
    q = actions.add_parser("init", help="写出自己的主工作簿 .xlsm（xlwings.conf 指向本机的 Python），"
                                        "旁边附 计算工资.cmd / 计算工资.command（WPS 或没有 Excel 时双击计算）")
    q.add_argument("-o", "--output", required=True, help="输出 .xlsm 路径，如 我的工资.xlsm")
    q.add_argument("--force", action="store_true", help="目标文件已存在时先备份再覆盖")
    return parser


def _shell_word(text: str) -> str:
    return f'"{text}"' if any(ch.isspace() for ch in text) else text


def _next_steps(workbook: Path, out: Path, months: list[str]) -> None:
    """After the demo: where things are and the commands to go on with — this install's own, each
    runnable as printed, in the order printed."""
    import os

    bin_dir = Path(sys.executable).parent
    try:
        shown = Path(os.path.relpath(bin_dir))
    except ValueError:  # another drive (Windows)
        shown = bin_dir
    command = _shell_word(str(shown / "ecomdept"))
    month = months[-1]
    book, folder = _shell_word(str(workbook)), _shell_word(str(out))
    print("\n下一步：")
    print(f"  工资条：{out / month / 'payslips'}    报告：{out / month / 'report.html'}    "
          f"工资表：{out / month / f'工资表_{month}.xlsx'}")
    print(f"  改了示例工作簿后重算：{command} payroll --workbook {book} --month {month} --out {folder}")
    if len(months) > 1:
        print(f"  比较两个月（每人哪些项目变了、为什么）：{command} diff --out {folder} {months[-2]} {month}")
    else:
        print(f"  两个月的示例（之后可用 diff 比较）：{command} demo --months 2 --out {folder}")
    print(f"  用自己的工作簿：先写出带按钮的工作簿 {command} excel init -o 我的工资.xlsm，"
          f"填好数据后 {command} payroll --workbook 我的工资.xlsm --out 我的工资输出")
    print(f"  （命令在 {shown} 里；也可以先激活环境：source {shown / 'activate'}，"
          f"之后直接输入 ecomdept）")


def _missing(workbook: str | Path | None) -> bool:
    """A workbook path that is not a file is a usage error: one message, exit 2."""
    if workbook is None:
        return False
    path = Path(workbook)
    if path.is_file():
        return False
    what = "是文件夹，不是工作簿" if path.is_dir() else "不存在"
    print(f"参数错误：工作簿 {path} {what}：请检查 --workbook 的路径", file=sys.stderr)
    return True


def _payroll(workbook: Path, month: str, out: str, pdf: bool, templates: str | None,
             font: str | None = None, reopen: bool = False, reason: str | None = None,
             report: dict | None = None) -> int:
    """``ecomdept payroll``; ``report`` (the double-click launchers) gets the run's outcome."""
    if _missing(workbook):
        return EXIT_USAGE
    from ecomdept.close import versions

    if reason is not None and not reopen:
        print("参数错误：--reason 只和 --reopen 一起用（写明重新打开已审批月份的原因）", file=sys.stderr)
        return EXIT_USAGE
    try:
        reopened = versions.reopen_reason(reason if reason is not None else ("" if reopen else None))
    except ValueError as exc:
        print(f"参数错误：{exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        refuse_outputs_over_input(Path(workbook), Path(out), month)
        with ticket(Path(out), month):  # in the month queue before the engine is even imported
            from ecomdept.run.pipeline import print_issues, run_payroll

            outcome = run_payroll(workbook, month, out, pdf=pdf, templates=templates, font=font, reopen=reopened)
            if report is not None:
                report["outcome"] = outcome
    except BadOutput as exc:
        print(f"参数错误：{exc}", file=sys.stderr)
        return EXIT_USAGE
    except RunRefused as exc:
        print(f"拒绝运行：{exc}", file=sys.stderr)
        return EXIT_DATA
    print_issues(outcome.issues)
    if outcome.code != EXIT_OK:
        if outcome.message not in {i.message for i in outcome.issues}:  # said once
            print(outcome.message, file=sys.stderr)
        return outcome.code
    totals = outcome.info["totals"]
    print(f"{month}：{len(outcome.result.pays)} 人，应发 {totals['gross_pay']} 元，实发 {totals['net_pay']} 元，"
          f"个税 {totals['iit']} 元")
    print(f"结果已写入 {outcome.month_dir}（工资表、payroll.csv、run.json、工资条、report.html）")
    version = outcome.info.get("version", 1)
    if outcome.previous:
        print(f"这是 {month} 的第 {version} 版；上一版原样保留在 {outcome.previous}")
    if reopened is not None and outcome.previous:
        print(f"已重新打开（原因：{reopened.reason}）。与上一版比较：ecomdept diff --out {out} {outcome.previous.name} {month}")
    from ecomdept.close import approval

    found = approval.status(outcome.month_dir, outcome.info)
    if found.required:
        print(f"审批：{found.describe()}。审核、批准后才能发送工资条和发放："
              + "；".join(f"ecomdept approve --month {month} --role {role} --by 姓名 --out {out}"
                         for role in found.missing))
    if outcome.stale:
        print(f"注意：{'、'.join(outcome.stale)} 的结果用了被替换前的 {month} 结果计算本年累计个税，已过期；"
              f"请按月份顺序重新计算：" + "、".join(f"ecomdept payroll --month {m} …" for m in outcome.stale),
              file=sys.stderr)
    return EXIT_OK


def _approve(args) -> int:
    """ecomdept approve: record an approval (or, without --role, show the month's approval status)."""
    from ecomdept.close import approval
    from ecomdept.close.versions import version_of

    out = Path(args.out)
    run_dir = out / args.month
    if not (run_dir / "run.json").exists():
        print(f"[错误] {out} 里没有 {args.month} 的运行结果：先运行 ecomdept payroll --month {args.month} --out {out}",
              file=sys.stderr)
        return EXIT_DATA
    if args.role is None:
        if args.by:
            print("参数错误：--by 要和 --role 一起用", file=sys.stderr)
            return EXIT_USAGE
        try:
            print(f"{args.month} 第 {version_of(run_dir)} 版：{approval.status(run_dir).describe()}")
        except approval.ApprovalRefused as exc:
            print(f"[错误] {exc}", file=sys.stderr)
            return EXIT_DATA
        return EXIT_OK
    if not args.by:
        print("参数错误：--role 须同时用 --by 写明审批人姓名", file=sys.stderr)
        return EXIT_USAGE
    try:
        found = approval.record(out, args.month, args.role, args.by)
    except approval.ApprovalRefused as exc:
        print(f"[错误] {exc}", file=sys.stderr)
        return EXIT_DATA
    except RunRefused as exc:
        print(f"拒绝审批：{exc}", file=sys.stderr)
        return EXIT_DATA
    print(f"{args.month} 第 {version_of(run_dir)} 版：{args.by} {args.role}，已记入 {run_dir / approval.FILE} 与"
          f" 工资表_{args.month}.xlsx 的签字栏")
    print(f"状态：{found.describe()}；本月已锁定，重新计算须 --reopen --reason 「原因」")
    return EXIT_OK


def _refused(targets: list[Path], force: bool) -> bool:
    """Existing targets are only replaced with --force (and then backed up first, see ``_back_up``)."""
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        print(f"目标文件已存在：{'、'.join(map(str, existing))}。加 --force 先备份再覆盖。", file=sys.stderr)
        return True
    return False


def _back_up(targets: list[Path]) -> None:
    from ecomdept.core.backups import back_up

    for target in targets:
        backup = back_up(target)
        if backup:
            print(f"原文件已备份为 {backup}")


def _write_demo_workbook(write, workbook: Path) -> None:
    """The demo's sample workbook, written anew; a different earlier copy is kept as a backup."""
    import os

    from ecomdept.core import scratch

    with scratch.ScratchFolder(workbook.parent / f".{workbook.name}.tmp-{os.getpid()}") as folder:
        fresh = write(folder / workbook.name)
        if workbook.exists() and workbook.read_bytes() != fresh.read_bytes():
            from ecomdept.core.backups import back_up

            print(f"原示例工作簿与新生成的不同，已备份为 {back_up(workbook).name}")
        scratch.commit(fresh, workbook)
        folder.rmdir()


def _sample(args) -> int:
    from ecomdept.run.sample import write

    target = Path(args.output)
    if args.employees < 1:
        print("参数错误：--employees 至少为 1", file=sys.stderr)
        return EXIT_USAGE
    if target.is_dir():
        print(f"参数错误：-o 应为工作簿文件的路径，{target} 是文件夹", file=sys.stderr)
        return EXIT_USAGE
    if _refused([target], args.force):
        return EXIT_USAGE
    _back_up([target])
    write(target, args.employees, args.month, args.seed, args.orders_per_employee, args.months)
    span = args.month if args.months == 1 else f"{args.month} 起 {args.months} 个月"
    print(f"示例主工作簿已写入 {target}（{args.employees} 人，{span}，种子 {args.seed}）")
    return EXIT_OK


def _excel_init(args) -> int:
    from ecomdept.excel import master
    from ecomdept.excel.vba_project import VbaProjectError

    book = Path(args.output)
    if book.is_dir():
        print(f"参数错误：-o 应为 .xlsm 文件的路径，{book} 是文件夹", file=sys.stderr)
        return EXIT_USAGE
    if book.suffix.lower() != ".xlsm":
        print(f"参数错误：带按钮的工作簿须以 .xlsm 结尾：{book}", file=sys.stderr)
        return EXIT_USAGE
    targets = [book, *master.launcher_paths(book)]
    if _refused(targets, args.force):
        return EXIT_USAGE
    try:
        python = master.interpreter()
        pythonpath = master.pythonpath_for(python)
        master.vba_project_bytes()  # xlwings and the package's VBA sources are there, before the slow part
        udfs, why_stored = master.udf_wrappers(book.name)
        files = master.user_copy(book, python, pythonpath, udfs)
    except VbaProjectError as exc:
        print(f"[错误] {exc}", file=sys.stderr)
        return EXIT_DATA
    _back_up(targets)
    master.write_files(files)
    if why_stored:
        print(f"[提示] {why_stored}；ED_ 函数的 VBA 模块用了安装包里的版本", file=sys.stderr)
    print(f"主工作簿已写入 {book}：xlwings.conf 的解释器为 {python}，"
          + (f"PYTHONPATH 为 {pythonpath}" if pythonpath else "ecomdept 已安装在该解释器中（不设 PYTHONPATH）"))
    print(f"WPS 或没有 Excel 时：保存工作簿后双击旁边的 {master.WINDOWS_LAUNCHER}（Windows）或 "
          f"{master.MAC_LAUNCHER}（macOS），结果在旁边的 {master.OUTPUT_FOLDER} 文件夹")
    return EXIT_OK


def _workbook_month(workbook: Path, punches=None) -> str:
    """--month omitted: the 计算月份 on the workbook's 说明 sheet, as the buttons use it; else the month
    the punches are in; else (no punches at all) last month. Says which and why."""
    month, why = workbook_month(workbook, punches)
    print(f"月份 {month}：{why}")
    return month


def workbook_month(workbook: Path, punches=None) -> tuple[str, str]:
    """(month, why) — the month a run without --month computes (``punches``: the 打卡 frame, if read)."""
    import datetime as dt

    from ecomdept.excel.workbook import last_month, readme_month
    from ecomdept.inputs.schema import PUNCHES, README_SHEET
    from ecomdept.inputs.workbook_io import CalamineSource, read_sheet, sheet_rows
    from ecomdept.run.period import punch_month

    source = CalamineSource(workbook)
    month = readme_month(source.rows(README_SHEET)) if README_SHEET in source.sheet_names() else None
    if month:
        return month, f"取自工作簿「{README_SHEET}」表的 计算月份"
    if punches is None:
        rows, _ = sheet_rows(source, {PUNCHES.id})
        punches = read_sheet(PUNCHES, rows.get(PUNCHES.id), []) if PUNCHES.id in rows else None
    found = punch_month(punches["punched_at"], dt.date.today()) if punches is not None and len(punches) else None
    if found:
        month, why = found
        return month, f"工作簿「{README_SHEET}」表没有 计算月份，{why}（另一个月请用 --month YYYY-MM）"
    return last_month(), f"工作簿「{README_SHEET}」表没有 计算月份，打卡表也没有打卡，按上个月计算"


def _statutory_notices(book, workbook: Path) -> tuple[str, list]:
    """The notices about the statutory data a run of the workbook's month would compute with (the
    same ones ``payroll`` prints), for ``check``: (month, issues not already found)."""
    import datetime as dt

    from ecomdept.core.calendar import month_dates
    from ecomdept.core.statutory import StatutoryDataError, city_table
    from ecomdept.inputs.workbook_io import employees_on_payroll
    from ecomdept.pay.social_insurance import city_checks, roster_cities

    month, _ = workbook_month(workbook, book.frames.get("punches"))
    year, mon = (int(p) for p in month.split("-"))
    days = month_dates(year, mon)
    staff = employees_on_payroll(book.frames["employees"], days[0], days[-1])
    try:
        city = city_table(book.rules.city, dt.date(year, mon, 1))
    except (StatutoryDataError, FileNotFoundError):
        return month, []  # an unknown 规则 city is the rules check's to report
    by_emp, found = roster_cities(staff, city, dt.date(year, mon, 1))
    found += city_checks(city, by_emp, staff, book.rules, dt.date(year, mon, 1))
    return month, [i for i in found if i not in book.issues]


def _check(workbook: str) -> int:
    if _missing(workbook):
        return EXIT_USAGE
    from ecomdept.core.issues import has_blocking
    from ecomdept.run.pipeline import print_issues
    from ecomdept.inputs.workbook_io import WorkbookReadError, load_path

    try:
        book = load_path(workbook)
    except WorkbookReadError as exc:
        print(f"[错误] {exc}", file=sys.stderr)
        return EXIT_DATA
    month, notices = _statutory_notices(book, Path(workbook))
    issues = book.issues + notices
    print_issues(issues, sys.stdout)
    counts = "，".join(f"{name} {n} 行" for name, n in book.counts.items())
    blocking = sum(i.blocking for i in issues)
    print(f"已读取：{counts}。错误 {blocking} 个，警告 {len(issues) - blocking} 个（法定数据按 {month} 核对）。")
    return EXIT_DATA if has_blocking(issues) else EXIT_OK


def _roster_clock_ids(workbook: str) -> dict[str, str]:
    from ecomdept.inputs.schema import EMPLOYEES
    from ecomdept.inputs.workbook_io import CalamineSource, read_sheet, sheet_rows

    rows, _ = sheet_rows(CalamineSource(workbook), {EMPLOYEES.id})
    if EMPLOYEES.id not in rows:
        raise ValueError(f"{workbook} 没有「员工」表")
    frame = read_sheet(EMPLOYEES, rows[EMPLOYEES.id], [])
    return {c: e for c, e in zip(frame["clock_id"], frame["employee_id"]) if c}


def _import(args) -> int:
    """import punches|orders: the output is checked first (exit 2: an input, or an existing file
    without --force), then the files are read (exit 1: a file that is missing, unreadable, binary,
    empty, another export or holds nothing usable), then OUT.xlsx and OUT.rejects.csv are written."""
    from ecomdept.inputs.importing import ImportFileError, OutputRefused, plan_output, write

    out = Path(args.output)
    files = [Path(f) for f in args.files]
    what = "打卡" if args.kind == "punches" else "订单"
    workbook = Path(args.workbook) if getattr(args, "workbook", None) else None
    try:
        plan_output(out, files + ([workbook] if workbook else []), args.force)  # before anything is read
        if args.kind == "punches":
            from ecomdept.inputs.punch_import import import_punches

            roster = None
            if workbook:
                try:
                    roster = _roster_clock_ids(str(workbook))
                except Exception as exc:  # noqa: BLE001 — any unreadable workbook: one message
                    raise ImportFileError(f"无法从主工作簿 {workbook} 读取花名册：{exc}") from None
            result = import_punches(args.format, files, roster)
        else:
            from ecomdept.inputs.order_import import import_orders

            result = import_orders(args.format, files)
        if result.unusable:
            raise ImportFileError("\n".join(result.unusable) + f"\n{what}导入未写出任何文件：上面的文件里没有可用的{what}记录")
        rejects, backups = write(result, out, force=args.force)
    except Exception as exc:  # noqa: BLE001 — every failure ends in one Chinese message, never a traceback
        if isinstance(exc, OutputRefused):
            code, message = EXIT_USAGE, str(exc)
        elif isinstance(exc, ImportFileError):
            code, message = EXIT_DATA, str(exc)
        elif isinstance(exc, OSError):
            code = EXIT_USAGE if isinstance(exc, PermissionError) else EXIT_DATA
            message = f"无法写入 {exc.filename or out}：{'没有写入权限' if code == EXIT_USAGE else exc.strerror or exc}"
        else:
            code, message = EXIT_DATA, f"{what}导入失败（{type(exc).__name__}：{exc}），未写出任何文件"
        import unicodedata  # what came from a file is shown, never run by the terminal (escapes, bidi marks)

        shown = "".join(ch if ch == "\n" or unicodedata.category(ch)[0] != "C" else ascii(ch)[1:-1] for ch in message)
        print(f"[错误] {shown}", file=sys.stderr)
        return code
    for backup in backups:
        print(f"原文件已备份为 {backup}")
    print(result.summary(what, rejects))
    return EXIT_OK


def _kpi(args) -> int:
    if _missing(args.workbook or args.orders):
        return EXIT_USAGE
    from ecomdept.sales import kpi
    from ecomdept.run.pipeline import print_issues
    from ecomdept.core.calendar import parse_month
    from ecomdept.core.issues import has_blocking
    from ecomdept.inputs.workbook_io import ALL_SHEETS, ORDER_SHEETS, WorkbookReadError, load_path

    year, month = parse_month(args.month)
    try:
        book = load_path(args.workbook or args.orders, ALL_SHEETS if args.workbook else ORDER_SHEETS)
    except WorkbookReadError as exc:
        print(f"[错误] {exc}", file=sys.stderr)
        return EXIT_DATA
    print_issues(book.issues)
    if has_blocking(book.issues):
        return EXIT_DATA
    employees = book.frames["employees"] if args.workbook else None
    table = kpi.compute(book.frames["orders"], year, month, book.rules.ship_sla_hours, book.frames["ads"], employees)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    kpi.write_csv(table, out / "kpi.csv")
    dept = dict(zip(table.loc[table.scope == "department", "metric"], table.loc[table.scope == "department", "value"]))
    print(f"{args.month}：下单 {int(dept['orders_created']):,}，付款 {int(dept['orders_paid']):,}，净销售额 "
          f"{kpi.show('net_sales', dept['net_sales'])} 元；{len(table)} 行写入 {out / 'kpi.csv'}")
    return EXIT_OK


def _send(args) -> int:
    from ecomdept.delivery import command, sending
    from ecomdept.delivery.recipients import UNENCRYPTED, SendRefused, counts_line, describe
    from ecomdept.delivery.settings import SettingsError, password, save_password

    out = Path(args.out)
    if not out.is_dir():
        print(f"参数错误：输出目录 {out} 不存在或不是文件夹：--out 应为 payroll 的输出目录", file=sys.stderr)
        return EXIT_USAGE
    if args.save_password:
        try:
            return _save_password(command.settings_for(out, args.month, args.workbook, args.config), save_password)
        except (SendRefused, SettingsError) as exc:
            print(f"[错误] {exc}", file=sys.stderr)
            return EXIT_DATA
    try:
        with command.send_lock(out, args.month):
            prepared = command.prepare(out, args.month, args.workbook, args.config, args.only, args.resend,
                                       args.unencrypted or args.dry_run, args.retry_failed, dry_run=args.dry_run)
            plan = prepared.plan
            if plan.unknown:
                print(f"参数错误：{'、'.join(plan.unknown)} 不在 {args.month} 的工资条中（--only / --resend 写的是工号），"
                      "没有发送任何邮件", file=sys.stderr)
                return EXIT_USAGE
            lines = describe(plan, dry_run=args.dry_run)
            if args.dry_run:
                print("\n".join(lines + [counts_line(plan), "（--dry-run：没有连接服务器，没有发送任何邮件）"]))
                if prepared.release_problem:
                    print(f"注意：{prepared.release_problem}", file=sys.stderr)
                if not prepared.encrypted and not args.unencrypted:
                    print(f"注意：{UNENCRYPTED}", file=sys.stderr)
                if prepared.settings_problem:
                    print(f"注意：{prepared.settings_problem}", file=sys.stderr)
                elif prepared.settings:
                    print(f"发送时使用 {prepared.settings.describe()}，每分钟最多 {prepared.settings.rate_per_minute} 封")
                    try:
                        password(prepared.settings)
                    except SettingsError as exc:
                        print(f"注意：{exc}", file=sys.stderr)
                return EXIT_OK
            if prepared.settings is None:
                print(f"[错误] {prepared.settings_problem}", file=sys.stderr)
                return EXIT_DATA
            for line in lines:
                if not line.startswith("待发送"):
                    print(line)
            secret = password(prepared.settings) if plan.to_send else None
            if plan.to_send:
                print(f"发送 {len(plan.to_send)} 份 {args.month} 工资条：{prepared.settings.describe()}")
            from ecomdept.run.pipeline import progress_bar

            summary = sending.send(plan, prepared.settings, secret, prepared.ledger, prepared.encrypted,
                                   progress=progress_bar(sys.stderr.isatty()))
    except (SendRefused, SettingsError) as exc:
        print(f"[错误] {exc}", file=sys.stderr)
        return EXIT_DATA
    for line in sending.summary_lines(plan, summary):
        print(line, file=sys.stdout if line.startswith(args.month) else sys.stderr)
    print(f"发放记录：{prepared.ledger.path}（Excel 可打开 {prepared.ledger.path.with_suffix('.csv').name}）")
    if summary.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if summary.ok and not plan.refused else EXIT_DATA


def _save_password(settings, save) -> int:
    import getpass

    if settings.user is None:
        print("send.user 为 -：服务器不需要登录，不用保存密码")
        return EXIT_OK
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # getpass's English warning where input cannot be hidden
        secret = getpass.getpass(f"{settings.user} 在 {settings.host} 的 SMTP 密码（授权码）：")
    if not secret:
        print("没有输入密码，未保存", file=sys.stderr)
        return EXIT_USAGE
    print(f"密码已存入{save(settings, secret)}")
    return EXIT_OK


EXIT_INTERRUPTED = 130


def console() -> int:
    """The ``ecomdept`` command: ``main``, then out with its exit code. A Ctrl-C that arrives while
    the interpreter shuts down (or a helper thread still winds down) cannot turn 0 or 130 into a
    death by signal: the outputs are flushed and the process ends right here."""
    import os
    import signal

    code = main()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fonts = sys.modules.get("ecomdept.outputs.fonts")
    if fonts is not None:  # os._exit runs no atexit handler: the private font folder goes here
        fonts.release()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    """Every command ends in a Chinese message and an exit code, never a traceback."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("\n已中断：本次没有写出结果（临时文件已清理），可以重新运行", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        print(f"[错误] {_os_message(exc)}", file=sys.stderr)
        return EXIT_DATA
    except RuntimeError as exc:
        print(f"[错误] {exc}", file=sys.stderr)
        return EXIT_DATA


def _os_message(exc: OSError) -> str:
    import errno

    where = f"：{exc.filename}" if getattr(exc, "filename", None) else ""
    reasons = {errno.ENOSPC: "磁盘空间不足", errno.EACCES: "没有权限", errno.EPERM: "没有权限",
               errno.ENOENT: "找不到文件或文件夹", errno.EROFS: "磁盘只读", errno.ENAMETOOLONG: "路径太长",
               errno.EISDIR: "这是文件夹，不是文件", errno.ENOTDIR: "路径中有一段不是文件夹",
               errno.EEXIST: "文件已存在"}
    reason = reasons.get(exc.errno, f"系统错误（{exc.strerror or type(exc).__name__}）")
    return f"读写文件失败，{reason}{where}；没有写出不完整的结果"


def _main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        from functools import partial

        from ecomdept.run.sample import DEFAULT_MONTH, months_ending, write

        months = months_ending(DEFAULT_MONTH, args.months)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        workbook = out / "sample_master.xlsx"
        _write_demo_workbook(partial(write, month=months[0], months=len(months)), workbook)
        print(f"示例主工作簿：{workbook}" + (f"（{'、'.join(months)}）" if len(months) > 1 else ""))
        for month in months:  # in order: each month's year-to-date tax continues the one before
            code = _payroll(workbook, month, args.out, not args.no_pdf, None, args.font)
            if code != EXIT_OK:
                break
        if code in (EXIT_OK, EXIT_DATA):
            _next_steps(workbook, out, months)
        return code
    if args.command == "sample":
        return _sample(args)
    if args.command == "payroll":
        if _missing(args.workbook):
            return EXIT_USAGE
        month = args.month
        if month is None:
            from ecomdept.inputs.workbook_io import WorkbookReadError
            try:
                month = _workbook_month(Path(args.workbook))
            except WorkbookReadError as exc:  # the file itself: the month is not the problem
                print(f"[错误] {exc}", file=sys.stderr)
                return EXIT_DATA
            except ValueError as exc:
                print(f"[错误] 无法确定月份：{exc}。请用 --month YYYY-MM 指定", file=sys.stderr)
                return EXIT_DATA
        return _payroll(Path(args.workbook), month, args.out, not args.no_pdf, args.templates, args.font,
                        args.reopen, args.reason)
    if args.command == "approve":
        return _approve(args)
    if args.command == "check":
        return _check(args.workbook)
    if args.command == "import":
        return _import(args)
    if args.command == "kpi":
        return _kpi(args)
    if args.command == "excel":
        return _excel_init(args)
    if args.command == "send":
        return _send(args)
    if args.command == "diff":
        from ecomdept.outputs.diff import DiffError, explain
        try:
            lines = explain(Path(args.out), args.before, args.after)
        except DiffError as exc:
            print(f"[错误] {exc}", file=sys.stderr)
            return EXIT_DATA
        print("\n".join(lines) if lines else f"{args.before} 与 {args.after} 没有变化")
        return EXIT_OK
    return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
