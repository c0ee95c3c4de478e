"""What one scheduled-message kind tells the scheduler: how it is planned, drawn, redrawn and next due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from bot.container import Deps
from bot.services.ledger import DeliveryView

# (deps, now, teams whose sends are stopped) → how many messages it wrote to the ledger.
Plan = Callable[[Deps, datetime, set[str]], int]
# (deps, delivery, now, the target's cached time zone or None) → (the message, None: nothing left worth
# saying; the payload to keep with the row once posted, None: keep the planned one).
Render = Callable[[Deps, DeliveryView, datetime, str | None], tuple[dict | None, dict | None]]
# (deps, delivery, now) → the posted message as it should look now that someone acted on it.
Redraw = Callable[[Deps, DeliveryView, datetime], dict | None]
# (deps, delivery, channel, ts) of the message just posted.
AfterSent = Callable[[Deps, DeliveryView, str, str], None]
# (deps, delivery, Slack's error, now): the target is out of reach for good (a channel, a person).
TargetGone = Callable[[Deps, DeliveryView, str, datetime], None]
# (deps, after) → the first instant after `after` at which its plan may find work; None: nothing planned.
NextDue = Callable[[Deps, datetime], datetime | None]
# (deps, delivery, now) → what became of it, as RunReport counts it ("sent", "retry_later", "failed", "skipped"),
# with the ledger row already recorded so, or ELSEWHERE: for a kind that is no Slack message (a webhook), delivered
# its own way.
Send = Callable[[Deps, DeliveryView, datetime], str]
# What `send` answers when it handed the row back untouched: another sender is posting its target's messages now.
ELSEWHERE = "elsewhere"
# What `send` answers when the target did not answer at all (the row is to be tried again, counted as retry_later):
# the rest of the target's lane is not tried in this run, so one hanging receiver costs a run one timeout.
UNREACHABLE = "unreachable"


def plans_nothing(deps: Deps, now: datetime, stopped: set[str]) -> int:
    """For a kind written elsewhere (by another kind's plan, or when someone acts), not by a plan of its own."""
    return 0


def never_due(deps: Deps, after: datetime) -> datetime | None:
    return None


def reader_gone(deps: Deps, delivery: DeliveryView, error: str, now: datetime) -> None:
    """A DM whose reader left Slack: their leads need a new owner, and the manager is told once."""
    if delivery.target[:1] in ("U", "W"):
        deps.followups.orphan(delivery.team_id, delivery.target, deps.config(delivery.team_id).manager, now)


@dataclass(frozen=True)
class Kind:
    """One ledger kind (`name`, as the services write it) and everything the scheduler does with it.

    Only `name` and `render` are required: a kind another part writes needs no plan, a message
    nobody acts on no redraw.
    """

    name: str
    render: Render
    plan: Plan = plans_nothing
    next_due: NextDue = never_due
    redraw: Redraw | None = None
    after_sent: AfterSent | None = None
    target_gone: TargetGone = reader_gone
    send: Send | None = None  # set: `render` is never called, and `send` delivers the row instead of Slack
