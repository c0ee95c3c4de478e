"""What the API accepts and answers, as pydantic models: they validate requests and make the OpenAPI document."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from bot.services.lead_json import API_LOST_REASONS
from bot.services.leads import SITUATIONS, SOURCES, TOUCH_KINDS

Source = Literal[SOURCES]
Situation = Literal[SITUATIONS]
TouchKind = Literal[(*TOUCH_KINDS, "other")]
LostReason = Literal[tuple(API_LOST_REASONS)]
Status = Literal["open", "won", "lost"]
# A number (1234.5) or a decimal string ("1234.50", "1,234.50", "2.4k", "1.2万"), read by leadbot's own rules.
AmountValue = Decimal | str
Person = Field(
    None, description="A Slack user id (U…) or the email of a member of the workspace.", examples=["U012AB3CD"]
)


class _In(BaseModel):
    """Requests name only the fields they mean: a misspelt field is an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class LeadIn(_In):
    """A new lead: only `company` is required."""

    company: str = Field(description="The buyer's company; one open lead per company.", examples=["Lakeside Packaging"])
    contact: str | None = Field(None, description="Who enquired.")
    contact_email: str | None = Field(None, description="Their email: mail with them is matched to the lead.")
    asked_for: str | None = Field(None, description="What they asked for, in their words.")
    source: Source | None = Field(None, description="Where the enquiry came from (default `other`).")
    situation: Situation | None = Field(None, description="How far along the buyer is (default `unknown`).")
    claimed_potential: AmountValue | None = Field(None, description="What the buyer says they could order.")
    potential_unit: str | None = Field(None, description="What the potential is counted in, e.g. `CNY/year`.")
    owner: str | None = Person
    next_follow_up: date | None = Field(
        None, description="The first follow-up (default: the cadence's first step, on the owner's working day)."
    )


class TouchIn(_In):
    """A follow-up that happened: a call, a visit, a message."""

    kind: TouchKind = Field(description="How the buyer was contacted.")
    note: str | None = Field(None, description="What was said.")
    at: AwareDatetime | None = Field(None, description="When it happened, with its offset (default: now).")
    by: str | None = Field(
        None,
        description="Who made it: a Slack user id or a member's email (default: the lead's owner). Only the "
        "owner or an admin may log a follow-up on a lead, as in Slack.",
    )


class WonIn(_In):
    """Closing a lead as won; the deal's value is optional."""

    value: AmountValue | None = Field(None, description="The deal's value, e.g. `24000` or `2.4万`.")
    currency: str | None = Field(None, description="ISO code of the value's currency (default: the team's).")


class LostIn(_In):
    """Closing a lead as lost, with the same reasons as in Slack."""

    reason: LostReason = Field(
        description="`silent` (only wanted a proposal) is refused before the team's minimum follow-ups."
    )
    note: str | None = Field(None, description="What happened.")


class OrderIn(_In):
    """An order an account placed; sending the same `ref` again records nothing new."""

    company: str = Field(description="The account that ordered.")
    ordered_on: date
    amount: AmountValue = Field(description="Above zero.")
    currency: str | None = Field(None, description="ISO code (default: the one in `amount`, else the team's).")
    ref: str | None = Field(None, max_length=128, description="Your order number: what makes a repeat a repeat.")
    note: str | None = None


class LeadQuery(_In):
    """The filters of `GET /api/v1/leads`."""

    status: Status | None = None
    owner: str | None = Person
    updated_since: AwareDatetime | None = Field(None, description="Only leads changed at or after this instant.")
    cursor: str | None = Field(None, description="`next_cursor` of the page before.")
    limit: int = Field(100, ge=1, le=200, description="Leads a page, at most 200.")


class FollowUp(BaseModel):
    kind: str
    note: str
    buyer_said: str
    by: str = Field(description="The Slack user id of who logged it.")
    at: AwareDatetime
    source: str = Field(description="`typed` (Slack or the API), `email` (the sales mailbox), `channel`.")


class Lead(BaseModel):
    """A lead as the API answers it and webhooks carry it."""

    number: int
    company: str
    contact: str
    contact_email: str | None
    asked_for: str
    source: str
    situation: str
    owner: str = Field(description="The owner's Slack user id.")
    status: Status
    lost_reason: LostReason | None
    touches: int = Field(description="Follow-ups logged so far.")
    next_follow_up: date | None
    claimed_potential: str | None = Field(description="A decimal string.")
    potential_unit: str
    realistic_potential: str | None = Field(description="The claimed potential times the team's factor.")
    created_at: AwareDatetime
    closed_at: AwareDatetime | None
    url: str | None = Field(description="The Slack message the lead came from, where leadbot knows one.")


class LeadWithFollowUps(Lead):
    follow_ups: list[FollowUp]


class LeadList(BaseModel):
    items: list[Lead]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class Order(BaseModel):
    company: str = Field(description="The account's name as leadbot knows it.")
    ordered_on: date
    amount: str = Field(description="A decimal string.")
    currency: str
    ref: str | None
    note: str
    owner: str | None = Field(description="The account's owner, where it has one.")
    created_at: AwareDatetime


class Offered(BaseModel):
    """A lead sent without an owner, when the team has no default owner: offered in the channel that takes
    enquiries, for a rep to claim there. It becomes a lead once claimed."""

    status: Literal["offered"]
    channel: str = Field(description="The Slack channel it was offered in.")


class FieldProblem(BaseModel):
    field: str = Field(description="The request field, e.g. `company` or `items.0.amount`.")
    detail: str


class Problem(BaseModel):
    """An error, as RFC 9457 problem details (`application/problem+json`)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = Field(None, description="Each bad field (400, 422).")
    lead: Lead | None = Field(None, description="The lead already open for the company (409).")
