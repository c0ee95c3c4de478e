"""Recorded interactive payloads: capture, normalise, send again, and what leadbot answered.

A record is one request Slack sends when someone uses leadbot's messages or forms — a
block_actions (button, select, overflow, date picker), a view_submission (a form) or a
message_action (the message shortcut) — kept as Slack sent it, plus what leadbot did in answer.
tests/payloads/README.md says what they are for and how they are made.

Normalisation (what a stored payload holds instead of the value Slack sent, and why):

* `trigger_id` → "<trigger_id>", `response_url` → "<response_url>": issued per request (a trigger
  lives 3 seconds, a response_url points at one fake Slack's port). Sending makes fresh ones.
* message timestamps → "<ts:CHANNEL#N>": the Nth message posted in CHANNEL (a ts is Slack's id
  for a message, and depends on what else was posted at that instant in other channels).
  Ephemeral messages: "<ts:CHANNEL@USER#N>", the Nth ephemeral USER got in CHANNEL.
  Wherever a ts appears — `message.ts`, `container.message_ts`, a block_id or button value
  leadbot built from it, a form's private_metadata — it is replaced, and put back as the
  current message's ts when sent.
* view ids → "<view:USER#N>": the Nth view (modal or Home tab) opened or published for USER;
  `view.hash` → "<hash>" (the current view's hash is sent).
* `message.edited.ts` is set to the message's own ts (the app never reads it).
* `action_ts` is the app's (fixed) clock at the moment of the click.
Block ids Slack adds to blocks that have none are random in Slack; the recorder's fake Slack
derives them from the block instead, so files do not change between runs.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections import Counter
from concurrent.futures import Future, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode

from sandbox.slack_api import FakeSlack, make_trigger_id
from sandbox.slack_requests import Reply, SignedSlack
from tests.conftest import Running

PAYLOADS_DIR = Path(__file__).parent / "payloads"
TRIGGER_ID = "<trigger_id>"
RESPONSE_URL = "<response_url>"
VIEW_HASH = "<hash>"

_TS = re.compile(r"(?<![\d.])\d{10}\.\d{6}(?![\d])")
_PERMALINK_TS = re.compile(r"/p(\d{16})(?![\d])")
_VIEW_ID = re.compile(r"\bV[A-Z0-9]{10}\b")
_PLACEHOLDER = re.compile(r"<(?:ts|ts-digits|view):[^<>\s]+>")


# -- the volatile ids of a fake Slack, by stable names ------------------------------------------


def volatile_names(fake: FakeSlack) -> dict[str, str]:
    """Every message ts and view id the fake holds → its stable name (see the module docstring)."""
    names: dict[str, str] = {}
    seen: Counter[str] = Counter()
    posted = fake.posted_ids()
    for channel, ts in posted["messages"]:
        seen[channel] += 1
        names[ts] = f"<ts:{channel}#{seen[channel]}>"
    for channel, user, ts in posted["ephemerals"]:
        where = f"{channel}@{user}"
        seen[where] += 1
        names[ts] = f"<ts:{where}#{seen[where]}>"
    for view_id, user in posted["views"]:
        where = f"view:{user or 'nobody'}"
        seen[where] += 1
        names[view_id] = f"<{where}#{seen[where]}>"
    return names


def _map_strings(node: Any, change: Callable[[str], str]) -> Any:
    if isinstance(node, str):
        return change(node)
    if isinstance(node, list):
        return [_map_strings(item, change) for item in node]
    if isinstance(node, dict):
        return {key: _map_strings(value, change) for key, value in node.items()}
    return node


def normalize(payload: dict, fake: FakeSlack, action_ts: str) -> dict:
    """The payload as stored: transport fields and ids replaced as the module docstring says."""
    stored = copy.deepcopy(payload)
    if "trigger_id" in stored:
        stored["trigger_id"] = TRIGGER_ID
    if "response_url" in stored:
        stored["response_url"] = RESPONSE_URL
    _set_action_ts(stored, "<action_ts>")  # the real value is set after the mapping below
    message = stored.get("message")
    if isinstance(message, dict) and isinstance(message.get("edited"), dict):
        message["edited"]["ts"] = message["ts"]
    view = stored.get("view")
    if isinstance(view, dict) and "hash" in view:
        view["hash"] = VIEW_HASH

    names = volatile_names(fake)
    digits = {ts.replace(".", ""): name.replace("<ts:", "<ts-digits:") for ts, name in names.items() if "." in ts}

    def known_ts(match: re.Match) -> str:
        if match.group(0) not in names:
            raise ValueError(f"{match.group(0)} looks like a message ts but no message of the fake has it")
        return names[match.group(0)]

    def change(text: str) -> str:
        text = _TS.sub(known_ts, text)
        text = _PERMALINK_TS.sub(lambda m: "/p" + digits.get(m.group(1), m.group(1)), text)
        return _VIEW_ID.sub(lambda m: names.get(m.group(0), m.group(0)), text)

    stored = _map_strings(stored, change)
    # Set after the mapping: the clock's instant may equal a message's ts without being one.
    _set_action_ts(stored, action_ts)
    return stored


def _set_action_ts(payload: dict, value: str) -> None:
    if "action_ts" in payload:
        payload["action_ts"] = value
    for action in payload.get("actions") or []:
        if "action_ts" in action:
            action["action_ts"] = value


def denormalize(stored: dict, fake: FakeSlack) -> dict:
    """A stored payload with the current fake's ts and view ids put back (transport fields untouched)."""
    actual: dict[str, str] = {}
    for value, name in volatile_names(fake).items():
        actual[name] = value
        if name.startswith("<ts:"):
            actual[name.replace("<ts:", "<ts-digits:")] = value.replace(".", "")

    def put_back(match: re.Match) -> str:
        if match.group(0) not in actual:
            raise KeyError(
                f"the scenario produced no {match.group(0)} (it names the message or view the payload came from)"
            )
        return actual[match.group(0)]

    return _map_strings(stored, lambda text: _PLACEHOLDER.sub(put_back, text))


def fresh_transport(payload: dict, fake: FakeSlack) -> dict:
    """Fill in what Slack issues per request: a trigger_id, a response_url, the view's hash, edited.ts."""
    payload = copy.deepcopy(payload)
    user_id = payload["user"]["id"]
    view = payload.get("view") if isinstance(payload.get("view"), dict) else None
    if payload.get("trigger_id") == TRIGGER_ID:
        payload["trigger_id"] = make_trigger_id()
        modal_id = view["id"] if view and view.get("type") == "modal" else None
        fake.note_trigger(payload["trigger_id"], user_id, modal_id)
    if payload.get("response_url") == RESPONSE_URL:
        container = payload.get("container") or {}
        channel_id = (payload.get("channel") or {}).get("id") or container.get("channel_id")
        if payload["type"] == "message_action":
            payload["response_url"] = fake.response_url(channel_id=channel_id, user_id=user_id)
        else:
            payload["response_url"] = fake.response_url(
                channel_id=channel_id,
                user_id=user_id,
                message_ts=container.get("message_ts"),
                is_ephemeral=bool(container.get("is_ephemeral")),
            )
    if view and view.get("hash") == VIEW_HASH:
        current = fake.view(view["id"])
        view["hash"] = current["hash"] if current else VIEW_HASH
    return payload


# -- what leadbot did in answer -----------------------------------------------------------------


@dataclass
class Answer:
    """leadbot's answer to one request: its HTTP reply and the Slack calls it made for it."""

    status: int
    response_action: str | None = None  # a form's answer: errors / update / push / clear
    error_fields: list[str] = field(default_factory=list)  # with "errors": the inputs marked
    view_callback_id: str | None = None  # with "update" / "push": the form shown instead
    slack_calls: list[str] = field(default_factory=list)  # Web API methods, and "response_url", in call order
    failed_slack_calls: list[str] = field(default_factory=list)  # "method: error" for calls Slack refused

    def as_record(self) -> dict:
        return asdict(self)

    @classmethod
    def from_record(cls, data: dict) -> "Answer":
        return cls(**data)

    def differences(self, recorded: "Answer") -> list[str]:
        """How this answer differs from the recorded one (Slack calls compared as a multiset)."""
        found = []
        for name in ("status", "response_action", "error_fields", "view_callback_id"):
            if getattr(self, name) != getattr(recorded, name):
                found.append(f"{name}: recorded {getattr(recorded, name)!r}, now {getattr(self, name)!r}")
        if sorted(self.slack_calls) != sorted(recorded.slack_calls):
            found.append(f"Slack calls: recorded {recorded.slack_calls}, now {self.slack_calls}")
        if sorted(self.failed_slack_calls) != sorted(recorded.failed_slack_calls):
            found.append(f"refused Slack calls: recorded {recorded.failed_slack_calls}, now {self.failed_slack_calls}")
        return found


class _ListenerWatch:
    """Tracks the app's listener threads, so a send can wait until leadbot has finished answering."""

    def __init__(self, app: Running) -> None:
        self._futures: list[Future] = []
        self._lock = threading.Lock()
        pool = app._listeners
        submit = pool.submit

        def tracked(*args, **kwargs):
            future = submit(*args, **kwargs)
            with self._lock:
                self._futures.append(future)
            return future

        pool.submit = tracked

    def wait(self, timeout: float = 10.0) -> None:
        with self._lock:
            pending = [f for f in self._futures if not f.done()]
            self._futures = pending
        done, not_done = wait(pending, timeout=timeout)
        if not_done:
            raise AssertionError(f"{len(not_done)} listener(s) still running after {timeout} s")


def _watch(app: Running) -> _ListenerWatch:
    watch = getattr(app, "_payload_watch", None)
    if watch is None:
        watch = _ListenerWatch(app)
        app._payload_watch = watch
    return watch


def track(app: Running) -> None:
    """From now on, `settle` and `send_stored` can wait for everything leadbot does in answer."""
    _watch(app)


def settle(app: Running) -> None:
    """Wait until every listener leadbot started (after its ack) has finished."""
    _watch(app).wait()


def send_stored(app: Running, stored: dict) -> tuple[Answer, dict]:
    """Send a stored payload to the running app, correctly signed, as Slack would now; wait for the answer.

    Only transport is refreshed (see fresh_transport); everything else goes as stored.
    Returns leadbot's answer and the payload actually sent.
    """
    payload = fresh_transport(denormalize(stored, app.slack), app.slack)
    watch = _watch(app)
    watch.wait()  # nothing of an earlier request may count as this one's answer
    before = len(app.slack.calls())
    reply = app.send.send(
        urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded", sent=payload
    )
    body = _json_or_none(reply)
    if payload.get("type") == "view_submission":
        # Slack's client closes, updates or keeps the form after the answer; the fake follows.
        app.slack.view_submission_answered(payload["view"]["id"], reply.status, body)
    watch.wait()
    calls = app.slack.calls()[before:]
    answer = Answer(status=reply.status)
    if isinstance(body, dict):
        answer.response_action = body.get("response_action")
        answer.error_fields = sorted(body.get("errors") or {})
        if isinstance(body.get("view"), dict):
            answer.view_callback_id = body["view"].get("callback_id")
    answer.slack_calls = [call.method for call in calls]
    answer.failed_slack_calls = [
        f"{call.method}: {call.answered_error or call.answered_status}" for call in calls if not call.ok
    ]
    return answer, payload


def _json_or_none(reply: Reply) -> Any:
    try:
        return reply.json()
    except ValueError:
        return None


# -- capturing what a click or a submission would send ------------------------------------------


class Capture(SignedSlack):
    """SignedSlack that builds the request a person's click or submission makes, and keeps it unsent."""

    _as_shown: dict | None = None

    def send(self, body, content_type, *, sent=None, **options) -> Reply:  # noqa: ARG002 - same signature
        return Reply(status=0, headers={}, body="", sent=copy.deepcopy(sent))

    def click_as_shown(self, user_id: str, message: dict, action_id: str, **options) -> Reply:
        """Click on this version of a message, as someone whose Slack still shows it (not the latest)."""
        self._as_shown = message
        try:
            return self.click(user_id, message, action_id, **options)
        finally:
            self._as_shown = None

    def _current_surface(self, surface: dict, is_view: bool) -> dict:
        if self._as_shown is not None:
            return copy.deepcopy(self._as_shown)
        return super()._current_surface(surface, is_view)


def capture_for(app: Running) -> Capture:
    return Capture(app.send.app_url, app.send.signing_secret, app.slack)


def kind_and_id(payload: dict) -> tuple[str, str]:
    """(payload type, the action_id / callback_id leadbot dispatches on)."""
    kind = payload["type"]
    if kind == "block_actions":
        return kind, payload["actions"][0]["action_id"]
    if kind in ("view_submission", "view_closed"):
        return kind, payload["view"]["callback_id"]
    return kind, payload.get("callback_id", "")


# -- files ----------------------------------------------------------------------------------------


def surface_files(directory: Path = PAYLOADS_DIR) -> list[Path]:
    return sorted(directory.glob("*.json"))


def load_surface(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def dump_surface(surface: dict) -> str:
    return json.dumps(surface, indent=1, ensure_ascii=False) + "\n"


def interactive_elements(blocks: list[dict]) -> list[tuple[str, dict]]:
    """(block_id, element) for every element on a message or view that sends block_actions."""
    found = []
    for block in blocks or []:
        if block.get("type") == "actions":
            found += [(block.get("block_id"), element) for element in block.get("elements") or []]
        elif block.get("type") == "section" and isinstance(block.get("accessory"), dict):
            found.append((block.get("block_id"), block["accessory"]))
        elif block.get("type") == "input" and block.get("dispatch_action"):
            found.append((block.get("block_id"), block["element"]))
    return [
        (block_id, element)
        for block_id, element in found
        if element.get("type") not in ("image",) and "url" not in element
    ]
