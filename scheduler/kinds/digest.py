"""The morning digest: one DM per rep on workdays at their digest time, redrawn with the items it listed."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial

from bot.blocks.digest import digest_message
from bot.container import Deps
from bot.services.digests import DIGEST
from bot.services.ledger import DeliveryView
from scheduler.kinds.batches import by_team, each_batch
from scheduler.kinds.kind import Kind


def plan(deps: Deps, now: datetime, stopped: set[str]) -> int:
    claimed = 0
    for team_id, users in by_team(deps.digests.reps_due(now), stopped).items():
        # Profiles for every rep at once: a query per rep adds up at scale.
        known = deps.directory.fresh_reps(team_id, users, now)
        claimed += sum(each_batch(deps, partial(_decide, deps, team_id, now, known), users))
    return claimed


def _decide(deps: Deps, team_id: str, now: datetime, known: dict, user_ids: list[str]) -> int:
    reps = [known.get(user_id) or deps.directory.rep(team_id, user_id, now) for user_id in user_ids]
    # A rep who left is handled with their leads, in the nudge's plan.
    active = [rep for rep in reps if rep.active]
    return len(deps.digests.claim_many(team_id, active, now)) if active else 0


def render(deps: Deps, delivery: DeliveryView, now: datetime, tz: str | None) -> tuple[dict | None, dict | None]:
    """Today's digest (None when empty), and its payload with the items listed, kept for later redraws."""
    tz = tz or deps.directory.cached_tz(delivery.team_id, delivery.target)
    day = date.fromisoformat(delivery.payload["day"])
    data = deps.digests.content(delivery.team_id, delivery.target, day, tz, now)
    if data.is_empty:
        return None, None
    return digest_message(data, tz, delivery.created_at, now), {**delivery.payload, "shown": data.shown()}


def redraw(deps: Deps, delivery: DeliveryView, now: datetime) -> dict:
    """The same items as posted, in their current state: what was handled shows as done."""
    tz = deps.directory.cached_tz(delivery.team_id, delivery.target)
    day = date.fromisoformat(delivery.payload["day"])
    data = deps.digests.as_shown(delivery.team_id, day, delivery.payload.get("shown", {}))
    return digest_message(data, tz, delivery.created_at, now)


def next_due(deps: Deps, after: datetime) -> datetime | None:
    return deps.digests.next_due_after(after)


KIND = Kind(DIGEST, render, plan=plan, next_due=next_due, redraw=redraw)
