"""Working days and hours in a rep's own time zone: when a nudge may arrive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.work_calendar import WorkCalendar

# The whole world has entered a calendar day once UTC+14 has (Kiribati).
EARLIEST_OFFSET = timezone(timedelta(hours=14))
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class WorkingHours:
    workdays: frozenset[int]  # ISO weekdays, Monday = 1
    start: time
    end: time
    # Public holidays to skip, and make-up working days to keep ("CN", "DE-BY"); None: weekdays alone decide.
    country: str | None = None

    @property
    def calendar(self) -> WorkCalendar:
        return WorkCalendar(self.workdays, self.country)

    def is_working_day(self, day: date) -> bool:
        return self.calendar.is_working_day(day)

    def is_working_time(self, instant: datetime, tz: str) -> bool:
        local = instant.astimezone(ZoneInfo(tz))
        return self.is_working_day(local.date()) and self.start <= local.time() < self.end

    def first_working_instant(self, earliest: datetime, tz: str) -> datetime:
        """The first moment at or after `earliest` inside working hours, in UTC."""
        zone = ZoneInfo(tz)
        local = earliest.astimezone(zone)
        calendar = self.calendar
        day = calendar.next_working_day(local.date())
        if day == local.date() and local >= datetime.combine(day, self.end, tzinfo=zone):
            day = calendar.next_working_day(day + timedelta(days=1))
        start = datetime.combine(day, self.start, tzinfo=zone)
        if day == local.date():
            start = max(start, local)
        # Round-trip through UTC so a wall time skipped by DST lands on a real instant.
        return start.astimezone(timezone.utc)

    def add_working_time(self, start: datetime, span: timedelta, tz: str) -> datetime:
        """The instant `span` of working time after `start`: Fri 17:30 + 1 h = Mon 09:30 on Mon–Fri 09–18.

        A span that ends exactly at closing time carries over to the next morning, so
        whatever is due then arrives while people are at work.
        """
        zone = ZoneInfo(tz)
        cursor = self.first_working_instant(start, tz)
        remaining = span
        while True:
            local = cursor.astimezone(zone)
            closing = datetime.combine(local.date(), self.end, tzinfo=zone).astimezone(timezone.utc)
            available = closing - cursor
            if remaining < available:
                return cursor + remaining
            remaining -= available
            cursor = self.first_working_instant(closing, tz)

    def add_workdays(self, day: date, count: int) -> date:
        """The workday `count` workdays after `day`: Friday + 2 = Tuesday on Mon–Fri."""
        return self.calendar.add_working_days(day, max(count, 0))

    def next_workday(self, day: date, include: bool = False) -> date:
        """`day` itself when `include` and it is a workday, else the next workday after it."""
        if include and self.is_working_day(day):
            return day
        return self.add_workdays(day, 1)

    def end_of_day(self, day: date, tz: str) -> datetime:
        """When the working day `day` ends, in UTC."""
        return datetime.combine(day, self.end, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)

    def start_of_day_after(self, day: date, tz: str) -> datetime:
        """Local midnight after `day`: the moment a follow-up date has passed."""
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(tz))


def earliest_day_start(day: date) -> datetime:
    """The first instant anywhere on Earth that `day` has begun, in UTC."""
    return datetime.combine(day, time(0), tzinfo=EARLIEST_OFFSET).astimezone(timezone.utc)


def parse_workdays(raw: str) -> frozenset[int]:
    """"mon-fri", "sun-thu", "mon,wed,fri" or ISO numbers "1-5" → a set of ISO weekdays."""
    days: set[int] = set()
    for part in (p.strip().lower() for p in raw.split(",") if p.strip()):
        first, _, last = part.partition("-")
        lo, hi = _weekday(first), _weekday(last or first)
        # "sun-thu" wraps round the end of the ISO week.
        days.update(range(lo, hi + 1) if lo <= hi else [*range(lo, 8), *range(1, hi + 1)])
    if not days:
        raise ValueError(raw)
    return frozenset(days)


def _weekday(word: str) -> int:
    word = word.strip()
    if word.isdigit() and 1 <= int(word) <= 7:
        return int(word)
    if word[:3] in WEEKDAYS:
        return WEEKDAYS.index(word[:3]) + 1
    raise ValueError(word)


def parse_hours(raw: str) -> tuple[time, time]:
    """"09:00-18:00" → (09:00, 18:00)."""
    first, _, last = raw.partition("-")
    start, end = time.fromisoformat(first.strip()), time.fromisoformat(last.strip())
    if end <= start:
        raise ValueError(raw)
    return start, end


def at_local(day: date, at: time, tz: str) -> datetime:
    """`at` o'clock on `day` in `tz`, as UTC (a wall time skipped by DST moves forward)."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def first_digest_at(now: datetime, tz: str, hours: WorkingHours, at: time) -> datetime:
    """Today's digest while today's working day is still on (it may already be due), else the next workday's."""
    today = now.astimezone(ZoneInfo(tz)).date()
    if hours.is_working_day(today) and now < hours.end_of_day(today, tz):
        return at_local(today, at, tz)
    return at_local(hours.next_workday(today), at, tz)
