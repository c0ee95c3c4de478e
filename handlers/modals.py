"""Opening leadbot's modals from a command or a button, and refreshing the nudge they came from."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import leads as lead_blocks
from bot.blocks.followups import lost_modal, won_modal
from bot.clock import local_today
from bot.container import Deps
from bot.errors import LeadbotError
from scheduler.kinds import redraw

logger = logging.getLogger(__name__)


def origin_of(body: dict) -> dict:
    """Where a button was pressed: the channel for replies, the message to refresh afterwards."""
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or ""
    origin = {"channel": channel}
    if container.get("type") == "message" and not container.get("is_ephemeral"):
        origin["message_ts"] = container.get("message_ts")
    return origin


def open_log_modal(
    deps: Deps, client: WebClient, team_id: str, user_id: str, ref: str, trigger_id: str, origin: dict
) -> None:
    lead = deps.leads.editable(team_id, ref, user_id)  # refused before a form opens
    today = local_today(deps.clock.now(), deps.directory.cached_tz(team_id, user_id))
    _open(client, trigger_id, lead_blocks.log_touch_modal(lead, deps.leads.suggested_next(lead, today), origin))


def open_edit_modal(
    deps: Deps, client: WebClient, team_id: str, user_id: str, ref: str, trigger_id: str, origin: dict, intro: str = ""
) -> None:
    lead = deps.leads.editable(team_id, ref, user_id)
    _open(client, trigger_id, lead_blocks.edit_lead_modal(lead, origin, intro=intro))


def open_lost_modal(
    deps: Deps, client: WebClient, team_id: str, user_id: str, ref: str, trigger_id: str, origin: dict,
    note: str = "",
) -> None:
    lead = deps.leads.editable(team_id, ref, user_id)
    _open(client, trigger_id, lost_modal(lead, origin, note=note))


def open_won_modal(
    deps: Deps, client: WebClient, team_id: str, user_id: str, ref: str, trigger_id: str, origin: dict
) -> None:
    lead = deps.leads.editable(team_id, ref, user_id)
    _open(client, trigger_id, won_modal(lead, deps.config(team_id).currency, origin))


def _open(client: WebClient, trigger_id: str, view: dict) -> None:
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        logger.warning("views.open failed: %s", error.response.get("error"))
        raise LeadbotError("error.slack_busy") from None


def refresh_nudge(deps: Deps, client: WebClient, team_id: str, origin: dict) -> None:
    """Redraw the nudge or digest a button was pressed on, so what was handled no longer looks actionable."""
    channel, ts = origin.get("channel"), origin.get("message_ts")
    if not channel or not ts:
        return
    delivery = deps.ledger.find_by_message(team_id, channel, ts)
    if delivery is None:
        return  # not a scheduled message (a lead card, say): nothing to redraw
    message = redraw(deps, delivery, deps.clock.now())
    if message is None:
        return
    try:
        client.chat_update(channel=channel, ts=ts, **message)
    except SlackApiError as error:
        # The action itself succeeded; a stale-looking message is the lesser harm.
        logger.warning("could not redraw the nudge %s/%s: %s", channel, ts, error.response.get("error"))
