"""考勤号 matching: punches → roster, and the people on payroll whom no punch reached.

Both sides are compared as typed codes: full-width digits made half-width, whitespace and zero-width
characters (U+200B…U+200D, U+2060, U+FEFF) dropped. Leading zeros follow 规则
``clock_id_leading_zeros``:

- ``ignore`` (the default): '01002' and '1002' are one clock id. Excel drops the zeros of a clock id
  typed into a number cell, while attendance machines export them, so this is the safer reading; two
  roster clock ids that differ only in leading zeros are then a blocking issue, never a silent merge.
- ``exact``: the ids must be equal as typed; an unmatched '01002' is still named as a near miss of
  '1002' when the roster's 1002 has no punch.

``punch_gaps`` is the check the month's engine runs: a person on payroll whose workdays have no punch
and no approved leave, while other people's punches are there, is blocking when the 打卡 sheet holds
punches no roster clock id reached — the message names those that look like theirs (same digits but
for zeros and spaces, one character apart, two neighbours swapped), else lists them. With no unmatched
punch at all nothing in the sheet can be theirs: a warning, and attendance counts them absent (a
person may really be absent a whole month; HR must not be made to invent leave to pay the others).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import pandas as pd

from ecomdept.inputs.cells import clean_code, is_blank
from ecomdept.core.issues import ERROR, WARNING, Issue

IGNORE, EXACT = "ignore", "exact"
NEAR_MISS_LIMIT = 5


def clock_key(value: object, leading_zeros: str = IGNORE) -> str | None:
    """The form two clock ids are compared in; None for a blank one."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean_code(str(value))
    if not text:
        return None
    if leading_zeros == IGNORE and text.isdigit():
        text = text.lstrip("0") or "0"
    return text


def looks_alike(a: str, b: str) -> bool:
    """Two codes that are probably one person's: equal but for zeros, spaces and case; one edit or one
    swap of neighbours apart (a digit lost, added or mistyped)."""
    a, b = clean_code(a).upper(), clean_code(b).upper()
    if a == b:
        return True
    if a.lstrip("0") == b.lstrip("0"):
        return True
    return _within_one_edit(a, b)


def _within_one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 3:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]


def clash_keys(employees: pd.DataFrame, leading_zeros: str) -> set[str]:
    """Clock keys that two different roster people share."""
    owners: dict[str, set] = {}
    for emp, clock in zip(employees["employee_id"], employees["clock_id"]):
        key = clock_key(clock, leading_zeros)
        if key is not None:
            owners.setdefault(key, set()).add(emp)
    return {key for key, people in owners.items() if len(people) > 1}


def roster_map(employees: pd.DataFrame, leading_zeros: str, sheet: str = "员工") -> tuple[dict[str, str], list[Issue]]:
    """clock key → 工号; two roster rows with one key are blocking (the key maps to nobody then)."""
    first: dict[str, tuple[str, object, int]] = {}
    clashes: set[str] = set()
    issues: list[Issue] = []
    for emp, clock, row in zip(employees["employee_id"], employees["clock_id"], employees["xl_row"]):
        key = clock_key(clock, leading_zeros)
        if key is None:
            continue
        if key not in first:
            first[key] = (emp, clock, row)
            continue
        other_emp, other_clock, other_row = first[key]
        if other_emp == emp:
            continue  # a duplicated roster row: reported as a duplicate 工号
        clashes.add(key)
        if clean_code(str(other_clock)) == clean_code(str(clock)):
            text = (f"考勤号「{clock}」重复，与第 {other_row} 行（{other_emp}）相同：这两人的打卡无法区分，"
                    "均不计入，请改正其中一个")
        else:
            text = (f"考勤号「{clock}」与第 {other_row} 行（{other_emp}）的「{other_clock}」只差前导零：规则 "
                    "clock_id_leading_zeros = ignore 时两者是同一个考勤号，打卡无法区分。请改正考勤号，或确认考勤机"
                    "导出的编号保留前导零后把该规则改为 exact")
        issues.append(Issue(sheet, row, "考勤号", text, ERROR, "clock_id", "clock_id_clash"))
    return {key: value[0] for key, value in first.items() if key not in clashes}, issues


def resolve(punches: pd.DataFrame, employees: pd.DataFrame, leading_zeros: str = IGNORE,
            skipped: Callable[[pd.Series], pd.Series] | None = None, sheet: str = "打卡"
            ) -> tuple[pd.DataFrame, pd.DataFrame, list[Issue]]:
    """Fill 工号 from 考勤号. Returns (punches of people on the roster, the unmatched punches — not those
    of skipped roster rows —, issues).

    ``skipped``: 工号 or clock key per unmatched punch → True where it is a roster row left out for its own
    errors; those punches are dropped without an "unknown" warning (that row's issue says why)."""
    issues: list[Issue] = []
    by_clock, clash_issues = roster_map(employees, leading_zeros)
    issues += clash_issues
    if punches.empty:
        return punches, punches.iloc[0:0], issues
    known = set(employees["employee_id"])
    unique = {c: clock_key(c, leading_zeros) for c in punches["clock_id"].dropna().unique()}
    keys = punches["clock_id"].map(unique)
    from_clock = keys.map(by_clock)
    emp = punches["employee_id"].where(punches["employee_id"].notna(), from_clock)
    punches = punches.assign(employee_id=emp)
    matched = punches["employee_id"].isin(known)
    unmatched = punches[~matched]
    rest = unmatched
    if len(unmatched):
        ident = unmatched["employee_id"].where(unmatched["employee_id"].notna(), keys[~matched])
        if skipped is not None:
            keep = ~skipped(ident).values
            rest, ident = unmatched[keep], ident[keep]
        clashing = clash_keys(employees, leading_zeros)
        if clashing:  # two roster people share the id: that roster issue says it, not "unknown"
            rest = rest[~ident.isin(clashing).values]
        groups = rest.groupby(rest["clock_id"].fillna(rest["employee_id"]).fillna("（空）"), sort=True)
        for n, (key, group) in enumerate(groups):
            rows = group["xl_row"].tolist()
            shown = "、".join(str(r) for r in rows[:5]) + (" 行等" if len(rows) > 5 else " 行")
            hint = near_roster(str(key), employees) if n < 200 else ""  # the first 200 unknown ids get a hint
            issues.append(Issue(sheet, rows[0], "工号/考勤号",
                                f"考勤号/工号「{key}」不在花名册中：{len(rows)} 条打卡未计入（第 {shown}）{hint}", WARNING,
                                None, "unknown_clock_id"))
    return punches[matched], rest, issues


def near_roster(key: str, employees: pd.DataFrame) -> str:
    """'；花名册中相近的：01002（E0002 张三）' or '': codes equal but for zeros, spaces and case; failing
    those, the one roster code a single edit away (with numbered ids many are, and none is shown)."""
    strong, weak = [], []
    target = clean_code(key).upper()
    for emp, name, clock in zip(employees["employee_id"], employees["name"], employees["clock_id"]):
        for code in (clock, emp):
            if not code:
                continue
            shown = f"{code}（{emp} {name}）" if code != emp else f"{emp} {name}"
            other = clean_code(str(code)).upper()
            if other.lstrip("0") == target.lstrip("0"):
                strong.append(shown)
                break
            if looks_alike(target, other):
                weak.append(shown)
                break
    alike = strong or (weak if len(weak) == 1 else [])
    return f"；花名册中相近的：{'、'.join(alike[:NEAR_MISS_LIMIT])}" if alike else ""


def punch_gaps(punches: pd.DataFrame, unmatched: pd.DataFrame, staff: pd.DataFrame, first: dt.date, last: dt.date,
               leave: pd.DataFrame | None = None, is_workday: Callable[[dt.date], bool] | None = None,
               leading_zeros: str = IGNORE, sheet: str = "员工") -> list[Issue]:
    """People on payroll in [first, last] with no punch on any of their workdays there, while others have
    punches: blocking, naming the unmatched clock ids that look like theirs. A person whose workdays
    are all covered by approved leave (or who has none in the span) is left alone."""
    if punches.empty or staff.empty:
        return []
    in_span = _within(punches, first, last)
    present = set(punches.loc[in_span, "employee_id"])
    if not present:
        return []
    workday = is_workday or (lambda day: day.weekday() < 5)
    strays = unmatched[_within(unmatched, first, last)] if len(unmatched) else unmatched
    stray_keys = _stray_groups(strays)
    on_leave = _leave_days(leave, first, last)
    issues = []
    clashing = clash_keys(staff, leading_zeros)
    for rec in staff.itertuples(index=False):
        if rec.employee_id in present or clock_key(rec.clock_id, leading_zeros) in clashing:
            continue
        start = max(first, rec.hire_date or first)
        end = min(last, rec.leave_date or last)
        days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
        due = [d for d in days if workday(d) and d not in on_leave.get(rec.employee_id, ())]
        if not due:
            continue
        near = [(key, rows) for key, rows in stray_keys.items()
                if any(code and looks_alike(key, str(code)) for code in (rec.clock_id, rec.employee_id))]
        own = f"考勤号「{rec.clock_id}」" if rec.clock_id else "未填考勤号"
        text = (f"{rec.employee_id} {rec.name}（{own}）{first} 至 {last} 在职，但打卡表中没有他/她的任何打卡，"
                f"而其他员工有打卡")
        if near:
            parts = []
            for key, rows in near[:NEAR_MISS_LIMIT]:
                zeros = (leading_zeros == EXACT and rec.clock_id
                         and clean_code(key).lstrip("0") == clean_code(str(rec.clock_id)).lstrip("0"))
                shown = "、".join(str(r) for r in rows[:3]) + (" 行等" if len(rows) > 3 else " 行")
                parts.append(f"「{key}」{len(rows)} 条（第 {shown}）" + ("，只差前导零" if zeros else ""))
            text += (f"。打卡表中有相近的未匹配考勤号：{'；'.join(parts)}——很可能是同一人，请核对花名册的考勤号"
                     + ("（或把规则 clock_id_leading_zeros 改为 ignore）" if leading_zeros == EXACT else ""))
        elif stray_keys:
            shown = "、".join(f"「{k}」" for k in list(stray_keys)[:NEAR_MISS_LIMIT])
            text += f"。打卡表中未匹配的考勤号有 {shown}：请核对是否为此人"
        else:  # nothing in the sheet could be theirs: absent, and attendance says so day by day
            text += "：将按全月缺勤计算"
        text += "；如确实全月未出勤，请在请假表登记已批准的假"
        issues.append(Issue(sheet, rec.xl_row, "考勤号" if rec.clock_id else "工号", text,
                            ERROR if stray_keys else WARNING, "clock_id" if rec.clock_id else "employee_id",
                            "no_punches", rec.employee_id))
    return issues


def _within(punches: pd.DataFrame, first: dt.date, last: dt.date) -> pd.Series:
    stamps = pd.to_datetime(punches["punched_at"])
    return (stamps >= pd.Timestamp(first)) & (stamps < pd.Timestamp(last + dt.timedelta(days=1)))


def _stray_groups(strays: pd.DataFrame) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    if strays.empty:
        return groups
    for clock, emp, row in zip(strays["clock_id"], strays["employee_id"], strays["xl_row"]):
        key = clock if not is_blank(clock) else emp
        if not is_blank(key):
            groups.setdefault(str(key), []).append(row)
    return dict(sorted(groups.items(), key=lambda item: -len(item[1])))


def _leave_days(leave: pd.DataFrame | None, first: dt.date, last: dt.date) -> dict[str, set[dt.date]]:
    days: dict[str, set[dt.date]] = {}
    if leave is None or leave.empty:
        return days
    for rec in leave[leave["status"] == "已批准"].itertuples(index=False):
        day, end = max(rec.start.date(), first), min(rec.end.date(), last)
        while day <= end:
            days.setdefault(rec.employee_id, set()).add(day)
            day += dt.timedelta(days=1)
    return days


def busy_months(punches: Iterable[pd.DataFrame]) -> list[tuple[int, int]]:
    """The months holding most of the punches (each with at least a fifth of the busiest month's)."""
    counts: dict[tuple[int, int], int] = {}
    for frame in punches:
        if len(frame):
            stamps = pd.to_datetime(frame["punched_at"])
            for (year, month), n in stamps.groupby([stamps.dt.year, stamps.dt.month]).size().items():
                counts[(int(year), int(month))] = counts.get((int(year), int(month)), 0) + int(n)
    if not counts:
        return []
    top = max(counts.values())
    return sorted(m for m, n in counts.items() if n * 5 >= top)
