"""Reads what a rep typed after `/lead` into a subcommand and its plain arguments."""

from __future__ import annotations

import re
from dataclasses import dataclass

SUBCOMMANDS = ("new", "list", "show", "log", "won", "lost", "assign", "inbound", "help")

# Company before the dash, the request after it: "Acme — wants a proposal".
# Longest separators first so "——" is not read as two "—".
_QUICK_SEPARATOR = re.compile(r"\s*(?:——|—|--|：)\s*|\s+-\s+")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_BARE_USER_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")
_NUMBER_REF = re.compile(r"^#?(\d{1,9})$")


@dataclass(frozen=True)
class Command:
    name: str  # a known subcommand, "help", or "unknown"
    args: str  # the rest of the text, trimmed
    typed: str = ""  # the word the rep typed, for "I don't know X"


def parse(text: str) -> Command:
    """Split `/lead` text into a subcommand and the rest; empty text asks for help."""
    stripped = (text or "").strip()
    if not stripped:
        return Command("help", "")
    word, _, rest = stripped.partition(" ")
    name = word.lower()
    if name in SUBCOMMANDS:
        return Command(name, rest.strip(), word)
    return Command("unknown", stripped, word)


def split_quick_capture(args: str) -> tuple[str, str]:
    """`Acme Oilfield — wants a proposal` → ("Acme Oilfield", "wants a proposal")."""
    parts = _QUICK_SEPARATOR.split(args, maxsplit=1)
    company = parts[0].strip()
    asked_for = parts[1].strip() if len(parts) > 1 else ""
    return company, asked_for


def split_ref(args: str) -> tuple[str, str]:
    """First word is the lead reference, the rest is free text."""
    ref, _, rest = args.strip().partition(" ")
    return ref, rest.strip()


def lead_number(ref: str) -> int | None:
    """`12` or `#12` → 12; anything else is a company name."""
    match = _NUMBER_REF.match(ref.strip())
    return int(match.group(1)) if match else None


def mentioned_user(text: str) -> str | None:
    """`<@U123|maria>` (an escaped mention) or a bare `U123…` id → the user id."""
    word = text.strip()
    match = _MENTION.match(word)
    if match:
        return match.group(1)
    return word if _BARE_USER_ID.match(word) else None
