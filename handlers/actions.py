"""Buttons on leadbot's messages."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bot.blocks import LOG_BUTTON
from bot.container import Deps
from handlers.modals import open_log_modal


def register(app: App, deps: Deps) -> None:
    @app.action(LOG_BUTTON)
    def log_button(ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        channel_id = (body.get("channel") or {}).get("id") or body["user"]["id"]
        open_log_modal(deps, client, body["team"]["id"], body["user"]["id"], action["value"], body["trigger_id"], channel_id)
