"""One signed POST of an event to a webhook endpoint (Standard Webhooks), and what its answer means."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from standardwebhooks import Webhook

# An endpoint that has not answered by then is taken as down for this attempt (and it is tried again).
TIMEOUT_SECONDS = 10
ANSWER_MAX = 300  # of the receiver's answer, kept for `leadbot webhook test` to show

DELIVERED, RETRY, GIVE_UP = "delivered", "retry", "give_up"


@dataclass(frozen=True)
class Answer:
    outcome: str  # DELIVERED, RETRY (timeouts, 408, 429, 5xx, no connection) or GIVE_UP (other answers)
    status: int | None  # the HTTP status; None when no answer came
    error: str  # short, for the ledger and the endpoint's state: "HTTP 503", "timed out", "connection refused"
    retry_after: int | None = None  # seconds the receiver asked us to wait (429, 503)
    text: str = ""  # the start of the answer's body


def body_of(envelope: dict) -> str:
    """The exact text that is signed and sent: the same for every attempt of one message."""
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def signed_headers(secret: str, message_id: str, body: str, sent_at: datetime | None = None) -> dict[str, str]:
    """`webhook-id` (the same on every retry), `webhook-timestamp`, `webhook-signature`, as the spec names them.

    The timestamp is the attempt's real time, whatever clock decided the attempt: receivers compare it with their own
    clock to refuse replays.
    """
    sent_at = sent_at or datetime.now(timezone.utc)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, sent_at, body),
        "content-type": "application/json",
        "user-agent": "leadbot-webhooks",
    }


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer like any other: the event is not re-sent (perhaps unsigned) somewhere else."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects())


def post_event(url: str, secret: str, message_id: str, body: str, timeout: float = TIMEOUT_SECONDS) -> Answer:
    """POST one signed event; never raises for anything the network or the receiver does."""
    request = urllib.request.Request(
        url, data=body.encode("utf-8"), headers=signed_headers(secret, message_id, body), method="POST"
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return Answer(DELIVERED, response.status, "", text=_read(response))
    except urllib.error.HTTPError as error:
        return _judge(error.code, error.headers.get("Retry-After"), _read(error))
    except (TimeoutError, socket.timeout):
        return Answer(RETRY, None, "timed out")
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return Answer(RETRY, None, "timed out")
        text = reason.strerror if isinstance(reason, OSError) and reason.strerror else str(reason)
        return Answer(RETRY, None, text[:64])
    except (OSError, ValueError) as error:  # a connection cut mid-answer, an answer that is not HTTP
        return Answer(RETRY, None, (str(error) or type(error).__name__)[:64])


def _judge(status: int, retry_after: str | None, text: str) -> Answer:
    """Timeouts, 408, 429 and 5xx are tried again; any other answer would be the same next time."""
    error = f"HTTP {status}"
    if status in (408, 429) or status >= 500:
        return Answer(RETRY, status, error, _seconds(retry_after), text)
    return Answer(GIVE_UP, status, error, text=text)


def _seconds(header: str | None) -> int | None:
    """Retry-After as seconds: a number of them, or an HTTP date."""
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return int(header)
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0, int((when - datetime.now(timezone.utc)).total_seconds()))


def _read(response) -> str:
    try:
        return response.read(ANSWER_MAX).decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""
