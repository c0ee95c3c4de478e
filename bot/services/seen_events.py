"""Slack deliveries already acted on (events, form submissions), kept in the database so every web worker knows them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from bot.store.database import Database
from bot.store.models import SlackEvent
from bot.store.upsert import insert_ignore

# Slack retries a delivery three times, the last about an hour after the first.
KEEP_FOR = timedelta(hours=2)


class SeenEvents:
    def __init__(self, db: Database) -> None:
        self.db = db

    def first_time(self, team_id: str, event_id: str, now: datetime) -> bool:
        """Note the event; True only for the one delivery (of any retries, on any worker) that noted it first."""
        with self.db.uow() as uow:
            new = insert_ignore(uow.session, SlackEvent, {"team_id": team_id, "event_id": event_id, "received_at": now})
            uow.commit()
            return new

    def forget(self, team_id: str, event_id: str) -> None:
        """Let the same delivery be acted on again, e.g. a form resubmitted after it was refused."""
        with self.db.uow() as uow:
            uow.session.execute(
                delete(SlackEvent).where(SlackEvent.team_id == team_id, SlackEvent.event_id == event_id)
            )
            uow.commit()

    def forget_before(self, cutoff: datetime) -> int:
        """Drop events older than any retry of them can be; returns how many."""
        with self.db.uow() as uow:
            removed = uow.session.execute(delete(SlackEvent).where(SlackEvent.received_at < cutoff)).rowcount
            uow.commit()
            return removed
