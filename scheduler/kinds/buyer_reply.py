"""The owner's DM that a buyer wrote back: one per reply, in working hours, or folded into that morning's digest."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.blocks.buyer_replies import reply_message
from bot.clock import local_today
from bot.container import Deps
from bot.services.buyer_replies import BUYER_REPLY, BuyerReplyView
from bot.services.ledger import DeliveryView
from scheduler.kinds.kind import Kind


def plan(deps: Deps, now: datetime, stopped: set[str]) -> int:
    claimed = 0
    for reply in deps.buyer_replies.to_tell(now):
        if reply.team_id in stopped:
            continue
        wait = _wait(deps, reply, now)
        if wait == "fold":
            deps.buyer_replies.claim_dm(reply, now, folded=True)
        elif wait is None:
            claimed += deps.buyer_replies.claim_dm(reply, now)
    return claimed


def _wait(deps: Deps, reply: BuyerReplyView, now: datetime) -> datetime | str | None:
    """None: tell the owner now; "fold": today's digest, about to go out, carries it; else when to look again."""
    rep = deps.directory.rep(reply.team_id, reply.owner_id, now)
    if not rep.active:
        return now + timedelta(days=1)  # the nudge's plan flags the leads of an owner who left
    if not rep.hours.is_working_time(now, rep.tz):
        return rep.hours.first_working_instant(now, rep.tz)
    today = local_today(now, rep.tz)
    if (reply.owner_id, today.isoformat()) in deps.digests.pending_for(reply.team_id, [reply.owner_id]):
        return "fold"
    if rep.next_digest_at and rep.next_digest_at > now and local_today(rep.next_digest_at, rep.tz) == today:
        return rep.next_digest_at  # this morning's digest comes later and will list it
    return None


def render(deps: Deps, delivery: DeliveryView, now: datetime, tz: str | None) -> tuple[dict | None, dict | None]:
    """The DM, unless the reply was answered (or its lead closed) before it could go out."""
    reply = deps.buyer_replies.reply(delivery.team_id, delivery.payload["reply"])
    if reply is None or not reply.waiting:
        return None, None
    message = _message(deps, delivery, reply, now, tz)
    return message, None


def redraw(deps: Deps, delivery: DeliveryView, now: datetime) -> dict | None:
    reply = deps.buyer_replies.reply(delivery.team_id, delivery.payload["reply"])
    return None if reply is None else _message(deps, delivery, reply, now, None)


def _message(deps: Deps, delivery: DeliveryView, reply: BuyerReplyView, now: datetime, tz: str | None) -> dict | None:
    leads = deps.leads.find_many(delivery.team_id, [reply.lead_number])
    if not leads:
        return None
    tz = tz or deps.directory.cached_tz(delivery.team_id, delivery.target)
    return reply_message(reply, leads[0], local_today(now, tz), tz)


def next_due(deps: Deps, after: datetime) -> datetime | None:
    """The first instant after `after` at which a waiting reply's owner may be told."""
    found = []
    for reply in deps.buyer_replies.to_tell(after):
        wait = _wait(deps, reply, after)
        found.append(wait if isinstance(wait, datetime) else after + timedelta(seconds=1))
    later = [instant for instant in found if instant > after]
    return min(later, default=None)


KIND = Kind(BUYER_REPLY, render, plan=plan, next_due=next_due, redraw=redraw)
