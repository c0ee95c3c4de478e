"""The registry of scheduled-message kinds: every kind the ledger holds, in the order they are planned."""

from __future__ import annotations

from datetime import datetime

from bot.container import Deps
from bot.services.ledger import DeliveryView
from scheduler.kinds import (
    buyer_reply,
    digest,
    escalation,
    expansion,
    inbound,
    mail_enquiry,
    nudge,
    orphaned,
    small_buyer,
    summary,
    webhook,
)
from scheduler.kinds.kind import Kind

__all__ = ["KINDS", "Kind", "kind_named", "redraw"]

# A new kind: a module in this package that builds a `Kind`, and its line here.
KINDS: tuple[Kind, ...] = (
    digest.KIND,  # before nudges: a nudge due the same morning folds into the digest
    nudge.KIND,
    buyer_reply.KIND,  # after the digest: a reply due the same morning folds into it
    escalation.KIND,
    orphaned.KIND,
    small_buyer.KIND,
    expansion.KIND,
    summary.KIND,
    summary.HELP,
    inbound.REMINDER,
    inbound.HANDOFF,
    mail_enquiry.KIND,  # written by the mail pass, not planned here
    webhook.KIND,  # written by the services with each change, not planned here
    webhook.TURNED_OFF,
)


def kind_named(name: str) -> Kind | None:
    """The registered kind a ledger row names; None for a name no module claims."""
    return next((kind for kind in KINDS if kind.name == name), None)


def redraw(deps: Deps, delivery: DeliveryView, now: datetime) -> dict | None:
    """A posted scheduled message as it should look now that someone acted on it; None: leave it as it is."""
    kind = kind_named(delivery.kind)
    return kind.redraw(deps, delivery, now) if kind is not None and kind.redraw is not None else None
