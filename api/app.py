"""The API as one WSGI application under /api/v1: token, rate, size, JSON and fields checked in that order."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from http import HTTPStatus

from pydantic import ValidationError

from api.openapi import docs_page, openapi_document
from api.problems import ApiProblem, from_fields, from_validation, sentence
from api.routes import ROUTES, Call
from bot.container import Deps
from bot.errors import (
    DuplicateLead,
    FormInvalid,
    LeadbotError,
    LeadClosed,
    LeadNotFound,
    NotAllowed,
    TooFewTouches,
)
from bot.logs import SlackRequest, current_request, slack_request
from bot.services.lead_json import lead_object
from bot.text.i18n import language

logger = logging.getLogger(__name__)

PREFIX = "/api/v1"
MAX_BODY_BYTES = 1_000_000
COMPILED = tuple((route, route.pattern) for route in ROUTES)


def create_api(deps: Deps):
    """The WSGI application answering every path under /api/ (handlers/web.py sends them here)."""
    document = openapi_document()
    spec = json.dumps(document).encode()
    page = docs_page(document).encode()

    def application(environ, start_response):
        path = environ.get("PATH_INFO") or ""
        method = environ.get("REQUEST_METHOD") or "GET"
        if path == PREFIX + "/openapi.json" and method in ("GET", "HEAD"):
            return _send(start_response, 200, "application/json", spec)
        if path in (PREFIX + "/docs", PREFIX + "/docs/") and method in ("GET", "HEAD"):
            return _send(start_response, 200, "text/html; charset=utf-8", page)
        # Its log lines carry the request's ids like a Slack request's; the workspace once the token tells it.
        with slack_request(SlackRequest(kind="api")):
            return _answered(deps, environ, start_response, path, method)

    return application


def _answered(deps: Deps, environ, start_response, path: str, method: str):
    try:
        # English whatever the team speaks: integrations read these answers, not people in Slack.
        with language("en"):
            status, body = _answer(deps, environ, path, method)
        return _json(start_response, status, body)
    except ApiProblem as problem:
        return _problem(start_response, problem)
    except Exception:
        logger.exception("the API failed answering %s %s", method, path)
        return _problem(
            start_response,
            ApiProblem(
                500,
                "Something went wrong on leadbot's side; nothing was "
                "changed. Try again, and tell the admin if it keeps "
                "happening.",
            ),
        )


def _answer(deps: Deps, environ, path: str, method: str) -> tuple[int, dict]:
    route, params = _route(path, method)
    call = _authenticate(deps, environ)
    tagged = current_request()
    if tagged is not None:
        tagged.team_id = call.team_id
    call.path = params
    if route.query is not None:
        call.query = _validated(route.query, _query(environ))
    if route.body is not None:
        call.body = _validated(route.body, _body(environ))
    try:
        return route.handler(call)
    except FormInvalid as error:
        raise from_fields(error.fields) from None
    except DuplicateLead as error:
        existing = error.existing
        raise ApiProblem(409, sentence(error), lead=lead_object(existing, existing.source_link)) from None
    except LeadNotFound:
        raise ApiProblem(404, f"This workspace has no lead #{params.get('number')}.") from None
    except LeadClosed as error:
        raise ApiProblem(409, sentence(error)) from None
    except NotAllowed as error:
        raise ApiProblem(422, sentence(error), [{"field": "by", "detail": sentence(error)}]) from None
    except TooFewTouches as error:
        raise ApiProblem(422, sentence(error), [{"field": "reason", "detail": sentence(error)}]) from None
    except LeadbotError as error:
        # A rule the services hold ("only wanted a proposal" too early, a date in the past…), said as in Slack.
        raise ApiProblem(422, sentence(error)) from None


def _route(path: str, method: str):
    """The route for the path and method, with the path's parameters; 404 for an unknown path, 405 for a known
    path asked with another method."""
    local = path[len(PREFIX) :] if path.startswith(PREFIX + "/") else None
    allowed = []
    for route, pattern in COMPILED if local is not None else ():
        match = pattern.match(local)
        if match:
            if route.method == method:
                return route, match.groupdict()
            allowed.append(route.method)
    if allowed:
        raise ApiProblem(
            405, f"{path} answers {', '.join(allowed)}, not {method}.", headers={"Allow": ", ".join(allowed)}
        )
    raise ApiProblem(404, f"There is no {path}: see {PREFIX}/docs for what there is.")


def _authenticate(deps: Deps, environ) -> Call:
    """The caller, from `Authorization: Bearer <token>`: checked before anything of the request is read."""
    scheme, _, token = (environ.get("HTTP_AUTHORIZATION") or "").partition(" ")
    now = deps.clock.now()
    caller = None
    if scheme.lower() == "bearer" and token.strip():
        caller = deps.api_tokens.authenticate(token.strip(), deps.settings.api_rate, now)
    if caller is None:
        raise ApiProblem(
            401,
            "Send a working API token as `Authorization: Bearer <token>` (leadbot api-token create makes one).",
            headers={"WWW-Authenticate": 'Bearer realm="leadbot"'},
        )
    if caller.retry_after is not None:
        raise ApiProblem(
            429,
            f"This token made more than {deps.settings.api_rate} requests this minute; try again "
            f"in {caller.retry_after} s.",
            headers={"Retry-After": str(caller.retry_after)},
        )
    return Call(deps, caller.team_id, caller.name, now)


def _body(environ) -> dict:
    """The request's JSON object: 413 past 1 MB (read no further), 400 when it is not JSON."""
    given = environ.get("CONTENT_LENGTH")
    try:
        length = int(given) if given else None
    except ValueError:
        raise ApiProblem(400, "Content-Length is not a number.") from None
    if length is not None and length > MAX_BODY_BYTES:
        raise ApiProblem(413, f"The body is {length} bytes; at most {MAX_BODY_BYTES} are accepted.")
    # Without a length (chunked), read one byte past the limit to know whether the body is over it.
    raw = environ["wsgi.input"].read(MAX_BODY_BYTES + 1 if length is None else length) if length != 0 else b""
    if len(raw) > MAX_BODY_BYTES:
        raise ApiProblem(413, f"The body is over {MAX_BODY_BYTES} bytes; at most {MAX_BODY_BYTES} are accepted.")
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as error:
        raise ApiProblem(
            400, f"The body is not readable JSON ({_why(error)}).", [{"field": "(body)", "detail": _why(error)}]
        ) from None
    if not isinstance(data, dict):
        raise ApiProblem(
            400,
            'The body must be a JSON object, like {"company": "…"}.',
            [{"field": "(body)", "detail": "not a JSON object"}],
        )
    return data


def _why(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return f"not UTF-8 at byte {error.start}"
    return str(error)


def _query(environ) -> dict:
    from urllib.parse import parse_qsl

    pairs = parse_qsl(environ.get("QUERY_STRING") or "", keep_blank_values=False)
    return dict(pairs)


def _validated(model, data: dict):
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise from_validation(error) from None


def _json(start_response, status: int, body: dict):
    return _send(start_response, status, "application/json", json.dumps(body).encode())


def _problem(start_response, problem: ApiProblem):
    payload = json.dumps(problem.document()).encode()
    return _send(start_response, problem.status, "application/problem+json", payload, problem.headers)


def _send(start_response, status: int, content_type: str, payload: bytes, headers: dict | None = None):
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [("Content-Type", content_type), ("Content-Length", str(len(payload))), *(headers or {}).items()],
    )
    return [payload]
