"""Opening leadbot's modals from a command or a button."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from bot.clock import local_today
from bot.container import Deps
from bot.errors import LeadbotError, NotAllowed

logger = logging.getLogger(__name__)


def open_log_modal(
    deps: Deps, client: WebClient, team_id: str, user_id: str, ref: str, trigger_id: str, channel_id: str
) -> None:
    """The log-a-follow-up form for one lead, refused early for someone who may not change it."""
    lead = deps.leads.find(team_id, ref)
    if not deps.leads.can_change(lead, user_id):
        raise NotAllowed(lead.number, lead.owner_id)
    if lead.status != "open":
        raise LeadbotError("error.closed", number=lead.number, company=lead.company, status=lead.status)
    today = local_today(deps.clock.now(), deps.directory.cached_tz(team_id, user_id))
    suggested = deps.policy.next_follow_up(lead.touch_count + 1, today)
    view = blocks.log_touch_modal(lead, suggested, {"channel": channel_id})
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        logger.warning("views.open failed: %s", error.response.get("error"))
        raise LeadbotError("error.slack_busy") from None
