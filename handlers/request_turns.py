"""Requests of one worker take turns on its interpreter, in the order they came, unless the one running is stuck."""

from __future__ import annotations

import threading
from collections import deque


class RequestTurns:
    """A turn handed from request to request in the order they asked for it.

    Threads of one process share the interpreter's lock, so two requests running side by side both finish late:
    each runs until it waits on a socket or 5 ms pass, then the other, and a thread giving the lock up waits
    behind the other to get it back. One at a time, in order, the first is answered as soon as its work is done.
    A request stuck waiting (a database lock, a slow Slack call) must not hold the others back: a request that has
    waited `patience` seconds runs beside it, without the turn.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Lock] = deque()  # one locked lock a waiting thread; released to hand over

    def take(self, patience: float) -> bool:
        """Wait at most `patience` seconds for the turn: True if this thread holds it (give it back after)."""
        with self._guard:
            if not self._held:
                self._held = True
                return True
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
                self._waiting.popleft().release()
            else:
                self._held = False
