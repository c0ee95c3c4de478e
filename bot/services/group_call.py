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
    """`call(item)` returns `run([items])[i]` for its item; a caller finding a write under way waits and
    joins the next one, so no caller waits longer than one write before its own starts, and none waits
    for company when it is alone (nothing is held back on a timer).
    """

    def __init__(self, run: Callable[[list[Item]], list[Result]], most: int = 64) -> None:
        self._run = run
        self._most = most
        self._cond = threading.Condition()
        self._queue: list[_Entry[Item, Result]] = []
        self._busy = False

    def call(self, item: Item) -> Result:
        entry: _Entry[Item, Result] = _Entry(item)
        with self._cond:
            self._queue.append(entry)
            while not entry.done:
                if self._busy:
                    self._cond.wait()
                    continue
                self._busy = True
                batch, self._queue = self._queue[: self._most], self._queue[self._most :]
                self._cond.release()
                try:
                    self._settle(batch)
                finally:
                    self._cond.acquire()
                    self._busy = False
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
