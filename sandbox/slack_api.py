"""A fake Slack Web API served over real loopback HTTP, answering as Slack documents it (api.slack.com/methods)."""

from __future__ import annotations

import copy
import datetime as dt
import email.parser
import email.policy
import itertools
import json
import math
import mimetypes
import random
import re
import secrets
import socket
import string
import threading
import time
from base64 import b64decode, b64encode
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, NamedTuple
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "Call",
    "FakeSlack",
    "UploadedFile",
    "make_trigger_id",
    "validate_blocks",
    "validate_view",
]

# Slack lets a trigger_id reach views.open/views.push for 3 seconds only.
TRIGGER_TTL_SECONDS = 3.0
# A response_url accepts at most this many posts.
RESPONSE_URL_MAX_POSTS = 5
# chat.postMessage: about one message a second per channel, with short bursts.
POST_RATE_PER_SECOND = 1.0
POST_BURST = 3

# Form-encoded posts carry these structured arguments as JSON strings; Slack decodes them,
# so the recorded params do too (tests then compare Python objects, not JSON text).
_JSON_STRING_FIELDS = ("blocks", "attachments", "view", "files", "metadata", "unfurls")

_ALNUM = string.ascii_uppercase + string.digits
_SHORT_ID_CHARS = string.ascii_letters + string.digits

# The bot scopes leadbot's manifest asks for (required and optional); a fake built with fewer, or told
# `grant_scopes(...)`, answers `missing_scope` where Slack would.
DEFAULT_SCOPES = frozenset({
    "commands", "chat:write", "im:write", "users:read", "users:read.email", "files:write",
    "channels:history", "groups:history", "im:history",
})
# The bot-token scope each method needs, from its page at api.slack.com/methods/<method> ("Required scopes").
# Where Slack accepts any of several, the one a bot in leadbot's position needs comes first; conversations.history
# and .replies pick theirs by the conversation's kind (_history_channel). None: no scope required.
METHOD_SCOPES: dict[str, str | None] = {
    "api.test": None,
    "auth.test": None,
    "users.info": "users:read",
    "users.list": "users:read",
    "users.lookupByEmail": "users:read.email",
    "conversations.open": "im:write",  # also channels:manage, groups:write, mpim:write: a DM needs im:write
    "conversations.info": "channels:read",  # or groups:read, im:read, mpim:read
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "chat.delete": "chat:write",
    "chat.getPermalink": None,
    "views.open": None,
    "views.push": None,
    "views.update": None,
    "views.publish": None,
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}
# conversations.history and .replies: at most this many messages a call (Slack's own cap), 100 by default.
HISTORY_MAX_LIMIT, HISTORY_DEFAULT_LIMIT = 999, 100


def _random_id(prefix: str, length: int = 10) -> str:
    # Ids, not secrets: the process's generator (reseeded in a forked child), not one kernel call per character.
    return prefix + "".join(random.choices(_ALNUM, k=length))


def _copied(value: Any) -> Any:
    """A deep copy of JSON data the fake keeps (as Slack is sent it and answers it): a JSON round trip, several
    times cheaper than copy.deepcopy, which was a quarter of the CPU of a test reading a month of messages."""
    return json.loads(json.dumps(value))


def _with_action_id(element: Any) -> Any:
    """An interactive element as Slack saves it: with an action_id (a copy when one is added)."""
    if isinstance(element, dict) and element.get("type") != "image" and "action_id" not in element:
        return {**element, "action_id": _short_id()}
    return element


class _JsonAnswer(bytes):
    """A JSON answer encoded while the fake's lock was held: the bytes sent, and what its record decodes.

    Encoded there, an answer can share its parts with what the fake keeps (a view's blocks) without a copy: nothing
    changes them before the bytes exist, and nobody holds the dict after.
    """


def _truthy(value: Any) -> bool:
    # slack_sdk turns booleans into "1"/"0" in query strings and forms; JSON keeps them.
    return value in (True, 1, "1", "true", "True")


# ---------------------------------------------------------------------------------------
# Trigger ids
# ---------------------------------------------------------------------------------------

_TRIGGER_RE = re.compile(r"^(\d+)\.(\d+)\.([0-9a-f]+)$")


def make_trigger_id(issued_at: float | None = None) -> str:
    """A trigger id the fake accepts: "<digits>.<issued unix milliseconds>.<hex>".

    Real trigger ids are opaque; this one carries its issue time so the fake can enforce
    Slack's 3-second lifetime without a shared clock. Pass `issued_at` (unix seconds) to
    make an already-expired one.
    """
    issued = time.time() if issued_at is None else issued_at
    return f"{secrets.randbelow(10**12):012d}.{int(issued * 1000)}.{secrets.token_hex(16)}"


# ---------------------------------------------------------------------------------------
# Block Kit validation (pure functions)
# ---------------------------------------------------------------------------------------

_BLOCK_TYPES = {"section", "divider", "header", "context", "actions", "input", "image",
                "rich_text", "file", "video"}
_MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}

_SELECTS = {"static_select", "external_select", "users_select", "conversations_select",
            "channels_select"}
_MULTI_SELECTS = {"multi_" + s for s in _SELECTS}
_TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input",
                "rich_text_input"}
# Elements that can sit in an input block.
_INPUT_ELEMENTS = (_SELECTS | _MULTI_SELECTS | _TEXT_INPUTS
                   | {"checkboxes", "radio_buttons", "datepicker", "timepicker",
                      "datetimepicker", "file_input"})
_ELEMENT_TYPES = _INPUT_ELEMENTS | {"button", "overflow", "image", "workflow_button"}

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class _BlockChecker:
    """Collects problems in Slack's own wording: "<what> [json-pointer:/blocks/0/text]"."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self._block_ids: set[str] = set()

    def problem(self, pointer: str, message: str) -> None:
        self.problems.append(f"{message} [json-pointer:{pointer}]")

    def max_len(self, value: Any, limit: int, pointer: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.problem(pointer, f"must be less than {limit + 1} characters")

    def string(self, obj: dict, key: str, pointer: str, limit: int, required: bool = False) -> None:
        value = obj.get(key)
        if value is None:
            if required:
                self.problem(f"{pointer}/{key}", "missing required field")
            return
        if not isinstance(value, str):
            self.problem(f"{pointer}/{key}", "must be a string")
            return
        self.max_len(value, limit, f"{pointer}/{key}")

    def text(self, owner: dict, key: str, pointer: str, limit: int | None,
             plain_only: bool = False, required: bool = True) -> None:
        """The text object at owner[key], if present (or required)."""
        obj = owner.get(key)
        if obj is None:
            if required:
                self.problem(f"{pointer}/{key}", "missing required field")
            return
        self.text_object(obj, f"{pointer}/{key}", limit, plain_only)

    def text_object(self, obj: Any, ptr: str, limit: int | None, plain_only: bool = False) -> None:
        """A text object: {"type": "plain_text"|"mrkdwn", "text": non-empty}."""
        if not isinstance(obj, dict):
            self.problem(ptr, "must be a text object")
            return
        kind = obj.get("type")
        if kind not in ("plain_text", "mrkdwn"):
            self.problem(f"{ptr}/type", "must be one of plain_text, mrkdwn")
        elif plain_only and kind != "plain_text":
            self.problem(f"{ptr}/type", "must be plain_text")
        value = obj.get("text")
        if not isinstance(value, str) or not value:
            self.problem(f"{ptr}/text", "must be more than 0 characters")
        elif limit is not None:
            self.max_len(value, limit, f"{ptr}/text")

    # -- blocks ---------------------------------------------------------------------------

    def blocks(self, blocks: Any, surface: str, pointer: str) -> None:
        if not isinstance(blocks, list):
            self.problem(pointer, "must be an array")
            return
        limit = _MAX_BLOCKS.get(surface, 50)
        if len(blocks) > limit:
            self.problem(pointer, f"must contain at most {limit} items")
        for i, block in enumerate(blocks):
            self.block(block, surface, f"{pointer}/{i}")

    def block(self, block: Any, surface: str, ptr: str) -> None:
        if not isinstance(block, dict):
            self.problem(ptr, "must be an object")
            return
        kind = block.get("type")
        if kind not in _BLOCK_TYPES:
            self.problem(f"{ptr}/type", f"unsupported block type: {kind!r}")
            return
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not block_id:
                self.problem(f"{ptr}/block_id", "must be a non-empty string")
            else:
                self.max_len(block_id, 255, f"{ptr}/block_id")
                if block_id in self._block_ids:
                    self.problem(f"{ptr}/block_id", f"duplicate block_id: {block_id!r}")
                self._block_ids.add(block_id)
        # Slack asks action_ids to be unique within their containing block (buttons for
        # different leads may share one across blocks and differ by block_id/value).
        action_ids: set[str] = set()
        getattr(self, f"_block_{kind}")(block, ptr, action_ids)

    def _block_section(self, block: dict, ptr: str, action_ids: set[str]) -> None:
        if block.get("text") is None and block.get("fields") is None:
            self.problem(ptr, "must provide either text or fields")
        self.text(block, "text", ptr, 3000, required=False)
        fields = block.get("fields")
        if fields is not None:
            if not isinstance(fields, list) or not fields:
                self.problem(f"{ptr}/fields", "must be a non-empty array")
            else:
                if len(fields) > 10:
                    self.problem(f"{ptr}/fields", "must contain at most 10 items")
                for i, item in enumerate(fields):
                    self.text_object(item, f"{ptr}/fields/{i}", 2000)
        accessory = block.get("accessory")
        if accessory is not None:
            self.element(accessory, f"{ptr}/accessory", action_ids, where="section")

    def _block_divider(self, block: dict, ptr: str, action_ids: set[str]) -> None:
        pass

    def _block_header(self, block: dict, ptr: str, action_ids: set[str]) -> None:
        self.text(block, "text", ptr, 150, plain_only=True)

    def _block_context(self, block: dict, ptr: str, action_ids: set[str]) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            self.problem(f"{ptr}/elements", "must be a non-empty array")
            return
        if len(elements) > 10:
            self.problem(f"{ptr}/elements", "must contain at most 10 items")
        for i, el in enumerate(elements):
            if isinstance(el, dict) and el.get("type") == "image":
                self.element(el, f"{ptr}/elements/{i}", action_ids, where="context")
            else:
                self.text_object(el, f"{ptr}/elements/{i}", None)

    def _block_actions(self, block: dict, ptr: str, action_ids: set[str]) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            self.problem(f"{ptr}/elements", "must be a non-empty array")
            return
        if len(elements) > 25:
            self.problem(f"{ptr}/elements", "must contain at most 25 items")
        for i, el in enumerate(elements):
            self.element(el, f"{ptr}/elements/{i}", action_ids, where="actions")

    def _block_input(self, block: dict, ptr: str, action_ids: set[str]) -> None:
        self.text(block, "label", ptr, 2000, plain_only=True)
        self.text(block, "hint", ptr, 2000, plain_only=True, required=False)
        element = block.get("element")
        if element is None:
            self.problem(f"{ptr}/element", "missing required field")
        else:
            self.element(element, f"{ptr}/element", action_ids, where="input")

    def _block_image(self, block: dict, ptr: str, action_ids: set[str]) -> None:
        if block.get("image_url") is None and block.get("slack_file") is None:
            self.problem(ptr, "must provide either image_url or slack_file")
        self.string(block, "image_url", ptr, 3000)
        self.string(block, "alt_text", ptr, 2000, required=True)
        self.text(block, "title", ptr, 2000, plain_only=True, required=False)

    def _block_rich_text(self, block: dict, ptr: str, action_ids: set[str]) -> None:
        if not isinstance(block.get("elements"), list):
            self.problem(f"{ptr}/elements", "must be an array")

    def _block_file(self, block: dict, ptr: str, action_ids: set[str]) -> None:
        self.string(block, "external_id", ptr, 255, required=True)
        if block.get("source") != "remote":
            self.problem(f"{ptr}/source", "must be remote")

    def _block_video(self, block: dict, ptr: str, action_ids: set[str]) -> None:
        for key in ("alt_text", "video_url", "thumbnail_url"):
            self.string(block, key, ptr, 3000, required=True)
        self.text(block, "title", ptr, 200, plain_only=True)

    # -- elements -------------------------------------------------------------------------

    def element(self, el: Any, ptr: str, action_ids: set[str], where: str) -> None:
        if not isinstance(el, dict):
            self.problem(ptr, "must be an object")
            return
        kind = el.get("type")
        if kind not in _ELEMENT_TYPES:
            self.problem(f"{ptr}/type", f"unsupported element type: {kind!r}")
            return
        if where == "input" and kind not in _INPUT_ELEMENTS:
            self.problem(f"{ptr}/type", f"{kind} is not allowed in an input block")
        if where == "actions" and kind == "image":
            self.problem(f"{ptr}/type", "image is not allowed in an actions block")
        action_id = el.get("action_id")
        if action_id is not None:
            if not isinstance(action_id, str) or not action_id:
                self.problem(f"{ptr}/action_id", "must be a non-empty string")
            else:
                self.max_len(action_id, 255, f"{ptr}/action_id")
                if action_id in action_ids:
                    self.problem(f"{ptr}/action_id", f"duplicate action_id: {action_id!r}")
                action_ids.add(action_id)
        if "placeholder" in el:
            self.text(el, "placeholder", ptr, 150, plain_only=True)
        if "confirm" in el:
            self.confirm(el["confirm"], f"{ptr}/confirm")

        if kind in ("button", "workflow_button"):
            self.text(el, "text", ptr, 75, plain_only=True)
            self.string(el, "value", ptr, 2000)
            self.string(el, "url", ptr, 3000)
            if el.get("style") not in (None, "primary", "danger"):
                self.problem(f"{ptr}/style", "must be one of primary, danger")
        elif kind in ("static_select", "multi_static_select"):
            self.select_options(el, ptr, max_options=100, plain_only=True)
        elif kind == "overflow":
            self.select_options(el, ptr, max_options=5, plain_only=True)
        elif kind in ("radio_buttons", "checkboxes"):
            # Slack allows 10 options here (not 100), and mrkdwn option text.
            self.select_options(el, ptr, max_options=10, plain_only=False)
        elif kind == "datepicker":
            initial = el.get("initial_date")
            if initial is not None and not _is_date(initial):
                self.problem(f"{ptr}/initial_date", "must be a date in YYYY-MM-DD format")
        elif kind == "timepicker":
            initial = el.get("initial_time")
            if initial is not None and not (isinstance(initial, str) and _TIME_RE.match(initial)):
                self.problem(f"{ptr}/initial_time", "must be a time in HH:mm format")
        elif kind == "plain_text_input":
            self.string(el, "initial_value", ptr, 3000)
            for key in ("max_length", "min_length"):
                value = el.get(key)
                if value is not None and (not isinstance(value, int) or not 0 <= value <= 3000):
                    self.problem(f"{ptr}/{key}", "must be an integer between 0 and 3000")
        elif kind == "number_input":
            if not isinstance(el.get("is_decimal_allowed"), bool):
                self.problem(f"{ptr}/is_decimal_allowed", "missing required field")
        elif kind == "image":
            if el.get("image_url") is None and el.get("slack_file") is None:
                self.problem(ptr, "must provide either image_url or slack_file")
            self.string(el, "image_url", ptr, 3000)
            self.string(el, "alt_text", ptr, 2000, required=True)

    def select_options(self, el: dict, ptr: str, max_options: int, plain_only: bool) -> None:
        options = el.get("options")
        groups = el.get("option_groups")
        if options is None and groups is None:
            self.problem(ptr, "must provide either options or option_groups")
            return
        all_options: list[dict] = []
        if options is not None:
            self.option_list(options, f"{ptr}/options", max_options, plain_only, all_options)
        if groups is not None:
            if not isinstance(groups, list) or len(groups) > 100:
                self.problem(f"{ptr}/option_groups", "must be an array of at most 100 items")
            else:
                for i, group in enumerate(groups):
                    gptr = f"{ptr}/option_groups/{i}"
                    if not isinstance(group, dict):
                        self.problem(gptr, "must be an object")
                        continue
                    self.text(group, "label", gptr, 75, plain_only=True)
                    self.option_list(group.get("options"), f"{gptr}/options", 100, True,
                                     all_options)
        initial = el.get("initial_option")
        if initial is not None and not any(_same_option(initial, o) for o in all_options):
            self.problem(f"{ptr}/initial_option", "must match one of the provided options")
        for i, chosen in enumerate(el.get("initial_options") or []):
            if not any(_same_option(chosen, o) for o in all_options):
                self.problem(f"{ptr}/initial_options/{i}", "must match one of the provided options")

    def option_list(self, options: Any, ptr: str, max_options: int, plain_only: bool,
                    collected: list[dict]) -> None:
        if not isinstance(options, list) or not options:
            self.problem(ptr, "must be a non-empty array")
            return
        if len(options) > max_options:
            self.problem(ptr, f"must contain at most {max_options} items")
        for i, option in enumerate(options):
            optr = f"{ptr}/{i}"
            if not isinstance(option, dict):
                self.problem(optr, "must be an object")
                continue
            collected.append(option)
            self.text(option, "text", optr, 75, plain_only=plain_only)
            self.string(option, "value", optr, 150, required=True)
            self.text(option, "description", optr, 75, plain_only=plain_only, required=False)
            self.string(option, "url", optr, 3000)

    def confirm(self, obj: Any, ptr: str) -> None:
        if not isinstance(obj, dict):
            self.problem(ptr, "must be an object")
            return
        self.text(obj, "title", ptr, 100, plain_only=True)
        self.text(obj, "text", ptr, 300)
        self.text(obj, "confirm", ptr, 30, plain_only=True)
        self.text(obj, "deny", ptr, 30, plain_only=True)


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not _DATE_RE.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _same_option(a: Any, b: dict) -> bool:
    # Slack wants initial_option to "exactly match" an option; value and text decide it.
    if not isinstance(a, dict):
        return False
    text_a, text_b = a.get("text") or {}, b.get("text") or {}
    return a.get("value") == b.get("value") and text_a.get("text") == text_b.get("text")


def validate_blocks(blocks: Any, surface: str = "message", pointer: str = "/blocks") -> list[str]:
    """Problems Slack would report for these blocks on `surface` ("message"|"modal"|"home").

    An empty list means Slack would accept them. Each problem reads like Slack's
    response_metadata messages, e.g. "must be less than 3001 characters
    [json-pointer:/blocks/0/text/text]".
    """
    checker = _BlockChecker()
    checker.blocks(blocks, surface, pointer)
    return checker.problems


def validate_view(view: Any) -> list[str]:
    """Problems Slack would report for a modal or Home tab view (empty list: valid)."""
    checker = _BlockChecker()
    ptr = "/view"
    if not isinstance(view, dict):
        checker.problem(ptr, "must be an object")
        return checker.problems
    kind = view.get("type")
    if kind not in ("modal", "home"):
        checker.problem(f"{ptr}/type", "must be one of modal, home")
        return checker.problems
    if kind == "modal":
        checker.text(view, "title", ptr, 24, plain_only=True)
        checker.text(view, "submit", ptr, 24, plain_only=True, required=False)
        checker.text(view, "close", ptr, 24, plain_only=True, required=False)
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and view.get("submit") is None:
            checker.problem(f"{ptr}/submit", "submit is required when an input block is present")
    else:
        for key in ("title", "submit"):
            if view.get(key) is not None:
                checker.problem(f"{ptr}/{key}", f"{key} is not allowed in a home view")
    checker.string(view, "private_metadata", ptr, 3000)
    checker.string(view, "callback_id", ptr, 255)
    checker.string(view, "external_id", ptr, 255)
    if "blocks" not in view:
        checker.problem(f"{ptr}/blocks", "missing required field")
    else:
        checker.blocks(view["blocks"], kind, f"{ptr}/blocks")
    return checker.problems


# ---------------------------------------------------------------------------------------
# Records kept by the fake
# ---------------------------------------------------------------------------------------


@dataclass
class Call:
    """One request the fake received: a Web API method, "response_url" or "upload"."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]  # lower-cased names
    time: float
    path: str = ""
    http_method: str = "POST"
    query: str = ""  # the raw query string (params holds it merged with the body)
    answered_status: int = 200
    answered_error: str | None = None  # None when the answer was ok
    answered: Any = None  # the body answered: JSON as the bytes sent (`_JsonAnswer`), or text for non-JSON faults
    connection: int = 0  # which connection it came over: 1 for the first a client opened, and so on

    @property
    def response(self) -> Any:
        """The JSON body answered, decoded afresh on each look (or text for non-JSON faults)."""
        return json.loads(self.answered) if isinstance(self.answered, _JsonAnswer) else self.answered

    @property
    def ok(self) -> bool:
        return self.answered_status == 200 and self.answered_error is None

    @property
    def token(self) -> str | None:
        """The token the call was made with: the Authorization header's bearer token, else the `token` param."""
        auth = self.headers.get("authorization", "")
        if auth.startswith("Bearer "):
            return auth[len("Bearer "):].strip()
        token = self.params.get("token")
        return str(token) if token else None


class UploadedFile(NamedTuple):
    """A file that went through files_upload_v2's three steps (unpacks as 4-tuple prefix)."""

    file_id: str
    filename: str
    content: bytes
    channel: str | None
    title: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None


@dataclass
class _Fault:
    error: str | None
    status: int
    retry_after: int | None
    remaining: int
    accept: bool = False  # do what the call asks (a post is stored), then answer with the fault
    hold: float = 0.0  # seconds to wait before answering, the lock released meanwhile
    drop: bool = False  # close the connection instead of answering

    def render(self) -> tuple[int, dict[str, str], Any]:
        if self.drop:
            return 0, {}, _DROPPED
        headers: dict[str, str] = {}
        retry_after = self.retry_after
        if self.status == 429 and retry_after is None:
            retry_after = 1  # Slack always tells a rate-limited client how long to wait
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        if self.status == 200 and self.error is None:
            return 200, headers, None  # a held answer: the real one, only late
        if self.status >= 500 and self.error is None:
            return self.status, headers, "Internal Server Error"
        error = self.error or ("ratelimited" if self.status == 429 else "fatal_error")
        return self.status, headers, {"ok": False, "error": error}


# The payload of a call answered by closing the connection (a fault with `drop`).
_DROPPED = object()


class _SlackError(Exception):
    """Raised inside method handlers: becomes {"ok": false, "error": ..., **extra}."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def _invalid(error: str, problems: list[str]) -> _SlackError:
    # Slack lists validation failures in both places depending on the method.
    return _SlackError(error, errors=problems,
                       response_metadata={"messages": [f"[ERROR] {p}" for p in problems]})


# ---------------------------------------------------------------------------------------
# The fake server
# ---------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    # Slack takes as many connections as clients open; the stdlib's backlog of 5 resets them under a fan-out.
    request_queue_size = 128
    # One thread per connection, which lives as long as the client keeps the connection: stopping never waits
    # for them (stop() closes their connections instead).
    daemon_threads = True
    block_on_close = False


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeSlack/1.0"
    # As Slack: connections kept alive between calls unless the client asks otherwise. Every answer has a
    # Content-Length (FakeSlack._write), which is what lets a client read one answer and send the next call.
    protocol_version = "HTTP/1.1"
    # Each answer leaves in one piece (flushed after the request is handled), at once: sent as a header write and
    # a body write, the second waited for the client's delayed ACK (40 ms) once a kept-alive connection was warm.
    wbufsize = -1
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        self.number = self.server.fake._connected(self.connection)  # type: ignore[attr-defined]

    def handle(self) -> None:
        try:
            super().handle()
        except ConnectionError:
            pass  # the client went away before its answer left (it gave up waiting): nothing to tell anyone

    def finish(self) -> None:
        try:
            super().finish()
        except ConnectionError:
            pass  # the same, noticed when the last of the answer is flushed
        finally:
            self.server.fake._disconnected(self.connection)  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        pass  # keep pytest output clean

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self.server.fake._serve(self)  # type: ignore[attr-defined]

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        self.server.fake._serve(self)  # type: ignore[attr-defined]


class FakeSlack:
    """A fake Slack workspace + Web API on http://127.0.0.1:<port>/api/.

    Use it with the real client: `WebClient(token=fake.bot_token, base_url=fake.base_url)`.
    All state lives in memory; every request is recorded as a `Call`.
    """

    def __init__(self, bot_token: str = "xoxb-test", team_id: str = "T0001",
                 team_domain: str = "acme", bot_user_id: str = "UBOT", bot_id: str = "B0001",
                 app_id: str = "A0001", team_name: str | None = None,
                 enforce_rate_limits: bool = False,
                 clock: Callable[[], float] = time.time,
                 scopes: frozenset[str] | set[str] = DEFAULT_SCOPES,
                 trigger_ttl_seconds: float = TRIGGER_TTL_SECONDS) -> None:
        self.bot_token = bot_token
        self.team_id = team_id
        self.team_domain = team_domain
        self.team_name = team_name or team_domain.capitalize()
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.enforce_rate_limits = enforce_rate_limits
        self.trigger_ttl_seconds = trigger_ttl_seconds  # Slack's 3 s unless a test on a loaded machine asks for more
        # Socket Mode: the app-level token (xapp-…) `apps.connections.open` takes, and where it sends the app.
        self.app_token: str | None = None
        self.socket_mode = None  # a sandbox.socket_mode.FakeSocketMode
        # The bot token's scopes, sent back in `x-oauth-scopes` on every answer; a method whose scope is not
        # among them answers `missing_scope` (see METHOD_SCOPES).
        self.scopes = set(scopes)
        # Slack's limits on conversations.history/.replies for commercially distributed apps outside the
        # Marketplace (`limit_history`): calls a minute and messages a call; None: an internal app's.
        self.history_per_minute: int | None = None
        self.history_max_limit = HISTORY_MAX_LIMIT
        self._history_calls: list[float] = []
        self.latency = 0.0  # seconds added before answering every request
        # Message timestamps follow this clock (unix seconds): the sandbox moves it forward.
        self.clock = clock
        # More pages on the same server (the sandbox's web page): called for paths the fake
        # does not serve, returns (status, headers, payload) or None for 404.
        self.extra_routes: Callable[[str, str, str, bytes, dict[str, str]],
                                    tuple[int, dict[str, str], Any] | None] | None = None

        # One re-entrant lock guards all state; the condition lets tests wait for calls
        # that the app makes from its background threads.
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # Connections clients opened: how many in all, and those still open.
        self.connections_opened = 0
        self._connections: set[socket.socket] = set()
        self._serving = threading.local()  # the connection number of the request this thread is answering

        self._calls: list[Call] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._revoked = False
        # Add to Slack: the app's credentials, workspaces that may install it, codes handed out, tokens issued.
        self._oauth_app: dict[str, Any] | None = None
        self._workspaces: dict[str, dict[str, Any]] = {}  # team id -> name, domain, bot user and bot ids
        self._codes: dict[str, dict[str, Any]] = {}  # unused code -> team, installer, scopes, redirect_uri
        self._tokens: dict[str, dict[str, Any]] = {}  # bot token -> its workspace (and expiry, with rotation)
        self._refresh_tokens: dict[str, str] = {}  # refresh token -> team id
        self._caller = team_id  # the workspace of the call being answered (under the lock)
        self._last_ts_us = 0
        self._buckets: dict[str, tuple[float, float]] = {}  # channel -> (tokens, updated_at)

        self._users: dict[str, dict[str, Any]] = {}
        self._dm_users: dict[str, str] = {}  # DM channel id -> user id
        self._channels: dict[str, dict[str, Any]] = {}
        self._messages: list[dict[str, Any]] = []
        self._deleted: list[dict[str, Any]] = []
        self._edits: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._ephemerals: list[dict[str, Any]] = []
        self._views: dict[str, dict[str, Any]] = {}
        self._view_user: dict[str, str | None] = {}
        self._open_view_ids: list[str] = []
        self._home_views: dict[str, str] = {}
        self._triggers: dict[str, dict[str, Any]] = {}
        self._used_triggers: set[str] = set()
        self._files: dict[str, dict[str, Any]] = {}
        self._response_urls: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)

        self.add_user(bot_user_id, name="leadbot", real_name="leadbot", is_bot=True)

        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "oauth.v2.access": self._oauth_v2_access,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "users.list": self._users_list,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    def _apps_connections_open(self, token: str | None) -> dict[str, Any]:
        """Socket Mode's websocket address; only an app-level token opens one, as on Slack."""
        if not token:
            return {"ok": False, "error": "not_authed"}
        if not token.startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        if token != self.app_token or self.socket_mode is None:
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, "url": self.socket_mode.url}

    # -- lifecycle ------------------------------------------------------------------------

    def start(self, port: int = 0) -> "FakeSlack":
        """Serve on 127.0.0.1 (a free port unless `port` is given)."""
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", port), _Handler)
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        # A short poll interval keeps stop() (and so each test's teardown) fast.
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,),
                                        name="FakeSlack", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self.drop_connections()  # else their threads would go on answering on a stopped fake's port
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def drop_connections(self) -> int:
        """Close every client connection now open, as Slack closes idle ones; returns how many.

        Meant for idle connections: a call on its way through one loses its answer.
        """
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)  # wakes the thread waiting on its next request
            except OSError:
                pass  # already closed by the client
        return len(connections)

    def open_connections(self) -> int:
        with self._lock:
            return len(self._connections)

    def _connected(self, connection: socket.socket) -> int:
        with self._lock:
            self.connections_opened += 1
            self._connections.add(connection)
            return self.connections_opened

    def _disconnected(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)

    def __enter__(self) -> "FakeSlack":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return self._server.server_address[1]

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        # Trailing slash: WebClient joins method names onto it.
        return f"{self.root_url}/api/"

    # -- workspace state ------------------------------------------------------------------

    def add_user(self, user_id: str, name: str | None = None, real_name: str | None = None,
                 tz: str = "UTC", tz_label: str | None = None, tz_offset: int | None = None,
                 locale: str = "en-US", email: str | None = None, deleted: bool = False,
                 is_bot: bool = False, is_admin: bool = False,
                 display_name: str | None = None) -> dict[str, Any]:
        """Add (or replace) a user; returns the user object as users.info shows it."""
        with self._lock:
            self._users[user_id] = {
                "id": user_id, "name": name or user_id.lower(),
                "real_name": real_name if real_name is not None else (name or user_id),
                "display_name": display_name if display_name is not None else (name or ""),
                "tz": tz, "tz_label": tz_label, "tz_offset": tz_offset, "locale": locale,
                "email": email, "deleted": deleted, "is_bot": is_bot, "is_admin": is_admin,
            }
            self._dm_users[self.dm_channel_id(user_id)] = user_id
            return self._user_object(self._users[user_id], include_locale=True)

    def deactivate_user(self, user_id: str) -> None:
        with self._lock:
            self._users[user_id]["deleted"] = True

    def user(self, user_id: str) -> dict[str, Any] | None:
        """The users.info object (with locale) for a user, or None."""
        with self._lock:
            record = self._users.get(user_id)
            return self._user_object(record, include_locale=True) if record else None

    def add_channel(self, channel_id: str, name: str, bot_is_member: bool = True,
                    is_archived: bool = False, is_private: bool = False) -> None:
        with self._lock:
            self._channels[channel_id] = {"id": channel_id, "name": name,
                                          "bot_is_member": bot_is_member,
                                          "is_archived": is_archived, "is_private": is_private}

    def archive_channel(self, channel_id: str) -> None:
        with self._lock:
            self._channels[channel_id]["is_archived"] = True

    def remove_bot_from_channel(self, channel_id: str) -> None:
        with self._lock:
            self._channels[channel_id]["bot_is_member"] = False

    def channel(self, channel_id: str) -> dict[str, Any] | None:
        with self._lock:
            record = self._channels.get(channel_id)
            return dict(record) if record else None

    def channels(self) -> list[dict[str, Any]]:
        """Every channel of the workspace, in the order they were added."""
        with self._lock:
            return [dict(record) for record in self._channels.values()]

    def users(self) -> list[dict[str, Any]]:
        """Every user (users.info objects with locale), the bot included, in the order added."""
        with self._lock:
            return [self._user_object(r, include_locale=True) for r in self._users.values()]

    def dm_channel_id(self, user_id: str) -> str:
        """The DM channel id between the bot and a user: "D" + the id minus its first letter."""
        return "D" + user_id[1:]

    def add_message(self, channel: str, text: str = "", user: str | None = None, ts: str | None = None,
                    thread_ts: str | None = None, **fields: Any) -> dict[str, Any]:
        """A message someone other than the app posted, stored as Slack keeps it.

        A person passes `user`; a bot, web-form integration or workflow passes `bot_id`
        (and `subtype="bot_message"`, `username`, `attachments`… as that poster sends);
        a forwarded email passes `files`. Returns the message with a "channel" key, like
        messages(), ready for SignedSlack.message_action() or an event.
        """
        with self._lock:
            message: dict[str, Any] = {"type": "message", "text": text, "ts": ts or self._next_ts(),
                                       "team": self.team_id}
            if user is not None:
                message["user"] = user
            if thread_ts is not None:
                message["thread_ts"] = thread_ts
            message.update(copy.deepcopy(fields))
            message["channel"] = self._normalize_channel(channel)
            self._messages.append(message)
            return copy.deepcopy(message)

    def limit_history(self, per_minute: int = 1, max_limit: int = 15) -> None:
        """Answer conversations.history/.replies as Slack does for a commercially distributed app outside the
        Marketplace: `per_minute` calls a minute (429 with Retry-After beyond), at most `max_limit` messages a call.
        """
        with self._lock:
            self.history_per_minute, self.history_max_limit = per_minute, max_limit

    def grant_scopes(self, scopes: frozenset[str] | set[str] | list[str]) -> None:
        """The workspace granted exactly these bot scopes (as if reinstalled with them): answers follow at once."""
        with self._lock:
            self.scopes = set(scopes)
    def oauth_app(self, client_id: str, client_secret: str, token_rotation: bool = False,
                  expires_in: int = 43200) -> None:
        """The app as distributed through Add to Slack: its credentials, and whether token rotation is on."""
        with self._lock:
            self._oauth_app = {"client_id": client_id, "client_secret": client_secret,
                               "token_rotation": token_rotation, "expires_in": expires_in}

    def add_workspace(self, team_id: str, name: str, bot_token: str, domain: str | None = None,
                      bot_user_id: str | None = None, bot_id: str | None = None) -> None:
        """Another workspace that can install the app; `bot_token` is what oauth.v2.access hands it (no rotation).

        Users, channels and messages are shared by all workspaces in the fake; each call is recorded with its
        token, so a test tells the workspaces apart by `Call.token`.
        """
        with self._lock:
            self._workspaces[team_id] = {
                "id": team_id, "name": name, "domain": domain or name.lower(), "bot_token": bot_token,
                "bot_user_id": bot_user_id or f"UBOT{team_id[-4:]}", "bot_id": bot_id or f"B{team_id[-6:]}",
            }

    def approve_install(self, team_id: str, user_id: str, scope: str, redirect_uri: str | None = None) -> str:
        """An installer in `team_id` pressed Allow on Slack's authorize page (oauth/v2/authorize?scope=…): the
        one-time code Slack sends the browser back to the app's redirect URL with."""
        with self._lock:
            if team_id not in self._workspaces:
                raise KeyError(f"no workspace {team_id}: add_workspace() it first")
            code = f"{secrets.randbelow(10**12)}.{secrets.randbelow(10**12)}.{secrets.token_hex(32)}"
            scopes = [s for s in scope.split(",") if s]
            self._codes[code] = {"team_id": team_id, "user_id": user_id, "scopes": scopes,
                                 "redirect_uri": redirect_uri}
            return code

    def uninstall(self, team_id: str) -> None:
        """The app was removed from `team_id`: every token issued to it answers token_revoked from now on, as on
        Slack (the app_uninstalled event is the test's to send)."""
        with self._lock:
            for issued in self._tokens.values():
                if issued["team_id"] == team_id:
                    issued["revoked"] = True

    def revoke_token(self) -> None:
        """From now on every Web API call answers token_revoked."""
        with self._lock:
            self._revoked = True

    # -- recorded calls -------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def last(self, method: str) -> Call:
        """The most recent call of `method`; AssertionError if there was none."""
        with self._lock:
            matching = self.calls(method)
            if not matching:
                raise AssertionError(f"no {method} call recorded; calls seen:\n"
                                     + self._describe_calls())
            return matching[-1]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0,
                 where: Callable[[Call], bool] | None = None) -> list[Call]:
        """Block until at least `count` calls of `method` (matching `where`) were recorded.

        The app answers Slack first and calls the Web API afterwards from a background
        thread, so tests must wait rather than assert immediately.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matching = [c for c in self._calls if c.method == method and _matches(where, c)]
                if len(matching) >= count:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} {method} call(s)"
                        f"{' matching the predicate' if where else ''}; got {len(matching)}. "
                        f"Calls seen:\n{self._describe_calls()}")
                self._cond.wait(remaining)

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def _describe_calls(self) -> str:
        if not self._calls:
            return "  (none)"
        lines = []
        for c in self._calls:
            outcome = "ok" if c.ok else f"{c.answered_status} {c.answered_error}"
            params = json.dumps(c.params, default=str)
            if len(params) > 200:
                params = params[:200] + "…"
            lines.append(f"  {c.method} -> {outcome} {params}")
        return "\n".join(lines)

    # -- fault injection ------------------------------------------------------------------

    def fail_next(self, method: str, error: str | None = None, status: int = 200,
                  retry_after: int | None = None, times: int = 1, accept: bool = False,
                  hold: float = 0.0, drop: bool = False) -> None:
        """Make the next `times` calls of `method` fail this way (queued in order).

        status=429 answers `ratelimited` with a Retry-After header (1 s unless given);
        status>=500 without an error answers a short non-JSON body, like a real outage;
        otherwise the answer is {"ok": false, "error": error} with that status.
        `accept=True`: Slack did what was asked (a post is stored and shows in the history) and the
        answer is lost all the same — the fault's, or with no error and status 200 the real one;
        `hold` seconds pass before answering (a client killed meanwhile never learns the ts).
        `drop=True`: the call is received (and done, with `accept`), then the connection is closed
        without an answer, as when Slack's side fails halfway.
        `method` may also be "response_url".
        """
        if status == 200 and error is None and not (accept or hold or drop):
            raise ValueError("an HTTP 200 fault needs an error code")
        with self._lock:
            self._faults.setdefault(method, []).append(
                _Fault(error=error, status=status, retry_after=retry_after, remaining=times,
                       accept=accept, hold=hold, drop=drop))

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.pop(0)
        return fault

    # -- what the app posted --------------------------------------------------------------

    def messages(self, channel: str | None = None, since: int = 0) -> list[dict[str, Any]]:
        """Posted messages in order (copies). `channel` may be a user id to mean the DM.

        Each message is Slack's message object plus a "channel" key. `since`: all but the first `since` of
        them (those a test has seen already), so that a test reading as it goes copies each message once.
        """
        with self._lock:
            wanted = self._normalize_channel(channel) if channel else None
            return _copied([m for m in self._messages if wanted is None or m["channel"] == wanted][since:])

    def dms_to(self, user_id: str, since: int = 0) -> list[dict[str, Any]]:
        return self.messages(self.dm_channel_id(user_id), since)

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._find_message(self._normalize_channel(channel), ts)
            return _copied(found) if found else None

    def edits(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """Earlier versions of a message, oldest first (from chat.update / replace_original)."""
        with self._lock:
            return _copied(self._edits.get((self._normalize_channel(channel), ts), []))

    def deleted_messages(self) -> list[dict[str, Any]]:
        with self._lock:
            return _copied(self._deleted)

    def ephemerals(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """Ephemeral messages (chat.postEphemeral and ephemeral response_url posts).

        Each has "channel", "ts" (its message_ts), "user" (the recipient) and
        "is_ephemeral": True.
        """
        with self._lock:
            return _copied([e for e in self._ephemerals if user_id is None or e["user"] == user_id])

    def views(self) -> list[dict[str, Any]]:
        with self._lock:
            return _copied(list(self._views.values()))

    def posted_ids(self) -> dict[str, list[tuple[str, ...]]]:
        """Just the ids of what is stored, in the order it was created (cheap: nothing is copied).

        "messages": (channel, ts); "ephemerals": (channel, user, ts); "views": (view id, user or "").
        """
        with self._lock:
            return {
                "messages": [(m["channel"], m["ts"]) for m in self._messages],
                "ephemerals": [(e["channel"], e["user"], e["ts"]) for e in self._ephemerals],
                "views": [(view_id, self._view_user.get(view_id) or "") for view_id in self._views],
            }

    def view(self, view_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._views.get(view_id)
            return _copied(found) if found else None

    def open_views(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """Modals currently open (oldest first), optionally only those `user_id` opened."""
        with self._lock:
            return _copied([self._views[v] for v in self._open_view_ids
                            if user_id is None or self._view_user.get(v) == user_id])

    def view_user(self, view_id: str) -> str | None:
        """Who a modal was opened for, when the trigger came from SignedSlack."""
        with self._lock:
            return self._view_user.get(view_id)

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            view_id = self._home_views.get(user_id)
            return _copied(self._views[view_id]) if view_id else None

    def uploaded_files(self) -> list[UploadedFile]:
        """Files whose upload was completed with files.completeUploadExternal."""
        with self._lock:
            return [UploadedFile(fid, f["filename"], f["content"], f["channel"], f["title"],
                                 f["initial_comment"], f["thread_ts"])
                    for fid, f in self._files.items() if f["completed"]]

    # -- response URLs --------------------------------------------------------------------

    def response_url(self, id: str | None = None, channel_id: str | None = None,  # noqa: A002
                     user_id: str | None = None, message_ts: str | None = None,
                     is_ephemeral: bool = False) -> str:
        """A response_url served by this fake (Slack's accept up to 5 posts).

        With channel/user (and the message it came from) the fake applies posts the way
        Slack does: ephemeral by default, "in_channel" posts a message, replace_original /
        delete_original change the source message.
        """
        with self._lock:
            url_id = id or f"{next(self._ids)}{secrets.token_hex(6)}"
            self._response_urls.setdefault(url_id, {
                "channel": channel_id, "user": user_id, "message_ts": message_ts,
                "is_ephemeral": is_ephemeral, "posts": []})
            return f"{self.root_url}/response/{url_id}"

    def response_url_posts(self, url_or_id: str | None = None) -> list[dict[str, Any]]:
        """JSON bodies posted to one response_url (or to all of them), in order."""
        with self._lock:
            if url_or_id is None:
                return _copied([c.params for c in self._calls if c.method == "response_url" and c.ok])
            url_id = url_or_id.rstrip("/").rsplit("/", 1)[-1]
            record = self._response_urls.get(url_id)
            return _copied(record["posts"]) if record else []

    # -- hooks used by SignedSlack --------------------------------------------------------

    def note_trigger(self, trigger_id: str, user_id: str | None,
                     view_id: str | None = None) -> None:
        """Remember who (and which modal, if any) a trigger_id was issued for."""
        with self._lock:
            self._triggers[trigger_id] = {"user": user_id, "view_id": view_id}

    def view_submission_answered(self, view_id: str, status: int, answer: Any) -> None:
        """Apply the app's answer to a view_submission as Slack's client would."""
        with self._lock:
            if view_id not in self._views or status != 200:
                return  # Slack shows the user an error and keeps the modal open
            action = answer.get("response_action") if isinstance(answer, dict) else None
            if action is None:
                self._close_views([view_id])
            elif action == "clear":
                root = self._views[view_id]["root_view_id"]
                self._close_views([v for v in self._open_view_ids
                                   if self._views[v]["root_view_id"] == root])
            elif action in ("update", "push"):
                new_view = answer.get("view")
                problems = validate_view(new_view)
                if problems:
                    raise AssertionError(f"response_action {action} carries an invalid view:\n"
                                         + "\n".join(problems))
                if action == "update":
                    self._replace_view(view_id, new_view)
                else:
                    self._create_view(new_view, self._view_user.get(view_id), parent=view_id)
            # "errors" keeps the modal open, as Slack does.

    def command_answered(self, response_url: str, status: int, answer: Any) -> None:
        """Show the message in a slash command's ack (its HTTP answer) as Slack does: like a post to its
        response_url — ephemeral unless "in_channel" — but no request to the URL, and none of its five posts."""
        if status != 200 or not isinstance(answer, dict) or not (answer.get("text") or answer.get("blocks")):
            return  # a bare ack shows nothing
        blocks = answer.get("blocks")
        problems = validate_blocks(blocks, "message") if blocks is not None else []
        if problems:
            raise AssertionError("a command's ack carries invalid blocks:\n" + "\n".join(problems))
        with self._lock:
            record = self._response_urls.get(response_url.rstrip("/").rsplit("/", 1)[-1])
            if record is None or record["channel"] is None:
                return
            if answer.get("response_type") == "in_channel":
                self._store_message(record["channel"], answer.get("text") or "", blocks)
            elif record["user"] is not None:
                self._store_ephemeral(record["channel"], record["user"], answer.get("text") or "", blocks)
            self._cond.notify_all()

    def view_closed_by_user(self, view_id: str) -> None:
        """The user dismissed the modal: Slack closes its whole stack."""
        with self._lock:
            if view_id not in self._views:
                return
            root = self._views[view_id]["root_view_id"]
            self._close_views([v for v in self._open_view_ids
                               if self._views[v]["root_view_id"] == root])

    # =====================================================================================
    # HTTP plumbing
    # =====================================================================================

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        if self.latency:
            time.sleep(self.latency)
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in handler.headers.items()}
        self._serving.connection = getattr(handler, "number", 0)

        if url.path.startswith("/api/"):
            status, extra, payload = self._serve_api(url.path[len("/api/"):], url.query, body,
                                                     headers, url.path, handler.command)
        elif url.path.startswith("/upload/") and handler.command == "POST":
            status, extra, payload = self._serve_upload(url.path[len("/upload/"):], body)
        elif url.path.startswith("/response/") and handler.command == "POST":
            status, extra, payload = self._serve_response_url(url.path[len("/response/"):],
                                                              body, headers, url.path)
        else:
            answer = None
            if self.extra_routes is not None:
                answer = self.extra_routes(handler.command, url.path, url.query, body, headers)
            status, extra, payload = answer if answer is not None else (404, {}, "Not Found")
        if payload is _DROPPED:
            handler.close_connection = True  # and nothing written: the client sees the connection close
            return
        self._write(handler, status, extra, payload)

    @staticmethod
    def _write(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str],
               payload: Any) -> None:
        headers = dict(headers)
        if isinstance(payload, _JsonAnswer):
            data = payload
            content_type = "application/json; charset=utf-8"
        elif isinstance(payload, bytes):  # a page or file: its Content-Type comes with it
            data = payload
            content_type = headers.pop("Content-Type", "application/octet-stream")
        elif isinstance(payload, (dict, list)):
            data = json.dumps(payload).encode()
            content_type = "application/json; charset=utf-8"
        else:
            data = str(payload).encode()
            content_type = "text/plain; charset=utf-8"
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    @staticmethod
    def _parse_params(query: str, body: bytes, content_type: str) -> dict[str, Any]:
        params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
        media_type = content_type.split(";")[0].strip().lower()
        if body:
            if media_type == "application/json":
                try:
                    data = json.loads(body)
                except ValueError:
                    data = None
                if not isinstance(data, dict):
                    raise _SlackError("invalid_json")
                params.update(data)
            elif media_type == "multipart/form-data":
                raw = f"Content-Type: {content_type}\r\n\r\n".encode() + body
                message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
                for part in message.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    content = part.get_payload(decode=True)
                    params[name] = content if part.get_filename() else content.decode()
            else:
                params.update(parse_qsl(body.decode(), keep_blank_values=True))
        for key in _JSON_STRING_FIELDS:
            value = params.get(key)
            if isinstance(value, str) and value[:1] in ("[", "{"):
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    pass  # left as text; the method answers it as malformed
        return params

    def _record(self, call: Call, status: int, payload: Any) -> Any:
        """Keep `call` with its answer; the payload to send, JSON encoded now (the lock is held)."""
        call.answered_status = status
        if payload is _DROPPED:
            call.answered_error = "dropped"
        elif isinstance(payload, dict):
            call.answered_error = None if payload.get("ok") else payload.get("error")
        else:
            call.answered_error = None if status == 200 else f"http_{status}"
        if isinstance(payload, (dict, list)):
            payload = _JsonAnswer(json.dumps(payload).encode())
        call.answered = None if payload is _DROPPED else payload
        call.connection = getattr(self._serving, "connection", 0)
        self._calls.append(call)
        self._cond.notify_all()
        return payload

    def _serve_api(self, method: str, query: str, body: bytes, headers: dict[str, str],
                   path: str, verb: str) -> tuple[int, dict[str, str], Any]:
        call = Call(method=method, params={}, headers=headers, time=time.time(), path=path,
                    http_method=verb, query=query)
        with self._lock:
            status, extra, payload = 200, {}, None
            try:
                call.params = self._parse_params(query, body, headers.get("content-type", ""))
            except _SlackError as exc:
                payload = {"ok": False, "error": exc.error}
            fault = self._take_fault(method)
            if fault is not None:
                status, extra, payload = fault.render()
                if fault.accept:
                    done = self._answer(method, call.params, headers)
                    if payload is None:
                        status, extra, payload = done
            elif payload is None:
                status, extra, payload = self._answer(method, call.params, headers)
            payload = self._record(call, status, payload)
        if fault is not None and fault.hold:
            time.sleep(fault.hold)
        return status, {**extra, "x-oauth-scopes": ",".join(sorted(self.scopes))}, payload

    def _answer(self, method: str, params: dict[str, Any],
                headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        auth = headers.get("authorization", "")
        token = auth[len("Bearer "):].strip() if auth.startswith("Bearer ") else params.get("token")
        if method == "apps.connections.open":
            return 200, {}, self._apps_connections_open(token)
        handler = self._methods.get(method)
        if handler is None:
            return 200, {}, {"ok": False, "error": "unknown_method"}
        if method == "oauth.v2.access":  # the app's client id and secret stand for a token here
            try:
                return 200, {}, {"ok": True, **self._oauth_v2_access(params, headers)}
            except _SlackError as exc:
                return 200, {}, {"ok": False, "error": exc.error, **exc.extra}
        if not token:
            return 200, {}, {"ok": False, "error": "not_authed"}
        if token != self.bot_token:
            issued = self._tokens.get(str(token))
            if issued is None:
                return 200, {}, {"ok": False, "error": "invalid_auth"}
            if issued.get("revoked"):
                return 200, {}, {"ok": False, "error": "token_revoked"}
            if issued["expires_at"] is not None and issued["expires_at"] <= time.time():
                return 200, {}, {"ok": False, "error": "token_expired"}
        self._caller = self._tokens.get(str(token), {}).get("team_id") or self.team_id
        if self._revoked:
            return 200, {}, {"ok": False, "error": "token_revoked"}
        if self.enforce_rate_limits and method == "chat.postMessage":
            wait = self._rate_limit_wait(str(params.get("channel", "")))
            if wait:
                return 429, {"Retry-After": str(wait)}, {"ok": False, "error": "ratelimited"}
        if method in ("conversations.history", "conversations.replies") and self.history_per_minute:
            wait = self._history_wait()
            if wait:
                return 429, {"Retry-After": str(wait)}, {"ok": False, "error": "ratelimited"}
        needed = METHOD_SCOPES.get(method)
        if needed is not None and needed not in self.scopes:
            # Slack's own shape: the scope the method wanted and, comma-separated, those the token has.
            return 200, {}, {"ok": False, "error": "missing_scope", "needed": needed,
                             "provided": ",".join(sorted(self.scopes))}
        try:
            return 200, {}, {"ok": True, **handler(params)}
        except _SlackError as exc:
            return 200, {}, {"ok": False, "error": exc.error, **exc.extra}

    def _rate_limit_wait(self, channel: str) -> int:
        """Token bucket per channel: 1 message/s, bursts of 3. Returns seconds to wait or 0."""
        key = self._normalize_channel(channel)
        now = time.monotonic()
        tokens, updated = self._buckets.get(key, (float(POST_BURST), now))
        tokens = min(float(POST_BURST), tokens + (now - updated) * POST_RATE_PER_SECOND)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return 0
        self._buckets[key] = (tokens, now)
        return max(1, math.ceil((1 - tokens) / POST_RATE_PER_SECOND))

    def _history_wait(self) -> int:
        """Calls to the history methods in the last minute, at most `history_per_minute`: seconds to wait or 0."""
        now = time.monotonic()
        self._history_calls = [t for t in self._history_calls if now - t < 60]
        if len(self._history_calls) < (self.history_per_minute or 0):
            self._history_calls.append(now)
            return 0
        return max(1, math.ceil(60 - (now - self._history_calls[0])))

    def _serve_upload(self, file_id: str, body: bytes) -> tuple[int, dict[str, str], Any]:
        # The upload URL needs no token (as on files.slack.com); answers like Slack's.
        call = Call(method="upload", params={"file_id": file_id, "length": len(body)},
                    headers={}, time=time.time(), path=f"/upload/{file_id}")
        with self._lock:
            record = self._files.get(file_id)
            if record is None:
                status, payload = 404, "Not Found"
            else:
                record["content"] = body
                record["uploaded"] = True
                status, payload = 200, f"OK - {len(body)}"
            payload = self._record(call, status, payload)
            return status, {}, payload

    def _serve_response_url(self, url_id: str, body: bytes, headers: dict[str, str],
                            path: str) -> tuple[int, dict[str, str], Any]:
        try:
            params = json.loads(body) if body else {}
        except ValueError:
            params = {"_raw": body.decode(errors="replace")}
        call = Call(method="response_url", params=params if isinstance(params, dict) else {},
                    headers=headers, time=time.time(), path=path)
        with self._lock:
            fault = self._take_fault("response_url")
            record = self._response_urls.get(url_id)
            if fault is not None:
                status, extra, payload = fault.render()
            elif record is None:
                status, extra, payload = 404, {}, {"ok": False, "error": "no_service"}
            elif len(record["posts"]) >= RESPONSE_URL_MAX_POSTS:
                status, extra, payload = 404, {}, {"ok": False, "error": "used_url"}
            else:
                status, extra, payload = self._apply_response_post(record, call.params)
            payload = self._record(call, status, payload)
            return status, extra, payload

    def _apply_response_post(self, record: dict[str, Any],
                             body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        if "_raw" in body:
            return 400, {}, {"ok": False, "error": "invalid_payload"}
        blocks = body.get("blocks")
        if blocks is not None:
            problems = validate_blocks(blocks, "message")
            if problems:
                return 400, {}, {"ok": False, "error": "invalid_blocks", "errors": problems}
        delete = _truthy(body.get("delete_original"))
        if not delete and not body.get("text") and not blocks:
            return 400, {}, {"ok": False, "error": "no_text"}
        record["posts"].append(copy.deepcopy(body))

        channel, user, source_ts = record["channel"], record["user"], record["message_ts"]
        if channel is None:
            return 200, {}, {"ok": True}
        if delete:
            if source_ts:
                self._delete_message(channel, source_ts, ephemeral=record["is_ephemeral"])
        elif _truthy(body.get("replace_original")) and source_ts:
            self._edit_message(channel, source_ts, body.get("text"), blocks,
                               ephemeral=record["is_ephemeral"])
        elif body.get("response_type") == "in_channel":
            self._store_message(channel, body.get("text") or "", blocks,
                                body.get("thread_ts"), body.get("attachments"))
        elif user is not None:
            self._store_ephemeral(channel, user, body.get("text") or "", blocks,
                                  body.get("thread_ts"))
        return 200, {}, {"ok": True}

    # =====================================================================================
    # Helpers for the methods (called with the lock held)
    # =====================================================================================

    def _next_ts(self) -> str:
        # Unique and increasing even when two posts land in the same microsecond.
        now_us = int(self.clock() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def _user_for_dm(self, channel: str) -> str | None:
        return self._dm_users.get(channel)

    def _normalize_channel(self, channel: str) -> str:
        """User ids mean their DM; "#name" means the channel with that name."""
        if channel in self._users:
            return self.dm_channel_id(channel)
        if channel.startswith("#"):
            for ch in self._channels.values():
                if ch["name"] == channel[1:]:
                    return ch["id"]
        return channel

    def _resolve_channel(self, channel: Any) -> str:
        """Resolve a posting target like Slack, raising its errors for a bad one."""
        if not isinstance(channel, str) or not channel:
            raise _SlackError("channel_not_found")
        channel = self._normalize_channel(channel)
        if channel.startswith("D"):
            user_id = self._user_for_dm(channel)
            if user_id is None or user_id == self.bot_user_id:
                raise _SlackError("channel_not_found")
            if self._users[user_id]["deleted"]:
                raise _SlackError("user_disabled")
            return channel
        record = self._channels.get(channel)
        if record is None:
            raise _SlackError("channel_not_found")
        if record["is_archived"]:
            raise _SlackError("is_archived")
        if not record["bot_is_member"]:
            raise _SlackError("not_in_channel")
        return channel

    def _check_message_content(self, params: dict[str, Any]) -> tuple[str | None, Any]:
        text, blocks = params.get("text"), params.get("blocks")
        if not text and not blocks and not params.get("attachments"):
            raise _SlackError("no_text")
        if text is not None and len(str(text)) > 40_000:
            raise _SlackError("msg_too_long")
        if blocks is not None:
            if not isinstance(blocks, list):
                raise _SlackError("invalid_blocks_format")
            problems = validate_blocks(blocks, "message")
            if problems:
                raise _invalid("invalid_blocks", problems)
        return text, blocks

    def _with_ids(self, blocks: list[Any]) -> list[Any]:
        """Blocks with block_id/action_id filled where missing, as Slack does on save.

        Only the dicts that get an id are copied (the request's own stay as they were sent, in the call's record);
        the rest is shared, as neither the record nor what the fake keeps is changed afterwards.
        """
        saved = []
        for block in blocks:
            if isinstance(block, dict):
                block = dict(block)
                block.setdefault("block_id", _short_id())
                if block.get("type") == "actions" and isinstance(block.get("elements"), list):
                    block["elements"] = [_with_action_id(el) for el in block["elements"]]
                for key in ("accessory", "element"):
                    if isinstance(block.get(key), dict):
                        block[key] = _with_action_id(block[key])
            saved.append(block)
        return saved

    def _message_object(self, channel: str, ts: str, text: Any, blocks: Any,
                        thread_ts: Any, attachments: Any, metadata: Any = None) -> dict[str, Any]:
        team_id, bot_user_id, bot_id = self._posting_bot()
        message: dict[str, Any] = {
            "type": "message", "user": bot_user_id, "bot_id": bot_id,
            "app_id": self.app_id, "team": team_id, "text": text or "", "ts": ts,
        }
        if blocks is not None:
            message["blocks"] = self._with_ids(blocks)
        if attachments is not None:
            message["attachments"] = copy.deepcopy(attachments)
        if thread_ts:
            message["thread_ts"] = str(thread_ts)
        if metadata is not None:
            message["metadata"] = copy.deepcopy(metadata)
        message["channel"] = channel
        return message

    def _store_message(self, channel: str, text: Any, blocks: Any, thread_ts: Any = None,
                       attachments: Any = None, metadata: Any = None) -> dict[str, Any]:
        message = self._message_object(channel, self._next_ts(), text, blocks, thread_ts,
                                       attachments, metadata)
        self._messages.append(message)
        return message

    def _store_ephemeral(self, channel: str, user_id: str, text: Any, blocks: Any,
                         thread_ts: Any = None) -> dict[str, Any]:
        message = self._message_object(channel, self._next_ts(), text, blocks, thread_ts, None)
        # For an ephemeral, "user" is the one person who sees it.
        message.update({"user": user_id, "is_ephemeral": True})
        self._ephemerals.append(message)
        return message

    def _find_message(self, channel: str, ts: str, ephemeral: bool = False) -> dict | None:
        pool = self._ephemerals if ephemeral else self._messages
        for message in pool:
            if message["channel"] == channel and message["ts"] == ts:
                return message
        return None

    def _edit_message(self, channel: str, ts: str, text: Any, blocks: Any,
                      ephemeral: bool = False) -> dict[str, Any] | None:
        message = self._find_message(channel, ts, ephemeral)
        if message is None:
            return None
        self._edits.setdefault((channel, ts), []).append(copy.deepcopy(message))
        if text is not None:
            message["text"] = text
        if blocks is not None:
            message["blocks"] = self._with_ids(blocks)
        if not ephemeral:
            message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return message

    def _delete_message(self, channel: str, ts: str, ephemeral: bool = False) -> bool:
        message = self._find_message(channel, ts, ephemeral)
        if message is None:
            return False
        (self._ephemerals if ephemeral else self._messages).remove(message)
        self._deleted.append(message)
        return True

    def _user_object(self, record: dict[str, Any], include_locale: bool,
                     shown_to_token: bool = False) -> dict[str, Any]:
        tz_label, tz_offset = _tz_facts(record["tz"])
        user: dict[str, Any] = {
            "id": record["id"], "team_id": self.team_id, "name": record["name"],
            "deleted": record["deleted"], "real_name": record["real_name"],
            "tz": record["tz"],
            "tz_label": record["tz_label"] if record["tz_label"] is not None else tz_label,
            # Today's offset unless the test pinned one: apps must schedule from tz.
            "tz_offset": record["tz_offset"] if record["tz_offset"] is not None else tz_offset,
            "is_admin": record["is_admin"], "is_owner": False, "is_primary_owner": False,
            "is_restricted": False, "is_ultra_restricted": False,
            "is_bot": record["is_bot"], "is_app_user": False,
            "profile": {
                "real_name": record["real_name"],
                "real_name_normalized": record["real_name"],
                "display_name": record["display_name"],
                "display_name_normalized": record["display_name"],
                "team": self.team_id,
            },
        }
        if record["email"] is not None and (not shown_to_token or "users:read.email" in self.scopes):
            # Slack shows a member's address only to a token with users:read.email.
            user["profile"]["email"] = record["email"]
        if record["is_bot"]:
            user["profile"]["bot_id"] = self.bot_id
            user["profile"]["api_app_id"] = self.app_id
        if include_locale:
            user["locale"] = record["locale"]
        return user

    def _known_user(self, user_id: Any) -> dict[str, Any]:
        record = self._users.get(user_id) if isinstance(user_id, str) else None
        if record is None:
            raise _SlackError("user_not_found")
        return record

    # =====================================================================================
    # Web API methods: each takes params and returns the fields after "ok": true
    # =====================================================================================

    def _api_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"args": {k: v for k, v in params.items() if k != "token"}}

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        # The workspace of the token the call came with: the fake's own, or one that installed the app.
        team = self._workspaces.get(self._caller)
        if team is None:
            return {"url": f"https://{self.team_domain}.slack.com/", "team": self.team_name,
                    "user": self._users[self.bot_user_id]["name"], "team_id": self.team_id,
                    "user_id": self.bot_user_id, "bot_id": self.bot_id,
                    "is_enterprise_install": False}
        return {"url": f"https://{team['domain']}.slack.com/", "team": team["name"], "user": "leadbot",
                "team_id": team["id"], "user_id": team["bot_user_id"], "bot_id": team["bot_id"],
                "is_enterprise_install": False}

    def _oauth_v2_access(self, params: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        """oauth.v2.access: a code (or, with token rotation, a refresh token) for a bot token, as Slack answers.

        The app authenticates with its client id and secret, as HTTP Basic auth or as parameters.
        """
        client_id, client_secret = params.get("client_id"), params.get("client_secret")
        auth = (headers or {}).get("authorization", "")
        if auth.startswith("Basic "):
            client_id, _, client_secret = b64decode(auth[len("Basic "):]).decode().partition(":")
        app = self._oauth_app
        if app is None or not client_id or client_id != app["client_id"]:
            raise _SlackError("invalid_client_id")
        if client_secret != app["client_secret"]:
            raise _SlackError("bad_client_secret")
        grant_type = params.get("grant_type") or "authorization_code"
        if grant_type == "refresh_token":
            team_id = self._refresh_tokens.get(str(params.get("refresh_token", "")))
            if team_id is None or not app["token_rotation"]:
                raise _SlackError("invalid_refresh_token")
            grant = self._workspaces[team_id]["grant"]
        elif grant_type == "authorization_code":
            grant = self._codes.pop(str(params.get("code", "")), None)
            if grant is None:
                raise _SlackError("invalid_code")
            if grant["redirect_uri"] and params.get("redirect_uri") not in (None, grant["redirect_uri"]):
                raise _SlackError("bad_redirect_uri")
            self._workspaces[grant["team_id"]]["grant"] = grant
        else:
            raise _SlackError("invalid_grant_type")
        team = self._workspaces[grant["team_id"]]
        answer: dict[str, Any] = {
            "app_id": self.app_id,
            "authed_user": {"id": grant["user_id"]},
            "scope": ",".join(grant["scopes"]),
            "token_type": "bot",
            "access_token": "",
            "bot_user_id": team["bot_user_id"],
            "team": {"id": team["id"], "name": team["name"]},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        expires_at = None
        if app["token_rotation"]:
            # Rotating tokens start xoxe.xoxb-1-…, come with a refresh token (xoxe-1-…) and last 12 hours.
            token = f"xoxe.xoxb-1-{secrets.token_hex(24)}"
            refresh = f"xoxe-1-{secrets.token_hex(32)}"
            self._refresh_tokens[refresh] = team["id"]
            expires_at = time.time() + app["expires_in"]
            answer.update(access_token=token, refresh_token=refresh, expires_in=app["expires_in"])
        else:
            token = team["bot_token"]
            answer["access_token"] = token
        self._tokens[token] = {"team_id": team["id"], "expires_at": expires_at}
        team["bot_token"] = token
        return answer

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._known_user(params.get("user"))
        return {"user": self._user_object(record, _truthy(params.get("include_locale")), shown_to_token=True)}

    def _users_lookup_by_email(self, params: dict[str, Any]) -> dict[str, Any]:
        email = str(params.get("email", "")).lower()
        for record in self._users.values():
            if record["email"] and record["email"].lower() == email:
                return {"user": self._user_object(record, include_locale=False)}
        raise _SlackError("users_not_found")

    def _users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        include_locale = _truthy(params.get("include_locale"))
        members = [self._user_object(r, include_locale, shown_to_token=True) for r in self._users.values()]
        return {"members": members, "cache_ts": int(time.time()),
                "response_metadata": {"next_cursor": ""}}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(params.get("users", "")).split(",") if u]
        if len(users) != 1:
            # Multi-person DMs are not modelled; fail loudly rather than pretend.
            raise _SlackError("not_implemented_in_fake" if users else "users_list_not_supplied")
        record = self._known_user(users[0])
        if record["id"] == self.bot_user_id:
            raise _SlackError("cannot_dm_bot")
        if record["deleted"]:
            raise _SlackError("user_disabled")
        return {"channel": {"id": self.dm_channel_id(record["id"])}}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._normalize_channel(str(params.get("channel", "")))
        if channel.startswith("D") and self._user_for_dm(channel):
            return {"channel": {"id": channel, "is_im": True, "user": self._user_for_dm(channel)}}
        record = self._channels.get(channel)
        if record is None:
            raise _SlackError("channel_not_found")
        return {"channel": {"id": channel, "name": record["name"], "is_channel": True,
                            "is_private": record["is_private"],
                            "is_archived": record["is_archived"],
                            "is_member": record["bot_is_member"]}}

    def _history_channel(self, params: dict[str, Any]) -> str:
        """The conversation a history read names, refused as Slack refuses it: no scope, no such id, not in it."""
        channel = str(params.get("channel", ""))
        if not channel:
            raise _SlackError("channel_not_found")
        if channel.startswith("D"):
            needed = "im:history"
        elif channel in self._channels and self._channels[channel]["is_private"]:
            needed = "groups:history"
        else:
            needed = "channels:history"
        if needed not in self.scopes:
            raise _SlackError("missing_scope", needed=needed, provided=",".join(sorted(self.scopes)))
        if channel.startswith("D"):
            # A user id is not a conversation: the DM's D… id comes from conversations.open.
            if self._user_for_dm(channel) is None:
                raise _SlackError("channel_not_found")
            return channel
        record = self._channels.get(channel)
        if record is None:
            raise _SlackError("channel_not_found")
        if not record["bot_is_member"]:
            raise _SlackError("not_in_channel")
        return channel

    def _history_page(self, params: dict[str, Any], messages: list[dict[str, Any]],
                      newest_first: bool) -> dict[str, Any]:
        """One page of `messages` (ts order) within oldest/latest/inclusive, from the cursor, `limit` long."""
        oldest, latest = _ts_param(params.get("oldest"), 0.0), _ts_param(params.get("latest"), None)
        inclusive = _truthy(params.get("inclusive"))
        try:
            limit = int(params.get("limit") or HISTORY_DEFAULT_LIMIT)
        except ValueError:
            raise _SlackError("invalid_limit") from None
        limit = max(1, min(limit, self.history_max_limit, HISTORY_MAX_LIMIT))

        def within(ts: float) -> bool:
            above = ts >= oldest if inclusive else ts > oldest
            below = latest is None or (ts <= latest if inclusive else ts < latest)
            return above and below

        chosen = [m for m in messages if within(float(m["ts"]))]
        chosen.sort(key=lambda m: float(m["ts"]), reverse=newest_first)
        cursor = params.get("cursor")
        if cursor:
            try:
                after = b64decode(str(cursor)).decode().split(":", 1)[1]
            except (ValueError, IndexError):
                raise _SlackError("invalid_cursor") from None
            position = next((i for i, m in enumerate(chosen) if m["ts"] == after), None)
            if position is None:
                raise _SlackError("invalid_cursor")
            chosen = chosen[position + 1:]
        page, more = chosen[:limit], len(chosen) > limit
        with_metadata = _truthy(params.get("include_all_metadata"))
        shown = [_public(m, with_metadata) for m in page]
        next_cursor = b64encode(f"next_ts:{page[-1]['ts']}".encode()).decode() if more else ""
        return {"messages": shown, "has_more": more, "pin_count": 0,
                "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Top-level messages of a conversation (thread replies stay in their thread), newest first."""
        channel = self._history_channel(params)
        top = [m for m in self._messages if m["channel"] == channel
               and (not m.get("thread_ts") or m["thread_ts"] == m["ts"])]
        return self._history_page(params, top, newest_first=True)

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """A thread: its parent first, then the replies in the order they were posted."""
        channel = self._history_channel(params)
        ts = str(params.get("ts", ""))
        parent = self._find_message(channel, ts)
        if parent is None:
            raise _SlackError("thread_not_found")
        replies = [m for m in self._messages if m["channel"] == channel and m.get("thread_ts") == ts
                   and m["ts"] != ts]
        answer = self._history_page(params, replies, newest_first=False)
        if not params.get("cursor"):
            answer["messages"].insert(0, _public(parent, _truthy(params.get("include_all_metadata"))))
        return answer

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(params.get("channel"))
        text, blocks = self._check_message_content(params)
        metadata = _checked_metadata(params.get("metadata"))
        message = self._store_message(channel, text, blocks, params.get("thread_ts"),
                                      params.get("attachments"), metadata)
        return {"channel": channel, "ts": message["ts"], "message": _public(message)}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(params.get("channel"))
        user = self._known_user(params.get("user"))
        text, blocks = self._check_message_content(params)
        message = self._store_ephemeral(channel, user["id"], text, blocks,
                                        params.get("thread_ts"))
        return {"message_ts": message["ts"]}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(params.get("channel"))
        ts = str(params.get("ts", ""))
        if self._find_message(channel, ts) is None:
            raise _SlackError("message_not_found")
        text, blocks = self._check_message_content(params)
        metadata = _checked_metadata(params.get("metadata"))
        message = self._edit_message(channel, ts, text, blocks)
        assert message is not None
        if metadata is not None:  # left as it was unless given, as Slack does
            message["metadata"] = metadata
        return {"channel": channel, "ts": ts, "text": message["text"],
                "message": _public(message)}

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._normalize_channel(str(params.get("channel", "")))
        ts = str(params.get("ts", ""))
        if not self._delete_message(channel, ts):
            raise _SlackError("message_not_found")
        return {"channel": channel, "ts": ts}

    def _chat_get_permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._normalize_channel(str(params.get("channel", "")))
        ts = str(params.get("message_ts", ""))
        if channel not in self._channels and not self._user_for_dm(channel):
            raise _SlackError("channel_not_found")
        message = self._find_message(channel, ts)
        if message is None:
            raise _SlackError("message_not_found")
        link = f"https://{self.team_domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != ts:
            link += f"?thread_ts={thread_ts}&cid={channel}"
        return {"channel": channel, "permalink": link}

    # -- views ----------------------------------------------------------------------------

    def _use_trigger(self, trigger_id: Any) -> dict[str, Any]:
        match = _TRIGGER_RE.match(trigger_id) if isinstance(trigger_id, str) else None
        if match is None:
            raise _SlackError("invalid_trigger_id")
        if trigger_id in self._used_triggers:
            raise _SlackError("exchanged_trigger_id")
        issued = int(match.group(2)) / 1000
        if time.time() - issued > self.trigger_ttl_seconds:
            raise _SlackError("expired_trigger_id")
        self._used_triggers.add(trigger_id)
        return self._triggers.get(trigger_id, {"user": None, "view_id": None})

    def _checked_view(self, params: dict[str, Any], kind: str | None) -> dict[str, Any]:
        view = params.get("view")
        problems = validate_view(view)
        if not problems and kind is not None and view.get("type") != kind:
            problems = [f"must be {kind} [json-pointer:/view/type]"]
        if problems:
            raise _invalid("invalid_arguments", problems)
        external_id = view.get("external_id")
        if external_id:
            for other in self._views.values():
                if other["external_id"] == external_id and other["id"] != params.get("view_id"):
                    raise _SlackError("duplicate_external_id")
        return view

    def _view_shape(self, view: dict[str, Any], view_id: str, root_id: str,
                    previous_id: str | None) -> dict[str, Any]:
        team_id, _bot_user_id, bot_id = self._posting_bot()
        return {
            "id": view_id, "team_id": team_id, "type": view["type"],
            "blocks": self._with_ids(view.get("blocks", [])),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_urlsafe(6)}",
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": previous_id, "root_view_id": root_id,
            "app_id": self.app_id, "external_id": view.get("external_id", ""),
            "app_installed_team_id": team_id, "bot_id": bot_id,
        }

    def _posting_bot(self) -> tuple[str, str, str]:
        """The workspace, bot user and bot of the call being answered: the fake's own, or an installed one's."""
        team = self._workspaces.get(self._caller)
        if team is None:
            return self.team_id, self.bot_user_id, self.bot_id
        return team["id"], team["bot_user_id"], team["bot_id"]

    def _create_view(self, view: dict[str, Any], user_id: str | None,
                     parent: str | None = None) -> dict[str, Any]:
        view_id = _random_id("V")
        root = self._views[parent]["root_view_id"] if parent in self._views else view_id
        shaped = self._view_shape(view, view_id, root, parent if parent in self._views else None)
        self._views[view_id] = shaped
        self._view_user[view_id] = user_id
        if shaped["type"] == "modal":
            self._open_view_ids.append(view_id)
        return shaped

    def _replace_view(self, view_id: str, view: dict[str, Any]) -> dict[str, Any]:
        old = self._views[view_id]
        shaped = self._view_shape(view, view_id, old["root_view_id"], old["previous_view_id"])
        if not view.get("external_id"):
            shaped["external_id"] = old["external_id"]
        self._views[view_id] = shaped
        return shaped

    def _close_views(self, view_ids: list[str]) -> None:
        for view_id in view_ids:
            if view_id in self._open_view_ids:
                self._open_view_ids.remove(view_id)

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger = self._use_trigger(params.get("trigger_id"))
        view = self._checked_view(params, "modal")
        return {"view": self._create_view(view, trigger["user"])}

    def _views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger = self._use_trigger(params.get("trigger_id"))
        view = self._checked_view(params, "modal")
        parent = trigger.get("view_id")
        if parent in self._views:
            depth, cursor = 1, self._views[parent]
            while cursor["previous_view_id"]:
                depth += 1
                cursor = self._views[cursor["previous_view_id"]]
            if depth >= 3:  # Slack keeps at most 3 views in a modal stack
                raise _SlackError("push_limit_reached")
        shaped = self._create_view(view, trigger["user"], parent=parent)
        return {"view": shaped}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = params.get("view_id")
        if not view_id and params.get("external_id"):
            view_id = next((v["id"] for v in self._views.values()
                            if v["external_id"] == params["external_id"]), None)
        if view_id not in self._views:
            raise _SlackError("not_found")
        current = self._views[view_id]
        if params.get("hash") and params["hash"] != current["hash"]:
            raise _SlackError("hash_conflict")
        view = self._checked_view({**params, "view_id": view_id}, current["type"])
        return {"view": self._replace_view(view_id, view)}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = params.get("user_id")
        if user_id not in self._users:
            raise _invalid("invalid_arguments", ["unknown user [json-pointer:/user_id]"])
        existing = self._home_views.get(user_id)
        if existing and params.get("hash") and params["hash"] != self._views[existing]["hash"]:
            raise _SlackError("hash_conflict")
        view = self._checked_view({**params, "view_id": existing}, "home")
        if existing:
            shaped = self._replace_view(existing, view)
        else:
            shaped = self._create_view(view, user_id)
            self._home_views[user_id] = shaped["id"]
        return {"view": shaped}

    # -- files ----------------------------------------------------------------------------

    def _files_get_upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        filename = params.get("filename")
        if not filename:
            raise _SlackError("invalid_arguments")
        try:
            length = int(params.get("length", ""))
        except ValueError:
            raise _SlackError("invalid_arguments") from None
        file_id = _random_id("F")
        self._files[file_id] = {
            "filename": filename, "length": length, "content": b"", "uploaded": False,
            "completed": False, "channel": None, "title": None, "initial_comment": None,
            "thread_ts": None, "created": int(time.time()),
        }
        return {"upload_url": f"{self.root_url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        entries = params.get("files")
        if not isinstance(entries, list) or not entries:
            raise _SlackError("invalid_arguments")
        channel = params.get("channel_id") or params.get("channels")
        if channel:
            channel = self._resolve_channel(str(channel).split(",")[0])
        shown = []
        for entry in entries:
            record = self._files.get(entry.get("id")) if isinstance(entry, dict) else None
            if record is None or not record["uploaded"]:
                raise _SlackError("file_not_found")
            if record["completed"]:
                raise _SlackError("file_uploads_already_completed")
        for entry in entries:
            record = self._files[entry["id"]]
            record.update({"completed": True, "channel": channel,
                           "title": entry.get("title") or record["filename"],
                           "initial_comment": params.get("initial_comment"),
                           "thread_ts": params.get("thread_ts")})
            mimetype = mimetypes.guess_type(record["filename"])[0] or "application/octet-stream"
            shown.append({
                "id": entry["id"], "created": record["created"], "timestamp": record["created"],
                "name": record["filename"], "title": record["title"], "mimetype": mimetype,
                "filetype": record["filename"].rsplit(".", 1)[-1].lower(),
                "user": self.bot_user_id, "size": len(record["content"]),
                "url_private": f"https://files.slack.com/files-pri/{self.team_id}-{entry['id']}/"
                               f"{record['filename']}",
                "permalink": f"https://{self.team_domain}.slack.com/files/{self.bot_user_id}/"
                             f"{entry['id']}/{record['filename']}",
                "channels": [channel] if channel else [],
            })
        return {"files": shown}


def _matches(where: Callable[[Call], bool] | None, call: Call) -> bool:
    if where is None:
        return True
    try:
        return bool(where(call))
    except Exception:  # noqa: BLE001 - a predicate that can't read this call doesn't match it
        return False


def _short_id() -> str:
    # Slack fills missing block_id/action_id with short random strings like "d7eJ".
    return "".join(random.choices(_SHORT_ID_CHARS, k=5))


def _public(message: dict[str, Any], with_metadata: bool = True) -> dict[str, Any]:
    """A stored message as Slack would show it (without the fake's "channel" key; metadata when asked for)."""
    hidden = ("channel",) if with_metadata else ("channel", "metadata")
    return {k: copy.deepcopy(v) for k, v in message.items() if k not in hidden}


def _checked_metadata(metadata: Any) -> dict[str, Any] | None:
    """Message metadata as chat.postMessage takes it: an event_type and an event_payload object."""
    if metadata is None or metadata == "":
        return None
    if not (isinstance(metadata, dict) and isinstance(metadata.get("event_type"), str)
            and metadata["event_type"] and isinstance(metadata.get("event_payload"), dict)):
        raise _SlackError("invalid_metadata_format")
    return {"event_type": metadata["event_type"], "event_payload": copy.deepcopy(metadata["event_payload"])}


def _ts_param(value: Any, default: float | None) -> float | None:
    """A ts bound (`oldest`, `latest`) as a number; Slack's own default when absent."""
    if value in (None, ""):
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _SlackError("invalid_ts_oldest") from None


def _tz_facts(tz: str) -> tuple[str, int]:
    """(label, today's UTC offset in seconds) for an IANA zone name."""
    try:
        now = dt.datetime.now(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        return tz, 0
    offset = now.utcoffset() or dt.timedelta(0)
    return now.tzname() or tz, int(offset.total_seconds())
