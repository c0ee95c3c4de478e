"""Working days: the team's weekdays, a country's public holidays, and its official make-up working days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

# No real calendar rests for a year on end; a longer search means the workdays are empty.
SEARCH_DAYS = 366


def parse_holidays(raw: str) -> str | None:
    """`cn`, `US`, `de-by` → "CN", "US", "DE-BY" (a country, optionally one of its subdivisions); empty → None.

    Raises ValueError for a country or subdivision the `holidays` package does not know.
    """
    value = raw.strip()
    if not value:
        return None
    country, _, subdivision = value.partition("-")
    country = country.strip().upper()
    known = holidays.list_supported_countries()
    if country not in known:
        raise ValueError(raw)
    if not subdivision:
        return country
    # Subdivision codes are mostly upper case, but a few are names ("Augsburg").
    match = next((s for s in known[country] if s.casefold() == subdivision.strip().casefold()), None)
    if match is None:
        raise ValueError(raw)
    return f"{country}-{match}"


@lru_cache(maxsize=None)
def _year(region: str, year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(public holidays, make-up working days) dated in `year` for "CN" or "DE-BY"."""
    country, _, subdivision = region.partition("-")
    # The years either side too: a make-up day or an observed holiday may be announced with the next year's
    # schedule (China's 2002 New Year moved work onto 29 and 30 December 2001).
    found = holidays.country_holidays(country, subdiv=subdivision or None, years=range(year - 1, year + 2))
    days_off = frozenset(day for day in found if day.year == year)
    made_up = frozenset(day for day in getattr(found, "weekend_workdays", ()) if day.year == year)
    return days_off, made_up


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days: `workdays` (ISO weekdays, Monday = 1), less the public holidays of
    `country` ("CN", "US", or a subdivision such as "DE-BY"; None for none), plus that country's official
    make-up working days (China's 调休: Saturday 28 February 2026, after Spring Festival, is a working day)."""

    workdays: frozenset[int]
    country: str | None = None

    def is_public_holiday(self, day: date) -> bool:
        return self.country is not None and day in _year(self.country, day.year)[0]

    def is_make_up_day(self, day: date) -> bool:
        """A day the government moved work onto, whatever weekday it is."""
        return self.country is not None and day in _year(self.country, day.year)[1]

    def is_working_day(self, day: date) -> bool:
        if self.country is None:
            return day.isoweekday() in self.workdays
        days_off, made_up = _year(self.country, day.year)
        if day in made_up:
            return True
        return day.isoweekday() in self.workdays and day not in days_off

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        for offset in range(SEARCH_DAYS + 1):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError("working hours have no workday")

    def add_working_days(self, day: date, count: int) -> date:
        """The working day `count` working days after `day` (before it when negative): Friday + 2 = Tuesday.

        `day` itself need not be a working day: Saturday + 1 = Monday. Zero gives `day` unchanged.
        """
        step = timedelta(days=1 if count >= 0 else -1)
        remaining, idle = abs(count), 0
        while remaining > 0:
            day += step
            if self.is_working_day(day):
                remaining, idle = remaining - 1, 0
            else:
                idle += 1
                if idle > SEARCH_DAYS:
                    raise ValueError("working hours have no workday")
        return day
