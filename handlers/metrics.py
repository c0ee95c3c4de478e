"""`GET /metrics` in Prometheus's text format: Slack requests and acks counted as they happen, the rest read at scrape.

Under `leadbot serve` over HTTP, every worker process writes its counts to files in PROMETHEUS_MULTIPROC_DIR
(handlers/prefork.py sets it up before this module is imported), and whichever worker answers a scrape adds up
all of them. What lives in the database (the ledger, scheduler runs, the mailbox) is read at scrape time, once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import values as prometheus_values
from prometheus_client.core import GaugeMetricFamily

from bot.container import Deps
from bot.logs import SlackRequest

logger = logging.getLogger(__name__)

SLACK_REQUESTS = Counter(
    "leadbot_slack_requests",
    "Requests from Slack, by kind (command, action, view, shortcut, event, options), what was asked (the command, "
    "action or form id, or event type) and outcome (ok, refused, stale, error, unhandled, repeat, unauthorized).",
    ["kind", "name", "outcome"],
)
ACK_SECONDS = Histogram(
    "leadbot_ack_seconds",
    "Time from a Slack request reaching leadbot to its ack (Slack gives up after 3 s).",
    ["kind"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
)
NAME_MAX = 64


def count_request(request: SlackRequest) -> None:
    """Called once per request, when its ack and the work after it are over."""
    SLACK_REQUESTS.labels(request.kind or "other", request.name[:NAME_MAX], request.outcome).inc()


def observe_ack(kind: str, seconds: float) -> None:
    ACK_SECONDS.labels(kind or "other").observe(seconds)


def in_files() -> bool:
    """Whether this process's counts go to PROMETHEUS_MULTIPROC_DIR (decided when prometheus_client was imported)."""
    return bool(getattr(prometheus_values.ValueClass, "_multiprocess", False))


def worker_gone(pid: int) -> None:
    """A worker process exited: its counts stay in the sums; what only counted while it lived is dropped."""
    if in_files():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


class _ThisProcess:
    """The process's own counters (single-process mode), beside the state read from the database."""

    def collect(self):
        yield from REGISTRY.collect()


class _FromTheDatabase:
    """Scheduled messages by kind and state, the age of the last scheduler run, the mailbox: read per scrape."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def collect(self):
        health = self._deps.health
        up = GaugeMetricFamily("leadbot_database_up", "1 when the database answered this scrape's questions.")
        try:
            counts = self._deps.ledger.counts()
            last_run = health.runs.last()
            mail = health.mail() if health.mail is not None else None
        except Exception as error:
            logger.warning("metrics: could not read the database (%s)", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        now = health.clock.now()  # scheduler runs are stamped in real time, as the health check judges them

        scheduled = GaugeMetricFamily(
            "leadbot_scheduled_messages",
            "Scheduled messages in the delivery ledger by kind (digest, nudge, webhook, …) and status "
            "(pending, sent, failed, skipped).",
            labels=["kind", "status"],
        )
        for (kind, status), count in sorted(counts.items()):
            scheduled.add_metric([kind, status], count)
        yield scheduled

        if last_run is not None:
            yield GaugeMetricFamily(
                "leadbot_scheduler_last_run_age_seconds",
                "Seconds since some scheduler last finished a run (absent: none ever did).",
                value=_age(now, last_run),
            )
        if mail is not None:
            yield GaugeMetricFamily(
                "leadbot_mail_failing", "1 while reading the sales mailbox fails.", value=int(mail.status != "ok")
            )
            if mail.last_ok_at is not None:
                yield GaugeMetricFamily(
                    "leadbot_mail_last_read_age_seconds",
                    "Seconds since the sales mailbox was last read without an error.",
                    value=_age(now, mail.last_ok_at),
                )


def _age(now: datetime, then: datetime) -> float:
    return max(0.0, (now - then).total_seconds())


def scrape(deps: Deps) -> tuple[str, bytes]:
    """The body of `GET /metrics` and its content type."""
    registry = CollectorRegistry()
    if in_files():
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(_FromTheDatabase(deps))
    return CONTENT_TYPE_LATEST, generate_latest(registry)
