"""Add to Slack: two workspaces install leadbot through OAuth, and each is served with its own token only."""

from __future__ import annotations

import copy
import html
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.cli.main import main
from bot.config import Settings, SettingsError
from bot.container import build_deps
from bot.slack_manifest import bot_scopes
from sandbox.slack_requests import SignedSlack
from tests.conftest import ALICE, SIGNING_SECRET, Running, make_settings, start_app
from tests.support import command, lead, nudged, text_of

CLIENT_ID, CLIENT_SECRET = "1111111111.2222222222", "oauth-client-secret"
ALPHA, BETA = "T0ALPHA01", "T0BETA002"
ALPHA_TOKEN, BETA_TOKEN = "xoxb-1-alpha-bot-token", "xoxb-2-beta-bot-token"
ZHOU = "UZHOU0001"  # a rep in the second workspace (Shanghai, like Alice in the first)
OAUTH_ENV = {"SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET}


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    body: str


def get(url: str, cookie: str = "") -> Page:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Page(response.status, dict(response.headers), response.read().decode())
    except urllib.error.HTTPError as error:
        return Page(error.code, dict(error.headers), error.read().decode())


def install(app: Running, team_id: str, installer: str) -> Page:
    """What an admin's browser does: open /slack/install, press Add to Slack, Allow in Slack, come back."""
    page = get(app.url + "/slack/install")
    assert page.status == 200 and "Add to Slack" in page.body
    link = html.unescape(re.search(r'<a href="([^"]+)"', page.body).group(1))
    assert link.startswith("https://slack.com/oauth/v2/authorize?")
    asked = {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}
    assert asked["client_id"] == CLIENT_ID
    assert asked["scope"].split(",") == bot_scopes()  # what manifest.yml declares (tests/test_manifest.py)
    # The state travels both in the link and in a cookie on the installer's browser; Slack hands it back.
    cookie = page.headers["Set-Cookie"].split(";")[0]
    code = app.slack.approve_install(team_id, installer, asked["scope"])
    return get(app.url + "/slack/oauth_redirect?" + urlencode({"code": code, "state": asked["state"]}), cookie)


def as_workspace(app: Running, team_id: str, domain: str) -> Running:
    """The same running app, driven by signed requests from another workspace."""
    other = copy.copy(app)
    other.send = SignedSlack(app.url + "/slack/events", SIGNING_SECRET, app.slack, team_id=team_id, team_domain=domain)
    return other


@pytest.fixture
def oauth_app(slack, app_with) -> Running:
    """leadbot with a client id and secret and no bot token; two workspaces ready to add it to Slack."""
    slack.oauth_app(CLIENT_ID, CLIENT_SECRET)
    slack.add_workspace(ALPHA, "Alpha Trading", ALPHA_TOKEN)
    slack.add_workspace(BETA, "Beta Metals", BETA_TOKEN)
    slack.add_user(ZHOU, name="zhou", real_name="Zhou Min", tz="Asia/Shanghai", email="zhou@beta.example")
    return app_with(**OAUTH_ENV)


def tokens_used(app: Running) -> set[str | None]:
    app.settle()
    return {
        call.token for call in app.slack.calls() if call.path.startswith("/api/") and call.method != "oauth.v2.access"
    }


def test_two_workspaces_add_leadbot_and_each_works_with_its_own_token(oauth_app):
    app = oauth_app
    for team_id, installer in ((ALPHA, ALICE), (BETA, ZHOU)):
        done = install(app, team_id, installer)
        assert done.status == 200 and "Thank you!" in done.body, done.body
    exchanges = app.slack.calls("oauth.v2.access")
    assert [c.ok for c in exchanges] == [True, True]
    assert all(c.headers["authorization"].startswith("Basic ") for c in exchanges)  # client id and secret
    assert app.deps.installed_teams() == [ALPHA, BETA]

    alpha, beta = as_workspace(app, ALPHA, "alpha"), as_workspace(app, BETA, "beta")
    app.slack.reset_calls()
    lead(alpha, "Acme Pumps", user=ALICE)  # /lead new, then the form
    assert "Acme Pumps" in command(alpha, "list")
    assert tokens_used(app) == {ALPHA_TOKEN}

    app.slack.reset_calls()
    lead(beta, "Bolt Valves", user=ZHOU)
    listing = command(beta, "list all")
    assert "Bolt Valves" in listing and "Acme Pumps" not in listing
    assert tokens_used(app) == {BETA_TOKEN}
    assert "Bolt Valves" not in command(alpha, "list all")

    # The day after the follow-up was due, in Shanghai's working hours: each rep hears of their own lead only,
    # posted with their own workspace's token.
    app.slack.reset_calls()
    assert nudged(app, "2026-12-04T10:00+08:00") == 2
    posts = [call for call in app.slack.calls("chat.postMessage") if call.ok]
    by_dm = {app.slack.dm_channel_id(user): user for user in (ALICE, ZHOU)}
    told = {by_dm[call.response["channel"]]: (call.token, text_of(call.params)) for call in posts}
    assert told[ALICE][0] == ALPHA_TOKEN and "Acme Pumps" in told[ALICE][1] and "Bolt Valves" not in told[ALICE][1]
    assert told[ZHOU][0] == BETA_TOKEN and "Bolt Valves" in told[ZHOU][1] and "Acme Pumps" not in told[ZHOU][1]


def test_a_request_from_a_workspace_that_never_installed_is_not_served(oauth_app):
    app = oauth_app
    install(app, ALPHA, ALICE)
    stranger = as_workspace(app, "T0STRANGE", "strange")
    app.slack.reset_calls()
    assert "isn't installed in this workspace yet" in command(stranger, "list")
    app.settle()
    assert {c.method for c in app.slack.calls()} == {"response_url"}  # no Web API call, with any token


def test_a_forged_or_replayed_state_installs_nothing(oauth_app):
    app = oauth_app
    code = app.slack.approve_install(ALPHA, ALICE, "commands,chat:write")
    page = get(app.url + "/slack/oauth_redirect?" + urlencode({"code": code, "state": "made-up"}))
    assert page.status == 400 and "Something Went Wrong" in page.body and "Traceback" not in page.body
    assert app.slack.calls("oauth.v2.access") == [] and app.deps.installed_teams() == []


def test_token_rotation_refreshes_an_expiring_bot_token_for_requests_and_the_scheduler(slack, app_with):
    # Tokens that last an hour: within the two hours before expiry in which leadbot refreshes them.
    slack.oauth_app(CLIENT_ID, CLIENT_SECRET, token_rotation=True, expires_in=3600)
    slack.add_workspace(ALPHA, "Alpha Trading", ALPHA_TOKEN)
    app = app_with(**OAUTH_ENV)
    deps = app.deps
    assert install(app, ALPHA, ALICE).status == 200
    first = slack.calls("oauth.v2.access")[-1].response
    assert first["access_token"].startswith("xoxe.xoxb-1-") and first["refresh_token"].startswith("xoxe-1-")
    assert first["expires_in"] == 3600

    alpha = as_workspace(app, ALPHA, "alpha")
    slack.reset_calls()
    lead(alpha, "Acme Pumps", user=ALICE)
    refreshes = [c for c in slack.calls("oauth.v2.access") if c.params.get("grant_type") == "refresh_token"]
    assert refreshes and refreshes[0].params["refresh_token"] == first["refresh_token"]
    issued = {c.response["access_token"] for c in refreshes}
    # The form and the card went out with refreshed tokens only, and the newest is the one kept.
    assert tokens_used(app) <= issued and first["access_token"] not in issued
    assert deps.installations.store.find_bot(enterprise_id=None, team_id=ALPHA).bot_token in issued

    slack.reset_calls()
    assert nudged(app, "2026-12-04T10:00+08:00") == 1
    post = next(c for c in slack.calls("chat.postMessage") if c.ok)
    refreshed = {c.response["access_token"] for c in slack.calls("oauth.v2.access")} | issued
    assert post.token in refreshed and post.token != first["access_token"]


def test_add_to_slack_starts_with_the_client_id_secret_and_signing_secret_alone(db, slack):
    settings = make_settings(db.url, slack.base_url, **OAUTH_ENV)
    assert settings.oauth and settings.bot_token is None
    settings.require_slack()  # no SLACK_BOT_TOKEN needed
    with_token = make_settings(db.url, slack.base_url, SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET=CLIENT_SECRET)
    assert not with_token.oauth  # SLACK_BOT_TOKEN set: one workspace, exactly as before


def test_add_to_slack_settings_that_cannot_work_stop_start_up_with_one_line():
    with pytest.raises(SettingsError, match="SLACK_CLIENT_SECRET is not set"):
        Settings.from_env({"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_SIGNING_SECRET": "s"}).require_slack()
    with pytest.raises(SettingsError, match="need HTTP mode"):
        Settings.from_env({**OAUTH_ENV, "SLACK_SIGNING_SECRET": "s", "SLACK_APP_TOKEN": "xapp-1"}).require_slack()
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        Settings.from_env(OAUTH_ENV).require_slack()
    shown = Settings.from_env({**OAUTH_ENV, "SLACK_SIGNING_SECRET": "s"}).redacted()
    assert CLIENT_SECRET not in str(shown) and shown["SLACK_CLIENT_ID"] == CLIENT_ID


@pytest.fixture
def leadbot(oauth_app, monkeypatch, tmp_path, capsys):
    """`leadbot …` in this process, with Add to Slack's settings, against the test's database and fake Slack."""
    monkeypatch.chdir(tmp_path)  # no developer's .env gets read
    for name in list(os.environ):
        if name.startswith(("SLACK_", "LEADBOT_")) or name in ("DATABASE_URL", "PORT"):
            monkeypatch.delenv(name)
    env = {**OAUTH_ENV, "SLACK_API_URL": oauth_app.slack.base_url, "DATABASE_URL": oauth_app.deps.db.url}
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_export_and_import_act_for_the_workspace_named_and_ask_which_when_several(oauth_app, leadbot, tmp_path):
    app = oauth_app
    install(app, ALPHA, ALICE)
    lead(as_workspace(app, ALPHA, "alpha"), "Acme Pumps", user=ALICE)
    assert leadbot("export", "--out", str(tmp_path / "only"))[0] == 0  # one workspace: that one
    assert "Acme Pumps" in (tmp_path / "only" / "leads.csv").read_text(encoding="utf-8-sig")

    install(app, BETA, ZHOU)
    lead(as_workspace(app, BETA, "beta"), "Bolt Valves", user=ZHOU)
    code, _out, err = leadbot("export", "--out", str(tmp_path / "which"))
    assert code == 2 and "installed in 2 workspaces" in err and ALPHA in err and BETA in err
    assert "Traceback" not in err and not (tmp_path / "which").exists()
    code, _out, err = leadbot("export", "--team", "T0NOBODY1", "--out", str(tmp_path / "nobody"))
    assert code == 2 and "not installed in workspace T0NOBODY1" in err

    assert leadbot("export", "--team", BETA, "--out", str(tmp_path / "beta"))[0] == 0
    exported = (tmp_path / "beta" / "leads.csv").read_text(encoding="utf-8-sig")
    assert "Bolt Valves" in exported and "Acme Pumps" not in exported

    # Owners named by email are looked up in that workspace, with its token.
    rows = (
        "company,contact,source,asked_for,owner,created_on\n"
        "Zeta Gears,Ms Li,website,gears,zhou@beta.example,2026-11-20\n"
    )
    (tmp_path / "in.csv").write_text(rows, encoding="utf-8")
    app.slack.reset_calls()
    assert leadbot("import-leads", "--team", BETA, str(tmp_path / "in.csv"))[0] == 0
    lookups = app.slack.calls("users.lookupByEmail")
    assert lookups and {c.token for c in lookups} == {BETA_TOKEN}
    assert "Zeta Gears" in command(as_workspace(app, BETA, "beta"), "list all", user=ZHOU)
    assert "Zeta Gears" not in command(as_workspace(app, ALPHA, "alpha"), "list all")


def test_the_mailbox_reports_to_the_one_workspace_or_the_one_named(oauth_app, db, slack, clock):
    app = oauth_app
    install(app, ALPHA, ALICE)
    assert app.deps.mail_log.team_of() == ALPHA
    install(app, BETA, ZHOU)
    with pytest.raises(LookupError, match="LEADBOT_MAIL_TEAM"):
        app.deps.mail_log.team_of()
    named = build_deps(make_settings(db.url, slack.base_url, LEADBOT_MAIL_TEAM=BETA, **OAUTH_ENV), clock=clock, db=db)
    assert named.mail_log.team_of() == BETA


@pytest.mark.slow
def test_leadbot_serve_starts_with_the_client_id_secret_and_signing_secret_alone(tmp_path, slack):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LEADBOT_", "DATABASE_URL", "PORT"))}
    env.update(
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.base_url,
        PORT=str(port),
        LEADBOT_HOST="127.0.0.1",
        LEADBOT_WEB_WORKERS="1",
    )
    leadbot = str(Path(sys.executable).parent / "leadbot")
    process = subprocess.Popen(
        [leadbot, "serve", "--no-scheduler"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline, page = time.monotonic() + 30, None
        while time.monotonic() < deadline and page is None:
            try:
                page = get(f"http://127.0.0.1:{port}/slack/install")
            except OSError:
                time.sleep(0.2)
        assert page is not None and page.status == 200 and "Add to Slack" in page.body
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
    assert "/slack/install" in output and "Traceback" not in output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_fake_slack_answers_oauth_v2_access_as_slack_does(slack):
    slack.oauth_app(CLIENT_ID, CLIENT_SECRET)
    slack.add_workspace(ALPHA, "Alpha Trading", ALPHA_TOKEN)
    client = WebClient(base_url=slack.base_url)
    code = slack.approve_install(ALPHA, ALICE, "commands,chat:write", redirect_uri="https://leadbot.example/r")

    def error(**params) -> str:
        with pytest.raises(SlackApiError) as raised:
            client.oauth_v2_access(**params)
        return raised.value.response["error"]

    assert error(client_id="nobody", client_secret=CLIENT_SECRET, code=code) == "invalid_client_id"
    assert error(client_id=CLIENT_ID, client_secret="wrong", code=code) == "bad_client_secret"
    assert error(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code, redirect_uri="https://x") == (
        "bad_redirect_uri"
    )
    code = slack.approve_install(ALPHA, ALICE, "commands,chat:write")
    answer = client.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code).data
    assert answer == {
        "ok": True,
        "app_id": slack.app_id,
        "authed_user": {"id": ALICE},
        "scope": "commands,chat:write",
        "token_type": "bot",
        "access_token": ALPHA_TOKEN,
        "bot_user_id": answer["bot_user_id"],
        "team": {"id": ALPHA, "name": "Alpha Trading"},
        "enterprise": None,
        "is_enterprise_install": False,
    }
    assert error(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code) == "invalid_code"  # used once only
    assert WebClient(token=ALPHA_TOKEN, base_url=slack.base_url).auth_test()["team_id"] == ALPHA
    assert slack.calls("auth.test")[-1].token == ALPHA_TOKEN


def test_events_from_each_workspace_are_answered_with_its_token_and_its_leads(oauth_app):
    app = oauth_app
    install(app, ALPHA, ALICE)
    install(app, BETA, ZHOU)
    alpha, beta = as_workspace(app, ALPHA, "alpha"), as_workspace(app, BETA, "beta")
    lead(alpha, "Acme Pumps", user=ALICE)
    app.slack.reset_calls()
    beta.send.app_home_opened(ZHOU)  # an Events API event, delivered for the second workspace
    published = app.slack.wait_for("views.publish")[-1]
    assert published.token == BETA_TOKEN and "Acme Pumps" not in text_of(published.params["view"])
    alpha.send.app_home_opened(ALICE)
    published = app.slack.wait_for("views.publish", count=2)[-1]
    assert published.token == ALPHA_TOKEN and "Acme Pumps" in text_of(published.params["view"])
    assert tokens_used(app) == {ALPHA_TOKEN, BETA_TOKEN}


def test_leadbot_tick_posts_to_each_installed_workspace_with_its_token(oauth_app, leadbot):
    app = oauth_app
    install(app, ALPHA, ALICE)
    install(app, BETA, ZHOU)
    lead(as_workspace(app, ALPHA, "alpha"), "Acme Pumps", user=ALICE)
    lead(as_workspace(app, BETA, "beta"), "Bolt Valves", user=ZHOU)
    app.slack.reset_calls()
    code, out, err = leadbot("tick", "--at", "2026-12-04T10:00+08:00")
    assert code == 0, err
    posts = [c for c in app.slack.calls("chat.postMessage") if c.ok and "Time to follow up" in text_of(c.params)]
    by_dm = {app.slack.dm_channel_id(user): user for user in (ALICE, ZHOU)}
    assert {(by_dm[c.response["channel"]], c.token) for c in posts} == {(ALICE, ALPHA_TOKEN), (ZHOU, BETA_TOKEN)}


def test_one_bot_token_works_although_env_names_an_oauth_client_as_a_copied_env_example_does(
    db, slack, clock, monkeypatch
):
    """Bolt turns on file-based OAuth of its own when SLACK_CLIENT_ID/SECRET are in the environment, even empty,
    and then ignores the bot token; leadbot with SLACK_BOT_TOKEN must answer as always."""
    monkeypatch.setenv("SLACK_CLIENT_ID", "")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "")
    deps = build_deps(make_settings(db.url, slack.base_url), clock=clock, db=db)
    running = start_app(deps, slack)
    try:
        assert "/lead new" in command(running, "help")  # the help, not "leadbot is not installed in this workspace"
        assert os.environ["SLACK_CLIENT_ID"] == ""  # the environment is as it was
    finally:
        running.stop()
