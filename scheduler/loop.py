"""The APScheduler job that calls `run_due` every minute, in `serve` or on its own."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import SystemClock
from bot.container import Deps
from bot.services.seen_events import KEEP_FOR
from scheduler.runner import RunReport, run_due

logger = logging.getLogger(__name__)


def run_once(deps: Deps, now: datetime) -> RunReport:
    """`run_due`, then the housekeeping every run does: note that it finished, forget old Slack events."""
    report = run_due(deps, now)
    # Liveness is about the real time, even when `tick --at` runs a chosen instant.
    finished = SystemClock().now()
    deps.scheduler_runs.finished(finished)
    deps.seen_events.forget_before(finished - KEEP_FOR)
    return report


def tick(deps: Deps) -> None:
    """One scheduled run; a failure is logged and the next tick tries again."""
    try:
        report = run_once(deps, deps.clock.now())
        if report.claimed or report.sent or report.retry_later or report.failed:
            logger.info("scheduler run: %s", report)
    except Exception:
        logger.exception("scheduler run failed; the next run will pick up what is still due")


def _add_job(scheduler, deps: Deps) -> None:
    # The database says what is due, so the job itself keeps no state: an in-memory job store
    # per process (never shared, which APScheduler 3 cannot do safely), no misfire cut-off
    # (the default 1 s silently drops late runs), and a late run coalesced into one.
    scheduler.add_job(
        tick,
        IntervalTrigger(seconds=deps.settings.tick_seconds),
        args=[deps],
        id="run_due",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        # Start at once (in real time: the job's clock, not the possibly fixed clock it reads "now" from).
        next_run_time=datetime.now(timezone.utc),
    )


def start_in_background(deps: Deps) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    _add_job(scheduler, deps)
    scheduler.start()
    return scheduler


def run_forever(deps: Deps) -> None:
    scheduler = BlockingScheduler(timezone="UTC")
    _add_job(scheduler, deps)
    logger.info("leadbot scheduler: running every %s s", deps.settings.tick_seconds)
    scheduler.start()
