"""leadbot's messages and modals, built as pure functions from service results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import NamedTuple

from bot.blocks import background as background_blocks
from bot.blocks import contract, kit
from bot.blocks.kit import user_text
from bot.services.background import PART_MAX
from bot.services.lead_views import LeadView, TouchView
from bot.services.leads import (
    CHANNEL,
    EMAIL,
    EXISTING_CUSTOMER,
    LONG_TEXT_MAX,
    SHORT_TEXT_MAX,
    SITUATIONS,
    SOURCES,
    TOUCH_KINDS,
    LeadPage,
)
from bot.text import formatting
from bot.text.amounts import money
from bot.text.background import PARTS, notes_beyond
from bot.text.company_names import COMPANY_MAX
from bot.text.email_address import EMAIL_MAX
from bot.text.i18n import t

LIST_MAX = 40
HISTORY_MAX = 10
COMPANY_IN_TEXT = 120  # long names are cut in headers and lists, never in storage


@dataclass(frozen=True)
class NewLeadPrefill:
    company: str = ""
    asked_for: str = ""
    source: str | None = None
    contact_name: str = ""
    contact_role: str = ""
    situation: str | None = None
    discovery_notes: str = ""
    claimed_potential: str = ""
    potential_unit: str = ""
    contact_email: str = ""

    @classmethod
    def from_lead(cls, lead: LeadView) -> "NewLeadPrefill":
        return cls(
            company=lead.company,
            asked_for=lead.asked_for,
            source=lead.source,
            contact_name=lead.contact_name,
            contact_role=lead.contact_role,
            situation=lead.situation,
            discovery_notes=lead.discovery_notes,
            claimed_potential="" if lead.claimed_potential is None else _plain_number(lead.claimed_potential),
            potential_unit=lead.potential_unit,
            contact_email=lead.contact_email or "",
        )


def _plain_number(value) -> str:
    """24000.00 → "24000", 1234.50 → "1234.5": what a rep would have typed."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def help_message(lang: str | None = None, unknown: str | None = None) -> dict:
    blocks = []
    if unknown:
        blocks.append(kit.section(t("help.unknown", lang, command=user_text(unknown, 100))))
    blocks += [
        kit.header(t("help.title", lang)), kit.section(t("help.body", lang)), kit.context(t("help.footer", lang))
    ]
    return kit.message(blocks, t("help.title", lang))


def notice(text: str) -> dict:
    """A one-section message; `text` is catalog text with any user input already escaped."""
    return kit.message([kit.section(text)], text)


def touch_logged_text(lead: LeadView, today: date, lang: str | None = None) -> str:
    when = formatting.day(lead.next_follow_up_on, today) if lead.next_follow_up_on else "—"
    return t(
        "lead.touch_logged", lang, number=lead.number, company=user_text(lead.company, COMPANY_IN_TEXT),
        touches=lead.touch_count, next=when,
    )


def with_date_note(text: str, lead: LeadView, today: date, lang: str | None = None, typed: str = "") -> str:
    """`text`, and under it a line when the next follow-up is a rest day kept as given, or was moved off one
    (`typed` is what the rep typed for it, if anything)."""
    note = date_note(lead, today, lang, typed)
    return f"{text}\n{note}" if note else text


def date_note(lead: LeadView, today: date, lang: str | None = None, typed: str = "") -> str:
    """"Sat 19 Dec is not a working day …" for a kept rest day; "tomorrow falls on a rest day, so …" for a moved one."""
    if lead.next_follow_up_on is None:
        return ""
    when = formatting.day(lead.next_follow_up_on, today)
    if lead.moved_from is not None and typed:
        return t("date.moved", lang, typed=user_text(typed, 60), date=when)
    return t("date.rest_day", lang, date=when) if lead.rest_day else ""


def won_text(lead: LeadView, reopen_days: int, lang: str | None = None) -> str:
    """"#12 Acme is won" (with its value when given), and how to undo a click on the wrong lead."""
    company = user_text(lead.company, COMPANY_IN_TEXT)
    if lead.won_value is not None:
        won = t("lead.won_worth", lang, number=lead.number, company=company, value=_won_value(lead))
    else:
        won = t("lead.won", lang, number=lead.number, company=company)
    return won + " " + t("lead.reopen_hint", lang, number=lead.number, days=reopen_days)


def questions_for(lead: LeadView, lang: str | None = None) -> list[str]:
    """What to ask next: the questions for what is still unknown of the background, suited to the buyer's situation
    (or, for a customer who already buys from us, to the rest of their buying)."""
    return background_blocks.open_questions(lead, lang)


def situation_text(lead: LeadView, lang: str | None = None) -> str:
    """The buyer's situation, or "Existing customer" for a customer who already buys from us."""
    return t("source.existing_customer" if lead.source == EXISTING_CUSTOMER else f"situation.{lead.situation}", lang)


def _won_value(lead: LeadView) -> str:
    """¥12,000; a plain number when an imported deal named no currency."""
    return money(lead.won_value, lead.won_currency) if lead.won_currency else formatting.number(lead.won_value)


def lead_title(lead: LeadView) -> str:
    return t("lead.header", number=lead.number, company=kit.fit(lead.company, COMPANY_IN_TEXT))


def lead_card(
    lead: LeadView, today: date, lang: str | None = None, *, intro: str = "", goal: int | None = None
) -> dict:
    """The card a rep sees after capture or `/lead show`: facts, the realistic figure, what to ask."""
    blocks: list[dict] = []
    if intro:
        blocks.append(kit.section(intro))
    blocks.append(kit.header(lead_title(lead)))
    # "Li Ming, buyer" and "张三，采购经理": the comma is the reader's language's.
    contact = t("text.comma", lang).join(p for p in (lead.contact_name, lead.contact_role) if p) or "—"
    contact = user_text(contact, 400)
    if lead.contact_email:
        contact = f"{contact}\n{_email_link(lead.contact_email)}"
    facts = [
        t("lead.owner", lang, owner=lead.owner_id),
        t("lead.situation", lang, situation=situation_text(lead, lang)),
        t("lead.contact", lang, contact=contact),
        _source_field(lead, lang),
        t("lead.touches", lang, progress=formatting.follow_up_goal(
            lead.touch_count, lead.min_touches, goal or lead.touch_goal, lang
        )),
        _next_field(lead, today, lang),
    ]
    if lead.claimed_potential is not None:
        unit = user_text(lead.potential_unit, 200)
        facts.append(t("lead.potential", lang, claimed=formatting.amount(lead.claimed_potential, unit)))
        facts.append(
            t(
                "lead.realistic",
                lang,
                realistic=formatting.amount(lead.realistic_potential, unit),
                percent=_percent(lead),
            )
        )
    if lead.status != "open":
        facts.append(t("lead.status", lang, status=t(f"status.{lead.status}", lang)))
    if lead.status == "won" and lead.won_value is not None:
        facts.append(t("lead.won_value", lang, value=_won_value(lead)))
    blocks += kit.fields(facts)
    if lead.asked_for:
        blocks.append(kit.section(t("lead.asked_for", lang, text=user_text(lead.asked_for, 2800))))
    blocks += _background_blocks(lead, lang)
    if lead.touches:
        blocks.append(kit.section(t("lead.history", lang, lines=_history(lead, lang))))
    if lead.status == "open":
        blocks.append(kit.section(t("lead.questions", lang, questions=_ask_next(lead, lang))))
        number = contract.lead_value(lead.number)
        blocks.append(
            kit.actions(
                kit.button(t("lead.button_log", lang), contract.LEAD_LOG_OPEN, number, style="primary"),
                kit.button(t("lead.button_edit", lang), contract.LEAD_EDIT_OPEN, number),
            )
        )
    return kit.message(blocks, lead_title(lead))


def _background_blocks(lead: LeadView, lang: str | None) -> list[dict]:
    """What is known of the buyer's background, part by part; the notes beyond it; the mark and the next step."""
    lines = background_blocks.known_lines(lead, lang)
    if lead.status == "open":
        # What is still open matters while the lead is: a closed one shows what was learned, if anything.
        lines.insert(0, background_blocks.known_text(lead, lang))
        lines += [background_blocks.still_none_mark(lead, lang), background_blocks.next_step(lead, lang)]
    text = "\n".join(line for line in lines if line)
    blocks = [kit.section(kit.fit(text, kit.SECTION_TEXT_MAX))] if text else []
    notes = notes_beyond(lead.discovery_notes, lead.background.as_dict())
    if notes:
        blocks.append(kit.section(t("lead.notes", lang, text=user_text(notes, 2800))))
    return blocks


def _ask_next(lead: LeadView, lang: str | None) -> str:
    """The plain opener while anything is unknown, then the questions for what is missing."""
    questions = background_blocks.bullets(questions_for(lead, lang))
    return f"{background_blocks.opener(lang)}\n{questions}" if lead.background.open() else questions


def lead_list(page: LeadPage, mine: bool, today: date, now: datetime, lang: str | None = None) -> dict:
    if not page.items:
        return notice(t("list.empty_mine" if mine else "list.empty_all", lang))
    title = t("list.title_mine" if mine else "list.title_all", lang)
    blocks = [kit.header(f"{title} ({page.total})")]
    # Forty lines share a handful of ages, goals and dates: each piece is worded once per list.
    age = cache(lambda days: t("age.days", lang, count=days))
    progress = cache(lambda touches, least, goal: formatting.follow_up_goal(touches, least, goal, lang))
    when = cache(lambda on: next_text(_NextOnly(on), today, lang))
    needs_owner = t("list.needs_owner", lang)
    line = t("list.line", lang)  # the template, looked up once; each line fills it in, as t() would
    for lead in page.items[:LIST_MAX]:
        blocks.append(
            kit.section(
                line.format(
                    number=lead.number,
                    company=user_text(lead.company, COMPANY_IN_TEXT),
                    owner=lead.owner_id,
                    age=age(formatting.age_days(lead.created_at, now)),
                    progress=progress(lead.touch_count, lead.min_touches, lead.touch_goal),
                    next=when(lead.next_follow_up_on),
                )
                + (needs_owner if lead.needs_new_owner else "")
            )
        )
    hidden = page.total - min(len(page.items), LIST_MAX)
    if hidden > 0:
        blocks.append(kit.context(t("list.more", lang, count=hidden)))
    return kit.message(blocks, title)


def new_lead_modal(
    prefill: NewLeadPrefill, owner_id: str, first_follow_up: date, metadata: dict, lang: str | None = None
) -> dict:
    blocks = _lead_inputs(prefill, lang)
    blocks += [
        kit.users_input("owner_id", t("form.owner", lang), initial_user=owner_id),
        kit.date_input("first_follow_up", t("form.first_follow_up", lang), initial=first_follow_up.isoformat()),
    ]
    return kit.modal(
        contract.NEW_LEAD_FORM, t("modal.new_title", lang), blocks, submit=t("modal.save", lang),
        close=t("modal.cancel", lang), private_metadata=contract.private_metadata(metadata),
    )


def edit_lead_modal(lead: LeadView, metadata: dict, lang: str | None = None, *, intro: str = "") -> dict:
    """The new-lead form again, filled from the lead, for its owner to correct or complete; the owner stays."""
    blocks = [kit.section(intro)] if intro else []
    blocks += _lead_inputs(NewLeadPrefill.from_lead(lead), lang)
    follow_up = lead.next_follow_up_on.isoformat() if lead.next_follow_up_on else None
    blocks.append(kit.date_input("first_follow_up", t("form.next_follow_up", lang), initial=follow_up))
    return kit.modal(
        contract.EDIT_LEAD_FORM, t("modal.edit_title", lang), blocks, submit=t("modal.save", lang),
        close=t("modal.cancel", lang), private_metadata=contract.private_metadata(metadata, lead=lead.number),
    )


def _lead_inputs(prefill: NewLeadPrefill, lang: str | None) -> list[dict]:
    sources = [kit.option(t(f"source.{s}", lang), s) for s in SOURCES]
    situations = [kit.option(t(f"situation.{s}", lang), s) for s in SITUATIONS]
    return [
        kit.text_input(
            "company", t("form.company", lang), initial=prefill.company, max_length=COMPANY_MAX,
            placeholder=t("form.company_hint", lang),
        ),
        kit.text_input(
            "contact_name", t("form.contact_name", lang), initial=prefill.contact_name, optional=True,
            max_length=SHORT_TEXT_MAX,
        ),
        kit.text_input(
            "contact_role", t("form.contact_role", lang), initial=prefill.contact_role, optional=True,
            max_length=SHORT_TEXT_MAX,
        ),
        kit.text_input(
            "contact_email", t("form.contact_email", lang), initial=prefill.contact_email, optional=True,
            max_length=EMAIL_MAX, placeholder=t("form.contact_email_hint", lang),
            hint=t("form.contact_email_help", lang),
        ),
        kit.select_input("source", t("form.source", lang), sources, initial=prefill.source),
        kit.text_input(
            "asked_for", t("form.asked_for", lang), initial=prefill.asked_for, multiline=True, optional=True,
            max_length=LONG_TEXT_MAX,
        ),
        kit.select_input(
            "situation", t("form.situation", lang), situations, initial=prefill.situation,
            hint=t("form.situation_hint", lang),
        ),
        kit.text_input(
            "discovery_notes", t("form.discovery", lang), initial=prefill.discovery_notes, multiline=True,
            optional=True, max_length=LONG_TEXT_MAX, placeholder=t("form.discovery_hint", lang),
        ),
        # Text, not Slack's number input, which refuses what reps type: `1.2万`, `2.4k`, `5,000`.
        kit.text_input(
            "claimed_potential", t("form.potential", lang), initial=prefill.claimed_potential, optional=True,
            max_length=40, placeholder=t("form.potential_placeholder", lang), hint=t("form.potential_hint", lang),
        ),
        kit.text_input(
            "potential_unit", t("form.potential_unit", lang), initial=prefill.potential_unit, optional=True,
            max_length=SHORT_TEXT_MAX, placeholder=t("form.potential_unit_hint", lang),
        ),
    ]


def log_touch_modal(lead: LeadView, suggested_next: date, metadata: dict, lang: str | None = None) -> dict:
    kinds = [kit.option(t(f"kind.{k}", lang), k) for k in TOUCH_KINDS]
    blocks = [
        kit.section(f"*{user_text(lead_title(lead), 300)}*"),
        kit.section(kit.fit(background_blocks.form_intro(lead, lang), kit.SECTION_TEXT_MAX)),
        kit.select_input("kind", t("form.touch_kind", lang), kinds, initial="call"),
        kit.text_input("note", t("form.touch_note", lang), multiline=True, optional=True, max_length=LONG_TEXT_MAX),
        kit.text_input(
            "buyer_said", t("form.buyer_said", lang), multiline=True, optional=True, max_length=LONG_TEXT_MAX
        ),
        *_background_inputs(lead, lang),
        kit.date_input(
            "next_follow_up", t("form.next_follow_up", lang), initial=suggested_next.isoformat(),
            hint=t("form.next_follow_up_hint", lang),
        ),
    ]
    return kit.modal(
        contract.LOG_FORM, t("modal.log_title", lang), blocks, submit=t("modal.save", lang),
        close=t("modal.cancel", lang), private_metadata=contract.private_metadata(metadata, lead=lead.number),
    )


def _background_inputs(lead: LeadView, lang: str | None) -> list[dict]:
    """The buyer's situation and the four parts of their background, filled with what is known: the rep adds to it."""
    situations = [kit.option(t(f"situation.{s}", lang), s) for s in SITUATIONS]
    initial = lead.situation if lead.situation in SITUATIONS else None
    inputs = [
        kit.select_input(
            "situation", t("form.situation", lang), situations, initial=initial, hint=t("form.situation_log_hint", lang)
        )
    ]
    for part in PARTS:
        inputs.append(
            kit.text_input(
                f"bg_{part}", t(f"form.background_{part}", lang), initial=getattr(lead.background, part),
                multiline=True, optional=True, max_length=PART_MAX,
            )
        )
    return inputs


def duplicate_modal(existing: LeadView, today: date, lang: str | None = None) -> dict:
    """Replaces the new-lead form when the company already has an open lead."""
    note = t(
        "lead.duplicate", lang,
        company=user_text(existing.company, COMPANY_IN_TEXT), number=existing.number, owner=existing.owner_id,
    )
    card = lead_card(existing, today, lang)["blocks"]
    # A modal cannot carry the card's buttons usefully; the rep acts from the command line or the nudge.
    blocks = [kit.section(note), kit.divider()] + [b for b in card if b["type"] != "actions"]
    return kit.modal(
        "lead_duplicate", t("lead.duplicate_title", lang), blocks, submit=None, close=t("modal.close", lang)
    )


def _source_field(lead: LeadView, lang: str | None) -> str:
    source = t(f"source.{lead.source}", lang)
    link = lead.source_link or ""
    # Only a plain https link can sit inside <link|text> without breaking the markup.
    if link.startswith("https://") and not any(c in link for c in "<>| "):
        return t("lead.source_link", lang, source=source, link=link)
    return t("lead.source", lang, source=source)


def _email_link(address: str) -> str:
    """The contact's address as a mailto link; a stored address holds none of <, > or |, escaped all the same."""
    shown = user_text(address, 320)
    return f"<mailto:{shown}|{shown}>" if not any(c in address for c in "<>|& ") else shown


def _percent(lead: LeadView) -> str:
    return f"{lead.potential_factor * 100:.0f}"


class _NextOnly(NamedTuple):
    next_follow_up_on: date | None


def next_text(lead: LeadView, today: date, lang: str | None) -> str:
    if lead.next_follow_up_on is None:
        return "—"
    text = formatting.day(lead.next_follow_up_on, today)
    if lead.next_follow_up_on == today:
        return t("date.today", lang)
    return t("list.overdue", lang, date=text) if lead.next_follow_up_on < today else text


def _next_field(lead: LeadView, today: date, lang: str | None) -> str:
    if lead.next_follow_up_on is None:
        return t("lead.next_none", lang)
    return t("lead.next", lang, date=next_text(lead, today, lang))


def _history(lead: LeadView, lang: str | None) -> str:
    recent = lead.touches[-HISTORY_MAX:]
    lines = []
    for touch in recent:
        note = f" — {user_text(touch.note, 150)}" if touch.note else ""
        lines.append(
            t(
                "lead.history_line",
                lang,
                date=formatting.day(touch.logged_at.date(), touch.logged_at.date()),
                kind=t(f"kind.{touch.kind}", lang),
                user=touch.logged_by,
                note=note,
            )
            + _came_from(touch, lang)
        )
    return "\n".join(lines)


def _came_from(touch: TouchView, lang: str | None) -> str:
    """Where a follow-up nobody typed came from: " · from email", " · in #acme-shared"."""
    if touch.source == EMAIL:
        return t("lead.history_from_email", lang)
    if touch.source == CHANNEL:
        if touch.channel:
            return t("lead.history_in_channel", lang, channel=f"<#{touch.channel}>")
        return t("lead.history_in_shared_channel", lang)
    return ""
