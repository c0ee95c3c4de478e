"""Block Kit for inbound channels: the threaded offer to claim, what became of it, reminders and state."""

from __future__ import annotations

from decimal import Decimal

from bot.blocks import contract, kit
from bot.blocks.kit import user_text
from bot.blocks.leads import COMPANY_IN_TEXT
from bot.services.inbound import ASSIGN, ROUND_ROBIN, ChannelState, EnquiryView
from bot.services.lead_views import LeadView
from bot.text import formatting
from bot.text.i18n import t, tn


def within_text(hours: Decimal, lang: str | None = None) -> str:
    return tn("inbound.hours", hours, lang, count=formatting.plain_number(hours))


def offer(ts: str, within: Decimal, round_robin: bool, lang: str | None = None) -> dict:
    """leadbot's threaded reply to a new enquiry: claim it, give it to someone, or say it is none."""
    then = t("inbound.then_round_robin" if round_robin else "inbound.then_remind", lang)
    buttons = kit.actions(
        kit.button(t("inbound.claim", lang), contract.INBOUND_CLAIM, ts, style="primary"),
        {
            "type": "users_select",
            "action_id": contract.INBOUND_ASSIGN,
            "placeholder": kit.plain(t("inbound.assign", lang), kit.PLACEHOLDER_MAX),
        },
        kit.button(t("inbound.dismiss", lang), contract.INBOUND_DISMISS, ts),
        block_id=contract.enquiry_block_id(ts),
    )
    blocks = [
        kit.section(t("inbound.reply", lang)),
        buttons,
        kit.context(t("inbound.reply_hint", lang, within=within_text(within, lang), then=then)),
    ]
    return kit.message(blocks, t("inbound.reply", lang))


def taken(enquiry: EnquiryView, lead: LeadView, within: Decimal, lang: str | None = None) -> dict:
    """The offer once someone has the enquiry: who took it and when, and the way to add details."""
    values = {
        "owner": lead.owner_id,
        "by": enquiry.handled_by or "",
        "when": formatting.slack_date(enquiry.handled_at),
        "number": lead.number,
        "company": user_text(lead.company, COMPANY_IN_TEXT),
        "within": within_text(within, lang),
    }
    key = {ASSIGN: "inbound.assigned", ROUND_ROBIN: "inbound.round_robin"}.get(
        enquiry.taken_how or "", "inbound.claimed"
    )
    text = t(key, lang, **values)
    blocks = [kit.section(text)]
    if lead.status == "open":
        blocks.append(kit.context(t("inbound.details_hint", lang, owner=lead.owner_id)))
        details = kit.button(t("inbound.add_details", lang), contract.LEAD_EDIT_OPEN, contract.lead_value(lead.number))
        blocks.append(kit.actions(details))
    return kit.message(blocks, text)


def dismissed(enquiry: EnquiryView, lang: str | None = None) -> dict:
    text = t("inbound.dismissed", lang, by=enquiry.handled_by or "", when=formatting.slack_date(enquiry.handled_at))
    return kit.message([kit.section(text)], text)


def already_handled(enquiry: EnquiryView, lang: str | None = None) -> str:
    """What a second claimer is told: who has it since when."""
    if enquiry.status == "dismissed":
        return t("inbound.already_dismissed", lang, user=enquiry.handled_by or "")
    return t(
        "inbound.already_taken_when", lang, owner=enquiry.owner_id or "", number=enquiry.lead_number or "",
        when=formatting.slack_date(enquiry.handled_at),
    )


def reminder(ts: str, mentions: list[str], within: Decimal, lang: str | None = None) -> dict:
    """Posted once in the enquiry's thread when nobody claimed it in time."""
    who = " ".join(f"<@{user}>" for user in mentions) or "<!here>"
    text = t("inbound.reminder", lang, within=within_text(within, lang), mentions=who)
    return {**kit.message([kit.section(text)], text), "thread_ts": ts}


def state_text(channel_id: str, state: ChannelState, within: Decimal, lang: str | None = None) -> str:
    if not state.enabled:
        return t("inbound.state_off", lang, channel=channel_id)
    return t(
        "inbound.state_on", lang, channel=channel_id,
        round_robin=t("inbound.word_on" if state.round_robin else "inbound.word_off", lang),
        within=within_text(within, lang),
        then=t("inbound.now_round_robin" if state.round_robin and state.claimers else "inbound.now_remind", lang),
    )


def round_robin_text(channel_id: str, state: ChannelState, within: Decimal, lang: str | None = None) -> str:
    if not state.round_robin:
        return t("inbound.round_robin_off", lang, channel=channel_id, within=within_text(within, lang))
    if not state.claimers:
        return t("inbound.round_robin_on_nobody", lang, channel=channel_id)
    reps = t("text.list_separator", lang).join(f"<@{user}>" for user in state.claimers[:20])
    return t("inbound.round_robin_on", lang, channel=channel_id, within=within_text(within, lang), reps=reps)


def mail_enquiry(author: str, asked_for: str, lang: str | None = None, from_api: bool = False) -> dict:
    """An enquiry that came by email (or, `from_api`, through the HTTP API with no owner), posted in the channel set
    with `/lead inbound mail on`; the offer follows in its thread, as for any inbound message."""
    subject, _, rest = asked_for.partition("\n")
    key = "inbound.api_enquiry" if from_api else "inbound.mail_enquiry"
    text = t(key, lang, sender=user_text(author, 200), subject=user_text(subject, 300))
    blocks = [kit.section(text)]
    if rest.strip():
        blocks.append(kit.section("\n".join("> " + line for line in user_text(rest, 1500).split("\n"))))
    return kit.message(blocks, text)


def mail_state_text(channel_id: str, on: bool, lang: str | None = None) -> str:
    return t("inbound.mail_on" if on else "inbound.mail_off", lang, channel=channel_id)
