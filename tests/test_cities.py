"""The five cities' statutory data (data/cities/*.json) and the roster's 参保城市.

Each city: its data file names its notices and the figures it could not confirm; contributions at
the floor, in the middle and at the cap of each insurance; the housing fund's rounding; the
minimum-wage test from that city's figures; a full run of the sample with 规则 city set to it; and a
mixed roster whose people each get their own city's figures.
"""

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pandas as pd
import pytest

from builders import employees
from ecomdept.pay import payroll
from ecomdept.inputs import rules as rules_mod
from ecomdept.run import sample
from ecomdept.core.calendar import WorkCalendar
from ecomdept.pay.history import YearToDate
from ecomdept.inputs.master_workbook import write_master
from ecomdept.pay.payroll import hf_explanation
from ecomdept.pay.penalties import Fine
from ecomdept.run.pipeline import run_payroll
from ecomdept.inputs.schema import EMPLOYEES
from ecomdept.pay.social_insurance import (city_checks, contributions, employee_rates, rate_checks, roster_cities,
                                       unconfirmed_checks)
from ecomdept.core.statutory import DATA, FIGURE_LABELS, INSURANCES, ROUNDINGS, cities, city_table

CITIES = ("beijing", "guangzhou", "hangzhou", "shanghai", "shenzhen")
OCTOBER = dt.date(2026, 10, 1)
RULES = rules_mod.defaults()
CAL = WorkCalendar()

# in force on 2026-10-01: (pension floor, cap), (medical floor, cap), (unemployment floor, cap), employee rates,
# medical fixed (fen), (hf floor, hf cap), monthly minimum wage
EXPECTED = {
    "beijing": ((7270, 36348), (7270, 36348), (7270, 36348), ("0.08", "0.02", "0.005"), 300, (2540, 36348), 2540),
    "shanghai": ((7460, 37302), (7460, 37302), (7460, 37302), ("0.08", "0.02", "0.005"), 0, (2740, 37302), 2740),
    "guangzhou": ((5510, 27549), (5510, 27549), (2500, 39828), ("0.08", "0.02", "0.002"), 0, (2500, 39828), 2500),
    "shenzhen": ((4775, 27549), (6727, 33633), (2520, 44934), ("0.08", "0.02", "0.003"), 0, (2520, 44934), 2520),
    "hangzhou": ((4986, 25299), (4986, 25299), (4986, 25299), ("0.08", "0.02", "0.005"), 0, (2490, 40694), 2490),
}


def raw(city: str) -> dict:
    return json.loads((DATA / "cities" / f"{city}.json").read_text(encoding="utf-8"))


def test_the_five_cities_are_there():
    assert tuple(cities()) == CITIES


@pytest.mark.parametrize("city", CITIES)
def test_data_file_names_its_notices_and_what_it_could_not_confirm(city):
    data = raw(city)
    assert data["city"] == city and data["name"] and ("通知" in data["source"] or "通告" in data["source"])
    assert data["sources_found"] and data["sources"]["rates"] and data["sources"]["minimum_wage_excludes"]
    dates = [v["effective_from"] for v in data["versions"]]
    assert dates == sorted(dates) and len(set(dates)) == len(dates) and dates[0] <= "2023-07-01"
    for version in data["versions"]:
        for group in ("si", "hf", "minimum_wage"):
            notice = version["sources"][group]
            assert any(word in notice for word in ("通知", "通告", "公告")), (city, version["effective_from"], group)
        assert version["notice"]
        assert version["hf_rounding"] in ROUNDINGS and version.get("si_rounding", "fen") in ROUNDINGS
        assert set(version.get("bases", {})) <= set(INSURANCES) - {"pension"}
        for key, why in {**data.get("unconfirmed", {}), **version.get("unconfirmed", {})}.items():
            assert key in FIGURE_LABELS and why, (city, key)
        table = city_table(city, dt.date.fromisoformat(version["effective_from"]))
        assert table.effective_from == version["effective_from"] and table.minimum_wage_hourly > 0
        for kind in INSURANCES:
            low, high = table.base_range(kind)
            assert 0 < low < high
        assert 0 < table.hf_floor < table.hf_cap and table.minimum_wage < table.hf_cap
        if "hf_floor" not in table.unconfirmed:       # the housing fund's floor is the minimum wage
            assert table.hf_floor == table.minimum_wage


@pytest.mark.parametrize("city", CITIES)
def test_contributions_at_floor_middle_and_cap(city):
    pension_range, medical_range, unemployment_range, rates, fixed, hf_range, _ = EXPECTED[city]
    table = city_table(city, OCTOBER)
    assert employee_rates(RULES, table) == dict(zip(("pension", "medical", "unemployment"), map(Decimal, rates)))
    pension, medical, unemployment = map(Decimal, rates)
    for declared, pick in ((100000, 0), (1200000, None), (10000000, 1)):  # ¥1,000, ¥12,000, ¥100,000
        c = contributions(declared, Decimal("0.07"), RULES, table)

        def base(limits):
            return declared if pick is None else limits[pick] * 100

        assert c.bases["pension"] == c.base == base(pension_range)
        assert c.bases["medical"] == base(medical_range) and c.bases["unemployment"] == base(unemployment_range)
        assert c.pension == round(base(pension_range) * pension)
        assert c.medical == round(base(medical_range) * medical) + fixed
        assert c.unemployment == int((Decimal(base(unemployment_range)) * unemployment).quantize(Decimal(1), "ROUND_HALF_UP"))
        assert c.hf_base == (declared if pick is None else hf_range[pick] * 100)
        assert c.social_insurance == c.pension + c.medical + c.unemployment
        for code, _, amount, text in c.lines():
            assert text.endswith(f"= ¥{amount / 100:,.2f}")
        if pick == 0:
            assert table.name in c.note and "下限" in c.note
        elif pick == 1:
            assert "上限" in c.note


def test_shenzhen_medical_and_unemployment_have_their_own_limits():
    """深圳：养老 4,775–27,549（广东省）、医疗 6,727–33,633（深圳市医保局，2026 自然年度）、失业 2,520–44,934."""
    c = contributions(500000, Decimal("0.05"), RULES, city_table("shenzhen", OCTOBER))   # ¥5,000 declared
    assert (c.bases["pension"], c.bases["medical"], c.bases["unemployment"]) == (500000, 672700, 500000)
    lines = {code: text for code, _, _, text in c.lines()}
    assert lines["pension"] == "缴费基数 ¥5,000.00 × 8% = ¥400.00"
    assert lines["medical"].startswith("缴费基数 ¥6,727.00（申报基数 5,000.00 元按深圳2026-01-01 起的医疗保险下限")
    assert lines["medical"].endswith("× 2% = ¥134.54")
    assert c.employer["medical"] == 33635 and c.employer["unemployment"] == 3500   # 6,727 × 5%, 5,000 × 0.7%
    january = city_table("shenzhen", dt.date(2025, 1, 1))                          # 医疗按自然年度
    assert january.base_range("medical") == (6733, 33666) and january.base_range("pension") == (3523, 27501)


def test_beijing_adds_three_yuan_to_medical():
    c = contributions(1000000, Decimal("0.12"), RULES, city_table("beijing", OCTOBER))
    assert c.medical == 20300 and c.medical_fixed == 300
    assert dict((code, text) for code, _, _, text in c.lines())["medical"] == \
        "缴费基数 ¥10,000.00 × 2% + 定额 ¥3.00（大额医疗互助） = ¥203.00"


@pytest.mark.parametrize("city, declared, rate, amount", [
    ("beijing", 746422, "0.07", 52200),     # 522.4954 → 522
    ("shanghai", 746422, "0.07", 52200),
    ("guangzhou", 254000, "0.05", 12700),   # 127.00
    ("shenzhen", 252000, "0.05", 12600),    # the floor 2,520 × 5% = 126.00
    ("hangzhou", 300010, "0.12", 36000),    # 360.012 → 360
])
def test_housing_fund_rounding_per_city(city, declared, rate, amount):
    table = city_table(city, OCTOBER)
    c = contributions(declared, Decimal(rate), RULES, table)
    assert c.housing_fund == amount
    assert hf_explanation(c, table).endswith(f"¥{amount / 100:,.2f}（{table.name}公积金缴存额取整到元）")


def test_housing_fund_rounded_to_fen_jiao_or_yuan_from_the_exact_product():
    table = city_table("beijing", OCTOBER)
    results = {}
    for rounding in ROUNDINGS:
        c = contributions(746422, Decimal("0.05"), RULES, dataclasses.replace(table, hf_rounding=rounding))
        results[rounding] = c.housing_fund                       # 7,464.22 × 5% = 373.211
        text = hf_explanation(c, dataclasses.replace(table, hf_rounding=rounding))
        assert "373.211 元" in text and text.endswith(("¥373.21", "到角）", "到元）"))
    assert results == {"fen": 37321, "jiao": 37320, "yuan": 37300}


@pytest.mark.parametrize("city, before, after, changed_on", [
    ("beijing", 2420, 2540, dt.date(2025, 9, 1)),
    ("guangzhou", 2300, 2500, dt.date(2025, 3, 1)),
    ("shenzhen", 2360, 2520, dt.date(2025, 3, 1)),
    ("hangzhou", 2280, 2490, dt.date(2023, 12, 1)),
    ("shanghai", 2690, 2740, dt.date(2025, 7, 1)),
])
def test_minimum_wage_by_effective_date(city, before, after, changed_on):
    assert city_table(city, changed_on - dt.timedelta(days=1)).minimum_wage == before
    assert city_table(city, changed_on).minimum_wage == after


def compute(city: str, base: int, fines=(), **emp):
    record = next(employees("E1", base=base, **emp).itertuples(index=False))
    summary = {"workdays": 18, "unpaid_leave_min": 0, "absent_unworked_min": 0}
    return payroll.compute(record, summary, [], list(fines), 0, YearToDate(), CAL, RULES, city_table(city, OCTOBER),
                           2026, 10, 450)


@pytest.mark.parametrize("city", CITIES)
def test_a_base_below_the_city_minimum_is_flagged(city):
    minimum = EXPECTED[city][-1]
    low = compute(city, (minimum - 100) * 100)
    (sheet, column, text), = low.warnings
    assert sheet == "员工" and f"低于{city_table(city, OCTOBER).name}月最低工资 ¥{minimum:,}.00" in text
    assert not compute(city, 20000 * 100).warnings


def test_what_counts_toward_the_minimum_is_the_city_s():
    """Beijing and Shanghai exclude the employee's own social insurance and housing fund from the
    minimum wage; Guangdong, Shenzhen and Zhejiang count them: a ¥2,800 base is short of Beijing's
    ¥2,540 once ¥766.35 of SI and ¥196 of HF are taken off, and enough in Guangzhou."""
    beijing = compute("beijing", 280000)
    (_, _, text), = beijing.warnings
    assert "个人社保 ¥766.35" in text and "个人公积金 ¥196.00" in text
    assert not compute("guangzhou", 280000).warnings and not compute("shenzhen", 280000).warnings


@pytest.mark.parametrize("city", CITIES)
def test_fines_never_take_pay_below_the_city_minimum(city):
    """A ¥1,000 fine on a base a little above what the city's minimum needs: the fine is cut so that
    what counts toward the minimum (Beijing, Shanghai: after the employee's own SI and HF) is the
    minimum exactly."""
    minimum = EXPECTED[city][-1] * 100
    own_excluded = city in ("beijing", "shanghai")
    fine = Fine("E1", "2026-10-13", "manual", "ABS-10", 100000, "损失赔偿")
    p = compute(city, minimum + (150000 if own_excluded else 30000), [fine])
    counted = p.base_pay - p.penalties - (p.social_insurance + p.housing_fund if own_excluded else 0)
    assert 0 < p.penalties < 100000 and p.penalties < p.base_pay * 20 // 100
    assert counted == minimum
    cut = next(l for l in p.lines if l.code == "penalty_cap")
    assert f"¥{minimum / 100:,.2f}" in cut.explanation and cut.amount == p.penalties - 100000


def test_company_rates_away_from_the_default_win_and_are_warned():
    guangzhou = city_table("guangzhou", OCTOBER)
    assert employee_rates(RULES, guangzhou)["unemployment"] == Decimal("0.002")   # the default → the city's
    company = RULES.with_values(unemployment_rate=Decimal("0.01"))
    assert employee_rates(company, guangzhou)["unemployment"] == Decimal("0.01")
    (issue,) = rate_checks(guangzhou, company)
    assert issue.sheet == "规则" and "广州法定个人费率 0.2%" in issue.message and issue.field == "unemployment_rate"
    assert not rate_checks(guangzhou, RULES)


@pytest.mark.parametrize("city", CITIES)
def test_unconfirmed_figures_are_warned_with_city_figures_and_file(city):
    table = city_table(city, OCTOBER)
    issues = unconfirmed_checks(table)
    assert table.unconfirmed_used(), city        # every city has figures still to confirm
    (issue,) = issues
    assert issue.severity == "警告" and issue.sheet == "规则" and issue.field == "city"
    assert table.name in issue.message and f"data/cities/{city}.json" in issue.message
    assert all(FIGURE_LABELS[key] in issue.message for key in table.unconfirmed_used())
    assert "非全日制小时最低工资标准" not in issue.message   # recorded, not computed with


def staff_frame(*cities_of):
    return pd.DataFrame({"employee_id": [f"E{n}" for n in range(1, len(cities_of) + 1)],
                         "si_city": list(cities_of), "hf_rate": [Decimal("0.07")] * len(cities_of),
                         "xl_row": list(range(2, len(cities_of) + 2))})


def test_roster_city_accepts_chinese_names_and_ids_and_blocks_unknown_ones():
    default = city_table("shanghai", OCTOBER)
    staff = staff_frame(None, "北京", "beijing", "深圳市", " Guangzhou ", "杭州", "成都", "")
    by_emp, issues = roster_cities(staff, default, OCTOBER)
    assert [by_emp[e].city for e in staff["employee_id"]] == [
        "shanghai", "beijing", "beijing", "shenzhen", "guangzhou", "hangzhou", "shanghai", "shanghai"]
    (issue,) = issues
    assert issue.blocking and issue.sheet == "员工" and issue.row == 8 and issue.field == "si_city"
    assert "成都" in issue.message and all(name in issue.message for name in ("北京", "广州", "杭州", "上海", "深圳"))


def test_checks_for_a_mixed_roster_name_each_city_once():
    default = city_table("shanghai", OCTOBER)
    staff = staff_frame(None, "北京", "北京", "广州")
    by_emp, _ = roster_cities(staff, default, OCTOBER)
    issues = city_checks(default, by_emp, staff, RULES, OCTOBER)
    unconfirmed = [i for i in issues if "未能从官方通知核实" in i.message]
    assert [(i.sheet, i.row, i.message[:2]) for i in unconfirmed] == [("规则", None, "上海"), ("员工", 3, "北京"),
                                                                     ("员工", 5, "广州")]
    assert "E2、E3" in unconfirmed[1].message
    stale = [i for i in issues if "个月" in i.message]
    assert {i.message[:2] for i in stale} == {"上海", "广州"}      # both last updated 2025-07


# ---- full runs of the sample ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_data():
    return sample.build()


def run(tmp_path, data, city: str | None = None, roster: dict[int, str] | None = None):
    import copy
    data = copy.deepcopy(data)
    if city:
        next(r for r in data["规则"] if r[0] == "city")[2] = city
    column = [c.id for c in EMPLOYEES.columns].index("si_city")
    for index, value in (roster or {}).items():
        data["员工"][index][column] = value
    path = write_master(tmp_path / "master.xlsx", data, month=sample.DEFAULT_MONTH)
    outcome = run_payroll(path, sample.DEFAULT_MONTH, tmp_path / "out", pdf=False, show_progress=False)
    return outcome


def by_id(outcome):
    return {p.employee_id: p for p in outcome.result.pays}


def check_person(pay, emp, city: str):
    """The person's withheld SI/HF are their city's, recomputed here from the table."""
    table = city_table(city, OCTOBER)
    declared = emp["si_base"] or emp["base_salary"]
    c = contributions(declared, emp["hf_rate"] if emp["hf_rate"] is not None else RULES.default_hf_rate,
                      RULES, table)
    assert (pay.social_insurance, pay.housing_fund) == (c.social_insurance, c.housing_fund), (pay.employee_id, city)
    assert pay.employer_cost == c.employer
    low, high = EXPECTED[city][0]
    pension_base = min(max(declared, low * 100), high * 100)
    assert next(l for l in pay.lines if l.code == "pension").explanation.startswith(
        f"缴费基数 ¥{pension_base / 100:,.2f}")


@pytest.mark.parametrize("city, written", [("beijing", "北京"), ("guangzhou", "广州"), ("shenzhen", "shenzhen"),
                                           ("hangzhou", "杭州市"), ("shanghai", "上海")])
def test_a_run_with_rules_city_set_to_each_city(tmp_path, sample_data, city, written):
    outcome = run(tmp_path, sample_data, written)
    assert outcome.code == 0, outcome.message
    roster = {r["employee_id"]: r for r in outcome.result.employees.to_dict("records")}
    for pay in outcome.result.pays:
        check_person(pay, roster[pay.employee_id], city)
    minimum = EXPECTED[city][-1]
    warned = [i for i in outcome.issues if i.column == "月基本工资"]
    assert all(f"{city_table(city, OCTOBER).name}月最低工资 ¥{minimum:,}.00" in i.message for i in warned)
    notes = [i for i in outcome.issues if "未能从官方通知核实" in i.message]
    assert len(notes) == 1 and notes[0].sheet == "规则" and f"data/cities/{city}.json" in notes[0].message
    assert outcome.info["statutory_data"][f"city:{city}"] == city_table(city, OCTOBER).effective_from


def test_a_mixed_roster_gives_each_person_their_city(tmp_path, sample_data):
    overrides = {0: "北京", 1: "广州", 2: "shenzhen", 3: "杭州", 4: "上海"}      # 规则 city stays shanghai
    outcome = run(tmp_path, sample_data, None, overrides)
    assert outcome.code == 0, outcome.message
    roster = {r["employee_id"]: r for r in outcome.result.employees.to_dict("records")}
    pays = by_id(outcome)
    expected = {sample_data["员工"][i][0]: c for i, c in
                {0: "beijing", 1: "guangzhou", 2: "shenzhen", 3: "hangzhou", 4: "shanghai"}.items()}
    for emp_id, pay in pays.items():
        check_person(pay, roster[emp_id], expected.get(emp_id, "shanghai"))
    first = sample_data["员工"][0][0]
    medical = next(l for l in pays[first].lines if l.code == "medical")
    assert "定额 ¥3.00" in medical.explanation                                 # Beijing's 3 元, for that person only
    assert all("定额" not in l.explanation for p in pays.values() if p.employee_id != first for l in p.lines)
    warned = {i.message[:2] for i in outcome.issues if "未能从官方通知核实" in i.message}
    assert warned == {"上海", "北京", "广州", "深圳", "杭州"}
    # run.json names the version of every city's table the month used, not only 规则 city's
    used = outcome.info["statutory_data"]
    for city in ("shanghai", "beijing", "guangzhou", "shenzhen", "hangzhou"):
        assert used[f"city:{city}"] == city_table(city, OCTOBER).effective_from


def test_an_unknown_roster_city_blocks_the_run(tmp_path, sample_data):
    outcome = run(tmp_path, sample_data, None, {0: "成都"})
    assert outcome.code != 0
    (issue,) = [i for i in outcome.issues if i.blocking]
    assert issue.sheet == "员工" and issue.field == "si_city" and "成都" in issue.message and "北京" in issue.message


def test_shenzhen_sick_pay_keeps_sixty_percent_of_the_wage_whatever_the_service():
    """深圳市员工工资支付条例第二十三条: 60% of the normal wage, not below 80% of the minimum wage."""
    from fractions import Fraction

    from ecomdept.core.money import round_half_up
    from ecomdept.pay.deductions import Basis, sick_leave

    table = city_table("shenzhen", OCTOBER)
    basis = Basis(900000, Fraction(22), "22 天", 480)  # 9,000 元, 22 workdays of 8 hours
    one_day = sick_leave(basis, 480, 1, table, Decimal("0"), 22)
    long_service = sick_leave(basis, 480, 20, table, Decimal("0"), 22)
    full = basis.amount(480)
    assert one_day.kept == long_service.kept == round_half_up(Fraction(full) * Fraction(6, 10))
    assert "本人工资的 60%" in one_day.explanation and "年档" not in one_day.explanation
    assert "深圳市员工工资支付条例第二十三条" in one_day.explanation
    low = sick_leave(Basis(250000, Fraction(22), "22 天", 480), 480, 1, table, Decimal("0"), 22)
    assert low.kept == round_half_up(Fraction(table.minimum_wage_fen) * Fraction(8, 10) / 22)  # the floor wins
