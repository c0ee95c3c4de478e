"""`run_due(now)`: decide everything due at an instant, write it to the ledger, then post it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.errors import SlackApiError

from bot import inbound_blocks
from bot.container import Deps
from bot.scheduled import render
from bot.services.inbound import INBOUND_ASSIGNED
from bot.slack_out import REJECTED, RETRY, SENT, TARGET_GONE, WORKSPACE_GONE, post_message

logger = logging.getLogger(__name__)

DELIVERY_PASSES = 3  # a failed post may claim a follow-up message (a manager's note) in the same run


@dataclass
class RunReport:
    claimed: int = 0
    sent: int = 0
    retry_later: int = 0
    failed: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        return (
            f"claimed {self.claimed}, sent {self.sent}, retry later {self.retry_later}, "
            f"failed {self.failed}, nothing to say {self.skipped}"
        )


def run_due(deps: Deps, now: datetime) -> RunReport:
    """Safe to call from any number of processes at once, and again for the same instant."""
    report = RunReport()
    stopped = deps.teams.stopped()
    _plan_nudges(deps, now, stopped, report)
    _plan_escalations(deps, now, stopped, report)
    _plan_inbound(deps, now, stopped, report)
    for _ in range(DELIVERY_PASSES):
        if not _deliver_due(deps, now, stopped, report):
            break
    return report


def _plan_nudges(deps: Deps, now: datetime, stopped: set[str], report: RunReport) -> None:
    manager = deps.settings.manager
    for team_id, owner_id in deps.followups.owners_with_due_leads(now):
        if team_id in stopped:
            continue
        rep = deps.directory.rep(team_id, owner_id, now)
        if not rep.active:
            report.claimed += bool(deps.followups.orphan(team_id, owner_id, manager, now))
            continue
        report.claimed += bool(deps.followups.claim_nudge(team_id, owner_id, rep.tz, now))


def _plan_escalations(deps: Deps, now: datetime, stopped: set[str], report: RunReport) -> None:
    manager = deps.settings.manager
    if not manager or not deps.settings.escalate_after:
        return
    for team_id in deps.followups.teams_with_ignored_leads(deps.settings.escalate_after) - stopped:
        tz = deps.directory.tz(team_id, manager, now)
        claimed = deps.followups.claim_escalations(team_id, now, manager, deps.settings.escalate_after, tz)
        report.claimed += bool(claimed)


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


def _deliver_due(deps: Deps, now: datetime, stopped: set[str], report: RunReport) -> int:
    """Post every pending message whose time has come; returns how many were taken."""
    taken = 0
    for delivery_id in deps.ledger.due(now):
        delivery = deps.ledger.take(delivery_id, now)
        if delivery is None:
            continue  # another scheduler is posting it
        taken += 1
        if delivery.team_id in stopped:
            deps.ledger.release(delivery.id)
            continue
        message = render(deps, delivery, now)
        if message is None:
            deps.ledger.skipped(delivery.id)
            report.skipped += 1
            continue
        result = post_message(deps.web, delivery.target, message)
        if result.outcome == SENT:
            deps.ledger.sent(delivery.id, result.channel, result.ts, now)
            report.sent += 1
        elif result.outcome == RETRY:
            logger.warning("could not post %s to %s (%s); it stays due", delivery.kind, delivery.target, result.error)
            deps.ledger.retry_later(delivery.id, result.error, delivery.attempts, now)
            report.retry_later += 1
        elif result.outcome == TARGET_GONE:
            deps.ledger.failed(delivery.id, result.error)
            report.failed += 1
            if delivery.target[:1] in ("U", "W"):
                deps.followups.orphan(delivery.team_id, delivery.target, deps.settings.manager, now)
        elif result.outcome == WORKSPACE_GONE:
            deps.ledger.release(delivery.id)
            deps.teams.stop_sending(delivery.team_id, result.error, now)
            stopped.add(delivery.team_id)
        elif result.outcome == REJECTED:
            deps.ledger.failed(delivery.id, result.error)
            report.failed += 1
    return taken
