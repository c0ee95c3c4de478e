"""Working days with public holidays: China's Spring Festival and its make-up days, US and German holidays."""

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import Settings, SettingsError
from bot.work_calendar import WorkCalendar, parse_holidays
from bot.worktime import WorkingHours, first_digest_at, parse_workdays

MON_FRI = parse_workdays("mon-fri")
CN = WorkCalendar(MON_FRI, "CN")
US = WorkCalendar(MON_FRI, "US")
DE = WorkCalendar(MON_FRI, "DE")
PLAIN = WorkCalendar(MON_FRI)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# The State Council's 2026 schedule (国办发明电〔2025〕7号): Spring Festival off Sun 15 – Mon 23 February,
# 9 days; Saturday 14 and Saturday 28 February are working days.
SPRING_FESTIVAL_2026 = _days(date(2026, 2, 15), date(2026, 2, 23))


@pytest.mark.parametrize("day", SPRING_FESTIVAL_2026, ids=str)
def test_every_day_of_spring_festival_2026_is_a_rest_day_in_china(day):
    assert not CN.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 4),  # Sunday, for New Year
        date(2026, 2, 14),  # Saturday, for Spring Festival
        date(2026, 2, 28),  # Saturday, for Spring Festival
        date(2026, 5, 9),  # Saturday, for Labour Day
        date(2026, 9, 20),  # Sunday, for National Day
        date(2026, 10, 10),  # Saturday, for National Day
    ],
    ids=str,
)
def test_chinas_make_up_days_are_working_days_whatever_the_weekday(day):
    assert day.isoweekday() in (6, 7)
    assert CN.is_make_up_day(day) and CN.is_working_day(day)
    # The same weekend day is a rest day for a team that keeps no country's holidays.
    assert not PLAIN.is_working_day(day)


@pytest.mark.parametrize(
    "calendar,day,working",
    [
        (CN, date(2026, 2, 13), True),  # the Friday before Spring Festival
        (CN, date(2026, 2, 24), True),  # back at work
        (CN, date(2026, 2, 21), False),  # an ordinary Saturday inside the holiday
        (CN, date(2026, 3, 7), False),  # an ordinary Saturday
        (CN, date(2026, 10, 1), False),  # National Day
        (US, date(2026, 11, 26), False),  # Thanksgiving, fourth Thursday of November
        (US, date(2026, 11, 27), True),  # the Friday after is no federal holiday
        (US, date(2026, 7, 3), False),  # Independence Day falls on Saturday; observed on Friday
        (DE, date(2026, 10, 3), False),  # German Unity Day (a Saturday anyway)
        (DE, date(2026, 5, 14), False),  # Ascension Day, Thursday
        (DE, date(2026, 4, 6), False),  # Easter Monday
        (DE, date(2026, 4, 7), True),
        (PLAIN, date(2026, 2, 16), True),  # no country: Spring Festival Monday is a Monday
        (PLAIN, date(2026, 11, 26), True),
        (PLAIN, date(2026, 2, 14), False),
    ],
    ids=str,
)
def test_working_days_by_country(calendar, day, working):
    assert calendar.is_working_day(day) is working


def test_a_german_state_keeps_its_own_holidays():
    bavaria = WorkCalendar(MON_FRI, parse_holidays("de-by"))
    assert bavaria.country == "DE-BY"
    assert not bavaria.is_working_day(date(2026, 1, 6))  # Epiphany, Bavaria only
    assert DE.is_working_day(date(2026, 1, 6))


@pytest.mark.parametrize(
    "calendar,day,count,expected",
    [
        # Thursday 12 February + 2: Friday 13, then Saturday 14, a make-up working day.
        (CN, date(2026, 2, 12), 2, date(2026, 2, 14)),
        (CN, date(2026, 2, 13), 2, date(2026, 2, 24)),  # over the whole holiday
        (CN, date(2026, 2, 13), 5, date(2026, 2, 27)),
        (CN, date(2026, 2, 13), 6, date(2026, 2, 28)),  # make-up Saturday
        (CN, date(2026, 2, 13), 7, date(2026, 3, 2)),
        (CN, date(2026, 2, 24), -2, date(2026, 2, 13)),  # backwards over the holiday
        (US, date(2026, 11, 25), 1, date(2026, 11, 27)),  # over Thanksgiving
        (DE, date(2026, 12, 23), 2, date(2026, 12, 28)),  # Thu 24 counts; Christmas Fri 25, then the weekend
        (PLAIN, date(2026, 2, 13), 1, date(2026, 2, 16)),  # weekends only
        (PLAIN, date(2026, 2, 14), 1, date(2026, 2, 16)),  # from a Saturday
        (PLAIN, date(2026, 2, 14), 0, date(2026, 2, 14)),  # zero keeps the day, working or not
    ],
    ids=str,
)
def test_add_working_days(calendar, day, count, expected):
    assert calendar.add_working_days(day, count) == expected


@pytest.mark.parametrize(
    "calendar,day,expected",
    [
        (CN, date(2026, 2, 15), date(2026, 2, 24)),
        (CN, date(2026, 2, 14), date(2026, 2, 14)),
        (CN, date(2026, 2, 28), date(2026, 2, 28)),
        (CN, date(2026, 10, 1), date(2026, 10, 8)),
        (US, date(2026, 11, 26), date(2026, 11, 27)),
        (PLAIN, date(2026, 2, 15), date(2026, 2, 16)),
        (PLAIN, date(2026, 2, 16), date(2026, 2, 16)),
    ],
    ids=str,
)
def test_next_working_day_is_the_day_itself_when_working(calendar, day, expected):
    assert calendar.next_working_day(day) == expected


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    country=st.sampled_from([None, "CN", "US", "DE", "DE-BY", "GB"]),
    workdays=st.sampled_from(["mon-fri", "sun-thu", "mon-sat", "sat", "wed"]),
)
def test_next_working_day_is_a_working_day_at_or_after_the_day_within_30_days(day, country, workdays):
    calendar = WorkCalendar(parse_workdays(workdays), country)
    found = calendar.next_working_day(day)
    assert calendar.is_working_day(found)
    assert day <= found <= day + timedelta(days=30)
    assert all(not calendar.is_working_day(d) for d in _days(day, found)[:-1])


def test_a_calendar_without_any_workday_says_so():
    with pytest.raises(ValueError, match="no workday"):
        WorkCalendar(frozenset()).next_working_day(date(2026, 1, 1))
    with pytest.raises(ValueError, match="no workday"):
        WorkCalendar(frozenset()).add_working_days(date(2026, 1, 1), 1)


# Working hours with a calendar: Spring Festival 2026 in Shanghai, Monday to Friday 09–18.
SHANGHAI = "Asia/Shanghai"
CN_HOURS = WorkingHours(MON_FRI, time(9), time(18), country="CN")
PLAIN_HOURS = WorkingHours(MON_FRI, time(9), time(18))


def _cst(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone(timedelta(hours=8))).astimezone(timezone.utc)


@pytest.mark.parametrize(
    "hours,earliest,expected",
    [
        (CN_HOURS, _cst(2026, 2, 13, 18, 0), _cst(2026, 2, 14, 9, 0)),  # to the make-up Saturday
        (CN_HOURS, _cst(2026, 2, 14, 18, 0), _cst(2026, 2, 24, 9, 0)),  # over the whole holiday
        (CN_HOURS, _cst(2026, 2, 17, 11, 0), _cst(2026, 2, 24, 9, 0)),
        (CN_HOURS, _cst(2026, 2, 24, 11, 0), _cst(2026, 2, 24, 11, 0)),
        (PLAIN_HOURS, _cst(2026, 2, 13, 18, 0), _cst(2026, 2, 16, 9, 0)),
        (PLAIN_HOURS, _cst(2026, 2, 17, 11, 0), _cst(2026, 2, 17, 11, 0)),
    ],
)
def test_first_working_instant_skips_holidays_and_keeps_make_up_days(hours, earliest, expected):
    assert hours.first_working_instant(earliest, SHANGHAI) == expected


def test_working_time_and_workdays_follow_the_calendar():
    assert CN_HOURS.add_working_time(_cst(2026, 2, 14, 17, 30), timedelta(hours=1), SHANGHAI) == _cst(
        2026, 2, 24, 9, 30
    )
    assert CN_HOURS.add_workdays(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert CN_HOURS.next_workday(date(2026, 2, 28), include=True) == date(2026, 2, 28)
    assert not CN_HOURS.is_working_time(_cst(2026, 2, 16, 10, 0), SHANGHAI)
    assert CN_HOURS.is_working_time(_cst(2026, 2, 28, 10, 0), SHANGHAI)
    assert PLAIN_HOURS.is_working_time(_cst(2026, 2, 16, 10, 0), SHANGHAI)
    # The morning digest waits for the first day back, and comes on the make-up Saturday.
    assert first_digest_at(_cst(2026, 2, 16, 8, 0), SHANGHAI, CN_HOURS, time(9)) == _cst(2026, 2, 24, 9, 0)
    assert first_digest_at(_cst(2026, 2, 28, 8, 0), SHANGHAI, CN_HOURS, time(9)) == _cst(2026, 2, 28, 9, 0)


@pytest.mark.parametrize("raw,expected", [("", None), ("  ", None), ("cn", "CN"), ("US", "US"), ("de-by", "DE-BY")])
def test_the_holidays_setting_reads_a_country(raw, expected):
    assert Settings.from_env({"LEADBOT_HOLIDAYS": raw}).holidays == expected


@pytest.mark.parametrize("raw", ["XX", "China", "DE-XX", "C", "12"])
def test_an_unknown_country_is_refused_naming_the_variable(raw):
    with pytest.raises(SettingsError, match="LEADBOT_HOLIDAYS") as raised:
        Settings.from_env({"LEADBOT_HOLIDAYS": raw})
    assert "\n" not in str(raised.value)


def test_no_holidays_by_default():
    assert Settings.from_env({}).holidays is None
