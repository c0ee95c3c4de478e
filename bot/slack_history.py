"""Finding leadbot's own scheduled posts in a conversation by their metadata, before posting one again."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.client import HTTPException

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, ServerErrorRetryHandler

from bot.slack_out import slack_error
from bot.slack_transport import PooledWebClient

logger = logging.getLogger(__name__)

EVENT_TYPE = "leadbot_delivery"
# Slack gives commercially distributed apps outside the Marketplace 15 messages a call (and a call a
# minute): one page of 15 covers a DM since a lease a few minutes old; a busy channel may need a few.
PAGE = 15
MAX_PAGES = 4
# Slack stamps `ts` with its clock, the lease was taken by ours: look a little further back.
CLOCK_SKEW = timedelta(minutes=1)
# A 429 asking for at most this long is waited out in line; a longer one puts the delivery off.
SHORT_WAIT_SECONDS = 5
MISSING_SCOPE = "missing_scope"
RATELIMITED = "ratelimited"


def delivery_metadata(delivery_id: int) -> dict:
    """The metadata every scheduled post carries: which ledger row it is."""
    return {"event_type": EVENT_TYPE, "event_payload": {"id": delivery_id}}


@dataclass
class Look:
    """What one look at a conversation found: the ts of each delivery seen there since `oldest`."""

    channel: str = ""
    oldest: datetime | None = None
    found: dict[int, str] = field(default_factory=dict)
    error: str = ""  # "" when the conversation was read back to `oldest`
    needed: str = ""  # the scope Slack asked for, with missing_scope
    retry_after: int = 0  # with ratelimited

    def covers(self, since: datetime) -> bool:
        """Whether this look read back far enough to answer for a post made at `since` or later."""
        return not self.error and self.oldest is not None and self.oldest <= since - CLOCK_SKEW


def reading_client(client: WebClient) -> WebClient:
    """A sibling of `client` for history reads: retries brief outages (reads repeat safely), leaves 429s to us."""
    reader = getattr(client, "_leadbot_reader", None)
    if reader is None:
        reader = PooledWebClient(
            token=client.token, base_url=client.base_url, timeout=client.timeout,
            retry_handlers=[ServerErrorRetryHandler(max_retry_count=2), ConnectionErrorRetryHandler(max_retry_count=2)],
        )
        client._leadbot_reader = reader
    return reader


def look(client: WebClient, target: str, since: datetime, thread_ts: str | None = None) -> Look:
    """Read `target`'s messages (a thread's, with `thread_ts`) posted since `since`, for leadbot deliveries.

    A user id is a DM: its conversation id comes from conversations.open (history refuses a user id).
    """
    reader = reading_client(client)
    oldest = since - CLOCK_SKEW
    result = Look(oldest=oldest)
    try:
        result.channel = _conversation(reader, target)
        cursor = None
        for _ in range(MAX_PAGES):
            page = _page(reader, result.channel, oldest, thread_ts, cursor)
            for message in page.get("messages", []):
                delivery_id = _delivery_id(message)
                if delivery_id is not None:
                    result.found[delivery_id] = str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                return result
        result.error = "too_many_messages"
    except SlackApiError as error:
        code = slack_error(error) or f"http_{getattr(error.response, 'status_code', 0)}"
        result.error = code
        if code == MISSING_SCOPE:
            result.needed = str(error.response.get("needed", ""))
        elif code == RATELIMITED:
            result.retry_after = _retry_after(error)
    except (OSError, HTTPException) as error:
        result.error = type(error).__name__
    return result


def _conversation(reader: WebClient, target: str) -> str:
    if target[:1] in ("U", "W"):
        return str(_call(reader.conversations_open, users=target)["channel"]["id"])
    return target


def _page(reader: WebClient, channel: str, oldest: datetime, thread_ts: str | None, cursor: str | None):
    args = {"channel": channel, "oldest": f"{oldest.timestamp():.6f}", "limit": PAGE, "include_all_metadata": True}
    if cursor:
        args["cursor"] = cursor
    if thread_ts:
        return _call(reader.conversations_replies, ts=thread_ts, **args)
    return _call(reader.conversations_history, **args)


def _call(method, **args):
    """One Web API call; a short 429 is waited out once, as Slack's Retry-After asks."""
    try:
        return method(**args)
    except SlackApiError as error:
        if slack_error(error) != RATELIMITED or _retry_after(error) > SHORT_WAIT_SECONDS:
            raise
        time.sleep(_retry_after(error))
        return method(**args)


def _retry_after(error: SlackApiError) -> int:
    headers = getattr(error.response, "headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after") or 60
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 60


def _delivery_id(message: dict) -> int | None:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != EVENT_TYPE:
        return None
    value = (metadata.get("event_payload") or {}).get("id")
    return value if isinstance(value, int) else None
