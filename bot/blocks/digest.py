"""Block Kit for the morning digest: every item one line with a way to act on it."""

from __future__ import annotations

from datetime import datetime

from bot.blocks import contract, kit
from bot.blocks.background import before_the_call
from bot.blocks.buyer_replies import answered_text, quoted, reply_line
from bot.blocks.followups import outcome_text, quiet_blocks
from bot.blocks.kit import user_text
from bot.blocks.leads import COMPANY_IN_TEXT, situation_text
from bot.services.digests import DigestData
from bot.services.lead_views import LeadView
from bot.text import formatting
from bot.text.i18n import t

QUIET_IN_DIGEST = 8  # three blocks each, leaving room in the message's 50 for the rest
REPLIES_IN_DIGEST = 8  # one block each


def item_menu(number: int, lang: str | None = None, pinned: bool | None = None) -> dict:
    """Log, snooze or open one lead, from the line that shows it; where `pinned` is given (Home), pin it on top of
    *Call these first* or let it go."""
    options = [
        kit.option(t("item.log", lang), contract.digest_option("log", number)),
        kit.option(t("item.snooze_day", lang), contract.digest_option("snooze", number, days=1)),
        kit.option(t("item.snooze_week", lang), contract.digest_option("snooze", number, days=7)),
        kit.option(t("item.show", lang), contract.digest_option("show", number)),
    ]
    if pinned is not None:
        verb = "unpin" if pinned else "pin"
        options.append(kit.option(t(f"item.{verb}", lang), contract.digest_option(verb, number)))
    return {"type": "overflow", "action_id": contract.DIGEST_ITEM, "options": options}


def digest_message(data: DigestData, tz: str, posted_at: datetime, now: datetime, lang: str | None = None) -> dict:
    """Quiet leads first, with the nudge's own buttons (the morning's nudges fold in here), then the rest."""
    today = data.day
    blocks = [kit.header(t("digest.header", lang, date=formatting.day(today, today)))]
    hidden = 0
    if data.focus:
        blocks += call_first_blocks(data, tz, posted_at, now, lang)
    elif data.quiet:
        first = data.quiet[0]
        quiet = quiet_blocks(data.quiet, posted_at, now, tz, first.min_touches, first.touch_goal, lang, QUIET_IN_DIGEST)
        blocks += [kit.section(f"*{t('nudge.header', lang)}*")] + quiet
    if data.replies:
        blocks += _reply_blocks(data, tz, lang)
        hidden += max(0, len(data.replies) - REPLIES_IN_DIGEST)
    groups = [
        ("digest.due", data.due_today, lambda lead: _due_line(lead, lang)),
        ("digest.buyer_dates", data.buyer_dates, lambda lead: _due_line(lead, lang)),
    ]
    budget = kit.MESSAGE_BLOCKS_MAX - len(blocks) - 3
    for title, leads, line in groups:
        if not leads:
            continue
        room = max(0, min(len(leads), budget - 1, 10))
        if room == 0:
            hidden += len(leads)
            continue
        blocks.append(kit.section(t(title, lang, count=len(leads))))
        for lead in leads[:room]:
            done = outcome_text(lead, posted_at, today, lang, due_on=today)
            if done:
                blocks.append(kit.section(f"{line(lead)}\n{done}"))
            else:
                # About to call: the opener and the questions still open come with the line.
                ready = f"{line(lead)}\n{before_the_call(lead, lang)}"
                blocks.append(kit.section(ready, accessory=item_menu(lead.number, lang)))
        hidden += len(leads) - room
        budget -= room + 1
    if data.small_buyers and budget > 2:
        room = min(len(data.small_buyers), budget - 1, 5)
        blocks.append(kit.section(t("digest.small_buyers", lang, count=len(data.small_buyers))))
        for account in data.small_buyers[:room]:
            answer = kit.button(
                t("digest.answer", lang), contract.SMALL_BUYER_NOTE_OPEN, contract.account_value(account.account_id)
            )
            blocks.append(
                kit.section(
                    t("digest.small_buyer", lang, company=user_text(account.name, COMPANY_IN_TEXT)), accessory=answer
                )
            )
        hidden += len(data.small_buyers) - room
        budget -= room + 1
    elif data.small_buyers:
        hidden += len(data.small_buyers)
    if data.wins:
        separator = t("text.list_separator", lang)
        won = separator.join(f"#{lead.number} {user_text(lead.company, 60)}" for lead in data.wins[:20])
        blocks.append(kit.context(t("digest.wins", lang, leads=won)))
    if hidden:
        blocks.append(kit.context(t("digest.more", lang, count=hidden)))
    if data.is_empty:
        blocks.append(kit.section(t("digest.all_done", lang)))
    return kit.message(blocks, t("digest.fallback", lang))


def call_first_blocks(data: DigestData, tz: str, posted_at: datetime, now: datetime, lang: str | None) -> list[dict]:
    """*Call these first* on top (the quiet leads worth most, see bot.services.evidence.call_first), then the other
    quiet leads, oldest first as always."""
    first = data.focus[0]
    focus = quiet_blocks(data.focus, posted_at, now, tz, first.min_touches, first.touch_goal, lang, len(data.focus))
    blocks = [kit.section(f"*{t('digest.call_first', lang)}*\n{t('digest.call_first_why', lang)}")] + focus[1:]
    focus_numbers = {lead.number for lead in data.focus}
    rest = [lead for lead in data.quiet if lead.number not in focus_numbers]
    if rest:
        most = max(3, QUIET_IN_DIGEST - len(data.focus))
        blocks += [kit.section(f"*{t('nudge.header', lang)}*")]
        blocks += quiet_blocks(rest, posted_at, now, tz, first.min_touches, first.touch_goal, lang, most)
    return blocks


def _due_line(lead: LeadView, lang: str | None) -> str:
    return t(
        "digest.lead_due",
        lang,
        number=lead.number,
        company=user_text(lead.company, COMPANY_IN_TEXT),
        situation=situation_text(lead, lang),
        progress=formatting.lead_goal(lead, lang),
    )


def _reply_blocks(data: DigestData, tz: str, lang: str | None) -> list[dict]:
    """Buyers who wrote back and wait for an answer: who, when, their first line, and the lead's menu."""
    blocks = [kit.section(t("digest.replies", lang, count=len(data.replies)))]
    for waiting in data.replies[:REPLIES_IN_DIGEST]:
        reply, lead = waiting.reply, waiting.lead
        text = reply_line(reply, lead, data.day, tz, lang)
        first = quoted(reply.note.strip().split("\n", 1)[0] if reply.note.strip() else "")
        text = f"{text}\n{first}" if first else text
        done = answered_text(reply, lead, data.day, lang)
        if done:
            blocks.append(kit.section(f"{text}\n{done}"))
        else:
            blocks.append(kit.section(text, accessory=item_menu(lead.number, lang)))
    return blocks
