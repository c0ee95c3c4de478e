"""Which rep rows changed in the database, whoever changed them: a thread per process hears it from the database."""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Protocol

from sqlalchemy import Engine

logger = logging.getLogger(__name__)

CHANNEL = "leadbot_reps"  # migration 0017's trigger NOTIFYs it on PostgreSQL
POLL_SECONDS = 0.05  # SQLite: how often rep_changes is read
WAIT_SECONDS = 0.5  # PostgreSQL: the longest wait for a notification before the connection is checked again
# Answers count only while the thread showed within this long that it still hears the database: a connection that
# dies without a word (a network gone) blocks the thread, and the cache stops answering after this long.
LIVE_SECONDS = 3.0
FIRST_RETRY_SECONDS, LAST_RETRY_SECONDS = 0.1, 5.0
PRUNE_EVERY_SECONDS = 600.0  # SQLite: how often this process deletes rows over an hour old from rep_changes
STOP_WAIT_SECONDS = 5.0  # close(): the longest wait for the thread (it checks for the stop every WAIT_SECONDS at most)
APPLICATION_NAME = "leadbot-rep-changes"  # how the listener shows in pg_stat_activity
# libpq's own settings for the listener's connection: a peer that vanished is noticed in seconds, not hours.
POSTGRES_CONNECT = {
    "application_name": APPLICATION_NAME,
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 2,
    "tcp_user_timeout": 10_000,
}


class RepWatcher(Protocol):
    """What RepChanges tells, on its own thread."""

    def listening(self) -> None:
        """Every change committed from now on will be told."""

    def changed(self, team_id: str, user_id: str) -> None:
        """This rep's row changed (inserted, updated or deleted), in a transaction that committed."""

    def changed_all(self) -> None:
        """Changes were missed, still listening: any rep's row may have changed."""

    def deaf(self) -> None:
        """Changes are no longer heard, until `listening()` is told again."""


class RepChanges:
    """Tells a watcher of every committed change to `reps`, from this process or any other, on any host.

    PostgreSQL: a connection of its own LISTENs to migration 0017's trigger's NOTIFY, which PostgreSQL sends
    after the commit, in commit order. SQLite: the triggers append to rep_changes (one writer at a time, so
    seq order is commit order) and the thread reads the new rows every POLL_SECONDS.

    The thread starts with the first `live()` in a process: gunicorn forks its workers after building the app,
    and a thread does not survive a fork. When the connection fails the watcher is told `deaf()` and the thread
    connects again, waiting longer each time, up to LAST_RETRY_SECONDS.
    """

    def __init__(self, engine: Engine, watcher: RepWatcher) -> None:
        self._engine = engine
        self._watcher = watcher
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._stop = threading.Event()
        self._closed = False
        self._threads: list[threading.Thread] = []
        self._heard_at = float("-inf")  # time.monotonic() of the last sign that the connection works
        self._retry = FIRST_RETRY_SECONDS

    def live(self) -> bool:
        """Whether changes are being heard right now; starts the thread in a process that has none."""
        if self._pid != os.getpid():
            self._start()
            return False
        return time.monotonic() - self._heard_at < LIVE_SECONDS

    def close(self) -> None:
        """Stop the thread for good (the database is being disposed of), and wait for it: one still reading beside
        Python's shutdown, or beside the next test, can print a stray line (an error at exit, a log record)."""
        with self._lock:
            self._closed = True
            self._stop.set()
            threads = [thread for thread in self._threads if thread is not threading.current_thread()]
            self._threads = []
        for thread in threads:
            thread.join(timeout=STOP_WAIT_SECONDS)

    def _start(self) -> None:
        with self._lock:
            if self._closed or self._pid == os.getpid():
                return
            # A copy forked from a process that listened heard nothing since the fork.
            self._heard_at = float("-inf")
            self._watcher.deaf()
            self._pid = os.getpid()
            self._stop = threading.Event()
            run = self._poll if self._engine.dialect.name == "sqlite" else self._listen
            self._threads = []  # a forked copy's list names its parent's threads
            self._spawn(self._run, (run, self._stop), "rep-changes")

    def _spawn(self, target, args: tuple, name: str) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads = [alive for alive in self._threads if alive.is_alive()] + [thread]
        thread.start()

    def _run(self, run, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                run(stop)
            except Exception:
                logger.warning("not hearing which reps change (connecting again); until then rep rows are read "
                               "from the database", exc_info=True)
            self._heard_at = float("-inf")
            self._watcher.deaf()
            if stop.wait(self._retry):
                return
            self._retry = min(self._retry * 2, LAST_RETRY_SECONDS)

    def _listening(self) -> None:
        # Said once as each process starts (and after a lost connection): proof that its rep rows are kept.
        logger.info("process %d hears which reps change: their rows are kept between requests", os.getpid())
        self._heard_at = time.monotonic()
        self._retry = FIRST_RETRY_SECONDS
        self._watcher.listening()

    # -- PostgreSQL --------------------------------------------------------------------------

    def _listen(self, stop: threading.Event) -> None:
        dialect = self._engine.dialect
        args, params = dialect.create_connect_args(self._engine.url)
        with dialect.loaded_dbapi.connect(*args, **{**params, **POSTGRES_CONNECT}, autocommit=True) as connection:
            connection.execute(f"LISTEN {CHANNEL}")
            _check_trigger(connection)
            self._listening()
            while not stop.is_set():
                for notification in connection.notifies(timeout=WAIT_SECONDS):
                    self._told(notification.payload)
                # A round trip proves the connection still works, and the trigger still being there that nothing
                # goes unsaid (a downgrade); a notification arriving meanwhile is kept for the next notifies().
                _check_trigger(connection)
                self._heard_at = time.monotonic()

    def _told(self, payload: str) -> None:
        team_id, _, user_id = payload.partition(" ")
        if user_id:
            self._watcher.changed(team_id, user_id)
        else:  # TRUNCATE reps (PostgreSQL)
            self._watcher.changed_all()

    # -- SQLite ------------------------------------------------------------------------------

    def _poll(self, stop: threading.Event) -> None:
        # A connection of the pool for good: its statements run outside any transaction (the engine's connect
        # hook), so each read sees the latest commit, and none holds back the WAL's checkpoint.
        connection = self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            _check_triggers(cursor)
            last = _highest_seq(cursor)
            self._listening()
            prune_at = 0.0
            while not stop.wait(POLL_SECONDS):
                highest = _highest_seq(cursor)
                if highest != last:
                    reps = cursor.execute(
                        "SELECT rep FROM rep_changes WHERE seq > ? AND seq <= ? ORDER BY seq", (last, highest)
                    ).fetchall()
                    if len(reps) == highest - last:
                        for (rep,) in reps:
                            self._told(rep)
                    else:
                        # Rows were deleted before this process read them (pruned while it was stopped for an
                        # hour, or deleted by hand): which reps they named is unknown.
                        self._watcher.changed_all()
                    last = highest
                self._heard_at = time.monotonic()
                if time.monotonic() >= prune_at:
                    prune_at = time.monotonic() + PRUNE_EVERY_SECONDS
                    # A write may wait for the lock; on a thread of its own, this one keeps listening meanwhile.
                    with self._lock:
                        if not self._closed:
                            self._spawn(self._prune, (), "rep-changes-prune")
        finally:
            connection.close()

    def _prune(self) -> None:
        try:
            with self._engine.begin() as connection:
                connection.exec_driver_sql("DELETE FROM rep_changes WHERE changed_at < datetime('now', '-1 hour')")
        except Exception:
            logger.warning("could not delete old rows of rep_changes; trying again later", exc_info=True)


def _check_trigger(connection) -> None:
    """PostgreSQL: raises unless migration 0017's trigger is on `reps` (a database not migrated, or downgraded)."""
    found = connection.execute(
        "SELECT count(*) FROM pg_trigger WHERE tgname = 'reps_changed' AND tgrelid = 'reps'::regclass"
    ).fetchone()
    if found[0] != 1:
        raise LookupError("no trigger reps_changed on reps: the database is not at migration 0017 or later")


def _check_triggers(cursor) -> None:
    """SQLite: raises unless migration 0017's three triggers are on `reps`, and rep_changes is there."""
    found = cursor.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'reps'"
        " AND name IN ('reps_inserted', 'reps_updated', 'reps_deleted')"
    ).fetchone()
    cursor.execute("SELECT seq FROM rep_changes LIMIT 0").fetchall()  # "no such table" without it
    if found[0] != 3:
        raise LookupError("no triggers on reps that fill rep_changes: the database is not at migration 0017 or later")


# The highest seq rep_changes ever gave, whether or not its row is still there (0: none yet). The empty second
# part reads nothing, but fails when rep_changes is gone (a downgrade), where sqlite_sequence alone would say 0.
_HIGHEST_SEQ = (
    "SELECT coalesce(max(seq), 0) FROM (SELECT seq FROM sqlite_sequence WHERE name = 'rep_changes'"
    " UNION ALL SELECT 0 FROM rep_changes WHERE 0)"
)


def _highest_seq(cursor) -> int:
    return cursor.execute(_HIGHEST_SEQ).fetchone()[0]
