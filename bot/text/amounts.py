"""Reads money the way reps type it: 2400, 2,400, ¥2,400, 2.4k, 1.2万, 2400.50 USD."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

SYMBOLS = {"¥": "CNY", "$": "USD", "€": "EUR", "£": "GBP", "₹": "INR", "₩": "KRW"}
CODE_ALIASES = {"RMB": "CNY", "人民币": "CNY", "元": "CNY", "块": "CNY", "YUAN": "CNY"}
# Codes accepted as a word of their own in `/lead order`; anything else is part of the note.
KNOWN_CODES = frozenset(
    "CNY USD EUR GBP JPY HKD TWD SGD KRW INR AUD CAD CHF RUB AED SAR BRL MXN ZAR THB VND MYR IDR PHP NZD SEK NOK "
    "DKK PLN TRY CZK HUF ILS EGP NGN KZT UAH".split()
)
MULTIPLIERS = {"": 1, "k": 1_000, "千": 1_000, "万": 10_000, "w": 10_000, "亿": 100_000_000}
AMOUNT_MAX = Decimal("1e13")

# "1.2 万" with a space is as common as "1.2万".
_NUMBER = re.compile(r"^(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<mult>[k千万w亿]?)$")
_CODE = re.compile(r"^[A-Z]{3}$")


class AmountError(ValueError):
    """Not an amount we can read."""


@dataclass(frozen=True)
class Amount:
    value: Decimal
    currency: str | None  # None when the text named no currency


def parse_amount(text: str) -> Amount:
    """Parse one amount; raise AmountError for anything else (including zero and negatives)."""
    raw = unicodedata.normalize("NFKC", text or "").strip()
    currency = None
    if raw[:1] in SYMBOLS:
        currency, raw = SYMBOLS[raw[0]], raw[1:].lstrip()
    for alias, code in CODE_ALIASES.items():
        if raw.upper().endswith(alias):
            currency, raw = code, raw[: -len(alias)].rstrip()
            break
        if not alias.isascii() and len(alias) > 1 and raw.startswith(alias):  # 人民币1.2万
            currency, raw = code, raw[len(alias) :].lstrip()
            break
    # A code may touch a multiplier ("1.2万USD", "2.4kUSD"), but not other letters ("ABCUSD").
    if len(raw) > 3 and _CODE.match(raw[-3:].upper()) and (not _latin_letter(raw[-4]) or raw[-4].lower() in "kw"):
        currency, raw = raw[-3:].upper(), raw[:-3].rstrip()
    elif len(raw) > 3 and _CODE.match(raw[:3].upper()) and not raw[3].isalpha():
        currency, raw = CODE_ALIASES.get(raw[:3].upper(), raw[:3].upper()), raw[3:].lstrip()
    match = _NUMBER.match(raw.lower())
    if not match:
        raise AmountError(text)
    try:
        value = Decimal(match.group("num").replace(",", "")) * MULTIPLIERS[match.group("mult")]
    except InvalidOperation:
        raise AmountError(text) from None
    if value <= 0 or value >= AMOUNT_MAX:
        raise AmountError(text)
    return Amount(value.quantize(Decimal("0.01")), currency)


def _latin_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def parse_currency(text: str) -> str | None:
    """"usd", "RMB", "¥", "元" → an ISO code; None when the word is not a currency."""
    word = unicodedata.normalize("NFKC", text or "").strip()
    if word in SYMBOLS:
        return SYMBOLS[word]
    upper = word.upper()
    if upper in CODE_ALIASES:
        return CODE_ALIASES[upper]
    return upper if upper in KNOWN_CODES else None


def money(value: Decimal, currency: str) -> str:
    """¥24,000 / $1,250.50 / 3,000 CHF — and ¥2.4万 for a Chinese reader."""
    from bot.text.formatting import number  # formatting reads the reader's language; amounts stays free of it

    symbol = {code: sym for sym, code in SYMBOLS.items()}.get(currency)
    return f"{symbol}{number(value)}" if symbol else f"{number(value)} {currency}"
