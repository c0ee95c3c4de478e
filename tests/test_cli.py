"""The `leadbot` command as operators run it: real processes, real ports, real signals."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sandbox.slack_requests import SignedSlack
from tests.conftest import ALICE, BOB, BOT_TOKEN, SIGNING_SECRET
from tests.support import lead, text_of

LEADBOT = str(Path(sys.executable).parent / "leadbot")
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path, **values) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LEADBOT_", "DATABASE_URL", "PORT"))}
    env.update(values)
    return env


def _start_server(tmp_path, database_url: str, slack) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = _env(
        tmp_path,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.base_url,
        DATABASE_URL=database_url,
        PORT=str(port),
        LEADBOT_HOST="127.0.0.1",
    )
    process = subprocess.Popen(
        [LEADBOT, "serve", "--no-scheduler"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            # The web worker's own check: no scheduler runs alongside it here.
            with urllib.request.urlopen(url + "/healthz/web", timeout=1) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("leadbot serve did not come up:\n" + process.stdout.read().decode())


def test_leads_survive_a_killed_server(tmp_path, database_url, slack):
    process, url = _start_server(tmp_path, database_url, slack)
    try:
        send = SignedSlack(url + "/slack/events", SIGNING_SECRET, slack)
        send.command("new", ALICE)
        call = slack.wait_for("views.open")[-1]
        view = slack.view(call.response["view"]["id"])
        reply = send.submit_view(ALICE, view, {"company": "Durable Pipes", "source": "website", "situation": "trial"})
        assert reply.status == 200 and not reply.body.strip()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    process, url = _start_server(tmp_path, database_url, slack)
    try:
        send = SignedSlack(url + "/slack/events", SIGNING_SECRET, slack)
        reply = send.command("list all", ALICE)
        assert "#1 Durable Pipes" in text_of(reply.ack_message())  # the list comes back in the ack itself
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_ctrl_c_stops_the_server_after_the_answers_already_under_way(tmp_path, database_url, slack):
    process, url = _start_server(tmp_path, database_url, slack)
    slack.latency = 0.5  # the form opens well after the ack, so Ctrl-C comes while it is still opening
    try:
        assert SignedSlack(url + "/slack/events", SIGNING_SECRET, slack).command("new", ALICE).status == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
        assert len(slack.calls("views.open")) == 1
    finally:
        process.kill()
        process.wait(timeout=10)


def test_missing_settings_stop_start_up_with_one_clear_line(tmp_path):
    result = subprocess.run(
        [LEADBOT, "serve"], cwd=tmp_path, env=_env(tmp_path), capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "leadbot: SLACK_BOT_TOKEN is not set: put the bot token (xoxb-…) in .env (see .env.example and the README)"
    ]
    assert "Traceback" not in result.stdout + result.stderr


def test_a_malformed_setting_names_the_variable(tmp_path):
    env = _env(tmp_path, LEADBOT_POTENTIAL_FACTOR="lots")
    result = subprocess.run([LEADBOT, "migrate"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "LEADBOT_POTENTIAL_FACTOR" in result.stderr and "Traceback" not in result.stderr


def test_settings_are_read_from_dot_env_in_the_working_directory(tmp_path):
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///from-dotenv.db\n")
    result = subprocess.run(
        [LEADBOT, "migrate"], cwd=tmp_path, env=_env(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-dotenv.db").exists()


def _tick(tmp_path, database_url: str, slack, at: str) -> subprocess.Popen:
    env = _env(
        tmp_path,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.base_url,
        DATABASE_URL=database_url,
    )
    return subprocess.Popen(
        [LEADBOT, "tick", "--at", at], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(process: subprocess.Popen) -> str:
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    return output


def _nudge_posts(slack) -> list:
    return [c for c in slack.calls("chat.postMessage") if c.ok and "Time to follow up" in str(c.params)]


def test_tick_at_the_same_instant_twice_sends_nothing_new(tmp_path, app, slack, database_url):
    lead(app, "Tick Co")
    first = _finish(_tick(tmp_path, database_url, slack, "2026-12-04T09:00:00+08:00"))
    second = _finish(_tick(tmp_path, database_url, slack, "2026-12-04T09:00:00+08:00"))
    assert "sent 1" in first and "claimed 0, sent 0" in second
    assert len(_nudge_posts(slack)) == 1


def test_two_tick_processes_started_together_send_each_nudge_once(tmp_path, app, slack, database_url):
    for company in ("One Co", "Two Co"):
        lead(app, company)
    lead(app, "Bob Co", user=BOB)
    # 14:00 UTC on Friday: 09:00 for Bob in New York; Alice's nudge is caught up on Monday.
    processes = [_tick(tmp_path, database_url, slack, "2026-12-04T14:00:00+00:00") for _ in range(2)]
    outputs = [_finish(p) for p in processes]
    assert len(_nudge_posts(slack)) == 1, outputs
    processes = [_tick(tmp_path, database_url, slack, "2026-12-07T01:00:00+00:00") for _ in range(3)]
    outputs = [_finish(p) for p in processes]
    posts = _nudge_posts(slack)
    assert len(posts) == 2, outputs
    assert {p.params["channel"] for p in posts} == {ALICE, BOB}


def test_tick_refuses_an_old_schema_with_one_line(tmp_path):
    env = _env(tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, DATABASE_URL="sqlite:///empty.db")
    result = subprocess.run([LEADBOT, "tick"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "leadbot migrate" in result.stderr and "Traceback" not in result.stderr


def test_tick_rejects_a_malformed_instant(tmp_path):
    result = subprocess.run(
        [LEADBOT, "tick", "--at", "next tuesday"], cwd=tmp_path, env=_env(tmp_path), capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "not an ISO 8601 time" in result.stderr


def test_workers_started_together_on_a_new_postgresql_database_migrate_it_once(tmp_path):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from bot.store.migrate import is_current
    from tests.conftest import POSTGRES_ADMIN_URL

    name = f"leadbot_migrate_{os.getpid()}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        env = _env(tmp_path, DATABASE_URL=url)
        processes = [
            subprocess.Popen([LEADBOT, "migrate"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
            for _ in range(3)
        ]
        outputs = [p.communicate(timeout=120)[0] for p in processes]
        assert [p.returncode for p in processes] == [0, 0, 0], outputs
        assert is_current(url)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
