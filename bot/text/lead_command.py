"""Reads what a rep typed after `/lead` into a subcommand and its plain arguments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.text.amounts import Amount, AmountError, parse_amount, parse_currency

SUBCOMMANDS = (
    "new", "list", "show", "log", "snooze", "won", "reopen", "lost", "assign", "order", "summary", "settings",
    "inbound", "link", "unlink", "stats", "help",
)

# Company before the dash, the request after it: "Acme — wants a proposal".
# Longest separators first so "——" is not read as two "—".
_QUICK_SEPARATOR = re.compile(r"\s*(?:——|—|--|：)\s*|\s+-\s+")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_BARE_USER_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")
_NUMBER_REF = re.compile(r"^#?(\d{1,9})$")
# A channel as Slack escapes it in a command's text: `<#C0123ABC|deals-acme>`, or `<#C0123ABC>`.
_CHANNEL_MENTION = re.compile(r"<#([CG][A-Z0-9]{2,20})(?:\|[^>]*)?>")


@dataclass(frozen=True)
class Command:
    name: str  # a known subcommand, "help", or "unknown"
    args: str  # the rest of the text, trimmed
    typed: str = ""  # the word the rep typed, for "I don't know X"


# Chinese words for the subcommands; a rep may type them with or without a space after.
ALIASES = {
    "新建": "new", "列表": "list", "查看": "show", "跟进": "log", "推迟": "snooze", "成交": "won", "丢单": "lost",
    "转交": "assign", "订单": "order", "汇总": "summary", "设置": "settings", "帮助": "help", "询盘": "inbound",
    "重新打开": "reopen", "重开": "reopen", "取消关联": "unlink", "关联": "link", "统计": "stats", "数据": "stats",
}
# The kinds of follow-up `/lead log` records, and the other words reps use for them.
KINDS = ("call", "wechat", "email", "visit", "message", "meeting")
KIND_WORDS = {
    "phone": "call", "tel": "call", "weixin": "wechat", "wx": "wechat",
    "电话": "call", "打电话": "call", "微信": "wechat", "邮件": "email", "拜访": "visit", "消息": "message",
    "短信": "message", "会议": "meeting", "见面": "meeting",
}
# `/lead list all` and `/lead list mine`, in either language.
LIST_SCOPES = {"all": "all", "everyone": "all", "team": "all", "全部": "all", "所有": "all", "全体": "all",
               "mine": "mine", "my": "mine", "我的": "mine", "自己": "mine"}
# `/lead inbound roundrobin on`, however it is spelt.
ROUND_ROBIN_WORDS = ("roundrobin", "round-robin", "轮流")
# `/lead inbound mail on`: enquiries from the sales mailbox are posted in this channel.
MAIL_WORDS = ("mail", "email", "e-mail", "邮件", "邮箱")
# `/lead 汇总 开启` and the like.
SUMMARY_WORDS = {"开启": "on", "打开": "on", "关闭": "off", "每天": "daily", "每日": "daily", "每周": "weekly"}
_FIRST_WORD = re.compile(r"(\S+)\s*(.*)", re.DOTALL)


def parse(text: str) -> Command:
    """Split `/lead` text into a subcommand and the rest; empty text asks for help."""
    stripped = (text or "").strip()
    if not stripped:
        return Command("help", "")
    word, rest = _FIRST_WORD.match(stripped).groups()
    name = word.lower()
    if name in SUBCOMMANDS:
        return Command(name, rest.strip(), word)
    alias = next((a for a in ALIASES if stripped.startswith(a)), None)
    if alias:
        return Command(ALIASES[alias], stripped[len(alias) :].strip(), alias)
    return Command("unknown", stripped, word)


def stats_scope(args: str) -> str:
    """`/lead stats me` (`我的`, `mine`) → "me"; nothing or anything else → "team"."""
    return "me" if args.strip().casefold() in ("me", "my", "mine", "我", "我的", "自己") else "team"


def list_scope(args: str) -> str:
    """`all`, `全部` → "all"; `mine`, `我的`, nothing (or anything else) → "mine"."""
    return LIST_SCOPES.get(args.strip().casefold(), "mine")


def touch_kind(word: str) -> str | None:
    """`call`, `phone` or `电话` → "call"; `wechat` or `微信` → "wechat"; None when the word names no kind."""
    lowered = word.lower()
    return lowered if lowered in KINDS else KIND_WORDS.get(lowered)


def split_quick_capture(args: str) -> tuple[str, str]:
    """`Acme Oilfield — wants a proposal` → ("Acme Oilfield", "wants a proposal")."""
    parts = _QUICK_SEPARATOR.split(args, maxsplit=1)
    company = parts[0].strip()
    asked_for = parts[1].strip() if len(parts) > 1 else ""
    return company, asked_for


def split_ref(args: str) -> tuple[str, str]:
    """First word is the lead reference, the rest is free text (any space, full-width too, separates)."""
    match = _FIRST_WORD.match(args.strip())
    return (match.group(1), match.group(2).strip()) if match else ("", "")


def lead_number(ref: str) -> int | None:
    """`12` or `#12` → 12; anything else is a company name."""
    match = _NUMBER_REF.match(ref.strip())
    return int(match.group(1)) if match else None


def split_channel(text: str) -> tuple[str, str | None]:
    """`12 <#C0123|deals-acme>` → ("12", "C0123"): the text without the channel mentioned in it, and the channel."""
    match = _CHANNEL_MENTION.search(text)
    if match is None:
        return text.strip(), None
    return (text[: match.start()] + text[match.end() :]).strip(), match.group(1)


def mentioned_user(text: str) -> str | None:
    """`<@U123|maria>` (an escaped mention) or a bare `U123…` id → the user id."""
    word = text.strip()
    match = _MENTION.match(word)
    if match:
        return match.group(1)
    return word if _BARE_USER_ID.match(word) else None


_SNOOZE = re.compile(r"^(\d{1,3})\s*([dw]?)$", re.IGNORECASE)


def snooze_days(text: str) -> int | None:
    """`3`, `3d` → 3 days; `2w` → 14; empty → 1 day; anything else None."""
    word = text.strip().lower()
    if not word:
        return 1
    match = _SNOOZE.match(word)
    if not match or int(match.group(1)) == 0:
        return None
    return int(match.group(1)) * (7 if match.group(2) == "w" else 1)


@dataclass(frozen=True)
class OrderCommand:
    company: str
    amount: Amount
    currency: str | None
    ordered_on: date | None
    note: str


class OrderSyntaxError(ValueError):
    """`/lead order` text we cannot read; `word` is the part that looked like an amount, if any."""

    def __init__(self, word: str = "") -> None:
        super().__init__(word)
        self.word = word


_MULTIPLIER_STARTS = frozenset("k千万w亿")
_QUOTED = re.compile(r'^\s*["“”\'](.+?)["“”\']\s*(.*)$')


def parse_order(args: str) -> OrderCommand:
    """`Zhang Metalworks 2,400 CNY 2026-11-20 repeat order`: company, amount, then optional currency, date, note.

    The company runs up to the first word that reads as an amount; quote a name that
    contains one (`"Studio 54" 2400`).
    """
    quoted = _QUOTED.match(args)
    if quoted:
        company, words = quoted.group(1).strip(), quoted.group(2).split()
        amount_word, rest = (words[0], words[1:]) if words else ("", [])
    else:
        words = args.split()
        index = next((i for i, word in enumerate(words) if i > 0 and _is_amount(word)), None)
        if index is None:
            suspect = next((w for w in words[1:] if any(ch.isdigit() for ch in w)), "")
            raise OrderSyntaxError(suspect)
        company, amount_word, rest = " ".join(words[:index]), words[index], words[index + 1 :]
    # "1.2 万", "2.4 k": a multiplier typed apart from its number belongs to it.
    if rest and rest[0][:1].lower() in _MULTIPLIER_STARTS and _is_amount(amount_word + rest[0]):
        amount_word, rest = amount_word + rest[0], rest[1:]
    if not company or not amount_word:
        raise OrderSyntaxError()
    try:
        amount = parse_amount(amount_word)
    except AmountError:
        raise OrderSyntaxError(amount_word) from None
    currency = amount.currency
    if rest and parse_currency(rest[0]):
        currency, rest = parse_currency(rest[0]), rest[1:]
    ordered_on = None
    if rest:
        try:
            ordered_on, rest = date.fromisoformat(rest[0]), rest[1:]
        except ValueError:
            pass
    return OrderCommand(company, amount, currency, ordered_on, " ".join(rest))


def _is_amount(word: str) -> bool:
    try:
        parse_amount(word)
    except AmountError:
        return False
    return True
