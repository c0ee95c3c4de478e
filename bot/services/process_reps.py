"""Rep rows a process keeps between Slack requests, each dropped as soon as the database says it changed."""

from __future__ import annotations

import threading
from typing import Hashable

from bot.store.database import Database

KEPT_ROWS = 10_000  # rows kept at most; all are dropped when it is full
MISSING = object()  # `get`'s answer for a row that must be read from the database


class ProcessReps:
    """Rep rows that answer only while every change to `reps` is heard (bot/store/rep_changes.py).

    Whoever changes a row — another worker, another host, the scheduler, an import, an UPDATE by hand —
    the database tells every process, and the row is dropped. Until the listener hears the database, and
    from the moment it stops hearing it, nothing is answered from here and everything is dropped.

    A read from the database may race a change: read the old row, then hear of the change, then keep the
    old row for good. So every change and every drop counts up a generation; a reader takes the generation
    before it reads (`generation()`), and `keep()` keeps the row only if neither that rep changed nor
    everything was dropped since.
    """

    def __init__(self, db: Database, size: int = KEPT_ROWS) -> None:
        self._size = size
        self._lock = threading.Lock()  # for the writers; `get` reads the dicts without it
        self._rows: dict[Hashable, object] = {}
        self._generation = 0
        # The generation of each rep's latest change, and of the latest drop of everything. Bounded like
        # `_rows`: when full it is emptied and counts as a drop of everything.
        self._changed_at: dict[Hashable, int] = {}
        self._dropped_at = 0
        self._listening = False
        self._changes = db.rep_changes(self)

    def answering(self) -> bool:
        """Whether rows are answered from here now; the first call in a process starts its listener."""
        return self._changes.live() and self._listening

    def get(self, key: Hashable) -> object:
        """The row kept for (team_id, user_id), which may be None (no such rep); MISSING: read the database."""
        if not self.answering():
            return MISSING
        return self._rows.get(key, MISSING)

    def generation(self) -> int | None:
        """To take before reading a row from the database, for `keep`; None: the row is not to be kept."""
        generation = self._generation
        return generation if self.answering() else None

    def keep(self, key: Hashable, row: object, generation: int | None) -> None:
        """Keep a row read from the database after `generation()` answered `generation`, unless it may be old."""
        if generation is None:
            return
        with self._lock:
            if not self._listening or self._dropped_at > generation or self._changed_at.get(key, 0) > generation:
                return
            if len(self._rows) >= self._size:
                self._rows.clear()
            self._rows[key] = row

    # -- told by the listener (bot.store.rep_changes.RepWatcher), and by this process's own writes --

    def changed(self, team_id: str, user_id: str) -> None:
        key = (team_id, user_id)
        with self._lock:
            self._generation += 1
            self._rows.pop(key, None)
            if len(self._changed_at) >= self._size:
                self._changed_at.clear()
                self._dropped_at = self._generation
            self._changed_at[key] = self._generation

    def changed_all(self) -> None:
        with self._lock:
            self._drop_all()

    def listening(self) -> None:
        with self._lock:
            self._drop_all()
            self._listening = True

    def deaf(self) -> None:
        with self._lock:
            self._listening = False
            self._drop_all()

    def _drop_all(self) -> None:
        self._generation += 1
        self._dropped_at = self._generation
        self._rows.clear()
        self._changed_at.clear()
