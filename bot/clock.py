"""Where "now" comes from, so tests and `tick --at` can choose it."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real time, always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock that stays where it is put: for `tick --at` and time-travel tests."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at


class MovableClock:
    """Real time running from a chosen instant, and moved forward on request: the sandbox's clock."""

    def __init__(self, at: datetime) -> None:
        self._lock = threading.Lock()
        self._at, self._since = at, time.monotonic()

    def now(self) -> datetime:
        with self._lock:
            return self._at + timedelta(seconds=time.monotonic() - self._since)

    def set(self, at: datetime) -> None:
        with self._lock:
            self._at, self._since = at, time.monotonic()


def local_today(now: datetime, tz: str) -> date:
    """The calendar date at `now` in an IANA time zone."""
    return now.astimezone(ZoneInfo(tz)).date()
