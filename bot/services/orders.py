"""Recording orders against accounts, one at a time or a whole file in one transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import local_today
from bot.config import Settings
from bot.errors import LeadbotError
from bot.services.lead_json import order_object
from bot.services.leads import check_company
from bot.services.ledger import Ledger
from bot.services.webhooks import emit, listening
from bot.store.database import Database
from bot.store.models import Account, Lead, Order
from bot.store.upsert import insert_ignore
from bot.text.company_names import account_key

EXPANSION = "expansion"


@dataclass(frozen=True)
class OrderInput:
    company: str
    amount: Decimal
    currency: str
    ordered_on: date
    note: str = ""
    ref: str = ""
    owner_id: str | None = None


@dataclass(frozen=True)
class Recorded:
    account_id: int
    account_name: str
    added: bool  # False when the same row was imported before
    big: bool = False  # above the team's small-order ceiling: this customer is no small buyer


@dataclass(frozen=True)
class OrderView:
    """An order as stored: the account's name, what was ordered when, and who the account belongs to."""

    company: str
    ordered_on: date
    amount: Decimal
    currency: str
    ref: str | None
    note: str
    owner_id: str | None
    created_at: datetime


class Orders:
    def __init__(self, db: Database, config: Callable[[str], Settings]) -> None:
        self.db = db
        self.config = config

    def record(self, team_id: str, item: OrderInput, created_by: str, now: datetime, tz: str | None = None) -> Recorded:
        """A typed order: always a new row (a rep may well log two equal orders on one day).

        The rep who types the first order for a customer nobody owns becomes its owner. Orders
        are recorded once placed: a date after today (in `tz`, the rep's; else the team's) is refused.
        """
        config = self.config(team_id)
        self._check(item, now, tz or config.team_tz)
        with self.db.uow() as uow:
            account = ensure_account(uow.session, team_id, item.company, now)
            if not item.owner_id and account_owner(uow.session, account, None) is None:
                item = replace(item, owner_id=created_by)
            recorded = self._add(uow.session, team_id, item, f"typed:{uuid.uuid4().hex}", created_by, now, config)
            uow.commit()
            return recorded

    def record_once(self, team_id: str, item: OrderInput, created_by: str, now: datetime) -> tuple[OrderView, bool]:
        """An order sent by another system (the HTTP API): recorded once, however often it is sent — known by its
        `ref`, else by company, date, amount and currency, as `import-orders` knows a row. The stored order, and
        whether this call added it."""
        config = self.config(team_id)
        self._check(item, now, config.team_tz)
        key = import_key(item)
        with self.db.uow() as uow:
            session = uow.session
            recorded = self._add(session, team_id, item, key, created_by, now, config)
            order = session.scalar(select(Order).where(Order.team_id == team_id, Order.import_key == key))
            account = session.get(Account, order.account_id)
            view = OrderView(
                account.name, order.ordered_on, order.amount, order.currency, order.ref, order.note,
                account_owner(session, account, None), order.created_at,
            )
            uow.commit()
            return view, recorded.added

    @staticmethod
    def _check(item: OrderInput, now: datetime, tz: str) -> None:
        """The rules every new order passes: a company, an amount above zero, a date that has come."""
        if not item.company.strip():
            raise LeadbotError("error.order_usage")
        check_company(item.company)
        if item.amount <= 0:
            raise LeadbotError("error.order_amount", text=str(item.amount))
        if item.ordered_on > local_today(now, tz):
            raise LeadbotError("error.order_future")

    def import_rows(self, team_id: str, items: list[OrderInput], created_by: str, now: datetime) -> list[Recorded]:
        """Every row or none: one transaction, rows already imported before are skipped."""
        config = self.config(team_id)
        with self.db.uow() as uow:
            endpoints = listening(uow.session, team_id, now)  # once for the file, not once a row
            recorded = [
                self._add(uow.session, team_id, item, import_key(item), created_by, now, config, endpoints)
                for item in items
            ]
            uow.commit()
            return recorded

    def _add(
        self, session: Session, team_id: str, item: OrderInput, key: str, created_by: str, now: datetime,
        config: Settings, endpoints: list[tuple[int, str]] | None = None,
    ) -> Recorded:
        account = ensure_account(session, team_id, item.company, now)
        if item.owner_id:
            account.owner_id = item.owner_id
        added = insert_ignore(
            session,
            Order,
            {
                "team_id": team_id,
                "account_id": account.id,
                "ordered_on": item.ordered_on,
                "amount": item.amount,
                "currency": item.currency,
                "note": item.note,
                "ref": item.ref or None,
                "import_key": key,
                "created_by": created_by,
                "created_at": now,
            },
        )
        if added:
            # A new order may make the account a steady small buyer, or show it has grown.
            account.check_due_at = now
            def shown() -> dict:
                owner = account_owner(session, account, config.default_owner)
                return order_object(_written(item, account, owner, now))

            emit(session, team_id, "order.recorded", shown, created_by, now, f"account:{account.id}", endpoints)
            if _is_expansion(account, item, config):
                account.expanded_at = now
                owner = account_owner(session, account, config.default_owner)
                if owner:
                    payload = {"account": account.id, "amount": str(item.amount), "currency": item.currency}
                    Ledger.claim(session, team_id, EXPANSION, f"account:{account.id}", "once", owner, payload, now)
        return Recorded(account.id, account.name, added, is_big(item, config))


def _written(item: OrderInput, account: Account, owner_id: str | None, now: datetime) -> SimpleNamespace:
    """The order as it was just written, with its account's name and owner (without reading the row back)."""
    return SimpleNamespace(
        company=account.name, ordered_on=item.ordered_on, amount=item.amount, currency=item.currency,
        ref=item.ref or None, note=item.note, owner_id=owner_id, created_at=now,
    )


def is_big(item: OrderInput, config: Settings) -> bool:
    """Above the small-order ceiling; orders in other currencies are left out of the rule."""
    return item.currency == config.currency and item.amount > config.small_order_max


def _is_expansion(account: Account, item: OrderInput, config: Settings) -> bool:
    """A big order from an account we asked about: the question worked."""
    return account.last_asked_at is not None and account.expanded_at is None and is_big(item, config)


def import_key(item: OrderInput) -> str:
    if item.ref:
        return f"ref:{item.ref}"
    return f"row:{account_key(item.company)}|{item.ordered_on.isoformat()}|{item.amount}|{item.currency}"


def ensure_account(session: Session, team_id: str, company: str, now: datetime) -> Account:
    key = account_key(company)
    insert_ignore(
        session, Account, {"team_id": team_id, "account_key": key, "name": company.strip(), "created_at": now}
    )
    return session.scalar(select(Account).where(Account.team_id == team_id, Account.account_key == key))


def account_owner(session: Session, account: Account, default_owner: str | None) -> str | None:
    """The owner given with its orders, else its lead's owner, else the team's default owner."""
    if account.owner_id:
        return account.owner_id
    lead_owner = session.scalar(
        select(Lead.owner_id)
        .where(Lead.team_id == account.team_id, Lead.account_key == account.account_key)
        .order_by((Lead.status == "open").desc(), Lead.created_at.desc())
        .limit(1)
    )
    return lead_owner or default_owner
