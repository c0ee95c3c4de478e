"""Amounts as reps type them, and what is refused."""

from decimal import Decimal

import pytest

from bot.text.amounts import AmountError, money, parse_amount, parse_currency


@pytest.mark.parametrize(
    "text,value,currency",
    [
        ("2400", "2400", None),
        ("2,400", "2400", None),
        ("2400.50", "2400.50", None),
        ("¥2,400", "2400", "CNY"),
        ("￥2,400", "2400", "CNY"),
        ("2.4k", "2400", None),
        ("2.4K", "2400", None),
        ("1.2万", "12000", None),
        ("3千", "3000", None),
        ("2400元", "2400", "CNY"),
        ("RMB2400", "2400", "CNY"),
        ("$1,250.50", "1250.50", "USD"),
        ("2400usd", "2400", "USD"),
        ("１２００", "1200", None),
        ("1,234,567.89", "1234567.89", None),
        ("1.2 万", "12000", None),
        ("１．２万", "12000", None),
        ("1.2W", "12000", None),
        ("1.2万元", "12000", "CNY"),
        ("¥1.2万", "12000", "CNY"),
        ("1.2万USD", "12000", "USD"),
        ("2.4kUSD", "2400", "USD"),
        ("人民币1.2万", "12000", "CNY"),
        ("1.2万人民币", "12000", "CNY"),
    ],
)
def test_the_forms_reps_type(text, value, currency):
    assert parse_amount(text) == parse_amount(text)  # pure
    parsed = parse_amount(text)
    assert parsed.value == Decimal(value) and parsed.currency == currency


@pytest.mark.parametrize(
    "text",
    [
        "", "abc", "-5", "0", "0.00", "1,2345", "2.4.1", "12k5", "¥", "万", "1e9", "NaN", "∞", "2400 2400", "ABCUSD",
        "1.2 万 万",
    ],
)
def test_garbage_is_refused(text):
    with pytest.raises(AmountError):
        parse_amount(text)


@pytest.mark.parametrize(
    "word,code", [("usd", "USD"), ("RMB", "CNY"), ("¥", "CNY"), ("元", "CNY"), ("for", None), ("abc", None)]
)
def test_currency_words(word, code):
    assert parse_currency(word) == code


def test_money_uses_the_symbol_when_there_is_one():
    assert money(Decimal("24000"), "CNY") == "¥24,000"
    assert money(Decimal("1250.5"), "USD") == "$1,250.50"
    assert money(Decimal("3000"), "CHF") == "3,000 CHF"
