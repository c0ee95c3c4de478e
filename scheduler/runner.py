"""`run_due(now)`: decide everything due at an instant, write it to the ledger, then post it."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.container import Deps
from scheduler import delivery, kinds
from scheduler.report import RunReport

__all__ = ["DELIVERY_PASSES", "RunReport", "deliver_due", "plan_due", "run_due"]

logger = logging.getLogger(__name__)

# Each pass posts one batch of due messages; a failed post may claim a follow-up (a manager's note)
# for a later pass. Bounded, so a run always ends.
DELIVERY_PASSES = 100


def run_due(deps: Deps, now: datetime) -> RunReport:
    """Safe to call from any number of processes at once, and again for the same instant."""
    report = RunReport()
    stopped = deps.teams.stopped()
    report.claimed += plan_due(deps, now, stopped)
    deliver_due(deps, now, stopped, report)
    return report


def plan_due(deps: Deps, now: datetime, stopped: set[str]) -> int:
    """Every registered kind decides what is due and writes it to the ledger, in the registry's order."""
    return sum(kind.plan(deps, now, stopped) for kind in kinds.KINDS)


def deliver_due(
    deps: Deps, now: datetime, stopped: set[str], report: RunReport, only: tuple[str, ...] = ()
) -> None:
    """Post what the ledger holds due (of the kinds `only` names, if any), pass after pass, until a pass finds
    nothing (or the passes run out)."""
    watch = delivery.Watch()
    for _ in range(DELIVERY_PASSES):
        if not delivery.deliver_pass(deps, now, stopped, report, watch, only):
            break
    watch.log_unchecked()


