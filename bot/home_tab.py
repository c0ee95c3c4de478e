"""Redraws a rep's Home tab in Slack after a change, for whichever entry point made it (Slack or the HTTP API)."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.home import home_view
from bot.clock import local_today
from bot.container import Deps

logger = logging.getLogger(__name__)


def publish_home(deps: Deps, client: WebClient, team_id: str, user_id: str) -> None:
    now = deps.clock.now()
    rep = deps.directory.rep(team_id, user_id, now)
    data = deps.home.data(team_id, user_id, local_today(now, rep.tz), rep.tz, now)
    evidence = None
    if data.team is not None:  # the team's numbers are for admins
        config = deps.config(team_id)
        evidence = deps.evidence.report(team_id, now, config.evidence_months, config.currency)
    try:
        client.views_publish(user_id=user_id, view=home_view(data, evidence=evidence))
    except SlackApiError as error:
        logger.warning("could not publish the Home tab for %s: %s", user_id, error.response.get("error"))


def refresh_home(deps: Deps, client: WebClient, team_id: str, user_id: str) -> None:
    """After a change, redraw the Home tab of a rep who uses it (others never opened it)."""
    if deps.directory.uses_home(team_id, user_id):
        publish_home(deps, client, team_id, user_id)
