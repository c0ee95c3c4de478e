"""A workspace leaves (the app uninstalled, its bot token revoked): nothing more is sent, and its data goes."""

from __future__ import annotations

import logging
from typing import Callable

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.container import Deps

logger = logging.getLogger(__name__)

LEAVING_EVENTS = ("app_uninstalled", "tokens_revoked")


def register(app: App, deps: Deps) -> None:
    # Bolt acks an event before its listener runs (and asks Slack nothing for these two: the token is gone),
    # so the deletion runs here, seconds after Slack told us, not at the next scheduler run.
    @app.event("app_uninstalled")
    def uninstalled(body: dict) -> None:
        _leave(deps, body)

    @app.event("tokens_revoked")
    def tokens_revoked(body: dict, event: dict) -> None:
        # Revoked user tokens alone leave the app installed; only the bot's tokens going means it left.
        if (event.get("tokens") or {}).get("bot"):
            _leave(deps, body)

    app.use(_WelcomeBack(deps))


class _WelcomeBack(Middleware):
    """A workspace heard from after it left installed leadbot again: it keeps its data if still kept, else starts
    empty.

    A Bolt Middleware object rather than a function: Bolt works out a function middleware's arguments on every
    request, a cost of its own on every request."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]):  # noqa: A002
        body, team_id = req.body, req.context.get("team_id")
        event_type = (body.get("event") or {}).get("type") if body.get("type") == "event_callback" else None
        if team_id and event_type not in LEAVING_EVENTS and self._deps.team_data.left(team_id):
            self._deps.team_data.returned(team_id, self._deps.clock.now())
        return next()


def _leave(deps: Deps, body: dict) -> None:
    team_id = str(body.get("team_id") or "")
    if not team_id:
        logger.warning("an uninstall event without a team_id: nothing deleted")
        return
    try:
        left = deps.team_data.leave(team_id, deps.clock.now())
    finally:
        # Its token is dead: a reinstall right after must be served with the new one, not one remembered here.
        deps.forget_workspace(team_id)
    if left.delete_at is None:
        deps.team_settings.forget(team_id)  # so a workspace that comes back starts from the defaults here too
