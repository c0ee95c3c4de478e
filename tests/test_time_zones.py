"""Nudges follow each rep's own clock, across daylight-saving changes."""

from datetime import date, datetime, time, timezone

import pytest

from bot.worktime import WorkingHours, earliest_day_start, parse_hours, parse_workdays
from tests.conftest import ALICE, BOB, CAROL
from tests.support import at, lead, nudged, nudges_to

HOURS = WorkingHours(parse_workdays("mon-fri"), time(9), time(18))


@pytest.mark.parametrize(
    "tz,follow_up,first_nudge_utc",
    [
        # New York springs forward on Sun 8 Mar 2026: Monday 09:00 is 13:00 UTC, not 14:00.
        ("America/New_York", date(2026, 3, 6), "2026-03-09T13:00:00+00:00"),
        # …and falls back on Sun 1 Nov 2026: Monday 09:00 is 14:00 UTC again.
        ("America/New_York", date(2026, 10, 30), "2026-11-02T14:00:00+00:00"),
        # Berlin springs forward on Sun 29 Mar 2026 and falls back on Sun 25 Oct 2026.
        ("Europe/Berlin", date(2026, 3, 27), "2026-03-30T07:00:00+00:00"),
        ("Europe/Berlin", date(2026, 10, 23), "2026-10-26T08:00:00+00:00"),
        # Shanghai keeps UTC+8 all year.
        ("Asia/Shanghai", date(2026, 3, 6), "2026-03-09T01:00:00+00:00"),
    ],
)
def test_first_working_moment_after_a_weekend_with_a_dst_change(tz, follow_up, first_nudge_utc):
    quiet = HOURS.start_of_day_after(follow_up, tz)
    assert HOURS.first_working_instant(quiet, tz) == at(first_nudge_utc)
    # The scheduler's index is never later than the real moment, wherever the owner is.
    assert earliest_day_start(quiet.date()) <= quiet


def test_working_hours_end_at_the_end_time():
    assert HOURS.is_working_time(at("2026-12-04T17:59:00+08:00"), "Asia/Shanghai")
    assert not HOURS.is_working_time(at("2026-12-04T18:00:00+08:00"), "Asia/Shanghai")
    assert not HOURS.is_working_time(at("2026-12-05T10:00:00+08:00"), "Asia/Shanghai")  # Saturday


def test_workdays_and_hours_are_read_from_settings_words():
    assert parse_workdays("mon-fri") == {1, 2, 3, 4, 5}
    assert parse_workdays("mon-thu,sun") == {1, 2, 3, 4, 7}
    assert parse_workdays("1,3,5") == {1, 3, 5}
    assert parse_hours("08:30-17:00") == (time(8, 30), time(17))
    with pytest.raises(ValueError):
        parse_hours("18:00-09:00")


def test_a_sunday_to_thursday_week_nudges_on_sunday():
    week = WorkingHours(parse_workdays("sun-thu"), time(9), time(18))
    quiet = week.start_of_day_after(date(2026, 12, 3), "Asia/Dubai")  # Thursday's date passes
    assert week.first_working_instant(quiet, "Asia/Dubai") == datetime(2026, 12, 6, 5, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "user,capture_at,follow_up,too_early,on_time",
    [
        (BOB, "2026-03-05T15:00:00+00:00", "2026-03-06", "2026-03-09T12:59:00+00:00", "2026-03-09T13:00:00+00:00"),
        (BOB, "2026-10-29T15:00:00+00:00", "2026-10-30", "2026-11-02T13:59:00+00:00", "2026-11-02T14:00:00+00:00"),
        (CAROL, "2026-03-26T10:00:00+00:00", "2026-03-27", "2026-03-30T06:59:00+00:00", "2026-03-30T07:00:00+00:00"),
        (CAROL, "2026-10-22T10:00:00+00:00", "2026-10-23", "2026-10-26T07:59:00+00:00", "2026-10-26T08:00:00+00:00"),
        (ALICE, "2026-03-05T03:00:00+00:00", "2026-03-06", "2026-03-09T00:59:00+00:00", "2026-03-09T01:00:00+00:00"),
    ],
)
def test_nudges_arrive_at_nine_local_across_dst(app, user, capture_at, follow_up, too_early, on_time):
    app.deps.clock.set(at(capture_at))
    lead(app, "Seasonal Co", user=user, first_follow_up=follow_up)
    assert nudged(app, too_early) == 0
    assert nudged(app, on_time) == 1
    assert len(nudges_to(app, user)) == 1
