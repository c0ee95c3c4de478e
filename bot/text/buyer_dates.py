"""The date in what a buyer said ("Decision on 14 Dec", "他说12月15日开会定"), read with when.py's parse_when."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from bot.text.when import TypedDate, parse_when
from bot.work_calendar import WorkCalendar

# Longest phrase tried: "the day after tomorrow", "next friday", "14th of December 2026".
MOST_WORDS = 4
_CN_NUM = r"[\d零一二两三四五六七八九十]{1,3}"
# Chinese runs with no spaces around them: each shape parse_when reads, found anywhere in the text.
_CN_PHRASES = re.compile(
    rf"(?:\d{{4}}\s*年\s*)?{_CN_NUM}\s*月\s*{_CN_NUM}\s*[日号]?"
    r"|(?:下|这|本)?(?:周|星期|礼拜)[一二三四五六日天]"
    r"|下周|下星期|下礼拜|大后天|后天|明天|明日"
    rf"|{_CN_NUM}\s*(?:天|个?工作日|周|个?星期|个?礼拜|个月)(?:后|以后|之后)"
    rf"|{_CN_NUM}\s*[日号]"
)
_WORD = re.compile(r"[^\s,;!?()\[\]\"“”，。；！？、（）]+")
# Words that never make a date alone: "a" in "a visit", "next" in "next time".
_NOT_ALONE = {"a", "an", "one", "this", "next", "the", "on", "in", "of"}
# "twice a week", "every 2 weeks", "a week ago": a span, but no day ahead.
_NOT_BEFORE = {"twice", "once", "times", "per", "every", "each"}
_NOT_AFTER = {"ago", "before", "earlier"}


def date_in_text(text: str, today: date, calendar: WorkCalendar | None = None) -> TypedDate | None:
    """The first date the text names, today or later; None when it names none.

    "Decision on 14 Dec" → 14 December; "call me next week" → next Monday; "预算会12月15日开" → 15 December.
    A number alone ("40 valves") is no date.
    """
    folded = unicodedata.normalize("NFKC", text or "")
    found: list[tuple[int, TypedDate]] = []
    for match in _CN_PHRASES.finditer(folded):
        typed = parse_when(match.group(), today, calendar)
        if typed is not None:
            found.append((match.start(), typed))
    words = list(_WORD.finditer(folded))
    for index in range(len(words)):
        for size in range(min(MOST_WORDS, len(words) - index), 0, -1):
            phrase = folded[words[index].start() : words[index + size - 1].end()]
            if size == 1 and (phrase.casefold() in _NOT_ALONE or phrase.isdigit()):
                continue
            before = words[index - 1].group().casefold() if index else ""
            after = words[index + size].group().casefold() if index + size < len(words) else ""
            if before in _NOT_BEFORE or after in _NOT_AFTER:
                continue
            typed = parse_when(phrase, today, calendar)
            if typed is not None:
                found.append((words[index].start(), typed))
                break
    upcoming = [(start, typed) for start, typed in found if typed.day >= today]
    return min(upcoming, key=lambda item: item[0])[1] if upcoming else None
