"""The nudge: one DM a day listing an owner's leads gone quiet, unless they ride in that morning's digest.

Its plan also notices owners who left Slack: their leads are flagged and the manager told (kind orphaned).
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from bot.blocks.followups import nudge_message, still_quiet
from bot.clock import local_today
from bot.container import Deps
from bot.services.digests import DIGEST
from bot.services.followups import FOLDED, NUDGE, NudgeOwner
from bot.services.ledger import DeliveryView
from scheduler.kinds.batches import by_team, each_batch
from scheduler.kinds.kind import Kind


def plan(deps: Deps, now: datetime, stopped: set[str]) -> int:
    claimed = 0
    for team_id, owners in by_team(deps.followups.owners_with_due_leads(now), stopped).items():
        # Profiles and today's unsent digests for every owner at once: a query per owner each adds up at scale.
        known = deps.directory.fresh_reps(team_id, owners, now)
        pending = deps.digests.pending_for(team_id, owners)
        claimed += sum(each_batch(deps, partial(_decide, deps, team_id, now, known, pending), owners))
    return claimed


def _decide(deps: Deps, team_id: str, now: datetime, known: dict, pending_digests: set, owner_ids: list[str]) -> int:
    """One batch of owners: those who left are orphaned one by one, the rest claimed in one transaction."""
    claimed, owners, days = 0, [], {}
    for owner_id in owner_ids:
        rep = known.get(owner_id) or deps.directory.rep(team_id, owner_id, now)
        if not rep.active:
            claimed += bool(deps.followups.orphan(team_id, owner_id, deps.config(team_id).manager, now))
            continue
        today = local_today(now, rep.tz)
        days[owner_id] = today
        fold = (owner_id, today.isoformat()) in pending_digests
        digest_today = rep.next_digest_at and local_today(rep.next_digest_at, rep.tz) == today
        digest_later = rep.next_digest_at if digest_today else None
        owners.append(NudgeOwner(owner_id, rep.tz, rep.hours, fold, digest_later))
    if not owners:
        return claimed
    folded = []
    for owner_id, one in deps.followups.claim_nudges(team_id, owners, now, fold_into=DIGEST).items():
        if one.kind == FOLDED:
            folded.append((owner_id, days[owner_id], list(one.leads)))
        else:
            claimed += 1
    if folded:
        deps.digests.fold_quiet_many(team_id, folded)
    return claimed


def render(deps: Deps, delivery: DeliveryView, now: datetime, tz: str | None) -> tuple[dict | None, dict | None]:
    """The nudge, unless every lead in it got a follow-up (or was closed) since it was planned."""
    tz = tz or deps.directory.cached_tz(delivery.team_id, delivery.target)
    leads = deps.leads.find_many(delivery.team_id, delivery.payload.get("leads", []))
    if not any(still_quiet(lead, delivery.created_at, local_today(now, tz)) for lead in leads):
        return None, None
    return _message(deps, delivery, leads, now, tz), None


def redraw(deps: Deps, delivery: DeliveryView, now: datetime) -> dict:
    leads = deps.leads.find_many(delivery.team_id, delivery.payload.get("leads", []))
    return _message(deps, delivery, leads, now, deps.directory.cached_tz(delivery.team_id, delivery.target))


def _message(deps: Deps, delivery: DeliveryView, leads, now: datetime, tz: str) -> dict:
    policy = deps.policy(delivery.team_id)
    return nudge_message(leads, delivery.created_at, now, tz, policy.min_touches, policy.touch_goal)


def next_due(deps: Deps, after: datetime) -> datetime | None:
    return deps.followups.next_nudge_after(after)


KIND = Kind(NUDGE, render, plan=plan, next_due=next_due, redraw=redraw)
