"""Unexpected errors to Sentry when SENTRY_DSN is set: never message text, request bodies or tokens."""

from __future__ import annotations

import re

# Slack's bot, app and user tokens, webhook signing secrets, and any bearer credential in a header or a string.
_SECRET = re.compile(r"\b(?:xox[abpre]-|xapp-|whsec_)[A-Za-z0-9_\-.]+|\bBearer\s+[A-Za-z0-9_\-.=:/+]+", re.IGNORECASE)
HIDDEN = "[hidden]"
# Keys whose values are what people wrote, or credentials, wherever they appear in an event.
_PRIVATE_KEYS = {
    "text",
    "blocks",
    "attachments",
    "message",
    "messages",
    "body",
    "data",
    "payload",
    "view",
    "values",
    "cookies",
    "token",
    "bot_token",
    "app_token",
    "access_token",
    "authorization",
    "signing_secret",
    "client_secret",
    "password",
    "response_url",
    "email",
}


def scrub(event: dict, hint: dict | None = None) -> dict:
    """Sentry's `before_send`: the event without anyone's words, request bodies or credentials.

    The log message's template stays (it is ours: "unexpected error handling a %s request"), its arguments go;
    frames keep file, function and line but not their local variables; tokens are masked in whatever text is left.
    """
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        template = logentry.get("message")
        event["logentry"] = {"message": _mask(template) if isinstance(template, str) else HIDDEN}
    if "message" in event and isinstance(event["message"], str):
        event["message"] = _mask(event["message"])
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string", "env"):
            request.pop(key, None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {k: HIDDEN if _private_header(k) else _mask(str(v)) for k, v in headers.items()}
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception.get("value"), str):
            exception["value"] = _mask(exception["value"])
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    for thread in (event.get("threads") or {}).get("values") or []:
        for frame in (thread.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    for crumb in (event.get("breadcrumbs") or {}).get("values") or []:
        scrub_breadcrumb(crumb)
    for key in ("extra", "contexts", "tags"):
        if isinstance(event.get(key), dict):
            event[key] = _scrub_values(event[key])
    event.pop("user", None)
    return event


def _private_header(name: str) -> bool:
    lowered = name.lower()
    return lowered in {"authorization", "cookie", "x-slack-signature"} or "token" in lowered or "secret" in lowered


def _scrub_values(value, key: str = ""):
    if key.lower() in _PRIVATE_KEYS:
        return HIDDEN
    if isinstance(value, dict):
        return {k: _scrub_values(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_values(item) for item in value]
    if isinstance(value, str):
        return _mask(value)
    return value


def _mask(text: str) -> str:
    return _SECRET.sub(HIDDEN, text)


def start_error_reports(dsn: str, release: str | None = None) -> bool:
    """Send unexpected errors (logged ones and uncaught ones) to Sentry; False when no DSN is set."""
    if not dsn:
        return False
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        release=release,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub,
        before_breadcrumb=scrub_breadcrumb,
    )
    return True


def scrub_breadcrumb(crumb: dict, hint: dict | None = None) -> dict:
    """A log line kept as context for a later error: its template only (ours), never the values put into it."""
    record = (hint or {}).get("log_record")
    if record is not None and isinstance(record.msg, str):
        crumb["message"] = _mask(record.msg)
    elif isinstance(crumb.get("message"), str):
        crumb["message"] = _mask(crumb["message"])
    if isinstance(crumb.get("data"), dict):
        crumb["data"] = _scrub_values(crumb["data"])
    return crumb
