"""Modal submissions: the new-lead form and the log-a-follow-up form."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import contract
from bot.blocks import inbound as inbound_blocks
from bot.blocks import leads as lead_blocks
from bot.blocks.contract import form_values
from bot.blocks.followups import reschedule_modal
from bot.blocks.kit import user_text
from bot.clock import SystemClock, local_today
from bot.container import Deps
from bot.errors import DuplicateLead, FormInvalid, LeadbotError, TooFewTouches
from bot.home_tab import refresh_home
from bot.services.background import Answers
from bot.services.leads import REOPEN_DAYS, NewLeadForm, parse_date
from bot.text import formatting
from bot.text.background import PARTS
from bot.text.buyer_dates import date_in_text
from bot.text.i18n import t
from handlers.modals import refresh_nudge
from handlers.replies import error_text, permalink, to_user

logger = logging.getLogger(__name__)


def _field_errors(error: FormInvalid) -> dict[str, str]:
    return {field: t(key, **params) for field, (key, params) in error.fields.items()}


def _lead_form(values: dict) -> NewLeadForm:
    form = NewLeadForm(**{k: values.get(k) for k in NewLeadForm.__annotations__})
    # An emptied contact email clears it; a form from before the field existed has no such block and keeps it.
    return replace(form, contact_email=values.get("contact_email") or "") if "contact_email" in values else form


def _answers(values: dict) -> Answers:
    """The background and situation a follow-up form sent; a form from before it asked for them sends none."""
    parts = {part: values.get(f"bg_{part}") or "" for part in PARTS if f"bg_{part}" in values}
    return Answers(parts=parts, situation=values.get("situation") if "situation" in values else None)


def register(app: App, deps: Deps) -> None:
    @app.view(contract.NEW_LEAD_FORM)
    def submit_new_lead(ack, body: dict, view: dict, client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        metadata = contract.metadata(view)
        form = _lead_form(form_values(view))
        now = deps.clock.now()
        tz = deps.directory.cached_tz(team_id, user_id)
        today = local_today(now, tz)
        try:
            lead = deps.leads.capture_form(team_id, form, user_id, now, tz)
        except FormInvalid as error:
            ack(response_action="errors", errors=_field_errors(error))
            return
        except DuplicateLead as error:
            ack(response_action="update", view=lead_blocks.duplicate_modal(error.existing, today))
            return
        except Exception:
            # Keep the modal open with the rep's typing intact rather than lose it.
            logger.exception("saving a new lead failed")
            ack(response_action="errors", errors={"company": t("error.unexpected")})
            return
        ack()
        channel_id = metadata.get("channel")
        if metadata.get("from_message"):
            # Captured from a message: link back to it (asked after the ack; Slack's 3 seconds are spent).
            link = permalink(client, channel_id, metadata["from_message"])
            deps.leads.set_source_link(team_id, lead.number, link)
            lead = replace(lead, source_link=link)
        owner_today = local_today(now, deps.directory.tz(team_id, lead.owner_id, now))
        goal = deps.policy(team_id).touch_goal
        company = user_text(lead.company, 120)
        if lead.owner_id == user_id:
            saved = lead_blocks.with_date_note(t("lead.saved", number=lead.number, company=company), lead, owner_today)
            card = lead_blocks.lead_card(lead, owner_today, intro=saved, goal=goal)
            to_user(client, user_id, card, channel_id)
        else:
            intro = t("lead.captured_for_you", capturer=user_id)
            saved_key = "lead.saved_for_owner"
            try:
                client.chat_postMessage(
                    channel=lead.owner_id, **lead_blocks.lead_card(lead, owner_today, intro=intro, goal=goal)
                )
            except SlackApiError as error:
                # Saved all the same: a bot, or someone deactivated or unknown, gets no DM; the capturer hears so.
                logger.warning(
                    "could not show lead #%s to %s: %s", lead.number, lead.owner_id, error.response.get("error")
                )
                saved_key = "lead.saved_for_owner_no_dm"
            saved = t(saved_key, number=lead.number, company=company, owner=lead.owner_id)
            to_user(client, user_id, lead_blocks.notice(saved), channel_id)
        refresh_home(deps, client, team_id, lead.owner_id)

    @app.view(contract.EDIT_LEAD_FORM)
    def submit_edit(ack, body: dict, view: dict, client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        metadata = contract.metadata(view, "lead")
        form = _lead_form(form_values(view))
        now = deps.clock.now()
        tz = deps.directory.cached_tz(team_id, user_id)
        try:
            lead = deps.leads.update_details(team_id, str(metadata["lead"]), user_id, form, now, tz)
        except FormInvalid as error:
            ack(response_action="errors", errors=_field_errors(error))
            return
        except DuplicateLead as error:
            other = error.existing
            text = t(
                "inbound.company_taken", company=user_text(other.company, 120),
                number=other.number, owner=other.owner_id,
            )
            ack(response_action="errors", errors={"company": text})
            return
        except LeadbotError as error:
            ack(response_action="errors", errors={"company": error_text(error)})
            return
        except Exception:
            logger.exception("saving a lead's details failed")
            ack(response_action="errors", errors={"company": t("error.unexpected")})
            return
        ack()
        channel_id, offer_ts = metadata.get("channel"), metadata.get("message_ts")
        enquiry = deps.inbound.find_by_offer(team_id, channel_id, offer_ts) if channel_id and offer_ts else None
        if enquiry is not None and enquiry.status == "taken":
            # The thread's offer names the lead; keep it in step with the corrected company.
            message = inbound_blocks.taken(enquiry, lead, deps.settings.inbound_claim_within)
            try:
                client.chat_update(channel=channel_id, ts=offer_ts, **message)
            except SlackApiError as error:
                logger.warning(
                    "could not redraw the offer %s/%s: %s", channel_id, offer_ts, error.response.get("error")
                )
        saved = t("lead.details_saved", number=lead.number, company=user_text(lead.company, 120))
        saved = lead_blocks.with_date_note(saved, lead, local_today(now, tz))
        to_user(client, user_id, lead_blocks.notice(saved), channel_id)

    @app.view(contract.LOG_FORM)
    def submit_log(ack, body: dict, view: dict, client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        metadata = contract.metadata(view, "lead")
        values = form_values(view)
        now = deps.clock.now()
        tz = deps.directory.cached_tz(team_id, user_id)
        today = local_today(now, tz)
        try:
            next_on: date = parse_date(values.get("next_follow_up"))
        except LeadbotError as error:
            ack(response_action="errors", errors={"next_follow_up": error_text(error)})
            return
        # A double-clicked Save sends the same form twice, maybe to two workers: one follow-up, not two.
        submission = f"view:{view.get('id')}:{view.get('callback_id')}"[:64]
        if not deps.seen_events.first_time(team_id, submission, SystemClock().now()):
            ack()
            return
        try:
            lead = deps.leads.log_touch(
                team_id,
                str(metadata["lead"]),
                user_id,
                values.get("kind") or "",
                (values.get("note") or "").strip(),
                now,
                tz,
                buyer_said=(values.get("buyer_said") or "").strip(),
                next_on=next_on,
                answers=_answers(values),
            )
        except FormInvalid as error:
            deps.seen_events.forget(team_id, submission)  # refused: a corrected form may be sent again
            ack(response_action="errors", errors=_field_errors(error))
            return
        except LeadbotError as error:
            deps.seen_events.forget(team_id, submission)  # refused: a corrected form may be sent again
            ack(response_action="errors", errors={"kind": error_text(error)})
            return
        except Exception:
            deps.seen_events.forget(team_id, submission)
            logger.exception("logging a follow-up failed")
            ack(response_action="errors", errors={"kind": t("error.unexpected")})
            return
        ack()
        buyer_line = _buyer_date_line(values.get("buyer_said") or "", lead, today)
        logged = lead_blocks.touch_logged_text(lead, today) + (" " + buyer_line if buyer_line else "")
        # The nudge redrawn says what was done; the buyer's date and a rest-day note still need saying.
        notes = "\n".join(line for line in (buyer_line, lead_blocks.date_note(lead, today)) if line)
        _after_form(deps, client, team_id, user_id, metadata, lead_blocks.with_date_note(logged, lead, today), notes)

    @app.view(contract.LOST_FORM)
    def submit_lost(ack, body: dict, view: dict, client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        metadata = contract.metadata(view, "lead")
        values = form_values(view)
        reason, note = values.get("reason"), (values.get("note") or "").strip()
        if reason == "other" and not note:
            ack(response_action="errors", errors={"note": t("field.note_required")})
            return
        now = deps.clock.now()
        try:
            lead = deps.leads.lose(team_id, str(metadata["lead"]), user_id, reason or "", note, now)
        except TooFewTouches as error:
            today = local_today(now, deps.directory.cached_tz(team_id, user_id))
            suggested = deps.leads.suggested_next(error.lead, today)
            refusal = error_text(error) + (" " + t("lost.note_kept") if note else "")
            ack(response_action="update", view=reschedule_modal(error.lead, refusal, suggested, metadata))
            return
        except LeadbotError as error:
            ack(response_action="errors", errors={"reason": error_text(error)})
            return
        ack()
        text = t("lead.lost", number=lead.number, company=user_text(lead.company, 120), reason=t(f"reason.{reason}"))
        _after_form(deps, client, team_id, user_id, metadata, text)

    @app.view(contract.WON_FORM)
    def submit_won(ack, body: dict, view: dict, client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        metadata = contract.metadata(view, "lead")
        value = form_values(view).get("won_value")
        try:
            lead = deps.leads.win(
                team_id, str(metadata["lead"]), user_id, deps.clock.now(), value=value,
                currency=deps.config(team_id).currency,
            )
        except FormInvalid as error:
            ack(response_action="errors", errors=_field_errors(error))
            return
        except LeadbotError as error:
            ack(response_action="errors", errors={"won_value": error_text(error)})
            return
        ack()
        _after_form(deps, client, team_id, user_id, metadata, lead_blocks.won_text(lead, REOPEN_DAYS))

    @app.view(contract.RESCHEDULE_FORM)
    def submit_reschedule(ack, body: dict, view: dict, client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        metadata = contract.metadata(view, "lead")
        now = deps.clock.now()
        tz = deps.directory.cached_tz(team_id, user_id)
        try:
            day = parse_date(form_values(view).get("next_follow_up"))
            lead = deps.leads.set_next_date(team_id, str(metadata["lead"]), user_id, day, now, tz)
        except LeadbotError as error:
            ack(response_action="errors", errors={"next_follow_up": error_text(error)})
            return
        ack()
        today = local_today(now, tz)
        text = t(
            "lead.rescheduled",
            number=lead.number,
            company=user_text(lead.company, 120),
            date=formatting.day(day, today),
        )
        note = lead_blocks.date_note(lead, today) if lead.rest_day else ""
        _after_form(deps, client, team_id, user_id, metadata, lead_blocks.with_date_note(text, lead, today), note)


def _after_form(
    deps: Deps, client: WebClient, team_id: str, user_id: str, metadata: dict, done: str, beside_message: str = ""
) -> None:
    """After a form acted on a lead: redraw the message it came from and Home, and say what was done.

    A form opened from a nudge or digest needs only `beside_message` (what the redrawn message cannot show).
    """
    refresh_nudge(deps, client, team_id, metadata)
    refresh_home(deps, client, team_id, user_id)
    text = beside_message if metadata.get("message_ts") else done
    if text:
        to_user(client, user_id, lead_blocks.notice(text), metadata.get("channel"))


def _buyer_date_line(buyer_said: str, lead, today: date) -> str:
    """One line when what the buyer said names a date: it became the next follow-up, or the rep chose another."""
    named = date_in_text(buyer_said, today)
    if named is None or lead.next_follow_up_on is None:
        return ""
    said = formatting.day(named.day, today)
    if lead.next_follow_up_on == named.day:
        return t("log.buyer_date_used", date=said)
    return t("log.buyer_date_differs", said=said, date=formatting.day(lead.next_follow_up_on, today))
