"""The Web API client leadbot uses, with Slack's retry rules built in."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from http.client import HTTPException
from typing import Callable, Mapping

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.slack_transport import PooledWebClient

logger = logging.getLogger(__name__)

# Errors after which posting to the same target again can only fail again.
PERMANENT_TARGET_ERRORS = frozenset(
    {"channel_not_found", "not_in_channel", "is_archived", "user_not_found", "user_disabled", "cannot_dm_bot"}
)
# Errors that mean the whole workspace's token no longer works.
WORKSPACE_GONE_ERRORS = frozenset({"account_inactive", "invalid_auth", "token_revoked", "not_authed"})


def make_web_client(token: str | None, base_url: str, timeout: int = 10) -> WebClient:
    """A WebClient that waits out 429s and retries brief outages before giving up, on kept-alive connections."""
    return PooledWebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


def posting_client(client: WebClient) -> WebClient:
    """A sibling of `client` for scheduled posts: waits out 429s but never resends by itself.

    A 5xx or a broken connection may hide a post Slack made; resending blindly would post it twice,
    so such an answer goes back to the ledger as "maybe posted" and the next attempt looks first.
    """
    poster = getattr(client, "_leadbot_poster", None)
    if poster is None:
        poster = PooledWebClient(
            token=client.token, base_url=client.base_url, timeout=client.timeout,
            retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
            resend_unanswered=False,  # nor on a kept-alive connection that was dropped once the post had left
        )
        client._leadbot_poster = poster
    return poster


def slack_error(error: SlackApiError) -> str:
    return str(error.response.get("error", "")) if error.response is not None else ""


def users_info_lookup(client_for: Callable[[str], WebClient]):
    """users.info as the Directory wants it, asked with the workspace's own client: the user dict, None when Slack
    has no such user."""

    def lookup(team_id: str, user_id: str) -> Mapping | None:
        try:
            return client_for(team_id).users_info(user=user_id, include_locale=True)["user"]
        except SlackApiError as error:
            if slack_error(error) in {"user_not_found", "user_disabled"}:
                return None
            raise

    return lookup


def workspace_lookup(client: WebClient):
    """The workspace the bot token belongs to (auth.test), asked once per process: the mailbox reports to it."""
    known: dict[str, str] = {}

    def team_id() -> str:
        if "team_id" not in known:
            known["team_id"] = client.auth_test()["team_id"]
        return known["team_id"]

    return team_id


def users_by_email_lookup(client_for: Callable[[str], WebClient]):
    """users.lookupByEmail as the mail log wants it, asked of that workspace: the member's user id, None when nobody
    active has that address."""

    def lookup(team_id: str, email: str) -> str | None:
        try:
            user = client_for(team_id).users_lookupByEmail(email=email)["user"]
        except SlackApiError as error:
            if slack_error(error) in {"users_not_found", "user_not_found", "user_disabled"}:
                return None
            raise
        return None if user.get("deleted") or user.get("is_bot") else user.get("id")

    return lookup


# Errors after which Slack may have posted the message all the same.
UNSURE_ERRORS = frozenset({"fatal_error", "internal_error", "request_timeout", "service_unavailable"})
# Errors that mean this message itself is wrong; posting it again can only fail again.
REJECTED_MESSAGE_ERRORS = frozenset(
    {"invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text", "invalid_arguments"}
)

SENT, RETRY, TARGET_GONE, WORKSPACE_GONE, REJECTED = "sent", "retry", "target_gone", "workspace_gone", "rejected"


@dataclass(frozen=True)
class PostResult:
    outcome: str
    channel: str = ""
    ts: str = ""
    error: str = ""
    maybe_posted: bool = False  # RETRY after an answer that may hide a post Slack made (5xx, lost connection)


def post_message(client: WebClient, target: str, message: dict, metadata: dict | None = None) -> PostResult:
    """chat.postMessage, with the answer sorted into what the caller should do next.

    The client has already waited out 429s (and a `posting_client` nothing else); whatever still
    fails transiently is for a later run, marked `maybe_posted` where Slack may have posted it.
    """
    extra = {"metadata": metadata} if metadata is not None else {}
    try:
        response = client.chat_postMessage(channel=target, **message, **extra)
    except SlackApiError as error:
        status = getattr(error.response, "status_code", 200)
        code = f"http_{status}" if status >= 500 else slack_error(error) or f"http_{status}"
        if code in PERMANENT_TARGET_ERRORS:
            return PostResult(TARGET_GONE, error=code)
        if code in WORKSPACE_GONE_ERRORS:
            return PostResult(WORKSPACE_GONE, error=code)
        if code in REJECTED_MESSAGE_ERRORS:
            logger.error("Slack refused a message to %s as %s; it will not be retried", target, code)
            return PostResult(REJECTED, error=code)
        return PostResult(RETRY, error=code, maybe_posted=status >= 500 or code in UNSURE_ERRORS)
    except (OSError, HTTPException) as error:
        return PostResult(RETRY, error=type(error).__name__, maybe_posted=True)
    return PostResult(SENT, channel=response["channel"], ts=response["ts"])
