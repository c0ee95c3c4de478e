"""API tokens in `/lead settings`: an admin makes one (shown once, to them only) and revokes one; nobody else can."""

from __future__ import annotations

import logging
import re

from bot.blocks.settings import api_token_form
from tests.api_client import api
from tests.conftest import ADMIN, ALICE, TEAM
from tests.support import text_of

TOKEN = re.compile(r"lbk_[A-Za-z0-9_-]{20,}")


def _open_settings(app, user: str) -> dict:
    opened = len(app.slack.calls("views.open"))
    assert app.send.command("settings", user).status == 200
    app.slack.wait_for("views.open", count=opened + 1)
    return app.slack.open_views(user)[-1]


def _new_token_form(app, settings: dict) -> dict:
    pushed = len(app.slack.calls("views.push"))
    assert app.send.click(ADMIN, settings, "api_token_new_open").status == 200
    app.slack.wait_for("views.push", count=pushed + 1)
    form = app.slack.open_views(ADMIN)[-1]
    assert form["callback_id"] == "api_token_new"
    return form


def _everything_posted(app) -> str:
    return "\n".join(text_of(m) for m in app.slack.messages() + app.slack.ephemerals())


def test_an_admin_makes_a_token_sees_it_once_uses_it_and_revokes_it(app, caplog):
    caplog.set_level(logging.DEBUG)
    settings = _open_settings(app, ADMIN)
    assert "No API tokens yet" in text_of(settings)
    form = _new_token_form(app, settings)
    updated = len(app.slack.calls("views.update"))
    reply = app.send.submit_view(ADMIN, form, {"api_token_name": "website-form"})
    assert reply.status == 200 and reply.json()["response_action"] == "update"

    shown = text_of(app.slack.view(form["id"]))
    token = TOKEN.search(shown).group(0)
    assert "Copy it now, it will not be shown again" in shown and "website-form" in shown
    # The settings form beneath lists the new token by name, never the token itself.
    app.slack.wait_for("views.update", count=updated + 1)
    beneath = text_of(app.slack.view(settings["id"]))
    assert "website-form" in beneath and "last used never" in beneath and token not in beneath
    assert token not in _everything_posted(app)
    assert not [r for r in caplog.records if token in r.getMessage()]
    assert token not in text_of(_open_settings(app, ADMIN))  # not shown again

    assert api(app, "GET", "leads", token).status == 200

    revoked = len(app.slack.calls("views.update"))
    assert app.send.click(ADMIN, settings, "api_token_revoke", value="website-form").status == 200
    app.slack.wait_for("views.update", count=revoked + 1)
    assert api(app, "GET", "leads", token).status == 401
    assert "revoked" in text_of(app.slack.view(settings["id"]))
    assert [t.revoked for t in app.deps.api_tokens.list(TEAM)] == [True]


def test_the_revoke_button_asks_first(app):
    app.deps.api_tokens.create(TEAM, "phone", app.deps.clock.now())
    settings = _open_settings(app, ADMIN)
    buttons = [
        block["accessory"] for block in settings["blocks"]
        if block.get("accessory", {}).get("action_id") == "api_token_revoke"
    ]
    assert len(buttons) == 1 and buttons[0]["value"] == "phone"
    assert "phone" in buttons[0]["confirm"]["text"]["text"]


def test_a_name_in_use_is_refused_on_the_field(app):
    token = app.deps.api_tokens.create(TEAM, "website-form", app.deps.clock.now())
    form = _new_token_form(app, _open_settings(app, ADMIN))
    reply = app.send.submit_view(ADMIN, form, {"api_token_name": "website-form"})
    answer = reply.json()
    assert answer["response_action"] == "errors"
    assert "already exists" in answer["errors"]["api_token_name"]
    assert len(app.deps.api_tokens.list(TEAM)) == 1 and api(app, "GET", "leads", token).status == 200
    assert app.slack.open_views(ADMIN)[-1]["callback_id"] == "api_token_new"  # the form stays open to fix


def test_a_rep_cannot_make_or_revoke_tokens_even_with_forged_clicks(app):
    token = app.deps.api_tokens.create(TEAM, "website-form", app.deps.clock.now())
    mine = _open_settings(app, ALICE)
    assert "API tokens" not in text_of(mine)
    dms = len(app.slack.dms_to(ALICE))

    forged = {"type": "button", "action_id": "api_token_revoke", "block_id": "forged", "value": "website-form",
              "action_ts": "1764579600.000100", "text": {"type": "plain_text", "text": "Revoke"}}
    assert app.send.block_actions(ALICE, [forged], view=mine).status == 200
    new = {**forged, "action_id": "api_token_new_open", "value": "new"}
    assert app.send.block_actions(ALICE, [new], view=mine).status == 200
    app.slack.wait_for("chat.postMessage", count=2, where=lambda call: call.params.get("channel") in (
        ALICE, app.slack.dm_channel_id(ALICE)))
    assert len(app.slack.dms_to(ALICE)) == dms + 2
    assert "Only an admin can make or revoke API tokens" in text_of(app.slack.dms_to(ALICE)[-1])
    assert not app.slack.calls("views.push")

    form = {**api_token_form(), "id": "VFORGED001", "team_id": TEAM, "hash": "1.forged"}
    reply = app.send.submit_view(ALICE, form, {"api_token_name": "sneaky"})
    assert reply.json()["response_action"] == "errors"
    assert [(t.name, t.revoked) for t in app.deps.api_tokens.list(TEAM)] == [("website-form", False)]
    assert api(app, "GET", "leads", token).status == 200
