"""考勤月报 (DingTalk's 月度汇总: person × day marks), 考勤汇总, 考勤明细, 扣款明细, 加班明细 and 预警."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ecomdept.core.calendar import HOLIDAY, KIND_LABEL, RESTDAY, WORKDAY, month_dates
from ecomdept.inputs.schema import LEAVE_TYPES
from ecomdept.outputs.results.book import WRAP, Writer, fitted_width, punch_time

FULL_DETAIL_LIMIT = 60_000  # person-days written in full to the 考勤明细 sheet

WEEKDAYS = "一二三四五六日"
LEGEND = ("图例：√ 正常　迟 迟到　早 早退　旷 旷工　缺 缺卡　假 请假　休 休息日/节假日　加 加班；"
          "同一天有几种情况用「/」连接（如 迟/早、√/加；请假半天、其余时间出勤为 √/假）；旷工当天只标 旷；灰底为休息日，橙底为法定节假日；"
          "空白为当天不在职。请假小时含带薪假与因公外出。")
SHADE = {RESTDAY: "#E7E6E6", HOLIDAY: "#FCE4D6"}
MARK_COLOR = (("旷", "#C00000"), ("迟", "#C65911"), ("早", "#C65911"), ("缺", "#C65911"), ("假", "#2F5597"),
              ("加", "#548235"), ("休", "#7F7F7F"))
MONTH_TOTALS = (("应出勤", "int"), ("实出勤", "int"), ("迟到次数", "int"), ("早退次数", "int"), ("旷工天数", "int"),
                ("缺卡次数", "int"), ("请假小时", "hours"), ("加班小时", "hours"))
FINE_RULES = {"absence_fine": "旷工罚款", "late_fine": "迟到罚款", "early_fine": "早退罚款",
              "missing_punch_fine": "缺卡罚款", "carried_fine": "上月结转罚款"}


def day_marks(days: pd.DataFrame, overtime_days: set) -> np.ndarray:
    """One mark per person-day: √ 迟 早 旷 缺 假 休 加, joined with / when a day has several."""
    n = len(days)
    work = days["kind"].eq(WORKDAY).to_numpy()
    absent = days["absent"].to_numpy(dtype=bool)
    mark = np.full(n, "", dtype=object)
    for column, label in (("is_late", "迟"), ("is_early", "早"), ("missing_punch", "缺")):
        hit = work & ~absent & days[column].to_numpy(dtype=bool)
        mark[hit] = [f"{m}/{label}" if m else label for m in mark[hit]]
    leave = work & ~absent & (days["leave_min"].to_numpy() > 0)
    worked = days["punches"].to_numpy() > 0  # a part of the day on leave, the rest at work (部分请假): √/假
    mark[leave] = [f"{m}/假" if m else ("√/假" if at_work else "假") for m, at_work in zip(mark[leave], worked[leave])]
    mark[work & ~absent & (mark == "")] = "√"
    mark[absent] = "旷"
    mark[~work] = "休"
    keys = list(zip(days["employee_id"], days["date"]))
    ot = np.fromiter((key in overtime_days for key in keys), dtype=bool, count=n) if overtime_days else np.zeros(n, bool)
    mark[ot & ~work] = "加"
    mark[ot & work] = [f"{m}/加" for m in mark[ot & work]]
    return mark


def write_month_grid(w: Writer, result, names: dict) -> None:
    """考勤月报: one row per person, a column per day of the month with its mark, totals at the right."""
    ws = w.book.add_worksheet("考勤月报")
    dates = month_dates(result.year, result.month)
    d = result.days
    kinds = dict(zip(d["date"], d["kind"])) if len(d) else {}
    kind_of = [kinds.get(day, RESTDAY if day.weekday() >= 5 else WORKDAY) for day in dates]
    ot_min: dict[str, int] = {}
    ot_days = set()
    for line in result.overtime:
        ot_min[line.employee_id] = ot_min.get(line.employee_id, 0) + line.minutes
        ot_days.add((line.employee_id, line.day))
    by_person: dict[str, dict] = {}
    for emp, day, mark in zip(d["employee_id"], d["date"], day_marks(d, ot_days)):
        by_person.setdefault(emp, {})[day] = mark
    teams = dict(zip(result.employees["employee_id"], result.employees["team"].fillna("")))

    left = 3
    width = left + len(dates) + len(MONTH_TOTALS)
    w.banner(ws, 0, width, f"考勤月报　{result.label}", w.style(bold=True, font_size=14, align="center"))
    ws.merge_range(1, 0, 1, width - 1, LEGEND, w.style(text_wrap=True, valign="vcenter", font_size=9))
    ws.set_row(1, 28)
    people = result.summary["employee_id"]
    texts = (people, people.map(names), people.map(teams))
    for c, (header, col_width) in enumerate((("工号", 6.5), ("姓名", 7), ("小组", 8))):
        ws.merge_range(2, c, 3, c, header, w.header)
        ws.set_column(c, c, fitted_width(col_width, texts[c]))
    ws.set_column(left, left + len(dates) - 1, 3.6)
    for i, (day, kind) in enumerate(zip(dates, kind_of)):
        shade = {"bg_color": SHADE[kind]} if kind in SHADE else {}
        head = dict(bold=True, border=1, align="center", valign="vcenter", **shade)
        ws.write_number(2, left + i, day.day, w.style("int", **head))
        ws.write_string(3, left + i, WEEKDAYS[day.weekday()], w.style(**head))
    first_total = left + len(dates)
    for j, (header, _) in enumerate(MONTH_TOTALS):
        ws.merge_range(2, first_total + j, 3, first_total + j, header, w.header)
    ws.set_column(first_total, width - 1, 5.2)
    ws.set_row(2, 18)

    @functools.cache
    def day_style(mark: str, kind: str):
        color = next((c for ch, c in MARK_COLOR if ch in mark), None)
        props = dict(border=1, align="center", valign="vcenter", shrink=True)
        if kind in SHADE:
            props["bg_color"] = SHADE[kind]
        if color:
            props["font_color"] = color
        if mark.startswith("旷"):
            props["bold"] = True
        return w.style(**props)

    first = 4
    r = first - 1
    s = result.summary
    sums = [0] * len(MONTH_TOTALS)
    cell = dict(border=1, valign="vcenter")
    for r, rec in enumerate(s.itertuples(index=False), start=first):
        emp = rec.employee_id
        w.write_cells(ws, r, [emp, names.get(emp, ""), teams.get(emp) or ""], ["text"] * 3, **cell)
        person = by_person.get(emp, {})
        for i, (day, kind) in enumerate(zip(dates, kind_of)):
            mark = person.get(day)
            if mark is None:
                ws.write_blank(r, left + i, None, day_style("", kind))
            else:
                ws.write_string(r, left + i, mark, day_style(mark, kind))
        totals = [int(rec.scheduled_days), int(rec.attended), int(rec.late_count), int(rec.early_count),
                  int(rec.absent_days), int(rec.missing_punch), int(rec.leave_min), ot_min.get(emp, 0)]
        sums = [a + b for a, b in zip(sums, totals)]
        w.write_cells(ws, r, [t if k == "int" else round(t / 60, 2) for t, (_, k) in zip(totals, MONTH_TOTALS)],
                      [k for _, k in MONTH_TOTALS], col=first_total, align="center", **cell)
    total_row = r + 1
    w.write_cells(ws, total_row, ["合计", f"{len(s)} 人", ""], ["text"] * 3, bold=True, **cell)
    for j, (value, (_, kind)) in enumerate(zip(sums, MONTH_TOTALS)):
        w.sum_cell(ws, total_row, first_total + j, first, total_row - 1,
                   value if kind == "int" else round(value / 60, 2), kind, align="center", **cell)
    ws.freeze_panes(first, left)
    w.page(ws, f"考勤月报 {result.label}", 21.5 + 3.6 * len(dates) + 5.2 * len(MONTH_TOTALS), (2, 3),
           repeat_columns=2, gridlines=False, landscape=True)


def write_attendance(w: Writer, result, names: dict) -> None:
    write_month_grid(w, result, names)
    s = result.summary
    ot_min: dict[str, int] = {}
    for line in result.overtime:
        ot_min[line.employee_id] = ot_min.get(line.employee_id, 0) + line.minutes
    head = [("工号", "text", 8), ("姓名", "text", 9), ("应出勤天数", "int", 7), ("实出勤天数", "int", 7),
            ("计薪工作日", "int", 7),
            ("迟到次数", "int", 6), ("迟到分钟", "int", 6), ("严重迟到", "int", 6), ("早退次数", "int", 6),
            ("早退分钟", "int", 6), ("缺卡次数", "int", 6), ("旷工天数", "int", 6), ("旷工未出勤分钟", "int", 8)]
    head += [(f"{t}（小时）", "hours", 7) for t in LEAVE_TYPES]
    head += [("加班小时", "hours", 6), ("补休余额（小时）", "hours", 8)]
    w.table("考勤汇总", head,
            ([r.employee_id, names.get(r.employee_id, ""), r.scheduled_days, r.attended, r.workdays,
              r.late_count, r.late_min,
              r.serious_late, r.early_count, r.early_min, r.missing_punch, r.absent_days, r.absent_unworked_min]
             + [getattr(r, f"leave_min_{t}") for t in LEAVE_TYPES]
             + [ot_min.get(r.employee_id, 0), result.comp_ledger.get(r.employee_id, {}).get("closing", 0)]
             for r in s.itertuples(index=False)), totals=tuple(range(2, len(head))))
    d = result.days
    title = None
    if len(d) > FULL_DETAIL_LIMIT:
        plain = (d["status"] == "正常") | ((d["kind"] != WORKDAY) & (d["punches"] == 0))
        d = d[~plain]
        title = f"考勤明细（{len(result.days):,} 个人天中只列出需要说明的 {len(d):,} 个；完整明细见 考勤明细.csv）"
    w.table("考勤明细", [("工号", "text", 8), ("姓名", "text", 9), ("日期", "date", 10.5), ("日历", "text", 9),
                     ("首次打卡", "typed", 11), ("末次打卡", "typed", 11), ("打卡次数", "int", 6), ("应出勤分钟", "int", 7),
                     ("迟到分钟", "int", 6), ("早退分钟", "int", 6), ("状态", "text", 12), ("原因与条款", WRAP, 60)],
            ([r.employee_id, names.get(r.employee_id, ""), r.date, KIND_LABEL[r.kind], punch_time(r.first_in),
              punch_time(r.last_out),
              r.punches, r.scheduled_min, r.late_min, r.early_min, r.status, r.reason]
             for r in d.itertuples(index=False)), title)
    w.table("扣款明细", [("工号", "text", 8), ("姓名", "text", 9), ("日期", "date", 10.5), ("规则", "text", 12),
                     ("条款", "text", 8), ("金额", "money", 10), ("说明", WRAP, 70)],
            ([f.employee_id, names.get(f.employee_id, ""), f.date, FINE_RULES.get(f.rule, "罚款"), f.clause, f.amount,
              f.explanation] for f in result.fines), totals=(5,))
    w.table("加班明细", [("工号", "text", 8), ("姓名", "text", 9), ("单号", "text", 14), ("日期", "date", 10.5),
                     ("日历", "text", 9), ("分钟", "int", 6), ("小时", "hours", 6), ("倍数", "ratio", 6),
                     ("加班工资", "money", 10), ("补休分钟", "int", 7), ("说明", WRAP, 60)],
            ([o.employee_id, names.get(o.employee_id, ""), o.request_id, o.day, KIND_LABEL.get(o.kind, ""), o.minutes,
              o.minutes, float(o.rate), o.amount, o.comp_minutes, o.explanation] for o in result.overtime),
            totals=(5, 6, 8, 9))
    w.table("预警", [("工号", "text", 8), ("姓名", "text", 9), ("类型", "text", 12), ("条款", "text", 10),
                   ("说明", WRAP, 80)],
            ([a.employee_id, names.get(a.employee_id, ""), a.kind, a.clause, a.message] for a in result.alerts))
