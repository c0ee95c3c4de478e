"""How many connections each `leadbot serve` worker holds, in memory the workers share, so new ones spread evenly."""

from __future__ import annotations

import mmap
from typing import Iterable

# More worker processes than a master ever has at once: its workers and, during a SIGHUP, the old ones stopping.
SLOTS = 256
_CELLS_PER_SLOT = 2  # open connections + 1 (0: a free slot), and 1 until the worker stops taking new connections


class ConnectionBoard:
    """One slot per worker process: how many connections it holds and whether it takes new ones (it is not stopping).

    The master makes the board before it forks and gives each new worker a free slot; a worker writes its own slot
    only (from its main thread) and reads the others'. The memory is an anonymous shared mapping, so the workers
    forked from the master see one another's writes, and it goes away with the last of them.
    """

    def __init__(self, slots: int = SLOTS) -> None:
        self.slots = slots
        # The last cell: one past the highest slot ever given, so that a worker reads only the slots in use.
        self._memory = mmap.mmap(-1, (slots * _CELLS_PER_SLOT + 1) * 4)  # MAP_SHARED | MAP_ANONYMOUS
        self._cells = memoryview(self._memory).cast("i")
        self._in_use = slots * _CELLS_PER_SLOT

    def free_slot(self, taken: Iterable[int | None]) -> int | None:
        """A slot no live worker has (cleared for its new holder), or None when all are taken."""
        used = set(taken)
        for slot in range(self.slots):
            if slot not in used:
                self.clear(slot)
                self._cells[self._in_use] = max(self._cells[self._in_use], slot + 1)
                return slot
        return None

    def clear(self, slot: int) -> None:
        """The slot's worker is gone: nobody counts on it to take a connection."""
        self._cells[slot * _CELLS_PER_SLOT] = 0
        self._cells[slot * _CELLS_PER_SLOT + 1] = 0

    def publish(self, slot: int, connections: int, *, taking: bool) -> None:
        self._cells[slot * _CELLS_PER_SLOT] = connections + 1
        self._cells[slot * _CELLS_PER_SLOT + 1] = int(taking)

    def fewer_elsewhere(self, slot: int, connections: int) -> bool:
        """Whether another worker holds fewer connections than `connections` and takes new ones (when busy, at its
        next finished request)."""
        cells = self._cells
        for other in range(cells[self._in_use]):
            held = cells[other * _CELLS_PER_SLOT]
            if other != slot and 0 < held <= connections and cells[other * _CELLS_PER_SLOT + 1]:
                return True
        return False
