"""API tokens: made with `leadbot api-token`, shown once, kept only as a hash, listed for admins, revoked."""

from __future__ import annotations

import hashlib

from sqlalchemy import text

from tests.api_client import api
from tests.conftest import ADMIN, ALICE, TEAM
from tests.support import text_of
from tests.test_lead_import import leadbot  # noqa: F401 (the fixture: `leadbot …` run in this process)


def test_create_prints_the_token_once_on_its_last_line_and_it_works(app, leadbot):  # noqa: F811
    made = leadbot("api-token", "create", "--name", "website-form")
    assert made.code == 0, made.err
    token = made.out.splitlines()[-1]
    assert token.startswith("lbk_") and " " not in token and len(token) > 40
    # The workspace is the bot token's (auth.test), as for import-leads.
    answer = api(app, "POST", "leads", token, {"company": "Acme", "owner": ALICE})
    assert answer.status == 201, answer.raw

    listed = leadbot("api-token", "list")
    assert listed.code == 0 and "website-form" in listed.out and "last used 2026-12-01T09:00:00" in listed.out
    assert token not in listed.out and token[4:20] not in listed.out

    assert leadbot("api-token", "create", "--name", "website-form").code == 1  # the name is taken
    revoked = leadbot("api-token", "revoke", "website-form")
    assert revoked.code == 0 and "revoked" in revoked.out
    assert api(app, "GET", "leads", token).status == 401
    assert "revoked" in leadbot("api-token", "list").out
    assert leadbot("api-token", "revoke", "website-form").code == 1  # nothing left to revoke
    # The name may be used again; the old token stays dead.
    again = leadbot("api-token", "create", "--name", "website-form").out.splitlines()[-1]
    assert api(app, "GET", "leads", again).status == 200 and api(app, "GET", "leads", token).status == 401


def test_team_names_any_workspace(app, leadbot):  # noqa: F811
    made = leadbot("api-token", "create", "--name", "crm", "--team", "T0NEW0001")
    token = made.out.splitlines()[-1]
    answer = api(app, "POST", "leads", token, {"company": "Acme", "owner": "U0NEW0001"})
    assert answer.status == 201 and answer.json["number"] == 1
    assert "crm" in leadbot("api-token", "list", "--team", "T0NEW0001").out
    assert "no API tokens" in leadbot("api-token", "list").out


def test_tokens_are_not_stored_in_the_clear(app, db):
    token = app.deps.api_tokens.create(TEAM, "phone", app.deps.clock.now())
    with db.read() as uow:
        rows = [tuple(row) for row in uow.session.execute(text("SELECT * FROM api_tokens"))]
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0])
    assert token not in stored and token[4:] not in stored and token[4:16] not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored


def test_admins_see_the_tokens_in_settings(app):
    app.deps.api_tokens.create(TEAM, "website-form", app.deps.clock.now())
    app.deps.api_tokens.create(TEAM, "old-phone", app.deps.clock.now())
    app.deps.api_tokens.revoke(TEAM, "old-phone")
    app.send.command("settings", ADMIN)
    shown = text_of(app.slack.wait_for("views.open")[-1].params["view"])
    assert "API tokens" in shown and "website-form" in shown and "last used never" in shown
    assert "old-phone" in shown and "revoked" in shown

    app.send.command("settings", ALICE)
    mine = text_of(app.slack.wait_for("views.open", count=2)[-1].params["view"])
    assert "API tokens" not in mine
