"""Turns a ledger row into the message to post now, from the current state of its leads."""

from __future__ import annotations

from datetime import datetime

from bot import blocks, inbound_blocks
from bot.clock import local_today
from bot.followup_blocks import escalation_message, nudge_message, orphan_message, still_quiet
from bot.i18n import t
from bot.services.followups import ESCALATION, NUDGE, ORPHANED
from bot.services.inbound import INBOUND_ASSIGNED, INBOUND_REMINDER
from bot.services.ledger import DeliveryView


def render(deps, delivery: DeliveryView, now: datetime) -> dict | None:
    """The message for `delivery`, or None when there is nothing left worth saying."""
    numbers = delivery.payload.get("leads", [])
    leads = deps.leads.find_many(delivery.team_id, numbers)
    if delivery.kind == NUDGE:
        return render_nudge(deps, delivery, leads, now, skip_if_done=True)
    if delivery.kind == ESCALATION:
        open_leads = [lead for lead in leads if lead.status == "open"]
        return escalation_message(open_leads, deps.settings.escalate_after or 0, now) if open_leads else None
    if delivery.kind == ORPHANED:
        orphaned = [lead.number for lead in leads if lead.status == "open" and lead.needs_new_owner]
        return orphan_message(delivery.payload["owner"], orphaned) if orphaned else None
    if delivery.kind == INBOUND_REMINDER:
        return render_inbound_reminder(deps, delivery)
    if delivery.kind == INBOUND_ASSIGNED:
        still_theirs = [lead for lead in leads if lead.status == "open" and lead.owner_id == delivery.target]
        if not still_theirs:
            return None
        tz = deps.directory.cached_tz(delivery.team_id, delivery.target)
        within = inbound_blocks.within_text(deps.settings.inbound_claim_within)
        intro = t("inbound.assigned_to_you_round_robin", channel=delivery.payload["channel"], within=within)
        return blocks.lead_card(still_theirs[0], local_today(now, tz), intro=intro, goal=deps.policy.touch_goal)
    raise ValueError(f"no renderer for {delivery.kind}")


def render_inbound_reminder(deps, delivery: DeliveryView) -> dict | None:
    """The thread reminder, unless someone claimed the enquiry (or said it was none) since it was planned."""
    payload = delivery.payload
    enquiry = deps.inbound.find(delivery.team_id, payload["channel"], payload["ts"])
    if enquiry is None or enquiry.status != "open":
        return None
    return inbound_blocks.reminder(payload["ts"], payload.get("mentions", []), deps.settings.inbound_claim_within)


def render_nudge(deps, delivery: DeliveryView, leads, now: datetime, skip_if_done: bool = False) -> dict | None:
    tz = deps.directory.cached_tz(delivery.team_id, delivery.target)
    if skip_if_done and not any(still_quiet(lead, delivery.created_at, local_today(now, tz)) for lead in leads):
        return None
    policy = deps.policy
    return nudge_message(leads, delivery.created_at, now, tz, policy.min_touches, policy.touch_goal)
