"""The HTTP face: Slack's requests at /slack/events and a health check, on a threaded WSGI server."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.clock import SystemClock
from bot.services.scheduler_runs import SchedulerRuns
from bot.store.database import Database

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000  # Slack's payloads are far smaller; refuse anything bigger early.
# The server itself drops bodies beyond this without reading them (or logging): a guard for memory only.
SERVER_BODY_LIMIT = 8 * MAX_BODY_BYTES
SCHEDULER_STALE_AFTER = timedelta(seconds=300)  # LEADBOT_SCHEDULER_STALE_SECONDS's default


def wsgi_app(bolt_app: App, db: Database, *, scheduler_stale_after: timedelta = SCHEDULER_STALE_AFTER):
    """Slack's requests at /slack/events; /healthz (database and scheduler) and /healthz/web (database only)."""
    slack = SlackRequestHandler(bolt_app, path="/slack/events")
    runs = SchedulerRuns(db)

    def application(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz":
            return _health(db, start_response, runs, scheduler_stale_after)
        if environ.get("PATH_INFO") == "/healthz/web":
            return _health(db, start_response)
        if environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            if length > MAX_BODY_BYTES:
                logger.warning("refused a %d-byte request to %s: too large", length, environ.get("PATH_INFO"))
                return _answer(start_response, "413 Payload Too Large", {"ok": False, "error": "too_large"})
            body = environ["wsgi.input"].read(length)
            problem = _unreadable(body, environ.get("CONTENT_TYPE") or "")
            if problem:
                # Bolt would raise on these and answer 500; nothing Slack sends looks like this.
                logger.warning("refused a %d-byte request to %s: %s", len(body), environ.get("PATH_INFO"), problem)
                return _answer(start_response, "400 Bad Request", {"ok": False, "error": problem})
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        return slack(environ, start_response)

    return application


def _unreadable(body: bytes, content_type: str) -> str | None:
    """Why Bolt could not parse this body (JSON, or a form with a JSON-object `payload`) as an error code; None if
    it can."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "not_utf8"
    try:
        if content_type.startswith("application/json") or text.startswith("{"):
            return None if isinstance(json.loads(text), dict) else "not_a_json_object"
        payload = parse_qs(text).get("payload")
        if payload and not isinstance(json.loads(payload[0]), dict):
            return "payload_not_a_json_object"
    except ValueError:
        return "invalid_json"
    return None


def _health(db: Database, start_response, runs: SchedulerRuns | None = None, stale_after: timedelta | None = None):
    """200 when the database answers (and, with `runs`, a scheduler finished a run within `stale_after`)."""
    body: dict = {"ok": True, "database": "reachable"}
    try:
        db.ping()
        if runs is not None and stale_after is not None:
            body["scheduler"] = _scheduler_health(runs, stale_after)
            body["ok"] = body["scheduler"]["fresh"]
    except Exception as error:
        # The exception's text may carry the database URL; the log gets only its kind.
        logger.warning("health check: database unreachable (%s)", type(error).__name__)
        body = {"ok": False, "database": "unreachable"}
    return _answer(start_response, "200 OK" if body["ok"] else "503 Service Unavailable", body)


def _scheduler_health(runs: SchedulerRuns, stale_after: timedelta) -> dict:
    now = SystemClock().now()
    last = runs.last()
    age = None if last is None else max(0, round((now - last).total_seconds()))
    return {
        "last_run_seconds_ago": age,
        "stale_after_seconds": int(stale_after.total_seconds()),
        "fresh": age is not None and age <= stale_after.total_seconds(),
        "schedulers_running": runs.active_since(now - stale_after),
    }


def _answer(start_response, status: str, body: dict):
    payload = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def make_server(application, host: str, port: int, threads: int, **adjustments):
    """A waitress server (production-grade, threaded); `.run()` serves, `.close()` stops."""
    from waitress.server import create_server

    return create_server(
        application, host=host, port=port, threads=threads, max_request_body_size=SERVER_BODY_LIMIT, **adjustments
    )
