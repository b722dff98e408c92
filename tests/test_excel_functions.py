"""UDFs called as Excel calls them: floats for numbers, None for blank cells."""

from ecomdept.excel.functions import ed_iit


def test_ed_iit_contract_with_sta_example():
    # STA 2018 No. 61 interpretation, example 2: month 1 = 555, month 2 = 625
    assert ed_iit(30000.0, None, 5000.0, 4500.0, 2000.0, None, 0.0) == 555.0
    assert ed_iit(60000.0, 0.0, 10000.0, 9000.0, 4000.0, 0.0, 555.0) == 625.0
    assert ed_iit(60000.0, 0.0, 10000.0, 9000.0, 4000.0, 0.0, 555.0, 25.0) == 600.0


def test_ed_iit_never_negative_and_rounds_to_fen():
    assert ed_iit(1000.0, None, 5000.0, None, None, None, None) == 0.0
    assert ed_iit(12345.67, 0, 5000, 0, 0, 0, 0) == 220.37


def test_ed_iit_text_gives_a_short_chinese_message():
    assert ed_iit("一万", None, 5000.0, 0, 0, 0, 0) == "错误：累计收入应为数字"
