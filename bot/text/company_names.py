"""Company-name keys, so "ACME  Ltd" and "ａｃｍｅ ltd" find the same lead."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")

COMPANY_MAX = 200

# Legal-form endings that do not tell two customers apart: "Zhang Metalworks Co., Ltd." is "zhang metalworks".
_SUFFIXES = (
    "股份有限公司", "有限责任公司", "有限公司", "集团公司", "公司", "集团", "厂",
    "co., ltd", "co. ltd", "co ltd", "company limited", "limited", "ltd", "llc", "inc", "incorporated",
    "corporation", "corp", "company", "co", "gmbh", "ag", "s.a", "sa", "srl", "s.r.l", "bv", "b.v", "plc", "pty",
    "kk", "k.k", "oy", "ab",
)
_TRAILING = re.compile(r"[\s.,;:()（）]+$")


def folded_name(name: str) -> str:
    """Fold case, width (full-width Ｆｏｒｍｓ → ASCII) and runs of spaces into one key."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return _SPACES.sub(" ", folded).strip()


def company_key(name: str) -> str:
    """The key one open lead per company is kept on: folded like an account's, so "Acme Inc." is the lead "Acme"."""
    return account_key(name)


def account_key(name: str) -> str:
    """The key an account is matched on: the folded name without legal-form endings."""
    key = folded_name(name)
    changed = True
    while changed:
        changed = False
        key = _TRAILING.sub("", key)
        for suffix in _SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                before = key[: -len(suffix)]
                # A latin suffix must stand as its own word: "Acmeco" is not "Acme Co".
                if suffix.isascii() and before[-1:].isalnum():
                    continue
                key, changed = before, True
                break
    return _TRAILING.sub("", key) or folded_name(name)


def clean_text(value: str | None) -> str:
    """Trim a typed value, keeping its inner text exactly as written."""
    return (value or "").strip()
