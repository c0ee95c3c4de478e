"""Only signed, fresh requests get in; bad bodies are refused, not crashed on; workspaces and secrets stay apart."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import urllib.error

import pytest

from sandbox.slack_requests import SignedSlack
from tests.conftest import ALICE, BOT_TOKEN, CAROL, GENERAL, SIGNING_SECRET, TEAM
from tests.support import answered, command, lead, open_new_lead_form

FORM = "application/x-www-form-urlencoded"


def _every_kind_of_request(app, **send_options):
    """A slash command, a button click, a modal submission and an event: Slack's four doors."""
    message = app.slack.add_message(GENERAL, "a message with a button", user=ALICE)
    button = {"type": "button", "action_id": "lead_won", "block_id": "lead:1", "value": "1",
              "text": {"type": "plain_text", "text": "Won"}, "action_ts": f"{time.time():.6f}"}
    view = app.slack.views()[-1]
    return [
        app.send.command("new Acme — wants a quote", ALICE, **send_options),
        app.send.block_actions(ALICE, [button], message=message, **send_options),
        app.send.submit_view(ALICE, view, {"company": "Forged Co", "source": "website", "situation": "wants_to_buy"},
                             **send_options),
        app.send.app_home_opened(ALICE, **send_options),
    ]


@pytest.mark.parametrize("how", ["unsigned", "stale"])
def test_unsigned_or_stale_requests_are_refused_at_every_entry_point(app, how):
    open_new_lead_form(app)  # a real modal, so the forged submission names a view that exists
    before = len(app.slack.calls())
    options = {"sign": False} if how == "unsigned" else {"timestamp": int(time.time()) - 6 * 60}
    replies = _every_kind_of_request(app, **options)
    assert [reply.status for reply in replies] == [401, 401, 401, 401]
    app.settle()  # listeners run on after the ack: a wrongly admitted one would have called Slack by now
    assert app.slack.calls()[before:] == []
    assert "Forged Co" not in command(app, "list")


def _send_or_closed(app, body: bytes, content_type: str) -> int | None:
    """The HTTP status, or None when the server closed the connection instead of answering."""
    try:
        return app.send.send(body, content_type).status
    except (urllib.error.URLError, ConnectionError):
        return None


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"%%%\xff\xfe=&&=garbage", FORM),
        (b"payload=%7Bnot+json", FORM),
        (b"payload=%5B1%2C2%5D", FORM),
        (b"{}", "application/json"),
        (b"{\"type\": \"event_callback\"}", "application/json"),
        (b"\xff\xfe not json at all", "application/json"),
    ],
    ids=["garbage-form", "payload-invalid-json", "payload-not-an-object", "empty-event", "event-without-event",
         "undecodable-json"],
)
def test_a_malformed_signed_body_gets_a_4xx_and_the_app_keeps_serving(app, body, content_type):
    # Signed by hand: slack_sdk's signer only takes bodies that are UTF-8.
    timestamp = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    status = app.send.send(body, content_type, timestamp=timestamp, signature=f"v0={digest}").status
    assert 400 <= status < 500, status
    assert app.send.command("help", ALICE).status == 200


def test_a_body_over_a_megabyte_is_refused_and_the_app_keeps_serving(app):
    status = _send_or_closed(app, b"text=" + b"x" * 1_100_000, FORM)
    assert status in (None, 413), status
    assert app.send.command("help", ALICE).status == 200


def test_every_refused_request_leaves_one_log_line(app, caplog):
    with caplog.at_level(logging.INFO):
        assert app.send.command("list", ALICE, sign=False).status == 401
        assert app.send.command("list", ALICE, timestamp=int(time.time()) - 6 * 60).status == 401
        assert _send_or_closed(app, b"text=" + b"x" * 1_100_000, FORM) == 413
        timestamp = str(int(time.time()))
        body = b"payload=%7Bnot+json"
        digest = hmac.new(
            SIGNING_SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256
        ).hexdigest()
        assert app.send.send(body, FORM, timestamp=timestamp, signature=f"v0={digest}").status == 400
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert len([line for line in lines if "Invalid request signature" in line]) == 2
    assert len([line for line in lines if "refused a 1100005-byte request" in line and "too large" in line]) == 1
    assert len([line for line in lines if "invalid_json" in line]) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_lead_number_from_another_workspace_shows_nothing(app):
    lead(app, "Acme Secret Deal")
    other = SignedSlack(app.send.app_url, SIGNING_SECRET, app.slack, team_id="T0THER")
    reply = other.command("show 1", ALICE)
    assert reply.status == 200
    seen = answered(app, reply)
    assert "can't find lead 1" in seen and "Acme Secret Deal" not in seen
    assert "Acme Secret Deal" in command(app, "show 1")  # …while its own workspace still sees it


def _leaked(records: list[logging.LogRecord]) -> list[str]:
    leaks = []
    for record in records:
        shown = record.getMessage() + (record.exc_text or "")
        if record.exc_info and not record.exc_text:
            shown += logging.Formatter().formatException(record.exc_info)
        if BOT_TOKEN in shown or SIGNING_SECRET in shown:
            leaks.append(f"{record.name}: {shown[:300]}")
    return leaks


def test_tokens_and_the_signing_secret_never_reach_the_logs(app, caplog):
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG):
            command(app, "help")
            lead(app, "Acme")
            app.send.command("list", ALICE, sign=False)
            app.slack.fail_next("views.open", error="invalid_auth")
            app.send.command("new", ALICE)
            app.slack.wait_for("views.open", count=2)
            app.slack.revoke_token()
            reply = app.send.app_home_opened(ALICE)
            assert reply.status == 200
            app.slack.wait_for("views.publish", where=lambda call: not call.ok)
            app.settle()  # the listeners' own logging of the failure is in caplog too
    finally:
        root.setLevel(level)
    # slack_sdk did log its requests (headers included) at DEBUG, so there was something to leak.
    assert any(r.name.startswith("slack_sdk") and "Authorization" in r.getMessage() for r in caplog.records)
    assert _leaked(caplog.records) == []



def _log_form_for_lead_1(app) -> dict:
    before = len(app.slack.calls("views.open"))
    assert app.send.command("log 1", ALICE).status == 200
    return app.slack.view(app.slack.wait_for("views.open", count=before + 1)[-1].response["view"]["id"])


def test_a_follow_up_form_for_someone_elses_lead_is_refused(app):
    lead(app, "Acme")
    view = _log_form_for_lead_1(app)
    reply = app.send.submit_view(CAROL, view, {"kind": "call", "note": "not my lead"})
    assert "Only the owner (<@UALICE01>) or an admin" in str(reply.json()["errors"])
    assert app.deps.leads.find(TEAM, "1").touch_count == 0


def test_a_follow_up_form_forged_from_another_workspace_finds_nothing(app):
    lead(app, "Acme")
    view = _log_form_for_lead_1(app)
    other = SignedSlack(app.send.app_url, SIGNING_SECRET, app.slack, team_id="T0THER")
    reply = other.submit_view(ALICE, view, {"kind": "call", "note": "forged"})
    assert "can't find lead 1" in str(reply.json()["errors"])
    assert app.deps.leads.find(TEAM, "1").touch_count == 0
