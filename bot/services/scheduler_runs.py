"""When each scheduler process last finished a run, for the health check."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from bot.store.database import Database
from bot.store.models import SchedulerRun
from bot.store.upsert import insert_ignore

FORGET_AFTER = timedelta(days=7)  # a scheduler gone this long (a restart gives a new pid) is history


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:255]


class SchedulerRuns:
    def __init__(self, db: Database) -> None:
        self.db = db

    def finished(self, at: datetime, runner: str | None = None) -> None:
        """Record that `runner` (this process by default) finished a run at `at`."""
        runner = runner or this_process()
        with self.db.uow() as uow:
            if not insert_ignore(uow.session, SchedulerRun, {"runner": runner, "finished_at": at}):
                uow.session.execute(update(SchedulerRun).where(SchedulerRun.runner == runner).values(finished_at=at))
            uow.session.execute(delete(SchedulerRun).where(SchedulerRun.finished_at < at - FORGET_AFTER))
            uow.commit()

    def last(self) -> datetime | None:
        """When any scheduler last finished a run; None when none ever did."""
        with self.db.read() as uow:
            return uow.session.scalar(select(func.max(SchedulerRun.finished_at)))

    def active_since(self, since: datetime) -> int:
        """How many scheduler processes finished a run since then."""
        with self.db.read() as uow:
            return uow.session.scalar(select(func.count()).where(SchedulerRun.finished_at >= since)) or 0
