"""Enquiries that arrive by email: offered in the channel set with `/lead inbound mail on`, like inbound messages.

The mail is posted through the ledger (kind MAIL_ENQUIRY), so a crash never loses or doubles it; once
posted, it is an inbound enquiry like any other — keyed by its Slack ts, claimed, assigned or dismissed
with the same buttons, and chased by the same reminder.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.services.inbound import EnquiryView, InboundService
from bot.services.leads import LONG_TEXT_MAX
from bot.services.ledger import Ledger
from bot.services.policy import Policy
from bot.store.database import Database
from bot.store.models import ENQUIRY_OPEN, Enquiry, InboundChannel
from bot.store.upsert import insert_ignore
from bot.worktime import WorkingHours

MAIL_ENQUIRY = "mail_enquiry"
# An enquiry sent through the HTTP API with nobody to own it is offered like an emailed one; its key says so.
API_KEY_PREFIX = "api:"
# Until it is posted an emailed enquiry has no Slack ts; this stands in for it (Enquiry.message_ts is 32 long).
_PLACEHOLDER = "mail:"


@dataclass(frozen=True)
class MailEnquiry:
    """What the channel is shown: who wrote, and what they asked for (subject and first lines)."""

    team_id: str
    channel_id: str
    placeholder: str
    author: str
    asked_for: str
    sent_at: datetime
    status: str
    from_api: bool = False  # sent through the HTTP API, not by email


def placeholder_ts(message_key: str) -> str:
    return _PLACEHOLDER + hashlib.sha256(message_key.encode()).hexdigest()[: 32 - len(_PLACEHOLDER)]


def ledger_subject(message_key: str) -> str:
    """The ledger's subject is 64 long; a Message-ID may be 255."""
    return hashlib.sha256(message_key.encode()).hexdigest()


def mail_channel(session: Session, team_id: str) -> str | None:
    """The channel set with `/lead inbound mail on` (the latest, should there be several)."""
    return session.scalar(
        select(InboundChannel.channel_id)
        .where(InboundChannel.team_id == team_id, InboundChannel.mail.is_(True))
        .order_by(InboundChannel.changed_at.desc(), InboundChannel.channel_id)
        .limit(1)
    )


def offer_by_mail(
    session: Session, team_id: str, channel_id: str, message_key: str, author: str, asked_for: str,
    sent_at: datetime, now: datetime,
) -> bool:
    """Inside the caller's transaction (the one that claims the mail): the enquiry, and its post in the ledger."""
    placeholder = placeholder_ts(message_key)
    insert_ignore(
        session,
        Enquiry,
        {
            "team_id": team_id,
            "channel_id": channel_id,
            "message_ts": placeholder,
            "text": asked_for[:LONG_TEXT_MAX],
            "author": author[:255],
            "posted_at": sent_at,
            "received_at": now,
            "status": ENQUIRY_OPEN,
            "remind_due_at": None,  # the clock to claim it starts once it is in the channel
            "mail_key": message_key,
        },
    )
    payload = {"channel": channel_id, "placeholder": placeholder}
    return Ledger.claim(session, team_id, MAIL_ENQUIRY, ledger_subject(message_key), "once", channel_id, payload, now)


class MailEnquiries:
    def __init__(
        self, db: Database, inbound: InboundService, policy_for: Callable[[str], Policy], hours: WorkingHours,
        claim_within: timedelta,
    ) -> None:
        self.db = db
        self.inbound = inbound
        self.policy_for = policy_for
        self.hours = hours
        self.claim_within = claim_within

    def waiting(self, team_id: str, channel_id: str, placeholder: str) -> MailEnquiry | None:
        """The emailed enquiry not yet posted; None once it is (or if it never was recorded)."""
        with self.db.read() as uow:
            row = uow.session.scalar(
                select(Enquiry).where(
                    Enquiry.team_id == team_id, Enquiry.channel_id == channel_id, Enquiry.message_ts == placeholder
                )
            )
            if row is None:
                return None
            return MailEnquiry(
                team_id, channel_id, placeholder, row.author, row.text, row.posted_at, row.status,
                from_api=(row.mail_key or "").startswith(API_KEY_PREFIX),
            )

    def offer_from_api(self, team_id: str, author: str, text: str, now: datetime) -> str | None:
        """An enquiry sent through the HTTP API that names no owner (and the team has no default owner): offered in
        the mail channel exactly as an emailed enquiry is, to be claimed there. The channel; None when the team
        has none (`/lead inbound mail on`)."""
        with self.db.uow() as uow:
            channel = mail_channel(uow.session, team_id)
            if channel is None:
                return None
            offer_by_mail(uow.session, team_id, channel, API_KEY_PREFIX + uuid.uuid4().hex, author, text, now, now)
            uow.commit()
            return channel

    def posted(self, team_id: str, channel_id: str, placeholder: str, ts: str, now: datetime) -> EnquiryView | None:
        """The mail is in the channel as message `ts`: from now on it is that message's enquiry."""
        due = self.hours.add_working_time(now, self.claim_within, self.policy_for(team_id).team_tz)
        with self.db.uow() as uow:
            uow.session.execute(
                update(Enquiry)
                .where(
                    Enquiry.team_id == team_id, Enquiry.channel_id == channel_id, Enquiry.message_ts == placeholder
                )
                .values(message_ts=ts, remind_due_at=due)
            )
            uow.commit()
        return self.inbound.find(team_id, channel_id, ts)
