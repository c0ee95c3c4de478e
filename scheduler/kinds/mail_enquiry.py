"""Enquiries that came by email: posted in the mail channel, then offered in their thread like any inbound message."""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk.errors import SlackApiError

from bot.blocks import inbound as inbound_blocks
from bot.container import Deps
from bot.services.ledger import DeliveryView
from bot.services.mail_enquiries import MAIL_ENQUIRY
from bot.slack_out import slack_error
from scheduler.kinds.kind import Kind

logger = logging.getLogger(__name__)


def render(deps: Deps, delivery: DeliveryView, now: datetime, tz: str | None) -> tuple[dict | None, dict | None]:
    """The mail as the channel reads it: who wrote, the subject and the first lines."""
    payload = delivery.payload
    enquiry = deps.mail_enquiries.waiting(delivery.team_id, payload["channel"], payload["placeholder"])
    if enquiry is None:
        return None, None
    return inbound_blocks.mail_enquiry(enquiry.author, enquiry.asked_for, from_api=enquiry.from_api), None


def after_sent(deps: Deps, delivery: DeliveryView, channel: str, ts: str) -> None:
    """Now it is a message in the channel: its enquiry takes that ts, and the offer goes in its thread."""
    now = deps.clock.now()
    team_id = delivery.team_id
    enquiry = deps.mail_enquiries.posted(team_id, delivery.payload["channel"], delivery.payload["placeholder"], ts, now)
    if enquiry is None:
        return
    state = deps.inbound.channel(team_id, channel)
    offer = inbound_blocks.offer(ts, deps.settings.inbound_claim_within, state.round_robin and bool(state.claimers))
    try:
        posted = deps.client_for(team_id).chat_postMessage(channel=channel, thread_ts=ts, **offer)
        deps.inbound.replied(team_id, channel, ts, posted["ts"])
    except (SlackApiError, OSError) as error:
        # As for a message typed there: the reminder still reaches the thread, and the shortcut works meanwhile.
        reason = slack_error(error) if isinstance(error, SlackApiError) else type(error).__name__
        logger.warning("could not offer the emailed enquiry %s/%s: %s", channel, ts, reason)
    try:
        link = deps.client_for(team_id).chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    except (SlackApiError, OSError):
        link = None
    deps.inbound.set_permalink(team_id, channel, ts, link)


def target_gone(deps: Deps, delivery: DeliveryView, error: str, now: datetime) -> None:
    """The mail channel is gone (archived, leadbot removed): the mail stays in the mailbox, handled; say so once."""
    logger.warning("could not post an emailed enquiry to %s (%s); it is still in the mailbox", delivery.target, error)


KIND = Kind(MAIL_ENQUIRY, render, after_sent=after_sent, target_gone=target_gone)
