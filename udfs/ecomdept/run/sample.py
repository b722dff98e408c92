"""A seeded, realistic sample department: roster, a month of punches with the usual irregularities,
leave and overtime requests, orders, bonuses, the tax ledger of earlier months, holidays and rules.

客服 work the evening shift 晚班 (14:00–22:00) on workdays and ordinary weekends with two weekdays
off a week; 仓储发货 their own hours 仓储 (07:00–16:00, an hour's break), and the last of them the
night shift 夜班 (22:00–06:00) in the month's last full week — all as 班次 and 排班 rows. Their
punches, leave and overtime are the admin shift's, moved onto their own shift by the same offsets,
so every other person's data (and the whole random sequence) is what it was without shifts.

Same seed → same workbook. Used by ``ecomdept demo``, the tests and the benchmarks.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import chinese_calendar

from ecomdept.pay import tax
from ecomdept.core.calendar import HOLIDAY, RESTDAY, WORKDAY, WorkCalendar, month_dates
from ecomdept.inputs.cells import id_check_digit
from ecomdept.inputs import send_rules
from ecomdept.inputs.master_workbook import rules_row_values, write_master
from ecomdept.inputs.rules import defaults
from ecomdept.inputs.schema import SHIFTS, TEAM_OF_POSITION
from ecomdept.inputs.shifts import DAY, REST, Shift
from ecomdept.pay.social_insurance import contributions
from ecomdept.core.statutory import city_table

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彩春菊辉鹏飞宇浩然子轩梓涵一诺"
         "欣怡思远佳琪雨桐俊杰志强晓东海燕文博嘉怡梦琪天佑雅婷建国国庆")
ROLE_WEIGHTS = (("程序员", 2), ("售前客服", 6), ("售后客服", 4), ("推广专员", 4), ("美工", 3), ("策划专员", 2),
                ("发货员", 6))
SALARY = {"电子商务主管": (15000, 20000), "程序员": (12000, 18000), "售前客服": (5000, 6500),
          "售后客服": (5000, 6500), "推广专员": (7000, 10000), "美工": (7000, 9500), "策划专员": (7000, 10000),
          "发货员": (4500, 5500)}
PROVINCES = ("上海", "江苏省", "浙江省", "广东省", "北京", "山东省", "四川省", "湖北省", "河南省", "福建省",
             "安徽省", "湖南省", "河北省", "陕西省", "辽宁省", "重庆", "天津", "江西省", "云南省", "广西壮族自治区")
SAMPLE_SHIFTS = (  # (shift, note): the 班次 rows of the sample
    (Shift("晚班", "客服晚班", 14 * 3600, 22 * 3600, ((18 * 3600, 18 * 3600 + 1800),)), "客服：晚上与周末在线"),
    (Shift("仓储", "仓储班", 7 * 3600, 16 * 3600, ((12 * 3600, 13 * 3600),)), "仓储发货：上午打包，下午交快递"),
    (Shift("夜班", "仓储夜班", 22 * 3600, 30 * 3600, ((26 * 3600, 26 * 3600 + 1800),)), "大促夜间发货"),
)
SHIFT_OF_TEAM = {"客服": "晚班", "仓储发货": "仓储"}
DEFAULT_MONTH = "2026-10"
DEFAULT_EMPLOYEES = 30
DEFAULT_SEED = 7


def _t(day: dt.date, seconds: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)


def _hms(h: int, m: int, s: int = 0) -> int:
    return h * 3600 + m * 60 + s


def _anchors(shift: Shift) -> dict[str, int]:
    """The four times a day's punches and requests are drawn around."""
    rest = shift.breaks[0] if shift.breaks else (shift.midpoint, shift.midpoint)
    return {"start": shift.start, "break_start": rest[0], "break_end": rest[1], "end": shift.end}


def _hhmm(seconds: int) -> str:
    return f"{seconds % DAY // 3600:02d}:{seconds % 3600 // 60:02d}"


def shift_rows() -> list[list]:
    """The 班次 sheet of the sample."""
    rows = []
    for shift, note in SAMPLE_SHIFTS:
        values = {"code": shift.code, "name": shift.name, "start": _hhmm(shift.start), "end": _hhmm(shift.end),
                  "break_start": _hhmm(shift.breaks[0][0]), "break_end": _hhmm(shift.breaks[0][1]),
                  "overnight": shift.overnight, "note": note}
        rows.append([values.get(col.id) for col in SHIFTS.columns])
    return rows


class _Builder:
    def __init__(self, employees: int, year: int, month: int, seed: int, orders_per_employee: int):
        self.rng = random.Random(seed)
        self.n, self.year, self.month = employees, year, month
        self.orders_per_employee = orders_per_employee
        self.days = month_dates(year, month)
        self.calendar = WorkCalendar()
        self.rules = defaults()
        self.roster: list[dict] = []
        self.punches: list[list] = []
        self.leave: list[list] = []
        self.overtime: list[list] = []
        self.rota: dict[tuple[str, dt.date], str] = {}  # 排班: (工号, 日期) → 班次 code or 休
        self.rota_rng = random.Random(f"{seed}-排班")  # draws for rostered weekends: the main sequence stays
        self.default_shift = Shift.from_rules(self.rules)
        self.admin = _anchors(self.default_shift)
        self.shifts = {shift.code: shift for shift, _ in SAMPLE_SHIFTS}

    # roster ---------------------------------------------------------------------------------
    def build_roster(self) -> None:
        rng = self.rng
        roles = [r for r, w in ROLE_WEIGHTS for _ in range(w)]
        first, last = self.days[0], self.days[-1]
        for i in range(self.n):
            position = "电子商务主管" if i % 30 == 0 else rng.choice(roles)
            low, high = SALARY[position]
            base = rng.randrange(low, high + 1, 100)
            hire = dt.date(rng.randint(2016, self.year - 1), rng.randint(1, 12), rng.randint(1, 28))
            if i == 5:
                hire = first + dt.timedelta(days=7)  # joins before the 15th
            elif i == 11:
                hire = first + dt.timedelta(days=19)  # joins after the 15th: paid with next month (PAY-05)
            elif i == 17:
                hire = dt.date(self.year, max(1, self.month - 3), 10)
            birth = dt.date(rng.randint(1975, 2003), rng.randint(1, 12), rng.randint(1, 28))
            first17 = f"310101{birth:%Y%m%d}{rng.randint(0, 999):03d}"
            si_base = None if rng.random() < 0.2 else (base if rng.random() < 0.85 else max(4000, base - 3000))
            row = {
                "employee_id": f"E{i + 1:04d}", "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + (
                    rng.choice(GIVEN) if rng.random() < 0.6 else ""),
                "team": TEAM_OF_POSITION[position], "position": position, "manager_id": None, "leader_id": None,
                "hire_date": hire, "leave_date": None, "base_salary": base * 100,
                "allowance": rng.choice((0, 0, 200, 300, 500)) * 100, "clock_id": str(1001 + i),
                "si_base": si_base * 100 if si_base else None,
                "hf_rate": rng.choice((Decimal("0.07"), Decimal("0.07"), Decimal("0.05"), Decimal("0.06"))),
                "special_deduction": rng.choice((0, 0, 1000, 1500, 2000, 3000, 4000)) * 100,
                "id_number": first17 + id_check_digit(first17),
                "bank_account": "6222" + "".join(str(rng.randint(0, 9)) for _ in range(15)),
                "first_job_this_year": hire.year == self.year and rng.random() < 0.5,
                "prior_year_under_60k": hire.year < self.year - 1 and base <= 5000 and rng.random() < 0.5,
                "resign_notice_date": None, "comp_opening_hours": None,
                "email": None if i == 29 else f"e{i + 1:04d}@example.com",  # one without: listed by send
            }
            if i == 23:  # resigns mid-month with two weeks' notice (HR-03)
                row["leave_date"] = first + dt.timedelta(days=20)
                row["resign_notice_date"] = first + dt.timedelta(days=6)
            self.roster.append(row)
        heads = [r["employee_id"] for r in self.roster if r["position"] == "电子商务主管"]
        for index, row in enumerate(self.roster):
            if row["position"] != "电子商务主管":
                row["manager_id"] = heads[index // 30 if index // 30 < len(heads) else 0]
        last_day = last
        self.employed = {r["employee_id"]: (r["hire_date"], r["leave_date"] or last_day) for r in self.roster}

    # shifts ---------------------------------------------------------------------------------
    def build_rota(self) -> None:
        """客服 on 晚班 on workdays and ordinary weekends, two weekdays off a week (by person); 仓储发货 on
        仓储 on workdays, the last of them on 夜班 in the month's last full Monday–Friday week."""
        cs = [r for r in self.roster if r["team"] == "客服"]
        shippers = [r for r in self.roster if r["team"] == "仓储发货"]
        weeks = [d for d in self.days if d.weekday() == 0 and d + dt.timedelta(days=4) in self.days
                 and all(self.calendar.kind(d + dt.timedelta(days=k)) == WORKDAY for k in range(5))]
        night = {weeks[-1] + dt.timedelta(days=k) for k in range(5)} if weeks and len(shippers) > 1 else set()
        for day in self.days:
            kind = self.calendar.kind(day)
            weekend = kind == RESTDAY and day.weekday() >= 5 and not self.calendar.name(day)
            for k, row in enumerate(cs):
                off = day.weekday() in (k % 5, (k + 2) % 5)  # a make-up Saturday is worked
                work = weekend or (kind == WORKDAY and (day.weekday() >= 5 or not off))
                self._roster_day(row, day, "晚班" if work else REST)
            for row in shippers:
                code = ("夜班" if row is shippers[-1] and day in night else "仓储") if kind == WORKDAY else REST
                self._roster_day(row, day, code)

    def _roster_day(self, row: dict, day: dt.date, code: str) -> None:
        if self._works(row, day):
            self.rota[(row["employee_id"], day)] = code

    def rota_rows(self) -> list[list]:
        return [[emp, day, code, None] for (emp, day), code in sorted(self.rota.items())]

    def _shift(self, emp: str, day: dt.date) -> Shift | None:
        """The shift a person works that day (None: 休)."""
        code = self.rota.get((emp, day))
        if code is None:
            return self.default_shift if self.calendar.kind(day) == WORKDAY else None
        return None if code == REST else self.shifts[code]

    def _at(self, emp: str, day: dt.date, anchor: str, offset: int) -> dt.datetime:
        """A time drawn around the admin shift, moved onto the person's shift (on a 休 day: their team's)."""
        row = next(r for r in self.roster if r["employee_id"] == emp)
        shift = self._shift(emp, day) or self.shifts.get(SHIFT_OF_TEAM.get(row["team"], ""), self.default_shift)
        return _t(day, _anchors(shift)[anchor] + offset)

    def _overtime_window(self, emp: str, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """Evening overtime 30–150 minutes after the shift; before it, if that would pass midnight."""
        shift = self._shift(emp, day) or self.default_shift
        if shift.end + 9000 > DAY:
            return self._at(emp, day, "start", -9000), self._at(emp, day, "start", -1800)
        return self._at(emp, day, "end", 1800), self._at(emp, day, "end", 9000)

    # requests -------------------------------------------------------------------------------
    def build_requests(self) -> dict[tuple[str, dt.date], str]:
        """Leave and overtime; returns the person-days whose punches the leave changes."""
        rng = self.rng
        workdays = [d for d in self.days if self.calendar.kind(d) == WORKDAY]
        plan: dict[tuple[str, dt.date], str] = {}
        seq = 0
        for row in self.roster:
            emp = row["employee_id"]
            hire, leave_day = self.employed[emp]
            mine = [d for d in workdays if hire <= d <= leave_day]
            if len(mine) < 4 or rng.random() > 0.3:
                continue
            day = rng.choice(mine[1:-1])
            kind = rng.choice(("full_personal", "half_sick", "hospital", "annual", "pending", "sick_two"))
            seq += 1
            rid = f"QJ{self.year}{self.month:02d}{seq:04d}"
            applied = _t(day - dt.timedelta(days=rng.choice((1, 2, 3))), _hms(10, 0))
            start, end = self._at(emp, day, "start", 0), self._at(emp, day, "end", 0)
            if kind == "full_personal":
                self.leave.append([rid, emp, "事假", start, end, applied, "已批准",
                                   row["manager_id"], None, None, None, "家中有事"])
                plan[(emp, day)] = "off"
            elif kind == "half_sick":
                early = self._at(emp, day, "start", -1800)
                self.leave.append([rid, emp, "病假", start, self._at(emp, day, "break_start", 0), early,
                                   "已批准", row["manager_id"], False, early, None, "上午看病"])
                plan[(emp, day)] = "pm_only"
            elif kind == "hospital":
                self.leave.append([rid, emp, "病假", self._at(emp, day, "break_end", 0),
                                   self._at(emp, day, "break_end", 7200), applied, "已批准",
                                   row["manager_id"], False, None, None, "到医院看病（LV-05）"])
            elif kind == "annual":
                nxt = mine[mine.index(day) + 1]
                self.leave.append([rid, emp, "年假", start, self._at(emp, nxt, "end", 0), applied, "已批准",
                                   row["manager_id"], None, None, None, ""])
                plan[(emp, day)] = plan[(emp, nxt)] = "off"
            elif kind == "pending":
                self.leave.append([rid, emp, "事假", start, end, self._at(emp, day, "start", 1800),
                                   "待审批", row["manager_id"], None, None, None, "当天补交，未批"])
                plan[(emp, day)] = "off"
            else:
                nxt = mine[mine.index(day) + 1]
                self.leave.append([rid, emp, "病假", start, self._at(emp, nxt, "end", 0), applied, "已批准",
                                   row["manager_id"], True, None, None, "发烧，附医院证明"])
                plan[(emp, day)] = plan[(emp, nxt)] = "off"
        # overtime: weekday evenings (150%) and duty on rest days (DUTY-01: two people every day)
        seq = 0
        staff = [r for r in self.roster]
        for day in self.days:
            kind = self.calendar.kind(day)
            if kind == WORKDAY:
                for row in staff:
                    if rng.random() < 0.02 and plan.get((row["employee_id"], day)) is None and self._works(row, day):
                        plan[(row["employee_id"], day)] = "evening_ot"  # on a 休 day: drawn, not worked
                        if self._shift(row["employee_id"], day) is None:
                            continue
                        seq += 1
                        start, end = self._overtime_window(row["employee_id"], day)
                        self.overtime.append([f"JB{self.year}{self.month:02d}{seq:04d}", row["employee_id"],
                                              start, end, "已批准", "加班费", None, "大促备货"])
                continue
            on_duty = [r for r in rng.sample(staff, min(len(staff), 3)) if self._works(r, day)][:2]
            for row in on_duty:
                comp = "补休" if kind == RESTDAY and rng.random() < 0.5 else "加班费"
                if self.rota.get((row["employee_id"], day), REST) != REST:
                    plan[(row["employee_id"], day)] = "rostered_duty"  # on duty by the rota: no overtime record
                    continue
                seq += 1
                self.overtime.append([f"JB{self.year}{self.month:02d}{seq:04d}", row["employee_id"],
                                      _t(day, _hms(8, 30)), _t(day, _hms(12, 0)), "已批准", comp,
                                      comp == "补休", "值班（DUTY-01）"])
                plan[(row["employee_id"], day)] = "duty"
        return plan

    def _works(self, row: dict, day: dt.date) -> bool:
        hire, leave_day = self.employed[row["employee_id"]]
        return hire <= day <= leave_day

    # punches --------------------------------------------------------------------------------
    def build_punches(self, plan: dict[tuple[str, dt.date], str]) -> None:
        rng = self.rng
        out = self.punches
        for row in self.roster:
            emp, clock = row["employee_id"], row["clock_id"]
            for day in self.days:
                if not self._works(row, day):
                    continue
                what = plan.get((emp, day))
                kind = self.calendar.kind(day)
                if what == "rostered_duty":  # the duty punches' draws, then the rostered shift
                    [rng.randint(10, 29), rng.randint(0, 59), rng.randint(0, 15), rng.randint(0, 59)]
                    self._emit_day(row, day, self._shift(emp, day), self._draw_day(self.rota_rng, None))
                    continue
                if what == "duty":
                    out.append([None, clock, _t(day, _hms(8, rng.randint(10, 29), rng.randint(0, 59))), "考勤机", None])
                    out.append([None, clock, _t(day, _hms(12, rng.randint(0, 15), rng.randint(0, 59))), "考勤机", None])
                    continue
                shift = self._shift(emp, day)
                if kind != WORKDAY or what == "off":
                    if kind != WORKDAY and shift is not None and what != "off":  # a rostered weekend
                        self._emit_day(row, day, shift, self._draw_day(self.rota_rng, what))
                    continue
                drawn = self._draw_day(rng, what)  # drawn on a 休 day too: the sequence stays the same
                if shift is not None:
                    self._emit_day(row, day, shift, drawn)

    def _draw_day(self, rng: random.Random, what: str | None):
        """One workday's punches around the admin shift: [(anchor, seconds from it)], a make-up punch,
        a double read, the overtime departure. None: absent without leave (ABS-01)."""
        roll = rng.random()
        if roll < 0.006:
            return None
        arrive = _hms(8, rng.randint(0, 29), rng.randint(0, 59))
        leave_at = _hms(18, rng.randint(0, 25), rng.randint(0, 59))
        usual = leave_at
        if roll < 0.06:
            arrive = _hms(8, 31) + rng.randint(0, 40 * 60)
        elif roll < 0.07:
            arrive = _hms(9, 30) + rng.randint(0, 60 * 60)  # ≥ 60 min late: 旷工 (ABS-04)
        elif roll < 0.09:
            leave_at = _hms(17, rng.randint(15, 59), rng.randint(0, 59))
        at = self.admin
        stamps = [("start", arrive - at["start"])]
        if what == "pm_only":
            stamps = [("break_end", _hms(13, rng.randint(40, 59)) - at["break_end"])]
        if what == "evening_ot":
            leave_at = _hms(20, rng.randint(30, 45))
        if what != "pm_only":
            stamps += [("break_start", _hms(12, rng.randint(0, 10), rng.randint(0, 59)) - at["break_start"]),
                       ("break_end", _hms(13, rng.randint(40, 59), rng.randint(0, 59)) - at["break_end"])]
        stamps.append(("end", leave_at - at["end"]))
        makeup = False
        if 0.09 <= roll < 0.105:
            stamps.pop()  # forgot to punch out: 缺卡
            makeup = roll < 0.094  # ... and filed an approved make-up punch (补卡)
        double = rng.random() < 0.01  # the clock's double read
        return stamps, makeup, double, (leave_at - at["end"], usual - at["end"]) if what == "evening_ot" else None

    def _emit_day(self, row: dict, day: dt.date, shift: Shift, drawn) -> None:
        if drawn is None:
            return
        stamps, makeup, double, overtime = drawn
        if overtime is not None and shift.end + 9000 > DAY:  # overtime before the shift: came early, left as usual
            stamps = [("start", -overtime[0])] + stamps[1:]
            if stamps[-1][0] == "end":
                stamps[-1] = ("end", overtime[1])
        at = _anchors(shift)
        times = [_t(day, at[anchor] + offset) for anchor, offset in stamps]
        if makeup:
            self.punches.append([row["employee_id"], None, _t(day, at["end"]), "补卡", True])
        for stamp in times:
            self.punches.append([None, row["clock_id"], stamp, "考勤机", None])
        if double:
            self.punches.append([None, row["clock_id"], times[0], "考勤机", None])

    # orders, bonus, ledger ------------------------------------------------------------------
    def build_orders(self) -> list[list]:
        rng = self.rng
        cs = [r["employee_id"] for r in self.roster if r["position"] in ("售前客服", "售后客服")] or [None]
        shippers = [r["employee_id"] for r in self.roster if r["position"] == "发货员"] or [None]
        rows = []
        start = dt.datetime(self.year, self.month, 1)
        span = len(self.days) * 86400
        for i in range(self.n * self.orders_per_employee):
            created = start + dt.timedelta(seconds=rng.randrange(span))
            total = Decimal(rng.randrange(1990, 89900, 10)) / 100
            paid = rng.random() < 0.86
            paid_at = created + dt.timedelta(seconds=rng.randint(5, 3600)) if paid else None
            paid_amount = (total - Decimal(rng.choice((0, 0, 0, 5, 10)))) if paid else Decimal(0)
            refund = Decimal(0)
            if paid and rng.random() < 0.15:
                refund = paid_amount if rng.random() < 0.9 else (paid_amount / 2).quantize(Decimal("0.01"))
            shipped = paid_at + dt.timedelta(hours=rng.uniform(2, 60)) if paid and rng.random() < 0.95 else None
            shipped = shipped.replace(microsecond=0) if shipped else None
            eta = (paid_at + dt.timedelta(days=5)).replace(hour=0, minute=0, second=0) if paid else None
            delivered = shipped + dt.timedelta(hours=rng.randint(20, 130)) if shipped and rng.random() < 0.9 else None
            status = "交易关闭" if not paid else ("交易成功" if delivered else ("卖家已发货" if shipped else "买家已付款"))
            review = rng.choice((5, 5, 5, 4, 4, 3, 2, 1)) if delivered and rng.random() < 0.6 else None
            rows.append([f"{self.year}{self.month:02d}{i + 1:08d}", total, paid_amount,
                         rng.choice(PROVINCES), created, paid_at, refund, rng.choice(cs),
                         rng.choice(shippers) if shipped else None, shipped, status, delivered, eta, review])
        return rows

    def build_ads(self) -> list[list]:
        rows = []
        scale = self.n * self.orders_per_employee / 30
        for day in self.days:
            for channel, cost in (("直通车", 60), ("引力魔方", 35), ("淘宝客", 20)):
                spend = Decimal(round(cost * scale * self.rng.uniform(0.6, 1.4)))
                rows.append([day, channel, spend, (spend * Decimal(str(round(self.rng.uniform(1.5, 4.5), 2)))).quantize(
                    Decimal("0.01")), int(scale * self.rng.uniform(25, 45))])
        return rows

    def build_refunds(self, orders: list[list]) -> list[list]:
        """A refund request for each refunded order, walked through the flow — with the slips of a
        real department: a late decision, a check by the wrong person, a refund before the check."""
        rng = self.rng
        head = next(r["employee_id"] for r in self.roster if r["position"] == "电子商务主管")
        after = [r["employee_id"] for r in self.roster if r["position"] == "售后客服"] or [head]
        shippers = [r["employee_id"] for r in self.roster if r["position"] == "发货员"] or [head]
        rows = []
        for n, order in enumerate(o for o in orders if o[6] > 0):
            asked = order[5] + dt.timedelta(hours=rng.uniform(3, 120))
            goods = order[11] is not None and rng.random() < 0.6
            decided = asked + dt.timedelta(hours=rng.uniform(0.5, 30 if rng.random() < 0.1 else 20))
            decider = head if rng.random() < 0.95 else rng.choice(after)
            returned = decided + dt.timedelta(hours=rng.uniform(24, 96)) if goods else None
            checked = returned + dt.timedelta(hours=rng.uniform(1, 30)) if goods else None
            checker = (rng.choice(shippers) if rng.random() < 0.95 else rng.choice(after)) if goods else None
            refunded = (checked if goods else decided) + dt.timedelta(hours=rng.uniform(0.2, 20))
            if goods and rng.random() < 0.03:
                refunded = returned - dt.timedelta(hours=2)  # paid out before the goods were checked
            if refunded > dt.datetime(self.year, self.month, len(self.days), 23, 59):
                refunded = None
            rows.append([f"TK{self.year}{self.month:02d}{n + 1:06d}", order[0], asked.replace(microsecond=0),
                         rng.choice(("七天无理由", "尺码不合适", "质量问题", "发错货", "未收到货")), order[6], goods,
                         rng.choice(after), "同意", decider, decided.replace(microsecond=0),
                         returned.replace(microsecond=0) if returned else None, checker,
                         checked.replace(microsecond=0) if checked else None,
                         refunded.replace(microsecond=0) if refunded else None])
        return rows

    def build_scores(self) -> list[list]:
        label = f"{self.year}-{self.month:02d}"
        manual = {"客服": "满意度", "仓储发货": "发货准确", "运营推广": "计划完成", "技术": "问题解决时效", "管理": "计划完成"}
        head = next(r["employee_id"] for r in self.roster if r["position"] == "电子商务主管")
        return [[label, r["employee_id"], manual[r["team"]], self.rng.randint(65, 100), head, "主管月度评分"]
                for r in self.roster if r["team"] in manual]

    def kpi_rules(self, orders: list[list]) -> list[list]:
        """Per-team KPI targets and weights (KPI-02), sized to this sample's volume."""
        paid = sum(o[2] for o in orders if o[5] is not None)
        cs = sum(1 for r in self.roster if r["team"] == "客服") or 1
        per_cs = int(paid / cs / 1000) * 1000 or 1000
        dept = int(paid / 10000) * 10000 or 10000
        rows = [
            ("kpi.客服.paid_amount.target", per_cs, "元"), ("kpi.客服.paid_amount.weight", "0.5", ""),
            ("kpi.客服.refund_rate.target", "0.15", ""), ("kpi.客服.refund_rate.weight", "0.2", ""),
            ("kpi.客服.满意度.weight", "0.3", ""), ("bonus.客服.base", 800, "元"),
            ("kpi.仓储发货.ship_within_sla_rate.target", "0.95", ""), ("kpi.仓储发货.ship_within_sla_rate.weight", "0.7", ""),
            ("kpi.仓储发货.发货准确.weight", "0.3", ""), ("bonus.仓储发货.base", 500, "元"),
            ("kpi.运营推广.net_sales.target", dept, "元"), ("kpi.运营推广.net_sales.weight", "0.4", ""),
            ("kpi.运营推广.roi.target", "3", ""), ("kpi.运营推广.roi.weight", "0.3", ""),
            ("kpi.运营推广.计划完成.weight", "0.3", ""), ("bonus.运营推广.base", 1000, "元"),
            ("kpi.技术.问题解决时效.weight", "1", ""), ("bonus.技术.base", 1000, "元"),
            ("kpi.管理.net_sales.target", dept, "元"), ("kpi.管理.net_sales.weight", "0.7", ""),
            ("kpi.管理.计划完成.weight", "0.3", ""), ("bonus.管理.base", 2000, "元"),
        ]
        return [[key, "绩效考核", str(value), unit, "KPI-02", "小组考核指标（目标/权重/奖金基数）"] for key, value, unit in rows]

    def build_bonus(self) -> list[list]:
        """Manual overrides only: a special award decided by the department head."""
        label = f"{self.year}-{self.month:02d}"
        picks = [r for r in self.roster if r["team"] == "运营推广"][:1]
        return [[label, r["employee_id"], None, 150000, "大促专项奖（主管决定，覆盖考核计算）"] for r in picks]

    def build_ledger(self) -> list[list]:
        """Earlier tax periods of the tax year, as a payroll ledger kept before this tool. With the
        default 规则 (iit_period = pay_month) period t holds the wages of work month t − 1, paid on
        the 15th of t; October's run (period 2026-11) needs periods 2026-01 … 2026-10."""
        from ecomdept.pay.payroll import pay_date, tax_period

        rules = self.rules
        paid_on, _ = pay_date(self.year, self.month, dt.date(self.year, self.month, 1), self.calendar, rules)
        period_year, period_month = tax_period(self.year, self.month, paid_on, rules)
        rows = []
        for row in self.roster:
            ytd_income = ytd_special = ytd_add = ytd_iit = periods = 0
            for t in range(1, period_month):
                y, m = divmod(t - 2, 12) if rules.iit_period == "pay_month" else divmod(t - 1, 12)
                work_year, work_month = period_year + y, m + 1
                first = dt.date(period_year, t, 1)
                if row["hire_date"] > month_dates(work_year, work_month)[-1]:
                    continue
                periods += 1
                income = row["base_salary"] + row["allowance"]
                city = city_table(rules.city, dt.date(work_year, work_month, 1))
                c = contributions(row["si_base"] or row["base_salary"], row["hf_rate"], rules, city)
                special = c.social_insurance + c.housing_fund
                ytd_income += income
                ytd_special += special
                ytd_add += row["special_deduction"]
                basic = tax.basic_deduction(t, periods, row["first_job_this_year"], row["prior_year_under_60k"], first)
                iit = tax.withholding(ytd_income, 0, basic, ytd_special, ytd_add, 0, ytd_iit, on=first)
                ytd_iit += iit
                rows.append([f"{period_year}-{t:02d}", row["employee_id"], income, special, row["special_deduction"],
                             iit, 0])
        return rows

    def build_holidays(self) -> list[list]:
        rows = []
        day = dt.date(self.year, 1, 1)
        while day.year == self.year:
            try:
                kind = self.calendar.kind(day)
                chinese_calendar.get_holiday_detail(day)
            except NotImplementedError:
                break
            if kind == HOLIDAY:
                rows.append([day, "法定节假日", self.calendar.name(day)])
            elif kind == RESTDAY and day.weekday() < 5:
                rows.append([day, "休息日", self.calendar.name(day) + "（放假）"])
            elif kind == WORKDAY and day.weekday() >= 5:
                rows.append([day, "工作日", (self.calendar.name(day) or "节前节后") + "调休上班"])
            day += dt.timedelta(days=1)
        return rows


def roster_rows(roster: list[dict]) -> list[list]:
    from ecomdept.inputs.schema import EMPLOYEES
    return [[r.get(col.id) for col in EMPLOYEES.columns] for r in roster]


def build(employees: int = DEFAULT_EMPLOYEES, month: str = DEFAULT_MONTH, seed: int = DEFAULT_SEED,
          orders_per_employee: int = 100, months: int = 1) -> dict[str, list[list]]:
    """A seeded master workbook for ``month``; with ``months`` > 1 the same staff's punches,
    requests, orders, ad spend, refunds, bonuses and scores of the following months too (the ledger
    stays before ``month``)."""
    year, mon = (int(p) for p in month.split("-"))
    b = _Builder(employees, year, mon, seed, orders_per_employee)
    b.build_roster()
    b.build_rota()
    plan = b.build_requests()
    b.build_punches(plan)
    orders = b.build_orders()
    ads, refunds = b.build_ads(), b.build_refunds(orders)
    bonus, scores, ledger, holidays = b.build_bonus(), b.build_scores(), b.build_ledger(), b.build_holidays()
    kpi_rules = b.kpi_rules(orders)
    for extra in range(1, months):
        y, m = divmod(mon - 1 + extra, 12)
        later = _Builder(employees, year + y, m + 1, seed + extra, orders_per_employee)
        later.roster = b.roster
        later.employed = {r["employee_id"]: (r["hire_date"], r["leave_date"] or later.days[-1]) for r in b.roster}
        later.build_rota()
        later.build_punches(later.build_requests())
        b.rota.update(later.rota)
        b.punches += later.punches
        b.leave += later.leave
        b.overtime += later.overtime
        later_orders = later.build_orders()
        orders += later_orders
        ads += later.build_ads()
        refunds += later.build_refunds(later_orders)
        bonus += later.build_bonus()
        scores += later.build_scores()
    b.punches.sort(key=lambda r: (r[2], r[1] or r[0] or ""))
    return {
        "员工": roster_rows(b.roster), "打卡": b.punches, "请假": b.leave, "加班": b.overtime,
        "班次": shift_rows(), "排班": b.rota_rows(),
        "订单": orders, "推广": ads, "退款": refunds, "绩效": bonus, "考核评分": scores, "工资台账": ledger,
        "节假日": holidays, "规则": rules_row_values() + kpi_rules + send_rules.sample_rows(),
    }


def write(path: str | Path, employees: int = DEFAULT_EMPLOYEES, month: str = DEFAULT_MONTH,
          seed: int = DEFAULT_SEED, orders_per_employee: int = 100, months: int = 1) -> Path:
    data = build(employees, month, seed, orders_per_employee, months)
    span = month if months == 1 else f"{month} 起 {months} 个月"
    return write_master(path, data, title=f"电商部主工作簿（示例：{employees} 人，{span}，种子 {seed}）")


def months_ending(last: str, count: int) -> list[str]:
    """The ``count`` months up to and including ``last``: months_ending("2026-10", 2) → 2026-09, 2026-10."""
    year, month = (int(p) for p in last.split("-"))
    out = []
    for back in range(count - 1, -1, -1):
        y, m = divmod(year * 12 + month - 1 - back, 12)
        out.append(f"{y:04d}-{m + 1:02d}")
    return out
