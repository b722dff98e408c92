"""预警: what HR must look at, never applied automatically — approvals, certificates, notice,
extensions (LV-), comp-time balance and overtime limits (OT-), the duty rota (DUTY-01) and
resignations with short notice (HR-03). Dismissal thresholds live with the fines (penalties.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ecomdept.core.calendar import HOLIDAY, WORKDAY, WorkCalendar, month_dates
from ecomdept.inputs.shifts import DAY, Schedule, Shift, overlap
from ecomdept.inputs.rules import Rules

NOBODY = "—"


@dataclass(frozen=True)
class Alert:
    employee_id: str
    kind: str
    clause: str
    message: str


def scheduled_days(start: dt.datetime, end: dt.datetime, calendar: WorkCalendar, shift: Shift,
                   schedule: Schedule | None = None, employee_id: str | None = None) -> int:
    """Workdays on which the interval covers some scheduled time (LV-04: count scheduled days) — of the
    person's own schedule when ``schedule`` is given (a night shift's hours after midnight count for the
    day it started)."""
    night = schedule is not None and schedule.overnight  # remembered by the schedule: cheap per request
    count, day = 0, start.date() - dt.timedelta(days=1 if night else 0)
    while day <= end.date():
        on = schedule.shift_on(employee_id, day, calendar) if schedule is not None else (
            shift if calendar.is_workday(day) else None)
        if on is not None:
            base = dt.datetime.combine(day, dt.time())
            lo = max(0, int((start - base).total_seconds()))
            hi = min(2 * DAY if night else DAY, int((end - base).total_seconds()))
            if overlap(on.intervals, lo, hi) > 0:
                count += 1
        day += dt.timedelta(days=1)
    return count


def leave_alerts(leave: pd.DataFrame, employees: pd.DataFrame, calendar: WorkCalendar, rules: Rules,
                 year: int, month: int, schedule: Schedule | None = None) -> list[Alert]:
    """LV-01/03/04/06/07/09 and OUT-01 for leave that touches the month; days are counted on each
    person's own schedule when ``schedule`` (班次/排班) is given."""
    if leave.empty:
        return []
    first = dt.datetime(year, month, 1)
    last = dt.datetime.combine(month_dates(year, month)[-1], dt.time(23, 59, 59))
    shift = Shift.from_rules(rules)
    staff = {r.employee_id: r for r in employees.itertuples(index=False)}
    by_id = {r.request_id: r for r in leave.itertuples(index=False)}
    alerts: list[Alert] = []
    for rec in leave.itertuples(index=False):
        if rec.end < first or rec.start > last or rec.employee_id not in staff:
            continue
        emp = staff[rec.employee_id]
        days = scheduled_days(rec.start, rec.end, calendar, shift, schedule, rec.employee_id)
        tag = f"{rec.leave_type}（单号 {rec.request_id}，{rec.start:%m-%d %H:%M} 至 {rec.end:%m-%d %H:%M}，{days} 个工作日）"

        def add(kind: str, clause: str, message: str) -> None:
            alerts.append(Alert(rec.employee_id, kind, clause, f"{tag}：{message}"))

        if rec.status != "已批准":
            add("请假未批准", "LV-02", f"审批状态为「{rec.status}」，请假期间未到岗的工作日按旷工处理（ABS-07）")
            continue
        # notice: any time on the day before the start counts (LV-01/06)
        due = rec.start.date() - dt.timedelta(days=rules.leave_notice_days)
        sick_short = rec.leave_type == "病假" and days <= 1
        if rec.leave_type not in ("因公外出", "调休") and not sick_short:
            if rec.applied_at is None:
                add("请假手续", "LV-01", "未填申请时间，无法确认是否提前申请")
            elif rec.applied_at.date() > due:
                if rec.notified_at is not None and rec.notified_at <= rec.start:
                    add("事后补办", "LV-07", f"急事已于 {rec.notified_at:%m-%d %H:%M} 通讯报告，事后补办手续（允许）")
                else:
                    add("未提前申请", "LV-01", f"申请时间 {rec.applied_at:%Y-%m-%d %H:%M} 晚于 {due}（须提前 "
                        f"{rules.leave_notice_days} 天），已批准，仅提示")
        if rec.leave_type == "病假" and days > rules.sick_certificate_over_days and not rec.certificate:
            add("缺病假证明", "LV-04", f"病假超过 {rules.sick_certificate_over_days} 天须持医院病假证明")
        limit = {"病假": rules.sick_supervisor_max_days, "事假": rules.personal_supervisor_max_days}.get(rec.leave_type)
        approver = rec.approver_id
        if approver is None:
            add("无审批人", "LV-02", "已批准但未填审批人")
        elif limit is not None and days > limit:
            if approver == emp.manager_id or (emp.leader_id and approver != emp.leader_id):
                who = f"主管领导（{emp.leader_id}）" if emp.leader_id else "主管领导"
                add("越权审批", "LV-04" if rec.leave_type == "病假" else "LV-09",
                    f"超过 {limit} 天须由{who}批准，审批人为 {approver}")
        if rec.leave_type == "因公外出" and emp.leader_id and approver not in (emp.leader_id, None):
            add("外出审批", "OUT-01", f"因公外出应由主管领导（{emp.leader_id}）批准，审批人为 {approver}")
        if rec.extends:
            base = by_id.get(rec.extends)
            if base is None or base.employee_id != rec.employee_id:
                add("续假", "LV-07", f"续假单所续的假单「{rec.extends}」不存在或不是本人的")
            elif rec.applied_at is not None and rec.applied_at > base.end:
                add("续假", "LV-07", f"续假在原假期结束（{base.end:%m-%d %H:%M}）之后才办理，原假期逾期部分按旷工（ABS-03）")
    return alerts


def _who(ids, names: dict[str, str] | None, shifts: dict[str, str] | None = None) -> str:
    """'张三（E0003，晚班）、李四（E0004）' — or 无人."""
    shown = []
    for emp in ids:
        extra = "，".join(x for x in (emp, (shifts or {}).get(emp, "")) if x)
        shown.append(f"{names[emp]}（{extra}）" if names and names.get(emp) else extra)
    return "、".join(shown) or "无人"


def duty_rota(days: pd.DataFrame, schedule: Schedule | None = None) -> pd.DataFrame:
    """DUTY-01 值班表: per day, who was rostered (排班 rows), who was on duty (punched and not absent),
    who was rostered and did not come (on approved leave for the whole shift is not a no-show), and
    the shift each of them worked. One row a day of the month, lists of 工号 sorted."""
    label = {code: shift.name for code, shift in (schedule.shifts.items() if schedule else ())}
    present = ((days["punches"] > 0) & ~days["absent"]).to_numpy()
    rostered = days["rostered"].to_numpy(dtype=bool)
    on_leave = ((days["scheduled_min"] == 0) & (days["leave_min"] > 0)).to_numpy()
    frame = pd.DataFrame({"date": days["date"].to_numpy(), "employee_id": days["employee_id"].to_numpy(),
                          "shift_code": days["shift_code"].to_numpy(), "present": present, "rostered": rostered,
                          "missing": rostered & ~present & ~on_leave})
    frame = frame.sort_values(["date", "employee_id"], kind="stable")  # one pass, each day's 工号 in order
    rows = []
    for day, group in frame.groupby("date", sort=True):
        emps, rota = group["employee_id"].to_numpy(), group["rostered"].to_numpy()
        rows.append({"date": day, "on_duty": list(emps[group["present"].to_numpy()]), "rostered": list(emps[rota]),
                     "missing": list(emps[group["missing"].to_numpy()]),
                     "shifts": {emp: label.get(code, code) for emp, code in zip(emps[rota], group["shift_code"]
                                                                                .to_numpy()[rota])}})
    return pd.DataFrame(rows, columns=["date", "on_duty", "rostered", "missing", "shifts"])


def duty_alerts(days: pd.DataFrame, calendar: WorkCalendar, rules: Rules, year: int, month: int,
                names: dict[str, str] | None = None, schedule: Schedule | None = None,
                rota: pd.DataFrame | None = None) -> list[Alert]:
    """DUTY-01: at least ``duty_min_people`` on duty every day, Monday to Sunday, named; and every person
    rostered in 排班 who did not come. ``rota``: ``duty_rota`` of the same days, if already made."""
    rota = duty_rota(days, schedule) if rota is None else rota
    by_day = {rec.date: rec for rec in rota.itertuples(index=False)}
    shift_names = {code: shift for code, shift in (schedule.shifts.items() if schedule else ())}
    no_show = _no_show_days(days, rota)
    alerts = []
    for day in month_dates(year, month):
        rec = by_day.get(day)
        here = rec.on_duty if rec is not None else []
        missing = rec.missing if rec is not None else []
        label = "工作日" if calendar.kind(day) == WORKDAY else "休息日/节假日"
        if len(here) < rules.duty_min_people:
            text = f"{day}（{label}）在岗 {len(here)} 人，少于每日 {rules.duty_min_people} 人"
            if here:
                text += f"：{_who(here, names, rec.shifts)}"
            if missing:
                text += f"；排了班未到岗：{_who(missing, names, rec.shifts)}"
            alerts.append(Alert(NOBODY, "值班不足", "DUTY-01", text))
        for emp in missing:
            code, punches, kind_of_day = no_show[(emp, day)]
            shift = shift_names.get(code)
            what = shift.label() if shift is not None else code
            why = "没有打卡" if punches == 0 else "有打卡但当天按旷工处理"
            kind = "法定节假日" if kind_of_day == HOLIDAY else label
            alerts.append(Alert(emp, "排班未到岗", "DUTY-01", f"{day}（{kind}）排班 {what}，{why}：排了班未到岗"))
    return alerts


def _no_show_days(days: pd.DataFrame, rota: pd.DataFrame) -> dict[tuple[str, dt.date], tuple[str, int, str]]:
    """(工号, 日期) → (shift code, punches, kind of day) of the person-days ``rota`` lists as missing,
    found in one pass over ``days``."""
    wanted = {(emp, rec.date) for rec in rota.itertuples(index=False) for emp in rec.missing}
    if not wanted:
        return {}
    found = {}
    days = days[days["rostered"].to_numpy(dtype=bool)]
    for key in zip(days["employee_id"], days["date"], days["shift_code"], days["punches"], days["kind"]):
        if key[:2] in wanted and key[:2] not in found:
            found[key[:2]] = key[2:]
    return found


def overtime_alerts(ot_lines: list, rules: Rules) -> list[Alert]:
    """劳动法第41条: at most ``ot_daily_limit_hours`` on a workday and ``ot_monthly_limit_hours`` a month."""
    totals: dict[str, int] = {}
    daily: dict[tuple[str, dt.date], int] = {}
    for line in ot_lines:
        totals[line.employee_id] = totals.get(line.employee_id, 0) + line.minutes
        if line.kind == WORKDAY:
            daily[(line.employee_id, line.day)] = daily.get((line.employee_id, line.day), 0) + line.minutes
    alerts = [Alert(emp, "加班超限", "OT-01", f"{day} 工作日加班 {minutes / 60:g} 小时，超过每日 "
                    f"{rules.ot_daily_limit_hours} 小时上限（劳动法第41条）")
              for (emp, day), minutes in sorted(daily.items()) if minutes > rules.ot_daily_limit_hours * 60]
    return alerts + [Alert(emp, "加班超限", "OT-01", f"本月加班 {minutes / 60:g} 小时，超过每月 "
                           f"{rules.ot_monthly_limit_hours} 小时上限（劳动法第41条）")
                     for emp, minutes in totals.items() if minutes > rules.ot_monthly_limit_hours * 60]


def comp_time(ot_lines: list, days: pd.DataFrame, opening: dict[str, int]) -> tuple[dict[str, dict], list[Alert]]:
    """补休 ledger in minutes (OT-02): opening + earned (filed rest-day overtime) − taken (调休 leave)."""
    earned: dict[str, int] = {}
    for line in ot_lines:
        earned[line.employee_id] = earned.get(line.employee_id, 0) + line.comp_minutes
    used = days.groupby("employee_id")["leave_min_调休"].sum().to_dict() if len(days) else {}
    ledger, alerts = {}, []
    for emp in set(earned) | {e for e, v in used.items() if v} | {e for e, v in opening.items() if v}:
        row = {"opening": opening.get(emp, 0), "earned": earned.get(emp, 0), "used": int(used.get(emp, 0))}
        row["closing"] = row["opening"] + row["earned"] - row["used"]
        ledger[emp] = row
        if row["closing"] < 0:
            alerts.append(Alert(emp, "补休不足", "OT-02",
                                f"本月调休 {row['used'] / 60:g} 小时，补休余额只有 {(row['opening'] + row['earned']) / 60:g} "
                                f"小时，超出 {-row['closing'] / 60:g} 小时没有备案的补休依据，请核实（不予承认则按旷工）"))
    return ledger, alerts


def resignation_alerts(employees: pd.DataFrame, year: int, month: int) -> list[Alert]:
    """HR-03: resignation with less than a month's notice — flagged; wages are still settled in full."""
    first, last = dt.date(year, month, 1), month_dates(year, month)[-1]
    alerts = []
    for rec in employees.itertuples(index=False):
        if rec.leave_date is None or not first <= rec.leave_date <= last:
            continue
        if rec.resign_notice_date is None:
            alerts.append(Alert(rec.employee_id, "离职结算", "HR-03", f"{rec.leave_date} 离职，未填辞职申请日期"))
            continue
        notice = (rec.leave_date - rec.resign_notice_date).days
        if notice < 30:
            alerts.append(Alert(rec.employee_id, "离职结算", "HR-03",
                                f"{rec.resign_notice_date} 提出辞职、{rec.leave_date} 离职，提前 {notice} 天不足一个月：制度称不予"
                                "办理结算，但工资须在离职时足额支付（工资支付暂行规定第9条）——请人工处理"))
    return alerts
