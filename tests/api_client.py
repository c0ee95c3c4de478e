"""Calling the running app's HTTP API as an integration would: real HTTP on loopback, JSON in and out."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from tests.conftest import Running


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self):
        return json.loads(self.raw)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def api(
    app: Running,
    method: str,
    path: str,
    token: str | None = None,
    body=None,
    *,
    raw: bytes | None = None,
    headers: dict | None = None,
) -> Answer:
    """One request to `app` (path under /api/v1 unless it starts with /): `body` sent as JSON, or `raw` bytes."""
    url = urlsplit(app.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    payload = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    if payload is not None:
        sent.setdefault("Content-Type", "application/json")
    try:
        connection.request(method, path if path.startswith("/") else "/api/v1/" + path, body=payload, headers=sent)
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


def new_token(app: Running, team_id: str, name: str = "website") -> str:
    return app.deps.api_tokens.create(team_id, name, app.deps.clock.now())
