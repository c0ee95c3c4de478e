"""Is this process fit to serve: the database answers, and (for the full check) a scheduler ran lately."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from bot.clock import Clock, SystemClock
from bot.services.mailbox_state import MailHealth
from bot.services.scheduler_runs import SchedulerRuns
from bot.store.database import Database

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SchedulerHealth:
    last_run_seconds_ago: int | None  # None: no scheduler ever finished a run
    stale_after_seconds: int
    fresh: bool
    schedulers_running: int


@dataclass(frozen=True)
class HealthReport:
    ok: bool
    database_reachable: bool
    scheduler: SchedulerHealth | None = None  # only in the full check, and only when the database answered
    # Only in the full check, when a mailbox is set; never part of `ok` (mail trouble stops no nudge or digest).
    mail: MailHealth | None = None


class Health:
    def __init__(
        self, db: Database, runs: SchedulerRuns, stale_after: timedelta, clock: Clock | None = None,
        mail: Callable[[], MailHealth] | None = None,
    ) -> None:
        self.db = db
        self.mail = mail
        self.runs = runs
        self.stale_after = stale_after
        # Scheduler runs are stamped in real time (even under `tick --at`), so freshness is judged in real time too.
        self.clock = clock or SystemClock()

    def web(self) -> HealthReport:
        """The database answers: enough for a web worker that runs no scheduler."""
        return self._check(with_scheduler=False)

    def full(self) -> HealthReport:
        """The database answers and some scheduler finished a run within `stale_after`."""
        return self._check(with_scheduler=True)

    def _check(self, with_scheduler: bool) -> HealthReport:
        try:
            self.db.ping()
            if not with_scheduler:
                return HealthReport(ok=True, database_reachable=True)
            scheduler = self._scheduler()
            return HealthReport(ok=scheduler.fresh, database_reachable=True, scheduler=scheduler, mail=self._mail())
        except Exception as error:
            # The exception's text may carry the database URL; the log gets only its kind.
            logger.warning("health check: database unreachable (%s)", type(error).__name__)
            return HealthReport(ok=False, database_reachable=False)

    def _mail(self) -> MailHealth | None:
        """The mailbox's state, when one is set; whatever goes wrong reading it is no reason for a 503."""
        if self.mail is None:
            return None
        try:
            return self.mail()
        except Exception:
            logger.warning("health check: could not read the mailbox's state", exc_info=True)
            return None

    def _scheduler(self) -> SchedulerHealth:
        now = self.clock.now()
        last = self.runs.last()
        age = None if last is None else max(0, round((now - last).total_seconds()))
        return SchedulerHealth(
            last_run_seconds_ago=age,
            stale_after_seconds=int(self.stale_after.total_seconds()),
            fresh=age is not None and age <= self.stale_after.total_seconds(),
            schedulers_running=self.runs.active_since(now - self.stale_after),
        )
