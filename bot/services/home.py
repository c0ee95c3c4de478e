"""What a rep's App Home shows: today's work, their open leads, this week's numbers, and the team's for admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Callable

from sqlalchemy import and_, case, func, select

from bot.services.digests import DigestData, Digests
from bot.services.leads import EXISTING_CUSTOMER, LeadPage, LeadService
from bot.services.summary import is_money
from bot.store.database import Database
from bot.store.models import OPEN, WON, Lead, Touch
from bot.worktime import at_local


@dataclass(frozen=True)
class WeekNumbers:
    follow_ups: int
    captured: int
    won: int


@dataclass(frozen=True)
class RepLine:
    user_id: str
    open_leads: int
    quiet: int
    follow_ups_this_week: int
    at_goal: int = 0  # open leads with the minimum follow-ups or more
    won_this_week: int = 0
    pipeline: Decimal = Decimal(0)  # realistic potential of the open leads, money in the team currency
    min_touches: int = 3
    currency: str = ""

    @property
    def below_goal(self) -> bool:
        """Quiet leads and not one follow-up this week: the rep the manager should talk to first."""
        return self.quiet > 0 and self.follow_ups_this_week == 0


@dataclass(frozen=True)
class HomeData:
    today: DigestData
    open_leads: LeadPage
    week: WeekNumbers
    team: list[RepLine] | None  # admins only


class Home:
    def __init__(
        self, db: Database, leads: LeadService, digests: Digests, is_admin: Callable[[str, str], bool]
    ) -> None:
        self.db = db
        self.leads = leads
        self.digests = digests
        self.is_admin = is_admin  # (team, user) → may see the team's numbers

    def data(self, team_id: str, user_id: str, today: date, tz: str, now: datetime) -> HomeData:
        week_start = at_local(today - timedelta(days=today.weekday()), datetime.min.time(), tz)
        return HomeData(
            today=self.digests.content(team_id, user_id, today, tz, now),
            open_leads=self.leads.list_open(team_id, owner_id=user_id, limit=20),
            week=self._week(team_id, user_id, week_start),
            team=self._team(team_id, today, week_start) if self.is_admin(team_id, user_id) else None,
        )

    def _week(self, team_id: str, user_id: str, since: datetime) -> WeekNumbers:
        with self.db.read() as uow:
            session = uow.session
            follow_ups = session.scalar(
                select(func.count())
                .select_from(Touch)
                .where(Touch.team_id == team_id, Touch.logged_by == user_id, Touch.logged_at >= since)
            )
            captured = session.scalar(
                select(func.count())
                .select_from(Lead)
                .where(
                    Lead.team_id == team_id, Lead.created_by == user_id, Lead.created_at >= since,
                    Lead.source != EXISTING_CUSTOMER,  # a step with a customer who already buys: no new enquiry
                )
            )
            won = session.scalar(
                select(func.count()).select_from(Lead).where(
                    Lead.team_id == team_id, Lead.owner_id == user_id, Lead.status == WON, Lead.closed_at >= since
                )
            )
        return WeekNumbers(follow_ups or 0, captured or 0, won or 0)

    def _team(self, team_id: str, today: date, since: datetime) -> list[RepLine]:
        policy = self.leads.policy_for(team_id)
        with self.db.read() as uow:
            session = uow.session
            # One row per rep and potential unit: the pipeline adds up money only, decided per unit below.
            rows = session.execute(
                select(
                    Lead.owner_id,
                    Lead.potential_unit,
                    func.count(),
                    # A lead whose buyer wrote back waits for an answer: it is not quiet.
                    func.sum(
                        case((and_(Lead.next_follow_up_on < today, Lead.reply_waiting_since.is_(None)), 1), else_=0)
                    ),
                    func.sum(case((Lead.touch_count >= policy.min_touches, 1), else_=0)),
                    func.sum(Lead.claimed_potential),
                )
                .where(Lead.team_id == team_id, Lead.status == OPEN)
                .group_by(Lead.owner_id, Lead.potential_unit)
            ).all()
            touches = dict(
                session.execute(
                    select(Touch.logged_by, func.count())
                    .where(Touch.team_id == team_id, Touch.logged_at >= since)
                    .group_by(Touch.logged_by)
                ).all()
            )
            won = dict(
                session.execute(
                    select(Lead.owner_id, func.count())
                    .where(Lead.team_id == team_id, Lead.status == WON, Lead.closed_at >= since)
                    .group_by(Lead.owner_id)
                ).all()
            )
        per_rep: dict[str, list] = {}
        for owner, unit, count, quiet, at_goal, claimed in rows:
            line = per_rep.setdefault(owner, [0, 0, 0, Decimal(0)])
            line[0] += count
            line[1] += int(quiet or 0)
            line[2] += int(at_goal or 0)
            if claimed is not None and is_money(unit, policy.currency):
                line[3] += Decimal(str(claimed))  # SQLite sums NUMERIC as a float
        lines = [
            RepLine(
                owner, count, quiet, touches.get(owner, 0), at_goal, won.get(owner, 0),
                (claimed * policy.potential_factor).quantize(Decimal("0.01")), policy.min_touches, policy.currency,
            )
            for owner, (count, quiet, at_goal, claimed) in per_rep.items()
        ]
        return sorted(lines, key=lambda line: (-line.quiet, -line.open_leads, line.user_id))
