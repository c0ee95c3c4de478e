"""Enquiries nobody claimed in time: a reminder in their thread, or (round-robin) a hand-off to the next rep in turn.

One plan decides both, per enquiry (`InboundService.chase`): the channel's round-robin setting says which.
"""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk.errors import SlackApiError

from bot.blocks import inbound as inbound_blocks
from bot.blocks.leads import lead_card
from bot.clock import local_today
from bot.container import Deps
from bot.services.inbound import INBOUND_ASSIGNED, INBOUND_REMINDER
from bot.services.ledger import DeliveryView
from bot.text.i18n import t
from scheduler.kinds.kind import Kind

logger = logging.getLogger(__name__)


def plan(deps: Deps, now: datetime, stopped: set[str]) -> int:
    claimed = 0
    for team_id, channel_id, ts in deps.inbound.due(now):
        if team_id in stopped:
            continue
        chased = deps.inbound.chase(team_id, channel_id, ts, now)
        if chased is None:
            continue
        claimed += 1
        if chased.kind == INBOUND_ASSIGNED and chased.enquiry.reply_ts:
            # The offer in the thread now says who has it; the DM itself goes through the ledger.
            message = inbound_blocks.taken(chased.enquiry, chased.lead, deps.settings.inbound_claim_within)
            try:
                deps.client_for(team_id).chat_update(channel=channel_id, ts=chased.enquiry.reply_ts, **message)
            except (SlackApiError, OSError) as error:
                logger.warning("could not update the offer for %s/%s: %s", channel_id, ts, error)
    return claimed


def render_reminder(
    deps: Deps, delivery: DeliveryView, now: datetime, tz: str | None
) -> tuple[dict | None, dict | None]:
    """The thread reminder, unless someone claimed the enquiry (or said it was none) since it was planned."""
    payload = delivery.payload
    enquiry = deps.inbound.find(delivery.team_id, payload["channel"], payload["ts"])
    if enquiry is None or enquiry.status != "open":
        return None, None
    return inbound_blocks.reminder(payload["ts"], payload.get("mentions", []), deps.settings.inbound_claim_within), None


def render_handoff(
    deps: Deps, delivery: DeliveryView, now: datetime, tz: str | None
) -> tuple[dict | None, dict | None]:
    """The lead's card by DM to the rep whose turn it was, while the lead is still open and theirs."""
    leads = deps.leads.find_many(delivery.team_id, delivery.payload.get("leads", []))
    still_theirs = [lead for lead in leads if lead.status == "open" and lead.owner_id == delivery.target]
    if not still_theirs:
        return None, None
    tz = tz or deps.directory.cached_tz(delivery.team_id, delivery.target)
    within = inbound_blocks.within_text(deps.settings.inbound_claim_within)
    intro = t("inbound.assigned_to_you_round_robin", channel=delivery.payload["channel"], within=within)
    return lead_card(still_theirs[0], local_today(now, tz), intro=intro), None


def next_due(deps: Deps, after: datetime) -> datetime | None:
    return deps.inbound.next_reminder_after(after)


REMINDER = Kind(INBOUND_REMINDER, render_reminder, plan=plan, next_due=next_due)
# Decided by the same plan as the reminder, when the channel hands enquiries out in turn.
HANDOFF = Kind(INBOUND_ASSIGNED, render_handoff)
