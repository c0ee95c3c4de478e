"""A one-line progress bar on stderr for long imports, silent when nobody is watching."""

from __future__ import annotations

import sys
from typing import TextIO

SHOW_ABOVE_ROWS = 1000


class Progress:
    def __init__(self, label: str, total: int, stream: TextIO = sys.stderr) -> None:
        self.label = label
        self.total = max(total, 1)
        self.stream = stream
        # A terminal always sees it; a log file only for files large enough to wonder about.
        self.enabled = stream.isatty() or total > SHOW_ABOVE_ROWS
        self._shown = -1

    def __call__(self, done: int) -> None:
        if not self.enabled:
            return
        percent = done * 100 // self.total
        if percent != self._shown:
            self._shown = percent
            bar = "#" * (percent // 5)
            self.stream.write(f"\r{self.label} [{bar:<20}] {done}/{self.total} ({percent}%)")
            self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
