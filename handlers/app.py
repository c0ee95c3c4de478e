"""Builds the Bolt app from explicit dependencies and registers every listener package."""

from __future__ import annotations

import contextvars
import logging
import threading
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Callable

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.middleware import Middleware

from bot.blocks import contract
from bot.clock import SystemClock
from bot.container import Deps
from bot.services.reps import request_scope
from bot.text.i18n import use_language
from handlers import actions, commands, errors, escalation, home, inbound, settings, shortcuts, small_buyers, views
from handlers.stale import guarded

LISTENER_THREADS = 16


class ContextThreadPool(ThreadPoolExecutor):
    """Runs each listener with the context of the request that started it (the reader's language).

    It counts the jobs not finished yet, so that a caller can wait for the work requests started after their ack.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._busy = 0
        self._idle = threading.Condition()

    def submit(self, fn, /, *args, **kwargs):
        with self._idle:
            self._busy += 1
        try:
            future = super().submit(contextvars.copy_context().run, fn, *args, **kwargs)
        except BaseException:
            self._job_done(None)
            raise
        future.add_done_callback(self._job_done)
        return future

    def _job_done(self, _future) -> None:
        with self._idle:
            self._busy -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every job submitted so far (and every job those submit) has finished; False after `timeout` s."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)


class LeadbotApp(App):
    """Bolt's App, reading each request's rep rows once (`request_scope`), and keeping old messages working.

    The scope wraps the whole dispatch, not a middleware: Bolt submits the listener after every
    middleware has returned, so the listener's copied context must be taken inside it.

    Every button, select, form and shortcut listener is registered for its id and the id's old
    names (bot/blocks/contract.py), and wrapped so that an out-of-date or unreadable one is still
    answered in time (handlers/stale.py): no listener can forget either.
    """

    def __init__(self, deps: Deps, **kwargs) -> None:
        super().__init__(**kwargs)
        self._deps = deps

    def dispatch(self, req):
        with request_scope():
            return super().dispatch(req)

    def action(self, constraints, matchers=None, middleware=None):
        return self._guarded(super().action(_with_old_ids(constraints), matchers, middleware))

    def view(self, constraints, matchers=None, middleware=None):
        return self._guarded(super().view(_with_old_ids(constraints), matchers, middleware))

    def shortcut(self, constraints, matchers=None, middleware=None):
        return self._guarded(super().shortcut(_with_old_ids(constraints), matchers, middleware))

    def message_shortcut(self, constraints, matchers=None, middleware=None):
        return self._guarded(super().message_shortcut(_with_old_ids(constraints), matchers, middleware))

    def _guarded(self, register):
        def register_guarded(listener, *more):
            register(guarded(self._deps, listener), *more)
            return listener

        return register_guarded


def _with_old_ids(constraints):
    return contract.listens_for(constraints) if isinstance(constraints, str) else constraints


class _ExpectedTokenNotice(logging.Filter):
    """Bolt warns that `token` goes unused whenever SLACK_BOT_TOKEN is set beside a `client`: always, for us."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


_EXPECTED_TOKEN_NOTICE = _ExpectedTokenNotice()


class _OncePerEvent(Middleware):
    """Slack re-sends an event it thinks was missed, maybe to another worker; act on each event_id once."""

    def __init__(self, deps: Deps, logger: logging.Logger) -> None:
        self._deps, self._logger = deps, logger

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]):  # noqa: A002
        body = req.body
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not self._deps.seen_events.first_time(
            str(body.get("team_id") or ""), str(event_id)[:64], SystemClock().now()
        ):
            self._logger.info("ignored a repeated delivery of event %s", event_id)
            return BoltResponse(status=200, body="")
        return next()


class _SpeakTheUsersLanguage(Middleware):
    """Answer each rep in their own language: their setting, else their Slack locale, else the team's."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]):  # noqa: A002
        team_id, user_id = req.context.team_id, req.context.user_id
        directory, clock = self._deps.directory, self._deps.clock
        # Inside LeadbotApp's request scope: this read of the rep's row also serves the handler's time zone and profile.
        use_language(directory.language(team_id, user_id, clock.now()) if team_id and user_id else None)
        return next()


def create_app(deps: Deps, *, listener_executor: Executor | None = None) -> App:
    """The Bolt app; pass a ContextThreadPool as `listener_executor` to wait for work still running after acks."""
    config = deps.settings
    bolt_logger = logging.getLogger("leadbot.bolt")
    bolt_logger.addFilter(_EXPECTED_TOKEN_NOTICE)
    app = LeadbotApp(
        deps,
        # The token travels inside `client`, which also carries SLACK_API_URL and the retry rules.
        signing_secret=config.signing_secret or "",
        client=deps.web,
        # Socket Mode requests arrive over a websocket Slack authenticated already.
        request_verification_enabled=not config.socket_mode,
        listener_executor=listener_executor or ContextThreadPool(max_workers=LISTENER_THREADS),
        logger=bolt_logger,
    )

    # Both are Bolt Middleware objects rather than decorated functions: Bolt works out a function middleware's
    # arguments (build_required_kwargs) on every request, which cost as much CPU as the middleware itself.
    app.use(_OncePerEvent(deps, bolt_logger))
    app.use(_SpeakTheUsersLanguage(deps))
    for module in (errors, commands, views, actions, small_buyers, home, settings, shortcuts, inbound, escalation):
        module.register(app, deps)
    return app
