"""Dates as reps type them, in English and Chinese: `tomorrow`, `3d`, `Dec 15`, `下周一`, `12月15号`."""

from __future__ import annotations

import calendar as gregorian
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from bot.work_calendar import WorkCalendar

# More than this many units ahead is a typo, not a follow-up date.
MAX_UNITS = 999


@dataclass(frozen=True)
class TypedDate:
    """A date read from what a rep typed.

    `relative` dates are computed from today ("tomorrow", "in 3 days", "next week") and already moved onto a
    working day; `moved_from` is the day they first landed on when that was a rest day. Explicit dates
    ("Dec 15", "friday", "下周一") are kept as named; `is_rest_day` says the caller should add a one-line note.
    """

    day: date
    relative: bool
    is_rest_day: bool = False
    moved_from: date | None = None


_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
    "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_WEEKDAYS = {
    "mon": 1, "monday": 1, "tue": 2, "tues": 2, "tuesday": 2, "wed": 3, "weds": 3, "wednesday": 3,
    "thu": 4, "thur": 4, "thurs": 4, "thursday": 4, "fri": 5, "friday": 5, "sat": 6, "saturday": 6,
    "sun": 7, "sunday": 7,
}
_CN_WEEKDAYS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}
_EN_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# Words for "today + n days".
_DAYS_AWAY = {
    "today": 0, "tomorrow": 1, "tmr": 1, "tmrw": 1, "day after tomorrow": 2,
    "the day after tomorrow": 2, "今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3,
}
_NEXT_WEEK = ("next week", "下周", "下星期", "下礼拜")

# Digits may touch their unit ("3d"); a word needs a space ("a week"), or "and" would read as "a d".
_EN_NUMBER = r"(?:(\d{1,3})\s*|(" + "|".join(sorted(_EN_NUMBERS, key=len, reverse=True)) + r")\s+)"
_CN_NUMBER = r"(\d{1,3}|[零一二两三四五六七八九十]{1,3})"
_MONTH_WORD = r"(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ORDINAL = r"(?:st|nd|rd|th)?"

# Spans: "in 3 days", "3d", "2 weeks", "3 working days", "in a month".
_EN_SPAN = re.compile(
    rf"^(?:in\s+)?{_EN_NUMBER}"
    r"(d|days?|w|wks?|weeks?|months?|mos?|(?:working|business|work)\s+days?|workdays?)"
    r"(?:\s+(?:from\s+now|later|time))?$"
)
_EN_UNITS = {
    "d": "d", "day": "d", "days": "d", "w": "w", "wk": "w", "wks": "w", "week": "w", "weeks": "w",
    "month": "m", "months": "m", "mo": "m", "mos": "m",
}
# "3日" alone is the 3rd of the month; "3日后" is three days away.
_CN_SPAN = re.compile(
    rf"^{_CN_NUMBER}\s*(?:(天|个?工作日|周|个?星期|个?礼拜|个月)(?:后|以后|之后)?|(日)(?:后|以后|之后))$"
)
_EN_WEEKDAY = re.compile(r"^(?:(next|this)\s+)?(" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")\.?$")
_CN_WEEKDAY = re.compile(r"^(下|这|本)?(?:周|星期|礼拜)([一二三四五六日天])$")
_CN_WHICH = {"下": "next", "这": "this", "本": "this"}
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{4}))?$")
_MONTH_DAY = re.compile(rf"^{_MONTH_WORD}\s*(\d{{1,2}}){_ORDINAL}(?:,?\s+(\d{{4}}))?$")
_DAY_MONTH = re.compile(rf"^(\d{{1,2}}){_ORDINAL}\s*(?:of\s+)?{_MONTH_WORD}(?:,?\s+(\d{{4}}))?$")
_CN_DATE = re.compile(rf"^(?:(\d{{4}})\s*年\s*)?{_CN_NUMBER}\s*月\s*{_CN_NUMBER}\s*(?:日|号)?$")
_DAY_OF_MONTH = re.compile(rf"^(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)$|^{_CN_NUMBER}\s*(?:日|号)$")


def parse_when(text: str, today: date, calendar: WorkCalendar | None = None) -> TypedDate | None:
    """Read a date typed against `today`; None when the text is not one we read.

    Without a calendar every day counts as a working day.
    """
    words = _normalise(text)
    if not words:
        return None
    for read in (_days_away, _span, _weekday, _explicit):
        found = read(words, today, calendar)
        if found is not None:
            return found
    return None


def _normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text or "").casefold().strip()
    folded = re.sub(r"^on\s+", "", folded)
    return re.sub(r"\s+", " ", folded).rstrip(".!。！")


def _relative(day: date, calendar: WorkCalendar | None) -> TypedDate:
    if calendar is None or calendar.is_working_day(day):
        return TypedDate(day, relative=True)
    return TypedDate(calendar.next_working_day(day), relative=True, moved_from=day)


def _explicit(words: str, today: date, calendar: WorkCalendar | None) -> TypedDate | None:
    day = _named_date(words, today)
    if day is None:
        return None
    return TypedDate(day, relative=False, is_rest_day=calendar is not None and not calendar.is_working_day(day))


def _days_away(words: str, today: date, calendar: WorkCalendar | None) -> TypedDate | None:
    if words in _DAYS_AWAY:
        return _relative(today + timedelta(days=_DAYS_AWAY[words]), calendar)
    if words in _NEXT_WEEK:
        return _relative(today + timedelta(days=8 - today.isoweekday()), calendar)
    return None


def _span(words: str, today: date, calendar: WorkCalendar | None) -> TypedDate | None:
    if match := _EN_SPAN.match(words):
        digits, word, unit = match.groups()
        count = int(digits) if digits else _EN_NUMBERS[word]
        unit = _EN_UNITS.get(unit, "working")
    elif match := _CN_SPAN.match(words):
        count, unit = _cn_number(match.group(1)), match.group(2) or match.group(3)
        unit = "working" if unit.endswith("工作日") else {"天": "d", "日": "d", "月": "m"}.get(unit[-1], "w")
    else:
        return None
    if count is None or not 1 <= count <= MAX_UNITS:
        return None
    if unit == "working":
        # Counted on the calendar itself, so the result is a working day and nothing moves.
        if calendar is None:
            return TypedDate(today + timedelta(days=count), relative=True)
        return TypedDate(calendar.add_working_days(today, count), relative=True)
    if unit == "m":
        return _relative(_add_months(today, count), calendar)
    return _relative(today + timedelta(days=count * (7 if unit == "w" else 1)), calendar)


def _weekday(words: str, today: date, calendar: WorkCalendar | None) -> TypedDate | None:
    if match := _EN_WEEKDAY.match(words):
        which, weekday = match.group(1), _WEEKDAYS[match.group(2)]
    elif match := _CN_WEEKDAY.match(words):
        which, weekday = _CN_WHICH.get(match.group(1)), _CN_WEEKDAYS[match.group(2)]
    else:
        return None
    monday = today - timedelta(days=today.isoweekday() - 1)
    if which == "next":  # the weekday of next week, as 下周五 says: on a Monday, "next friday" is 11 days away
        day = monday + timedelta(days=7 + weekday - 1)
    elif which == "this":  # this week's, gone by once the week has passed it
        day = monday + timedelta(days=weekday - 1)
        if day < today:
            return None
    else:  # the next one after today: "friday" on a Friday is a week away
        day = today + timedelta(days=(weekday - today.isoweekday() - 1) % 7 + 1)
    # A weekday is a day the rep named, so it is kept even when it is a rest day.
    return TypedDate(day, relative=False, is_rest_day=calendar is not None and not calendar.is_working_day(day))


def _named_date(words: str, today: date) -> date | None:
    if match := _ISO.match(words):
        return _date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if match := _SLASH.match(words):
        first, second = int(match.group(1)), int(match.group(2))
        # Month first, as in the US and China; a first number above 12 can only be a day (25/12).
        month, day = (first, second) if first <= 12 else (second, first)
        return _month_day(month, day, match.group(3), today)
    if match := _MONTH_DAY.match(words):
        return _month_day(_MONTHS[match.group(1)], int(match.group(2)), match.group(3), today)
    if match := _DAY_MONTH.match(words):
        return _month_day(_MONTHS[match.group(2)], int(match.group(1)), match.group(3), today)
    if match := _CN_DATE.match(words):
        month, day = _cn_number(match.group(2)), _cn_number(match.group(3))
        return _month_day(month, day, match.group(1), today) if month and day else None
    if match := _DAY_OF_MONTH.match(words):
        day = int(match.group(1)) if match.group(1) else _cn_number(match.group(2))
        return _day_of_month(day, today) if day else None
    return None


def _month_day(month: int, day: int, year: str | None, today: date) -> date | None:
    """A month and day; without a year, this year's unless it has passed, then the next year's that has it."""
    if year:
        return _date(int(year), month, day)
    # 29 February may be up to eight years ahead (2096 → 2104).
    for candidate in (_date(y, month, day) for y in range(today.year, today.year + 9)):
        if candidate is not None and candidate >= today:
            return candidate
    return None


def _day_of_month(day: int, today: date) -> date | None:
    """The next `day` of a month at or after today: "the 15th" on the 20th is next month's."""
    if not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    for _ in range(3):  # the 31st may skip a short month or two
        found = _date(year, month, day)
        if found is not None and found >= today:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _add_months(day: date, count: int) -> date:
    month_index = day.month - 1 + count
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, gregorian.monthrange(year, month)[1]))


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _cn_number(word: str) -> int | None:
    """`3`, `三`, `两`, `十五`, `二十一` → the number; None for anything else."""
    if word.isdigit():
        return int(word)
    if "十" not in word:
        return _CN_DIGITS.get(word) if len(word) == 1 else None
    tens, _, ones = word.partition("十")
    tens_value = _CN_DIGITS.get(tens, None) if tens else 1
    ones_value = _CN_DIGITS.get(ones, None) if ones else 0
    if tens_value is None or ones_value is None or tens_value == 0 or "两" in word:
        return None
    return tens_value * 10 + ones_value
