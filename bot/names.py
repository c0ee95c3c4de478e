"""Company-name keys, so "ACME  Ltd" and "ａｃｍｅ ltd" find the same lead."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")

COMPANY_MAX = 200


def company_key(name: str) -> str:
    """Fold case, width (full-width Ｆｏｒｍｓ → ASCII) and runs of spaces into one key."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return _SPACES.sub(" ", folded).strip()


def clean_text(value: str | None) -> str:
    """Trim a typed value, keeping its inner text exactly as written."""
    return (value or "").strip()
