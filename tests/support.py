"""Helpers for driving the running app the way a rep would."""

from __future__ import annotations

import itertools
import json
from datetime import datetime

from scheduler.runner import RunReport, run_due
from tests.conftest import ALICE, GENERAL, Running


def text_of(surface: dict) -> str:
    """Every piece of text a person would read in a message or view, joined."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for key, value in node.items():
                if key != "text" or not isinstance(value, str):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(surface.get("blocks") or [])
    if not found and isinstance(surface.get("text"), str):
        found.append(surface["text"])
    return "\n".join(found)


def command(app: Running, text: str, user: str = ALICE, channel: str = GENERAL) -> str:
    """Run `/lead <text>` and return the text of leadbot's (ephemeral) answer."""
    reply = app.send.command(text, user, channel_id=channel)
    assert reply.status == 200, reply.body
    return answered(app, reply)


def answered(app: Running, reply) -> str:
    """The text leadbot answered the request that got `reply` with: in the ack itself, else through its
    response_url."""
    in_ack = reply.ack_message()
    if in_ack is not None:
        return text_of(in_ack)
    url = reply.sent["response_url"]
    url_id = url.rsplit("/", 1)[-1]
    app.slack.wait_for("response_url", where=lambda call: call.path.endswith(url_id))
    return "\n".join(text_of(post) for post in app.slack.response_url_posts(url))


def open_new_lead_form(app: Running, text: str = "new", user: str = ALICE, channel: str = GENERAL) -> dict:
    before = len(app.slack.calls("views.open"))
    reply = app.send.command(text, user, channel_id=channel)
    assert reply.status == 200, reply.body
    call = app.slack.wait_for("views.open", count=before + 1)[-1]
    assert call.ok, call.response
    return app.slack.view(call.response["view"]["id"])


def capture(app: Running, company: str, user: str = ALICE, **values):
    """Fill and submit the new-lead form; returns the app's HTTP reply to the submission."""
    view = open_new_lead_form(app, user=user)
    fields = {"company": company, "source": "website", "situation": "wants_to_buy", **values}
    return app.send.submit_view(user, view, fields)


def wait_ephemeral(app: Running, user: str, count: int = 1) -> dict:
    app.slack.wait_for("chat.postEphemeral", count=count, where=lambda c: c.params.get("user") == user)
    return app.slack.ephemerals(user)[-1]


def wait_dm(app: Running, user: str, count: int = 1) -> dict:
    channel = app.slack.dm_channel_id(user)
    app.slack.wait_for(
        "chat.postMessage", count=count, where=lambda c: c.ok and c.response.get("channel") == channel
    )
    return app.slack.dms_to(user)[-1]


def answer(reply) -> dict | None:
    return json.loads(reply.body) if reply.body.strip() else None


def at(text: str) -> datetime:
    """An instant written like 2026-12-04T09:00+08:00."""
    return datetime.fromisoformat(text)


def tick(app: Running, when: str | datetime) -> RunReport:
    """Move the clock and run the scheduler once, as `leadbot tick --at` would."""
    instant = at(when) if isinstance(when, str) else when
    app.deps.clock.set(instant)
    return run_due(app.deps, instant)


def lead(app: Running, company: str = "Acme", user: str = ALICE, **values) -> None:
    """Capture a lead through the form and wait until its card has been shown."""
    capture(app, company, user=user, **values)
    shown_by = "chat.postEphemeral" if values.get("owner_id", user) == user else "chat.postMessage"
    app.slack.wait_for(shown_by, where=lambda c: company in str(c.params.get("blocks")))


def nudges_to(app: Running, user: str) -> list[dict]:
    return [m for m in app.slack.dms_to(user) if "Time to follow up" in text_of(m)]


def nudged(app: Running, when: str | datetime) -> int:
    """Run the scheduler at `when`; how many new DMs carry quiet leads (a nudge, or a digest with them)."""
    before = len(_quiet_dms(app))
    tick(app, when)
    return len(_quiet_dms(app)) - before


def _quiet_dms(app: Running) -> list[dict]:
    return [m for m in app.slack.messages() if m["channel"].startswith("D") and "Time to follow up" in text_of(m)]
_MESSAGE_SEQUENCE = itertools.count(1)


def ts_at(instant: datetime) -> str:
    """A Slack message ts for a message posted at `instant` (unique: Slack's ts identifies a message)."""
    return f"{int(instant.timestamp())}.{next(_MESSAGE_SEQUENCE):06d}"


def message_event(message: dict, **overrides) -> dict:
    """The `message` event Slack sends for a stored message (from FakeSlack.add_message)."""
    event = dict(message)
    event.update({"event_ts": message["ts"], "channel_type": "channel"})
    event.update(overrides)
    return event
