"""A one-line progress bar on stderr for long imports, silent when nobody is watching."""

from __future__ import annotations

from typing import TextIO

# A terminal always sees it; a log file only for files large enough to wonder about.
PROGRESS_ABOVE = 1000


class ProgressBar:
    """`importing: 1200/5000 rows (24%)` on one line of stderr, for big files or when someone is watching."""

    def __init__(self, label: str, total: int, stream: TextIO, unit: str = "rows") -> None:
        self.label = label
        self.unit = unit
        self.total = total
        self.stream = stream
        self.shown = -1
        self.enabled = total > PROGRESS_ABOVE or _is_tty(stream)

    def __call__(self, done: int, total: int | None = None) -> None:
        if not self.enabled:
            return
        total = max(total or self.total, done, 1)
        percent = done * 100 // total
        if percent != self.shown or done == total:
            self.shown = percent
            self.stream.write(f"\rleadbot: {self.label} {done}/{total} {self.unit} ({percent}%)")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.shown >= 0:
            self.stream.write("\n")
            self.stream.flush()
            self.shown = -1


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
