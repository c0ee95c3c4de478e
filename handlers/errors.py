"""The last line of defence: a domain error becomes its friendly sentence, anything else an apology."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.container import Deps
from bot.errors import LeadbotError, StaleAction
from bot.logs import mark_outcome
from bot.text.i18n import t
from handlers.replies import error_text, tell

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    app.error(answer_error)


def answer_error(error: Exception, body: dict, respond) -> None:
    """Bolt's error handler, also used by listeners that run on the request's thread (handlers/commands.py)."""
    if isinstance(error, LeadbotError):
        text = error_text(error)
    elif isinstance(error, StaleAction):
        mark_outcome("stale")
        # Interactive listeners answer these themselves (handlers/stale.py); this is for anything else.
        logger.warning("out-of-date %s: %s", body.get("type") or "command", error.why)
        text = t("stale.button")
    else:
        mark_outcome("error")
        logger.exception("unexpected error handling a %s request", body.get("type") or "command", exc_info=error)
        text = t("error.unexpected")
    # Home-tab clicks and forms carry no response_url: respond() would raise, and an error handler that
    # raises before the listener acked leaves Slack waiting for an ack that never comes.
    if respond is not None and getattr(respond, "response_url", None):
        tell(respond, text)
