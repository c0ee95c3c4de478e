"""What leadbot does, seen: JSON log lines with the request's ids, /metrics, health in Socket Mode, Sentry's scrub."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.error_reports import scrub
from handlers.server import start_operations
from sandbox.slack_requests import SignedSlack
from sandbox.socket_mode import FakeSocketMode
from scheduler.loop import run_once
from tests.conftest import ALICE, BOB, BOT_TOKEN, GENERAL, SIGNING_SECRET, TEAM
from tests.support import capture, lead, tick
from tests.test_cli import LEADBOT, _env, _free_port
from tests.test_serve_workers import Serve, answered_by_every_worker


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    """Every sample of GET /metrics, by name and labels; the text must parse as Prometheus's format."""
    with urllib.request.urlopen(url + "/metrics", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def requests_counted(samples: dict, **labels: str) -> float:
    return samples.get(("leadbot_slack_requests_total", tuple(sorted(labels.items()))), 0.0)


def acks_counted(samples: dict, kind: str) -> float:
    return samples.get(("leadbot_ack_seconds_count", (("kind", kind),)), 0.0)


# -- /metrics in one process -------------------------------------------------------------------------------------


def test_metrics_count_commands_by_outcome_and_their_acks(app):
    before = scrape(app.url)
    assert app.send.command("list", ALICE).status == 200  # answered in the ack
    assert app.send.command("won 999", ALICE).status == 200  # no such lead: refused, in words
    app.settle()
    after = scrape(app.url)
    command = {"kind": "command", "name": "/lead"}
    assert requests_counted(after, **command, outcome="ok") == requests_counted(before, **command, outcome="ok") + 1
    assert requests_counted(after, **command, outcome="refused") == (
        requests_counted(before, **command, outcome="refused") + 1
    )
    assert acks_counted(after, "command") == acks_counted(before, "command") + 2


def _by_kind(samples: dict, kind: str, outcome: str) -> float:
    return sum(
        value
        for (name, labels), value in samples.items()
        if name == "leadbot_slack_requests_total" and ("kind", kind) in labels and ("outcome", outcome) in labels
    )


def test_metrics_count_forms_and_events_once_the_work_after_their_ack_is_done(app):
    before = scrape(app.url)
    assert capture(app, "Acme Oilfield").status == 200
    app.send.app_home_opened(ALICE)
    app.settle()
    after = scrape(app.url)
    assert _by_kind(after, "view", "ok") == _by_kind(before, "view", "ok") + 1
    event = {"kind": "event", "name": "app_home_opened", "outcome": "ok"}
    assert requests_counted(after, **event) == requests_counted(before, **event) + 1


def test_metrics_show_scheduled_messages_by_kind_and_the_last_scheduler_run(app):
    samples = scrape(app.url)
    assert samples[("leadbot_database_up", ())] == 1
    assert not [key for key in samples if key[0] == "leadbot_scheduler_last_run_age_seconds"]  # none ran yet

    lead(app, "Acme Oilfield")
    report = tick(app, "2026-12-04T09:30+08:00")  # Alice's follow-up is due: her digest goes out
    run_once(app.deps, app.deps.clock.now())
    samples = scrape(app.url)
    in_ledger = app.deps.ledger.counts()
    assert ("digest", "sent") in in_ledger, report
    for (kind, status), count in in_ledger.items():
        assert samples[("leadbot_scheduled_messages", (("kind", kind), ("status", status)))] == count
    assert 0 <= samples[("leadbot_scheduler_last_run_age_seconds", ())] < 60


def test_metrics_show_whether_the_sales_mailbox_is_failing(app_with):
    from bot.services.mailbox_state import MailboxStates

    app = app_with(LEADBOT_MAIL_URL="imaps://sales-log%40ourco.com:secret@127.0.0.1:993/INBOX")
    mailbox = app.deps.settings.mail_url.name
    states = MailboxStates(app.deps.db)
    now = datetime.now(timezone.utc)
    states.read_ok(TEAM, mailbox, now - timedelta(minutes=10))
    samples = scrape(app.url)
    assert samples[("leadbot_mail_failing", ())] == 0
    assert 590 <= samples[("leadbot_mail_last_read_age_seconds", ())] < 700

    states.read_failed(TEAM, mailbox, "login failed", now)
    samples = scrape(app.url)
    assert samples[("leadbot_mail_failing", ())] == 1


# -- /metrics under `serve --workers 2` ---------------------------------------------------------------------------


def _stale_counts_of_an_earlier_run(directory) -> None:
    """A counts file as a killed earlier `serve` leaves it: 1000 commands that must not be added to this run's."""
    from prometheus_client.mmap_dict import MmapedDict, mmap_key

    directory.mkdir()
    old = MmapedDict(str(directory / "counter_999999.db"))
    key = mmap_key(
        "leadbot_slack_requests",
        "leadbot_slack_requests_total",
        ["kind", "name", "outcome"],
        ["command", "/lead", "ok"],
        "",
    )
    old.write_value(key, 1000.0, 0.0)
    old.close()


def test_metrics_add_up_every_worker_of_serve(tmp_path, database_url, slack):
    directory = tmp_path / "metrics"
    _stale_counts_of_an_earlier_run(directory)
    server = Serve(
        tmp_path, database_url, slack, "--workers", "2", "--no-scheduler", PROMETHEUS_MULTIPROC_DIR=str(directory)
    )
    try:
        workers = server.workers()
        connections = answered_by_every_worker(server.port, workers, slack)

        # Whichever worker answers the scrape, it counts every worker's commands, and none of the earlier run's.
        for _ in range(4):
            samples = scrape(f"http://127.0.0.1:{server.port}")
            assert requests_counted(samples, kind="command", name="/lead", outcome="ok") == len(connections)
            assert acks_counted(samples, "command") == len(connections)
    finally:
        for connection in connections:
            connection.close()
        server.stop()


# -- JSON logs ------------------------------------------------------------------------------------------------------


def test_json_log_lines_parse_and_carry_the_workspace_user_command_event_and_request_ids(tmp_path, database_url, slack):
    server = Serve(
        tmp_path,
        database_url,
        slack,
        "--workers",
        "1",
        "--no-scheduler",
        LEADBOT_WEB_WORKERS="1",
        LEADBOT_LOG_FORMAT="json",
        LEADBOT_LOG_LEVEL="DEBUG",
    )
    try:
        send = SignedSlack(f"http://127.0.0.1:{server.port}/slack/events", SIGNING_SECRET, slack)
        send.command("new Acme Oilfield", ALICE, headers={"X-Request-Id": "proxy-req-0001"})
        slack.wait_for("views.open")  # the form opens in a listener thread, after the ack
        home = send.app_home_opened(BOB)
        slack.wait_for("views.publish")
        time.sleep(0.5)
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=45) == 0
    finally:
        output = server.output()
        server.stop()

    lines = [line for line in output.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line, gunicorn's and the libraries' too
    assert all({"time", "level", "logger", "message"} <= set(record) for record in records)
    command_lines = [r for r in records if r.get("request_id") == "proxy-req-0001"]
    assert command_lines, output
    # Bolt's own checks (the signature) log before the ids are read from the request; every line after carries them.
    tagged = [r for r in command_lines if "team_id" in r]
    assert {(r["team_id"], r["user_id"], r["command"]) for r in tagged} == {(TEAM, ALICE, "/lead")}, command_lines
    command_lines = tagged
    # A line written in the listener thread that opened the form carries the request's ids too.
    assert [r for r in command_lines if "views.open" in r["message"]], command_lines
    event_lines = [r for r in records if r.get("event_id") == home.sent["event_id"]]
    assert event_lines and {r["event_type"] for r in event_lines} == {"app_home_opened"}
    assert {r["user_id"] for r in event_lines} == {BOB} and len({r["request_id"] for r in event_lines}) == 1
    assert [r for r in event_lines if "views.publish" in r["message"]], event_lines
    assert BOT_TOKEN not in output


# -- Socket Mode's HTTP face ------------------------------------------------------------------------------------


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_socket_mode_answers_health_checks_and_metrics_but_not_slack_requests(app):
    operations = start_operations(app.deps, "127.0.0.1", 0, asyncore_loop_timeout=0.05).start_in_thread()
    try:
        status, body = _get(operations.url + "/healthz/web")
        assert status == 200 and json.loads(body) == {"ok": True, "database": "reachable"}
        assert _get(operations.url + "/healthz")[0] == 503  # no scheduler has run yet
        run_once(app.deps, app.deps.clock.now())
        status, body = _get(operations.url + "/healthz")
        assert status == 200 and json.loads(body)["scheduler"]["fresh"] is True
        status, body = _get(operations.url + "/metrics")
        assert status == 200 and "leadbot_scheduler_last_run_age_seconds" in body.decode()
        # Requests from Slack come over the websocket; this port takes none (they would not be signature-checked).
        answer = SignedSlack(operations.url + "/slack/events", SIGNING_SECRET, app.slack).command("help", ALICE)
        assert answer.status == 404
    finally:
        operations.stop()


APP_TOKEN = "xapp-1-A0001-1-test"


def test_serve_in_socket_mode_answers_health_checks_and_metrics_on_port(tmp_path, database_url, slack):
    socket_mode = FakeSocketMode(app_id=slack.app_id)
    slack.app_token, slack.socket_mode = APP_TOKEN, socket_mode
    port = _free_port()
    log = open(tmp_path / "serve.log", "w+b")
    env = _env(
        tmp_path,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=slack.base_url,
        DATABASE_URL=database_url,
        PORT=str(port),
        LEADBOT_HOST="127.0.0.1",
        LEADBOT_LOG_FORMAT="json",
        LEADBOT_LOG_LEVEL="DEBUG",
        LEADBOT_TICK_SECONDS="1",
    )
    process = subprocess.Popen([LEADBOT, "serve"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while _get_or_none(url + "/healthz/web") != 200:
            assert process.poll() is None and time.monotonic() < deadline, _read(log)
            time.sleep(0.2)
        socket_mode.wait_connected()

        # A command over the websocket is answered in its ack, and counted.
        envelope = socket_mode.send(
            "slash_commands",
            {
                "token": "legacy",
                "team_id": TEAM,
                "team_domain": "acme",
                "channel_id": GENERAL,
                "channel_name": "general",
                "user_id": ALICE,
                "user_name": "alice",
                "command": "/lead",
                "text": "help",
                "api_app_id": slack.app_id,
                "response_url": slack.response_url(channel_id=GENERAL, user_id=ALICE),
                "trigger_id": "1.2.x",
            },
        )
        assert "/lead list" in json.dumps(socket_mode.ack(envelope)["payload"])
        samples = scrape(url)
        assert requests_counted(samples, kind="command", name="/lead", outcome="ok") == 1
        assert ("process_cpu_seconds_total", ()) in samples  # one process: its own figures too

        # The in-process scheduler runs: /healthz turns green.
        while _get_or_none(url + "/healthz") != 200:
            assert time.monotonic() < deadline, _read(log)
            time.sleep(0.2)
        # Slack's requests come over the websocket only: this port takes none (they would not be signature-checked).
        assert SignedSlack(url + "/slack/events", SIGNING_SECRET, slack).command("help", ALICE).status == 404
    finally:
        process.kill()
        process.wait(timeout=10)
        socket_mode.stop()
    records = [json.loads(line) for line in _read(log).splitlines() if line.strip()]
    assert [r for r in records if (r.get("team_id"), r.get("user_id"), r.get("command")) == (TEAM, ALICE, "/lead")]


def _get_or_none(url: str) -> int | None:
    try:
        return _get(url)[0]
    except OSError:
        return None


def _read(log) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")


# -- Sentry ---------------------------------------------------------------------------------------------------------


def test_error_reports_carry_no_message_text_request_body_or_token():
    event = {
        "logentry": {
            "message": "unexpected error handling a %s request",
            "params": ["Acme wants 2,000 t of coating, call Li Ming"],
            "formatted": "unexpected error handling a Acme wants 2,000 t of coating, call Li Ming request",
        },
        "exception": {
            "values": [
                {
                    "type": "SlackApiError",
                    "value": "invalid_auth for xoxb-1234-5678-abcdef with Authorization: Bearer sk_live_42",
                    "stacktrace": {
                        "frames": [
                            {
                                "filename": "handlers/commands.py",
                                "lineno": 97,
                                "function": "lead_command",
                                "vars": {"body": {"text": "new Acme — secret deal"}, "token": "xoxb-9"},
                            }
                        ]
                    },
                }
            ]
        },
        "request": {
            "url": "https://leadbot.example.com/slack/events",
            "method": "POST",
            "data": "command=%2Flead&text=new+Acme+secret+deal",
            "query_string": "token=xapp-1-A0-99",
            "headers": {"Authorization": "Bearer xoxb-1", "X-Slack-Signature": "v0=abc", "User-Agent": "Slackbot"},
        },
        "breadcrumbs": {
            "values": [
                {"category": "httplib", "message": "POST https://hooks.example.com", "data": {"body": "Acme secret"}},
                {"category": "webhook", "message": "signed with whsec_abcDEF123"},
            ]
        },
        "extra": {"text": "call Li Ming", "app_token": "xapp-1-A0-99", "lead": 12},
        "user": {"id": "UALICE01", "email": "alice@example.com"},
    }
    scrubbed = json.dumps(scrub(event, {}))
    for private in ("Acme", "Li Ming", "xoxb-", "xapp-", "whsec_", "sk_live_42", "v0=abc", "alice@example.com"):
        assert private not in scrubbed, private
    assert "unexpected error handling a %s request" in scrubbed  # our own words stay: they say what failed
    assert "handlers/commands.py" in scrubbed and "lead_command" in scrubbed  # and where
    assert "invalid_auth" in scrubbed and '"lead": 12' in scrubbed


SENTRY_OPTIONS = """
import json, sys, sentry_sdk
from bot.error_reports import scrub, start_error_reports
started = start_error_reports(sys.argv[1])
options = sentry_sdk.get_client().options
print(json.dumps([started, sentry_sdk.get_client().is_active(), options["send_default_pii"],
                  options["before_send"] is scrub, options["max_request_body_size"]]))
"""


@pytest.mark.parametrize("dsn", ["", "https://public@o1.ingest.example.com/1"])
def test_sentry_starts_only_with_a_dsn_and_sends_no_personal_data(dsn):
    # In a process of its own: Sentry's integrations, once in, stay in for the process.
    said = subprocess.run([sys.executable, "-c", SENTRY_OPTIONS, dsn], capture_output=True, text=True, timeout=60)
    assert said.returncode == 0, said.stderr
    started, active, pii, scrubbed, bodies = json.loads(said.stdout)
    assert started is active is bool(dsn)
    if dsn:
        assert pii is False and scrubbed is True and bodies == "never"


@pytest.mark.parametrize("level, logged", [("INFO", False), ("DEBUG", True)])
def test_slack_sdk_logs_its_calls_at_debug_only_when_leadbot_logs_at_debug(level, logged, slack, caplog):
    """slack_sdk decides by its logger's own level whether to build a call's DEBUG lines (the whole answer), so
    configure_logging gives it LEADBOT_LOG_LEVEL; at DEBUG the lines are still there."""
    from bot.logs import LIBRARY_LOGGERS, configure_logging
    from bot.slack_out import make_web_client

    configure_logging(level, "text")
    logging.getLogger().addHandler(caplog.handler)  # configure_logging replaced the root's handlers
    assert all(logging.getLogger(name).level == getattr(logging, level) for name in LIBRARY_LOGGERS)
    with caplog.at_level(logging.DEBUG):  # what reaches the root logger's handlers, whatever the root's level
        make_web_client(BOT_TOKEN, slack.base_url).auth_test()
    sent = [r for r in caplog.records if r.name == "slack_sdk.web.base_client" and "Sending a" in r.getMessage()]
    assert bool(sent) is logged
