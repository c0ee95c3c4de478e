"""The delivery ledger: every scheduled message is written here, keyed, before it is posted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from bot.store.database import Database
from bot.store.models import FAILED, PENDING, SENT, SKIPPED, Delivery
from bot.store.upsert import insert_ignore

# Longer than any one post with its retries takes; a sender killed mid-post is retried after it.
LEASE = timedelta(minutes=2)
MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class DeliveryView:
    id: int
    team_id: str
    kind: str
    subject: str
    period: str
    target: str
    payload: dict
    attempts: int
    created_at: datetime


class Ledger:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def claim(
        session: Session, team_id: str, kind: str, subject: str, period: str, target: str, payload: dict, now: datetime
    ) -> bool:
        """Inside the caller's transaction: record the message unless its key exists. True when new."""
        return insert_ignore(
            session,
            Delivery,
            {
                "team_id": team_id,
                "kind": kind,
                "subject": subject,
                "period": period,
                "target": target,
                "payload": json.dumps(payload),
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            },
        )

    def claim_one(
        self, team_id: str, kind: str, subject: str, period: str, target: str, payload: dict, now: datetime
    ) -> bool:
        """`claim` in a transaction of its own, for a message decided on its own (a summary, a help DM)."""
        with self.db.uow() as uow:
            claimed = self.claim(uow.session, team_id, kind, subject, period, target, payload, now)
            uow.commit()
        return claimed

    def next_retry_after(self, after: datetime) -> datetime | None:
        """When the first message now backing off (or not yet due) comes due again after `after`."""
        with self.db.read() as uow:
            return uow.session.scalar(
                select(func.min(Delivery.next_attempt_at)).where(
                    Delivery.status == PENDING, Delivery.next_attempt_at > after
                )
            )

    def due(
        self, now: datetime, limit: int = 1000, skip_teams: set[str] | frozenset[str] = frozenset()
    ) -> list[tuple[int, str]]:
        """(id, target) of pending messages whose time has come and that nobody is posting right now."""
        query = (
            select(Delivery.id, Delivery.target)
            .where(Delivery.status == PENDING, Delivery.next_attempt_at <= now, _lease_free(now))
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
        )
        if skip_teams:
            # A stopped workspace's rows stay pending; leaving them out keeps them from filling the batch.
            query = query.where(Delivery.team_id.not_in(sorted(skip_teams)))
        with self.db.read() as uow:
            return [(delivery_id, target) for delivery_id, target in uow.session.execute(query)]

    def take(self, delivery_id: int, now: datetime) -> DeliveryView | None:
        """Take the lease on one message; None when another sender has it or it is done."""
        with self.db.uow() as uow:
            # One statement: the lease and the row as it now stands (RETURNING, on both databases).
            row = uow.session.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id, Delivery.status == PENDING, _lease_free(now))
                .values(lease_until=now + LEASE, attempts=Delivery.attempts + 1)
                .returning(*_VIEW_COLUMNS)
            ).first()
            if row is None:
                return None
            uow.commit()
            return _view(row)

    def sent(self, delivery_id: int, channel: str, ts: str, now: datetime, payload: dict | None = None) -> None:
        """Posted; `payload`, when given, replaces the row's (a digest's shown items, kept in the same commit)."""
        values = {} if payload is None else {"payload": json.dumps(payload)}
        self._finish(
            delivery_id, status=SENT, sent_at=now, message_channel=channel, message_ts=ts, last_error=None, **values
        )

    def failed(self, delivery_id: int, error: str) -> None:
        self._finish(delivery_id, status=FAILED, last_error=error[:64])

    def skipped(self, delivery_id: int) -> None:
        self._finish(delivery_id, status=SKIPPED)

    def retry_later(self, delivery_id: int, error: str, attempts: int, now: datetime) -> None:
        """Keep it due: back off 1, 2, 4 … minutes (at most an hour) so an outage is ridden out."""
        wait = min(timedelta(minutes=2 ** max(0, attempts - 1)), MAX_BACKOFF)
        self._finish(delivery_id, status=PENDING, next_attempt_at=now + wait, last_error=error[:64])

    def release(self, delivery_id: int) -> None:
        """Give the lease back untouched, e.g. while the workspace's sends are stopped."""
        self._finish(delivery_id, status=PENDING, attempts=Delivery.attempts - 1)

    def find_by_message(self, team_id: str, channel: str, ts: str) -> DeliveryView | None:
        with self.db.uow() as uow:
            row = uow.session.scalar(
                select(Delivery).where(
                    Delivery.team_id == team_id, Delivery.message_channel == channel, Delivery.message_ts == ts
                )
            )
            return None if row is None else _view(row)

    def _finish(self, delivery_id: int, **values) -> None:
        with self.db.uow() as uow:
            uow.session.execute(update(Delivery).where(Delivery.id == delivery_id).values(lease_until=None, **values))
            uow.commit()


def _lease_free(now: datetime):
    return or_(Delivery.lease_until.is_(None), Delivery.lease_until < now)


_VIEW_COLUMNS = (
    Delivery.id, Delivery.team_id, Delivery.kind, Delivery.subject, Delivery.period, Delivery.target,
    Delivery.payload, Delivery.attempts, Delivery.created_at,
)


def _view(row) -> DeliveryView:
    """A Delivery, or a row of _VIEW_COLUMNS, as the frozen view the sender works from."""
    return DeliveryView(
        id=row.id,
        team_id=row.team_id,
        kind=row.kind,
        subject=row.subject,
        period=row.period,
        target=row.target,
        payload=json.loads(row.payload or "{}"),
        attempts=row.attempts,
        created_at=row.created_at,
    )
