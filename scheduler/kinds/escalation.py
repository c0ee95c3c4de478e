"""The manager's note about leads whose nudges were ignored LEADBOT_ESCALATE_AFTER times, once per silence."""

from __future__ import annotations

from datetime import datetime

from bot.blocks.followups import escalation_message
from bot.container import Deps
from bot.services.followups import ESCALATION
from bot.services.ledger import DeliveryView
from scheduler.kinds.kind import Kind


def plan(deps: Deps, now: datetime, stopped: set[str]) -> int:
    # Escalation is opt-in per environment; the manager may be set per team.
    escalate_after = deps.settings.escalate_after
    if not escalate_after:
        return 0
    claimed = 0
    for team_id in deps.followups.teams_with_ignored_leads(escalate_after) - stopped:
        manager = deps.config(team_id).manager
        if not manager:
            continue
        rep = deps.directory.rep(team_id, manager, now)
        claimed += bool(deps.followups.claim_escalations(team_id, now, manager, escalate_after, rep.tz, rep.hours))
    return claimed


def render(deps: Deps, delivery: DeliveryView, now: datetime, tz: str | None) -> tuple[dict | None, dict | None]:
    leads = deps.leads.find_many(delivery.team_id, delivery.payload.get("leads", []))
    open_leads = [lead for lead in leads if lead.status == "open"]
    return (escalation_message(open_leads, deps.settings.escalate_after or 0, now) if open_leads else None), None


def next_due(deps: Deps, after: datetime) -> datetime | None:
    """The manager's next working instant while some team has ignored leads: escalations have no due column."""
    if not deps.settings.escalate_after:
        return None
    found = []
    for team_id in deps.followups.teams_with_ignored_leads(deps.settings.escalate_after):
        manager = deps.config(team_id).manager
        if manager:
            rep = deps.directory.rep(team_id, manager, after)
            found.append(rep.hours.first_working_instant(after, rep.tz))
    return min(found, default=None)


KIND = Kind(ESCALATION, render, plan=plan, next_due=next_due)
