"""Block Kit for follow-ups: the quiet-lead nudge, closing as lost, and the manager's notes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.blocks import contract, kit
from bot.blocks.background import before_the_call
from bot.blocks.kit import user_text
from bot.blocks.leads import COMPANY_IN_TEXT, lead_title, situation_text
from bot.clock import local_today
from bot.services.lead_views import LeadView
from bot.services.leads import LOST_REASONS
from bot.text import formatting
from bot.text.i18n import t, tn

NUDGE_LEADS_MAX = 10  # 4 blocks each, well inside a message's 50
SNOOZE_DAYS = (1, 3, 7)


def nudge_message(
    leads: list[LeadView], nudged_at: datetime, now: datetime, tz: str, min_touches: int, goal: int,
    lang: str | None = None,
) -> dict:
    """One DM for all of an owner's quiet leads; a lead already dealt with shows what was done instead of buttons."""
    blocks = [kit.header(t("nudge.header", lang))] + quiet_blocks(leads, nudged_at, now, tz, min_touches, goal, lang)
    return kit.message(blocks, tn("nudge.intro", len(leads), lang))


def quiet_blocks(
    leads: list[LeadView], nudged_at: datetime, now: datetime, tz: str, min_touches: int, goal: int,
    lang: str | None = None, most: int = NUDGE_LEADS_MAX,
) -> list[dict]:
    """The quiet leads with their buttons: the body of a nudge, and the first part of a digest."""
    shown = leads[:most]
    today = local_today(now, tz)
    blocks = [kit.section(tn("nudge.intro", len(leads), lang))]
    for lead in shown:
        blocks.append(kit.divider())
        blocks.append(kit.section(_nudge_line(lead, today, tz, min_touches, goal, lang)))
        outcome = outcome_text(lead, nudged_at, today, lang)
        if outcome:
            blocks.append(kit.context(outcome))
        else:
            blocks.append(_nudge_actions(lead, lang))
    if len(leads) > len(shown):
        blocks.append(kit.context(t("nudge.more", lang, count=len(leads) - len(shown))))
    return blocks


def _nudge_line(lead: LeadView, today: date, tz: str, min_touches: int, goal: int, lang: str | None) -> str:
    asked = t("nudge.asked", lang, text=user_text(lead.asked_for, 300)) if lead.asked_for else ""
    return t(
        "nudge.lead",
        lang,
        number=lead.number,
        company=user_text(lead.company, COMPANY_IN_TEXT),
        asked=asked,
        situation=situation_text(lead, lang),
        silent=tn("days", formatting.calendar_days(lead.last_contact(), today, tz), lang),
        progress=formatting.follow_up_goal(lead.touch_count, min_touches, goal, lang),
        # Where the rep is about to call: the opener, what is still to ask, the next step the situation suggests.
        question=before_the_call(lead, lang),
    )


def follow_up_controls(log_id: str, snooze_id: str, date_id: str, number: int, lang: str | None) -> list[dict]:
    """Log follow-up, Snooze and Buyer said later for one lead: the nudge's and the buyer-reply DM's first three."""
    snooze_options = [
        kit.option(tn("nudge.snooze_days", days, lang) if days < 7 else t("nudge.snooze_week", lang), str(days))
        for days in SNOOZE_DAYS
    ]
    return [
        kit.button(t("lead.button_log", lang), log_id, contract.lead_value(number), style="primary"),
        {
            "type": "static_select",
            "action_id": snooze_id,
            "placeholder": kit.plain(t("nudge.snooze", lang), kit.PLACEHOLDER_MAX),
            "options": snooze_options,
        },
        {
            "type": "datepicker",
            "action_id": date_id,
            "placeholder": kit.plain(t("nudge.buyer_said_later", lang), kit.PLACEHOLDER_MAX),
        },
    ]


def _nudge_actions(lead: LeadView, lang: str | None) -> dict:
    number = contract.lead_value(lead.number)
    return kit.actions(
        *follow_up_controls(contract.LEAD_LOG_OPEN, contract.LEAD_SNOOZE, contract.LEAD_BUYER_DATE, lead.number, lang),
        kit.button(t("nudge.won_open", lang), contract.LEAD_WON_OPEN, number),
        kit.button(t("nudge.lost", lang), contract.LEAD_LOST_OPEN, number, style="danger"),
        block_id=contract.lead_block_id(lead.number),
    )


def outcome_text(lead: LeadView, nudged_at: datetime, today: date, lang: str | None, due_on: date | None = None) -> str:
    """What became of a lead since it was shown, or "" while it still waits for its owner.

    `due_on` is for a lead shown as due that day: only a date moved past it counts as rescheduled.
    """
    if lead.status == "won":
        return t("nudge.done_won", lang)
    if lead.status == "lost":
        return t("nudge.done_lost", lang, reason=t(f"reason.{lead.lost_reason or 'other'}", lang))
    when = formatting.day(lead.next_follow_up_on, today) if lead.next_follow_up_on else "—"
    touched = bool(lead.last_touch_at and lead.last_touch_at >= nudged_at)
    still_due = due_on if due_on is not None else today - timedelta(days=1)
    moved = bool(lead.next_follow_up_on and lead.next_follow_up_on > still_due)
    if (touched or moved) and lead.buyer_date and lead.buyer_date == lead.next_follow_up_on:
        return t("nudge.done_buyer_date", lang, date=when)
    if touched:
        return t("nudge.done_logged", lang, date=when)
    if moved:
        return t("nudge.done_rescheduled", lang, date=when)
    return ""


def still_quiet(lead: LeadView, nudged_at: datetime, today: date) -> bool:
    return lead.status == "open" and not outcome_text(lead, nudged_at, today, None)


ESCALATION_WITH_ACTIONS = 15  # leads shown with buttons; two blocks each within the message's 50


def escalation_message(leads: list[LeadView], ignored: int, now: datetime, lang: str | None = None) -> dict:
    blocks = [kit.header(t("escalation.header", lang)), kit.section(tn("escalation.intro", ignored, lang))]
    lines = [
        t(
            "escalation.line",
            lang,
            number=lead.number,
            company=user_text(lead.company, COMPANY_IN_TEXT),
            owner=lead.owner_id,
            silent=tn("days", formatting.age_days(lead.last_contact(), now), lang),
            progress=formatting.lead_goal(lead, lang),
        )
        for lead in leads
    ]
    # Each lead with a way to act on it: open it, or give it to someone who will call (two blocks a lead).
    for lead, line in zip(leads[:ESCALATION_WITH_ACTIONS], lines, strict=False):
        blocks.append(kit.section(line))
        blocks.append(
            kit.actions(
                kit.button(t("escalation.show", lang), contract.ESCALATION_SHOW, contract.lead_value(lead.number)),
                {
                    "type": "users_select",
                    "action_id": contract.ESCALATION_ASSIGN,
                    "placeholder": kit.plain(t("escalation.assign", lang), kit.PLACEHOLDER_MAX),
                },
                block_id=contract.lead_block_id(lead.number),
            )
        )
    rest = lines[ESCALATION_WITH_ACTIONS:]
    blocks += [kit.section("\n".join(rest[i : i + 15])) for i in range(0, len(rest), 15)][:20]
    return kit.message(blocks, t("escalation.header", lang))


def orphan_message(owner: str, numbers: list[int], lang: str | None = None) -> dict:
    separator = t("text.list_separator", lang)
    listed = separator.join(f"#{n}" for n in numbers[:100]) + (" …" if len(numbers) > 100 else "")
    text = tn("orphan.text", len(numbers), lang, owner=owner, numbers=listed)
    return kit.message([kit.section(text)], text)


def lost_modal(lead: LeadView, metadata: dict, lang: str | None = None, note: str = "") -> dict:
    """Why was it lost? `note` is what the rep already typed (`/lead lost 11 they said no`), kept as the note."""
    return kit.reason_modal(
        contract.LOST_FORM, t("modal.lost_title", lang), user_text(lead_title(lead), 300), t("form.lost_reason", lang),
        [kit.option(t(f"reason.{r}", lang), r) for r in LOST_REASONS], t("form.lost_note", lang),
        submit=t("modal.save", lang), close=t("modal.cancel", lang),
        private_metadata=contract.private_metadata(metadata, lead=lead.number), note=note,
    )


def won_modal(lead: LeadView, currency: str, metadata: dict, lang: str | None = None) -> dict:
    """Won asks to confirm, and for the deal's value if the rep knows it (in the team's currency)."""
    blocks = [
        kit.section(t("won.confirm", lang, lead=user_text(lead_title(lead), 300))),
        kit.text_input(
            "won_value", t("form.won_value", lang, currency=currency), optional=True, max_length=40,
            hint=t("form.won_value_hint", lang),
        ),
    ]
    return kit.modal(
        contract.WON_FORM, t("modal.won_title", lang), blocks, submit=t("modal.won_submit", lang),
        close=t("modal.cancel", lang), private_metadata=contract.private_metadata(metadata, lead=lead.number),
    )


def reschedule_modal(lead: LeadView, refusal: str, suggested: date, metadata: dict, lang: str | None = None) -> dict:
    """Replaces the lost form when "only wanted a proposal" comes too early: schedule the next follow-up instead."""
    blocks = [
        kit.section(refusal),
        kit.date_input("next_follow_up", t("lost.offer_next", lang), initial=suggested.isoformat()),
    ]
    return kit.modal(
        contract.RESCHEDULE_FORM, t("modal.reschedule_title", lang), blocks, submit=t("modal.schedule", lang),
        close=t("modal.cancel", lang), private_metadata=contract.private_metadata(metadata, lead=lead.number),
    )


def refusal_with_date_picker(refusal: str, lead: LeadView, suggested: date, lang: str | None = None) -> dict:
    """The `/lead lost … silent` refusal, with a date picker to schedule the next follow-up right there."""
    picker = {
        "type": "datepicker",
        "action_id": contract.LEAD_NEXT_DATE,
        "initial_date": suggested.isoformat(),
        "placeholder": kit.plain(t("lost.offer_next", lang), kit.PLACEHOLDER_MAX),
    }
    blocks = [
        kit.section(refusal),
        kit.section(t("lost.offer_next", lang)),
        kit.actions(picker, block_id=contract.lead_block_id(lead.number)),
    ]
    return kit.message(blocks, refusal)
