"""`leadbot mail-poll [--at T]`: one pass over the sales mailbox, with progress for a large first read."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Callable

from bot.cli.progress import ProgressBar
from bot.config import Settings, SettingsError
from bot.container import Deps, build_deps


def mail_poll(settings: Settings, at: datetime | None, deliver: Callable[[Deps, datetime], object]) -> int:
    """Read the mailbox once and print what became of its messages; 0 even when the mailbox cannot be read
    (that is said, and `/healthz` shows it), so a cron job's failure means leadbot's, not the mail server's."""
    if settings.mail_url is None:
        raise SettingsError("LEADBOT_MAIL_URL is not set: there is no sales mailbox to read (see the README)")
    from bot.clock import FixedClock

    deps = build_deps(settings, clock=FixedClock(at) if at else None)
    try:
        now = deps.clock.now()
        bar = _Bar(sys.stderr)
        result = deps.mail_log.poll(now, bar)
        bar.close()
        print(f"leadbot mail-poll at {now.isoformat()}: {result}")
        if result.acted:
            # What the mail added (an emailed enquiry, a buyer's reply to tell its owner about) goes out now.
            print(f"leadbot mail-poll: posted what the mail added: {deliver(deps, now)}")
        return 0
    finally:
        deps.close()


class _Bar:
    """The import's progress bar, made when the pass knows how many messages it will read."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.bar: ProgressBar | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = ProgressBar("reading mail:", total, self.stream, unit="messages")
        self.bar(done, total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
