"""Add to Slack with the rest of leadbot: the API, webhooks, uninstalling and coming back, logs, each workspace
with its own token."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta

import pytest
from slack_bolt.authorization import AuthorizeResult

from bot.container import build_deps
from bot.logs import log_handler
from handlers.app import create_app
from sandbox.slack_api import DEFAULT_SCOPES
from scheduler.runner import run_due
from tests.api_client import api, new_token
from tests.conftest import ADMIN, ALICE, START, make_settings
from tests.support import at, command, lead, nudged, text_of, tick
from tests.test_oauth import (  # noqa: F401 (fixtures: leadbot with Add to Slack, and `leadbot …` run here)
    ALPHA,
    ALPHA_TOKEN,
    BETA,
    BETA_TOKEN,
    OAUTH_ENV,
    ZHOU,
    as_workspace,
    install,
    leadbot,
    oauth_app,
    tokens_used,
)
from tests.webhook_receiver import WebhookReceiver

NEW_ALPHA_TOKEN = "xoxb-1-alpha-bot-token-after-reinstalling"


@pytest.fixture
def receiver():
    started = WebhookReceiver().start()
    yield started
    started.stop()


def test_api_token_commands_act_for_the_one_installed_workspace_and_ask_which_when_several(
    oauth_app, leadbot  # noqa: F811
):
    app = oauth_app
    code, _out, err = leadbot("api-token", "create", "--name", "website-form")
    assert code == 2 and "no workspace has added leadbot" in err and "Traceback" not in err

    install(app, ALPHA, ALICE)
    code, out, err = leadbot("api-token", "create", "--name", "website-form")
    assert code == 0, err
    token = out.splitlines()[-1]
    assert ALPHA in out
    answer = api(app, "POST", "leads", token, {"company": "Acme Pumps", "owner": ALICE})
    assert answer.status == 201, answer.raw
    assert "Acme Pumps" in command(as_workspace(app, ALPHA, "alpha"), "list all")

    install(app, BETA, ZHOU)
    for argv in (("list",), ("create", "--name", "crm"), ("revoke", "website-form")):
        code, _out, err = leadbot("api-token", *argv)
        assert code == 2 and "installed in 2 workspaces" in err and ALPHA in err and BETA in err, argv
    code, _out, err = leadbot("api-token", "create", "--name", "crm", "--team", "T0NOBODY1")
    assert code == 2 and "not installed in workspace T0NOBODY1" in err
    assert "website-form" in leadbot("api-token", "list", "--team", ALPHA)[1]
    assert "no API tokens" in leadbot("api-token", "list", "--team", BETA)[1]
    assert leadbot("api-token", "revoke", "website-form", "--team", ALPHA)[0] == 0
    assert api(app, "GET", "leads", token).status == 401


def test_webhook_commands_act_for_the_one_installed_workspace_and_ask_which_when_several(
    oauth_app, leadbot, receiver  # noqa: F811
):
    app = oauth_app
    code, _out, err = leadbot("webhook", "list")
    assert code == 2 and "no workspace has added leadbot" in err

    install(app, ALPHA, ALICE)
    code, out, err = leadbot("webhook", "add", receiver.url)
    assert code == 0, err
    receiver.secret = out.strip().splitlines()[-1]
    assert receiver.url in leadbot("webhook", "list")[1]
    code, out, err = leadbot("webhook", "test", receiver.url)
    assert code == 0 and "answered HTTP 200" in out, err
    assert [event["type"] for event in receiver.taken()] == ["webhook.test"] and receiver.unverified() == 0

    install(app, BETA, ZHOU)
    for argv in (("list",), ("test", receiver.url), ("remove", receiver.url), ("add", receiver.url)):
        code, _out, err = leadbot("webhook", *argv)
        assert code == 2 and "installed in 2 workspaces" in err and ALPHA in err and BETA in err, argv
    assert "no webhooks" in leadbot("webhook", "list", "--team", BETA)[1]
    assert leadbot("webhook", "remove", receiver.url, "--team", ALPHA)[0] == 0
    assert "no webhooks" in leadbot("webhook", "list", "--team", ALPHA)[1]


def test_a_workspace_that_uninstalls_and_adds_leadbot_again_is_served_with_its_new_token(oauth_app):  # noqa: F811
    app = oauth_app
    install(app, ALPHA, ALICE)
    alpha = as_workspace(app, ALPHA, "alpha")
    lead(alpha, "Acme Pumps", user=ALICE)
    assert "Acme Pumps" in command(alpha, "list")  # the old token is now remembered wherever it is kept
    assert app.deps.scopes.has(ALPHA, "files:write")

    assert alpha.send.event({"type": "app_uninstalled"}).status == 200
    app.settle()
    app.slack.uninstall(ALPHA)  # Slack revokes the old token
    assert app.deps.installed_teams() == []
    # Nothing sent for the workspace any more carries the dead token.
    assert app.deps.client_for(ALPHA).token is None

    # Added again at once, granting fewer scopes this time, and Slack hands out a new token.
    app.slack.add_workspace(ALPHA, "Alpha Trading", NEW_ALPHA_TOKEN)
    app.slack.grant_scopes(DEFAULT_SCOPES - {"files:write"})
    assert install(app, ALPHA, ALICE).status == 200
    app.slack.reset_calls()
    lead(alpha, "Bolt Valves", user=ALICE)
    listing = command(alpha, "list all")
    assert "Bolt Valves" in listing and "Acme Pumps" not in listing  # it starts empty
    assert tokens_used(app) == {NEW_ALPHA_TOKEN}
    assert not [c for c in app.slack.calls() if c.response and c.response.get("error") == "token_revoked"]
    assert not app.deps.scopes.has(ALPHA, "files:write")  # what it granted now, not what it granted before

    app.slack.reset_calls()
    assert nudged(app, "2026-12-04T10:00+08:00") == 1
    assert {c.token for c in app.slack.calls("chat.postMessage") if c.ok} == {NEW_ALPHA_TOKEN}


def test_bolt_forgets_what_it_remembered_of_the_tokens_of_a_workspace_that_left(db, slack, clock):
    deps = build_deps(make_settings(db.url, slack.base_url, **OAUTH_ENV), clock=clock, db=db)
    remembered = create_app(deps)._authorize.authorize_result_cache  # Bolt's answers to auth.test, per token
    for team_id, token in ((ALPHA, ALPHA_TOKEN), (BETA, BETA_TOKEN)):
        remembered[token] = AuthorizeResult(enterprise_id=None, team_id=team_id, bot_token=token)
    deps.forget_workspace(ALPHA)
    assert set(remembered) == {BETA_TOKEN}


def test_a_scheduler_holding_the_old_token_sends_with_the_new_one_and_pauses_nothing(
    oauth_app, db, clock  # noqa: F811
):
    app = oauth_app
    install(app, ALPHA, ALICE)
    alpha = as_workspace(app, ALPHA, "alpha")
    # The scheduler runs in its own process: it learnt the workspace's token before it left and came back.
    scheduler = build_deps(make_settings(db.url, app.slack.base_url, **OAUTH_ENV), clock=clock, db=db)
    assert scheduler.client_for(ALPHA).token == ALPHA_TOKEN
    assert alpha.send.event({"type": "app_uninstalled"}).status == 200
    app.settle()
    app.slack.uninstall(ALPHA)
    app.slack.add_workspace(ALPHA, "Alpha Trading", NEW_ALPHA_TOKEN)
    assert install(app, ALPHA, ALICE).status == 200
    lead(alpha, "Bolt Valves", user=ALICE)

    app.slack.reset_calls()
    when = at("2026-12-04T10:00+08:00")
    clock.set(when)
    run_due(scheduler, when)
    run_due(scheduler, when + timedelta(minutes=1))
    sent = [c for c in app.slack.calls("chat.postMessage") if c.ok]
    assert [c.token for c in sent] == [NEW_ALPHA_TOKEN] and "Bolt Valves" in text_of(sent[0].params)
    assert scheduler.teams.stopped() == set()


def test_the_owner_of_a_lead_posted_to_the_api_is_told_with_that_workspaces_token(oauth_app):  # noqa: F811
    app = oauth_app
    install(app, ALPHA, ALICE)
    install(app, BETA, ZHOU)
    token = new_token(app, BETA)
    app.slack.reset_calls()
    answer = api(app, "POST", "leads", token, {"company": "Bolt Valves", "owner": "zhou@beta.example"})
    assert answer.status == 201, answer.raw
    assert answer.json["owner"] == ZHOU
    lookups = app.slack.calls("users.lookupByEmail")
    assert lookups and {c.token for c in lookups} == {BETA_TOKEN}
    told = [c for c in app.slack.calls("chat.postMessage") if c.ok and "Bolt Valves" in text_of(c.params)]
    assert told and {c.token for c in told} == {BETA_TOKEN}
    assert told[0].response["channel"] == app.slack.dm_channel_id(ZHOU)
    assert tokens_used(app) == {BETA_TOKEN}


def test_the_admins_hear_of_a_webhook_turned_off_with_that_workspaces_token(oauth_app, receiver):  # noqa: F811
    app = oauth_app
    install(app, ALPHA, ALICE)
    install(app, BETA, ZHOU)
    _endpoint, receiver.secret = app.deps.webhooks.add(BETA, receiver.url, (), app.deps.clock.now())
    receiver.status = 500
    lead(as_workspace(app, BETA, "beta"), "Bolt Valves", user=ZHOU)
    app.slack.reset_calls()
    for minutes in (0, 1, 10, 60, 180, 480, 1080, 24 * 60):
        tick(app, START + timedelta(minutes=minutes))
    [endpoint] = app.deps.webhooks.list(BETA)
    assert endpoint.state == "off"
    told = [c for c in app.slack.calls("chat.postMessage") if c.ok and receiver.url in text_of(c.params)]
    assert told and "turned off" in text_of(told[0].params)
    assert told[0].response["channel"] == app.slack.dm_channel_id(ADMIN)
    assert {c.token for c in told} == {BETA_TOKEN}


def test_a_workspace_whose_token_stopped_working_is_told_to_add_leadbot_again(oauth_app, caplog):  # noqa: F811
    app = oauth_app
    install(app, ALPHA, ALICE)
    lead(as_workspace(app, ALPHA, "alpha"), "Acme Pumps", user=ALICE)
    app.slack.uninstall(ALPHA)  # the token went, and no event told leadbot
    with caplog.at_level(logging.ERROR):
        assert nudged(app, "2026-12-04T10:00+08:00") == 0
    [line] = [r.getMessage() for r in caplog.records if "token no longer works" in r.getMessage()]
    assert "token_revoked" in line and ALPHA in line
    assert "Add to Slack" in line and "SLACK_BOT_TOKEN" not in line


def test_json_log_lines_of_a_request_carry_the_installed_workspace_it_came_from(oauth_app):  # noqa: F811
    app = oauth_app
    install(app, ALPHA, ALICE)
    install(app, BETA, ZHOU)
    written = io.StringIO()
    handler = log_handler("json")
    handler.setStream(written)
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.DEBUG)  # the Web API calls made for the request are logged at DEBUG
    try:
        as_workspace(app, BETA, "beta").send.command("new Bolt Valves", ZHOU)
        app.slack.wait_for("views.open")
        app.settle()
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    records = [json.loads(line) for line in written.getvalue().splitlines() if line.strip()]
    tagged = [r for r in records if r.get("command") == "/lead"]
    assert [r for r in tagged if "views.open" in r["message"]], records  # written in the listener's thread
    assert {(r.get("team_id"), r.get("user_id")) for r in tagged} == {(BETA, ZHOU)}


def test_json_log_lines_of_an_api_request_carry_the_workspace_of_its_token(oauth_app):  # noqa: F811
    app = oauth_app
    install(app, ALPHA, ALICE)
    install(app, BETA, ZHOU)
    token = new_token(app, BETA)
    written = io.StringIO()
    handler = log_handler("json")
    handler.setStream(written)
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.DEBUG)
    try:
        assert api(app, "POST", "leads", token, {"company": "Bolt Valves", "owner": ZHOU}).status == 201
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    records = [json.loads(line) for line in written.getvalue().splitlines() if line.strip()]
    told = [r for r in records if "chat.postMessage" in r["message"]]  # the owner's DM, sent while answering
    assert told, records
    assert {r.get("team_id") for r in told} == {BETA} and all(r.get("request_id") for r in told)
    assert token not in written.getvalue()
