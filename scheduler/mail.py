"""Reading the sales mailbox beside the scheduler's run: mail trouble (or a slow mailbox) never holds up a nudge."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from bot.container import Deps
from bot.services.mail_log import MailPass, Progress

logger = logging.getLogger(__name__)


def read_mail(deps: Deps, now: datetime, progress: Progress | None = None) -> MailPass | None:
    """One pass over the mailbox; None when none is set or the pass failed in a way nobody foresaw (logged)."""
    if not deps.mail_log.configured:
        return None
    try:
        return deps.mail_log.poll(now, progress)
    except Exception:
        # The mailbox's own trouble is handled inside the pass; this is a bug, and still no reason to stop nudges.
        logger.exception("mail: the pass over the mailbox failed; the next run tries again")
        return None


class MailPassInBackground:
    """`read_mail` on a thread of its own, started before the run posts what is due and joined after."""

    def __init__(self, deps: Deps, now: datetime) -> None:
        self.result: MailPass | None = None
        self._thread = threading.Thread(target=self._run, args=(deps, now), name="mailpass", daemon=True)
        self._thread.start()

    def _run(self, deps: Deps, now: datetime) -> None:
        self.result = read_mail(deps, now)

    def join(self) -> MailPass | None:
        self._thread.join()
        return self.result
