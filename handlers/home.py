"""The App Home tab: published when opened, and again whenever the rep acts."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import contract
from bot.blocks import leads as lead_blocks
from bot.clock import local_today
from bot.container import Deps
from bot.home_tab import publish_home
from bot.text.i18n import t
from handlers.replies import tell

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict, body: dict, client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return  # the Messages tab needs nothing from us
        team_id, user_id = body["team_id"], event["user"]
        # Remember first: anything the rep does from now on must redraw the tab they are looking at.
        deps.directory.rep(team_id, user_id, deps.clock.now())
        deps.directory.opened_home(team_id, user_id, deps.clock.now())
        publish_home(deps, client, team_id, user_id)

    @app.action(contract.HOME_NEW_LEAD)
    def new_lead(ack, body: dict, client: WebClient, respond) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        now = deps.clock.now()
        today = local_today(now, deps.directory.cached_tz(team_id, user_id))
        view = lead_blocks.new_lead_modal(
            lead_blocks.NewLeadPrefill(), owner_id=user_id,
            first_follow_up=deps.policy(team_id).next_follow_up(0, today, deps.directory.calendar(team_id, user_id)),
            metadata={"channel": ""},
        )
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as error:
            logger.warning("views.open failed: %s", error.response.get("error"))
            tell(respond, t("error.slack_busy"))

