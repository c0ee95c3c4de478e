"""The small-steady-buyer rule at its edges, and account matching."""

from datetime import date
from decimal import Decimal

import pytest

from bot.services.small_buyers import SmallBuyerRule, add_months
from bot.text.company_names import account_key

RULE = SmallBuyerRule(
    min_orders=3, window_months=36, spread_months=6, recent_months=12, ceiling=Decimal(10000), currency="CNY",
    ask_again_days=90,
)
TODAY = date(2026, 12, 1)


def orders(*dates_and_amounts, currency="CNY"):
    return [(date.fromisoformat(d), Decimal(a), currency) for d, a in dates_and_amounts]


def test_three_small_orders_over_six_months_make_a_steady_buyer():
    assert RULE.applies(orders(("2026-01-10", 2000), ("2026-04-02", 3000), ("2026-07-10", 2500)), TODAY)


def test_two_orders_are_not_enough():
    assert not RULE.applies(orders(("2026-01-10", 2000), ("2026-07-10", 2500)), TODAY)


def test_spread_of_five_months_is_not_steady_but_six_is():
    assert not RULE.applies(orders(("2026-01-10", 2000), ("2026-03-01", 2000), ("2026-06-09", 2000)), TODAY)
    assert RULE.applies(orders(("2026-01-10", 2000), ("2026-03-01", 2000), ("2026-07-10", 2000)), TODAY)


def test_one_order_above_the_ceiling_means_not_small():
    assert not RULE.applies(orders(("2026-01-10", 2000), ("2026-04-02", 10001), ("2026-07-10", 2500)), TODAY)
    assert RULE.applies(orders(("2026-01-10", 2000), ("2026-04-02", 10000), ("2026-07-10", 2500)), TODAY)


def test_the_last_order_must_be_within_twelve_months():
    assert not RULE.applies(orders(("2024-06-01", 2000), ("2025-01-01", 2000), ("2025-11-30", 2000)), TODAY)
    assert RULE.applies(orders(("2024-06-01", 2000), ("2025-01-01", 2000), ("2025-12-01", 2000)), TODAY)


def test_orders_older_than_the_window_do_not_count():
    assert not RULE.applies(orders(("2023-11-30", 2000), ("2026-04-01", 2000), ("2026-11-01", 2000)), TODAY)


def test_orders_in_another_currency_are_left_out():
    mixed = orders(("2026-01-10", 2000), ("2026-07-10", 2500)) + orders(("2026-04-02", 900), currency="USD")
    assert not RULE.applies(mixed, TODAY)


@pytest.mark.parametrize(
    "day,months,expected",
    [("2026-08-31", 6, "2027-02-28"), ("2026-01-31", 1, "2026-02-28"), ("2026-12-01", -36, "2023-12-01")],
)
def test_add_months_clamps_to_the_month_end(day, months, expected):
    assert add_months(date.fromisoformat(day), months) == date.fromisoformat(expected)


@pytest.mark.parametrize(
    "name",
    ["Zhang Metalworks Co., Ltd.", "zhang metalworks", "ZHANG  METALWORKS LTD", "Ｚｈａｎｇ Ｍｅｔａｌｗｏｒｋｓ Inc."],
)
def test_company_suffixes_and_forms_match_one_account(name):
    assert account_key(name) == "zhang metalworks"


def test_chinese_legal_forms_match_one_account():
    assert account_key("张三金属加工有限公司") == account_key("张三金属加工") == account_key("张三金属加工股份有限公司")


def test_a_name_that_merely_ends_like_a_suffix_is_kept():
    assert account_key("Acmeco") == "acmeco" and account_key("Co") == "co"
