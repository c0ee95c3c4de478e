"""`run_due(now)`: decide everything due at an instant, write it to the ledger, then post it."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.blocks import inbound as inbound_blocks
from bot.clock import local_today
from bot.container import Deps
from bot.services.followups import FOLDED, NudgeOwner
from bot.services.inbound import INBOUND_ASSIGNED
from bot.services.ledger import Ledger
from bot.services.summary_schedule import SUMMARY, current_period
from bot.slack_out import REJECTED, RETRY, SENT, TARGET_GONE, WORKSPACE_GONE, post_message
from bot.store.models import Rep
from bot.text.i18n import language, language_of_locale
from scheduler.messages import render
from scheduler.summaries import summary_channel_gone, upload_chart

logger = logging.getLogger(__name__)

# Each pass posts one batch of due messages; a failed post may claim a follow-up (a manager's note)
# for a later pass. Bounded, so a run always ends.
DELIVERY_PASSES = 100
PLAN_THREADS = 8  # batches of reps decided at once on PostgreSQL (at most LEADBOT_SEND_CONCURRENCY)
# Reps whose digests or nudges are claimed in one transaction: few enough that a batch's row locks are held
# briefly, many enough that the lock, the read of their leads and the commit are shared.
CLAIM_BATCH = 25


@dataclass
class RunReport:
    claimed: int = 0
    sent: int = 0
    retry_later: int = 0
    failed: int = 0
    skipped: int = 0

    def add(self, other: "RunReport") -> None:
        self.claimed += other.claimed
        self.sent += other.sent
        self.retry_later += other.retry_later
        self.failed += other.failed
        self.skipped += other.skipped

    def __str__(self) -> str:
        return (
            f"claimed {self.claimed}, sent {self.sent}, retry later {self.retry_later}, "
            f"failed {self.failed}, nothing to say {self.skipped}"
        )


def run_due(deps: Deps, now: datetime) -> RunReport:
    """Safe to call from any number of processes at once, and again for the same instant."""
    report = RunReport()
    stopped = deps.teams.stopped()
    # Digests first: a nudge due the same morning folds into the digest instead of a second DM.
    _plan_digests(deps, now, stopped, report)
    _plan_nudges(deps, now, stopped, report)
    _plan_escalations(deps, now, stopped, report)
    _plan_small_buyer_questions(deps, now, stopped, report)
    _plan_summaries(deps, now, stopped, report)
    _plan_inbound(deps, now, stopped, report)
    for _ in range(DELIVERY_PASSES):
        if not _deliver_due(deps, now, stopped, report):
            break
    return report


def _plan_nudges(deps: Deps, now: datetime, stopped: set[str], report: RunReport) -> None:
    for team_id, owners in _by_team(deps.followups.owners_with_due_leads(now), stopped).items():
        # Profiles and today's unsent digests for every owner at once: a query per owner each adds up at scale.
        known = deps.directory.fresh_reps(team_id, owners, now)
        pending = deps.digests.pending_for(team_id, owners)
        decide = partial(_decide_nudges, deps, team_id, now, known, pending)
        report.claimed += sum(_each_batch(deps, decide, owners))


def _decide_nudges(
    deps: Deps, team_id: str, now: datetime, known: dict, pending_digests: set, owner_ids: list[str]
) -> int:
    """One batch of owners: those who left are orphaned one by one, the rest claimed in one transaction."""
    claimed, owners, days = 0, [], {}
    for owner_id in owner_ids:
        rep = known.get(owner_id) or deps.directory.rep(team_id, owner_id, now)
        if not rep.active:
            claimed += bool(deps.followups.orphan(team_id, owner_id, deps.config(team_id).manager, now))
            continue
        today = local_today(now, rep.tz)
        days[owner_id] = today
        fold = (owner_id, today.isoformat()) in pending_digests
        digest_later = (
            rep.next_digest_at if rep.next_digest_at and local_today(rep.next_digest_at, rep.tz) == today else None
        )
        owners.append(NudgeOwner(owner_id, rep.tz, rep.hours, fold, digest_later))
    if not owners:
        return claimed
    folded = []
    for owner_id, one in deps.followups.claim_nudges(team_id, owners, now).items():
        if one.kind == FOLDED:
            folded.append((owner_id, days[owner_id], list(one.leads)))
        else:
            claimed += 1
    if folded:
        deps.digests.fold_quiet_many(team_id, folded)
    return claimed


def _plan_digests(deps: Deps, now: datetime, stopped: set[str], report: RunReport) -> None:
    for team_id, users in _by_team(deps.digests.reps_due(now), stopped).items():
        known = deps.directory.fresh_reps(team_id, users, now)
        report.claimed += sum(_each_batch(deps, partial(_decide_digests, deps, team_id, now, known), users))


def _decide_digests(deps: Deps, team_id: str, now: datetime, known: dict, user_ids: list[str]) -> int:
    reps = [known.get(user_id) or deps.directory.rep(team_id, user_id, now) for user_id in user_ids]
    # A rep who left is handled with their leads, in the nudge pass.
    active = [rep for rep in reps if rep.active]
    return len(deps.digests.claim_many(team_id, active, now)) if active else 0


def _each_batch(deps: Deps, decide, user_ids: list[str], size: int = CLAIM_BATCH) -> list[int]:
    """Decide for the reps in batches (a transaction each); on PostgreSQL several batches at once.

    Much of a claim's time is round trips and a commit, which threads overlap (a batch locks only
    its own reps' rows); SQLite runs its write transactions one at a time anyway.
    """
    batches = [user_ids[start : start + size] for start in range(0, len(user_ids), size)]
    workers = min(deps.settings.send_concurrency, PLAN_THREADS, len(batches))
    if workers <= 1 or deps.db.engine.dialect.name == "sqlite":
        return [decide(batch) for batch in batches]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="plan") as pool:
        return list(pool.map(decide, batches))


def _by_team(pairs: list[tuple[str, str]], stopped: set[str]) -> dict[str, list[str]]:
    """(team, user) pairs as each running team's users, in the order given."""
    teams: dict[str, list[str]] = {}
    for team_id, user_id in pairs:
        if team_id not in stopped:
            teams.setdefault(team_id, []).append(user_id)
    return teams


def _plan_escalations(deps: Deps, now: datetime, stopped: set[str], report: RunReport) -> None:
    # Escalation is opt-in per environment; the manager may be set per team.
    escalate_after = deps.settings.escalate_after
    if not escalate_after:
        return
    for team_id in deps.followups.teams_with_ignored_leads(escalate_after) - stopped:
        manager = deps.config(team_id).manager
        if not manager:
            continue
        rep = deps.directory.rep(team_id, manager, now)
        claimed = deps.followups.claim_escalations(team_id, now, manager, escalate_after, rep.tz, rep.hours)
        report.claimed += bool(claimed)


def _plan_small_buyer_questions(deps: Deps, now: datetime, stopped: set[str], report: RunReport) -> None:
    for team_id, account_id in deps.small_buyers.accounts_to_check(now):
        if team_id in stopped:
            continue
        owner = deps.small_buyers.owner_of(team_id, account_id)
        rep = deps.directory.rep(team_id, owner, now) if owner else None
        if rep is not None and not rep.active:
            owner = None  # nobody to ask: the check clears until another order arrives
        tz = rep.tz if rep else deps.config(team_id).team_tz
        hours = rep.hours if rep else deps.directory.default_hours
        report.claimed += bool(deps.small_buyers.claim_question(team_id, account_id, owner, tz, hours, now))


def _plan_summaries(deps: Deps, now: datetime, stopped: set[str], report: RunReport) -> None:
    for team_id, channel, enabled_by in deps.teams.with_summaries():
        if team_id in stopped:
            continue
        config = deps.config(team_id)
        period = current_period(now, config.summary_schedule, config.team_tz, config.workdays)
        if period is None or now < period.send_at:
            continue
        payload = {
            "start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label,
            "schedule": config.summary_schedule, "enabled_by": enabled_by,
        }
        with deps.db.uow() as uow:
            claimed = Ledger.claim(uow.session, team_id, SUMMARY, channel, period.key, channel, payload, now)
            uow.commit()
        report.claimed += claimed
def _plan_inbound(deps: Deps, now: datetime, stopped: set[str], report: RunReport) -> None:
    """Enquiries nobody claimed in time: a reminder in the thread, or the next rep in turn."""
    for team_id, channel_id, ts in deps.inbound.due(now):
        if team_id in stopped:
            continue
        chased = deps.inbound.chase(team_id, channel_id, ts, now)
        if chased is None:
            continue
        report.claimed += 1
        if chased.kind == INBOUND_ASSIGNED and chased.enquiry.reply_ts:
            # The offer in the thread now says who has it; the DM itself goes through the ledger.
            message = inbound_blocks.taken(chased.enquiry, chased.lead, deps.settings.inbound_claim_within)
            try:
                deps.web.chat_update(channel=channel_id, ts=chased.enquiry.reply_ts, **message)
            except (SlackApiError, OSError) as error:
                logger.warning("could not update the offer for %s/%s: %s", channel_id, ts, error)


@dataclass(frozen=True)
class Reader:
    """A DM target's cached time zone and language, read once per delivery pass rather than per message."""

    tz: str
    language: str | None


def _readers(deps: Deps, targets: list[str]) -> dict[tuple[str, str], Reader]:
    """The cached profiles of these users (in any team), in a query per 500; nobody here is asked of Slack."""
    readers: dict[tuple[str, str], Reader] = {}
    with deps.db.read() as uow:
        for start in range(0, len(targets), 500):
            rows = uow.session.execute(
                select(Rep.team_id, Rep.user_id, Rep.tz, Rep.language, Rep.locale).where(
                    Rep.user_id.in_(targets[start : start + 500])
                )
            )
            for team_id, user_id, tz, chosen, locale in rows:
                # As Directory.cached_tz and cached_language answer for one rep.
                readers[team_id, user_id] = Reader(
                    tz or deps.directory.default_tz, chosen or language_of_locale(locale)
                )
    return readers


def _reader_language(deps: Deps, delivery, reader: Reader | None = None) -> str:
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
    readers = _readers(deps, [target for target in lanes if target[:1] in ("U", "W")])
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
    deps: Deps, delivery, now: datetime, stopped: set[str], report: RunReport, reader: Reader | None
) -> None:
    with language(_reader_language(deps, delivery, reader)):
        message, keep = render(deps, delivery, now, reader.tz if reader else None)
    if message is None:
        deps.ledger.skipped(delivery.id)
        report.skipped += 1
        return
    result = post_message(deps.web, delivery.target, message)
    if result.outcome == SENT:
        deps.ledger.sent(delivery.id, result.channel, result.ts, now, payload=keep)
        report.sent += 1
        if delivery.kind == SUMMARY and delivery.payload.get("schedule") == "weekly":
            with language(_reader_language(deps, delivery, reader)):
                upload_chart(deps, delivery, result.channel, result.ts)
    elif result.outcome == RETRY:
        logger.warning("could not post %s to %s (%s); it stays due", delivery.kind, delivery.target, result.error)
        deps.ledger.retry_later(delivery.id, result.error, delivery.attempts, now)
        report.retry_later += 1
    elif result.outcome == TARGET_GONE:
        deps.ledger.failed(delivery.id, result.error)
        report.failed += 1
        if delivery.kind == SUMMARY:
            summary_channel_gone(deps, delivery, result.error, now)
        elif delivery.target[:1] in ("U", "W"):
            deps.followups.orphan(delivery.team_id, delivery.target, deps.config(delivery.team_id).manager, now)
    elif result.outcome == WORKSPACE_GONE:
        deps.ledger.release(delivery.id)
        deps.teams.stop_sending(delivery.team_id, result.error, now)
        stopped.add(delivery.team_id)
    elif result.outcome == REJECTED:
        deps.ledger.failed(delivery.id, result.error)
        report.failed += 1
