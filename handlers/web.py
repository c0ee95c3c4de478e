"""The HTTP face: Slack's requests at /slack/events and a health check, on a threaded WSGI server."""

from __future__ import annotations

import json
import logging

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
        return slack(environ, start_response)

    return application


def _health(db: Database, start_response):
    try:
        db.ping()
        status, body = "200 OK", {"ok": True, "database": "reachable"}
    except Exception:
        logger.warning("health check: database unreachable", exc_info=True)
        status, body = "503 Service Unavailable", {"ok": False, "database": "unreachable"}
    payload = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def make_server(application, host: str, port: int, threads: int, **adjustments):
    """A waitress server (production-grade, threaded); `.run()` serves, `.close()` stops."""
    from waitress.server import create_server

    return create_server(
        application, host=host, port=port, threads=threads, max_request_body_size=MAX_BODY_BYTES, **adjustments
    )
