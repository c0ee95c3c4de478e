"""The HTTP face: Slack's requests at /slack/events and a health check, on a threaded WSGI server."""

from __future__ import annotations

import io
import json
import logging
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.db import Database

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000  # Slack's payloads are far smaller; refuse anything bigger early.


def wsgi_app(bolt_app: App, db: Database):
    slack = SlackRequestHandler(bolt_app, path="/slack/events")

    def application(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz":
            return _health(db, start_response)
        if environ.get("REQUEST_METHOD") == "POST":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            problem = _unreadable(body, environ.get("CONTENT_TYPE") or "")
            if problem:
                # Bolt would raise on these and answer 500; nothing Slack sends looks like this.
                logger.warning("refused a %d-byte request to %s: %s", len(body), environ.get("PATH_INFO"), problem)
                return _answer(start_response, "400 Bad Request", {"ok": False, "error": problem})
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        return slack(environ, start_response)

    return application


def _unreadable(body: bytes, content_type: str) -> str | None:
    """Why Bolt could not parse this body (JSON, or a form with a JSON-object `payload`) as an error code; None if it can."""
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


def _health(db: Database, start_response):
    try:
        db.ping()
        status, body = "200 OK", {"ok": True, "database": "reachable"}
    except Exception:
        logger.warning("health check: database unreachable", exc_info=True)
        status, body = "503 Service Unavailable", {"ok": False, "database": "unreachable"}
    return _answer(start_response, status, body)


def _answer(start_response, status: str, body: dict):
    payload = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def make_server(application, host: str, port: int, threads: int, **adjustments):
    """A waitress server (production-grade, threaded); `.run()` serves, `.close()` stops."""
    from waitress.server import create_server

    return create_server(
        application, host=host, port=port, threads=threads, max_request_body_size=MAX_BODY_BYTES, **adjustments
    )
