"""Group commit: threads that ask for the same write at once share one statement and one commit."""

from __future__ import annotations

import threading
from typing import Callable, Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class _Entry(Generic[Item, Result]):
    __slots__ = ("item", "result", "error", "done")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.result: Result | None = None
        self.error: BaseException | None = None
        self.done = False


class GroupCall(Generic[Item, Result]):
    """`call(item)` returns `run([items])[i]` for its item. Up to `parallel` writes run at once; a caller
    finding them all under way waits and joins the next, so none waits for company when there is room
    (nothing is held back on a timer), and under load each write carries many callers' items.
    """

    def __init__(self, run: Callable[[list[Item]], list[Result]], most: int = 64, parallel: int = 3) -> None:
        self._run = run
        self._most = most
        self._parallel = parallel
        self._cond = threading.Condition()
        self._queue: list[_Entry[Item, Result]] = []
        self._running = 0

    def call(self, item: Item) -> Result:
        entry: _Entry[Item, Result] = _Entry(item)
        with self._cond:
            self._queue.append(entry)
            while not entry.done:
                if self._running >= self._parallel or entry not in self._queue:
                    self._cond.wait()  # a write under way carries this item, or there is no room for another
                    continue
                self._running += 1
                batch, self._queue = self._queue[: self._most], self._queue[self._most :]
                self._cond.release()
                try:
                    self._settle(batch)
                finally:
                    self._cond.acquire()
                    self._running -= 1
                    self._cond.notify_all()
        if entry.error is not None:
            raise entry.error
        return entry.result  # type: ignore[return-value]

    def _settle(self, batch: list[_Entry[Item, Result]]) -> None:
        try:
            results = self._run([entry.item for entry in batch])
        except BaseException as error:  # every caller in the batch sees the failure as its own
            for entry in batch:
                entry.error, entry.done = error, True
            return
        for entry, result in zip(batch, results, strict=True):
            entry.result, entry.done = result, True
