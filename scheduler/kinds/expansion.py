"""The owner's "it worked" note: a big order from a small buyer they were asked about. Written with the order."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from bot.blocks.accounts import expansion_message
from bot.clock import local_today
from bot.container import Deps
from bot.services.ledger import DeliveryView
from bot.services.orders import EXPANSION
from bot.text.amounts import money
from scheduler.kinds.kind import Kind


def render(deps: Deps, delivery: DeliveryView, now: datetime, tz: str | None) -> tuple[dict | None, dict | None]:
    account = deps.small_buyers.account(delivery.team_id, delivery.payload["account"], local_today(now, "UTC"))
    amount = money(Decimal(delivery.payload["amount"]), delivery.payload["currency"])
    return (expansion_message(account.name, amount) if account else None), None


KIND = Kind(EXPANSION, render)
