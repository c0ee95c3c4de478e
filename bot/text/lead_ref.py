"""Which lead a rep means by `12`, `gulf` or `华为`: a number, or an unambiguous piece of an open lead's company."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text.company_names import account_key
from bot.text.lead_command import lead_number

# How many leads an ambiguous reference lists to pick from.
PICK_LIST = 5
# Shorter pieces of a name match too much to mean anything ("a", "有").
MIN_LATIN, MIN_CJK = 2, 2
_WORD_BREAK = re.compile(r"[\s\-_/.,&+()（）·]+")
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Candidate:
    number: int
    company: str
    owner: str | None


@dataclass(frozen=True)
class Found:
    lead: Candidate


@dataclass(frozen=True)
class Ambiguous:
    choices: tuple[Candidate, ...]  # the pick list: the rep's own first, then by number
    more: int = 0  # how many others matched too


@dataclass(frozen=True)
class NotFound:
    pass


Resolution = Found | Ambiguous | NotFound


def resolve_lead(ref: str, candidates: list[Candidate], user_id: str | None = None) -> Resolution:
    """The lead `ref` means among a team's open leads, preferring `user_id`'s own.

    A number (`12`, `#12`) is that lead. Otherwise, in this order, the first kind of match that finds
    anything decides: the whole name ("Lakeside Packaging Inc." is "lakeside packaging"), the start of
    the name ("lakeside", "acme t"), the start of its words in order ("packaging", "gulf coat"), and for
    Chinese any part of two characters or more ("华为" in "深圳华为"). Within a kind, the rep's own leads
    are looked at first; two or more equally good matches are ambiguous.
    """
    text = ref.strip()
    if not text:
        return NotFound()
    number = lead_number(text)
    if number is not None:
        return next((Found(c) for c in candidates if c.number == number), NotFound())
    key = account_key(text)
    if not _long_enough(key):
        return NotFound()
    keys = [(c, account_key(c.company)) for c in candidates]
    for matches in (_whole, _name_start, _word_starts, _cjk_part):
        found = [c for c, name in keys if matches(key, name)]
        if found:
            return _pick(found, user_id)
    return NotFound()


def _pick(found: list[Candidate], user_id: str | None) -> Resolution:
    own = [c for c in found if user_id is not None and c.owner == user_id]
    for group in (own, found):
        if len(group) == 1:
            return Found(group[0])
        if group:
            ordered = sorted(group, key=lambda c: (c.owner != user_id, c.number))
            return Ambiguous(tuple(ordered[:PICK_LIST]), max(len(ordered) - PICK_LIST, 0))
    return NotFound()


def _long_enough(key: str) -> bool:
    return len(key) >= (MIN_CJK if _CJK.search(key) else MIN_LATIN)


def _whole(key: str, name: str) -> bool:
    return key == name


def _name_start(key: str, name: str) -> bool:
    return name.startswith(key)


def _word_starts(key: str, name: str) -> bool:
    """Every word of `key` starts a word of `name`, in order: "gulf coat" in "acme gulf coatings"."""
    typed, words = _words(key), _words(name)
    position = 0
    for piece in typed:
        while position < len(words) and not words[position].startswith(piece):
            position += 1
        if position == len(words):
            return False
        position += 1
    return bool(typed)


def _cjk_part(key: str, name: str) -> bool:
    return bool(_CJK.search(key)) and key in name


def name_pieces(text: str) -> list[str]:
    """The pieces of a name that references match on: "Acme-Tools Ltd." → ["acme", "tools"]; a lead whose name
    a reference means holds every piece of the reference."""
    return _words(account_key(text))


def _words(text: str) -> list[str]:
    return [word for word in _WORD_BREAK.split(text) if word]
