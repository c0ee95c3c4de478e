"""Builds the Bolt app from explicit dependencies and registers every listener package."""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import Executor, ThreadPoolExecutor

from slack_bolt import App, BoltResponse

from bot.container import Deps
from bot.i18n import use_language
from handlers import actions, commands, errors, home, inbound, settings, shortcuts, small_buyers, views

LISTENER_THREADS = 16
SEEN_EVENTS_KEPT = 10_000
SEEN_EVENTS_FOR_SECONDS = 3600  # Slack retries an event three times within about an hour


class SeenEvents:
    """Event ids delivered recently, so a retried delivery (X-Slack-Retry-Num) is acknowledged and dropped."""

    def __init__(self, keep: int = SEEN_EVENTS_KEPT, seconds: float = SEEN_EVENTS_FOR_SECONDS) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._keep, self._seconds = keep, seconds
        self._lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._seen and (len(self._seen) >= self._keep or next(iter(self._seen.values())) < now - self._seconds):
                self._seen.popitem(last=False)
            if event_id in self._seen:
                return False
            self._seen[event_id] = now
            return True


class ContextThreadPool(ThreadPoolExecutor):
    """Runs each listener with the context of the request that started it (the reader's language)."""

    def submit(self, fn, /, *args, **kwargs):
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


def create_app(deps: Deps, *, listener_executor: Executor | None = None) -> App:
    """The Bolt app; pass a ContextThreadPool as `listener_executor` to wait for work still running after acks."""
    config = deps.settings
    app = App(
        # The token travels inside `client`, which also carries SLACK_API_URL and the retry rules.
        signing_secret=config.signing_secret or "",
        client=deps.web,
        # Socket Mode requests arrive over a websocket Slack authenticated already.
        request_verification_enabled=not config.socket_mode,
        listener_executor=listener_executor or ContextThreadPool(max_workers=LISTENER_THREADS),
        logger=logging.getLogger("leadbot.bolt"),
    )

    seen_events = SeenEvents()

    @app.middleware
    def once_per_event(body: dict, next, logger):
        """Slack re-sends an event it thinks was missed; act on each event_id once."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not seen_events.first_time(event_id):
            logger.info("ignored a repeated delivery of event %s", event_id)
            return BoltResponse(status=200, body="")
        next()

    @app.middleware
    def speak_the_users_language(context, next) -> None:
        """Answer each rep in their own language: their setting, else their Slack locale, else the team's."""
        team_id, user_id = context.get("team_id"), context.get("user_id")
        use_language(deps.directory.language(team_id, user_id, deps.clock.now()) if team_id and user_id else None)
        next()

    for module in (errors, commands, views, actions, small_buyers, home, settings, shortcuts, inbound):
        module.register(app, deps)
    return app
