"""A workspace's data as a whole: what every table holds for it, and deleting all of it when it leaves."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, MetaData, Table, and_, bindparam, delete, func, or_, select, tuple_, update
from sqlalchemy.sql.elements import ColumnElement

from bot.store.database import Database
from bot.store.models import PENDING, SKIPPED, Delivery, Team
from bot.store.upsert import insert_ignore

logger = logging.getLogger(__name__)

# How long a process trusts its list of leaving workspaces before reading it again.
LEAVING_LIST_SECONDS = 30.0
TEAM = "leadbot_team_id"  # the bind parameter every table's condition uses


@dataclass(frozen=True)
class Leaving:
    """What became of a workspace that left: its data deleted now (`deleted`, rows per table), or kept until
    `delete_at`."""

    team_id: str
    deleted: dict[str, int] = field(default_factory=dict)
    delete_at: datetime | None = None


class TeamData:
    """Finds a workspace's rows in every table of the live database, whoever added the table.

    A table holds a workspace's data when it has a `team_id` column, or a foreign key to a table that
    does (its rows then belong to the team through their parent). The tables are read from the database
    itself (SQLAlchemy reflection), not from leadbot's models alone, so that tables a library creates
    through a migration (Slack's installation store) are covered too.
    """

    def __init__(self, db: Database, keep_days: int) -> None:
        self.db = db
        self.keep_days = keep_days
        self._leaving: frozenset[str] = frozenset()
        self._leaving_read_at = float("-inf")
        self._lock = threading.Lock()

    # -- counting and deleting ---------------------------------------------------------------

    def rows(self, team_id: str) -> dict[str, int]:
        """Rows per table that belong to the workspace, tables without any left out."""
        with self.db.read_rows() as connection:
            found = {}
            for table, condition in _team_tables(connection):
                count = connection.execute(select(func.count()).select_from(table).where(condition), {TEAM: team_id})
                found[table.name] = count.scalar_one()
            connection.rollback()
        return {name: count for name, count in sorted(found.items()) if count}

    def delete(self, team_id: str) -> dict[str, int]:
        """Delete every row of the workspace from every table, children before parents, in one transaction.

        Returns rows deleted per table (tables it had none in left out); an empty dict when it had no data.
        """
        deleted: dict[str, int] = {}
        with self.db.uow() as uow:
            connection = uow.session.connection()
            for table, condition in _team_tables(connection):
                count = connection.execute(delete(table).where(condition), {TEAM: team_id}).rowcount
                if count:
                    deleted[table.name] = count
            uow.commit()
        self._forget_leaving_list()
        return deleted

    # -- leaving and coming back -------------------------------------------------------------

    def leave(self, team_id: str, now: datetime) -> Leaving:
        """The app was uninstalled (or its bot token revoked): nothing more is sent to the workspace, at once.

        With LEADBOT_KEEP_DATA_DAYS at 0 all of its data goes now; otherwise it is kept that many days and
        the scheduler deletes it once the date has passed. Either way the workspace is first marked as
        leaving, in a transaction of its own: should the deletion fail, the scheduler's next run retries it.
        """
        delete_at = self._mark_leaving(team_id, now + timedelta(days=self.keep_days), now)
        if self.keep_days == 0:
            deleted = self.delete(team_id)
            logger.info("workspace %s left: deleted its data (%d rows)", team_id, sum(deleted.values()))
            return Leaving(team_id, deleted=deleted)
        logger.info("workspace %s left: nothing is sent to it; its data is deleted after %s", team_id, delete_at)
        return Leaving(team_id, delete_at=delete_at)

    def _mark_leaving(self, team_id: str, delete_at: datetime, now: datetime) -> datetime:
        with self.db.uow() as uow:
            insert_ignore(uow.session, Team, {"team_id": team_id, "last_lead_number": 0, "created_at": now})
            # A second uninstall event (tokens_revoked follows app_uninstalled) keeps the first date.
            uow.session.execute(
                update(Team)
                .where(Team.team_id == team_id, Team.delete_data_at.is_(None))
                .values(delete_data_at=delete_at)
            )
            # Messages already written but not posted would go out in a run under way: drop them now.
            uow.session.execute(
                update(Delivery)
                .where(Delivery.team_id == team_id, Delivery.status == PENDING)
                .values(status=SKIPPED, last_error="workspace left", lease_until=None)
            )
            delete_at = uow.session.scalar(select(Team.delete_data_at).where(Team.team_id == team_id))
            uow.commit()
        self._forget_leaving_list()
        return delete_at

    def left(self, team_id: str) -> bool:
        """Whether the workspace is marked as having left (the list is read at most every LEAVING_LIST_SECONDS)."""
        with self._lock:
            if time.monotonic() - self._leaving_read_at > LEAVING_LIST_SECONDS:
                with self.db.read() as uow:
                    self._leaving = frozenset(
                        uow.session.scalars(select(Team.team_id).where(Team.delete_data_at.is_not(None)))
                    )
                self._leaving_read_at = time.monotonic()
            return team_id in self._leaving

    def returned(self, team_id: str, now: datetime) -> None:
        """A workspace that left is heard from again: it installed leadbot again.

        Before its date, it keeps its data and its messages resume. After it (always so with
        LEADBOT_KEEP_DATA_DAYS at 0), what is left of its data is deleted now, before the request is
        handled, so the workspace starts empty instead of losing what it does next at the scheduler's run.
        """
        with self.db.uow() as uow:
            delete_at = uow.session.scalar(select(Team.delete_data_at).where(Team.team_id == team_id))
            if delete_at is not None and delete_at > now:
                uow.session.execute(update(Team).where(Team.team_id == team_id).values(delete_data_at=None))
                uow.commit()
        self._forget_leaving_list()
        if delete_at is None:
            return  # another process saw it back first
        if delete_at > now:
            logger.info("workspace %s is back before its data was deleted: it is kept", team_id)
            return
        deleted = self.delete(team_id)
        logger.info(
            "workspace %s is back after its kept days: deleted its old data (%d rows)", team_id, sum(deleted.values())
        )

    def delete_due(self, now: datetime) -> dict[str, dict[str, int]]:
        """Delete the data of every workspace whose kept days are over; rows deleted per table, by workspace."""
        with self.db.read() as uow:
            due = list(uow.session.scalars(select(Team.team_id).where(Team.delete_data_at <= now)))
        done = {}
        for team_id in due:
            done[team_id] = self.delete(team_id)
            logger.info(
                "workspace %s: its kept days are over, deleted its data (%d rows)", team_id, sum(done[team_id].values())
            )
        return done

    def _forget_leaving_list(self) -> None:
        with self._lock:
            self._leaving_read_at = float("-inf")


def _team_tables(connection: Connection) -> list[tuple[Table, ColumnElement[bool]]]:
    """Every table holding workspace data in the live database, children before parents, each with the condition
    that picks one workspace's rows (bound to the parameter TEAM)."""
    metadata = MetaData()
    metadata.reflect(bind=connection)
    conditions: dict[str, ColumnElement[bool]] = {
        table.name: table.c.team_id == bindparam(TEAM) for table in metadata.tables.values() if "team_id" in table.c
    }
    # A table without team_id belongs to a team through its foreign keys (a child's child too: until nothing changes).
    changed = True
    while changed:
        changed = False
        for table in metadata.tables.values():
            if table.name in conditions:
                continue
            via = [_rows_under(fk, conditions) for fk in table.foreign_key_constraints]
            via = [condition for condition in via if condition is not None]
            if via:
                conditions[table.name] = or_(*via)
                changed = True
    # sorted_tables puts parents first; deleting goes the other way, so no foreign key is ever left dangling.
    return [(table, conditions[table.name]) for table in reversed(metadata.sorted_tables) if table.name in conditions]


def _rows_under(fk, conditions: dict[str, ColumnElement[bool]]) -> ColumnElement[bool] | None:
    """Rows whose foreign key points at a team's rows in the parent table; None when the parent holds no team data."""
    parent = fk.referred_table
    if parent.name not in conditions:
        return None
    pairs = [(element.parent, element.column) for element in fk.elements]
    children = [child for child, _ in pairs]
    parents = select(*[referred for _, referred in pairs]).where(conditions[parent.name])
    if len(pairs) == 1:
        return and_(children[0].is_not(None), children[0].in_(parents))
    return tuple_(*children).in_(parents)
