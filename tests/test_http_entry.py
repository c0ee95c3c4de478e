"""The HTTP entry point: only correctly signed, fresh requests from Slack get in; /healthz tells the truth."""

import json
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

from bot.container import build_deps
from handlers.app import create_app
from handlers.web import wsgi_app
from scheduler.loop import run_once
from tests.conftest import ALICE, make_settings


def test_a_signed_command_is_accepted(app):
    assert app.send.command("help", ALICE).status == 200


def test_an_unsigned_request_is_refused(app):
    assert app.send.command("list all", ALICE, sign=False).status == 401


def test_a_wrong_signature_is_refused(app):
    assert app.send.command("list all", ALICE, signature="v0=" + "0" * 64).status == 401


def test_a_request_older_than_five_minutes_is_refused(app):
    assert app.send.command("list all", ALICE, timestamp=int(time.time()) - 6 * 60).status == 401


def test_refused_requests_reach_no_listener(app):
    app.send.command("new Acme", ALICE, sign=False)
    app.settle()
    assert app.slack.calls("views.open") == [] and app.slack.calls("response_url") == []


def test_stopping_the_app_lets_work_begun_after_the_ack_finish(app):
    app.slack.latency = 0.5  # every Slack call takes a while: the form opens well after the ack
    assert app.send.command("new Acme", ALICE).status == 200
    app.stop()
    assert len(app.slack.calls("views.open")) == 1


def _health(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_health_check_reports_the_database_and_the_last_scheduler_run(app):
    status, body = _health(app.url + "/healthz")
    assert status == 503 and body["database"] == "reachable"
    assert body["scheduler"]["last_run_seconds_ago"] is None  # no scheduler has run yet
    assert _health(app.url + "/healthz/web") == (200, {"ok": True, "database": "reachable"})

    run_once(app.deps, app.deps.clock.now())
    status, body = _health(app.url + "/healthz")
    assert status == 200 and body["ok"] is True and body["database"] == "reachable"
    assert body["scheduler"]["last_run_seconds_ago"] <= 60 and body["scheduler"]["schedulers_running"] == 1


def test_health_check_fails_when_the_scheduler_stopped_running(app_with):
    app = app_with(LEADBOT_SCHEDULER_STALE_SECONDS="120")
    app.deps.scheduler_runs.finished(datetime.now(timezone.utc) - timedelta(minutes=10), runner="old-host:1")
    status, body = _health(app.url + "/healthz")
    assert status == 503 and body["ok"] is False
    assert body["scheduler"]["last_run_seconds_ago"] >= 600 and body["scheduler"]["stale_after_seconds"] == 120
    assert body["scheduler"]["schedulers_running"] == 0
    assert _health(app.url + "/healthz/web")[0] == 200  # the web worker itself is fine


def test_health_check_fails_when_the_database_is_unreachable(slack, caplog):
    # Nothing listens on port 9; the URL's password must not reach the log.
    deps = build_deps(make_settings("postgresql+psycopg://leadbot:hunter2@127.0.0.1:9/leadbot", slack.base_url))
    application = wsgi_app(create_app(deps), deps.health)
    answers: list[str] = []
    for path in ("/healthz", "/healthz/web"):
        environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET"}
        body = json.loads(b"".join(application(environ, lambda status, headers: answers.append(status))))
        assert body == {"ok": False, "database": "unreachable"}
    assert answers == ["503 Service Unavailable"] * 2
    assert "hunter2" not in caplog.text and "database unreachable" in caplog.text
    deps.db.dispose()
