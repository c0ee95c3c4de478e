"""The morning digest: one calm DM per rep per workday, only when there is something to say."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select

from bot.services.buyer_replies import BuyerReplyView, replies_in, waiting_in
from bot.services.evidence import call_first
from bot.services.followups import Claimed
from bot.services.lead_views import LeadView
from bot.services.leads import LeadService
from bot.services.ledger import Ledger
from bot.services.reps import RepView
from bot.services.small_buyers import SMALL_BUYER
from bot.store.database import Database
from bot.store.models import OPEN, SENT, WON, Account, Delivery, Lead, Rep, SmallBuyerAnswer
from bot.worktime import at_local, first_digest_at

DIGEST = "digest"
ASKED_WITHIN = timedelta(days=90)
MIDNIGHT = time(0)


@dataclass(frozen=True)
class WaitingAccount:
    account_id: int
    name: str


@dataclass(frozen=True)
class WaitingReply:
    """A buyer's reply still waiting for its owner's answer, with its lead."""

    reply: BuyerReplyView
    lead: LeadView


@dataclass(frozen=True)
class DigestData:
    day: date
    due_today: list[LeadView]
    quiet: list[LeadView]  # oldest first
    buyer_dates: list[LeadView]
    wins: list[LeadView]
    small_buyers: list[WaitingAccount]
    replies: tuple[WaitingReply, ...] = ()  # buyers who wrote back and wait for an answer, oldest first
    # With more quiet leads than a rep can call in a day: the ones to call first (`quiet` still holds them all).
    focus: list[LeadView] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.due_today or self.quiet or self.buyer_dates or self.wins or self.small_buyers or self.replies)

    def shown(self) -> dict:
        """What the digest listed, kept with its ledger row so a redraw shows the same items."""
        return {
            "due": [lead.number for lead in self.due_today],
            "quiet": [lead.number for lead in self.quiet],
            "buyer": [lead.number for lead in self.buyer_dates],
            "wins": [lead.number for lead in self.wins],
            "accounts": [[a.account_id, a.name] for a in self.small_buyers],
            "replies": [waiting.reply.id for waiting in self.replies],
            "focus": [lead.number for lead in self.focus],
        }


class Digests:
    def __init__(self, db: Database, leads: LeadService) -> None:
        self.db = db
        self.leads = leads

    def reps_due(self, now: datetime, limit: int = 10_000) -> list[tuple[str, str]]:
        with self.db.read_rows() as connection:
            rows = connection.execute(
                select(Rep.team_id, Rep.user_id)
                .where(Rep.next_digest_at <= now, Rep.active.is_(True))
                .order_by(Rep.next_digest_at)
                .limit(limit)
            )
            return [(team_id, user_id) for team_id, user_id in rows]

    def next_due_after(self, after: datetime) -> datetime | None:
        """The first rep's digest time after `after` (only reps still in Slack get one)."""
        with self.db.read() as uow:
            return uow.session.scalar(
                select(func.min(Rep.next_digest_at)).where(Rep.next_digest_at > after, Rep.active.is_(True))
            )

    def claim(self, team_id: str, rep: RepView, now: datetime) -> Claimed | None:
        """Write today's digest to the ledger (once per local day), or skip a day whose working hours are over."""
        return self.claim_many(team_id, [rep], now).get(rep.user_id)

    def claim_many(self, team_id: str, reps: list[RepView], now: datetime) -> dict[str, Claimed]:
        """`claim` for many reps of one team in one transaction: a lock, three reads and a commit for all."""
        by_id = {rep.user_id: rep for rep in reps}
        claimed: dict[str, Claimed] = {}
        with self.db.uow() as uow:
            session = uow.session
            query = select(Rep).where(Rep.team_id == team_id, Rep.user_id.in_(sorted(by_id))).order_by(Rep.user_id)
            if session.get_bind().dialect.name == "postgresql":
                # Reps another scheduler is claiming right now are its to claim: this one takes the rest.
                # (Its nudge pass then sees their digests under the same row locks, see FollowUps.claim_nudges.)
                query = query.with_for_update(skip_locked=True)
            days: dict[str, date] = {}
            for row in session.scalars(query):
                if row.next_digest_at is None or row.next_digest_at > now:
                    continue  # another scheduler got here first
                day = self._next_day(row, by_id[row.user_id], now)
                if day is not None:
                    days[row.user_id] = day
            for user_id in self._with_news(session, team_id, days, now):
                day = days[user_id]
                payload = {"day": day.isoformat(), "quiet": []}
                if Ledger.claim(session, team_id, DIGEST, user_id, day.isoformat(), user_id, payload, now):
                    claimed[user_id] = Claimed(DIGEST, team_id, user_id, ())
            uow.commit()
        return claimed

    @staticmethod
    def _next_day(row: Rep, rep: RepView, now: datetime) -> date | None:
        """The local day whose digest is due now (None: none is), moving the rep's next digest on past it."""
        day = row.next_digest_at.astimezone(ZoneInfo(rep.tz)).date()
        if now >= rep.hours.end_of_day(day, rep.tz) or not rep.hours.is_working_day(day):
            # Missed while nothing ran and that working day is over: skip it rather than
            # send a morning digest at night; today's is still due if today's day is on.
            row.next_digest_at = first_digest_at(now, rep.tz, rep.hours, rep.digest_time)
            if row.next_digest_at > now:
                return None
            day = row.next_digest_at.astimezone(ZoneInfo(rep.tz)).date()
        # The next one: the following workday at the rep's digest time.
        row.next_digest_at = at_local(rep.hours.next_workday(day), rep.digest_time, rep.tz)
        return day

    def pending_for(self, team_id: str, user_ids: list[str]) -> set[tuple[str, str]]:
        """(rep, day) of every digest written but not yet posted for these reps, in one query."""
        pending: set[tuple[str, str]] = set()
        with self.db.read() as uow:
            for start in range(0, len(user_ids), 500):
                rows = uow.session.execute(
                    select(Delivery.subject, Delivery.period).where(
                        Delivery.team_id == team_id, Delivery.kind == DIGEST, Delivery.status == "pending",
                        Delivery.subject.in_(user_ids[start : start + 500]),
                    )
                )
                pending.update((subject, period) for subject, period in rows)
        return pending

    def fold_quiet(self, team_id: str, user_id: str, day: date, numbers: list[int]) -> None:
        """Note which quiet leads the digest carries instead of a nudge (the team summary counts them)."""
        self.fold_quiet_many(team_id, [(user_id, day, numbers)])

    def fold_quiet_many(self, team_id: str, folds: list[tuple[str, date, list[int]]]) -> None:
        """`fold_quiet` for many reps' digests: one read, one commit."""
        wanted = {(user_id, day.isoformat()): numbers for user_id, day, numbers in folds}
        with self.db.uow() as uow:
            rows = uow.session.scalars(
                select(Delivery).where(
                    Delivery.team_id == team_id, Delivery.kind == DIGEST,
                    Delivery.subject.in_(sorted({user_id for user_id, _day in wanted})),
                    Delivery.period.in_(sorted({day for _user, day in wanted})),
                )
            )
            changed = False
            for row in rows:
                numbers = wanted.get((row.subject, row.period))
                if numbers is None:
                    continue  # another rep's digest of another day that the IN lists also matched
                payload = json.loads(row.payload or "{}")
                payload["quiet"] = sorted(set(payload.get("quiet", [])) | set(numbers))
                row.payload = json.dumps(payload)
                changed = True
            if changed:
                uow.commit()

    def content(self, team_id: str, user_id: str, day: date, tz: str, now: datetime) -> DigestData:
        yesterday_start, day_start = at_local(day - timedelta(days=1), MIDNIGHT, tz), at_local(day, MIDNIGHT, tz)
        with self.db.read() as uow:
            session = uow.session
            # One query for all four lists (a digest goes to every rep each morning), split below.
            rows = session.scalars(
                select(Lead).where(
                    Lead.team_id == team_id,
                    Lead.owner_id == user_id,
                    or_(
                        and_(Lead.status == OPEN, or_(Lead.next_follow_up_on <= day, Lead.buyer_date == day)),
                        and_(Lead.status == WON, Lead.closed_at >= yesterday_start, Lead.closed_at < day_start),
                    ),
                )
            ).all()
            # A lead whose buyer wrote back is listed with the reply, not as quiet or due.
            answering = {lead.number for lead in rows if lead.reply_waiting_since is not None}
            leads = self.leads.views(team_id, sorted(rows, key=lambda lead: lead.number))
            waiting = _waiting_accounts(session, team_id, user_id, now)
            replies = waiting_in(session, team_id, user_id)
        open_leads = [lead for lead in leads if lead.status == OPEN and lead.number not in answering]
        quiet = sorted(
            (lead for lead in open_leads if lead.next_follow_up_on is not None and lead.next_follow_up_on < day),
            key=lambda lead: (lead.next_follow_up_on, lead.number),
        )
        policy = self.leads.policy_for(team_id)
        focus = call_first(quiet, policy.daily_focus, policy.currency)
        return DigestData(
            day=day,
            due_today=[lead for lead in open_leads if lead.next_follow_up_on == day and lead.buyer_date != day],
            quiet=quiet,
            focus=focus,
            buyer_dates=[lead for lead in open_leads if lead.buyer_date == day],
            wins=[lead for lead in leads if lead.status == WON],
            small_buyers=waiting,
            replies=self._with_leads(team_id, replies),
        )

    def as_shown(self, team_id: str, day: date, shown: dict) -> DigestData:
        """The items a posted digest listed, in their current state."""
        return DigestData(
            day=day,
            due_today=self.leads.find_many(team_id, shown.get("due", [])),
            quiet=self.leads.find_many(team_id, shown.get("quiet", [])),
            buyer_dates=self.leads.find_many(team_id, shown.get("buyer", [])),
            wins=self.leads.find_many(team_id, shown.get("wins", [])),
            small_buyers=[WaitingAccount(a, n) for a, n in shown.get("accounts", [])],
            replies=self._with_leads(team_id, self._replies(team_id, shown.get("replies", []))),
            focus=self.leads.find_many(team_id, shown.get("focus", [])),
        )

    def _replies(self, team_id: str, reply_ids: list[int]) -> list[BuyerReplyView]:
        with self.db.read() as uow:
            return replies_in(uow.session, team_id, reply_ids)

    def _with_leads(self, team_id: str, replies: list[BuyerReplyView]) -> tuple[WaitingReply, ...]:
        leads = {lead.number: lead for lead in self.leads.find_many(team_id, [r.lead_number for r in replies])}
        return tuple(WaitingReply(reply, leads[reply.lead_number]) for reply in replies if reply.lead_number in leads)

    def _with_news(self, session, team_id: str, days: dict[str, date], now: datetime) -> list[str]:
        """The reps (in `days`' order) with something to say on their day: a lead due, a recent win, a question open."""
        if not days:
            return []
        mine = and_(Lead.team_id == team_id, Lead.owner_id.in_(sorted(days)))
        earliest = dict(
            session.execute(
                select(Lead.owner_id, func.min(Lead.next_follow_up_on))
                .where(mine, Lead.status == OPEN, Lead.next_follow_up_on.is_not(None))
                .group_by(Lead.owner_id)
            ).all()
        )
        won = set(
            session.scalars(
                select(Lead.owner_id)
                .where(mine, Lead.status == WON, Lead.closed_at >= now - timedelta(days=2))
                .distinct()
            )
        )
        replied = set(
            session.scalars(
                select(Lead.owner_id).where(mine, Lead.status == OPEN, Lead.reply_waiting_since.is_not(None)).distinct()
            )
        )
        return [
            user_id for user_id, day in days.items()
            if (user_id in earliest and earliest[user_id] <= day) or user_id in won or user_id in replied
            or _waiting_accounts(session, team_id, user_id, now)
        ]


def _waiting_accounts(session, team_id: str, user_id: str, now: datetime) -> list[WaitingAccount]:
    """Small buyers this rep was asked about recently and has not answered yet."""
    asked = session.execute(
        select(Delivery.payload, Delivery.created_at).where(
            Delivery.team_id == team_id, Delivery.kind == SMALL_BUYER, Delivery.target == user_id,
            Delivery.status == SENT, Delivery.created_at >= now - ASKED_WITHIN,
        )
    ).all()
    waiting = []
    for payload, created_at in asked:
        account_id = json.loads(payload)["account"]
        answered = session.scalar(
            select(
                exists().where(
                    SmallBuyerAnswer.team_id == team_id, SmallBuyerAnswer.account_id == account_id,
                    SmallBuyerAnswer.answered_at >= created_at,
                )
            )
        )
        if not answered:
            name = session.scalar(select(Account.name).where(Account.team_id == team_id, Account.id == account_id))
            if name:
                waiting.append(WaitingAccount(account_id, name))
    return waiting
