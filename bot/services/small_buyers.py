"""Spotting steady small customers, asking their owner why they buy so little, and turning answers into steps."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import median
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clock import local_today
from bot.config import Settings
from bot.errors import LeadbotError
from bot.services.followups import Claimed
from bot.services.lead_json import answer_object
from bot.services.leads import EXISTING_CUSTOMER, LeadDraft, add_lead, schedule_nudge
from bot.services.ledger import Ledger
from bot.services.orders import account_owner
from bot.services.policy import Policy
from bot.services.reps import owner_calendar
from bot.services.webhooks import emit, emit_lead
from bot.store.database import Database
from bot.store.models import OPEN, Account, Delivery, Lead, Order, SmallBuyerAnswer
from bot.text.company_names import account_key
from bot.worktime import WorkingHours

SMALL_BUYER = "small_buyer"
QUESTIONS_PER_OWNER_PER_DAY = 3  # an import full of small buyers must not flood anyone

# Each answer leads to a concrete next step, due this many days later.
REASONS: dict[str, int] = {
    "price": 7,
    "unaware": 2,
    "habit": 7,
    "special_only": 7,
    "think_weak": 7,
    "never_tried": 7,
    "will_ask": 3,
}


@dataclass(frozen=True)
class SmallBuyerRule:
    min_orders: int
    window_months: int
    spread_months: int
    recent_months: int
    ceiling: Decimal
    currency: str
    ask_again_days: int

    @classmethod
    def from_settings(cls, settings: Settings) -> "SmallBuyerRule":
        return cls(
            min_orders=settings.small_min_orders,
            window_months=settings.small_window_months,
            spread_months=settings.small_spread_months,
            recent_months=settings.small_recent_months,
            ceiling=settings.small_order_max,
            currency=settings.currency,
            ask_again_days=settings.ask_again_days,
        )

    def applies(self, orders: list[tuple[date, Decimal, str]], today: date) -> bool:
        """At least N orders in the window, spread over M months, the last recent, none above the ceiling.

        Only orders in the team currency count: amounts in other currencies can't be set
        against the ceiling.
        """
        window_start = add_months(today, -self.window_months)
        in_window = sorted(d for d, amount, currency in orders if currency == self.currency and d >= window_start)
        if any(
            amount > self.ceiling for d, amount, currency in orders if currency == self.currency and d >= window_start
        ):
            return False
        if len(in_window) < self.min_orders:
            return False
        first, last = in_window[0], in_window[-1]
        return add_months(first, self.spread_months) <= last and last >= add_months(today, -self.recent_months)


@dataclass(frozen=True)
class AccountView:
    id: int
    name: str
    owner_id: str | None
    orders: tuple[tuple[date, Decimal, str], ...]  # newest first
    answers: tuple["AnswerView", ...]
    claimed_potential: Decimal | None
    spent_last_12_months: Decimal
    currency: str

    @property
    def typical(self) -> Decimal | None:
        amounts = [amount for _, amount, currency in self.orders if currency == self.currency]
        return Decimal(median(amounts)).quantize(Decimal("0.01")) if amounts else None


@dataclass(frozen=True)
class AnswerView:
    reason: str
    note: str
    answered_by: str
    answered_at: datetime
    next_step_on: date
    lead_number: int | None


class SmallBuyers:
    def __init__(self, db: Database, config: Callable[[str], Settings]) -> None:
        self.db = db
        self.config = config

    # -- asking --------------------------------------------------------------------------------

    def accounts_to_check(self, now: datetime, limit: int = 10_000) -> list[tuple[str, int]]:
        """(team, account) pairs whose rule should be checked now."""
        with self.db.read_rows() as connection:
            rows = connection.execute(
                select(Account.team_id, Account.id)
                .where(Account.check_due_at <= now)
                .order_by(Account.check_due_at)
                .limit(limit)
            )
            return [(team_id, account_id) for team_id, account_id in rows]

    def next_check_after(self, after: datetime) -> datetime | None:
        """When the first account's small-buyer rule is next to be checked after `after`."""
        with self.db.read() as uow:
            return uow.session.scalar(select(func.min(Account.check_due_at)).where(Account.check_due_at > after))

    def owner_of(self, team_id: str, account_id: int) -> str | None:
        default_owner = self.config(team_id).default_owner
        with self.db.read() as uow:
            account = uow.session.scalar(select(Account).where(Account.team_id == team_id, Account.id == account_id))
            return None if account is None else account_owner(uow.session, account, default_owner)

    def claim_question(
        self, team_id: str, account_id: int, owner: str | None, tz: str, hours: WorkingHours, now: datetime
    ) -> Claimed | None:
        """Ask the owner about a steady small buyer: once per account per ask-again period, in their working hours."""
        rule = SmallBuyerRule.from_settings(self.config(team_id))
        with self.db.uow() as uow:
            session = uow.session
            account = _lock_account(session, team_id, account_id)
            if account is None:
                return None
            claimed = _decide(session, account, owner, tz, hours, rule, now)
            uow.commit()
            return claimed

    # -- answering -----------------------------------------------------------------------------

    def answer(
        self, team_id: str, account_id: int, reason: str, note: str, user_id: str, now: datetime, tz: str,
        step_text: str,
    ) -> AnswerView:
        """Store why, and put the next step on the account's follow-ups: its open lead, or a new one."""
        if reason not in REASONS:
            raise LeadbotError("error.unexpected")
        config = self.config(team_id)
        today = local_today(now, tz)
        with self.db.uow() as uow:
            session = uow.session
            account = session.scalar(select(Account).where(Account.team_id == team_id, Account.id == account_id))
            if account is None:
                raise LeadbotError("error.account_not_found")
            owner = account_owner(session, account, config.default_owner)
            if user_id != owner and user_id not in config.admins:
                raise LeadbotError("error.not_account_owner", owner=owner or "", company=account.name)
            # A next step falls on its owner's working day, like every date leadbot proposes.
            calendar = owner_calendar(session, team_id, owner or user_id, config.calendar)
            step_on = calendar.next_working_day(today + timedelta(days=REASONS[reason]))
            lead = session.scalar(
                select(Lead).where(
                    Lead.team_id == team_id, Lead.account_key == account.account_key, Lead.status == OPEN
                )
            )
            if lead is None:
                draft = LeadDraft(
                    company=account.name, contact_name="", contact_role="", source=EXISTING_CUSTOMER,
                    asked_for=step_text, situation="unknown", discovery_notes=note, claimed_potential=None,
                    potential_unit="", owner_id=owner or user_id, first_follow_up_on=step_on,
                )
                lead = add_lead(session, team_id, draft, user_id, now)
                session.flush()
                emit_lead(session, Policy.from_settings(config), lead, "lead.created", user_id, now)
            else:
                lead.next_follow_up_on = min(lead.next_follow_up_on or step_on, step_on)
                lead.updated_at = now
                schedule_nudge(lead)
            session.flush()
            session.add(
                SmallBuyerAnswer(
                    team_id=team_id, account_id=account.id, reason=reason, note=note, answered_by=user_id,
                    answered_at=now, next_step_on=step_on, lead_number=lead.number,
                )
            )
            view = AnswerView(reason, note, user_id, now, step_on, lead.number)
            name = account.name
            emit(
                session, team_id, "small_buyer.answered", lambda: answer_object(view, name), user_id, now,
                f"account:{account.id}",
            )
            uow.commit()
            return view

    # -- reading -------------------------------------------------------------------------------

    def account(self, team_id: str, name_or_id: str | int, today: date) -> AccountView | None:
        config = self.config(team_id)
        with self.db.read() as uow:
            session = uow.session
            if isinstance(name_or_id, int):
                account = session.scalar(select(Account).where(Account.team_id == team_id, Account.id == name_or_id))
            else:
                key = account_key(name_or_id)
                account = session.scalar(select(Account).where(Account.team_id == team_id, Account.account_key == key))
            return None if account is None else _account_view(session, account, today, config)

    def latest_answer(self, team_id: str, account_id: int, since: datetime) -> AnswerView | None:
        with self.db.read() as uow:
            row = uow.session.scalar(
                select(SmallBuyerAnswer)
                .where(
                    SmallBuyerAnswer.team_id == team_id, SmallBuyerAnswer.account_id == account_id,
                    SmallBuyerAnswer.answered_at >= since,
                )
                .order_by(SmallBuyerAnswer.answered_at.desc())
                .limit(1)
            )
            return None if row is None else _answer_view(row)

    def answers_by_reason(self, team_id: str, since: datetime, until: datetime) -> dict[str, Counter]:
        """For the team summary: {rep: Counter(reason → count)} for answers in [since, until)."""
        with self.db.read() as uow:
            rows = uow.session.execute(
                select(SmallBuyerAnswer.answered_by, SmallBuyerAnswer.reason, func.count())
                .where(
                    SmallBuyerAnswer.team_id == team_id,
                    SmallBuyerAnswer.answered_at >= since,
                    SmallBuyerAnswer.answered_at < until,
                )
                .group_by(SmallBuyerAnswer.answered_by, SmallBuyerAnswer.reason)
            )
            result: dict[str, Counter] = defaultdict(Counter)
            for rep, reason, count in rows:
                result[rep][reason] += count
            return dict(result)


def _account_view(session: Session, account: Account, today: date, config: Settings) -> AccountView:
    orders = sorted(_orders(session, account), reverse=True)
    answers = session.scalars(
        select(SmallBuyerAnswer)
        .where(SmallBuyerAnswer.team_id == account.team_id, SmallBuyerAnswer.account_id == account.id)
        .order_by(SmallBuyerAnswer.answered_at.desc())
    ).all()
    claimed = session.scalar(
        select(Lead.claimed_potential)
        .where(
            Lead.team_id == account.team_id, Lead.account_key == account.account_key,
            Lead.claimed_potential.is_not(None),
        )
        .order_by(Lead.created_at.desc())
        .limit(1)
    )
    year_ago = add_months(today, -12)
    spent = sum((a for d, a, c in orders if c == config.currency and d > year_ago), Decimal(0))
    return AccountView(
        id=account.id, name=account.name, owner_id=account_owner(session, account, config.default_owner),
        orders=tuple(orders), answers=tuple(_answer_view(a) for a in answers), claimed_potential=claimed,
        spent_last_12_months=spent, currency=config.currency,
    )


def _decide(
session: Session, account: Account, owner: str | None, tz: str, hours: WorkingHours, rule: SmallBuyerRule,
now: datetime,
) -> Claimed | None:
    today = local_today(now, tz)
    orders = _orders(session, account)
    if owner is None or account.expanded_at is not None or not rule.applies(orders, today):
        account.check_due_at = None  # nothing to ask until another order arrives
        return None
    if account.last_asked_at is not None:
        again = account.last_asked_at + timedelta(days=rule.ask_again_days)
        if now < again:
            account.check_due_at = again
            return None
    if not hours.is_working_time(now, tz):
        account.check_due_at = hours.first_working_instant(now, tz)
        return None
    if _asked_today(session, account.team_id, owner, today) >= QUESTIONS_PER_OWNER_PER_DAY:
        account.check_due_at = hours.first_working_instant(hours.start_of_day_after(today, tz), tz)
        return None
    if not Ledger.claim(
        session, account.team_id, SMALL_BUYER, f"account:{account.id}", today.isoformat(), owner,
        {"account": account.id}, now,
    ):
        return None
    account.last_asked_at = now
    account.check_due_at = now + timedelta(days=rule.ask_again_days)
    return Claimed(SMALL_BUYER, account.team_id, owner, ())


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's end."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def _orders(session: Session, account: Account) -> list[tuple[date, Decimal, str]]:
    rows = session.execute(
        select(Order.ordered_on, Order.amount, Order.currency).where(
            Order.team_id == account.team_id, Order.account_id == account.id
        )
    )
    return [(d, Decimal(a), c) for d, a, c in rows]


def _asked_today(session: Session, team_id: str, owner: str, today: date) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(
            Delivery.team_id == team_id, Delivery.kind == SMALL_BUYER, Delivery.target == owner,
            Delivery.period == today.isoformat(),
        )
    ) or 0


def _lock_account(session: Session, team_id: str, account_id: int) -> Account | None:
    """The account row, held for this transaction; None when another scheduler holds it (PostgreSQL)."""
    query = select(Account).where(Account.team_id == team_id, Account.id == account_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalar(query)


def _answer_view(row: SmallBuyerAnswer) -> AnswerView:
    return AnswerView(row.reason, row.note, row.answered_by, row.answered_at, row.next_step_on, row.lead_number)
