"""Signed, Slack-shaped requests (commands, interactivity, events) sent to the app over HTTP."""

from __future__ import annotations

import copy
import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from sandbox.slack_api import FakeSlack, make_trigger_id

__all__ = ["Reply", "SignedSlack", "view_state"]

_MISSING = object()

# Per element type: the key its value takes in view_submission state.values, and the
# element field holding its initial value (Slack submits the initial value untouched).
_TEXT_STATE = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
_SINGLE_OPTION_STATE = {"static_select", "external_select", "radio_buttons"}
_MULTI_OPTION_STATE = {"multi_static_select", "multi_external_select", "checkboxes"}
_PLAIN_STATE = {  # type -> (state key, initial field, is a list)
    "users_select": ("selected_user", "initial_user", False),
    "multi_users_select": ("selected_users", "initial_users", True),
    "conversations_select": ("selected_conversation", "initial_conversation", False),
    "multi_conversations_select": ("selected_conversations", "initial_conversations", True),
    "channels_select": ("selected_channel", "initial_channel", False),
    "multi_channels_select": ("selected_channels", "initial_channels", True),
    "datepicker": ("selected_date", "initial_date", False),
    "timepicker": ("selected_time", "initial_time", False),
    "datetimepicker": ("selected_date_time", "initial_date_time", False),
    "rich_text_input": ("rich_text_value", "initial_value", False),
    "file_input": ("files", None, True),
}


@dataclass
class Reply:
    """The app's HTTP answer, plus what was sent to get it."""

    status: int
    headers: dict[str, str]  # lower-cased names
    body: str
    sent: Any = None  # the form fields / payload / envelope sent (trigger_id, response_url…)
    request_body: bytes = field(default=b"", repr=False)

    def json(self) -> Any:
        """The body parsed as JSON; None for an empty body (a bare ack)."""
        return json.loads(self.body) if self.body.strip() else None

    def ack_message(self) -> dict[str, Any] | None:
        """The message a command's ack carries, as Slack reads it (JSON, or plain text); None for a bare ack."""
        if self.status != 200 or not self.body.strip():
            return None
        if self.headers.get("content-type", "").startswith("application/json"):
            found = self.json()
            return found if isinstance(found, dict) else None
        return {"text": self.body}


class SignedSlack:
    """Plays Slack's side of the HTTP conversation with the app under test.

    Every send method accepts these keyword options:
    `timestamp=` (unix seconds, e.g. to send a stale request), `signature=` (send this
    signature instead of the right one), `retry_num=` / `retry_reason=` (the
    X-Slack-Retry-* headers), `sign=False` (send no signature headers at all).
    They never raise on 4xx/5xx: the Reply carries the status.
    """

    def __init__(self, app_url: str, signing_secret: str, fake: FakeSlack,
                 team_id: str | None = None, team_domain: str | None = None,
                 api_app_id: str | None = None,
                 verification_token: str = "legacy-verification-token",
                 timeout: float = 10.0) -> None:
        self.app_url = app_url
        self.signing_secret = signing_secret
        self.fake = fake
        self.team_id = team_id or fake.team_id
        self.team_domain = team_domain or fake.team_domain
        self.api_app_id = api_app_id or fake.app_id
        self.verification_token = verification_token
        self.timeout = timeout
        self._verifier = SignatureVerifier(signing_secret)
        # Loopback only: never route through a proxy from the environment.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # -- transport ------------------------------------------------------------------------

    def send(self, body: bytes | str, content_type: str, *, timestamp: int | str | None = None,
             signature: str | None = None, retry_num: int | None = None,
             retry_reason: str | None = None, sign: bool = True, sent: Any = None,
             headers: dict[str, str] | None = None) -> Reply:
        """POST raw bytes to the app, signed over exactly those bytes (`headers`: more, as a proxy adds)."""
        data = body.encode() if isinstance(body, str) else body
        headers = {**(headers or {}), "Content-Type": content_type}
        if sign:
            ts = str(int(time.time()) if timestamp is None else timestamp)
            headers["X-Slack-Request-Timestamp"] = ts
            headers["X-Slack-Signature"] = (
                signature if signature is not None
                else self._verifier.generate_signature(timestamp=ts, body=data))
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
        if retry_reason is not None:
            headers["X-Slack-Retry-Reason"] = retry_reason
        request = urllib.request.Request(self.app_url, data=data, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status, reply_headers, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:  # 4xx/5xx are answers to inspect, not errors
            status, reply_headers, raw = exc.code, exc.headers, exc.read()
        return Reply(status=status, headers={k.lower(): v for k, v in reply_headers.items()},
                     body=raw.decode("utf-8", errors="replace"), sent=sent, request_body=data)

    def _send_form(self, fields: dict[str, Any], **send_options: Any) -> Reply:
        return self.send(urlencode(fields), "application/x-www-form-urlencoded",
                         sent=fields, **send_options)

    def _send_payload(self, payload: dict[str, Any], **send_options: Any) -> Reply:
        # Interactivity: form-encoded with the JSON in a single `payload` field.
        body = urlencode({"payload": json.dumps(payload)})
        return self.send(body, "application/x-www-form-urlencoded", sent=payload,
                         **send_options)

    def _send_json(self, envelope: dict[str, Any], **send_options: Any) -> Reply:
        return self.send(json.dumps(envelope), "application/json", sent=envelope,
                         **send_options)

    # -- shared payload parts -------------------------------------------------------------

    def _user(self, user_id: str) -> dict[str, Any]:
        known = self.fake.user(user_id)
        name = known["name"] if known else user_id.lower()
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    def _team(self) -> dict[str, Any]:
        return {"id": self.team_id, "domain": self.team_domain}

    def _channel(self, channel_id: str) -> dict[str, Any]:
        return {"id": channel_id, "name": self._channel_name(channel_id)}

    def _channel_name(self, channel_id: str, default: str = "general") -> str:
        if channel_id.startswith("D"):
            return "directmessage"  # what Slack sends for DMs
        known = self.fake.channel(channel_id)
        return known["name"] if known else default

    def _trigger(self, user_id: str, view_id: str | None = None) -> str:
        trigger_id = make_trigger_id()
        self.fake.note_trigger(trigger_id, user_id, view_id)
        return trigger_id

    def _interaction(self, kind: str, user_id: str) -> dict[str, Any]:
        return {"type": kind, "user": self._user(user_id), "api_app_id": self.api_app_id,
                "token": self.verification_token, "team": self._team(), "enterprise": None,
                "is_enterprise_install": False}

    # -- slash commands -------------------------------------------------------------------

    def command(self, text: str, user_id: str, channel_id: str = "C0GENERAL",
                channel_name: str | None = None, command: str = "/lead",
                **send_options: Any) -> Reply:
        """A slash command; `reply.sent` has the response_url and trigger_id used."""
        known = self.fake.user(user_id)
        fields = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name or self._channel_name(channel_id),
            "user_id": user_id,
            "user_name": known["name"] if known else user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(channel_id=channel_id, user_id=user_id),
            "trigger_id": self._trigger(user_id),
        }
        reply = self._send_form(fields, **send_options)
        self.fake.command_answered(fields["response_url"], reply.status, reply.ack_message())
        return reply

    # -- block actions --------------------------------------------------------------------

    def block_actions(self, user_id: str, actions: list[dict[str, Any]],
                      message: dict[str, Any] | None = None, channel_id: str | None = None,
                      view: dict[str, Any] | None = None,
                      container: dict[str, Any] | None = None,
                      state_values: dict[str, Any] | None = None,
                      **send_options: Any) -> Reply:
        """A block_actions payload from a message (stored by the fake) or a view."""
        payload = self._interaction("block_actions", user_id)
        payload["actions"] = actions
        view_id = view["id"] if view else None
        payload["trigger_id"] = self._trigger(user_id, view_id if view and
                                              view.get("type") == "modal" else None)
        if message is not None:
            channel_id = channel_id or message.get("channel")
            if not channel_id:
                raise ValueError("block_actions on a message needs its channel_id")
            ephemeral = bool(message.get("is_ephemeral"))
            payload["container"] = container or {
                "type": "message", "message_ts": message["ts"], "channel_id": channel_id,
                "is_ephemeral": ephemeral}
            if message.get("thread_ts") and "thread_ts" not in payload["container"]:
                payload["container"]["thread_ts"] = message["thread_ts"]
            payload["channel"] = self._channel(channel_id)
            if not ephemeral:  # Slack does not echo ephemeral messages back
                payload["message"] = _public_message(message)
            payload["response_url"] = self.fake.response_url(
                channel_id=channel_id, user_id=user_id, message_ts=message["ts"],
                is_ephemeral=ephemeral)
            payload["state"] = {"values": state_values or {}}
        elif view is not None:
            payload["container"] = container or {"type": "view", "view_id": view["id"]}
            shown = copy.deepcopy(view)
            if state_values is not None:
                shown["state"] = {"values": state_values}
            payload["view"] = shown
            payload["state"] = copy.deepcopy(shown.get("state") or {"values": {}})
        else:
            payload["container"] = container or {}
            payload["state"] = {"values": state_values or {}}
            if channel_id:
                payload["channel"] = self._channel(channel_id)
        return self._send_payload(payload, **send_options)

    def click(self, user_id: str, surface: dict[str, Any], action_id: str,
              value: str | None = None, block_id: str | None = None,
              selected_option: str | dict | None = None,
              selected_options: list[str | dict] | None = None,
              selected_date: str | None = None, selected_time: str | None = None,
              selected_user: str | None = None, selected_conversation: str | None = None,
              selected_channel: str | None = None, ephemeral: bool = False,
              **send_options: Any) -> Reply:
        """Use the element `action_id` on a message or view, as the user would.

        `surface` is a message from fake.messages()/dms_to()/ephemerals() or a view from
        fake.view()/home_view()/open_views(); its current version is used. Narrow down
        elements sharing an action_id with `block_id` or the button's `value`. For selects,
        `selected_option(s)` (or `value`) are option value strings.
        """
        is_view = "ts" not in surface and "id" in surface
        current = self._current_surface(surface, is_view)
        block, element = _find_element(current.get("blocks") or [], action_id, block_id,
                                       value)
        action = _build_action(block, element, value=value, selected_option=selected_option,
                               selected_options=selected_options, selected_date=selected_date,
                               selected_time=selected_time, selected_user=selected_user,
                               selected_conversation=selected_conversation,
                               selected_channel=selected_channel)
        if is_view:
            return self.block_actions(user_id, [action], view=current, **send_options)
        if ephemeral:
            current["is_ephemeral"] = True
        return self.block_actions(user_id, [action], message=current, **send_options)

    def _current_surface(self, surface: dict[str, Any], is_view: bool) -> dict[str, Any]:
        # The user always sees the latest version of a message or view.
        if is_view:
            current = self.fake.view(surface["id"])
            if current is None:
                return copy.deepcopy(surface)
            if current["type"] == "modal" and all(
                    v["id"] != current["id"] for v in self.fake.open_views()):
                raise AssertionError(f"modal {current['id']} is closed; the user cannot use it")
            return current
        channel = surface.get("channel")
        if surface.get("is_ephemeral"):
            for eph in self.fake.ephemerals(surface.get("user")):
                if eph["channel"] == channel and eph["ts"] == surface["ts"]:
                    return eph
            return copy.deepcopy(surface)
        if channel:
            current = self.fake.message(channel, surface["ts"])
            if current is not None:
                return current
        return copy.deepcopy(surface)

    # -- modals ---------------------------------------------------------------------------

    def submit_view(self, user_id: str, view: dict[str, Any],
                    values: dict[str, Any] | None = None, private_metadata: str | None = None,
                    enforce_required: bool = True, **send_options: Any) -> Reply:
        """Submit a modal with `values` = {block_id: value} for its input blocks.

        Inputs not named keep their initial value (or are empty), as in Slack. Text values
        are strings; selects take option value strings (lists for multi-selects and
        checkboxes). A required input left empty raises AssertionError, since Slack's
        client would not let the user submit (pass enforce_required=False to skip).
        The app's answer is applied to the fake (close / errors / update / push / clear).
        """
        current = self.fake.view(view["id"]) or copy.deepcopy(view)
        state = _submission_state(current, dict(values or {}), enforce_required)
        shown = copy.deepcopy(current)
        shown["state"] = {"values": state}
        if private_metadata is not None:
            shown["private_metadata"] = private_metadata
        payload = self._interaction("view_submission", user_id)
        payload.update({"trigger_id": self._trigger(user_id, shown["id"]), "view": shown,
                        "response_urls": []})
        reply = self._send_payload(payload, **send_options)
        try:
            answer = reply.json()
        except ValueError:
            answer = None
        self.fake.view_submission_answered(shown["id"], reply.status, answer)
        return reply

    def close_view(self, user_id: str, view: dict[str, Any], **send_options: Any) -> Reply | None:
        """The user dismisses a modal. Slack sends view_closed only when the view asked for
        it with notify_on_close; otherwise nothing is sent and None is returned."""
        current = self.fake.view(view["id"]) or copy.deepcopy(view)
        self.fake.view_closed_by_user(current["id"])
        if not current.get("notify_on_close"):
            return None
        payload = self._interaction("view_closed", user_id)
        payload.update({"view": current, "is_cleared": False})
        return self._send_payload(payload, **send_options)

    # -- shortcuts ------------------------------------------------------------------------

    def message_action(self, user_id: str, message: dict[str, Any],
                       channel_id: str | None = None, callback_id: str = "message_action",
                       **send_options: Any) -> Reply:
        """A message shortcut on `message` (a stored message or any message dict)."""
        channel_id = channel_id or message.get("channel")
        if not channel_id:
            raise ValueError("message_action needs the message's channel_id")
        shown = {"type": "message", **_public_message(message)}
        payload = self._interaction("message_action", user_id)
        payload.update({
            "callback_id": callback_id,
            "trigger_id": self._trigger(user_id),
            "action_ts": f"{time.time():.6f}",
            "channel": self._channel(channel_id),
            "message_ts": message["ts"],
            "message": shown,
            "response_url": self.fake.response_url(channel_id=channel_id, user_id=user_id),
        })
        return self._send_payload(payload, **send_options)

    # -- events ---------------------------------------------------------------------------

    def event(self, event: dict[str, Any], event_id: str | None = None,
              **send_options: Any) -> Reply:
        """An event_callback envelope around `event`; reuse `reply.sent["event_id"]` with
        retry_num= to replay it as Slack's retries do."""
        envelope = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or "Ev" + secrets.token_hex(5).upper(),
            "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": self.team_id,
                                "user_id": self.fake.bot_user_id, "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": False,
            "event_context": "4-" + secrets.token_urlsafe(24),
        }
        return self._send_json(envelope, **send_options)

    def app_home_opened(self, user_id: str, tab: str = "home", **send_options: Any) -> Reply:
        event = {"type": "app_home_opened", "user": user_id,
                 "channel": self.fake.dm_channel_id(user_id), "tab": tab,
                 "event_ts": f"{time.time():.6f}"}
        home = self.fake.home_view(user_id)
        if tab == "home" and home is not None:  # Slack includes it once one was published
            event["view"] = home
        return self.event(event, **send_options)

    def url_verification(self, challenge: str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7",
                         **send_options: Any) -> Reply:
        envelope = {"token": self.verification_token, "challenge": challenge,
                    "type": "url_verification"}
        return self._send_json(envelope, **send_options)


# ---------------------------------------------------------------------------------------
# Building actions and submission state from Block Kit
# ---------------------------------------------------------------------------------------


def _public_message(message: dict[str, Any]) -> dict[str, Any]:
    # Drop the fake's bookkeeping keys; Slack's message object has neither.
    return {k: copy.deepcopy(v) for k, v in message.items()
            if k not in ("channel", "is_ephemeral")}


def _interactive_elements(blocks: list[dict[str, Any]]):
    for block in blocks:
        if block.get("type") == "actions":
            for element in block.get("elements") or []:
                yield block, element
        elif block.get("type") == "section" and isinstance(block.get("accessory"), dict):
            yield block, block["accessory"]
        elif block.get("type") == "input" and block.get("dispatch_action"):
            # Input elements only send block_actions when the block dispatches actions.
            yield block, block["element"]


def _find_element(blocks: list[dict[str, Any]], action_id: str, block_id: str | None,
                  value: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    found = []
    for block, element in _interactive_elements(blocks):
        if element.get("action_id") != action_id:
            continue
        if block_id is not None and block.get("block_id") != block_id:
            continue
        if (value is not None and element.get("type") in ("button", "workflow_button")
                and element.get("value") != value):
            continue
        found.append((block, element))
    if len(found) == 1:
        return found[0]
    available = [f"{b.get('block_id')}/{e.get('action_id')}"
                 + (f" value={e['value']!r}" if "value" in e else "")
                 for b, e in _interactive_elements(blocks)]
    what = "no element" if not found else f"{len(found)} elements (pass block_id or value)"
    raise AssertionError(
        f"{what} matching action_id={action_id!r} block_id={block_id!r} value={value!r}; "
        f"available (block_id/action_id): {available}")


def _all_options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return options


def _option(element: dict[str, Any], wanted: str | dict) -> dict[str, Any]:
    value = wanted.get("value") if isinstance(wanted, dict) else wanted
    for option in _all_options(element):
        if option.get("value") == value:
            return copy.deepcopy(option)
    raise AssertionError(f"{element.get('type')} {element.get('action_id')!r} has no option "
                         f"with value {value!r}; options: "
                         f"{[o.get('value') for o in _all_options(element)]}")


def _build_action(block: dict[str, Any], element: dict[str, Any], **chosen: Any) -> dict[str, Any]:
    """The `actions[0]` Slack sends when the user uses `element`."""
    kind = element.get("type")
    action: dict[str, Any] = {"type": kind, "action_id": element.get("action_id"),
                              "block_id": block.get("block_id"),
                              "action_ts": f"{time.time():.6f}"}
    if kind in ("button", "workflow_button"):
        action["text"] = copy.deepcopy(element.get("text"))
        for key in ("value", "style", "url"):
            if key in element:
                action[key] = element[key]
    elif kind in _SINGLE_OPTION_STATE or kind == "overflow":
        wanted = chosen["selected_option"]
        if wanted is None:
            wanted = chosen["value"]
        if wanted is None:
            raise AssertionError(f"{kind} {element.get('action_id')!r}: pass selected_option")
        action["selected_option"] = _option(element, wanted)
        if "placeholder" in element:
            action["placeholder"] = copy.deepcopy(element["placeholder"])
    elif kind in _MULTI_OPTION_STATE:
        wanted_list = chosen["selected_options"] or ([chosen["selected_option"]]
                                                     if chosen["selected_option"] else [])
        action["selected_options"] = [_option(element, w) for w in wanted_list]
    elif kind in _PLAIN_STATE:
        state_key, initial_key, _ = _PLAIN_STATE[kind]
        wanted = chosen.get(state_key)
        if wanted is None:
            wanted = chosen["value"]
        if wanted is None:
            raise AssertionError(f"{kind} {element.get('action_id')!r}: pass {state_key}")
        action[state_key] = wanted
        if initial_key and initial_key in element:
            action[initial_key] = element[initial_key]
    elif kind in _TEXT_STATE:
        action["value"] = chosen["value"]
    else:
        raise AssertionError(f"click() does not know how Slack reports a {kind!r} element")
    return action


def view_state(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """state.values of a modal whose inputs hold `values` ({block_id: value}; the rest their initial value)."""
    return _submission_state(view, dict(values), enforce_required=False)


def _submission_state(view: dict[str, Any], values: dict[str, Any],
                      enforce_required: bool) -> dict[str, Any]:
    """state.values for a view_submission: every input block, in Slack's per-type shape."""
    state: dict[str, Any] = {}
    input_blocks = [b for b in view.get("blocks") or [] if b.get("type") == "input"]
    unknown = set(values) - {b["block_id"] for b in input_blocks}
    if unknown:
        raise AssertionError(f"view {view.get('id')} has no input blocks {sorted(unknown)}; "
                             f"its input block_ids: {[b['block_id'] for b in input_blocks]}")
    for block in input_blocks:
        block_id, element = block["block_id"], block["element"]
        given = values.pop(block_id, _MISSING)
        entry = _input_state(element, given)
        if enforce_required and not block.get("optional") and _is_empty(entry):
            raise AssertionError(
                f"input {block_id!r} is required and empty: Slack would not let the user "
                f"submit (give it a value, or pass enforce_required=False)")
        max_length = element.get("max_length")
        text = entry.get("value")
        if enforce_required and max_length and isinstance(text, str) and len(text) > max_length:
            raise AssertionError(f"input {block_id!r} is longer than its max_length {max_length}"
                                 ": Slack would not let the user submit")
        state[block_id] = {element["action_id"]: entry}
    return state


def _input_state(element: dict[str, Any], given: Any) -> dict[str, Any]:
    kind = element.get("type")
    if kind in _TEXT_STATE:
        value = element.get("initial_value") if given is _MISSING else given
        if value is not None:
            value = str(value)  # number_input values arrive as strings too
        return {"type": kind, "value": value or None}  # an empty field is null
    if kind in _SINGLE_OPTION_STATE:
        if given is _MISSING:
            option = copy.deepcopy(element.get("initial_option"))
        else:
            option = _option(element, given) if given is not None else None
        return {"type": kind, "selected_option": option}
    if kind in _MULTI_OPTION_STATE:
        if given is _MISSING:
            options = copy.deepcopy(element.get("initial_options") or [])
        else:
            wanted = [given] if isinstance(given, (str, dict)) else list(given or [])
            options = [_option(element, w) for w in wanted]
        return {"type": kind, "selected_options": options}
    if kind in _PLAIN_STATE:
        state_key, initial_key, is_list = _PLAIN_STATE[kind]
        if given is _MISSING:
            value = copy.deepcopy(element.get(initial_key)) if initial_key else None
        else:
            value = given
        if is_list and value is None:
            value = []
        return {"type": kind, state_key: value}
    raise AssertionError(f"submit_view() does not know Slack's state shape for {kind!r}")


def _is_empty(entry: dict[str, Any]) -> bool:
    values = [v for k, v in entry.items() if k != "type"]
    return all(v is None or v == [] for v in values)
