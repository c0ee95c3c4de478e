"""What a rep about to call reads: the plain opener, what is known of the buyer's background, what is still to ask."""

from __future__ import annotations

from bot.blocks.kit import user_text
from bot.services.background import still_no_background
from bot.services.lead_views import LeadView
from bot.services.leads import EXISTING_CUSTOMER, SITUATIONS
from bot.text.i18n import t, tn

# Situations whose next step is more than a question: help with the project proposal, material for the boss's report.
NEXT_STEPS = ("wants_to_buy", "boss_research")
PART_SHOWN = 500  # characters of an answer on the card; the whole of it is in the follow-up form


def asked_as(lead: LeadView) -> str:
    """Whose questions fit the lead: its buyer's situation, or a customer who already buys from us."""
    if lead.source == EXISTING_CUSTOMER:
        return EXISTING_CUSTOMER
    return lead.situation if lead.situation in SITUATIONS else "unknown"


def open_questions(lead: LeadView, lang: str | None = None, most: int = 3) -> list[str]:
    """The questions for the parts of the background nobody has found out yet, in the order to ask them; when all
    four are known, the questions about how the buyer's situation goes on (who decides, when)."""
    open_parts = lead.background.open()
    if not open_parts:
        return t(f"ask.{asked_as(lead)}", lang).split("\n")[:most]
    return [t(f"ask_part.{asked_as(lead)}.{part}", lang) for part in open_parts][:most]


def known_text(lead: LeadView, lang: str | None = None) -> str:
    """ "Background: 2 of 4 known — problem and need-payoff still open" """
    background = lead.background
    open_parts = background.open()
    if not open_parts:
        return t("background.known_all", lang)
    names = [t(f"background.part.{part}", lang) for part in open_parts]
    return t("background.known", lang, known=len(background.known()), open=_and(names, lang))


def known_lines(lead: LeadView, lang: str | None = None) -> list[str]:
    """One line per part that is known, in SPIN order."""
    background = lead.background
    return [
        t("background.line", lang, part=t(f"background.label.{part}", lang),
          text=user_text(getattr(background, part), PART_SHOWN))
        for part in background.known()
    ]


def opener(lang: str | None = None) -> str:
    return t("background.opener", lang)


def still_none_mark(lead: LeadView, lang: str | None = None) -> str:
    """ "3 follow-ups, still no background — ask plainly next time", or "" """
    if not still_no_background(lead.touch_count, lead.background):
        return ""
    return tn("background.still_none", lead.touch_count, lang)


def next_step(lead: LeadView, lang: str | None = None) -> str:
    """What the buyer's situation says to offer next, or "" """
    if lead.source == EXISTING_CUSTOMER or lead.situation not in NEXT_STEPS:
        return ""
    return t(f"next_step.{lead.situation}", lang)


def bullets(questions: list[str]) -> str:
    return "\n".join(f"• {question}" for question in questions)


def before_the_call(lead: LeadView, lang: str | None = None, most: int = 2) -> str:
    """The lines under a lead in a nudge or digest: the mark when follow-ups brought no background, the opener while
    nothing is known, the questions still open (one question to ask once all is known), the next step."""
    lines = [still_none_mark(lead, lang)]
    if not lead.background.known():
        lines.append(opener(lang))
    if lead.background.open():
        lines.append(t("background.still_to_ask", lang, questions=bullets(open_questions(lead, lang, most))))
    else:
        questions = open_questions(lead, lang)
        # A different question each time round, so the rep has something new to ask.
        lines.append(t("background.ask_one", lang, question=questions[lead.touch_count % len(questions)]))
    lines.append(next_step(lead, lang))
    return "\n".join(line for line in lines if line)


def form_intro(lead: LeadView, lang: str | None = None) -> str:
    """The top of the follow-up form: what is known, the opener, the questions still open, the next step."""
    lines = [known_text(lead, lang), still_none_mark(lead, lang)]
    if lead.background.open():
        lines += [opener(lang), bullets(open_questions(lead, lang))]
    lines.append(next_step(lead, lang))
    return "\n".join(line for line in lines if line)


def _and(items: list[str], lang: str | None) -> str:
    """ "problem", "problem and need-payoff", "situation, problem and need-payoff" (the reader's own joining) """
    if len(items) == 1:
        return items[0]
    return t("background.and", lang, first=t("text.list_separator", lang).join(items[:-1]), last=items[-1])

