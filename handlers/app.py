"""Builds the Bolt app from explicit dependencies and registers every listener package."""

from __future__ import annotations

import logging
from concurrent.futures import Executor

from slack_bolt import App

from bot.container import Deps
from handlers import actions, commands, errors, home, inbound, settings, shortcuts, small_buyers, views


def create_app(deps: Deps, *, listener_executor: Executor | None = None) -> App:
    """The Bolt app; pass `listener_executor` to be able to wait for work still running after acks."""
    config = deps.settings
    app = App(
        # The token travels inside `client`, which also carries SLACK_API_URL and the retry rules.
        signing_secret=config.signing_secret or "",
        client=deps.web,
        # Socket Mode requests arrive over a websocket Slack authenticated already.
        request_verification_enabled=not config.socket_mode,
        listener_executor=listener_executor,
        logger=logging.getLogger("leadbot.bolt"),
    )
    for module in (errors, commands, views, actions, small_buyers, home, settings, shortcuts, inbound):
        module.register(app, deps)
    return app
