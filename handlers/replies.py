"""Small helpers handlers share: who is asking, and how to tell them."""

from __future__ import annotations

import logging
from typing import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import leads as lead_blocks
from bot.blocks.kit import user_text
from bot.blocks.team_changes import team_change_message
from bot.errors import Goal, LeadbotError, Msg
from bot.logs import mark_outcome
from bot.services.teams import TeamChange
from bot.text.formatting import follow_up_goal
from bot.text.i18n import language, t

logger = logging.getLogger(__name__)


def error_text(error: LeadbotError, lang: str | None = None) -> str:
    """The catalog sentence for a domain error, with any user text in it made inert.

    Every refusal is answered through here, so this is also where the request is counted as refused (metrics, logs).
    """
    mark_outcome("refused")
    params = {k: _param(v, lang) for k, v in error.params.items()}
    return t(error.key, lang, **params)


def _param(value: object, lang: str | None) -> object:
    if isinstance(value, Msg):
        return t(value.key, lang)
    if isinstance(value, Goal):
        return follow_up_goal(value.touches, value.min_touches, value.goal, lang)
    return user_text(value, 200) if isinstance(value, str) else value


def tell(respond: Callable, text: str) -> None:
    respond(**lead_blocks.notice(text), replace_original=False)


class Answer:
    """`respond` for a command whose first answer may travel in the ack itself, as the HTTP response.

    Slack shows a message in a command's ack exactly as one posted to its `response_url` (ephemeral,
    to the rep who typed it), without a second request from us to Slack. Until `ack_now()`, the first
    message goes in the ack; any later one, or any after `ack_now()`, goes to the `response_url`.
    """

    def __init__(self, ack: Callable, respond: Callable) -> None:
        self._ack = ack
        self._respond = respond
        self._acked = getattr(ack, "response", None) is not None  # acked already, before the listener ran
        self.response_url = getattr(respond, "response_url", None)

    def __call__(self, **message) -> None:
        if self._acked:
            self._respond(**message)
            return
        self._acked = True
        self._ack(**{key: value for key, value in message.items() if key in ("text", "blocks", "response_type")})

    def ack_now(self) -> None:
        """Answer Slack's request now, without a message (if not answered yet): the rest follows on the response_url."""
        if not self._acked:
            self._acked = True
            self._ack()


def to_user(client: WebClient, user_id: str, message: dict, channel_id: str | None = None) -> None:
    """Show a message only to `user_id`: ephemeral where they are, else in their DM with leadbot."""
    if channel_id:
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, **message)
            return
        except SlackApiError as error:
            # The bot may not be in that channel; the DM always works for an active user.
            logger.info(
                "ephemeral to %s in %s failed (%s); sending a DM", user_id, channel_id, error.response.get("error")
            )
    client.chat_postMessage(channel=user_id, **message)


def permalink(client: WebClient, channel_id: str, ts: str) -> str | None:
    """The link to a message, or None when Slack will not say (the lead is saved either way)."""
    if not channel_id or not ts:
        return None
    try:
        return client.chat_getPermalink(channel=channel_id, message_ts=ts)["permalink"]
    except (SlackApiError, OSError) as error:
        logger.warning("chat.getPermalink failed for %s/%s: %s", channel_id, ts, error)
        return None


def tell_manager(client: WebClient, change: TeamChange | None, manager_language: str | None) -> None:
    """DM the team's manager what an admin changed (nothing when there is no manager, or they made the change)."""
    if change is None or change.tell is None:
        return
    with language(manager_language):
        message = team_change_message(change)
    try:
        client.chat_postMessage(channel=change.tell, **message)
    except SlackApiError as error:
        # The change is made; a manager who cannot be told is no reason to undo it.
        logger.warning("could not tell manager %s of a team change: %s", change.tell, error.response.get("error"))
