"""Log lines as text (the default) or one JSON object per line, carrying the ids of the Slack request under way."""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Callable, Iterator

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The ids a JSON line carries when the request has them; a scheduler run or start-up has none.
REQUEST_FIELDS = ("request_id", "team_id", "user_id", "command", "action_id", "callback_id", "event_id", "event_type")
# Worse outcomes win: a request a listener refused stays refused even if a later step went fine.
_OUTCOME_RANK = {"ok": 0, "repeat": 1, "unhandled": 1, "refused": 2, "stale": 2, "unauthorized": 3, "error": 3}


@dataclass
class SlackRequest:
    """One request from Slack as logs and metrics see it: its ids, and how it ended.

    Its work may go on after the ack in listener threads (they run in a copy of the request's context, so
    they see this same object); `on_done` is called once, when the ack has been given and that work is over.
    """

    request_id: str = field(default_factory=lambda: new_request_id())
    kind: str = ""  # command, action, view, shortcut, event, options
    team_id: str = ""
    user_id: str = ""
    command: str = ""
    action_id: str = ""
    callback_id: str = ""
    event_id: str = ""
    event_type: str = ""
    outcome: str = "ok"
    started: float = field(default_factory=time.monotonic)
    on_done: Callable[[SlackRequest], None] | None = None
    _work: int = 0
    _acked: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def name(self) -> str:
        """What was asked for: the command, the action or form id, or the event's type."""
        return self.command or self.action_id or self.callback_id or self.event_type

    def mark(self, outcome: str) -> None:
        with self._lock:
            if _OUTCOME_RANK.get(outcome, 0) > _OUTCOME_RANK.get(self.outcome, 0):
                self.outcome = outcome

    def work_started(self) -> None:
        with self._lock:
            self._work += 1

    def work_finished(self) -> None:
        with self._lock:
            self._work -= 1
            done = self._acked and self._work == 0
        if done:
            self._done()

    def acked(self) -> None:
        with self._lock:
            self._acked = True
            done = self._work == 0
        if done:
            self._done()

    def _done(self) -> None:
        with self._lock:  # once, whichever of the ack and the last work comes last
            callback, self.on_done = self.on_done, None
        if callback is not None:
            callback(self)


def new_request_id() -> str:
    # 64 random bits from the process's generator: an id to match log lines by, not a secret; uuid4 asked the
    # kernel for fresh bytes on every request.
    return f"{random.getrandbits(64):016x}"


_current: ContextVar[SlackRequest | None] = ContextVar("leadbot_slack_request", default=None)


def current_request() -> SlackRequest | None:
    return _current.get()


@contextmanager
def slack_request(request: SlackRequest) -> Iterator[SlackRequest]:
    """While one request is dispatched: the request whose ids log lines (and its listener threads) carry."""
    token = _current.set(request)
    try:
        yield request
    finally:
        _current.reset(token)


def mark_outcome(outcome: str) -> None:
    """How the request under way ended for the person who sent it: refused, stale or error (ok by default)."""
    request = _current.get()
    if request is not None:
        request.mark(outcome)


class RequestIds(logging.Filter):
    """Puts the ids of the request under way on every record, for the JSON formatter to write."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = _current.get()
        if request is not None:
            for name in REQUEST_FIELDS:
                value = getattr(request, name)
                if value and not hasattr(record, name):
                    setattr(record, name, value)
        return True


# bot.services.api_tokens.PREFIX and the urlsafe alphabet of its secrets
_API_TOKEN = re.compile(r"lbk_[A-Za-z0-9_-]+")


class HideApiTokens(logging.Filter):
    """Blanks out any API token in a record. Bolt logs every answer it sends at DEBUG, and the one that shows an
    admin their new token must not leave it in a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "lbk_" in message:
            record.msg, record.args = _API_TOKEN.sub("lbk_[hidden]", message), ()
        return True


HIDE_API_TOKENS = HideApiTokens()


def json_formatter() -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",  # ISO 8601, UTC
    )


def log_handler(log_format: str) -> logging.Handler:
    """A handler writing to stderr in `log_format` (text or json), with the request's ids on each record."""
    handler = logging.StreamHandler()
    handler.setFormatter(json_formatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestIds())
    handler.addFilter(HIDE_API_TOKENS)
    return handler


# The loggers of leadbot's Bolt app (its middleware's copy this one's level) and of slack_sdk's clients.
LIBRARY_LOGGERS = ("leadbot.bolt", "slack_sdk.web.base_client", "slack_sdk.webhook.client")


def configure_logging(level: str, log_format: str) -> None:
    """The root logger as `leadbot` runs: one handler, text or one JSON object per line."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(log_handler(log_format))
    root.setLevel(level)
    # Bolt and slack_sdk test their logger's own level (not the effective one) before building a DEBUG line, and
    # NOTSET passes that test: without this, every Web API call formatted its whole answer and every request
    # Bolt's middleware steps for lines nobody would see. Set here, they follow LEADBOT_LOG_LEVEL.
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(level)
