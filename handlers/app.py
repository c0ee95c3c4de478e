"""Builds the Bolt app from explicit dependencies and registers every listener package."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import re
import threading
import time
from concurrent.futures import Executor, ThreadPoolExecutor
from functools import partial
from typing import Callable

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.listener_matcher import ListenerMatcher
from slack_bolt.listener_matcher.builtins import BuiltinListenerMatcher
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.middleware import Middleware
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient

from bot.blocks import contract
from bot.clock import SystemClock
from bot.container import Deps
from bot.logs import HIDE_API_TOKENS, SlackRequest, current_request, mark_outcome, new_request_id, slack_request
from bot.services.reps import request_scope
from bot.slack_manifest import bot_scopes
from bot.slack_transport import PooledWebClient
from bot.text.i18n import t, use_language
from handlers import actions, commands, errors, escalation, home, inbound, settings, shortcuts, small_buyers, views
from handlers.leaving import register as register_leaving
from handlers.metrics import count_request, observe_ack
from handlers.request_turns import RequestTurns
from handlers.stale import guarded

LISTENER_THREADS = 16


class ContextThreadPool(ThreadPoolExecutor):
    """Runs each listener with the context of the request that started it (the reader's language, its log ids).

    It counts the jobs not finished yet, so that a caller can wait for the work requests started after their ack,
    and tells the request (bot.logs.SlackRequest) when its work is over, so that it is counted with its outcome.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._busy = 0
        self._idle = threading.Condition()

    def submit(self, fn, /, *args, **kwargs):
        request = current_request()
        with self._idle:
            self._busy += 1
        if request is not None:
            request.work_started()
        try:
            future = super().submit(contextvars.copy_context().run, fn, *args, **kwargs)
        except BaseException:
            self._job_done(None)
            if request is not None:
                request.work_finished()
            raise
        if request is not None:
            future.add_done_callback(lambda _future: request.work_finished())
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
    """Bolt's App, reading each request's rep rows once (`request_scope`), stepping out of its request's turn
    (handlers/request_turns.py) to wait for a listener's ack, and keeping old messages working.

    The scope wraps the whole dispatch, not a middleware: Bolt submits the listener after every
    middleware has returned, so the listener's copied context must be taken inside it.

    Every button, select, form and shortcut listener is registered for its id and the id's old
    names (bot/blocks/contract.py), and wrapped so that an out-of-date or unreadable one is still
    answered in time (handlers/stale.py): no listener can forget either. Each is found by reading
    the request's body (`_BodyMatcher`).
    """

    def __init__(self, deps: Deps, **kwargs) -> None:
        super().__init__(**kwargs)
        self._deps = deps
        # The turns this process's requests take, given to `leadbot serve`'s workers (handlers/prefork.py).
        self.turns = RequestTurns()
        # Past the middleware, Bolt's runner hands the listener to a thread and, unless acked already, waits for its
        # ack, sleeping 10 ms at a time: the request's own work is done, so the next one may start meanwhile.
        runner = self._listener_runner
        run = runner.run

        def run_after_stepping_aside(request, response, listener_name, listener, starting_time=None):
            if request.context.ack.response is None:
                self.turns.step_aside()
            return run(request=request, response=response, listener_name=listener_name, listener=listener,
                       starting_time=starting_time)

        runner.run = run_after_stepping_aside

    def dispatch(self, req):
        request = SlackRequest(request_id=_request_id(req.headers), kind=_kind(req.body), on_done=count_request)
        with slack_request(request), request_scope():
            try:
                response = super().dispatch(req)
            except BaseException:
                request.mark("error")
                request.acked()
                raise
            observe_ack(request.kind, time.monotonic() - request.started)
            request.mark(_OUTCOME_OF_STATUS.get(response.status, "error" if response.status >= 500 else "ok"))
            request.acked()
            return response

    def _init_context(self, req):
        super()._init_context(req)
        # Bolt gives each request a plain WebClient of its own, copied from ours, which opens a new connection
        # for every call. Ours differs only in how it sends and keeps no state of its own, so the copy just
        # takes its class: cheaper than building a second client for every request.
        client = req.context.client
        if type(client) is WebClient:
            client.__class__ = PooledWebClient

    def _register_listener(self, functions, primary_matcher, *args, **kwargs):
        # Bolt's private hook, where every app.command/action/view/event … registration ends: one place for all.
        return super()._register_listener(functions, _BodyMatcher.of(primary_matcher), *args, **kwargs)

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


class _BodyMatcher(ListenerMatcher):
    """Bolt's own matcher of a listener's kind (a command, an action id, a callback id, an event type), given the body.

    Bolt calls each with every argument a listener could take, worked out anew (the payload's action, view, event …),
    for every listener it tries in turn until one matches: a click on a button registered late paid that some thirty
    times. Its matchers read nothing but the body.
    """

    def __init__(self, func: Callable[..., bool]) -> None:
        self.func = func  # named as on Bolt's own matcher, which tools read to tell what a listener is for

    @classmethod
    def of(cls, matcher: ListenerMatcher) -> ListenerMatcher:
        if type(matcher) is BuiltinListenerMatcher and matcher.arg_names == ["body"]:
            return cls(matcher.func)
        return matcher

    def matches(self, req: BoltRequest, resp: BoltResponse) -> bool:
        return self.func(body=req.body)


_KINDS = {
    "block_actions": "action", "interactive_message": "action", "view_submission": "view", "view_closed": "view",
    "shortcut": "shortcut", "message_action": "shortcut", "event_callback": "event", "block_suggestion": "options",
}
_OUTCOME_OF_STATUS = {401: "unauthorized", 404: "unhandled"}
_PROXY_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def _kind(body: dict) -> str:
    """The kind of request, from a fixed few: a label for metrics, whatever an unsigned body claims."""
    if body.get("command"):
        return "command"
    return _KINDS.get(str(body.get("type") or ""), "other")


def _request_id(headers: dict) -> str:
    """A proxy's X-Request-Id when it looks like one (so its log and ours can be matched), else a new id."""
    given = (headers.get("x-request-id") or [""])[0]
    return given if _PROXY_REQUEST_ID.match(given) else new_request_id()


def _tag(request: SlackRequest, context, body: dict) -> None:
    """What log lines and metrics say about this request: workspace, user, and what it asked for."""
    request.team_id = str(context.get("team_id") or "")
    request.user_id = str(context.get("user_id") or "")
    request.command = str(body.get("command") or "")[:64]
    actions = body.get("actions") or [{}]
    request.action_id = str((actions[0] if isinstance(actions[0], dict) else {}).get("action_id") or "")[:64]
    if body.get("type") == "block_suggestion":
        request.action_id = str(body.get("action_id") or "")[:64]
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    if body.get("type") in ("view_submission", "view_closed", "shortcut", "message_action"):
        request.callback_id = str(body.get("callback_id") or view.get("callback_id") or "")[:64]
    if body.get("type") == "event_callback":
        request.event_id = str(body.get("event_id") or "")[:64]
        event = body.get("event") if isinstance(body.get("event"), dict) else {}
        request.event_type = str(event.get("type") or "")[:64]


def _with_old_ids(constraints):
    return contract.listens_for(constraints) if isinstance(constraints, str) else constraints


class _ExpectedTokenNotice(logging.Filter):
    """Bolt warns that `token` goes unused whenever SLACK_BOT_TOKEN is set beside a `client`: always, for us."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


_EXPECTED_TOKEN_NOTICE = _ExpectedTokenNotice()


def _add_to_slack(deps: Deps, logger: logging.Logger) -> OAuthSettings:
    """/slack/install and /slack/oauth_redirect, installations kept in leadbot's database, tokens rotated when on."""
    config, installations = deps.settings, deps.installations
    assert installations is not None
    oauth = OAuthSettings(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scopes=bot_scopes(),
        # Without a public URL Slack sends the installer to the app's one redirect URL (manifest.yml).
        redirect_uri=f"{config.public_url}/slack/oauth_redirect" if config.public_url else None,
        installation_store=installations.store,
        installation_store_bot_only=True,
        state_store=installations.state_store,
        token_rotation_expiration_minutes=installations.rotate_before_minutes,
        logger=logger,
    )
    # Bolt's own authorize would refresh tokens at slack.com; this one goes where SLACK_API_URL says. A
    # workspace's auth.test answer is kept per token, so a request costs no extra call to Slack.
    oauth.authorize = InstallationStoreAuthorize(
        logger=logger,
        installation_store=installations.store,
        client_id=config.client_id,
        client_secret=config.client_secret,
        token_rotation_expiration_minutes=installations.rotate_before_minutes,
        bot_only=True,
        cache_enabled=True,
        client=deps.web,
    )
    installations.also_forget(partial(_forget_authorized, oauth.authorize))
    return oauth


def _forget_authorized(authorize: InstallationStoreAuthorize, team_id: str) -> None:
    """Drop what Bolt remembers of a workspace's tokens (kept per token), once it uninstalled or reinstalled."""
    cache = authorize.authorize_result_cache
    for token in [token for token, result in list(cache.items()) if result.team_id == team_id]:
        cache.pop(token, None)


class _TagTheRequest(Middleware):
    """The request's ids, for every log line written while it is handled (in listener threads too)."""

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]):  # noqa: A002
        request = current_request()
        if request is not None:
            _tag(request, req.context, req.body)
        return next()


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
            mark_outcome("repeat")
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


@contextlib.contextmanager
def _bolt_reads_no_oauth_environment(oauth: bool):
    """With one bot token, hide SLACK_CLIENT_ID/SECRET from Bolt while it is built.

    Bolt turns on its own OAuth, with installations in local files, whenever both are in the environment (even
    empty, as a .env copied from .env.example leaves them), and then ignores the token: every request would be
    refused as "not installed". Which mode leadbot runs in is for leadbot's settings to say.
    """
    hidden = {} if oauth else {name: os.environ.pop(name) for name in OAUTH_ENVIRONMENT if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(hidden)


OAUTH_ENVIRONMENT = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")


def _bolt_app(deps: Deps, listener_executor: Executor | None, bolt_logger: logging.Logger) -> LeadbotApp:
    config = deps.settings
    return LeadbotApp(
        deps,
        # The token travels inside `client`, which also carries SLACK_API_URL and the retry rules. With Add to
        # Slack it carries no token: Bolt gives each request a client with its workspace's own, built after it.
        signing_secret=config.signing_secret or "",
        client=deps.web,
        oauth_settings=_add_to_slack(deps, bolt_logger) if deps.installations is not None else None,
        # A workspace with no installation (never added, or removed): said in the team's language.
        user_facing_authorize_error_message=t("error.not_installed"),
        # Socket Mode requests arrive over a websocket Slack authenticated already.
        request_verification_enabled=not config.socket_mode,
        listener_executor=listener_executor or ContextThreadPool(max_workers=LISTENER_THREADS),
        logger=bolt_logger,
    )


def create_app(deps: Deps, *, listener_executor: Executor | None = None) -> App:
    """The Bolt app; pass a ContextThreadPool as `listener_executor` to wait for work still running after acks."""
    bolt_logger = logging.getLogger("leadbot.bolt")
    bolt_logger.addFilter(_EXPECTED_TOKEN_NOTICE)
    # A logger's filters see its own records before any handler does: Bolt's and the Web API client's DEBUG lines
    # carry whole views, one of which shows a new API token.
    bolt_logger.addFilter(HIDE_API_TOKENS)
    logging.getLogger("slack_sdk.web.base_client").addFilter(HIDE_API_TOKENS)
    with _bolt_reads_no_oauth_environment(oauth=deps.installations is not None):
        app = _bolt_app(deps, listener_executor, bolt_logger)

    # Bolt Middleware objects rather than decorated functions: Bolt works out a function middleware's arguments
    # (build_required_kwargs) on every request, which cost as much CPU as the middleware itself.
    app.use(_TagTheRequest())
    app.use(_OncePerEvent(deps, bolt_logger))
    app.use(_SpeakTheUsersLanguage(deps))

    for module in (errors, commands, views, actions, small_buyers, home, settings, shortcuts, inbound, escalation):
        module.register(app, deps)
    register_leaving(app, deps)  # an uninstalled workspace's data goes; one that comes back keeps what is left
    return app
