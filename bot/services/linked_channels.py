"""Channels tied to a lead (`/lead link`), typically shared with the customer: what is said there logs itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session

from bot.clock import local_today
from bot.errors import LeadbotError, NotAllowed
from bot.services.buyer_replies import BuyerReplyView, record_reply_in
from bot.services.lead_views import LeadView
from bot.services.leads import LeadService, record_touch
from bot.services.policy import Policy
from bot.store.database import Database
from bot.store.models import CHANNEL, OPEN, BuyerReply, Lead, LinkedChannel, Rep, Touch
from bot.store.upsert import insert_ignore
from bot.text.message_text import ChannelMessage, first_line

NOTE_MAX = 300  # the first line of what our side said
REPLY_NOTE_MAX = 1000
CHANNEL_TOUCH = "message"
FOLLOWED_UP, BUYER_REPLIED, ALREADY_TODAY, NOT_OPEN = "follow_up", "buyer_reply", "already_today", "not_open"


@dataclass(frozen=True)
class ChannelActivity:
    """What a message in a linked channel did to its lead."""

    outcome: str  # FOLLOWED_UP, BUYER_REPLIED, ALREADY_TODAY (our side spoke there today already), NOT_OPEN
    lead_number: int
    reply: BuyerReplyView | None = None


class LinkedChannels:
    def __init__(self, db: Database, leads: LeadService, policy_for: Callable[[str], Policy]) -> None:
        self.db = db
        self.leads = leads
        self.policy_for = policy_for

    def check_link(self, team_id: str, ref: str, channel_id: str, user_id: str) -> LeadView:
        """The lead `ref` names, if `user_id` may tie it to `channel_id` now; refused in words otherwise.

        For the command to check before it posts the confirmation in the channel; `link` checks again.
        """
        if not channel_id or channel_id[:1] not in ("C", "G"):
            raise LeadbotError("link.only_channels")
        lead = self.leads.editable(team_id, ref, user_id)  # its owner or an admin, and open
        with self.db.read() as uow:
            self._refuse_if_taken(uow.session, team_id, channel_id, lead.number)
        return lead

    def link(self, team_id: str, ref: str, channel_id: str, user_id: str, now: datetime) -> LeadView:
        """Tie the channel to the lead: our side's messages there are follow-ups, the customer's are replies.

        A channel belongs to one lead at a time (`/lead unlink` first to move it); linking it again to the
        same lead changes nothing. A lead may have several channels.
        """
        lead = self.check_link(team_id, ref, channel_id, user_id)
        with self.db.uow() as uow:
            session = uow.session
            lead_id = _lead_id(session, team_id, lead.number)
            row = {"team_id": team_id, "channel_id": channel_id, "lead_id": lead_id}
            if not insert_ignore(session, LinkedChannel, {**row, "linked_by": user_id, "linked_at": now}):
                self._refuse_if_taken(session, team_id, channel_id, lead.number)  # someone linked it a moment ago
            uow.commit()
        return lead

    def unlink(self, team_id: str, ref: str, user_id: str) -> tuple[LeadView, list[str]]:
        """Untie every channel from the lead (its owner or an admin); returns the lead and the channels it had."""
        lead = self.leads.find(team_id, ref, user_id=user_id)
        if user_id != lead.owner_id and not self.policy_for(team_id).is_admin(user_id):
            raise NotAllowed(lead.number, lead.owner_id)
        with self.db.uow() as uow:
            session = uow.session
            lead_id = _lead_id(session, team_id, lead.number)
            channels = sorted(
                session.scalars(
                    select(LinkedChannel.channel_id).where(
                        LinkedChannel.team_id == team_id, LinkedChannel.lead_id == lead_id
                    )
                )
            )
            if not channels:
                raise LeadbotError("link.none", number=lead.number, company=lead.company)
            session.execute(
                delete(LinkedChannel).where(LinkedChannel.team_id == team_id, LinkedChannel.lead_id == lead_id)
            )
            uow.commit()
        return lead, channels

    def channels_of(self, team_id: str, number: int) -> list[str]:
        with self.db.read() as uow:
            return sorted(
                uow.session.scalars(
                    select(LinkedChannel.channel_id)
                    .join(Lead, Lead.id == LinkedChannel.lead_id)
                    .where(LinkedChannel.team_id == team_id, Lead.team_id == team_id, Lead.number == number)
                )
            )

    def said(self, team_id: str, message: ChannelMessage, now: datetime) -> ChannelActivity | None:
        """Someone spoke in a channel: None when it is not linked. Our member → a follow-up on the lead, at
        most one a local day unless the buyer wrote since; anyone else (the customer) → a buyer reply."""
        with self.db.read() as uow:
            # Most messages are in channels tied to no lead: a read decides, without taking SQLite's write lock.
            if uow.session.get(LinkedChannel, (team_id, message.channel_id)) is None:
                return None
        with self.db.uow() as uow:
            session = uow.session
            link = session.get(LinkedChannel, (team_id, message.channel_id))
            if link is None:
                return None  # unlinked a moment ago
            query = select(Lead).where(Lead.team_id == team_id, Lead.id == link.lead_id)
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update()  # two messages at once: one follow-up, not two
            lead = session.scalar(query)
            if lead is None or lead.status != OPEN:
                return ChannelActivity(NOT_OPEN, lead.number if lead else 0)
            if message.user_team != team_id:
                ref = f"slack:{message.channel_id}:{message.ts}"
                note = message.text.strip()[:REPLY_NOTE_MAX]
                policy = self.policy_for(team_id)
                reply = record_reply_in(session, policy, team_id, lead.id, CHANNEL, ref, note, message.posted_at, now)
                uow.commit()
                return ChannelActivity(BUYER_REPLIED, lead.number, reply)
            activity = self._follow_up(session, lead, message, now)
            uow.commit()
            return activity

    def _follow_up(self, session: Session, lead: Lead, message: ChannelMessage, now: datetime) -> ChannelActivity:
        policy = self.policy_for(lead.team_id)
        tz = session.scalar(select(Rep.tz).where(Rep.team_id == lead.team_id, Rep.user_id == lead.owner_id))
        tz = tz or policy.team_tz
        day = local_today(message.posted_at, tz)
        last = session.scalar(
            select(func.max(Touch.logged_at)).where(
                Touch.team_id == lead.team_id, Touch.lead_id == lead.id, Touch.source == CHANNEL
            )
        )
        if last is not None and local_today(last, tz) == day and last <= message.posted_at:
            buyer_since = session.scalar(
                select(
                    exists().where(
                        BuyerReply.team_id == lead.team_id, BuyerReply.lead_id == lead.id,
                        BuyerReply.replied_at > last, BuyerReply.replied_at <= message.posted_at,
                    )
                )
            )
            if not buyer_since:
                return ChannelActivity(ALREADY_TODAY, lead.number)  # a conversation is one follow-up, not twenty
        record_touch(
            session, policy, lead, message.user, CHANNEL_TOUCH, first_line(message.text, NOTE_MAX), now, tz,
            source=CHANNEL, at=message.posted_at, keep_buyer_date=True,
        )
        return ChannelActivity(FOLLOWED_UP, lead.number)

    @staticmethod
    def _refuse_if_taken(session: Session, team_id: str, channel_id: str, number: int) -> None:
        other = session.execute(
            select(Lead.number, Lead.company)
            .join(LinkedChannel, LinkedChannel.lead_id == Lead.id)
            .where(LinkedChannel.team_id == team_id, LinkedChannel.channel_id == channel_id)
        ).first()
        if other is not None and other.number != number:
            raise LeadbotError("link.taken", channel=channel_id, number=other.number, company=other.company)


def _lead_id(session: Session, team_id: str, number: int) -> int:
    return session.scalar(select(Lead.id).where(Lead.team_id == team_id, Lead.number == number))
