"""Turns a ledger row into the message to post now, from the current state of its leads."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from bot.blocks import inbound as inbound_blocks
from bot.blocks import leads as lead_blocks
from bot.blocks.accounts import expansion_message, question_message
from bot.blocks.digest import digest_message
from bot.blocks.followups import escalation_message, nudge_message, orphan_message, still_quiet
from bot.blocks.leads import notice
from bot.blocks.summary import summary_message
from bot.clock import local_today
from bot.services.digests import DIGEST
from bot.services.followups import ESCALATION, NUDGE, ORPHANED
from bot.services.inbound import INBOUND_ASSIGNED, INBOUND_REMINDER
from bot.services.ledger import DeliveryView
from bot.services.orders import EXPANSION
from bot.services.small_buyers import SMALL_BUYER
from bot.services.summary import SummaryData
from bot.services.summary_schedule import SUMMARY, SUMMARY_HELP
from bot.text.amounts import money
from bot.text.i18n import t


def render(deps, delivery: DeliveryView, now: datetime, tz: str | None = None) -> tuple[dict | None, dict | None]:
    """The message for `delivery` (None: nothing left worth saying) and the payload to keep once it is posted.

    Only a digest has a payload to keep (the items it listed); the sender writes it with "sent",
    in one commit. `tz` is the target's cached time zone when the caller already has it.
    """
    if delivery.kind == DIGEST:
        return render_digest(deps, delivery, now, tz)
    return _render(deps, delivery, now, tz), None


def _render(deps, delivery: DeliveryView, now: datetime, tz: str | None) -> dict | None:
    if delivery.kind == SMALL_BUYER:
        return render_small_buyer(deps, delivery, now, tz)
    if delivery.kind == SUMMARY:
        data = summary_data(deps, delivery)
        times = deps.inbound.response_times(
            delivery.team_id,
            datetime.fromisoformat(delivery.payload["start"]),
            datetime.fromisoformat(delivery.payload["end"]),
        )
        if data.is_empty and not times:
            return None
        currency = deps.config(delivery.team_id).currency
        return summary_message(data, delivery.payload["label"], currency, response_times=times)
    if delivery.kind == SUMMARY_HELP:
        return notice(t("summary.invite_me", channel=delivery.payload["channel"]))
    if delivery.kind == EXPANSION:
        account = deps.small_buyers.account(delivery.team_id, delivery.payload["account"], local_today(now, "UTC"))
        amount = money(Decimal(delivery.payload["amount"]), delivery.payload["currency"])
        return expansion_message(account.name, amount) if account else None
    numbers = delivery.payload.get("leads", [])
    leads = deps.leads.find_many(delivery.team_id, numbers)
    if delivery.kind == NUDGE:
        return render_nudge(deps, delivery, leads, now, skip_if_done=True, tz=tz)
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
        tz = tz or deps.directory.cached_tz(delivery.team_id, delivery.target)
        within = inbound_blocks.within_text(deps.settings.inbound_claim_within)
        intro = t("inbound.assigned_to_you_round_robin", channel=delivery.payload["channel"], within=within)
        return lead_blocks.lead_card(still_theirs[0], local_today(now, tz), intro=intro)
    raise ValueError(f"no renderer for {delivery.kind}")


def summary_data(deps, delivery: DeliveryView) -> SummaryData:
    config = deps.config(delivery.team_id)
    start = datetime.fromisoformat(delivery.payload["start"])
    end = datetime.fromisoformat(delivery.payload["end"])
    return deps.summaries.compute(delivery.team_id, start, end, config.min_touches, config.potential_factor)


def render_digest(
    deps, delivery: DeliveryView, now: datetime, tz: str | None = None
) -> tuple[dict | None, dict | None]:
    """A digest about to be posted (None when empty), and its payload with today's items, kept for later redraws."""
    tz = tz or deps.directory.cached_tz(delivery.team_id, delivery.target)
    day = date.fromisoformat(delivery.payload["day"])
    data = deps.digests.content(delivery.team_id, delivery.target, day, tz, now)
    if data.is_empty:
        return None, None
    return digest_message(data, tz, delivery.created_at, now), {**delivery.payload, "shown": data.shown()}


def redraw_digest(deps, delivery: DeliveryView, now: datetime) -> dict:
    tz = deps.directory.cached_tz(delivery.team_id, delivery.target)
    day = date.fromisoformat(delivery.payload["day"])
    data = deps.digests.as_shown(delivery.team_id, day, delivery.payload.get("shown", {}))
    return digest_message(data, tz, delivery.created_at, now)


def redraw(deps, delivery: DeliveryView, now: datetime) -> dict | None:
    """The current state of a posted scheduled message, for chat.update after someone acted on it."""
    if delivery.kind == NUDGE:
        leads = deps.leads.find_many(delivery.team_id, delivery.payload.get("leads", []))
        return render_nudge(deps, delivery, leads, now)
    if delivery.kind == DIGEST:
        return redraw_digest(deps, delivery, now)
    if delivery.kind == SMALL_BUYER:
        return render_small_buyer(deps, delivery, now)
    return None


def render_small_buyer(deps, delivery: DeliveryView, now: datetime, tz: str | None = None) -> dict | None:
    today = local_today(now, tz or deps.directory.cached_tz(delivery.team_id, delivery.target))
    account = deps.small_buyers.account(delivery.team_id, delivery.payload["account"], today)
    if account is None:
        return None
    answer = deps.small_buyers.latest_answer(delivery.team_id, account.id, delivery.created_at)
    return question_message(account, answer, today)
def render_inbound_reminder(deps, delivery: DeliveryView) -> dict | None:
    """The thread reminder, unless someone claimed the enquiry (or said it was none) since it was planned."""
    payload = delivery.payload
    enquiry = deps.inbound.find(delivery.team_id, payload["channel"], payload["ts"])
    if enquiry is None or enquiry.status != "open":
        return None
    return inbound_blocks.reminder(payload["ts"], payload.get("mentions", []), deps.settings.inbound_claim_within)


def render_nudge(
    deps, delivery: DeliveryView, leads, now: datetime, skip_if_done: bool = False, tz: str | None = None
) -> dict | None:
    tz = tz or deps.directory.cached_tz(delivery.team_id, delivery.target)
    if skip_if_done and not any(still_quiet(lead, delivery.created_at, local_today(now, tz)) for lead in leads):
        return None
    policy = deps.policy(delivery.team_id)
    return nudge_message(leads, delivery.created_at, now, tz, policy.min_touches, policy.touch_goal)
