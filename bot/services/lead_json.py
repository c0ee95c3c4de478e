"""Leads, follow-ups and orders as the HTTP API answers them and webhooks carry them: one shape for both."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from bot.services.lead_views import LeadView, TouchView

# The lost reasons as integrations write them (the words a rep types in Slack), and the codes leadbot stores.
API_LOST_REASONS = {
    "competitor": "competitor",
    "cancelled": "cancelled",
    "budget": "no_budget",
    "fit": "not_fit",
    "silent": "went_silent",
    "other": "other",
}
_STORED_TO_API = {stored: word for word, stored in API_LOST_REASONS.items()}


def lead_object(lead: LeadView, url: str | None = None) -> dict:
    """One lead, as `GET /api/v1/leads/{number}` answers it (without its follow-ups) and as webhooks carry it."""
    return {
        "number": lead.number,
        "company": lead.company,
        "contact": lead.contact_name,
        "contact_email": lead.contact_email,
        "asked_for": lead.asked_for,
        "source": lead.source,
        "situation": lead.situation,
        "owner": lead.owner_id,
        "status": lead.status,
        "lost_reason": _STORED_TO_API.get(lead.lost_reason or "", lead.lost_reason),
        "touches": lead.touch_count,
        "next_follow_up": iso_date(lead.next_follow_up_on),
        "claimed_potential": amount(lead.claimed_potential),
        "potential_unit": lead.potential_unit,
        "realistic_potential": amount(lead.realistic_potential),
        "created_at": iso_time(lead.created_at),
        "closed_at": iso_time(lead.closed_at),
        "url": url,
    }


def lead_with_follow_ups(lead: LeadView, url: str | None = None) -> dict:
    """One lead and every follow-up logged on it, oldest first: `GET /api/v1/leads/{number}`."""
    return {**lead_object(lead, url), "follow_ups": [touch_object(touch) for touch in lead.touches]}


def touch_object(touch: TouchView) -> dict:
    """One follow-up: how it was made, what was noted, who logged it, when, and where it came from."""
    return {
        "kind": touch.kind,
        "note": touch.note,
        "buyer_said": touch.buyer_said,
        "by": touch.logged_by,
        "at": iso_time(touch.logged_at),
        "source": touch.source,
    }


def order_object(order) -> dict:
    """One order, as `POST /api/v1/orders` answers it and webhooks carry it (`order.recorded`): an OrderView from
    bot.services.orders (not imported: orders writes its events with this, and is above this file)."""
    return {
        "company": order.company,
        "ordered_on": iso_date(order.ordered_on),
        "amount": amount(order.amount),
        "currency": order.currency,
        "ref": order.ref,
        "note": order.note,
        "owner": order.owner_id,
        "created_at": iso_time(order.created_at),
    }


def iso_time(moment: datetime | None) -> str | None:
    """ISO 8601 with its offset (leadbot keeps every instant in UTC)."""
    return None if moment is None else moment.isoformat()


def iso_date(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def amount(value: Decimal | None) -> str | None:
    """A decimal string, never a float: an integration must not see 1234.5 become 1234.4999."""
    return None if value is None else format(value, "f")


def answer_object(answer, company: str) -> dict:
    """Why a steady small buyer buys so little, as its owner answered (an AnswerView): `small_buyer.answered`."""
    return {
        "company": company,
        "reason": answer.reason,
        "note": answer.note,
        "by": answer.answered_by,
        "at": iso_time(answer.answered_at),
        "next_step_on": iso_date(answer.next_step_on),
        "lead": answer.lead_number,
    }
