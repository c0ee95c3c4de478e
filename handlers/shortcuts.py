"""Message shortcuts: *Capture as lead* turns any message into the new-lead form, pre-filled."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import contract
from bot.blocks import leads as lead_blocks
from bot.clock import local_today
from bot.container import Deps
from bot.text.i18n import t
from bot.text.message_text import message_text
from handlers.replies import tell

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.message_shortcut(contract.CAPTURE_SHORTCUT)
    def capture_from_message(ack, body: dict, client: WebClient, respond) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        channel_id = (body.get("channel") or {}).get("id", "")
        message = body.get("message") or {}
        now = deps.clock.now()
        today = local_today(now, deps.directory.cached_tz(team_id, user_id))
        view = lead_blocks.new_lead_modal(
            lead_blocks.NewLeadPrefill(asked_for=message_text(message), source="slack_message"),
            owner_id=user_id,
            first_follow_up=deps.policy(team_id).next_follow_up(0, today, deps.directory.calendar(team_id, user_id)),
            # The link to the message is fetched once the lead is saved: trigger_id allows no detours.
            metadata={"channel": channel_id, "from_message": body.get("message_ts") or message.get("ts")},
        )
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as error:
            logger.warning("views.open failed: %s", error.response.get("error"))
            tell(respond, t("error.slack_busy"))
            return
        deps.directory.rep(team_id, user_id, now)  # warm the time zone cache for the submission
