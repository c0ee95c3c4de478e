"""Dates as reps type them: every accepted phrase reads as its date, near-misses are refused."""

from datetime import date

import pytest

from bot.text.i18n import t
from bot.text.when import TypedDate, parse_when
from bot.work_calendar import WorkCalendar
from bot.worktime import parse_workdays

CN = WorkCalendar(parse_workdays("mon-fri"), "CN")
US = WorkCalendar(parse_workdays("mon-fri"), "US")
# Tuesday 1 December 2026: no public holiday in China for weeks either side.
TUESDAY = date(2026, 12, 1)


def _rel(month: int, day: int, year: int = 2026) -> TypedDate:
    return TypedDate(date(year, month, day), relative=True)


def _named(month: int, day: int, year: int = 2026, rest: bool = False) -> TypedDate:
    return TypedDate(date(year, month, day), relative=False, is_rest_day=rest)


PHRASES = {
    # Days away, relative.
    "today": _rel(12, 1), "Today": _rel(12, 1), "tomorrow": _rel(12, 2), "tmrw": _rel(12, 2), "tmr": _rel(12, 2),
    "day after tomorrow": _rel(12, 3), "the day after tomorrow": _rel(12, 3),
    "今天": _rel(12, 1), "明天": _rel(12, 2), "明日": _rel(12, 2), "后天": _rel(12, 3), "大后天": _rel(12, 4),
    # Next week is next Monday.
    "next week": _rel(12, 7), "Next Week": _rel(12, 7),
    "下周": _rel(12, 7), "下星期": _rel(12, 7), "下礼拜": _rel(12, 7),
    # Spans.
    "in 3 days": _rel(12, 4), "3 days": _rel(12, 4), "3d": _rel(12, 4), "3 d": _rel(12, 4), "3D": _rel(12, 4),
    "3 days later": _rel(12, 4), "3 days from now": _rel(12, 4), "in three days": _rel(12, 4), "1 day": _rel(12, 2),
    "2w": _rel(12, 15), "2 weeks": _rel(12, 15), "in 2 weeks": _rel(12, 15), "two weeks": _rel(12, 15),
    "2 wks": _rel(12, 15), "a week": _rel(12, 8), "in a week": _rel(12, 8), "1w": _rel(12, 8), "1 week": _rel(12, 8),
    "3 working days": _rel(12, 4), "3 business days": _rel(12, 4), "5 workdays": _rel(12, 8),
    "2 months": _rel(2, 1, 2027), "in two months": _rel(2, 1, 2027),
    "3天": _rel(12, 4), "3天后": _rel(12, 4), "三天后": _rel(12, 4), "3日后": _rel(12, 4), "十天": _rel(12, 11),
    "1周": _rel(12, 8), "一周": _rel(12, 8), "1周后": _rel(12, 8), "两周": _rel(12, 15), "2周": _rel(12, 15),
    "两个星期": _rel(12, 15), "两个礼拜": _rel(12, 15), "3个工作日": _rel(12, 4), "两个月": _rel(2, 1, 2027),
    "３ｄ": _rel(12, 4),  # full-width, as a Chinese keyboard types it
    # Weekdays: the next one after today, kept as named.
    "monday": _named(12, 7), "mon": _named(12, 7), "Mon.": _named(12, 7), "on monday": _named(12, 7),
    "tuesday": _named(12, 8), "tue": _named(12, 8), "wed": _named(12, 2), "thurs": _named(12, 3),
    "fri": _named(12, 4), "friday": _named(12, 4), "this friday": _named(12, 4), "next friday": _named(12, 11),
    "saturday": _named(12, 5, rest=True), "sun": _named(12, 6, rest=True),
    "下周一": _named(12, 7), "下星期一": _named(12, 7), "下周五": _named(12, 11), "周五": _named(12, 4),
    "星期五": _named(12, 4), "礼拜五": _named(12, 4), "本周五": _named(12, 4), "这周五": _named(12, 4),
    "周日": _named(12, 6, rest=True), "星期天": _named(12, 6, rest=True), "下周日": _named(12, 13, rest=True),
    # Explicit dates.
    "12/15": _named(12, 15), "15 Dec": _named(12, 15), "Dec 15": _named(12, 15), "dec. 15": _named(12, 15),
    "December 15": _named(12, 15), "Dec 15th": _named(12, 15), "15th December": _named(12, 15),
    "15 of december": _named(12, 15), "on Dec 15": _named(12, 15), "2026-12-15": _named(12, 15),
    "2026/12/15": _named(12, 15), "12/15/2026": _named(12, 15), "25/12": _named(12, 25), "12/1": _named(12, 1),
    "Dec 15, 2027": _named(12, 15, 2027), "15th": _named(12, 15), "the 15th": _named(12, 15),
    "12/19": _named(12, 19, rest=True),  # a Saturday, kept
    "12月15日": _named(12, 15), "12月15号": _named(12, 15), "12月15": _named(12, 15), "十二月十五日": _named(12, 15),
    "2026年12月15日": _named(12, 15), "１２月１５日": _named(12, 15),
    "15号": _named(12, 15), "15日": _named(12, 15), "3日": _named(12, 3),
    # Month and day already past this year roll to next year; a year given is kept, past or not.
    "11/30": _named(11, 30, 2027), "Jan 5": _named(1, 5, 2027), "1月5日": _named(1, 5, 2027),
    "2026-11-30": _named(11, 30, 2026), "2/29": _named(2, 29, 2028), "the 1st": _named(12, 1),
}


@pytest.mark.parametrize("typed,meaning", PHRASES.items(), ids=list(PHRASES))
def test_every_phrase_reads_as_its_date(typed, meaning):
    assert parse_when(typed, TUESDAY, CN) == meaning


NEAR_MISSES = [
    "", "  ", "tomorow", "next", "week", "in days", "3", "in 3", "0d", "in 0 days", "1000 days", "-3d",
    "3 days ago", "yesterday", "last monday", "next next week", "monday tuesday", "this monday", "13/32",
    "2/30", "Dec 32", "32nd", "15", "2026-13-01", "2026-02-30", "and", "ad", "3x", "3 hours", "dec",
    "2 weeks 3 days", "mon 15", "13/13",
    "下下周", "周八", "上周五", "昨天", "3月", "13月1日", "12月32日", "三十二号", "两十天", "明天下午", "这周一",
]


@pytest.mark.parametrize("typed", NEAR_MISSES)
def test_near_misses_are_refused(typed):
    assert parse_when(typed, TUESDAY, CN) is None


@pytest.mark.parametrize(
    "calendar,today,typed,expected",
    [
        # Around Spring Festival 2026 in China (off Sun 15 – Mon 23 February; Sat 14 and 28 are working days).
        (CN, date(2026, 2, 12), "tomorrow", TypedDate(date(2026, 2, 13), True)),
        (CN, date(2026, 2, 12), "后天", TypedDate(date(2026, 2, 14), True)),  # make-up Saturday: a working day
        (CN, date(2026, 2, 12), "in 3 days", TypedDate(date(2026, 2, 24), True, moved_from=date(2026, 2, 15))),
        (CN, date(2026, 2, 12), "next week", TypedDate(date(2026, 2, 24), True, moved_from=date(2026, 2, 16))),
        (CN, date(2026, 2, 12), "下周", TypedDate(date(2026, 2, 24), True, moved_from=date(2026, 2, 16))),
        (CN, date(2026, 2, 12), "3个工作日", TypedDate(date(2026, 2, 24), True)),
        (CN, date(2026, 2, 16), "today", TypedDate(date(2026, 2, 24), True, moved_from=date(2026, 2, 16))),
        (CN, date(2026, 2, 12), "下周一", TypedDate(date(2026, 2, 16), False, is_rest_day=True)),
        (CN, date(2026, 2, 12), "2/17", TypedDate(date(2026, 2, 17), False, is_rest_day=True)),
        (CN, date(2026, 2, 12), "2月28日", TypedDate(date(2026, 2, 28), False)),  # make-up Saturday
        (CN, date(2026, 2, 12), "saturday", TypedDate(date(2026, 2, 14), False)),
        # A plain weekend moves a relative date too.
        (CN, TUESDAY, "in 4 days", TypedDate(date(2026, 12, 7), True, moved_from=date(2026, 12, 5))),
        # Thanksgiving in the US.
        (US, date(2026, 11, 20), "in 6 days", TypedDate(date(2026, 11, 27), True, moved_from=date(2026, 11, 26))),
        (US, date(2026, 11, 20), "11/26", TypedDate(date(2026, 11, 26), False, is_rest_day=True)),
        # Without a calendar every day is a working day: nothing moves, nothing is a rest day.
        (None, TUESDAY, "in 4 days", TypedDate(date(2026, 12, 5), True)),
        (None, TUESDAY, "saturday", TypedDate(date(2026, 12, 5), False)),
        (None, TUESDAY, "1 month", TypedDate(date(2027, 1, 1), True)),
        # Month arithmetic keeps to the month's last day.
        (None, date(2027, 1, 31), "1 month", TypedDate(date(2027, 2, 28), True)),
        # A weekday on that weekday is a week away; the 31st skips a 30-day month.
        (None, date(2026, 12, 4), "friday", TypedDate(date(2026, 12, 11), False)),
        (None, date(2026, 11, 5), "31号", TypedDate(date(2026, 12, 31), False)),
        (None, date(2026, 12, 31), "12/31", TypedDate(date(2026, 12, 31), False)),
    ],
    ids=lambda value: str(value) if isinstance(value, (str, date)) else None,
)
def test_relative_dates_move_to_a_working_day_and_named_ones_are_kept(calendar, today, typed, expected):
    assert parse_when(typed, today, calendar) == expected


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_notes_about_rest_days_are_in_the_catalog(lang):
    assert "Sat 5 Dec" in t("date.rest_day", lang, date="Sat 5 Dec")
    assert "Mon 7 Dec" in t("date.moved", lang, typed="in 4 days", date="Mon 7 Dec")
