"""人民币大写: an amount in fen written in capitals, as on a cheque or a payslip.

The rules are those of 《支付结算办法》附件一《正确填写票据和结算凭证的基本规定》:

* digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟 within a group of four, groups 万 and 亿;
* a ten is written with its digit: 10 元 → 壹拾元整, 110 000 元 → 壹拾壹万元整;
* zeros between digits are written as one 零 (1 409 元 → 壹仟肆佰零玖元, 6 007 元 → 陆仟零柒元,
  100 700 元 → 壹拾万零柒佰元, 100 007 000 元 → 壹亿零柒仟元); where the zeros end at the 万 (亿)
  digit and the 仟 digit after it is not zero, the 万 stands between them without 零; zeros at the end
  of the yuan take no 零;
* 整 after 元 when there are no 角 and 分; none after 分, and none after 角 (the rule allows it to
  be left out: 1 409.50 → 壹仟肆佰零玖元伍角);
* 角 zero and 分 not: 零 after 元 (325.04 → 叁佰贰拾伍元零肆分); 元 digit zero and 角 not: 零 after
  元 too — of the rule's two forms the first, one 零 at 元 (1 680.32 → 壹仟陆佰捌拾元零叁角贰分,
  107 000.53 → 壹拾万柒仟元零伍角叁分);
* less than a yuan: the 角 and 分 alone (0.05 → 伍分); nothing at all: 零元整;
* a negative amount: 负 before the figures.
"""

from __future__ import annotations

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


def _yuan(number: int) -> str:
    """Whole yuan (> 0) in capitals, without 元."""
    digits = [int(d) for d in str(number)]
    top = len(digits) - 1
    if top >= 4 * len(_GROUPS):
        raise ValueError("金额过大，无法写成大写")
    text, zero = "", False
    for index, digit in enumerate(digits):
        place = top - index
        if digit:
            if zero:
                text += "零"
            text += DIGITS[digit] + _PLACES[place % 4]
            zero = False
        elif text:
            zero = True
        if place % 4 == 0 and place:
            if any(digits[max(0, index - 3):index + 1]):  # the group has a digit: its 万 / 亿
                text += _GROUPS[place // 4]
                if zero and digits[index + 1]:  # 万位 zero, 仟位 not: the 万 separates (壹拾万柒仟)
                    zero = False
    return text


def rmb_upper(fen: int, prefix: str = "人民币") -> str:
    """¥7,145.19 (714519 fen) → 人民币柒仟壹佰肆拾伍元壹角玖分; 0 → 人民币零元整."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError("金额须为整数分")
    sign = "负" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    jiao, fen_digit = divmod(cents, 10)
    if yuan == 0 and cents == 0:
        return f"{prefix}零元整"
    text = _yuan(yuan) + "元" if yuan else ""
    if cents == 0:
        return f"{prefix}{sign}{text}整"
    if yuan and (jiao == 0 or yuan % 10 == 0):  # 元位 or 角位 zero: one 零 after 元
        text += "零"
    if jiao:
        text += DIGITS[jiao] + "角"
    if fen_digit:
        text += DIGITS[fen_digit] + "分"
    return f"{prefix}{sign}{text}"
