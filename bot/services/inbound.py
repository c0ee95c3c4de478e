"""Inbound channels: each new enquiry is offered for claiming, becomes one lead, and is chased if nobody takes it."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.clock import local_today
from bot.errors import EnquiryHandled, LeadbotError
from bot.services.lead_views import LeadView
from bot.services.leads import LONG_TEXT_MAX, LeadDraft, LeadService, add_lead, open_lead_by_key
from bot.services.ledger import Ledger
from bot.services.policy import Policy
from bot.services.reps import owner_calendar
from bot.services.webhooks import emit_lead
from bot.store.database import Database
from bot.store.models import ENQUIRY_DISMISSED, ENQUIRY_OPEN, ENQUIRY_TAKEN, Enquiry, InboundChannel, Lead, Rep, Touch
from bot.store.upsert import insert_ignore
from bot.text.company_guess import guess_company
from bot.text.company_names import company_key
from bot.text.i18n import t
from bot.text.message_text import IncomingMessage, first_line
from bot.worktime import WorkingHours

CLAIM, ASSIGN, ROUND_ROBIN = "claim", "assign", "round_robin"
INBOUND_REMINDER, INBOUND_ASSIGNED = "inbound_reminder", "inbound_assigned"
PLACEHOLDER_MAX = 80  # the company is a guess until the owner says; room for the guess and a ts after it


@dataclass(frozen=True)
class ChannelState:
    channel_id: str
    enabled: bool
    round_robin: bool
    claimers: tuple[str, ...] = ()
    mail: bool = False  # enquiries from the sales mailbox are posted here (`/lead inbound mail on`)


@dataclass(frozen=True)
class EnquiryView:
    team_id: str
    channel_id: str
    message_ts: str
    text: str
    author: str
    posted_at: datetime
    permalink: str | None
    reply_ts: str | None
    status: str
    taken_how: str | None
    owner_id: str | None
    handled_by: str | None
    handled_at: datetime | None
    lead_number: int | None


@dataclass(frozen=True)
class Taken:
    enquiry: EnquiryView
    lead: LeadView


@dataclass(frozen=True)
class Chased:
    """What the scheduler did about an enquiry nobody claimed in time."""

    kind: str  # INBOUND_REMINDER or INBOUND_ASSIGNED
    enquiry: EnquiryView
    lead: LeadView | None = None


@dataclass(frozen=True)
class RepResponseTimes:
    """How fast one rep picks up inbound enquiries: from the message to the claim, and to the first logged touch."""

    owner_id: str
    enquiries: int
    median_to_claim: timedelta
    slowest_to_claim: timedelta
    touched: int
    median_to_first_touch: timedelta | None
    slowest_to_first_touch: timedelta | None


class InboundService:
    def __init__(
        self, db: Database, leads: LeadService, policy_for: Callable[[str], Policy], hours: WorkingHours,
        claim_within: timedelta,
    ) -> None:
        self.db = db
        self.leads = leads
        self.policy_for = policy_for
        self.hours = hours
        self.claim_within = claim_within

    # -- channels ----------------------------------------------------------------------------

    def channel(self, team_id: str, channel_id: str) -> ChannelState:
        with self.db.uow() as uow:
            row = uow.session.get(InboundChannel, (team_id, channel_id))
            claimers = tuple(_claimers(uow.session, team_id, channel_id))
            if row is None:
                return ChannelState(channel_id, False, False, claimers)
            return ChannelState(channel_id, row.enabled, row.round_robin, claimers, row.mail)

    @staticmethod
    def check_channel(channel_id: str) -> None:
        """Only a channel can be an inbound channel, not a direct message: refused before anything is posted there."""
        if not channel_id or channel_id.startswith("D"):
            raise LeadbotError("inbound.only_channels")

    def set_enabled(self, team_id: str, channel_id: str, enabled: bool, user_id: str, now: datetime) -> ChannelState:
        """Turn a channel's offers on or off; anyone in the channel may."""
        self.check_channel(channel_id)
        return self._change(team_id, channel_id, user_id, now, enabled=enabled)

    def set_round_robin(self, team_id: str, channel_id: str, on: bool, user_id: str, now: datetime) -> ChannelState:
        """Give unclaimed enquiries out in turn; only in a channel that is an inbound channel already."""
        self.check_channel(channel_id)
        if not self.channel(team_id, channel_id).enabled:
            raise LeadbotError("inbound.needs_inbound", channel=channel_id)
        return self._change(team_id, channel_id, user_id, now, round_robin=on)

    def set_mail(self, team_id: str, channel_id: str, on: bool, user_id: str, now: datetime) -> ChannelState:
        """Post enquiries that arrive in the sales mailbox here (or stop); anyone in the channel may."""
        self.check_channel(channel_id)
        return self._change(team_id, channel_id, user_id, now, mail=on)

    def _change(self, team_id: str, channel_id: str, user_id: str, now: datetime, **values: bool) -> ChannelState:
        with self.db.uow() as uow:
            row = {"team_id": team_id, "channel_id": channel_id, "enabled": False, "round_robin": False, "mail": False}
            insert_ignore(uow.session, InboundChannel, {**row, "changed_by": user_id, "changed_at": now})
            uow.session.execute(
                update(InboundChannel)
                .where(InboundChannel.team_id == team_id, InboundChannel.channel_id == channel_id)
                .values(changed_by=user_id, changed_at=now, **values)
            )
            uow.commit()
        return self.channel(team_id, channel_id)

    # -- enquiries ---------------------------------------------------------------------------

    def record(self, team_id: str, message: IncomingMessage, now: datetime) -> EnquiryView | None:
        """Keep a new message in an inbound channel; None when the channel is not one, or the message is known.

        The unique (team, channel, ts) key makes a retried or twice-delivered event a no-op,
        so only the delivery that inserted the row goes on to post the thread reply.
        """
        with self.db.uow() as uow:
            session = uow.session
            channel = session.get(InboundChannel, (team_id, message.channel_id))
            if channel is None or not channel.enabled:
                return None
            inserted = insert_ignore(
                session,
                Enquiry,
                {
                    "team_id": team_id,
                    "channel_id": message.channel_id,
                    "message_ts": message.ts,
                    "text": message.text[:LONG_TEXT_MAX],
                    "author": message.author[:255],
                    "posted_at": message.posted_at,
                    "received_at": now,
                    "status": ENQUIRY_OPEN,
                    "remind_due_at": self.hours.add_working_time(
                        message.posted_at, self.claim_within, self.policy_for(team_id).team_tz
                    ),
                },
            )
            if not inserted:
                return None
            view = self._view(session, _enquiry(session, team_id, message.channel_id, message.ts))
            uow.commit()
            return view

    def find(self, team_id: str, channel_id: str, ts: str) -> EnquiryView | None:
        with self.db.uow() as uow:
            row = _enquiry(uow.session, team_id, channel_id, ts)
            return None if row is None else self._view(uow.session, row)

    def find_by_offer(self, team_id: str, channel_id: str, reply_ts: str) -> EnquiryView | None:
        """The enquiry whose threaded offer is the message `reply_ts`."""
        with self.db.uow() as uow:
            row = uow.session.scalar(
                select(Enquiry).where(
                    Enquiry.team_id == team_id, Enquiry.channel_id == channel_id, Enquiry.reply_ts == reply_ts
                )
            )
            return None if row is None else self._view(uow.session, row)

    def replied(self, team_id: str, channel_id: str, ts: str, reply_ts: str) -> None:
        self._set(team_id, channel_id, ts, reply_ts=reply_ts)

    def set_permalink(self, team_id: str, channel_id: str, ts: str, link: str | None) -> None:
        if not link:
            return
        self._set(team_id, channel_id, ts, permalink=link[:512])
        with self.db.uow() as uow:
            # Claimed before the link was known: give the lead its link too.
            lead_id = uow.session.scalar(
                select(Enquiry.lead_id).where(
                    Enquiry.team_id == team_id, Enquiry.channel_id == channel_id, Enquiry.message_ts == ts
                )
            )
            if lead_id is not None:
                uow.session.execute(
                    update(Lead)
                    .where(Lead.team_id == team_id, Lead.id == lead_id, Lead.source_link.is_(None))
                    .values(source_link=link[:512])
                )
                uow.commit()

    def take(
        self, team_id: str, channel_id: str, ts: str, owner_id: str, by: str, how: str, now: datetime, tz: str
    ) -> Taken:
        """Claim (or assign) the enquiry and turn it into a lead, once: a second taker gets EnquiryHandled."""
        with self.db.uow() as uow:
            taken = self._take(uow.session, team_id, channel_id, ts, owner_id, by, how, now, tz)
            uow.commit()
            return taken

    def dismiss(self, team_id: str, channel_id: str, ts: str, by: str, now: datetime) -> EnquiryView:
        with self.db.uow() as uow:
            session = uow.session
            changed = session.execute(
                _open_enquiry(update(Enquiry), team_id, channel_id, ts).values(
                    status=ENQUIRY_DISMISSED, handled_by=by, handled_at=now, remind_due_at=None
                )
            ).rowcount
            row = _enquiry(session, team_id, channel_id, ts)
            if row is None:
                raise LeadbotError("inbound.unknown")
            view = self._view(session, row)
            if changed != 1:
                raise EnquiryHandled(view)
            uow.commit()
            return view

    def _take(
        self, session: Session, team_id: str, channel_id: str, ts: str, owner_id: str, by: str | None, how: str,
        now: datetime, tz: str,
    ) -> Taken:
        # The conditional update is the race's referee: of two simultaneous claims, one changes the row.
        changed = session.execute(
            _open_enquiry(update(Enquiry), team_id, channel_id, ts).values(
                status=ENQUIRY_TAKEN, taken_how=how, owner_id=owner_id, handled_by=by, handled_at=now,
                remind_due_at=None,
            )
        ).rowcount
        row = _enquiry(session, team_id, channel_id, ts)
        if row is None:
            raise LeadbotError("inbound.unknown")
        if changed != 1:
            raise EnquiryHandled(self._view(session, row))
        draft = LeadDraft(
            company=_placeholder_company(session, team_id, row),
            contact_name="",
            contact_role="",
            source="inbound_channel",
            asked_for=row.text,
            situation="unknown",
            discovery_notes="",
            claimed_potential=None,
            potential_unit="",
            owner_id=owner_id,
            first_follow_up_on=self._first_follow_up(session, team_id, owner_id, local_today(now, tz)),
            source_link=row.permalink,
        )
        lead = add_lead(session, team_id, draft, by or owner_id, now)
        session.flush()
        emit_lead(session, self.policy_for(team_id), lead, "lead.created", by or owner_id, now)
        row.lead_id = lead.id
        return Taken(self._view(session, row), self.leads.view(lead))

    def _first_follow_up(self, session: Session, team_id: str, owner_id: str, today: date) -> date:
        """The new lead's first follow-up: the cadence's first step, on its owner's working day (a Friday claim
        is followed up on Monday, not Sunday)."""
        policy = self.policy_for(team_id)
        return policy.next_follow_up(0, today, owner_calendar(session, team_id, owner_id, policy.calendar))

    # -- the scheduler's part ------------------------------------------------------------------

    def due(self, now: datetime, limit: int = 500) -> list[tuple[str, str, str]]:
        """(team, channel, ts) of enquiries still unclaimed when their time to be claimed ran out."""
        with self.db.read_rows() as connection:
            rows = connection.execute(
                select(Enquiry.team_id, Enquiry.channel_id, Enquiry.message_ts)
                .where(Enquiry.status == ENQUIRY_OPEN, Enquiry.remind_due_at <= now)
                .order_by(Enquiry.remind_due_at, Enquiry.id)
                .limit(limit)
            )
            return [tuple(row) for row in rows]

    def next_reminder_after(self, after: datetime) -> datetime | None:
        """When the first unclaimed enquiry's time to be claimed runs out after `after`."""
        with self.db.read() as uow:
            return uow.session.scalar(
                select(func.min(Enquiry.remind_due_at)).where(
                    Enquiry.status == ENQUIRY_OPEN, Enquiry.remind_due_at > after
                )
            )

    def chase(self, team_id: str, channel_id: str, ts: str, now: datetime) -> Chased | None:
        """Nobody claimed it in time: assign it to the next rep in turn (round-robin), else remind the channel once.

        Both go through the ledger under one key per enquiry, so any number of schedulers
        running at once chase each enquiry exactly once.
        """
        tz = self.policy_for(team_id).team_tz
        with self.db.uow() as uow:
            session = uow.session
            query = select(Enquiry).where(
                Enquiry.team_id == team_id, Enquiry.channel_id == channel_id, Enquiry.message_ts == ts,
                Enquiry.status == ENQUIRY_OPEN, Enquiry.remind_due_at <= now,
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            row = session.scalar(query)
            if row is None:
                return None  # claimed meanwhile, or another scheduler has it
            if not self.hours.is_working_time(now, tz):
                # Caught up at night: chase when the team is back.
                row.remind_due_at = self.hours.first_working_instant(now, tz)
                uow.commit()
                return None
            channel = session.get(InboundChannel, (team_id, channel_id))
            # An emailed enquiry is chased while its channel takes mail, even if typed messages are not offered there.
            if channel is None or not (channel.enabled or (row.mail_key is not None and channel.mail)):
                row.remind_due_at = None
                uow.commit()
                return None
            subject = f"{channel_id}:{ts}"
            pool = _claimers(session, team_id, channel_id)
            if channel.round_robin and pool:
                owner = _next_in_turn(pool, channel.last_assigned_to)
                taken = self._take(
                    session, team_id, channel_id, ts, owner, None, ROUND_ROBIN, now, _tz_of(session, team_id, owner, tz)
                )
                channel.last_assigned_to = owner
                payload = {"leads": [taken.lead.number], "channel": channel_id, "ts": ts}
                Ledger.claim(session, team_id, INBOUND_ASSIGNED, subject, "once", owner, payload, now)
                uow.commit()
                return Chased(INBOUND_ASSIGNED, taken.enquiry, taken.lead)
            on_duty = [rep for rep in pool if self.hours.is_working_time(now, _tz_of(session, team_id, rep, tz))]
            payload = {"channel": channel_id, "ts": ts, "mentions": on_duty}
            row.reminded_at = now
            row.remind_due_at = None
            claimed = Ledger.claim(session, team_id, INBOUND_REMINDER, subject, "once", channel_id, payload, now)
            view = self._view(session, row)
            uow.commit()
            return Chased(INBOUND_REMINDER, view) if claimed else None

    # -- how fast enquiries are picked up --------------------------------------------------------

    def response_times(
        self, team_id: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[RepResponseTimes]:
        """Per rep who got inbound enquiries: median and slowest time from the message to the claim and to the
        first touch.

        Times are plain elapsed time (nights and weekends count: the buyer waited through them).
        """
        first_touch = (
            select(Touch.lead_id, func.min(Touch.logged_at).label("first_at"))
            .where(Touch.team_id == team_id)
            .group_by(Touch.lead_id)
            .subquery()
        )
        query = (
            select(Enquiry.owner_id, Enquiry.posted_at, Enquiry.handled_at, first_touch.c.first_at)
            .outerjoin(first_touch, first_touch.c.lead_id == Enquiry.lead_id)
            .where(Enquiry.team_id == team_id, Enquiry.status == ENQUIRY_TAKEN)
        )
        if since is not None:
            query = query.where(Enquiry.posted_at >= since)
        if until is not None:
            query = query.where(Enquiry.posted_at < until)
        by_rep: dict[str, tuple[list[timedelta], list[timedelta]]] = {}
        with self.db.uow() as uow:
            for owner, posted_at, handled_at, first_at in uow.session.execute(query):
                to_claim, to_touch = by_rep.setdefault(owner, ([], []))
                to_claim.append(max(handled_at - posted_at, timedelta(0)))
                if first_at is not None:
                    to_touch.append(max(first_at - posted_at, timedelta(0)))
        return [
            RepResponseTimes(
                owner_id=owner,
                enquiries=len(to_claim),
                median_to_claim=statistics.median(to_claim),
                slowest_to_claim=max(to_claim),
                touched=len(to_touch),
                median_to_first_touch=statistics.median(to_touch) if to_touch else None,
                slowest_to_first_touch=max(to_touch) if to_touch else None,
            )
            for owner, (to_claim, to_touch) in sorted(by_rep.items())
        ]

    # -- helpers -------------------------------------------------------------------------------

    def _set(self, team_id: str, channel_id: str, ts: str, **values) -> None:
        with self.db.uow() as uow:
            uow.session.execute(
                update(Enquiry)
                .where(Enquiry.team_id == team_id, Enquiry.channel_id == channel_id, Enquiry.message_ts == ts)
                .values(**values)
            )
            uow.commit()

    def _view(self, session: Session, row: Enquiry) -> EnquiryView:
        number = None
        if row.lead_id is not None:
            number = session.scalar(select(Lead.number).where(Lead.team_id == row.team_id, Lead.id == row.lead_id))
        return EnquiryView(
            team_id=row.team_id,
            channel_id=row.channel_id,
            message_ts=row.message_ts,
            text=row.text,
            author=row.author,
            posted_at=row.posted_at,
            permalink=row.permalink,
            reply_ts=row.reply_ts,
            status=row.status,
            taken_how=row.taken_how,
            owner_id=row.owner_id,
            handled_by=row.handled_by,
            handled_at=row.handled_at,
            lead_number=number,
        )


def _open_enquiry(statement, team_id: str, channel_id: str, ts: str):
    return statement.where(
        Enquiry.team_id == team_id,
        Enquiry.channel_id == channel_id,
        Enquiry.message_ts == ts,
        Enquiry.status == ENQUIRY_OPEN,
    )


def _enquiry(session: Session, team_id: str, channel_id: str, ts: str) -> Enquiry | None:
    return session.scalar(
        select(Enquiry).where(Enquiry.team_id == team_id, Enquiry.channel_id == channel_id, Enquiry.message_ts == ts)
    )


def _placeholder_company(session: Session, team_id: str, enquiry: Enquiry) -> str:
    """A short guess at the company (see bot.text.company_guess) stands in until the owner confirms or corrects it.

    Two enquiries may make the same guess ("Request for quote"); the second gets its
    message ts added so it still becomes a lead of its own.
    """
    name = guess_company(enquiry.text, enquiry.author) or t("inbound.placeholder_company", author=enquiry.author[:60])
    if open_lead_by_key(session, team_id, company_key(name)) is not None:
        suffix = f" ({enquiry.message_ts})"
        name = first_line(name, PLACEHOLDER_MAX - len(suffix)) + suffix
    return name


def _claimers(session: Session, team_id: str, channel_id: str) -> list[str]:
    """The channel's reps: everyone who has taken an enquiry there and has not left Slack, in a fixed order."""
    owners = session.scalars(
        select(Enquiry.owner_id)
        .where(Enquiry.team_id == team_id, Enquiry.channel_id == channel_id, Enquiry.owner_id.is_not(None))
        .distinct()
    ).all()
    gone = set(
        session.scalars(
            select(Rep.user_id).where(Rep.team_id == team_id, Rep.user_id.in_(owners), Rep.active.is_(False))
        )
    )
    return sorted(owner for owner in owners if owner not in gone)


def _next_in_turn(pool: list[str], last: str | None) -> str:
    later = [rep for rep in pool if last is not None and rep > last]
    return later[0] if later else pool[0]


def _tz_of(session: Session, team_id: str, user_id: str, default: str) -> str:
    return session.scalar(select(Rep.tz).where(Rep.team_id == team_id, Rep.user_id == user_id)) or default

