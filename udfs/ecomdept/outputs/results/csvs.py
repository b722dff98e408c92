"""考勤明细.csv and 退款流程.csv: every row, for any size (the sheets shorten themselves)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ecomdept.core.calendar import KIND_LABEL
from ecomdept.core.privacy import safe_frame


def write_refunds_csv(result, path: Path) -> None:
    flow = result.refund_flow
    if flow is None or flow.empty:
        return
    out = flow.rename(columns={"refund_id": "退款单号", "order_id": "订单编号", "type": "类型", "state": "状态",
                               "registered_by": "受理客服", "decision_hours": "审批用时(小时)", "check_hours": "验货用时(小时)",
                               "pay_hours": "退款用时(小时)", "total_hours": "总用时(小时)", "out_of_order": "顺序错误步骤",
                               "problems": "问题"})
    safe_frame(out).to_csv(path, index=False, encoding="utf-8-sig", float_format="%.2f")


def write_attendance_csv(result, path: Path) -> None:
    """Every person-day, for any size (the sheet shortens itself past FULL_DETAIL_LIMIT)."""
    d = result.days
    names = dict(zip(result.employees["employee_id"], result.employees["name"]))
    out = pd.DataFrame({
        "工号": d["employee_id"], "姓名": d["employee_id"].map(names), "日期": d["date"].astype(str),
        "日历": d["kind"].map(KIND_LABEL), "首次打卡": d["first_in"].map(_hms), "末次打卡": d["last_out"].map(_hms),
        "打卡次数": d["punches"], "应出勤分钟": d["scheduled_min"], "迟到分钟": d["late_min"],
        "早退分钟": d["early_min"], "状态": d["status"], "原因与条款": d["reason"]})
    safe_frame(out).to_csv(path, index=False, encoding="utf-8-sig")


def _hms(seconds) -> str:
    if seconds is None or seconds != seconds:
        return ""
    seconds = int(seconds)
    day = "次日 " if seconds >= 86400 else ""  # a night shift's punch after midnight
    seconds %= 86400
    return f"{day}{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
