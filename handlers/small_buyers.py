"""Answers to "why do they buy so little from us?": one click, or a reason with a note."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import contract
from bot.blocks import leads as lead_blocks
from bot.blocks.accounts import note_modal
from bot.blocks.kit import user_text
from bot.clock import local_today
from bot.container import Deps
from bot.errors import LeadbotError, StaleAction
from bot.home_tab import refresh_home
from bot.services.small_buyers import REASONS
from bot.text import formatting
from bot.text.i18n import t
from handlers.modals import origin_of, refresh_nudge
from handlers.replies import error_text, tell, to_user

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    def record(
        team_id: str, user_id: str, account_id: int, reason: str, note: str, client: WebClient, origin: dict
    ) -> str:
        """Store the answer, redraw the message it came from, and return the sentence telling the rep the next step."""
        now = deps.clock.now()
        tz = deps.directory.tz(team_id, user_id, now)
        answer = deps.small_buyers.answer(team_id, account_id, reason, note, user_id, now, tz, t(f"step.{reason}"))
        today = local_today(now, tz)
        account = deps.small_buyers.account(team_id, account_id, today)
        # The question shows the answer in place of its buttons; a digest shows its items as they stand.
        refresh_nudge(deps, client, team_id, origin)
        refresh_home(deps, client, team_id, user_id)
        return t(
            "small.step_saved",
            company=user_text(account.name, 120),
            step=t(f"step.{reason}"),
            date=formatting.day(answer.next_step_on, today),
            number=answer.lead_number,
        )

    @app.action(contract.SMALL_BUYER_ANSWER)
    def one_click(ack, body: dict, action: dict, client: WebClient, respond) -> None:
        ack()
        account_id, reason = contract.small_buyer_answer(action)
        try:
            text = record(body["team"]["id"], body["user"]["id"], account_id, reason, "", client, origin_of(body))
        except LeadbotError as error:
            tell(respond, error_text(error))
            return
        tell(respond, text)

    @app.action(contract.SMALL_BUYER_NOTE_OPEN)
    def open_note(ack, body: dict, action: dict, client: WebClient, respond) -> None:
        ack()
        team_id = body["team"]["id"]
        account_id = contract.account_id(action.get("value"))
        account = deps.small_buyers.account(team_id, account_id, local_today(deps.clock.now(), "UTC"))
        if account is None:
            tell(respond, t("error.account_not_found"))
            return
        try:
            client.views_open(trigger_id=body["trigger_id"], view=note_modal(account, origin_of(body)))
        except SlackApiError as error:
            logger.warning("views.open failed: %s", error.response.get("error"))
            tell(respond, t("error.slack_busy"))

    @app.view(contract.SMALL_BUYER_NOTE_FORM)
    def submit_note(ack, body: dict, view: dict, client: WebClient) -> None:
        metadata = contract.metadata(view, "account")
        values = contract.form_values(view)
        reason = values.get("reason")
        if reason not in REASONS:
            raise StaleAction(f"unknown small-buyer reason {reason!r}")  # Slack only sends the options we drew
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        try:
            text = record(
                team_id, user_id, metadata["account"], reason, (values.get("note") or "").strip(), client,
                contract.origin(metadata),
            )
        except LeadbotError as error:
            ack(response_action="errors", errors={"reason": error_text(error)})
            return
        ack()
        to_user(client, user_id, lead_blocks.notice(text), metadata.get("channel"))
