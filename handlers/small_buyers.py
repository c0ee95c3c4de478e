"""Answers to "why do they buy so little from us?": one click, or a reason with a note."""

from __future__ import annotations

import json
import logging
import re

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import leads as lead_blocks
from bot.blocks.accounts import (
    ANSWER_ACTION,
    NOTE_ACTION,
    NOTE_CALLBACK,
    note_modal,
    parse_answer_value,
    question_message,
)
from bot.blocks.kit import user_text
from bot.clock import local_today
from bot.container import Deps
from bot.errors import LeadbotError
from bot.text import formatting
from bot.text.i18n import t
from handlers.home import refresh_home
from handlers.modals import origin_of
from handlers.replies import error_text, tell, to_user
from handlers.views import form_values

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    def record(
        team_id: str, user_id: str, account_id: int, reason: str, note: str, client: WebClient, origin: dict
    ) -> str:
        """Store the answer, redraw the question, and return the sentence telling the rep the next step."""
        now = deps.clock.now()
        tz = deps.directory.tz(team_id, user_id, now)
        answer = deps.small_buyers.answer(team_id, account_id, reason, note, user_id, now, tz, t(f"step.{reason}"))
        today = local_today(now, tz)
        account = deps.small_buyers.account(team_id, account_id, today)
        _redraw(deps, client, team_id, origin, account, answer, today)
        refresh_home(deps, client, team_id, user_id)
        return t(
            "small.step_saved",
            company=user_text(account.name, 120),
            step=t(f"step.{reason}"),
            date=formatting.day(answer.next_step_on, today),
            number=answer.lead_number,
        )

    @app.action(re.compile(f"^{ANSWER_ACTION}:"))
    def one_click(ack, body: dict, action: dict, client: WebClient, respond) -> None:
        ack()
        account_id, reason = parse_answer_value(action["value"])
        try:
            text = record(body["team"]["id"], body["user"]["id"], account_id, reason, "", client, origin_of(body))
        except LeadbotError as error:
            tell(respond, error_text(error))
            return
        tell(respond, text)

    @app.action(NOTE_ACTION)
    def open_note(ack, body: dict, action: dict, client: WebClient, respond) -> None:
        ack()
        team_id = body["team"]["id"]
        account = deps.small_buyers.account(team_id, int(action["value"]), local_today(deps.clock.now(), "UTC"))
        if account is None:
            tell(respond, t("error.account_not_found"))
            return
        try:
            client.views_open(trigger_id=body["trigger_id"], view=note_modal(account, origin_of(body)))
        except SlackApiError as error:
            logger.warning("views.open failed: %s", error.response.get("error"))
            tell(respond, t("error.slack_busy"))

    @app.view(NOTE_CALLBACK)
    def submit_note(ack, body: dict, view: dict, client: WebClient) -> None:
        metadata = json.loads(view.get("private_metadata") or "{}")
        values = form_values(view)
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        try:
            text = record(
                team_id, user_id, int(metadata["account"]), values.get("reason") or "",
                (values.get("note") or "").strip(), client, metadata,
            )
        except LeadbotError as error:
            ack(response_action="errors", errors={"reason": error_text(error)})
            return
        ack()
        to_user(client, user_id, lead_blocks.notice(text), metadata.get("channel"))


def _redraw(deps: Deps, client: WebClient, team_id: str, origin: dict, account, answer, today) -> None:
    """Show the answer in place of the buttons on the question that was answered."""
    if not origin.get("channel") or not origin.get("message_ts"):
        return
    try:
        client.chat_update(
            channel=origin["channel"], ts=origin["message_ts"], **question_message(account, answer, today)
        )
    except SlackApiError as error:
        logger.warning("could not redraw the small-buyer question: %s", error.response.get("error"))
