"""Block Kit for a buyer's reply: the owner's DM with the first lines and a way to answer, and the digest's lines."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.blocks import contract, kit
from bot.blocks.followups import follow_up_controls
from bot.blocks.kit import user_text
from bot.blocks.leads import COMPANY_IN_TEXT
from bot.services.buyer_replies import EMAIL, FOLLOW_UP, SAID_LATER, BuyerReplyView
from bot.services.lead_views import LeadView
from bot.text import formatting
from bot.text.i18n import t

QUOTE_LINES = 6
QUOTE_MAX = 700


def reply_message(reply: BuyerReplyView, lead: LeadView, today: date, tz: str, lang: str | None = None) -> dict:
    """The buyer wrote back: who, when, the first lines; buttons while it waits, what was done once answered."""
    blocks = [
        kit.header(t("reply.header", lang)),
        kit.section(reply_line(reply, lead, today, tz, lang)),
    ]
    quote = quoted(reply.note)
    if quote:
        blocks.append(kit.section(quote))
    done = answered_text(reply, lead, today, lang)
    if done:
        blocks.append(kit.context(done))
    else:
        blocks.append(kit.context(t("reply.why", lang)))
        blocks.append(reply_actions(reply, lang))
    fallback = t("reply.fallback", lang, number=lead.number, company=kit.fit(lead.company, 80))
    return kit.message(blocks, fallback)


def reply_line(reply: BuyerReplyView, lead: LeadView, today: date, tz: str, lang: str | None = None) -> str:
    """`*#12 Acme* replied by email · 3 Dec 14:05 · 2 of 3 follow-ups`."""
    where = t("reply.by_email" if reply.source == EMAIL else "reply.in_channel", lang)
    local = reply.replied_at.astimezone(ZoneInfo(tz))
    when = f"{formatting.day(local.date(), today)} {local:%H:%M}"
    return t(
        "reply.line", lang, number=lead.number, company=user_text(lead.company, COMPANY_IN_TEXT), where=where,
        when=when, progress=formatting.lead_goal(lead, lang),
    )


def quoted(note: str) -> str:
    """The first lines of what the buyer wrote, as a quote (user text, made inert)."""
    lines = [line.strip() for line in (note or "").splitlines() if line.strip()][:QUOTE_LINES]
    text = user_text("\n".join(lines), QUOTE_MAX)
    return "\n".join(f">{line}" for line in text.split("\n")) if text else ""


def reply_actions(reply: BuyerReplyView, lang: str | None = None) -> dict:
    return kit.actions(
        *follow_up_controls(
            contract.REPLY_LOG_OPEN, contract.REPLY_SNOOZE, contract.REPLY_BUYER_DATE, reply.lead_number, lang
        ),
        block_id=contract.reply_block_id(reply.id, reply.lead_number),
    )


def answered_text(reply: BuyerReplyView, lead: LeadView, today: date, lang: str | None = None) -> str:
    """What became of the reply, or "" while it waits for its owner."""
    if lead.status == "won":
        return t("nudge.done_won", lang)
    if lead.status == "lost":
        return t("nudge.done_lost", lang, reason=t(f"reason.{lead.lost_reason or 'other'}", lang))
    if reply.waiting:
        return ""
    when = formatting.day(lead.next_follow_up_on, today) if lead.next_follow_up_on else "—"
    if reply.answered_how == FOLLOW_UP:
        return t("nudge.done_logged", lang, date=when)
    if reply.answered_how == SAID_LATER:
        return t("nudge.done_buyer_date", lang, date=when)
    return t("nudge.done_rescheduled", lang, date=when)

