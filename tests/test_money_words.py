"""人民币大写: the examples of 《支付结算办法》附件一, and every amount reads back to its figures."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecomdept.core.money_words import DIGITS, rmb_upper


@pytest.mark.parametrize("fen, words", [
    (714519, "人民币柒仟壹佰肆拾伍元壹角玖分"),
    # the rule's own examples (its first form where it allows two)
    (140950, "人民币壹仟肆佰零玖元伍角"),
    (600714, "人民币陆仟零柒元壹角肆分"),
    (168032, "人民币壹仟陆佰捌拾元零叁角贰分"),
    (10700053, "人民币壹拾万柒仟元零伍角叁分"),
    (1640902, "人民币壹万陆仟肆佰零玖元零贰分"),
    (32504, "人民币叁佰贰拾伍元零肆分"),
    # 整 only when there are no 角 and 分
    (100, "人民币壹元整"), (1000, "人民币壹拾元整"), (100000000, "人民币壹佰万元整"), (800000, "人民币捌仟元整"),
    (0, "人民币零元整"), (5, "人民币伍分"), (50, "人民币伍角"), (55, "人民币伍角伍分"), (1010, "人民币壹拾元零壹角"),
    # zeros in the middle: one 零 for a run; the 万 / 亿 unit written once for its group
    (101000, "人民币壹仟零壹拾元整"), (100100, "人民币壹仟零壹元整"), (10070000, "人民币壹拾万零柒佰元整"),
    (100700000, "人民币壹佰万柒仟元整"), (10000700000, "人民币壹亿零柒仟元整"), (10000000100, "人民币壹亿零壹元整"),
    (11000000, "人民币壹拾壹万元整"), (1000000500, "人民币壹仟万零伍元整"), (12345678901, "人民币壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元零壹分"),
    (-1234, "人民币负壹拾贰元叁角肆分"),
])
def test_rule_examples(fen, words):
    assert rmb_upper(fen) == words


def test_prefix_and_type():
    assert rmb_upper(714519, prefix="") == "柒仟壹佰肆拾伍元壹角玖分"
    with pytest.raises(TypeError):
        rmb_upper(71.45)


UNITS = {"拾": 10, "佰": 100, "仟": 1000}


def read_back(words: str) -> int:
    """The figures of an amount in capitals (for the property below)."""
    text = words.removeprefix("人民币")
    sign = -1 if text.startswith("负") else 1
    text = text.removeprefix("负").removesuffix("整")
    yuan_text, _, cents_text = text.rpartition("元") if "元" in text else ("", "", text)
    total, section, digit = 0, 0, 0
    for ch in yuan_text:
        if ch in DIGITS:
            digit = DIGITS.index(ch)
        elif ch in UNITS:
            section += digit * UNITS[ch]
            digit = 0
        elif ch == "万":
            total += (section + digit) * 10000
            section = digit = 0
        elif ch == "亿":
            total = (total + section + digit) * 100000000
            section = digit = 0
    yuan = total + section + digit
    cents = 0
    for ch, next_ in zip(cents_text, cents_text[1:] + " "):
        if ch in DIGITS and next_ in "角分":
            cents += DIGITS.index(ch) * (10 if next_ == "角" else 1)
    return sign * (yuan * 100 + cents)


@given(st.integers(min_value=-10 ** 14, max_value=10 ** 14))
def test_every_amount_reads_back_and_follows_the_zero_rules(fen):
    words = rmb_upper(fen)
    assert read_back(words) == fen
    body = words.removeprefix("人民币")
    if fen == 0:
        return
    assert "零零" not in body and not body.rstrip("整").endswith("零")
    assert not any(f"零{unit}" in body for unit in ("万", "亿", "元", "角", "分", "拾", "佰", "仟"))
    assert body.endswith("整") == (fen % 100 == 0)
    assert "拾" not in body or not body.lstrip("负").startswith("拾")  # 壹拾, never a bare 拾
