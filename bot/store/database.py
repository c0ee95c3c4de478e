"""Engine and unit of work: the one place that knows how to talk to SQLite or PostgreSQL."""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import Any, Mapping

from sqlalchemy import Connection, Engine, Select, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.store.plain_reads import PlainRead
from bot.store.rep_changes import RepChanges, RepWatcher

SQLITE_BUSY_TIMEOUT_MS = 15_000
POOL_SIZE = 24  # database connections kept open per process
# A pooled PostgreSQL connection is checked before use only after sitting idle this long.
PING_AFTER_IDLE_SECONDS = 1.0
_IDLE_SINCE = "leadbot_idle_since"
READ_ONLY = "leadbot_read_only"
# A read whose every statement may see its own snapshot, as PostgreSQL's autocommit reads do: on SQLite no BEGIN.
OWN_SNAPSHOTS = "leadbot_own_snapshots"
_QUEUED = "leadbot_queued_writer"


def make_engine(url: str) -> Engine:
    """Build an engine; SQLite gets WAL, a busy timeout and write-safe transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # No pool limit: SQLite connections are cheap, and a thread must never wait out a pool timeout. Keep as
        # many as PostgreSQL's: with SQLAlchemy's default of 5, the request and listener threads above it opened
        # a connection (and ran the PRAGMAs below) for a checkout and closed it after.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=POOL_SIZE,
            max_overflow=-1,
        )
        _make_sqlite_safe_for_threads(engine)
        _drop_nul_characters(engine)
        return engine
    if parsed.drivername == "postgresql":
        # A bare postgresql:// would pick psycopg2, which we do not ship.
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    # Keep a connection for every thread that holds one at a time (waitress's 8, the listener pool's 16):
    # with fewer kept, the ones above it were opened and closed per checkout, a new PostgreSQL backend each.
    # The overflow covers a read nested in a write, the scheduler's threads and a larger LEADBOT_WEB_THREADS.
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=16)
    _ping_after_idle(engine)
    _drop_nul_characters(engine)
    return engine


def _drop_nul_characters(engine: Engine) -> None:
    """Text reaches the database without U+0000, on both databases alike.

    PostgreSQL refuses a NUL in text ("text fields cannot contain NUL"), nobody types one, and a
    pasted or forged value may carry it: dropping it where every write passes is the one place no
    entry point can miss.
    """

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def without_nul(_connection, _cursor, statement, parameters, _context, _executemany):
        return statement, _without_nul(parameters)


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {key: _without_nul(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_without_nul(item) for item in value)
    return value


def _ping_after_idle(engine: Engine) -> None:
    """Check a connection that sat idle before handing it out; a bad one is replaced, not given to a request.

    SQLAlchemy's pool_pre_ping does this on every checkout: a round trip and ~0.4 ms of CPU each, several
    times per command. What drops connections (a database restart or failover, an idle timeout, a proxy)
    finds them idle, so checking only those keeps the same protection when a worker is quiet. Under
    load, a connection dropped in its last second fails that one request and SQLAlchemy then replaces
    every connection older than the failure.
    """

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def now_idle(_dbapi_connection, record) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, _proxy) -> None:
        if time.monotonic() - record.info.get(_IDLE_SINCE, 0.0) < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
            dbapi_connection.rollback()  # the ping's SELECT must not leave a transaction open
        except Exception as error:
            # The pool throws this connection away and checks out another (SQLAlchemy's documented way).
            raise exc.DisconnectionError(f"connection failed its check after idling: {error}") from error


def _make_sqlite_safe_for_threads(engine: Engine) -> None:
    # pysqlite's own transaction handling starts writes lazily, which is what makes
    # "database is locked" appear under concurrent writers; take the write lock up front.
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    # SQLite's busy handler polls, and a writer can lose the race for the lock for longer than any timeout
    # while twenty others keep taking it; in this process writers queue here instead, in turn.
    writers = threading.RLock()

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        options = connection.get_execution_options()
        # Reads take no write lock, so a read nested inside a write transaction cannot wait on it.
        if options.get(READ_ONLY, False):
            # Without BEGIN each statement is its own transaction: two statements (and a ROLLBACK) fewer per read.
            if not options.get(OWN_SNAPSHOTS, False):
                connection.exec_driver_sql("BEGIN")
            return
        # Bounded, so a lock somehow never given back slows writers down instead of stopping them.
        queued = writers.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if queued:
                writers.release()
            raise
        if queued:
            connection.info[_QUEUED] = True

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def on_end(connection) -> None:
        if connection.info.pop(_QUEUED, False):
            writers.release()


class Database:
    """The engine plus a session factory; built once in the composition root."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        read_options = {READ_ONLY: True}
        if self.engine.dialect.name == "postgresql":
            # Under READ COMMITTED every statement sees its own snapshot anyway, so a read gains
            # nothing from BEGIN … ROLLBACK but two round trips on each request.
            read_options["isolation_level"] = "AUTOCOMMIT"
        self._read_engine = self.engine.execution_options(**read_options)
        self._read_sessions = sessionmaker(self._read_engine, expire_on_commit=False)
        self._row_engine = self._read_engine.execution_options(**{OWN_SNAPSHOTS: True})
        self._rep_changes: list[RepChanges] = []
        self._plain_reads: dict[Select, PlainRead] = {}

    @property
    def writes_in_parallel(self) -> bool:
        """Whether several write transactions can run at once (PostgreSQL); SQLite takes them one at a time."""
        return self.engine.dialect.name != "sqlite"

    def uow(self) -> "UnitOfWork":
        return UnitOfWork(self._sessions)

    def read(self) -> "UnitOfWork":
        """A transaction for reading only: on SQLite it takes no write lock."""
        return UnitOfWork(self._read_sessions)

    def read_rows(self) -> Connection:
        """Like `read()`, for plain rows: a connection without a session, which costs a request ~1 ms of CPU.

        Each statement sees the database as it is when that statement runs (on PostgreSQL, as every autocommit
        read does; on SQLite, without a BEGIN around them), so read with one statement what must agree.
        """
        return self._row_engine.connect()

    def plain_rows(self, statement: Select, values: Mapping[str, Any]) -> list[tuple]:
        """Like `read_rows()` for one statement built once (a module constant), whose rows come back as tuples
        at a third of the CPU: for the reads on every request (bot/store/plain_reads.py)."""
        read = self._plain_reads.get(statement)
        if read is None:
            # Two threads may both compile it the first time; either copy does.
            read = self._plain_reads[statement] = PlainRead(statement, self.engine)
        return read.rows(values, _without_nul)

    def rep_changes(self, watcher: RepWatcher) -> RepChanges:
        """Tells `watcher` of every change to a rep's row, by any process (bot/store/rep_changes.py)."""
        changes = RepChanges(self.engine, watcher)
        self._rep_changes.append(changes)
        return changes

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    def before_fork(self) -> None:
        """Let go of the pooled connections, which no forked process may share; each process opens its own, and
        starts its own listener for rep changes (unlike `dispose`, which stops them for good)."""
        self.engine.dispose()

    def dispose(self) -> None:
        for changes in self._rep_changes:
            changes.close()
        self.engine.dispose()


class UnitOfWork:
    """A transaction that rolls back on exit unless `commit()` was called."""

    session: Session

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def __enter__(self) -> "UnitOfWork":
        self.session = self._sessions()
        return self

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()
