"""What a mail does to a lead, inside the transaction that claims the mail: a follow-up, or the buyer's reply."""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Iterable

from sqlalchemy.orm import Session

from bot.services.buyer_replies import record_reply_in
from bot.services.contacts import open_lead_for_addresses
from bot.services.leads import log_touch_in
from bot.services.policy import Policy
from bot.store.models import EMAIL, Lead

EMAIL_KIND = "email"  # the follow-up kind `/lead log <n> email` records


class MailActions:
    def __init__(self, policy_for: Callable[[str], Policy], free_mail: frozenset[str]) -> None:
        self.policy_for = policy_for
        self.free_mail = free_mail

    def lead_for(
        self, session: Session, team_id: str, addresses: Iterable[str], free_mail: frozenset[str]
    ) -> Lead | None:
        """The most recently active open lead whose contact (or company domain) is one of `addresses`."""
        return open_lead_for_addresses(session, team_id, list(addresses), free_mail)

    def follow_up(
        self, session: Session, team_id: str, lead: Lead, rep_id: str, note: str, at: datetime, now: datetime
    ) -> bool:
        """As `/lead log <n> email <note>` by the rep who sent it, dated when it was sent; the cadence moves on.
        False when there was nothing to log it on (the lead closed, or the mail predates it)."""
        policy = self.policy_for(team_id)
        return log_touch_in(session, policy, team_id, lead.id, rep_id, EMAIL_KIND, note, at, EMAIL, now) is not None

    def buyer_reply(
        self, session: Session, team_id: str, lead: Lead, message_key: str, note: str, at: datetime, now: datetime
    ) -> bool:
        """The buyer wrote: the lead waits for an answer (not quiet), and its owner hears once. False when it was
        recorded before (the same reply, read again) or the lead is not open."""
        policy = self.policy_for(team_id)
        return record_reply_in(
            session, policy, team_id, lead.id, EMAIL, f"mail:{message_key}", note, at, now
        ) is not None
