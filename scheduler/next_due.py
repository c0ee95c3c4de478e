"""When `run_due` may next find work: the earliest instant any registered kind, or a message backing off, is due."""

from __future__ import annotations

from datetime import datetime

from bot.container import Deps
from scheduler import kinds


def next_due(deps: Deps, after: datetime) -> datetime | None:
    """The first instant after `after` at which something may be due, or None when nothing is planned.

    The due columns move to the exact moment work becomes real (working hours, time zones), so
    running `run_due` at each of these instants sends everything when it would have been sent by a
    scheduler ticking every minute. Escalations have no column: they ride along on a nudge, or wait
    for the manager's working hours.
    """
    found = [deps.ledger.next_retry_after(after), *(kind.next_due(deps, after) for kind in kinds.KINDS)]
    later = [instant for instant in found if instant is not None and instant > after]
    return min(later) if later else None
