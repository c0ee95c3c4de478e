"""The "why so little from us?" question to the owner of a steady small buyer, redrawn once answered."""

from __future__ import annotations

from datetime import datetime

from bot.blocks.accounts import question_message
from bot.clock import local_today
from bot.container import Deps
from bot.services.ledger import DeliveryView
from bot.services.small_buyers import SMALL_BUYER
from scheduler.kinds.kind import Kind


def plan(deps: Deps, now: datetime, stopped: set[str]) -> int:
    claimed = 0
    for team_id, account_id in deps.small_buyers.accounts_to_check(now):
        if team_id in stopped:
            continue
        owner = deps.small_buyers.owner_of(team_id, account_id)
        rep = deps.directory.rep(team_id, owner, now) if owner else None
        if rep is not None and not rep.active:
            owner = None  # nobody to ask: the check clears until another order arrives
        tz = rep.tz if rep else deps.config(team_id).team_tz
        hours = rep.hours if rep else deps.directory.default_hours
        claimed += bool(deps.small_buyers.claim_question(team_id, account_id, owner, tz, hours, now))
    return claimed


def render(deps: Deps, delivery: DeliveryView, now: datetime, tz: str | None) -> tuple[dict | None, dict | None]:
    return _message(deps, delivery, now, tz), None


def redraw(deps: Deps, delivery: DeliveryView, now: datetime) -> dict | None:
    return _message(deps, delivery, now, None)


def _message(deps: Deps, delivery: DeliveryView, now: datetime, tz: str | None) -> dict | None:
    """The question with the account as it stands, and the owner's answer once given (None: the account is gone)."""
    today = local_today(now, tz or deps.directory.cached_tz(delivery.team_id, delivery.target))
    account = deps.small_buyers.account(delivery.team_id, delivery.payload["account"], today)
    if account is None:
        return None
    answer = deps.small_buyers.latest_answer(delivery.team_id, account.id, delivery.created_at)
    return question_message(account, answer, today)


def next_due(deps: Deps, after: datetime) -> datetime | None:
    return deps.small_buyers.next_check_after(after)


KIND = Kind(SMALL_BUYER, render, plan=plan, next_due=next_due, redraw=redraw)
