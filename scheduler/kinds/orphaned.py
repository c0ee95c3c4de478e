"""The manager's note that an owner left Slack and their open leads need a new owner.

Written by the nudge's plan (the owner's profile says deactivated) and whenever a DM finds its
reader gone (`reader_gone`); nothing plans it on a clock of its own.
"""

from __future__ import annotations

from datetime import datetime

from bot.blocks.followups import orphan_message
from bot.container import Deps
from bot.services.followups import ORPHANED
from bot.services.ledger import DeliveryView
from scheduler.kinds.kind import Kind


def render(deps: Deps, delivery: DeliveryView, now: datetime, tz: str | None) -> tuple[dict | None, dict | None]:
    """The note, listing the leads still open and still without an owner."""
    leads = deps.leads.find_many(delivery.team_id, delivery.payload.get("leads", []))
    orphaned = [lead.number for lead in leads if lead.status == "open" and lead.needs_new_owner]
    return (orphan_message(delivery.payload["owner"], orphaned) if orphaned else None), None


KIND = Kind(ORPHANED, render)
