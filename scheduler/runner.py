"""`run_due(now)`: decide everything due at an instant, write it to the ledger, then post it."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from bot.container import Deps
from bot.services.ledger import DeliveryView
from bot.services.mail_log import MailPass
from bot.services.reps import Reader
from bot.slack_out import REJECTED, RETRY, SENT, TARGET_GONE, WORKSPACE_GONE, post_message
from bot.text.i18n import language
from scheduler import kinds

logger = logging.getLogger(__name__)

# Each pass posts one batch of due messages; a failed post may claim a follow-up (a manager's note)
# for a later pass. Bounded, so a run always ends.
DELIVERY_PASSES = 100


@dataclass
class RunReport:
    claimed: int = 0
    sent: int = 0
    retry_later: int = 0
    failed: int = 0
    skipped: int = 0
    mail: MailPass | None = field(default=None, compare=False)  # the mailbox pass beside this run, if any

    def add(self, other: "RunReport") -> None:
        self.claimed += other.claimed
        self.sent += other.sent
        self.retry_later += other.retry_later
        self.failed += other.failed
        self.skipped += other.skipped

    def __str__(self) -> str:
        text = (
            f"claimed {self.claimed}, sent {self.sent}, retry later {self.retry_later}, "
            f"failed {self.failed}, nothing to say {self.skipped}"
        )
        return text if self.mail is None else f"{text}; mail: {self.mail}"


def run_due(deps: Deps, now: datetime) -> RunReport:
    """Safe to call from any number of processes at once, and again for the same instant."""
    report = RunReport()
    stopped = deps.teams.stopped()
    report.claimed += plan_due(deps, now, stopped)
    deliver_due(deps, now, stopped, report)
    return report


def plan_due(deps: Deps, now: datetime, stopped: set[str]) -> int:
    """Every registered kind decides what is due and writes it to the ledger, in the registry's order."""
    return sum(kind.plan(deps, now, stopped) for kind in kinds.KINDS)


def deliver_due(deps: Deps, now: datetime, stopped: set[str], report: RunReport) -> None:
    """Post what the ledger holds due, pass after pass, until a pass finds nothing (or the passes run out)."""
    for _ in range(DELIVERY_PASSES):
        if not _deliver_due(deps, now, stopped, report):
            break


def _reader_language(deps: Deps, delivery: DeliveryView, reader: Reader | None = None) -> str:
    """A DM speaks its reader's language; a channel message the team's."""
    if delivery.target[:1] in ("U", "W"):
        chosen = reader.language if reader else deps.directory.cached_language(delivery.team_id, delivery.target)
        return chosen or deps.config(delivery.team_id).language
    return deps.config(delivery.team_id).language


def _deliver_due(deps: Deps, now: datetime, stopped: set[str], report: RunReport) -> int:
    """Post every pending message whose time has come; returns how many were taken and not handed back.

    Messages go out over up to LEADBOT_SEND_CONCURRENCY threads, one lane per target in ledger
    order: each channel or DM gets one post at a time (Slack allows about one a second per
    channel), and a 429 waited out on one channel holds up only that channel's lane.
    """
    lanes: dict[str, list[int]] = {}
    for delivery_id, target in deps.ledger.due(now, skip_teams=stopped):
        lanes.setdefault(target, []).append(delivery_id)
    if not lanes:
        return 0
    readers = deps.directory.readers([target for target in lanes if target[:1] in ("U", "W")])
    send = partial(_deliver_lane, deps, now=now, stopped=stopped, readers=readers)
    workers = min(deps.settings.send_concurrency, len(lanes))
    if workers == 1:
        tallies = [send(ids) for ids in lanes.values()]
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="send") as pool:
            tallies = list(pool.map(send, lanes.values()))
    settled = 0
    for tally, done in tallies:
        report.add(tally)
        settled += done
    return settled


def _deliver_lane(
    deps: Deps, delivery_ids: list[int], now: datetime, stopped: set[str], readers: dict[tuple[str, str], Reader]
) -> tuple[RunReport, int]:
    """One target's messages, in order; a tally of its own so lanes never share counters."""
    tally, settled = RunReport(), 0
    for delivery_id in delivery_ids:
        delivery = deps.ledger.take(delivery_id, now)
        if delivery is None:
            continue  # another scheduler is posting it
        if delivery.team_id in stopped:  # another lane just found the workspace gone
            deps.ledger.release(delivery.id)
            continue
        settled += 1
        try:
            _deliver_one(deps, delivery, now, stopped, tally, readers.get((delivery.team_id, delivery.target)))
        except Exception:
            # A bug rendering one message must not stop the others; the lease lapses and it is tried again.
            logger.exception("could not deliver %s %s to %s", delivery.kind, delivery.id, delivery.target)
    return tally, settled


def _deliver_one(
    deps: Deps, delivery: DeliveryView, now: datetime, stopped: set[str], report: RunReport, reader: Reader | None
) -> None:
    kind = kinds.kind_named(delivery.kind)
    if kind is None:
        raise ValueError(f"no registered kind renders {delivery.kind}")
    reading = _reader_language(deps, delivery, reader)
    with language(reading):
        message, keep = kind.render(deps, delivery, now, reader.tz if reader else None)
    if message is None:
        deps.ledger.skipped(delivery.id)
        report.skipped += 1
        return
    result = post_message(deps.web, delivery.target, message)
    if result.outcome == SENT:
        deps.ledger.sent(delivery.id, result.channel, result.ts, now, payload=keep)
        report.sent += 1
        if kind.after_sent is not None:
            with language(reading):
                kind.after_sent(deps, delivery, result.channel, result.ts)
    elif result.outcome == RETRY:
        logger.warning("could not post %s to %s (%s); it stays due", delivery.kind, delivery.target, result.error)
        deps.ledger.retry_later(delivery.id, result.error, delivery.attempts, now)
        report.retry_later += 1
    elif result.outcome == TARGET_GONE:
        deps.ledger.failed(delivery.id, result.error)
        report.failed += 1
        kind.target_gone(deps, delivery, result.error, now)
    elif result.outcome == WORKSPACE_GONE:
        deps.ledger.release(delivery.id)
        deps.teams.stop_sending(delivery.team_id, result.error, now)
        stopped.add(delivery.team_id)
    elif result.outcome == REJECTED:
        deps.ledger.failed(delivery.id, result.error)
        report.failed += 1
