"""Which open lead an email address belongs to: its contact's exact address, or its company's own domain."""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from bot.store.models import OPEN, Lead
from bot.text.email_address import domain_of

__all__ = ["domain_of", "is_free_mail", "open_lead_for_addresses"]


def is_free_mail(domain: str, free_mail: frozenset[str]) -> bool:
    """Whether `domain` is a free-mail provider's (LEADBOT_FREE_MAIL_DOMAINS), or a subdomain of one (vip.163.com):
    many unrelated people share it, so it names no company."""
    domain = domain.strip().rstrip(".").lower()
    return any(domain == free or domain.endswith("." + free) for free in free_mail)


def open_lead_for_addresses(
    session: Session, team_id: str, addresses: Iterable[str], free_mail: frozenset[str]
) -> Lead | None:
    """The open lead the mail between us and `addresses` is about, or None.

    A lead matches when its contact's address is one of `addresses`, or its contact's domain is the domain of one
    of them and that domain is not free mail (a gmail.com address matches only the lead with exactly that address).
    A lead matched by exact address comes before leads matched by domain alone — two companies may share a domain
    (divisions, a group's mail server), and the exact address names the person — then, among equals, the most
    recently active: the latest follow-up, else the latest change, else the newest.
    """
    emails = {a.strip().lower() for a in addresses if a and "@" in a}
    emails.discard("")
    if not emails:
        return None
    domains = {d for d in map(domain_of, emails) if d and not is_free_mail(d, free_mail)}
    matches = [Lead.contact_email.in_(sorted(emails))]
    if domains:
        matches.append(Lead.contact_domain.in_(sorted(domains)))
    exact_first = case((Lead.contact_email.in_(sorted(emails)), 0), else_=1)
    active = func.coalesce(Lead.last_touch_at, Lead.updated_at, Lead.created_at)
    return session.scalars(
        select(Lead)
        .where(Lead.team_id == team_id, Lead.status == OPEN, or_(*matches))
        .order_by(exact_first, active.desc(), Lead.number.desc())
        .limit(1)
    ).first()
