"""Buyer replies: the buyer wrote back (by email or in a linked channel), and the lead waits for its owner's answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import String, and_, case, cast, exists, func, or_, select, update
from sqlalchemy.orm import Session

from bot.services.lead_json import iso_time
from bot.services.ledger import Ledger
from bot.services.policy import Policy
from bot.services.webhooks import BUYER, emit_lead
from bot.store.database import Database
from bot.store.models import CHANNEL, EMAIL, OPEN, SKIPPED, BuyerReply, Delivery, Lead
from bot.store.upsert import insert_ignore

BUYER_REPLY = "buyer_reply"  # the ledger kind of the owner's DM about one reply
DM_PERIOD = "reply"  # one DM per reply, ever: the reply's id is the subject
FOLLOW_UP, SNOOZE, SAID_LATER = "follow_up", "snooze", "said_later"  # BuyerReply.answered_how
SOURCES = (EMAIL, CHANNEL)
NOTE_MAX = 1000  # the first lines are what the owner needs; the whole mail stays in the mailbox
REF_MAX = 255
# A reply older than this when the scheduler first sees it gets no DM of its own (the digest still lists it).
DM_WITHIN = timedelta(days=30)


@dataclass(frozen=True)
class BuyerReplyView:
    id: int
    team_id: str
    lead_id: int  # leads.id, not the number reps type
    lead_number: int
    owner_id: str
    source: str  # EMAIL or CHANNEL
    ref: str
    note: str
    replied_at: datetime
    answered_at: datetime | None
    answered_how: str | None

    @property
    def waiting(self) -> bool:
        return self.answered_at is None


@dataclass(frozen=True)
class ReplyStats:
    """Buyer replies in a period, and how fast owners answered them (still-waiting ones counted as waiting)."""

    replies: int
    answered: int
    waiting: int
    median_to_answer: timedelta | None


class BuyerReplies:
    def __init__(self, db: Database, policy_for: Callable[[str], Policy]) -> None:
        self.db = db
        self.policy_for = policy_for

    def record_reply(
        self, team_id: str, lead_id: int, source: str, ref: str, note: str, at: datetime, now: datetime
    ) -> BuyerReplyView | None:
        """`record_reply_in` in a transaction of its own."""
        with self.db.uow() as uow:
            view = record_reply_in(uow.session, self.policy_for(team_id), team_id, lead_id, source, ref, note, at, now)
            uow.commit()
        return view

    def reply(self, team_id: str, reply_id: int) -> BuyerReplyView | None:
        with self.db.read() as uow:
            return _one(uow.session, team_id, reply_id)

    def waiting_for(self, team_id: str, owner_id: str, limit: int = 50) -> list[BuyerReplyView]:
        """The owner's replies still waiting for an answer, on open leads, oldest first."""
        with self.db.read() as uow:
            return waiting_in(uow.session, team_id, owner_id, limit)

    # -- the owner's DM --------------------------------------------------------------------------

    def to_tell(self, now: datetime, limit: int = 1000) -> list[BuyerReplyView]:
        """Waiting replies on open leads whose owner has not been told yet (no ledger row), oldest first."""
        told = exists().where(
            Delivery.team_id == BuyerReply.team_id, Delivery.kind == BUYER_REPLY,
            Delivery.subject == cast(BuyerReply.id, String), Delivery.period == DM_PERIOD,
        )
        with self.db.read_rows() as connection:
            rows = connection.execute(
                _VIEW.where(
                    BuyerReply.answered_at.is_(None), Lead.status == OPEN, Lead.needs_new_owner.is_(False),
                    BuyerReply.replied_at >= now - DM_WITHIN, ~told,
                ).order_by(BuyerReply.replied_at, BuyerReply.id).limit(limit)
            )
            return [_view(row) for row in rows]

    def claim_dm(self, reply: BuyerReplyView, now: datetime, folded: bool = False) -> bool:
        """Write the owner's one DM about `reply` to the ledger; `folded`: today's digest carries it instead, so
        the row is kept as done (nothing is posted). False when some scheduler wrote it already."""
        with self.db.uow() as uow:
            payload = {"reply": reply.id, "lead": reply.lead_number, **({"folded": True} if folded else {})}
            claimed = _claim(uow.session, reply, payload, now)
            if claimed and folded:
                uow.session.execute(
                    update(Delivery)
                    .where(
                        Delivery.team_id == reply.team_id, Delivery.kind == BUYER_REPLY,
                        Delivery.subject == str(reply.id), Delivery.period == DM_PERIOD,
                    )
                    .values(status=SKIPPED)
                )
            uow.commit()
        return claimed

    # -- the team summary ------------------------------------------------------------------------

    def stats(self, team_id: str, start: datetime, end: datetime) -> ReplyStats:
        """Replies that came in [start, end): how many, how many answered, and the median time to the answer."""
        with self.db.read() as uow:
            rows = uow.session.execute(
                select(BuyerReply.replied_at, BuyerReply.answered_at, Lead.status)
                .join(Lead, Lead.id == BuyerReply.lead_id)
                .where(BuyerReply.team_id == team_id, BuyerReply.replied_at >= start, BuyerReply.replied_at < end)
            ).all()
        spans = sorted(answered - replied for replied, answered, _status in rows if answered is not None)
        waiting = sum(1 for _replied, answered, status in rows if answered is None and status == OPEN)
        median = None
        if spans:
            middle = len(spans) // 2
            median = spans[middle] if len(spans) % 2 else (spans[middle - 1] + spans[middle]) / 2
        return ReplyStats(len(rows), len(spans), waiting, median)


def record_reply_in(
    session: Session, policy: Policy, team_id: str, lead_id: int, source: str, ref: str, note: str, at: datetime,
    now: datetime,
) -> BuyerReplyView | None:
    """Inside the caller's transaction: record that the buyer of lead `lead_id` (leads.id) wrote at `at`.

    Once per (team, ref) however often the message is read: a second call returns None, as does a
    lead that is not open (or not this team's). A reply is not a follow-up (the count stays). One that
    came after the lead's last follow-up leaves the lead waiting (`reply_waiting_since`, the earliest
    waiting reply): not quiet, no nudge, and its owner is told once, by the scheduler (kind buyer_reply).
    One that came before it was answered by that follow-up already. Every new reply is a `buyer.replied` event.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown buyer reply source {source!r}")
    lead = session.execute(
        select(Lead.id, Lead.last_touch_at).where(Lead.id == lead_id, Lead.team_id == team_id, Lead.status == OPEN)
    ).first()
    if lead is None:
        return None
    # In the same second as the last follow-up (channel messages carry whole seconds): waiting, to be safe.
    answered = lead.last_touch_at is not None and lead.last_touch_at > at
    added = insert_ignore(
        session,
        BuyerReply,
        {
            "team_id": team_id,
            "lead_id": lead_id,
            "source": source,
            "ref": ref[:REF_MAX],
            "note": (note or "").strip()[:NOTE_MAX],
            "replied_at": at,
            "answered_at": lead.last_touch_at if answered else None,
            "answered_how": FOLLOW_UP if answered else None,
        },
    )
    if not added:
        return None
    if not answered:
        # One statement, so two replies recorded at once keep the earliest; a waiting lead is not nudged.
        session.execute(
            update(Lead)
            .where(Lead.id == lead_id, Lead.status == OPEN)
            .values(
                reply_waiting_since=case(
                    (or_(Lead.reply_waiting_since.is_(None), Lead.reply_waiting_since > at), at),
                    else_=Lead.reply_waiting_since,
                ),
                nudge_due_at=None,
                updated_at=now,
            )
            .execution_options(synchronize_session="fetch")
        )
    reply_id = session.scalar(
        select(BuyerReply.id).where(BuyerReply.team_id == team_id, BuyerReply.ref == ref[:REF_MAX])
    )
    view = _one(session, team_id, reply_id)
    changed = session.scalar(select(Lead).where(Lead.id == lead_id))
    said = {"source": source, "note": view.note, "at": iso_time(at)}
    emit_lead(session, policy, changed, "buyer.replied", BUYER, now, reply=said)
    return view


def waiting_in(session: Session, team_id: str, owner_id: str, limit: int = 50) -> list[BuyerReplyView]:
    """`BuyerReplies.waiting_for` inside the caller's session (the digest reads it with its leads)."""
    rows = session.execute(
        _VIEW.where(
            BuyerReply.team_id == team_id, Lead.owner_id == owner_id, Lead.status == OPEN,
            BuyerReply.answered_at.is_(None),
        ).order_by(BuyerReply.replied_at, BuyerReply.id).limit(limit)
    )
    return [_view(row) for row in rows]


def replies_in(session: Session, team_id: str, reply_ids: list[int]) -> list[BuyerReplyView]:
    """Replies by id, in the order given (a digest redrawn with the replies it listed)."""
    if not reply_ids:
        return []
    rows = session.execute(_VIEW.where(BuyerReply.team_id == team_id, BuyerReply.id.in_(reply_ids)))
    found = {row.id: _view(row) for row in rows}
    return [found[i] for i in reply_ids if i in found]


def answer_replies(session: Session, lead: Lead, answered_at: datetime, how: str) -> int:
    """The owner answered the buyer (a follow-up at `answered_at`, a snooze, the buyer's date): every reply that
    came before it is answered, and the lead waits only for replies that came after. Returns how many."""
    if lead.reply_waiting_since is None or lead.reply_waiting_since > answered_at:
        return 0
    result = session.execute(
        update(BuyerReply)
        .where(
            BuyerReply.team_id == lead.team_id, BuyerReply.lead_id == lead.id,
            BuyerReply.answered_at.is_(None), BuyerReply.replied_at <= answered_at,
        )
        .values(answered_at=answered_at, answered_how=how)
        .execution_options(synchronize_session=False)
    )
    lead.reply_waiting_since = session.scalar(
        select(func.min(BuyerReply.replied_at)).where(
            BuyerReply.team_id == lead.team_id, BuyerReply.lead_id == lead.id, BuyerReply.answered_at.is_(None)
        )
    )
    return result.rowcount or 0


def _claim(session: Session, reply: BuyerReplyView, payload: dict, now: datetime) -> bool:
    return Ledger.claim(session, reply.team_id, BUYER_REPLY, str(reply.id), DM_PERIOD, reply.owner_id, payload, now)


_VIEW = select(
    BuyerReply.id, BuyerReply.team_id, BuyerReply.lead_id, Lead.number, Lead.owner_id, BuyerReply.source,
    BuyerReply.ref, BuyerReply.note, BuyerReply.replied_at, BuyerReply.answered_at, BuyerReply.answered_how,
).join(Lead, and_(Lead.id == BuyerReply.lead_id, Lead.team_id == BuyerReply.team_id))


def _one(session: Session, team_id: str, reply_id: int | None) -> BuyerReplyView | None:
    if reply_id is None:
        return None
    row = session.execute(_VIEW.where(BuyerReply.team_id == team_id, BuyerReply.id == reply_id)).first()
    return None if row is None else _view(row)


def _view(row) -> BuyerReplyView:
    return BuyerReplyView(
        id=row.id, team_id=row.team_id, lead_id=row.lead_id, lead_number=row.number, owner_id=row.owner_id,
        source=row.source, ref=row.ref, note=row.note, replied_at=row.replied_at, answered_at=row.answered_at,
        answered_how=row.answered_how,
    )
