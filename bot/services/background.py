"""What is known of a lead's background (situation, problem, implication, need-payoff) and how answers are saved."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func

from bot.store.models import Lead
from bot.text.background import PARTS, read_notes
from bot.text.company_names import clean_text

PART_MAX = 3000  # characters per answer, as a lead's notes
# A lead followed up this often with nothing known of its background is marked: ask plainly next time.
NO_BACKGROUND_AFTER = 2
COLUMNS = {part: f"bg_{part}" for part in PARTS}


@dataclass(frozen=True)
class Background:
    """The four answers as the lead holds them; "" for a part nobody has found out yet."""

    situation: str = ""
    problem: str = ""
    implication: str = ""
    need_payoff: str = ""

    def known(self) -> tuple[str, ...]:
        return tuple(part for part in PARTS if getattr(self, part).strip())

    def open(self) -> tuple[str, ...]:
        return tuple(part for part in PARTS if not getattr(self, part).strip())

    def as_dict(self) -> dict[str, str]:
        return {part: getattr(self, part) for part in self.known()}


@dataclass(frozen=True)
class Answers:
    """What the follow-up form sent about the background: only the fields the form had (an old form has none).

    `parts` maps a part to its text as submitted ("" when the rep emptied it); `situation` is the buyer's situation
    (one of leads.SITUATIONS) when the form had its select.
    """

    parts: dict[str, str] = field(default_factory=dict)
    situation: str | None = None


def background_of(lead) -> Background:
    """A Lead's (or a row's) background."""
    return Background(**{part: getattr(lead, column) or "" for part, column in COLUMNS.items()})


def answer_problems(answers: Answers) -> dict[str, tuple[str, dict]]:
    """Form fields that cannot be saved, by the form's block id."""
    return {
        f"bg_{part}": ("field.too_long", {"max": PART_MAX})
        for part, text in answers.parts.items()
        if part in COLUMNS and len(clean_text(text)) > PART_MAX
    }


def apply_answers(lead: Lead, answers: Answers) -> bool:
    """Write the answers onto the lead; whether anything changed. Parts the form did not have stay as they are."""
    changed = False
    for part, text in answers.parts.items():
        column = COLUMNS.get(part)
        if column is not None and getattr(lead, column) != clean_text(text):
            setattr(lead, column, clean_text(text))
            changed = True
    if answers.situation is not None and answers.situation != lead.situation:
        lead.situation = answers.situation
        changed = True
    return changed


def fill_from_notes(lead: Lead) -> None:
    """Parts nobody has answered yet, read from the lead's free notes (typed in the new-lead or details form)."""
    for part, text in read_notes(lead.discovery_notes).items():
        column = COLUMNS[part]
        if not (getattr(lead, column) or "").strip():
            setattr(lead, column, text[:PART_MAX])


def still_no_background(touch_count: int, background: Background) -> bool:
    """Followed up NO_BACKGROUND_AFTER times or more and still nothing known: the rep should ask plainly."""
    return touch_count >= NO_BACKGROUND_AFTER and not background.known()


def known_count():
    """SQL: how many of the four parts a lead has (0–4), for counting leads by it."""
    return sum(
        case((func.coalesce(getattr(Lead, column), "") != "", 1), else_=0) for column in COLUMNS.values()
    )
