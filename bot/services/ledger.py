"""The delivery ledger: every scheduled message is written here, keyed, before it is posted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session

from bot.services.group_call import GroupCall
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
    # An earlier attempt may have reached Slack unrecorded, from this instant on: look before posting.
    unsure_since: datetime | None = None


@dataclass(frozen=True)
class Posted:
    """A post Slack took (or one found in the conversation), to be recorded as sent."""

    delivery_id: int
    channel: str
    ts: str
    now: datetime
    payload: dict | None = None


class Ledger:
    def __init__(self, db: Database) -> None:
        self.db = db
        # Senders on many threads take leases and record posts at once: they share statements and commits.
        self._takes: GroupCall[tuple[int, datetime], DeliveryView | None] = GroupCall(self._take_many)
        self._sents: GroupCall[Posted, None] = GroupCall(self._sent_many)

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
        """`claim` in a transaction of its own, for a message decided on its own (a summary, a help DM).

        Such a message is decided again on every run until its period ends, so a key written already is found
        by a read: the write lock (on SQLite, the whole database's) is left to the writers.
        """
        with self.db.read_rows() as connection:
            written = connection.scalar(
                select(Delivery.id).where(
                    Delivery.team_id == team_id, Delivery.kind == kind, Delivery.subject == subject,
                    Delivery.period == period,
                )
            )
        if written is not None:
            return False
        with self.db.uow() as uow:
            claimed = self.claim(uow.session, team_id, kind, subject, period, target, payload, now)
            uow.commit()
        return claimed

    @staticmethod
    def pending(session: Session, team_id: str, kind: str, subjects: list[str]) -> set[tuple[str, str]]:
        """Inside the caller's transaction: (subject, period) of this kind's rows written and not yet posted."""
        rows = session.execute(
            select(Delivery.subject, Delivery.period).where(
                Delivery.team_id == team_id, Delivery.kind == kind, Delivery.status == PENDING,
                Delivery.subject.in_(subjects),
            )
        )
        return {(subject, period) for subject, period in rows}

    def counts(self) -> dict[tuple[str, str], int]:
        """How many scheduled messages of each kind are in each state (pending, sent, failed, skipped)."""
        with self.db.read() as uow:
            rows = uow.session.execute(
                select(Delivery.kind, Delivery.status, func.count()).group_by(Delivery.kind, Delivery.status)
            )
            return {(kind, status): count for kind, status, count in rows}

    def next_retry_after(self, after: datetime) -> datetime | None:
        """When the first message now backing off (or not yet due) comes due again after `after`."""
        with self.db.read() as uow:
            return uow.session.scalar(
                select(func.min(Delivery.next_attempt_at)).where(
                    Delivery.status == PENDING, Delivery.next_attempt_at > after
                )
            )

    def due(
        self, now: datetime, limit: int = 1000, skip_teams: set[str] | frozenset[str] = frozenset(),
        only: tuple[str, ...] = (),
    ) -> list[tuple[int, str]]:
        """(id, target) of pending messages (of the kinds `only` names, if any) whose time has come and that nobody
        is posting right now."""
        query = (
            select(Delivery.id, Delivery.target)
            .where(Delivery.status == PENDING, Delivery.next_attempt_at <= now, _lease_free(now))
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
        )
        if skip_teams:
            # A stopped workspace's rows stay pending; leaving them out keeps them from filling the batch.
            query = query.where(Delivery.team_id.not_in(sorted(skip_teams)))
        if only:
            query = query.where(Delivery.kind.in_(only))
        with self.db.read_rows() as connection:
            return [(delivery_id, target) for delivery_id, target in connection.execute(query)]

    def take(self, delivery_id: int, now: datetime) -> DeliveryView | None:
        """Take the lease on one message; None when another sender has it or it is done.

        A lease that lapsed means its sender died holding it, maybe after Slack took the post:
        the row comes back `unsure_since` the lapsed lease was taken.
        """
        return self._takes.call((delivery_id, now))

    def _take_many(self, wanted: list[tuple[int, datetime]]) -> list[DeliveryView | None]:
        taken: dict[int, DeliveryView] = {}
        with self.db.uow() as uow:
            for now, ids in _by_instant(wanted).items():
                # One statement: the leases and the rows as they now stand (RETURNING, on both databases).
                # SET reads the old row: a lease still recorded was never given back, so it lapsed.
                rows = uow.session.execute(
                    update(Delivery)
                    # Due still: another scheduler that read the same due rows may have put this one off since.
                    .where(
                        Delivery.id.in_(ids), Delivery.status == PENDING, Delivery.next_attempt_at <= now,
                        _lease_free(now),
                    )
                    .values(
                        lease_until=now + LEASE, leased_at=now, attempts=Delivery.attempts + 1,
                        unsure_since=case(
                            (
                                Delivery.lease_until.is_not(None),
                                func.coalesce(Delivery.unsure_since, Delivery.leased_at, Delivery.created_at),
                            ),
                            else_=Delivery.unsure_since,
                        ),
                    )
                    .returning(*_VIEW_COLUMNS)
                    .execution_options(synchronize_session=False)
                )
                taken.update((row.id, _view(row)) for row in rows)
            uow.commit()
        # Two senders in this process asking for the same row at once (two runs overlapping): one gets it.
        return [taken.pop(delivery_id, None) for delivery_id, _now in wanted]

    def sent(
        self, delivery_id: int, channel: str | None, ts: str | None, now: datetime, payload: dict | None = None
    ) -> None:
        """Posted; `payload`, when given, replaces the row's (a digest's shown items, kept in the same commit).
        A message that is no Slack post (a webhook) has no channel and ts."""
        self._sents.call(Posted(delivery_id, channel, ts, now, payload))

    def _sent_many(self, posts: list[Posted]) -> list[None]:
        rows = [
            {
                "b_id": post.delivery_id, "b_sent_at": post.now, "b_channel": post.channel, "b_ts": post.ts,
                "b_payload": None if post.payload is None else json.dumps(post.payload),
            }
            for post in posts
        ]
        with self.db.uow() as uow:
            uow.session.connection().execute(_SENT, rows)
            uow.commit()
        return [None] * len(posts)

    def failed(self, delivery_id: int, error: str) -> None:
        self._finish(delivery_id, status=FAILED, last_error=error[:64])

    def skipped(self, delivery_id: int) -> None:
        self._finish(delivery_id, status=SKIPPED)

    def retry_later(
        self, delivery_id: int, error: str, attempts: int, now: datetime, unsure_since: datetime | None = None,
        wait: timedelta | None = None,
    ) -> None:
        """Keep it due: back off 1, 2, 4 … minutes (at most an hour) so an outage is ridden out.

        `unsure_since`: the post may have reached Slack all the same (its answer was lost); the next
        attempt looks in the conversation first. `wait`: how long Slack asked us to wait instead.
        """
        wait = wait or min(timedelta(minutes=2 ** max(0, attempts - 1)), MAX_BACKOFF)
        values = {} if unsure_since is None else {"unsure_since": func.coalesce(Delivery.unsure_since, unsure_since)}
        self._finish(delivery_id, status=PENDING, next_attempt_at=now + wait, last_error=error[:64], **values)

    def hold(self, delivery_id: int, until: datetime) -> None:
        """Put it off untried until `until` (it waits behind another message): the attempt is not counted."""
        self._finish(delivery_id, status=PENDING, next_attempt_at=until, attempts=Delivery.attempts - 1)

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


# Core, so that many rows' "sent" go in one executemany; a NULL payload keeps the planned one.
_SENT = (
    update(Delivery.__table__)
    .where(Delivery.__table__.c.id == bindparam("b_id"))
    .values(
        status=SENT, sent_at=bindparam("b_sent_at"), message_channel=bindparam("b_channel"),
        message_ts=bindparam("b_ts"), last_error=None, lease_until=None,
        payload=func.coalesce(bindparam("b_payload"), Delivery.__table__.c.payload),
    )
)


def _by_instant(wanted: list[tuple[int, datetime]]) -> dict[datetime, list[int]]:
    """Ids by the instant they are taken at (one, unless runs for several instants overlap)."""
    grouped: dict[datetime, list[int]] = {}
    for delivery_id, now in wanted:
        grouped.setdefault(now, []).append(delivery_id)
    return grouped


def _lease_free(now: datetime):
    return or_(Delivery.lease_until.is_(None), Delivery.lease_until < now)


_VIEW_COLUMNS = (
    Delivery.id, Delivery.team_id, Delivery.kind, Delivery.subject, Delivery.period, Delivery.target,
    Delivery.payload, Delivery.attempts, Delivery.created_at, Delivery.unsure_since,
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
        unsure_since=row.unsure_since,
    )
