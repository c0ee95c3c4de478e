""""Did you mean …?" for a `/lead` sub-command nobody knows: `lsit` → `list`, `丢` → `丢单`."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from bot.text.lead_command import ALIASES, SUBCOMMANDS

# Words reps reach for that are not sub-commands, and the one they meant.
SYNONYMS = {
    "add": "new", "create": "new", "capture": "new", "ls": "list", "leads": "list", "view": "show",
    "open": "show", "info": "show", "note": "log", "touch": "log", "followup": "log", "follow-up": "log",
    "later": "snooze", "remind": "snooze", "postpone": "snooze", "defer": "snooze", "win": "won",
    "lose": "lost", "loss": "lost", "transfer": "assign", "reassign": "assign", "give": "assign",
    "orders": "order", "buy": "order", "report": "summary", "config": "settings", "prefs": "settings",
    "channel": "inbound", "?": "help", "h": "help",
    "新增": "新建", "添加": "新建", "录入": "新建", "清单": "列表", "列出": "列表", "查询": "查看", "看看": "查看",
    "延后": "推迟", "延期": "推迟", "稍后": "推迟", "赢单": "成交", "签单": "成交", "成单": "成交", "输单": "丢单",
    "丢失": "丢单", "输了": "丢单", "分配": "转交", "移交": "转交", "下单": "订单", "总结": "汇总", "周报": "汇总",
}
# Two Chinese words this unlike are different words.
CUTOFF = 0.6
_LATIN_WORD = re.compile(r"[a-z?-]+")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


@dataclass(frozen=True)
class Suggestion:
    name: str  # the sub-command, as `lead_command.parse` names it ("lost")
    word: str  # what to show the rep, in the language they typed ("lost" or "丢单")


def suggest_subcommand(typed: str) -> Suggestion | None:
    """The sub-command `typed` most likely meant, or None when nothing is close enough to ask about."""
    word = unicodedata.normalize("NFKC", typed or "").strip().casefold()
    if latin := _LATIN_WORD.match(word):
        return _suggest_latin(latin.group())
    if cjk := _CJK_RUN.match(word):
        return _suggest_chinese(cjk.group())
    return None


def _suggest_latin(word: str) -> Suggestion | None:
    if word in SUBCOMMANDS:
        return Suggestion(word, word)
    if word in SYNONYMS:
        return Suggestion(SYNONYMS[word], SYNONYMS[word])
    # Edit distance counting a swap as one slip, so "lsit" is "list" and not "lost"; a longer word may
    # carry two slips. Similarity only breaks ties.
    allowed = 1 if len(word) <= 4 else 2
    ranked = sorted(
        (_slips(word, name), -difflib.SequenceMatcher(None, word, name).ratio(), name) for name in SUBCOMMANDS
    )
    best = ranked[0]
    if best[0] > allowed or ranked[1][:2] == best[:2]:
        return None
    return Suggestion(best[2], best[2])


def _slips(typed: str, meant: str) -> int:
    """Optimal-string-alignment distance: letters added, dropped, changed, or two neighbours swapped."""
    rows = [list(range(len(meant) + 1))]
    for i, a in enumerate(typed, 1):
        row = [i]
        for j, b in enumerate(meant, 1):
            row.append(min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (a != b)))
            if i > 1 and j > 1 and a == meant[j - 2] and typed[i - 2] == b:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _suggest_chinese(run: str) -> Suggestion | None:
    # Longest first: the run may carry what followed the word ("丢12" arrives as "丢", "输单竞品" as all of it).
    for length in range(len(run), 0, -1):
        head = run[:length]
        if head in ALIASES:
            return Suggestion(ALIASES[head], head)
        if head in SYNONYMS:
            return Suggestion(ALIASES[SYNONYMS[head]], SYNONYMS[head])
    # One character a single alias starts with: "丢" is 丢单; "查" could only be 查看.
    starting = [alias for alias in ALIASES if alias[0] == run[0]]
    if len(starting) == 1:
        return Suggestion(ALIASES[starting[0]], starting[0])
    close = difflib.get_close_matches(run[:2], ALIASES, n=1, cutoff=CUTOFF)
    return Suggestion(ALIASES[close[0]], close[0]) if close else None
