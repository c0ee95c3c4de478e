"""A month in Shanghai with LEADBOT_HOLIDAYS=CN, across Spring Festival 2026: nothing arrives and nothing is
proposed on a rest day, and the make-up Saturdays are working days.

The real app is driven through `tick` every 30 minutes from 08:00 to 18:00 and every 2 hours in the night, and the
rep acts on each morning's digest as a rep would.
The calendar the test checks against is written out here from the State Council's schedule, not taken from
leadbot: Spring Festival off Sun 15 – Mon 23 February 2026; Saturdays 14 and 28 February are working days.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import ADMIN, ALICE, GENERAL, TEAM
from tests.support import at, command, lead, open_new_lead_form, text_of, tick

SHANGHAI = ZoneInfo("Asia/Shanghai")
FESTIVAL = {date(2026, 2, 15) + timedelta(days=n) for n in range(9)}
MAKE_UP = {date(2026, 2, 14), date(2026, 2, 28)}
START = at("2026-02-02T09:30:00+08:00")  # Monday
END = at("2026-03-09T18:00:00+08:00")  # Monday, after the daily summary
DAY_STEP, NIGHT_STEP = timedelta(minutes=30), timedelta(hours=2)


def is_working_day(day: date) -> bool:
    return day in MAKE_UP or (day.isoweekday() <= 5 and day not in FESTIVAL)


def working_days(first: date, last: date) -> list[date]:
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [day for day in days if is_working_day(day)]


def _local(instant: datetime) -> datetime:
    return instant.astimezone(SHANGHAI)


def _next_tick(instant: datetime) -> datetime:
    """Half an hour later in the working day; two hours later at night, when a tick must still send nothing (the
    night's ticks cost the test most of its time and can show no more than that)."""
    hour = _local(instant).hour
    return instant + (NIGHT_STEP if hour >= 18 or hour < 8 else DAY_STEP)


def _first_follow_up_offered(app) -> date:
    """What the new-lead form proposes as the first follow-up, today (the form is left unsaved)."""
    view = open_new_lead_form(app)
    block = next(b for b in view["blocks"] if b.get("block_id") == "first_follow_up")
    return date.fromisoformat(block["element"]["initial_date"])


def _next_date(app, number: int) -> date:
    return app.deps.leads.find(TEAM, str(number)).next_follow_up_on


@pytest.fixture
def shanghai(app_with):
    return app_with(LEADBOT_HOLIDAYS="CN", LEADBOT_TEAM_TZ="Asia/Shanghai")


def test_a_month_across_spring_festival_nothing_lands_on_a_rest_day(shanghai):
    app = shanghai
    app.deps.clock.set(START)
    # #1 is never followed up, so every working morning has something to say; Alice works #2 and snoozes #3.
    for company in ("Quiet Forever", "Active Works", "Snoozy Ltd"):
        lead(app, company)
    assert command(app, "summary on", user=ADMIN, channel=GENERAL)
    command(app, "summary daily", user=ADMIN)

    digests, summaries, proposed = [], [], {}
    seen_dms, seen_channel = 0, 0
    now = START
    while now <= END:
        tick(app, now)
        local = _local(now)
        dms = app.slack.dms_to(ALICE, since=seen_dms)
        for message in dms:
            # Whatever reaches the rep — digest or nudge — arrives on a working day, inside working hours.
            assert is_working_day(local.date()) and 9 <= local.hour < 18, (local, text_of(message))
            if "Your leads for" in text_of(message):
                digests.append(local.date())
                # The rep works the digest: a call on #2, and #3 put off a day.
                command(app, f"log 2 call on {local.date()}")
                command(app, "snooze 3 1")
                proposed[local.date()] = (_next_date(app, 2), _next_date(app, 3))
        seen_dms += len(dms)
        posted = app.slack.messages(GENERAL, since=seen_channel)
        summaries += [local.date() for m in posted if "Team summary" in text_of(m)]
        seen_channel += len(posted)
        if local.date() in (date(2026, 2, 13), date(2026, 2, 14)) and local.hour == 10 and local.minute == 0:
            # A lead captured on the last days before the holiday is first followed up after it.
            assert _first_follow_up_offered(app) == date(2026, 2, 24)
        now = _next_tick(now)

    assert digests == working_days(date(2026, 2, 4), date(2026, 3, 9))
    assert date(2026, 2, 14) in digests and date(2026, 2, 28) in digests
    assert summaries == working_days(date(2026, 2, 2), date(2026, 3, 9))
    for day, dates in proposed.items():
        assert all(is_working_day(d) and d > day for d in dates), (day, dates)
    # Snoozed a day: Friday → the make-up Saturday; that Saturday → the first day after the festival.
    assert proposed[date(2026, 2, 13)][1] == date(2026, 2, 14)
    assert proposed[date(2026, 2, 14)][1] == date(2026, 2, 24)
    assert proposed[date(2026, 2, 27)][1] == date(2026, 2, 28)
    assert proposed[date(2026, 2, 28)][1] == date(2026, 3, 2)
    for number in (1, 2, 3):
        assert is_working_day(_next_date(app, number))


def test_the_weekly_summaries_held_up_by_spring_festival_come_on_the_first_working_day_after_it(shanghai):
    app = shanghai
    app.deps.clock.set(at("2026-02-12T10:00:00+08:00"))
    lead(app, "Acme")
    command(app, "summary on", user=ADMIN, channel=GENERAL)
    # The week of 16 February has no working day, and Monday 23rd is the festival's last: both weeks' summaries
    # (covering 9–15 and 16–22 February) wait for Tuesday 24th, 09:00.
    came = []
    instant = at("2026-02-16T08:00:00+08:00")
    while instant <= at("2026-02-24T12:00:00+08:00"):
        before = len(app.slack.messages(GENERAL))
        tick(app, instant)
        posted = [text_of(m) for m in app.slack.messages(GENERAL)[before:]]
        came += [(_local(instant), text) for text in posted if "Team summary" in text]
        instant = _next_tick(instant)
    assert [when for when, _ in came] == [at("2026-02-24T09:00:00+08:00")] * 2
    assert sorted(text.split("\n")[0] for _, text in came) == [
        "Team summary — week of 16 Feb – 22 Feb", "Team summary — week of 9 Feb – 15 Feb"
    ]
    assert "Next one: Mon 2 Mar 09:00" in command(app, "summary")
