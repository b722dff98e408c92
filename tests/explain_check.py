"""A reader's calculator for the payslip explanations: every 「expression = amount」 in a line,
done with the numbers as printed, must give the printed amount to its last printed digit.

Conventions the explanations follow: ASCII parentheses group arithmetic; full-width （…） are
remarks; words and units between numbers are ignored; ¥ amounts, plain numbers and percentages
are operands; × ÷ + − are the operators."""

from __future__ import annotations

import html
import re
from fractions import Fraction

AMOUNT = r"-?¥[\d,]+\.\d+|-?[\d,]+(?:\.\d+)?\s*元"
# what an expression may come to: an amount, a percentage, a plain number (days, hours, a score)
RESULT = re.compile(rf"=\s*[\u4e00-\u9fff]*\s*({AMOUNT}|-?\d[\d,]*(?:\.\d+)?%|-?\d[\d,]*(?:\.\d+)?)(?![\d-])")
SEPARATORS = "；：，。→;"
TOKEN = re.compile(r"-?¥[\d,]+(?:\.\d+)?|\d[\d,]*(?:\.\d+)?%?|[×÷+−\-()*/]")


def _number(text: str) -> tuple[Fraction, int]:
    """A printed number and its decimals (a percentage as a fraction, with two more decimals)."""
    text = text.replace("¥", "").replace(",", "").replace("元", "").strip()
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("-")
    percent = text.endswith("%")
    text = text.rstrip("%")
    decimals = len(text.split(".")[1]) if "." in text else 0
    if percent:
        return sign * Fraction(text) / 100, decimals + 2
    return sign * Fraction(text), decimals


def _strip_remarks(text: str) -> str:
    while True:
        stripped = re.sub(r"（[^（）]*）", " ", text)
        if stripped == text:
            return text
        text = stripped


def evaluate(expression: str) -> Fraction | None:
    tokens = TOKEN.findall(_strip_remarks(expression))
    if not any(t[0].isdigit() or t.lstrip("-").startswith("¥") for t in tokens):
        return None
    out, ops = [], []
    prec = {"+": 1, "−": 1, "-": 1, "×": 2, "÷": 2, "*": 2, "/": 2}

    def apply():
        op = ops.pop()
        b, a = out.pop(), out.pop()
        out.append(a + b if op == "+" else a - b if op in "−-" else a * b if op in "×*" else a / b)
    expect_operand = True
    for t in tokens:
        if t == "(":
            ops.append(t)
            expect_operand = True
        elif t == ")":
            while ops and ops[-1] != "(":
                apply()
            if ops:
                ops.pop()
            expect_operand = False
        elif t in prec and not (t == "-" and expect_operand):
            if expect_operand:
                continue  # an operator with nothing before it (after a word): ignore
            while ops and ops[-1] != "(" and prec[ops[-1]] >= prec[t]:
                apply()
            ops.append(t)
            expect_operand = True
        else:
            if not expect_operand:  # two numbers in a row: a label's number (e.g. a count), keep the last
                out.pop()
            value = Fraction(t.rstrip("%").replace("¥", "").replace(",", ""))
            out.append(value / 100 if t.endswith("%") else value)
            expect_operand = False
    while ops:
        if ops[-1] == "(":
            ops.pop()
            continue
        apply()
    return out[-1] if out else None


def _clause_start(text: str, end: int) -> int:
    """Where the clause that ends at ``end`` begins: after the last separator outside remarks."""
    depth = 0
    for i in range(end - 1, -1, -1):
        ch = text[i]
        if ch == "）":
            depth += 1
        elif ch == "（":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in SEPARATORS:
            return i + 1
    return 0


def checks(text: str):
    """(expression, printed result, computed) for every 「… = amount」 in the text."""
    for match in RESULT.finditer(text):
        expression = text[_clause_start(text, match.start()):match.start()]
        if "=" in expression:
            expression = expression.rsplit("=", 1)[1]
        computed = evaluate(expression)
        if computed is None:
            continue
        yield expression.strip(), match.group(1), computed


def half_up(value: Fraction, decimals: int) -> Fraction:
    scaled = value * 10**decimals
    whole = abs(scaled.numerator) // scaled.denominator
    if (abs(scaled) - whole) * 2 >= 1:
        whole += 1
    return Fraction(-whole if scaled < 0 else whole, 10**decimals)


def failures(text: str) -> list[str]:
    bad = []
    for expression, shown, computed in checks(text):
        value, decimals = _number(shown)
        if half_up(computed, decimals) != value:
            bad.append(f"{expression} = {shown}（计算得 {float(computed):.6f}）")
    return bad


BLOCKS = re.compile(r"<(td|th|dt|dd|li|p|h1|h2|span|div)\b[^>]*>|</(td|th|dt|dd|li|p|h1|h2|span|div)>")
RESULT_BLOCK = re.compile(r'<div class="result">.*?<span class="amount">([^<]*)</span>.*?'
                          r'(?:<span class="formula">([^<]*)</span>)?\s*</div>', re.S)


def page_text(page: str) -> str:
    """A payslip page's text as a reader sees it: one line per cell, item or paragraph."""
    body = page.split("</style>", 1)[-1]
    body = re.sub(r"<small\b[^>]*>.*?</small>", " ", body, flags=re.S)  # clause citations
    text = BLOCKS.sub("\n", body)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def page_failures(page: str) -> tuple[int, list[str]]:
    """(expressions checked, the ones that do not recompute) on one rendered payslip: every line, and
    every subtotal's 「amount = expression」."""
    bad, count = [], 0
    for line in page_text(page).splitlines():
        found = list(checks(line))
        count += len(found)
        bad += failures(line)
    for amount, formula in RESULT_BLOCK.findall(page):
        if not formula:
            continue
        expression = html.unescape(formula).lstrip("= ")
        value, decimals = _number(html.unescape(amount))
        computed = evaluate(expression)
        count += 1
        if computed is None or half_up(computed, decimals) != value:
            bad.append(f"{html.unescape(amount)} = {expression}")
    return count, bad
