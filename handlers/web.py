"""The HTTP face as one WSGI application: Slack's requests at /slack/events, the health checks, the metrics
and the HTTP API."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import asdict
from typing import Callable
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.services.health import Health, HealthReport

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000  # Slack's payloads are far smaller; refuse anything bigger early.
# The server itself drops bodies beyond this without reading them (or logging): a guard for memory only.
SERVER_BODY_LIMIT = 8 * MAX_BODY_BYTES


# The body of GET /metrics and its content type (handlers/metrics.py).
Metrics = Callable[[], tuple[str, bytes]]


def wsgi_app(bolt_app: App, health: Health, metrics: Metrics | None = None, api=None):
    """Slack's requests at /slack/events; /healthz (database and scheduler), /healthz/web (database only), /metrics;
    the HTTP API (`api`, a WSGI app) at /api/."""
    slack = SlackRequestHandler(bolt_app, path="/slack/events")

    def application(environ, start_response):
        answered = _operations(environ, start_response, health, metrics)
        if answered is not None:
            return answered
        if api is not None and (environ.get("PATH_INFO") or "").startswith("/api/"):
            return api(environ, start_response)  # it checks the token before it reads any body
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


def operations_app(health: Health, metrics: Metrics | None = None):
    """Only /healthz, /healthz/web and /metrics: what Socket Mode serves on PORT, where Slack's requests come over
    the websocket (and are not signed: /slack/events must not be served)."""

    def application(environ, start_response):
        answered = _operations(environ, start_response, health, metrics)
        if answered is not None:
            return answered
        return _answer(start_response, "404 Not Found", {"ok": False, "error": "not_found"})

    return application


def _operations(environ, start_response, health: Health, metrics: Metrics | None):
    """The answer to a health check or a scrape; None for any other path."""
    path = environ.get("PATH_INFO")
    if path == "/healthz":
        return _health(start_response, health.full())
    if path == "/healthz/web":
        return _health(start_response, health.web())
    if path == "/metrics" and metrics is not None:
        content_type, payload = metrics()
        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(payload)))])
        return [payload]
    return None


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
        if "payload" not in text:
            # Bolt reads a form's `payload` only when the word is in the body (slack_bolt.request.internals
            # .parse_body): without it there is nothing to check, and parsing the form twice cost a command
            # about a twentieth of its CPU.
            return None
        payload = parse_qs(text).get("payload")
        if payload and not isinstance(json.loads(payload[0]), dict):
            return "payload_not_a_json_object"
    except ValueError:
        return "invalid_json"
    return None


def _health(start_response, report: HealthReport):
    """200 when healthy, else 503; the body says which part failed."""
    body: dict = {"ok": report.ok, "database": "reachable" if report.database_reachable else "unreachable"}
    if report.scheduler is not None:
        body["scheduler"] = asdict(report.scheduler)
    if report.mail is not None:
        # Shown, never judged: a mailbox that cannot be read stops no nudge, so it is no reason for a 503.
        body["mail"] = {
            "status": report.mail.status,
            "since": _iso(report.mail.since),
            "last_read": _iso(report.mail.last_ok_at),
            "error": report.mail.error,
        }
    return _answer(start_response, "200 OK" if report.ok else "503 Service Unavailable", body)


def _iso(moment) -> str | None:
    return None if moment is None else moment.isoformat()


def _answer(start_response, status: str, body: dict):
    payload = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]
