"""Buttons, selects and date pickers on leadbot's cards and nudges."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bot.blocks import contract
from bot.blocks import leads as lead_blocks
from bot.blocks.kit import user_text
from bot.clock import local_today
from bot.container import Deps
from bot.errors import LeadbotError, LeadClosed, StaleAction
from bot.home_tab import refresh_home
from bot.text import formatting
from bot.text.i18n import t
from handlers.modals import (
    open_edit_modal,
    open_log_modal,
    open_lost_modal,
    open_won_modal,
    origin_of,
    refresh_nudge,
)
from handlers.replies import error_text, tell


def register(app: App, deps: Deps) -> None:
    def acting(handler, changes_lead: bool):
        """Ack at once, run the handler, answer a refusal in words, then redraw the nudge it changed."""

        def listener(ack, body: dict, action: dict, client: WebClient, respond) -> None:
            ack()
            team_id, user_id = body["team"]["id"], body["user"]["id"]
            origin = origin_of(body)
            try:
                note = handler(team_id, user_id, action, body, client, origin)
            except LeadClosed as closed:
                # The button was drawn while the lead was open: show the lead as it is now instead.
                raise StaleAction(f"lead #{closed.number} is closed", lead=closed.number) from None
            except LeadbotError as error:
                tell(respond, error_text(error))
                return
            if changes_lead:
                refresh_nudge(deps, client, team_id, origin)
                refresh_home(deps, client, team_id, user_id)
            if isinstance(note, dict):
                respond(**note, replace_original=False)  # a whole message, such as a lead card
            elif note and not origin.get("message_ts"):
                tell(respond, note)

        return listener

    def log(team_id, user_id, action, body, client, origin):
        ref = str(contract.lead_of(action))
        open_log_modal(deps, client, team_id, user_id, ref, body["trigger_id"], origin)

    def edit(team_id, user_id, action, body, client, origin):
        ref = str(contract.lead_of(action))
        open_edit_modal(deps, client, team_id, user_id, ref, body["trigger_id"], origin)

    def lost(team_id, user_id, action, body, client, origin):
        ref = str(contract.lead_of(action))
        open_lost_modal(deps, client, team_id, user_id, ref, body["trigger_id"], origin)

    def won_open(team_id, user_id, action, body, client, origin):
        ref = str(contract.lead_of(action))
        open_won_modal(deps, client, team_id, user_id, ref, body["trigger_id"], origin)

    def snooze(team_id, user_id, action, body, client, origin, number=None):
        ref, days = str(number or contract.lead_of(action)), contract.snooze_days(action)
        now = deps.clock.now()
        lead = deps.leads.snooze(team_id, ref, user_id, days, now, deps.directory.tz(team_id, user_id, now))
        return _rescheduled(deps, team_id, user_id, lead, "lead.rescheduled")

    def buyer_date(team_id, user_id, action, body, client, origin, number=None):
        """*Buyer said later*: the rep reached the buyer, who named a date; that counts as a follow-up."""
        ref, day = str(number or contract.lead_of(action)), contract.picked_date(action)
        now = deps.clock.now()
        tz = deps.directory.tz(team_id, user_id, now)
        lead = deps.leads.buyer_said_later(team_id, ref, user_id, day, now, tz)
        return _with_rest_day(lead, _rescheduled(deps, team_id, user_id, lead, "lead.buyer_date_set"), now, tz)

    def next_date(team_id, user_id, action, body, client, origin):
        ref, day = str(contract.lead_of(action)), contract.picked_date(action)
        now = deps.clock.now()
        tz = deps.directory.tz(team_id, user_id, now)
        lead = deps.leads.set_next_date(team_id, ref, user_id, day, now, tz)
        return _with_rest_day(lead, _rescheduled(deps, team_id, user_id, lead, "lead.rescheduled"), now, tz)

    def _with_rest_day(lead, text, now, tz):
        if lead.rest_day:
            # Kept as picked, but said even under a nudge: a date on a rest day is easily a slip.
            return lead_blocks.notice(lead_blocks.with_date_note(text, lead, local_today(now, tz)))
        return text

    def won(team_id, user_id, action, body, client, origin):
        """The Won button of messages sent before it asked to confirm: it still wins at once, as it said it would."""
        lead = deps.leads.win(team_id, str(contract.lead_of(action)), user_id, deps.clock.now())
        return t("lead.won", number=lead.number, company=user_text(lead.company, 120))

    def digest_item(team_id, user_id, action, body, client, origin):
        """The overflow menu on a digest or Home line: log, snooze or show that lead."""
        choice = contract.digest_item(action)
        ref = str(choice.lead)
        if choice.verb == "log":
            open_log_modal(deps, client, team_id, user_id, ref, body["trigger_id"], origin)
            return None
        if choice.verb == "snooze":
            now = deps.clock.now()
            deps.leads.snooze(team_id, ref, user_id, choice.days, now, deps.directory.tz(team_id, user_id, now))
            return None
        if choice.verb in ("pin", "unpin"):
            deps.pins.pin(team_id, ref, user_id, choice.verb == "pin", deps.clock.now())
            return None
        lead = deps.leads.find(team_id, ref, with_touches=True)
        today = local_today(deps.clock.now(), deps.directory.cached_tz(team_id, user_id))
        return lead_blocks.lead_card(lead, today)

    # The DM that a buyer wrote back: the same flows, reading the lead from the reply's block_id.
    def reply_log(team_id, user_id, action, body, client, origin):
        ref = str(contract.reply_action(action).lead)
        open_log_modal(deps, client, team_id, user_id, ref, body["trigger_id"], origin)

    def reply_snooze(team_id, user_id, action, body, client, origin):
        number = contract.reply_action(action).lead
        return snooze(team_id, user_id, action, body, client, origin, number=number)

    def reply_buyer_date(team_id, user_id, action, body, client, origin):
        number = contract.reply_action(action).lead
        return buyer_date(team_id, user_id, action, body, client, origin, number=number)

    # Buttons that open a form change nothing yet; the form's submission redraws the nudge.
    for action_id, handler, changes_lead in (
        (contract.LEAD_LOG_OPEN, log, False),
        (contract.LEAD_EDIT_OPEN, edit, False),
        (contract.LEAD_LOST_OPEN, lost, False),
        (contract.LEAD_SNOOZE, snooze, True),
        (contract.LEAD_BUYER_DATE, buyer_date, True),
        (contract.LEAD_NEXT_DATE, next_date, True),
        (contract.LEAD_WON, won, True),
        (contract.LEAD_WON_OPEN, won_open, False),
        (contract.DIGEST_ITEM, digest_item, True),
        (contract.REPLY_LOG_OPEN, reply_log, False),
        (contract.REPLY_SNOOZE, reply_snooze, True),
        (contract.REPLY_BUYER_DATE, reply_buyer_date, True),
    ):
        app.action(action_id)(acting(handler, changes_lead))


def _rescheduled(deps: Deps, team_id: str, user_id: str, lead, key: str) -> str:
    today = local_today(deps.clock.now(), deps.directory.cached_tz(team_id, user_id))
    return t(
        key, number=lead.number, company=user_text(lead.company, 120),
        date=formatting.day(lead.next_follow_up_on, today),
    )
