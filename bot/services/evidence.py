"""Whether the method pays, from the team's own rows: follow-ups that won, claims that came true, small buyers asked."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Date, and_, case, cast, func, literal_column, select
from sqlalchemy.orm import Session

from bot.services.leads import EXISTING_CUSTOMER
from bot.services.small_buyers import add_months
from bot.services.summary import is_money
from bot.store.database import Database
from bot.store.models import LOST, WON, Account, BuyerReply, Lead, Order, SmallBuyerAnswer, Touch

# Follow-up count buckets: 0–2 (given up too early), 3–5 (the method), 6+ (kept at it).
BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 2), (3, 5), (6, None))
PERCENT_FROM = 3  # a bucket of fewer closed leads shows counts only: one lead is no share
ENOUGH_CLOSED = 10  # fewer closed leads in the window: "not enough yet", no percentage at all
REVIVED_AFTER = 3  # "revived after the 3rd follow-up"
CLAIM_MONTHS = 12  # what an account ordered in the 12 months after capture, against what was claimed
ENOUGH_ACCOUNTS = 5
ASKED_MONTHS = 6  # orders 6 months before and after the "why so little?" answer


def whole_percent(part: int, whole: int) -> int:
    """A share as a whole percentage, halves rounded up (2 of 8 → 25, 1 of 8 → 13)."""
    return int((Decimal(100 * part) / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Bucket:
    low: int
    high: int | None  # None: and more
    closed: int
    won: int

    @property
    def percent(self) -> int | None:
        """The won share, or None when the bucket holds too few leads to say."""
        return whole_percent(self.won, self.closed) if self.closed >= PERCENT_FROM else None


@dataclass(frozen=True)
class FollowUpsPay:
    """Leads closed in the window, by how many follow-ups they had when they closed."""

    months: int
    owner: str | None  # None: the whole team
    buckets: tuple[Bucket, ...]
    median_won_at: Decimal | None  # the median follow-up count of the won leads (x.5 between two)
    revived: int  # closed leads that got a buyer's answer or another follow-up after the 3rd follow-up
    revived_won: int

    @property
    def closed(self) -> int:
        return sum(bucket.closed for bucket in self.buckets)

    @property
    def won(self) -> int:
        return sum(bucket.won for bucket in self.buckets)

    @property
    def enough(self) -> bool:
        return self.closed >= ENOUGH_CLOSED


@dataclass(frozen=True)
class ClaimsCameTrue:
    """The team's own "halve it": what won accounts ordered in their first 12 months against what they claimed."""

    ratio: Decimal | None  # the median, two decimals; None when fewer than ENOUGH_ACCOUNTS accounts
    accounts: int
    factor: Decimal  # the potential factor the team plans on now

    @property
    def enough(self) -> bool:
        return self.ratio is not None


@dataclass(frozen=True)
class AskedBuyers:
    """Accounts first asked "why so little from us?" under one answer: their orders 6 months before and after."""

    reason: str
    accounts: int
    before: Decimal
    after: Decimal


@dataclass(frozen=True)
class Evidence:
    follow_ups: FollowUpsPay
    asked: tuple[AskedBuyers, ...]
    currency: str


# How long the claims figure is kept: it moves with won leads a year old, and takes seconds at a million leads.
CLAIMS_CACHE_SECONDS = 3600.0


class EvidenceService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._claims: dict[tuple, tuple[float, Decimal | None, int]] = {}

    def report(
        self, team_id: str, now: datetime, months: int, currency: str, owner: str | None = None
    ) -> Evidence:
        """`/lead stats` and the summary: follow-ups that won and small buyers asked (`owner`: one rep's own)."""
        with self.db.read() as uow:
            return Evidence(
                follow_ups=_follow_ups_pay(uow.session, team_id, now, months, owner),
                asked=_asked_buyers(uow.session, team_id, now, currency, owner),
                currency=currency,
            )

    def follow_ups_pay(self, team_id: str, now: datetime, months: int, owner: str | None = None) -> FollowUpsPay:
        with self.db.read() as uow:
            return _follow_ups_pay(uow.session, team_id, now, months, owner)

    def claims_came_true(self, team_id: str, now: datetime, currency: str, factor: Decimal) -> ClaimsCameTrue:
        key = (team_id, now.date(), currency)
        cached = self._claims.get(key)
        if cached is None or time.monotonic() - cached[0] >= CLAIMS_CACHE_SECONDS:
            with self.db.read() as uow:
                ratios = _claim_ratios(uow.session, team_id, now, currency)
            ratio = None
            if len(ratios) >= ENOUGH_ACCOUNTS:
                ratio = _median(ratios).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            self._claims = {k: v for k, v in self._claims.items() if k[1] == now.date()}
            cached = self._claims[key] = (time.monotonic(), ratio, len(ratios))
        _at, ratio, accounts = cached
        return ClaimsCameTrue(ratio, accounts, factor)


def months_before(now: datetime, months: int) -> datetime:
    """The same instant `months` calendar months earlier (the day clamped to the month's end), in UTC."""
    moment = now.astimezone(timezone.utc)
    return datetime.combine(add_months(moment.date(), -months), moment.timetz())


def _median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


# -- does following up pay? ------------------------------------------------------------------------


def _closed_in_window(team_id: str, now: datetime, months: int, owner: str | None) -> list:
    """Leads closed (by their closing date) in the last `months`; leadbot's own "existing customer" leads are no
    enquiries and stay out."""
    where = [
        Lead.team_id == team_id,
        Lead.closed_at >= months_before(now, months),
        Lead.closed_at < now,
        Lead.status.in_((WON, LOST)),
        Lead.source != EXISTING_CUSTOMER,
    ]
    if owner is not None:
        where.append(Lead.owner_id == owner)
    return where


def _follow_ups_pay(session: Session, team_id: str, now: datetime, months: int, owner: str | None) -> FollowUpsPay:
    where = _closed_in_window(team_id, now, months, owner)
    # One row per (follow-up count, outcome): at most a few dozen rows, whatever the number of leads.
    histogram = session.execute(
        select(Lead.touch_count, Lead.status, func.count()).where(*where).group_by(Lead.touch_count, Lead.status)
    ).all()
    buckets = []
    for low, high in BUCKETS:
        inside = [row for row in histogram if row[0] >= low and (high is None or row[0] <= high)]
        buckets.append(
            Bucket(low, high, sum(n for *_, n in inside), sum(n for _, status, n in inside if status == WON))
        )
    won_counts = sorted((count, n) for count, status, n in histogram if status == WON)
    # The follow-up count when the 3rd follow-up was logged: a buyer's reply after it revived the lead as well.
    third = (
        select(Touch.logged_at)
        .where(Touch.team_id == Lead.team_id, Touch.lead_id == Lead.id)
        .order_by(Touch.logged_at)
        .limit(1)
        .offset(REVIVED_AFTER - 1)
        .correlate(Lead)
        .scalar_subquery()
    )
    # Leads with more than 3 follow-ups come from the histogram. Those closed at exactly 3 whose buyer wrote after
    # the 3rd are looked for from the buyers' replies (few) rather than with one subquery per closed lead.
    more = sum(n for count, _status, n in histogram if count > REVIVED_AFTER)
    more_won = sum(n for count, status, n in histogram if count > REVIVED_AFTER and status == WON)
    answered = session.execute(
        select(Lead.id, Lead.status)
        .join(BuyerReply, and_(BuyerReply.team_id == Lead.team_id, BuyerReply.lead_id == Lead.id))
        .where(*where, Lead.touch_count == REVIVED_AFTER, BuyerReply.replied_at > third)
        .distinct()
    ).all()
    revived_count = more + len(answered)
    revived_won = more_won + sum(1 for _, status in answered if status == WON)
    return FollowUpsPay(
        months=months,
        owner=owner,
        buckets=tuple(buckets),
        median_won_at=_histogram_median(won_counts),
        revived=int(revived_count or 0),
        revived_won=int(revived_won or 0),
    )


def _histogram_median(counts: list[tuple[int, int]]) -> Decimal | None:
    """The median of values given as sorted (value, how many) pairs."""
    total = sum(n for _, n in counts)
    if total == 0:
        return None
    wanted = [(total - 1) // 2, total // 2]  # the middle one, or the two middle ones
    found, seen = [], 0
    for value, n in counts:
        found += [value for position in wanted if seen <= position < seen + n]
        seen += n
    return Decimal(sum(found)) / 2 if len(found) == 2 else Decimal(found[0])


# -- the team's own "halve it" ---------------------------------------------------------------------


def plus_months(session: Session, moment, months: int):
    """SQL for the calendar date `months` after a timestamp column (or its own date for 0), on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(moment + literal_column(f"INTERVAL '{int(months)} months'"), Date)
    return func.date(moment, f"{int(months):+d} months")


def _claim_ratios(session: Session, team_id: str, now: datetime, currency: str) -> list[Decimal]:
    """One ratio per account: ordered in the 12 months after the first won lead's capture ÷ what it claimed."""
    captured_by = months_before(now, CLAIM_MONTHS)
    base = [
        Lead.team_id == team_id, Lead.status == WON, Lead.created_at <= captured_by,
        Lead.claimed_potential > 0, Lead.source != EXISTING_CUSTOMER,
    ]
    # Money is a unit left empty or the team currency however written: decide per distinct unit, then filter on it.
    units = session.scalars(select(Lead.potential_unit).where(*base).distinct()).all()
    money_units = [unit for unit in units if is_money(unit, currency)]
    if not money_units:
        return []
    first = (
        select(
            Lead.account_key, Lead.created_at, Lead.claimed_potential,
            func.row_number().over(partition_by=Lead.account_key, order_by=(Lead.created_at, Lead.id)).label("nth"),
        )
        .where(*base, Lead.potential_unit.in_(money_units))
        .subquery()
    )
    # One join and GROUP BY rather than a subquery per account, so PostgreSQL may hash-join a million orders.
    rows = session.execute(
        select(first.c.claimed_potential, func.coalesce(func.sum(Order.amount), 0))
        .select_from(first)
        .outerjoin(Account, and_(Account.team_id == team_id, Account.account_key == first.c.account_key))
        .outerjoin(
            Order,
            and_(
                Order.team_id == team_id,
                Order.account_id == Account.id,
                Order.currency == currency,
                Order.ordered_on >= plus_months(session, first.c.created_at, 0),
                Order.ordered_on < plus_months(session, first.c.created_at, CLAIM_MONTHS),
            ),
        )
        .where(first.c.nth == 1)
        .group_by(first.c.account_key, first.c.claimed_potential)
    ).all()
    # SQLite sums NUMERIC as a float; going through str() keeps the cents PostgreSQL would give.
    return [Decimal(str(spent)) / Decimal(str(claimed)) for claimed, spent in rows]


# -- did asking small buyers work? -----------------------------------------------------------------


def _asked_buyers(
    session: Session, team_id: str, now: datetime, currency: str, owner: str | None
) -> tuple[AskedBuyers, ...]:
    """Each account under its first answer given at least 6 months ago, so both halves are whole: its orders in the
    team currency in the 6 months before the answer and the 6 months from it."""
    first_at = (
        select(SmallBuyerAnswer.account_id, func.min(SmallBuyerAnswer.answered_at).label("at"))
        .where(SmallBuyerAnswer.team_id == team_id)
        .group_by(SmallBuyerAnswer.account_id)
        .subquery()
    )
    where = [
        SmallBuyerAnswer.team_id == team_id,
        SmallBuyerAnswer.answered_at <= months_before(now, ASKED_MONTHS),
    ]
    if owner is not None:
        where.append(SmallBuyerAnswer.answered_by == owner)
    first = (
        select(SmallBuyerAnswer.account_id, SmallBuyerAnswer.reason, SmallBuyerAnswer.answered_at)
        .join(
            first_at,
            and_(first_at.c.account_id == SmallBuyerAnswer.account_id, first_at.c.at == SmallBuyerAnswer.answered_at),
        )
        .where(*where)
        .subquery()
    )
    day = plus_months(session, first.c.answered_at, 0)
    before_from = plus_months(session, first.c.answered_at, -ASKED_MONTHS)
    after_to = plus_months(session, first.c.answered_at, ASKED_MONTHS)
    amount_if = lambda *when: func.coalesce(func.sum(case((and_(*when), Order.amount), else_=0)), 0)  # noqa: E731
    rows = session.execute(
        select(
            first.c.reason,
            func.count(func.distinct(first.c.account_id)),
            amount_if(Order.ordered_on >= before_from, Order.ordered_on < day),
            amount_if(Order.ordered_on >= day, Order.ordered_on < after_to),
        )
        .select_from(first)
        .outerjoin(
            Order,
            and_(
                Order.team_id == team_id, Order.account_id == first.c.account_id, Order.currency == currency,
                Order.ordered_on >= before_from, Order.ordered_on < after_to,
            ),
        )
        .group_by(first.c.reason)
    ).all()
    found = [
        AskedBuyers(reason, int(accounts), _cents(before), _cents(after)) for reason, accounts, before, after in rows
    ]
    return tuple(sorted(found, key=lambda a: (-a.accounts, a.reason)))


def _cents(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


# -- which quiet lead first? -----------------------------------------------------------------------

# Leads without a money figure rank by how close the buyer is to buying.
SITUATION_RANK = {"wants_to_buy": 0, "boss_research": 1, "comparing": 2, "trial": 3, "unknown": 4}


def call_first(leads: list, focus: int, currency: str) -> list:
    """The quiet leads to call first when there are more than `focus`: those the rep pinned (first pinned first),
    then the highest realistic potential in the team's money, then those without a figure by the buyer's situation,
    ties to the lead with fewer follow-ups so far (it needs the next one more), then the older number. Empty when
    the rep can call them all today and pinned none."""
    pinned = sorted((lead for lead in leads if lead.pinned_at is not None), key=lambda lead: lead.pinned_at)
    if len(leads) <= focus and not pinned:
        return []

    def rank(lead) -> tuple:
        figure = lead.realistic_potential if is_money(lead.potential_unit, currency) else None
        if figure is not None and figure > 0:
            return (0, -figure, 0, lead.touch_count, lead.number)
        return (1, Decimal(0), SITUATION_RANK.get(lead.situation, len(SITUATION_RANK)), lead.touch_count, lead.number)

    ranked = sorted((lead for lead in leads if lead.pinned_at is None), key=rank)
    return pinned + ranked[: max(0, focus - len(pinned))]
