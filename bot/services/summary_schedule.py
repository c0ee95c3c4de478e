"""When the team summary is due: weekly on Monday 09:00 or daily at 17:00, in the team's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.text import formatting
from bot.worktime import at_local

SUMMARY = "summary"
SUMMARY_HELP = "summary_help"  # a DM to whoever turned summaries on, when leadbot is not in the channel
WEEKLY_AT = time(9)
DAILY_AT = time(17)


@dataclass(frozen=True)
class Period:
    key: str  # the ledger period: one summary per key
    send_at: datetime
    start: datetime  # what the summary covers, [start, end)
    end: datetime
    label: str


def current_period(now: datetime, schedule: str, tz: str, workdays: frozenset[int]) -> Period | None:
    """The period `now` falls in, or None on a day without a daily summary."""
    today = now.astimezone(ZoneInfo(tz)).date()
    if schedule == "daily":
        if today.isoweekday() not in workdays:
            return None
        start = at_local(today, time(0), tz)
        send_at = at_local(today, DAILY_AT, tz)
        return Period(f"day-{today.isoformat()}", send_at, start, send_at, formatting.day(today, today))
    monday = today - timedelta(days=today.weekday())
    year, week, _ = monday.isocalendar()
    last_monday = monday - timedelta(days=7)
    return Period(
        key=f"week-{year}-W{week:02d}",
        send_at=at_local(monday, WEEKLY_AT, tz),
        start=at_local(last_monday, time(0), tz),
        end=at_local(monday, time(0), tz),
        label=formatting.day(last_monday, today),
    )


def next_send(now: datetime, schedule: str, tz: str, workdays: frozenset[int]) -> datetime:
    """When the next summary will go out, for `/lead summary`."""
    day: date = now.astimezone(ZoneInfo(tz)).date()
    for offset in range(0, 15):
        candidate = day + timedelta(days=offset)
        if schedule == "daily":
            if candidate.isoweekday() in workdays and at_local(candidate, DAILY_AT, tz) > now:
                return at_local(candidate, DAILY_AT, tz)
        elif candidate.weekday() == 0 and at_local(candidate, WEEKLY_AT, tz) > now:
            return at_local(candidate, WEEKLY_AT, tz)
    raise ValueError("no next summary")
