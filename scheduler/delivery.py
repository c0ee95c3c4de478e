"""Posting what the ledger holds due: per-target lanes over a thread pool, each message posted once.

Every post carries its ledger id as Slack message metadata. A row that comes back from the ledger
`unsure_since` (its last sender died holding the lease, or Slack's answer to the post was lost) is
looked for in its conversation first: found, its ts is recorded and nothing is posted; not found,
it is posted. Where leadbot may not read that conversation (no history scope), it is posted as
before, and counted.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import partial

from bot.container import Deps
from bot.services.ledger import DeliveryView
from bot.services.reps import Reader
from bot.slack_history import MISSING_SCOPE, RATELIMITED, Look, delivery_metadata, look
from bot.slack_out import REJECTED, RETRY, SENT, TARGET_GONE, WORKSPACE_GONE, post_message, posting_client
from bot.text.i18n import language
from scheduler import kinds
from scheduler.kinds.kind import ELSEWHERE, UNREACHABLE
from scheduler.report import RunReport

logger = logging.getLogger(__name__)


class Watch:
    """What one run learnt about reading conversations, shared by its lanes: scopes Slack said are missing,
    how long Slack asked us not to read (429), and what was posted without looking, by reason.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._missing: dict[tuple[str, str], str] = {}  # (team, "im" or channel id) -> the scope Slack asked for
        self._quiet_until = 0.0  # monotonic: no history reads before this
        self.unchecked: Counter[str] = Counter()

    def missing(self, team_id: str, target: str) -> str:
        with self._lock:
            return self._missing.get((team_id, _conversation_kind(target)), "")

    def note_missing(self, team_id: str, target: str, scope: str) -> None:
        with self._lock:
            self._missing[(team_id, _conversation_kind(target))] = scope or "history"

    def quiet_for(self) -> float:
        with self._lock:
            return max(0.0, self._quiet_until - time.monotonic())

    def note_ratelimited(self, seconds: int) -> None:
        with self._lock:
            self._quiet_until = max(self._quiet_until, time.monotonic() + seconds)

    def note_unchecked(self, reason: str) -> None:
        with self._lock:
            self.unchecked[reason] += 1

    def log_unchecked(self) -> None:
        if self.unchecked:
            reasons = ", ".join(f"{count} ({reason})" for reason, count in sorted(self.unchecked.items()))
            logger.warning(
                "posted again without looking in the conversation first, so each may now show twice: %s", reasons
            )


def _conversation_kind(target: str) -> str:
    return "im" if target[:1] in ("U", "W", "D") else target


class _Lane:
    """One target's messages in ledger order, with the conversation read at most once for them."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.seen: Look | None = None


def deliver_pass(
    deps: Deps, now: datetime, stopped: set[str], report: RunReport, watch: Watch, only: tuple[str, ...] = ()
) -> int:
    """Post every pending message whose time has come; returns how many were taken and not handed back.

    Messages go out over up to LEADBOT_SEND_CONCURRENCY threads, one lane per target in ledger
    order: each channel or DM gets one post at a time (Slack allows about one a second per
    channel), and a 429 waited out on one channel holds up only that channel's lane. `only`: just these kinds.
    """
    lanes: dict[str, list[int]] = {}
    for delivery_id, target in deps.ledger.due(now, skip_teams=stopped, only=only):
        lanes.setdefault(target, []).append(delivery_id)
    if not lanes:
        return 0
    readers = deps.directory.readers([target for target in lanes if target[:1] in ("U", "W")])
    send = partial(_deliver_lane, deps, now=now, stopped=stopped, readers=readers, watch=watch)
    work = list(lanes.items())
    # Start at a random lane: a second scheduler reading the same due rows then mostly takes other lanes
    # than this one, instead of both racing down the same list.
    start = random.randrange(len(work))
    work = work[start:] + work[:start]
    workers = min(deps.settings.send_concurrency, len(work))
    if workers == 1:
        tallies = [send(lane) for lane in work]
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="send") as pool:
            tallies = list(pool.map(send, work))
    settled = 0
    for tally, done in tallies:
        report.add(tally)
        settled += done
    return settled


def _deliver_lane(
    deps: Deps, lane_work: tuple[str, list[int]], now: datetime, stopped: set[str],
    readers: dict[tuple[str, str], Reader], watch: Watch,
) -> tuple[RunReport, int]:
    """One target's messages, in order; a tally of its own so lanes never share counters."""
    target, delivery_ids = lane_work
    lane, tally, settled = _Lane(target), RunReport(), 0
    for delivery_id in delivery_ids:
        delivery = deps.ledger.take(delivery_id, now)
        if delivery is None:
            break  # another scheduler is posting to this target: the rest of its lane is that one's too
        if delivery.team_id in stopped:  # another lane just found the workspace gone
            deps.ledger.release(delivery.id)
            continue
        settled += 1
        try:
            outcome = _deliver_one(
                deps, delivery, now, stopped, tally, readers.get((delivery.team_id, delivery.target)), lane, watch
            )
        except Exception:
            # A bug rendering one message must not stop the others; the lease lapses and it is tried again.
            logger.exception("could not deliver %s %s to %s", delivery.kind, delivery.id, delivery.target)
            continue
        if outcome == ELSEWHERE:
            settled -= 1  # handed back untouched: another scheduler is posting to this target, the lane is its own
            break
        if outcome == UNREACHABLE:
            break  # the target did not answer: the rest of its lane waits for its next attempt
    return tally, settled


def _reader_language(deps: Deps, delivery: DeliveryView, reader: Reader | None = None) -> str:
    """A DM speaks its reader's language; a channel message the team's."""
    if delivery.target[:1] in ("U", "W"):
        chosen = reader.language if reader else deps.directory.cached_language(delivery.team_id, delivery.target)
        return chosen or deps.config(delivery.team_id).language
    return deps.config(delivery.team_id).language


def _deliver_one(
    deps: Deps, delivery: DeliveryView, now: datetime, stopped: set[str], report: RunReport,
    reader: Reader | None, lane: _Lane, watch: Watch,
) -> str | None:
    """Deliver one taken row; ELSEWHERE when it was handed back for another sender's lane."""
    kind = kinds.kind_named(delivery.kind)
    if kind is None:
        raise ValueError(f"no registered kind renders {delivery.kind}")
    if kind.send is not None:  # not a Slack message (a webhook): the kind delivers it and records the outcome
        outcome = kind.send(deps, delivery, now)
        counted = "retry_later" if outcome == UNREACHABLE else outcome
        if outcome != ELSEWHERE:
            setattr(report, counted, getattr(report, counted) + 1)
        return outcome
    reading = _reader_language(deps, delivery, reader)
    with language(reading):
        message, keep = kind.render(deps, delivery, now, reader.tz if reader else None)
    if delivery.unsure_since is not None:
        thread_ts = (message or {}).get("thread_ts")
        found = _look_first(deps, delivery, now, report, lane, watch, thread_ts)
        if found is None:
            return  # put off: Slack asked us not to read for a while
        if found:
            channel, ts = found
            deps.ledger.sent(delivery.id, channel, ts, now, payload=keep)
            report.sent += 1
            report.found_posted += 1
            if kind.after_sent is not None:  # its sender died before this, too
                with language(reading):
                    kind.after_sent(deps, delivery, channel, ts)
            return
    if message is None:
        deps.ledger.skipped(delivery.id)
        report.skipped += 1
        return
    poster = posting_client(deps.client_for(delivery.team_id))  # the workspace's own token
    result = post_message(poster, delivery.target, message, delivery_metadata(delivery.id))
    if result.outcome == SENT:
        deps.ledger.sent(delivery.id, result.channel, result.ts, now, payload=keep)
        report.sent += 1
        if kind.after_sent is not None:
            with language(reading):
                kind.after_sent(deps, delivery, result.channel, result.ts)
    elif result.outcome == RETRY:
        logger.warning("could not post %s to %s (%s); it stays due", delivery.kind, delivery.target, result.error)
        # The lease was taken at `now`: a post that may have gone through went through after it.
        unsure = now if result.maybe_posted else None
        deps.ledger.retry_later(delivery.id, result.error, delivery.attempts, now, unsure_since=unsure)
        report.retry_later += 1
    elif result.outcome == TARGET_GONE:
        deps.ledger.failed(delivery.id, result.error)
        report.failed += 1
        kind.target_gone(deps, delivery, result.error, now)
    elif result.outcome == WORKSPACE_GONE:
        deps.ledger.release(delivery.id)
        if deps.reinstalled(delivery.team_id, poster.token):
            # Added to Slack again through another process while this one still held the old token: the
            # message stays due and goes out with the new one, nothing is paused.
            report.retry_later += 1
            return
        deps.teams.stop_sending(delivery.team_id, result.error, now)
        stopped.add(delivery.team_id)
    elif result.outcome == REJECTED:
        deps.ledger.failed(delivery.id, result.error)
        report.failed += 1


def _look_first(
    deps: Deps, delivery: DeliveryView, now: datetime, report: RunReport, lane: _Lane, watch: Watch,
    thread_ts: str | None,
) -> tuple[str, str] | tuple[()] | None:
    """Whether an earlier attempt posted this delivery: (channel, ts) found; () not found or cannot tell
    (post it); None: Slack asked us not to read for a while, so the delivery is put off until then.
    """
    since = delivery.unsure_since
    assert since is not None
    missing = watch.missing(delivery.team_id, delivery.target)
    if missing:
        return _unchecked(delivery, report, watch, f"{MISSING_SCOPE} {missing}")
    seen = lane.seen
    if seen is None or not seen.covers(since) or thread_ts:
        quiet = watch.quiet_for()
        if quiet:
            return _put_off(deps, delivery, now, report, quiet)
        seen = look(deps.client_for(delivery.team_id), delivery.target, since, thread_ts)
        if seen.error == RATELIMITED:
            watch.note_ratelimited(seen.retry_after)
            return _put_off(deps, delivery, now, report, seen.retry_after)
        if seen.error == MISSING_SCOPE:
            watch.note_missing(delivery.team_id, delivery.target, seen.needed)
            return _unchecked(delivery, report, watch, f"{MISSING_SCOPE} {seen.needed}")
        if seen.error:
            return _unchecked(delivery, report, watch, seen.error)
        if not thread_ts:
            lane.seen = seen  # one read of a conversation answers for the rest of its lane
    ts = seen.found.get(delivery.id)
    return (seen.channel, ts) if ts else ()


def _unchecked(delivery: DeliveryView, report: RunReport, watch: Watch, reason: str) -> tuple[()]:
    logger.warning(
        "%s %s to %s may have been posted before; could not look (%s), posting it again",
        delivery.kind, delivery.id, delivery.target, reason,
    )
    watch.note_unchecked(reason)
    report.unchecked += 1
    return ()


def _put_off(deps: Deps, delivery: DeliveryView, now: datetime, report: RunReport, seconds: float) -> None:
    """Slack asked us not to read history for a while: try this one again after that, still looking first."""
    wait = timedelta(seconds=max(1, int(seconds) + 1))
    deps.ledger.retry_later(delivery.id, RATELIMITED, delivery.attempts, now, wait=wait)
    report.retry_later += 1
    return None
