"""Leave entitlements: the annual-leave balance and the statutory leave allowances.

**Annual leave** (职工带薪年休假条例 第三条; 企业职工带薪年休假实施办法): 5 / 10 / 15 days for
cumulative working years 1–10 / 10–20 / ≥ 20 (roster 参加工作日期; blank = the hire date), counted on
1 January. A new hire's first year: remaining calendar days ÷ 365 × the entitlement, whole days only
(第五条). The balance is carried month to month like the comp-time ledger (last month's run, else the
roster's 年假期初余额, else the year's entitlement) and drawn by 年假 leave; leave beyond it is an
alert and is deducted as 事假. On leaving: (days of the year worked ÷ 365 × entitlement) − days taken,
whole days, paid at 300% of the daily wage — the 100% in the normal wage included, so 200% is added
(第十条、第十二条); the daily wage is the average monthly wage of the 12 months paid before, overtime pay
excluded, ÷ 21.75 (第十一条; history.average_wage, computed in payroll). At year end, 规则
``annual_leave_year_end``: ``pay`` the unused whole days the same way, or ``carry`` them into the next
year's first quarter.

**Statutory leave** (versioned data, national + city): 产假 (98 days, +15 for a difficult birth, +15
per extra baby; Shanghai +60), 婚假 (3, Shanghai +10), 丧假, 陪产假, 育儿假, 工伤, 哺乳假 (60 minutes a
day). A request above its allowance is an alert; the excess is 事假 or paid as 规则 ``leave_excess``
says.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path

import pandas as pd

from ecomdept.worktime.alerts import Alert
from ecomdept.core.calendar import WorkCalendar

DATA = Path(__file__).resolve().parents[1] / "data" / "leave.json"
CAPPED = ("产假", "婚假", "丧假", "陪产假", "育儿假", "工伤")


@cache
def _data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Allowance:
    leave_type: str
    days: int
    count: str = "workdays"        # calendar | workdays
    per: str = "request"           # request | year
    difficult_birth: int = 0
    per_extra_baby: int = 0
    minutes_per_day: int = 0
    source: str = ""


def _in_force(versions: list[dict], on: dt.date) -> list[dict]:
    return [v for v in sorted(versions, key=lambda v: v["effective_from"])
            if dt.date.fromisoformat(v["effective_from"]) <= on]


def allowances(city: str, on: dt.date) -> dict[str, Allowance]:
    """National allowances with the city's additions in force on ``on``."""
    data = _data()
    merged: dict[str, dict] = {}
    sources: dict[str, list[str]] = {}  # each leave type cites only the rules that set its days
    for version in _in_force(data["versions"], on)[-1:] + _in_force(data["cities"].get(city, []), on)[-1:]:
        for leave_type, spec in version["types"].items():
            entry = merged.setdefault(leave_type, {})
            extra = spec.get("extra_days", 0)
            entry.update({k: v for k, v in spec.items() if k not in ("extra_days", "source")})
            entry["days"] = entry.get("days", 0) + extra
            sources.setdefault(leave_type, []).append(spec.get("source", version["source"]))
    return {t: Allowance(t, int(s.get("days", 0)), s.get("count", "workdays"), s.get("per", "request"),
                         int(s.get("difficult_birth", 0)), int(s.get("per_extra_baby", 0)),
                         int(s.get("minutes_per_day", 0)), "；".join(dict.fromkeys(sources[t])))
            for t, s in merged.items()}


# --- annual leave -------------------------------------------------------------------------------

def working_years(start: dt.date | None, on: dt.date) -> int:
    if start is None or start > on:
        return 0
    return on.year - start.year - ((on.month, on.day) < (start.month, start.day))


def full_entitlement(work_start: dt.date | None, year: int) -> int:
    """Days a year for the cumulative working years completed on 1 January (条例第三条)."""
    years = working_years(work_start, dt.date(year, 1, 1))
    days = 0
    for threshold, entitled in _data()["annual_leave"]["by_working_years"]:
        if years >= int(threshold):
            days = entitled
    return days


def year_days(year: int) -> int:
    return 366 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 365


@dataclass
class Entitlement:
    days: int                 # this year's entitlement, whole days
    full: int                 # the full-year entitlement for the working years
    text: str
    since: dt.date | None = None  # the day it starts where that is after 1 January (new hire, 12 months reached)


def anniversary(start: dt.date, years: int) -> dt.date:
    """The day ``years`` full years after ``start`` are reached (29 February → 1 March)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return dt.date(start.year + years, 3, 1)


def entitlement(work_start: dt.date | None, hire: dt.date, year: int) -> Entitlement:
    """This year's annual leave.

    The band (5 / 10 / 15 days) is the one of the working years completed on 1 January (条例第三条); a band
    reached later in the year applies from the next 1 January. Someone who completes 12 months of work during
    the year (条例第二条, 实施办法第三条: 连续工作 1 年以上) has, from that day, the rest of the year pro-rated as a
    new hire; a new hire's first year likewise from the hire date (实施办法第五条: 剩余日历天数 ÷ 365 × 全年天数,
    不足 1 天不计). The later of the two days counts."""
    start = work_start or hire
    jan1, dec31 = dt.date(year, 1, 1), dt.date(year, 12, 31)
    full = full_entitlement(start, year)
    basis = f"参加工作 {start}，至 {year}-01-01 满 {working_years(start, jan1)} 年，全年 {full} 天"
    since, why = None, ""
    if not full:
        reached = anniversary(start, 1)
        if not jan1 < reached <= dec31:
            return Entitlement(0, 0, basis + "（累计工作不满 1 年，条例第二条）")
        full = int(_data()["annual_leave"]["by_working_years"][0][1])
        basis = (f"参加工作 {start}，{reached} 累计工作满 12 个月，自该日起享受年假（条例第二条、实施办法第三条），"
                 f"全年 {full} 天")
        since, why = reached, f"{reached} 满 12 个月"
    if hire.year == year and hire > jan1 and (since is None or hire > since):
        since, why = hire, f"{hire} 入职"
    if since is None:
        return Entitlement(full, full, basis)
    remaining = (dec31 - since).days + 1
    exact = Fraction(remaining, 365) * full
    days = math.floor(exact)
    return Entitlement(days, full, f"{basis}；{why}，当年剩余 {remaining} 天 ÷ 365 × {full} 天 = "
                                   f"{float(exact):.2f} 天，取整 {days} 天（实施办法第五条）", since)


@dataclass
class AnnualLeave:
    entitled_days: int
    opening_min: int
    used_min: int
    excess_min: int           # taken beyond the balance: deducted as 事假
    closing_min: int
    used_ytd_min: int
    carried_min: int = 0      # last year's days still in the balance (used first; gone after March)
    payout_days: int = 0
    payout_text: str = ""
    text: str = ""
    sick_days: int = 0            # the year's sick leave and 事假 so far (leave_year.py)
    personal_days: int = 0
    exclusion: str = ""           # why there is no annual leave this year (条例第四条, 实施办法第八条), else ""
    next_year_excluded: bool = False   # 实施办法第八条: none next year either


def day_minutes(shift_minutes: int) -> int:
    return shift_minutes


def annual_ledger(staff: pd.DataFrame, days: pd.DataFrame, previous: dict[str, dict[str, str]], rules,
                  year: int, month: int, shift_minutes: int, year_leave: dict | None = None,
                  last_year_exclusion: dict[str, str] | None = None) -> tuple[dict[str, AnnualLeave], list[Alert]]:
    """The month's annual-leave ledger per person, and the alerts (over-drawn balances, leave taken away).

    ``year_leave``: leave_year.count's totals and limits (条例第四条); ``last_year_exclusion``: people with no
    leave this year by 实施办法第八条 found from the workbook's last-year rows (where no December run says so)."""
    used = days.groupby("employee_id")["leave_min_年假"].sum().to_dict() if len(days) else {}
    first, last = dt.date(year, month, 1), dt.date(year, month, 1) + pd.offsets.MonthEnd(0)
    last = last.date() if hasattr(last, "date") else last
    out: dict[str, AnnualLeave] = {}
    alerts: list[Alert] = []
    for rec in staff.itertuples(index=False):
        ent = entitlement(getattr(rec, "work_start", None), rec.hire_date, year)
        prior = previous.get(rec.employee_id, {})
        same_year = prior.get("annual_leave_year") == str(year)
        carried, fresh = 0, False
        if prior and same_year and prior.get("annual_leave_closing_min") not in (None, ""):
            opening = int(prior["annual_leave_closing_min"])
            used_before = int(prior.get("annual_leave_used_ytd_min") or 0)
            carried = int(prior.get("annual_leave_carried_min") or 0)
            how = f"上月结余 {opening / shift_minutes:g} 天"
            if carried and month == 4:  # 实施办法第九条: carried days are for the first quarter
                opening -= carried
                how += f"，上年结转未用的 {carried / shift_minutes:g} 天一季度末已过期"
                carried = 0
        elif getattr(rec, "annual_leave_opening_days", None) is not None and month != 1:
            opening = int(Fraction(str(rec.annual_leave_opening_days)) * shift_minutes)
            used_before = ent.days * shift_minutes - opening
            how = f"花名册期初余额 {rec.annual_leave_opening_days} 天"
        else:
            if prior and prior.get("annual_leave_year") == str(year - 1) and rules.annual_leave_year_end == "carry":
                carried = int(prior.get("annual_leave_closing_min") or 0)
            opening = ent.days * shift_minutes + carried
            used_before, fresh = 0, True
            how = f"本年额度 {ent.days} 天" + (f" + 上年结转 {carried / shift_minutes:g} 天（一季度内使用）" if carried else "")
        granted = ent.days if ent.since is None or ent.since <= last else 0  # from the day 12 months are reached
        counted = (year_leave or {}).get(rec.employee_id)
        standing, source = _standing_exclusion(prior, same_year, year, rec.employee_id, last_year_exclusion, counted)
        if standing:                      # no annual leave this year: the balance is 0, whatever is taken is 事假
            opening, carried, granted = 0, 0, 0
            how += f"；{standing}"
        elif prior and same_year and prior.get("annual_leave_closing_min") not in (None, ""):
            recorded = prior.get("annual_leave_entitled_days")
            before = granted if recorded in (None, "") else int(recorded)
            if granted > before:
                opening += (granted - before) * shift_minutes
                how += f"；{ent.since} 起享受本年年假 {granted - before} 天"
        elif fresh and granted < ent.days:
            opening -= ent.days * shift_minutes
            how = f"{ent.since} 起才享受本年年假，本月为 0 天"
        taken = int(used.get(rec.employee_id, 0))
        excess = max(0, taken - opening)
        closing = max(0, opening - taken)
        ledger = AnnualLeave(granted, opening, taken, excess, closing, used_before + taken - excess,
                             max(0, carried - taken), text=f"{ent.text}；期初 {how}")
        if counted is not None:
            ledger.sick_days, ledger.personal_days = counted.sick_days, counted.personal_days
        if standing:
            ledger.exclusion = standing
            ledger.next_year_excluded = (standing_next_year(prior, same_year) if source != "counted"
                                         else ledger.used_ytd_min > 0)
            if source != "carried":  # first seen this month: 第八条 in January, or a limit the runs had not seen
                alerts.append(Alert(rec.employee_id, "不享受年休假", "LV-11", f"{standing}：本月起年假余额为 0"))
        elif counted is not None and counted.reason:   # a limit reached this month (or found only now)
            ledger.exclusion = counted.reason
            ledger.entitled_days = 0
            ledger.closing_min, ledger.carried_min = 0, 0
            this_year_taken = ledger.used_ytd_min > 0
            ledger.next_year_excluded = this_year_taken
            when = f"{counted.reached} 达到" if counted.reached else "已达到"
            text = (f"{counted.reason}：{when}，本月起年假余额为 0（已休的 {ledger.used_ytd_min / shift_minutes:g} 天不扣回）"
                    + (f"；本年已休过年假，下一年度也不享受（{_exclusions()['next_year']}）" if this_year_taken else ""))
            alerts.append(Alert(rec.employee_id, "不享受年休假", "LV-11", text))
        if excess:
            alerts.append(Alert(rec.employee_id, "年假超额", "LV-11",
                                f"本月年假 {taken / 60:g} 小时，余额只有 {opening / 60:g} 小时：超出 {excess / 60:g} 小时按事假扣款"))
        leaving = rec.leave_date is not None and first <= rec.leave_date <= last
        if leaving:
            _leaving_payout(ledger, rec, ent, year, shift_minutes)
        elif month == 12 and rules.annual_leave_year_end == "pay":
            days_left = ledger.closing_min // shift_minutes
            if days_left:
                ledger.payout_days = days_left
                ledger.payout_text = (f"年末未休年假 {days_left} 天（余额 {ledger.closing_min / shift_minutes:g} 天，不足 1 天不计；"
                                      "规则 annual_leave_year_end = pay）")
                ledger.closing_min -= days_left * shift_minutes
        out[rec.employee_id] = ledger
    return out, alerts


def _exclusions() -> dict:
    return _data()["annual_leave"]["exclusions"]


def _standing_exclusion(prior: dict, same_year: bool, year: int, employee_id: str,
                        last_year_exclusion: dict[str, str] | None, counted) -> tuple[str, str]:
    """An exclusion in force before this month: carried from last month's run (same year), or this year's
    none by 实施办法第八条 (last December's run, else the workbook's last-year rows)."""
    if same_year and prior.get("annual_leave_exclusion"):
        return prior["annual_leave_exclusion"], "carried"
    if not same_year and prior.get("annual_leave_year") == str(year - 1) and \
            prior.get("annual_leave_next_year_excluded") == "1":
        why = (prior.get("annual_leave_exclusion") or "达到条例第四条的情形").replace("，不享受当年年休假", "")
        return f"{year - 1} 年已休年假后又{why}，{year} 年不享受年休假（{_exclusions()['next_year']}）", "next_year"
    if not same_year and last_year_exclusion and employee_id in last_year_exclusion:
        return last_year_exclusion[employee_id], "next_year"
    if counted is not None and counted.reason and not counted.new:
        return counted.reason, "counted"  # reached before this month, though no earlier run said so
    return "", ""


def standing_next_year(prior: dict, same_year: bool) -> bool:
    return same_year and prior.get("annual_leave_next_year_excluded") == "1"


def _leaving_payout(ledger: AnnualLeave, rec, ent: Entitlement, year: int, shift_minutes: int) -> None:
    """实施办法第十二条: 当年已过日历天数 ÷ 365 × 全年应休天数 − 已休天数, 不足 1 天不支付; never clawed back."""
    if ledger.exclusion:
        ledger.payout_days, ledger.closing_min = 0, 0
        ledger.payout_text = f"离职：{ledger.exclusion}，没有应休未休的年休假"
        return
    start = ent.since or dt.date(year, 1, 1)   # the hire date, or the day 12 months of work were reached
    worked = max(0, (rec.leave_date - start).days + 1)
    full = ent.full
    accrued = Fraction(worked, 365) * full
    taken = Fraction(ledger.used_ytd_min, shift_minutes)
    days = max(0, math.floor(accrued - taken))
    ledger.payout_days = days
    counted = (f"自 {start} 满 12 个月起已过 {worked} 天" if ent.since and ent.since != rec.hire_date
               else f"当年在本单位已过 {worked} 天")
    ledger.payout_text = (f"离职：{counted} ÷ 365 × {full} 天 = {float(accrued):.2f} 天，"
                          f"减已休 {float(taken):g} 天，不足 1 天不计，应休未休 {days} 天（实施办法第十二条）")
    ledger.closing_min = 0


# --- statutory leave allowances -----------------------------------------------------------------

BABIES = {"双胞胎": 2, "三胞胎": 3, "四胞胎": 4}


def allowed_days(allowance: Allowance, case: str | None) -> tuple[int, str]:
    days, notes = allowance.days, []
    text = case or ""
    if allowance.leave_type == "产假":
        if "难产" in text:
            days += allowance.difficult_birth
            notes.append(f"难产 +{allowance.difficult_birth}")
        babies = next((n for word, n in BABIES.items() if word in text), 1)
        if babies > 1:
            days += allowance.per_extra_baby * (babies - 1)
            notes.append(f"多胞胎每多一个 +{allowance.per_extra_baby}")
    return days, "，".join(notes)


def counted_days(start: dt.datetime, end: dt.datetime, count: str, calendar: WorkCalendar) -> int:
    day, total = start.date(), 0
    last = (end - dt.timedelta(seconds=1)).date() if end.time() == dt.time() else end.date()
    while day <= last:
        if count == "calendar" or calendar.is_workday(day):
            total += 1
        day += dt.timedelta(days=1)
    return total


@dataclass
class Excess:
    minutes: dict[str, int] = field(default_factory=dict)   # leave type → minutes treated per 规则 leave_excess
    notes: list[str] = field(default_factory=list)


def statutory_excess(leave: pd.DataFrame, days: pd.DataFrame, staff: pd.DataFrame, calendar: WorkCalendar,
                     allowance: dict[str, Allowance], year: int, month: int, shift_minutes: int
                     ) -> tuple[dict[str, Excess], list[Alert]]:
    """Approved requests above their allowance: the excess minutes of this month per person."""
    out: dict[str, Excess] = {}
    alerts: list[Alert] = []
    if leave.empty:
        return out, alerts
    on_staff = set(staff["employee_id"])
    month_start = dt.datetime(year, month, 1)
    month_end = (month_start + pd.offsets.MonthBegin(1)).to_pydatetime()
    for rec in leave[(leave["status"] == "已批准") & leave["leave_type"].isin(CAPPED)].itertuples(index=False):
        if rec.employee_id not in on_staff or rec.end <= month_start or rec.start >= month_end:
            continue
        rule = allowance.get(rec.leave_type)
        if rule is None or not rule.days:
            continue
        limit, why = allowed_days(rule, getattr(rec, "maternity_case", None))
        taken = counted_days(rec.start, rec.end, rule.count, calendar)
        if taken <= limit:
            continue
        over = taken - limit
        # the excess is the request's last days: their scheduled minutes falling in this month
        cutoff = _nth_day(rec.start, limit, rule.count, calendar)
        in_month = _minutes_after(days, rec.employee_id, cutoff, rec.end, rec.leave_type)
        entry = out.setdefault(rec.employee_id, Excess())
        entry.minutes[rec.leave_type] = entry.minutes.get(rec.leave_type, 0) + in_month
        unit = "天" if rule.count == "calendar" else "个工作日"
        text = (f"{rec.leave_type}（单号 {rec.request_id}）{taken} {unit}，超过规定的 {limit} {unit}"
                f"{'（' + why + '）' if why else ''} {over} {unit}（{rule.source}）")
        entry.notes.append(text)
        alerts.append(Alert(rec.employee_id, "假期超额", "LV-12", text))
    return out, alerts


def _nth_day(start: dt.datetime, n: int, count: str, calendar: WorkCalendar) -> dt.date:
    """The first day after the first ``n`` counted days of a request."""
    day, seen = start.date(), 0
    while True:
        if count == "calendar" or calendar.is_workday(day):
            seen += 1
            if seen > n:
                return day
        day += dt.timedelta(days=1)


def _minutes_after(days: pd.DataFrame, employee_id: str, first: dt.date, end: dt.datetime, leave_type: str) -> int:
    if days.empty:
        return 0
    mine = days[(days["employee_id"] == employee_id) & (days["date"] >= first) & (days["date"] <= end.date())]
    return int(mine[f"leave_min_{leave_type}"].sum())


def nursing_excess(days: pd.DataFrame, allowance: dict[str, Allowance]) -> dict[str, int]:
    """哺乳假 above its minutes a day (女职工劳动保护特别规定第九条: 每天 1 小时)."""
    rule = allowance.get("哺乳假")
    if rule is None or days.empty or "leave_min_哺乳假" not in days:
        return {}
    over = (days["leave_min_哺乳假"] - rule.minutes_per_day).clip(lower=0)
    totals = over.groupby(days["employee_id"]).sum()
    return {e: int(v) for e, v in totals.items() if v}
