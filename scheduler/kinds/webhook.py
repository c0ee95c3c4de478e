"""Events to webhook endpoints: each ledger row POSTed, signed, once it gets a 2xx; and the admins' DM when an
endpoint failing for 24 hours is turned off.

The services write one row per event and endpoint in the transaction that made the change; nothing plans them.
The ledger's lease makes one sender post a row at a time, so with two schedulers each event still goes out once
(a sender that dies mid-POST leaves its lease to lapse: the event is sent again with the same `webhook-id`, which
is what receivers deduplicate on).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.blocks.settings import webhook_off_message
from bot.container import Deps
from bot.services.ledger import DeliveryView
from bot.services.webhooks import WEBHOOK, WEBHOOK_OFF, endpoint_id_of, next_try
from bot.webhook_out import DELIVERED, RETRY, body_of, post_event
from scheduler.kinds.kind import ELSEWHERE, UNREACHABLE, Kind

logger = logging.getLogger(__name__)


def send(deps: Deps, delivery: DeliveryView, now: datetime) -> str:
    endpoint_id = endpoint_id_of(delivery.target)
    target = deps.webhooks.target_for(delivery.team_id, endpoint_id) if endpoint_id is not None else None
    if target is None:  # removed or turned off since the event was written
        deps.ledger.skipped(delivery.id)
        return "skipped"
    ahead = deps.webhooks.waiting_behind(delivery.id, delivery.team_id, delivery.target, delivery.subject, now)
    if ahead is not None:
        next_attempt_at, being_sent = ahead
        if being_sent:
            # Another scheduler is posting to this endpoint now: it has the rest of this lane, in order.
            deps.ledger.release(delivery.id)
            return ELSEWHERE
        # An earlier event of the same lead is still to reach this endpoint: this one goes after it.
        deps.ledger.hold(delivery.id, max(next_attempt_at, now + timedelta(seconds=1)))
        return "retry_later"
    answer = post_event(target.url, target.secret, delivery.payload["id"], body_of(delivery.payload["event"]))
    if answer.outcome == DELIVERED:
        deps.ledger.sent(delivery.id, None, None, now)
        deps.webhooks.delivered(delivery.team_id, endpoint_id)
        return "sent"
    again = None
    if answer.outcome == RETRY:
        again = next_try(delivery.attempts, delivery.created_at, now, answer.retry_after)
    logger.warning(
        "webhook %s to endpoint %s: %s (%s)",
        delivery.payload["event"]["type"],
        endpoint_id,
        answer.error,
        "trying again" if again else "given up",
    )
    if again is not None:
        deps.ledger.retry_later(delivery.id, answer.error, delivery.attempts, now, wait=again - now)
    else:
        deps.ledger.failed(delivery.id, answer.error)
    config = deps.config(delivery.team_id)
    admins = sorted(config.admins) or ([config.manager] if config.manager else [])  # someone must hear of it
    deps.webhooks.failed(delivery.team_id, endpoint_id, answer.error, admins, now)
    if again is not None and answer.status is None:
        # No answer at all (down, or hanging until the timeout): its other events wait for the same next attempt,
        # instead of each costing this run another timeout.
        deps.webhooks.hold_endpoint(delivery.team_id, delivery.target, again, now)
        return UNREACHABLE
    return "retry_later" if again is not None else "failed"


def render_off(deps: Deps, delivery: DeliveryView, now: datetime, tz: str | None) -> tuple[dict | None, dict | None]:
    """The admin's DM: which endpoint was turned off, since when it failed, and how to turn it on again."""
    payload = delivery.payload
    since = payload["since"][:16].replace("T", " ") + " UTC"
    return webhook_off_message(payload["url"], since, payload.get("error") or "?"), None


KIND = Kind(WEBHOOK, lambda *_: (None, None), send=send)
TURNED_OFF = Kind(WEBHOOK_OFF, render_off)
