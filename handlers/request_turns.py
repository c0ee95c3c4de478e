"""Slack's requests take turns on a process's interpreter, in the order they came, unless the one running is stuck."""

from __future__ import annotations

import threading
import time
from collections import deque
from contextlib import contextmanager
from typing import Iterator

# How long a request waits for its turn behind a running one before it runs beside it anyway. Far above a
# command's few milliseconds, so only a request stuck on something slow is overtaken; far below Slack's 3 s.
PATIENCE_SECONDS = 0.05


class RequestTurns:
    """A turn handed from request to request in the order they asked for it.

    Threads of one process share the interpreter's lock, so two requests running side by side both finish late:
    each runs until it waits on a socket or 5 ms pass, then the other, and a thread that gave the lock up waits
    behind the other to get it back. One at a time, in order, each is answered as soon as its own work is done.
    A request stuck on something slow (a database lock, a slow answer from Slack) must not hold the others back:
    one that has waited `patience` seconds runs beside it, without the turn, and once the turn has been held that
    long, a new request does not wait at all. And a request that only waits for a listener's ack steps aside
    (`step_aside`).
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held = False
        self._held_since = 0.0  # monotonic time the turn was last taken or handed over
        self._waiting: deque[threading.Lock] = deque()  # one locked lock a waiting thread; released to hand over
        self._holder = threading.local()

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Run the block in this thread's turn (or without it, after PATIENCE_SECONDS of waiting)."""
        self._holder.holds = self.take(PATIENCE_SECONDS)
        try:
            yield
        finally:
            self.step_aside()

    def step_aside(self) -> None:
        """This thread's request has nothing left to run for now: the next one may start."""
        if getattr(self._holder, "holds", False):
            self._holder.holds = False
            self.give_back()

    def take(self, patience: float) -> bool:
        """Wait at most `patience` seconds for the turn: True if this thread holds it (give it back after)."""
        with self._guard:
            now = time.monotonic()
            if not self._held:
                self._held, self._held_since = True, now
                return True
            if now - self._held_since >= patience:  # the one holding it is stuck: no use waiting behind it
                return False
            handed = threading.Lock()
            handed.acquire()
            self._waiting.append(handed)
        if handed.acquire(timeout=patience):
            return True
        with self._guard:
            if handed in self._waiting:
                self._waiting.remove(handed)
                return False
        return True  # handed over just as the wait ran out: the turn is this thread's

    def give_back(self) -> None:
        """Hand the turn to the request that has waited longest, or leave it free."""
        with self._guard:
            if self._waiting:
                self._held_since = time.monotonic()
                self._waiting.popleft().release()
            else:
                self._held = False
