"""Deciding which quiet leads to nudge, whom to escalate to, and whose leads lost their owner."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.clock import local_today
from bot.services.ledger import Ledger
from bot.services.policy import Policy
from bot.services.webhooks import LEADBOT, emit_lead
from bot.store.database import Database
from bot.store.models import OPEN, Lead, Rep
from bot.worktime import WorkingHours, earliest_day_start

logger = logging.getLogger(__name__)

NUDGE, ESCALATION, ORPHANED = "nudge", "escalation", "orphaned"
FOLDED = "folded"  # nudged inside the morning digest rather than by a DM of its own


@dataclass(frozen=True)
class Claimed:
    """A message written to the ledger, to be posted by the delivery pass."""

    kind: str
    team_id: str
    target: str
    leads: tuple[int, ...]


class NudgeOwner(NamedTuple):
    """One owner to decide nudges for, with what the decision needs to know about them."""

    owner_id: str
    tz: str
    hours: WorkingHours
    fold: bool = False  # today's digest is still to be posted: quiet leads ride in it
    not_before: datetime | None = None  # today's digest comes later: wait for it


class FollowUps:
    def __init__(self, db: Database, renudge_days: int, policy_for: Callable[[str], Policy]) -> None:
        self.db = db
        self.renudge_days = renudge_days
        self.policy_for = policy_for

    # -- nudges ------------------------------------------------------------------------------

    def owners_with_due_leads(self, now: datetime, limit: int = 10_000) -> list[tuple[str, str]]:
        """(team, owner) pairs with at least one lead the scheduler should look at now."""
        with self.db.read_rows() as connection:
            rows = connection.execute(
                select(Lead.team_id, Lead.owner_id)
                .where(
                    Lead.nudge_due_at <= now, Lead.status == OPEN, Lead.needs_new_owner.is_(False),
                    Lead.reply_waiting_since.is_(None),
                )
                .distinct()
                .limit(limit)
            )
            return [(team, owner) for team, owner in rows]

    def next_nudge_after(self, after: datetime) -> datetime | None:
        """When the first open lead's nudge comes due after `after`."""
        with self.db.read() as uow:
            return uow.session.scalar(
                select(func.min(Lead.nudge_due_at)).where(Lead.nudge_due_at > after, Lead.status == OPEN)
            )

    def claim_nudge(
        self, team_id: str, owner_id: str, tz: str, hours: WorkingHours, now: datetime,
        fold: bool = False, not_before: datetime | None = None,
    ) -> Claimed | None:
        """Write at most one nudge DM per owner per local day, listing every lead that went quiet.

        Leads not yet due in the owner's own time zone, or due outside their working hours,
        are moved to the exact moment they will be, so the index only ever returns real work.
        """
        return self.claim_nudges(team_id, [NudgeOwner(owner_id, tz, hours, fold, not_before)], now).get(owner_id)

    def claim_nudges(
        self, team_id: str, owners: list["NudgeOwner"], now: datetime, fold_into: str | None = None
    ) -> dict[str, Claimed]:
        """`claim_nudge` for many owners of one team in one transaction: a lock, a read and a commit for all.

        Owners another scheduler is handling right now (their row locked) are left to it. `fold_into`:
        the ledger kind (the digest) whose row pending for the owner's day means the quiet leads ride in
        it; read under the owners' locks, so a digest another scheduler claimed a moment ago counts.
        """
        claimed: dict[str, Claimed] = {}
        with self.db.uow() as uow:
            session = uow.session
            mine = _lock_reps(session, team_id, [owner.owner_id for owner in owners])
            if not mine:
                return claimed
            if fold_into is not None:
                pending = Ledger.pending(session, team_id, fold_into, sorted(mine))
                owners = [
                    owner._replace(fold=owner.fold or _day_of(owner, now) in pending)
                    for owner in owners
                ]
            candidates: dict[str, list[Lead]] = {}
            for lead in session.scalars(
                select(Lead)
                .where(
                    Lead.team_id == team_id,
                    Lead.owner_id.in_(sorted(mine)),
                    Lead.status == OPEN,
                    Lead.needs_new_owner.is_(False),
                    Lead.nudge_due_at <= now,
                    Lead.reply_waiting_since.is_(None),  # the buyer wrote back: not quiet while that waits
                )
                .order_by(Lead.owner_id, Lead.next_follow_up_on, Lead.number)
            ):
                candidates.setdefault(lead.owner_id, []).append(lead)
            for owner in owners:
                if owner.owner_id in mine:
                    one = self._decide_nudge(session, team_id, owner, candidates.get(owner.owner_id, []), now)
                    if one is not None:
                        claimed[owner.owner_id] = one
            uow.commit()
        return claimed

    def _decide_nudge(self, session: Session, team_id: str, owner: "NudgeOwner", candidates: list[Lead], now: datetime):
        owner_id, tz, hours, fold, not_before = owner
        due = []
        for lead in candidates:
            when = self._nudge_time(lead, tz, hours)
            if when is None or when > now:
                lead.nudge_due_at = when
            else:
                due.append(lead)
        claimed = None
        if due and not hours.is_working_time(now, tz):
            # Caught up at night or on a weekend: wait for the owner's next working morning.
            for lead in due:
                lead.nudge_due_at = hours.first_working_instant(now, tz)
        elif due and not_before is not None and now < not_before:
            # The rep's digest comes later this morning; the quiet leads ride in it.
            for lead in due:
                lead.nudge_due_at = not_before
        elif due and fold:
            # Today's digest is about to go out and lists every quiet lead: no second DM.
            numbers = tuple(lead.number for lead in due)
            self._mark_nudged(session, team_id, due, now, tz)
            claimed = Claimed(FOLDED, team_id, owner_id, numbers)
        elif due:
            period = local_today(now, tz).isoformat()
            numbers = tuple(lead.number for lead in due)
            if Ledger.claim(session, team_id, NUDGE, owner_id, period, owner_id, {"leads": list(numbers)}, now):
                self._mark_nudged(session, team_id, due, now, tz)
                claimed = Claimed(NUDGE, team_id, owner_id, numbers)
            else:
                # Today's nudge went out already: one calm DM a day, the rest tomorrow morning.
                tomorrow = hours.start_of_day_after(local_today(now, tz), tz)
                for lead in due:
                    lead.nudge_due_at = hours.first_working_instant(tomorrow, tz)
        return claimed

    def _mark_nudged(self, session: Session, team_id: str, leads: list[Lead], now: datetime, tz: str) -> None:
        """The owner is told these leads went quiet; a lead nudged for the first time since it was last acted on
        is a `lead.went_quiet` event (asking again a few days later is not)."""
        policy = None
        for lead in leads:
            if lead.nudges_unanswered == 0:
                policy = policy or self.policy_for(team_id)
                emit_lead(session, policy, lead, "lead.went_quiet", LEADBOT, now)
            lead.nudges_unanswered += 1
            lead.last_nudged_at = now
            lead.nudge_due_at = earliest_day_start(local_today(now, tz) + timedelta(days=self.renudge_days))

    def _nudge_time(self, lead: Lead, tz: str, hours: WorkingHours) -> datetime | None:
        """When this lead's next nudge is due: its follow-up date has passed, and not too soon after the last."""
        if lead.next_follow_up_on is None:
            return None
        earliest = hours.start_of_day_after(lead.next_follow_up_on, tz)
        if lead.last_nudged_at is not None and (lead.last_touch_at is None or lead.last_touch_at < lead.last_nudged_at):
            # Still no follow-up since the last nudge: ask again a few working days later, not every morning.
            again_on = hours.add_workdays(local_today(lead.last_nudged_at, tz), self.renudge_days)
            earliest = max(earliest, hours.start_of_day_after(again_on - timedelta(days=1), tz))
        return hours.first_working_instant(earliest, tz)

    # -- escalation --------------------------------------------------------------------------

    def teams_with_ignored_leads(self, escalate_after: int) -> set[str]:
        with self.db.read() as uow:
            return set(
                uow.session.scalars(
                    select(Lead.team_id)
                    .where(
                        Lead.status == OPEN, Lead.nudges_unanswered >= escalate_after,
                        Lead.reply_waiting_since.is_(None),
                    )
                    .distinct()
                )
            )

    def claim_escalations(
        self, team_id: str, now: datetime, manager: str, escalate_after: int, tz: str, hours: WorkingHours
    ) -> Claimed | None:
        """Tell the manager, once per silence, about leads whose nudges were ignored `escalate_after` times.

        One note a day at most, inside the manager's working hours; later ones wait for tomorrow.
        """
        if not hours.is_working_time(now, tz):
            return None
        with self.db.uow() as uow:
            session = uow.session
            leads = [
                lead
                for lead in session.scalars(
                    select(Lead)
                    .where(
                        Lead.team_id == team_id, Lead.status == OPEN, Lead.nudges_unanswered >= escalate_after,
                        # A lead whose buyer wrote back is waiting for its owner's answer, which has its own DM.
                        Lead.reply_waiting_since.is_(None),
                    )
                    .order_by(Lead.number)
                )
                if lead.escalated_at_touch != lead.touch_count
            ]
            if not leads:
                return None
            numbers = [lead.number for lead in leads]
            period = local_today(now, tz).isoformat()
            if not Ledger.claim(session, team_id, ESCALATION, manager, period, manager, {"leads": numbers}, now):
                return None
            for lead in leads:
                lead.escalated_at_touch = lead.touch_count
            uow.commit()
            return Claimed(ESCALATION, team_id, manager, tuple(numbers))

    # -- owners who left ---------------------------------------------------------------------

    def orphan(self, team_id: str, owner_id: str, manager: str | None, now: datetime) -> Claimed | None:
        """The owner is gone from Slack: flag their leads, stop nudging them, tell the manager once."""
        with self.db.uow() as uow:
            session = uow.session
            session.execute(
                update(Rep).where(Rep.team_id == team_id, Rep.user_id == owner_id).values(active=False)
            )
            numbers = list(
                session.scalars(
                    select(Lead.number).where(Lead.team_id == team_id, Lead.owner_id == owner_id, Lead.status == OPEN)
                )
            )
            session.execute(
                update(Lead)
                .where(Lead.team_id == team_id, Lead.owner_id == owner_id, Lead.status == OPEN)
                .values(needs_new_owner=True, nudge_due_at=None)
            )
            claimed = None
            if manager and numbers and manager != owner_id:
                if Ledger.claim(
                    session, team_id, ORPHANED, owner_id, "gone", manager, {"leads": numbers, "owner": owner_id}, now
                ):
                    claimed = Claimed(ORPHANED, team_id, manager, tuple(numbers))
            uow.commit()
        logger.warning(
            "rep %s in %s is no longer reachable; %d open leads need a new owner", owner_id, team_id, len(numbers)
        )
        return claimed


def _day_of(owner: NudgeOwner, now: datetime) -> tuple[str, str]:
    return owner.owner_id, local_today(now, owner.tz).isoformat()


def _lock_reps(session: Session, team_id: str, user_ids: list[str]) -> set[str]:
    """`_lock_rep` for many owners in two queries: those whose rows this transaction now holds, or who have none."""
    if session.get_bind().dialect.name != "postgresql":
        return set(user_ids)
    mine: set[str] = set()
    for start in range(0, len(user_ids), 500):
        chunk = sorted(user_ids[start : start + 500])  # one lock order, whatever order the owners came in
        mine.update(
            session.scalars(
                select(Rep.user_id)
                .where(Rep.team_id == team_id, Rep.user_id.in_(chunk))
                .order_by(Rep.user_id)
                .with_for_update(skip_locked=True)
            )
        )
        rest = [user_id for user_id in chunk if user_id not in mine]
        if rest:
            # No cached row at all (Slack was unreachable): the ledger's unique key still guards the DM.
            cached = set(session.scalars(select(Rep.user_id).where(Rep.team_id == team_id, Rep.user_id.in_(rest))))
            mine.update(user_id for user_id in rest if user_id not in cached)
    return mine
