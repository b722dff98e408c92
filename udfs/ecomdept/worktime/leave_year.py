"""The year's sick leave and 事假, counted across months, and the annual leave they take away.

职工带薪年休假条例第四条: no annual leave in a year in which the employee
(二) took 事假 of 20 days or more that the company did not deduct from pay (规则 ``personal_leave_pay = paid``;
     the rulebook's LV-10 deducts it, so by default this case cannot arise),
(三)–(五) took sick leave of 2 months or more with 1–10 years of work, 3 months with 10–20, 4 months with 20+.
「以上」 includes the limit itself (民法典第一千二百五十九条). 企业职工带薪年休假实施办法第八条: one who had already
taken this year's leave and then reaches a limit has none the next year.

Counting (thresholds and the day count in ``data/leave.json``, ``annual_leave.exclusions``):
- 病假 in calendar days, a month being 30 days (2 months = 60 days): every calendar day an approved 病假
  request covers for at least a day's normal minutes counts once, rest days inside a request included (as the
  医疗期 is counted); a few hours at the doctor (LV-05) do not make a day.
- 事假 in workdays of the calendar covered for at least a day's normal minutes.
- Every approved 请假 row of the year that the workbook holds counts, however early it was filed or began; the
  total up to last month is also carried run to run (payroll.csv ``sick_leave_ytd_days``,
  ``personal_leave_ytd_days``), and the larger of the two counts of those months is taken, so that a workbook
  whose earlier months' rows were cleared still counts them and no day is counted twice.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from ecomdept.core.calendar import WorkCalendar

DATA = Path(__file__).resolve().parents[1] / "data" / "leave.json"


@cache
def rules_data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))["annual_leave"]["exclusions"]


@dataclass(frozen=True)
class Limit:
    kind: str                 # 病假 | 事假
    days: int                 # the limit in counted days (以上: reached at this many)
    text: str                 # how it is written: 2 个月（60 天）
    clause: str               # 条例第四条第（三）项


@dataclass
class YearLeave:
    """One person's sick leave and 事假 of the year up to the end of the month."""
    sick_days: int = 0
    personal_days: int = 0
    sick_this_month: int = 0
    personal_this_month: int = 0
    reached: dt.date | None = None       # the day a limit was reached (None where only carried totals show it)
    reason: str = ""                     # the limit reached (this month or before), with its clause
    new: bool = False                    # reached this month


def sick_limit(working_years: int) -> Limit:
    """The sick-leave limit for the cumulative working years of 1 January (a first year counts as 1–10)."""
    data = rules_data()
    months, clause = None, ""
    for threshold, limit_months, item in data["sick_months_by_working_years"]:
        if max(working_years, 1) >= int(threshold):
            months, clause = int(limit_months), item
    per = int(data["days_per_month"])
    return Limit("病假", months * per, f"{months} 个月（每月按 {per} 天，共 {months * per} 天）", clause)


def personal_limit() -> Limit:
    data = rules_data()
    return Limit("事假", int(data["personal_days"]), f"{data['personal_days']} 天", data["personal_item"])


def _days(rows: list[tuple[dt.datetime, dt.datetime]], first: dt.date, last: dt.date, workdays_only: bool,
          calendar: WorkCalendar, day_minutes: int) -> list[dt.date]:
    """Dates in [first, last] covered for at least ``day_minutes`` by one of the requests (each date once)."""
    found: set[dt.date] = set()
    for start, end in rows:
        day = max(start.date(), first)
        while day <= min(end.date(), last):
            begin = dt.datetime.combine(day, dt.time())
            covered = (min(end, begin + dt.timedelta(days=1)) - max(start, begin)).total_seconds() / 60
            if covered >= day_minutes and (not workdays_only or calendar.is_workday(day)):
                found.add(day)
            day += dt.timedelta(days=1)
    return sorted(found)


def count(leave: pd.DataFrame, staff: pd.DataFrame, calendar: WorkCalendar, year: int, month: int,
          previous: dict[str, dict[str, str]], day_minutes: int, personal_paid: bool,
          working_years: dict[str, int]) -> dict[str, YearLeave]:
    """Each person's year of sick leave and 事假 up to the end of ``month``, and the limit reached, if any."""
    first_of_year = dt.date(year, 1, 1)
    month_first = dt.date(year, month, 1)
    month_last = (pd.Timestamp(month_first) + pd.offsets.MonthEnd(0)).date()
    before_last = month_first - dt.timedelta(days=1)
    approved = leave[(leave["status"] == "已批准") & leave["leave_type"].isin(("病假", "事假"))] if len(leave) else leave
    approved = approved[(approved["end"] > pd.Timestamp(first_of_year))
                        & (approved["start"] < pd.Timestamp(month_last + dt.timedelta(days=1)))] if len(approved) else approved
    groups: dict[tuple[str, str], list[tuple[dt.datetime, dt.datetime]]] = {}
    if len(approved):
        for emp, kind, start, end in zip(approved["employee_id"], approved["leave_type"],
                                         pd.to_datetime(approved["start"]), pd.to_datetime(approved["end"])):
            groups.setdefault((emp, kind), []).append((start.to_pydatetime(), end.to_pydatetime()))
    out: dict[str, YearLeave] = {}
    for emp in staff["employee_id"]:
        prior = previous.get(emp, {})
        carried_year = prior.get("annual_leave_year") == str(year)
        result = YearLeave()
        reached_at: list[tuple[dt.date, str]] = []
        kinds = [("病假", False, sick_limit(working_years.get(emp, 0)), "sick_leave_ytd_days")]
        if personal_paid:
            kinds.append(("事假", True, personal_limit(), "personal_leave_ytd_days"))
        else:
            kinds.append(("事假", True, None, "personal_leave_ytd_days"))
        for kind, workdays_only, limit, column in kinds:
            mine = groups.get((emp, kind))
            earlier = (_days(mine, first_of_year, before_last, workdays_only, calendar, day_minutes)
                       if mine is not None and month > 1 else [])
            this = _days(mine, month_first, month_last, workdays_only, calendar, day_minutes) if mine is not None else []
            carried = int(prior.get(column) or 0) if carried_year and month > 1 else 0
            before = max(carried, len(earlier))
            total = before + len(this)
            if kind == "病假":
                result.sick_days, result.sick_this_month = total, len(this)
            else:
                result.personal_days, result.personal_this_month = total, len(this)
            if limit is None or total < limit.days:
                continue
            word = "请病假" if kind == "病假" else "请事假（单位不扣工资）"
            reason = f"本年{word}累计 {total} 天，达到 {limit.text}（{limit.clause}），不享受当年年休假"
            if before < limit.days:
                reached_at.append((this[limit.days - before - 1], reason))
            elif not result.reason:                 # reached in an earlier month
                every = earlier + this
                result.reason = reason
                result.reached = every[limit.days - 1] if len(every) >= limit.days else None
        if reached_at and not result.reason:
            (result.reached, result.reason), result.new = min(reached_at), True
        out[emp] = result
    return out


def next_year_exclusions(leave: pd.DataFrame, staff: pd.DataFrame, calendar: WorkCalendar, year: int,
                         day_minutes: int, personal_paid: bool, working_years: dict[str, int],
                         next_year_clause: str) -> dict[str, str]:
    """实施办法第八条 from the workbook alone (no December run to say it): who took annual leave last year before
    reaching a limit of 条例第四条 has none in ``year``."""
    last = count(leave, staff, calendar, year - 1, 12, {}, day_minutes, personal_paid, working_years)
    taken = leave[(leave["status"] == "已批准") & (leave["leave_type"] == "年假")] if len(leave) else leave
    out = {}
    for emp, found in last.items():
        if not found.reason or found.reached is None:
            continue
        mine = taken[(taken["employee_id"] == emp) & (taken["start"] >= pd.Timestamp(year - 1, 1, 1))
                     & (taken["start"] < pd.Timestamp(found.reached))] if len(taken) else taken
        if len(mine):
            out[emp] = (f"{year - 1} 年已休年假后又{found.reason.replace('，不享受当年年休假', '')}，"
                        f"{year} 年不享受年休假（{next_year_clause}）")
    return out
