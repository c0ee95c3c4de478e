"""Domain errors: each carries a catalog key, so handlers can answer in the user's words."""

from __future__ import annotations


class Msg:
    """A catalog message used as an error parameter, put in the reader's words when the error is shown."""

    def __init__(self, key: str) -> None:
        self.key = key


class LeadbotError(Exception):
    """An expected refusal the user should read, not a crash."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class LeadNotFound(LeadbotError):
    def __init__(self, ref: str) -> None:
        super().__init__("error.lead_not_found", ref=ref)


class AmbiguousLead(LeadbotError):
    """A typed reference fits several open leads: `choices` are (number, company) to pick from, `more` the rest."""

    def __init__(self, ref: str, choices: tuple[tuple[int, str], ...], more: int = 0) -> None:
        listed = ", ".join(f"#{number} {company[:30]}" for number, company in choices)
        if more:
            listed += f", … (+{more})"
        super().__init__("error.which_lead", ref=ref, choices=listed)
        self.choices = choices
        self.more = more


class ReasonNeeded(LeadbotError):
    """Closing as lost with no reason leadbot can read in `note`: ask why, keeping what was typed as the note."""

    def __init__(self, lead, note: str) -> None:
        super().__init__("error.lost_reason_unknown", reasons="competitor, cancelled, budget, fit, silent, other")
        self.lead = lead
        self.note = note


class NotAllowed(LeadbotError):
    def __init__(self, number: int, owner: str) -> None:
        super().__init__("error.not_allowed", number=number, owner=owner)


class FormInvalid(LeadbotError):
    """Field-level problems: block id → (catalog key, params)."""

    def __init__(self, fields: dict[str, tuple[str, dict]]) -> None:
        super().__init__("form.invalid")
        self.fields = fields


class DuplicateLead(LeadbotError):
    def __init__(self, existing) -> None:
        super().__init__(
            "lead.duplicate", company=existing.company, number=existing.number, owner=existing.owner_id
        )
        self.existing = existing


class Goal:
    """A lead's follow-ups against the goal, as an error parameter: written out in the reader's words when shown."""

    def __init__(self, touches: int, min_touches: int, goal: int) -> None:
        self.touches, self.min_touches, self.goal = touches, min_touches, goal


class TooFewTouches(LeadbotError):
    """"Only wanted a proposal" before the minimum follow-ups: most such buyers are still deciding."""

    def __init__(self, lead, minimum: int, note_kept: bool = False) -> None:
        progress = Goal(lead.touch_count, minimum, max(lead.touch_goal, minimum))
        super().__init__("error.too_few_touches", number=lead.number, progress=progress)
        self.lead = lead
        self.note_kept = note_kept  # the rep's note went on the lead's notes


class EnquiryHandled(LeadbotError):
    """Someone already claimed this enquiry, or said it was none; one enquiry never becomes two leads."""

    def __init__(self, enquiry) -> None:
        if enquiry.status == "dismissed":
            super().__init__("inbound.already_dismissed", user=enquiry.handled_by or "")
        else:
            super().__init__("inbound.already_taken", owner=enquiry.owner_id or "", lead=enquiry.lead_number or "")
        self.enquiry = enquiry


class LeadClosed(LeadbotError):
    """The lead is won or lost already: there is nothing left to change."""

    def __init__(self, number: int, company: str, status: str) -> None:
        super().__init__("error.closed", number=number, company=company, status=Msg(f"status.{status}"))
        self.number = number


class ScopeMissing(LeadbotError):
    """The workspace did not grant an optional scope a feature needs: say which, and how an admin grants it."""

    def __init__(self, scope: str) -> None:
        super().__init__("scope.missing", scope=scope, feature=Msg(scope_feature_key(scope)))
        self.scope = scope


def scope_feature_key(scope: str) -> str:
    """The catalog key naming what an optional scope is for: "files:write" → "scope.feature.files_write"."""
    return "scope.feature." + scope.replace(":", "_").replace(".", "_")


class StaleAction(Exception):
    """A click or form leadbot cannot act on: a value it cannot read, or a button older than the lead's state.

    Not a LeadbotError, so no listener's refusal handling swallows it: handlers/stale.py answers
    it, once for every listener — acked, one friendly line (with the lead as it stands now when
    `lead` names one), a warning in the log.
    """

    def __init__(self, why: str, lead: int | None = None) -> None:
        super().__init__(why)
        self.why = why
        self.lead = lead
