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
from bot.services.webhooks import WEBHOOK
from scheduler.mail import MailPassInBackground, read_mail
from scheduler.runner import RunReport, deliver_due, run_due

logger = logging.getLogger(__name__)

# Webhook events go out within this many seconds of the change, not at the next minute's run.
WEBHOOK_SECONDS = 2


def run_once(deps: Deps, now: datetime, with_mail: bool = True) -> RunReport:
    """`run_due`, then the housekeeping every run does: note that it finished, forget old Slack events, delete the
    data of workspaces that left LEADBOT_KEEP_DATA_DAYS ago.

    With a sales mailbox set, it is read on a thread beside the run, so a slow mailbox delays no due
    message; what the mail added (an emailed enquiry, a buyer's reply) is posted by a second run after it.
    """
    mail = MailPassInBackground(deps, now) if with_mail and deps.mail_log.configured else None
    report = run_due(deps, now)
    if mail is not None:
        report.mail = mail.join()
        if report.mail is not None and report.mail.acted:
            report.add(run_due(deps, now))
    # Liveness is about the real time, even when `tick --at` runs a chosen instant.
    finished = SystemClock().now()
    deps.scheduler_runs.finished(finished)
    deps.seen_events.forget_before(finished - KEEP_FOR)
    # The run's own instant, like everything else it decides (`tick --at` deletes what is due then).
    deps.team_data.delete_due(now)
    return report


def tick(deps: Deps) -> None:
    """One scheduled run; a failure is logged and the next tick tries again. The mailbox has a job of its own."""
    try:
        report = run_once(deps, deps.clock.now(), with_mail=False)
        if report.claimed or report.sent or report.retry_later or report.failed:
            logger.info("scheduler run: %s", report)
    except Exception:
        logger.exception("scheduler run failed; the next run will pick up what is still due")


def mail_tick(deps: Deps) -> None:
    """The mailbox's own job: however slow the mailbox, the run_due job keeps its minute."""
    try:
        now = deps.clock.now()
        mail = read_mail(deps, now)
        if mail is not None and mail.acted:
            logger.info("mail pass: %s", mail)
            run_due(deps, now)  # post what the mail added without waiting for the next tick
    except Exception:
        logger.exception("mail run failed; the next run will read the mailbox again")


def webhook_tick(deps: Deps) -> None:
    """Only the webhook events due: a light query every few seconds, so an integration hears of a change at once."""
    try:
        report = RunReport()
        # A workspace whose Slack token stopped working still has its events sent: they do not go through Slack.
        deliver_due(deps, deps.clock.now(), set(), report, only=(WEBHOOK,))
        if report.sent or report.retry_later or report.failed:
            logger.info("webhook run: %s", report)
    except Exception:
        logger.exception("webhook run failed; the next run will send what is still due")


def _add_job(scheduler, deps: Deps) -> None:
    _every_tick(scheduler, tick, deps, "run_due")
    _every_tick(scheduler, webhook_tick, deps, "webhooks", seconds=min(WEBHOOK_SECONDS, deps.settings.tick_seconds))
    if deps.mail_log.configured:
        _every_tick(scheduler, mail_tick, deps, "mail_poll")  # a job of its own: a slow mailbox holds up no nudge


def _every_tick(scheduler, job, deps: Deps, job_id: str, seconds: int | None = None) -> None:
    # The database says what is due, so the job itself keeps no state: an in-memory job store
    # per process (never shared, which APScheduler 3 cannot do safely), no misfire cut-off
    # (the default 1 s silently drops late runs), and a late run coalesced into one.
    scheduler.add_job(
        job,
        IntervalTrigger(seconds=seconds or deps.settings.tick_seconds),
        args=[deps],
        id=job_id,
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
