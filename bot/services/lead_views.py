"""What a lead looks like to everyone who shows it: its view, its follow-ups' views, a list line; from its row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Row, select
from sqlalchemy.orm import object_session

from bot.services.background import Background, background_of
from bot.services.policy import Policy
from bot.store.models import CHANNEL, OPEN, TYPED, Lead, LinkedChannel

# What a list line shows (ListLine, in its order): a list reads these columns only.
LIST_COLUMNS = (
    Lead.number, Lead.company, Lead.owner_id, Lead.created_at, Lead.touch_count, Lead.next_follow_up_on,
    Lead.needs_new_owner, Lead.pinned_at,
)


@dataclass(frozen=True)
class TouchView:
    kind: str
    note: str
    buyer_said: str
    logged_by: str
    logged_at: datetime
    source: str = TYPED  # where it came from: typed, read from the mailbox, or said in a linked channel
    channel: str | None = None  # for a CHANNEL one: the channel linked to the lead, when it still is


@dataclass(frozen=True)
class LeadView:
    number: int
    company: str
    contact_name: str
    contact_role: str
    source: str
    asked_for: str
    situation: str
    discovery_notes: str
    claimed_potential: Decimal | None
    realistic_potential: Decimal | None
    potential_factor: Decimal
    potential_unit: str
    owner_id: str
    status: str
    lost_reason: str | None
    touch_count: int
    next_follow_up_on: date | None
    last_touch_at: datetime | None
    created_at: datetime
    touch_goal: int = 5
    min_touches: int = 3
    team_id: str = ""
    buyer_date: date | None = None
    needs_new_owner: bool = False
    nudges_unanswered: int = 0
    touches: tuple[TouchView, ...] = ()
    source_link: str | None = None
    won_value: Decimal | None = None
    won_currency: str | None = None
    closed_at: datetime | None = None
    # Set by the change that made it: the next follow-up was kept as the person gave it although it is a rest
    # day for the owner (say so in a line), or it was computed onto a rest day and moved on from `moved_from`.
    rest_day: bool = False
    moved_from: date | None = None
    contact_email: str | None = None
    # What discovery found out so far (situation, problem, implication, need-payoff).
    background: Background = Background()
    pinned_at: datetime | None = None  # the owner pinned it on top of *Call these first*

    def last_contact(self) -> datetime:
        return self.last_touch_at or self.created_at


class ListLine(NamedTuple):
    """An open lead as a list line shows it (`/lead list`, the Home tab): only what the line says.

    A named tuple, not a frozen dataclass: a list makes forty a command, and a frozen dataclass sets each field
    through object.__setattr__, four times the CPU of building the tuple."""

    number: int
    company: str
    owner_id: str
    created_at: datetime
    touch_count: int
    next_follow_up_on: date | None
    needs_new_owner: bool
    pinned_at: datetime | None  # the owner pinned it on top of *Call these first* (the Home tab's menu says so)
    touch_goal: int
    min_touches: int

    @property
    def status(self) -> str:
        return OPEN  # a list shows open leads only


def lead_view(
    policy: Policy, lead: Lead | Row, with_touches: bool = False, rest_day: bool = False,
    moved_from: date | None = None,
) -> LeadView:
    """A lead's view, from a Lead or a row with its columns (touches need a Lead): for every service that loaded or
    changed it in its own transaction."""
    touches = ()
    if with_touches:
        channel = _linked_channel(lead) if any(t.source == CHANNEL for t in lead.touches) else None
        touches = tuple(
            TouchView(t.kind, t.note, t.buyer_said, t.logged_by, t.logged_at, t.source,
                      channel if t.source == CHANNEL else None)
            for t in lead.touches
        )
    return LeadView(
        team_id=lead.team_id,
        number=lead.number,
        company=lead.company,
        contact_name=lead.contact_name,
        contact_role=lead.contact_role,
        source=lead.source,
        asked_for=lead.asked_for,
        situation=lead.situation,
        discovery_notes=lead.discovery_notes,
        claimed_potential=lead.claimed_potential,
        realistic_potential=policy.realistic(lead.claimed_potential),
        potential_factor=policy.potential_factor,
        touch_goal=policy.touch_goal,
        min_touches=policy.min_touches,
        potential_unit=lead.potential_unit,
        owner_id=lead.owner_id,
        status=lead.status,
        lost_reason=lead.lost_reason,
        touch_count=lead.touch_count,
        next_follow_up_on=lead.next_follow_up_on,
        last_touch_at=lead.last_touch_at,
        created_at=lead.created_at,
        buyer_date=lead.buyer_date,
        needs_new_owner=lead.needs_new_owner,
        nudges_unanswered=lead.nudges_unanswered,
        touches=touches,
        source_link=lead.source_link,
        won_value=lead.won_value,
        won_currency=lead.won_currency,
        closed_at=lead.closed_at,
        pinned_at=lead.pinned_at,
        rest_day=rest_day,
        moved_from=moved_from,
        contact_email=lead.contact_email,
        background=background_of(lead),
    )


def _linked_channel(lead: Lead) -> str | None:
    """The channel most recently linked to the lead (`/lead link`), to say where its channel follow-ups came from."""
    session = object_session(lead)
    return None if session is None else session.scalar(
        select(LinkedChannel.channel_id)
        .where(LinkedChannel.team_id == lead.team_id, LinkedChannel.lead_id == lead.id)
        .order_by(LinkedChannel.linked_at.desc())
        .limit(1)
    )
