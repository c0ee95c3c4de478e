"""Where the last read of the sales mailbox stopped, and whether reading it is failing (one log line per streak)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update

from bot.store.database import Database
from bot.store.models import MailboxState
from bot.store.upsert import insert_ignore

ERROR_MAX = 255


@dataclass(frozen=True)
class Position:
    uidvalidity: int | None
    last_uid: int | None


@dataclass(frozen=True)
class MailHealth:
    """What `GET /healthz` says about the mailbox: failing since when, or when it was last read."""

    status: str  # "ok" or "failing"
    since: datetime | None  # when the failure streak began
    last_ok_at: datetime | None
    error: str | None


class MailboxStates:
    def __init__(self, db: Database) -> None:
        self.db = db

    def position(self, team_id: str, mailbox: str) -> Position:
        with self.db.read() as uow:
            row = uow.session.get(MailboxState, (team_id, mailbox))
            return Position(None, None) if row is None else Position(row.uidvalidity, row.last_uid)

    def advance(self, team_id: str, mailbox: str, uidvalidity: int, last_uid: int | None) -> None:
        """Move the position forward only: a slower scheduler finishing after a faster one never moves it back.

        A new UIDVALIDITY replaces the old position whatever its numbers (they belong to the old mailbox).
        """
        with self.db.uow() as uow:
            _ensure(uow.session, team_id, mailbox)
            changed = update(MailboxState).where(
                MailboxState.team_id == team_id, MailboxState.mailbox == mailbox
            )
            uow.session.execute(
                changed.where(or_(MailboxState.uidvalidity.is_(None), MailboxState.uidvalidity != uidvalidity)).values(
                    uidvalidity=uidvalidity, last_uid=last_uid
                )
            )
            if last_uid is not None:
                uow.session.execute(
                    changed.where(
                        MailboxState.uidvalidity == uidvalidity,
                        or_(MailboxState.last_uid.is_(None), MailboxState.last_uid < last_uid),
                    ).values(last_uid=last_uid)
                )
            uow.commit()

    def read_ok(self, team_id: str, mailbox: str, now: datetime) -> datetime | None:
        """The mailbox answered: the failure streak (if any) ends. Returns when that streak had begun."""
        with self.db.uow() as uow:
            _ensure(uow.session, team_id, mailbox)
            row = uow.session.get(MailboxState, (team_id, mailbox))
            was_failing = row.failing_since
            row.failing_since, row.last_error, row.last_ok_at = None, None, now
            uow.commit()
            return was_failing

    def read_failed(self, team_id: str, mailbox: str, error: str, now: datetime) -> bool:
        """The mailbox could not be read; True for the first failure of a streak (the one worth a log line).

        The conditional update decides it, so two schedulers failing at once log it once between them.
        """
        with self.db.uow() as uow:
            _ensure(uow.session, team_id, mailbox)
            began = uow.session.execute(
                update(MailboxState)
                .where(
                    MailboxState.team_id == team_id, MailboxState.mailbox == mailbox,
                    MailboxState.failing_since.is_(None),
                )
                .values(failing_since=now)
            ).rowcount == 1
            uow.session.execute(
                update(MailboxState)
                .where(MailboxState.team_id == team_id, MailboxState.mailbox == mailbox)
                .values(last_error=error[:ERROR_MAX])
            )
            uow.commit()
            return began

    def health(self, mailbox: str) -> MailHealth:
        """The mailbox's state in any workspace (one mailbox per deployment); ok until a read has failed."""
        with self.db.read() as uow:
            rows = uow.session.execute(
                select(MailboxState.failing_since, MailboxState.last_ok_at, MailboxState.last_error).where(
                    MailboxState.mailbox == mailbox
                )
            ).all()
        failing = [row for row in rows if row.failing_since is not None]
        if failing:
            first = min(failing, key=lambda row: row.failing_since)
            return MailHealth("failing", first.failing_since, first.last_ok_at, first.last_error)
        last_ok = max((row.last_ok_at for row in rows if row.last_ok_at is not None), default=None)
        return MailHealth("ok", None, last_ok, None)


def _ensure(session, team_id: str, mailbox: str) -> None:
    insert_ignore(session, MailboxState, {"team_id": team_id, "mailbox": mailbox})
