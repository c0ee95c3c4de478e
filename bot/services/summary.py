"""The team summary's rules: when it is due (weekly or daily, in the team's time zone) and the numbers it reports."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.services.background import known_count
from bot.services.leads import EXISTING_CUSTOMER
from bot.store.database import Database
from bot.store.models import LOST, OPEN, SKIPPED, WON, Delivery, Lead, Refusal, SmallBuyerAnswer, Touch
from bot.text import formatting
from bot.text.amounts import parse_currency
from bot.text.company_names import folded_name
from bot.text.i18n import t
from bot.work_calendar import WorkCalendar
from bot.worktime import at_local

SUMMARY = "summary"
SUMMARY_HELP = "summary_help"  # a DM to whoever turned summaries on, when leadbot is not in the channel
WEEKLY_AT = time(9)
DAILY_AT = time(17)

CENTS = Decimal("0.01")
FUNNEL_TOP = 5  # the funnel's last bar counts leads with 5 or more follow-ups
# Scheduled messages that tell an owner a lead has gone quiet, and where each keeps the lead numbers.
QUIET_KEYS = {"nudge": "leads", "digest": "quiet"}
IN_CHUNK = 500  # lead numbers per IN (...) so a busy week never exceeds a driver's parameter limit


@dataclass(frozen=True)
class SummaryData:
    team_id: str
    start: datetime
    end: datetime
    new_by_source: dict[str, int]
    touches_by_rep: dict[str, int]
    goal_by_rep: dict[str, tuple[int, int]]  # rep → (open leads at the touch goal, open leads owned)
    went_quiet: int
    revived: int
    won: int
    lost_by_reason: dict[str, int]
    refused: int
    answers_by_reason: dict[str, int]
    pipeline_claimed: Decimal  # money in the team currency only
    pipeline_realistic: Decimal
    needs_new_owner: int
    funnel: tuple[int, ...]  # open leads with 0, 1, 2, 3, 4, 5+ follow-ups
    min_touches: int = 3  # the goal goal_by_rep was counted against, so the message can say "3+"
    touch_goal: int = 5  # the top of the range we aim for ("3–5")
    # Claimed potentials in any other unit (valves, tonnes, per year, another currency), each added up on its own:
    # (unit as typed, claimed, realistic), largest first.
    pipeline_units: tuple[tuple[str, Decimal, Decimal], ...] = ()
    touches_by_kind: dict[str, int] = field(default_factory=dict)  # call, wechat, email… in the period
    # Where the period's follow-ups came from: typed, read from the sales mailbox, said in a linked channel.
    touches_by_source: dict[str, int] = field(default_factory=dict)
    # Buyer replies and how fast reps answered them (issue 14) belong here, beside where follow-ups came from.
    # Rep → their open leads by how much of the background is known: (none, 1, 2, 3, all 4 of the parts).
    background_by_rep: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        """Nothing happened in the period and nothing is open: no summary worth posting."""
        happened = (
            self.new_by_source, self.touches_by_rep, self.went_quiet, self.won, self.lost_by_reason,
            self.refused, self.answers_by_reason,
        )
        return not any(happened) and sum(self.funnel) == 0


class TeamSummaries:
    def __init__(self, db: Database) -> None:
        self.db = db

    def compute(
        self, team_id: str, start: datetime, end: datetime, min_touches: int, potential_factor: Decimal,
        currency: str = "", touch_goal: int | None = None,
    ) -> SummaryData:
        """The summary of [start, end) for one team; open leads are counted as they stand now.

        The pipeline adds up money in the team `currency` alone (a potential with no unit counts as that);
        potentials in other units are added up per unit, never into the money.
        """
        with self.db.read() as uow:
            session = uow.session
            open_leads = _open_leads(session, team_id, min_touches, currency)
            won, lost_by_reason = _closed(session, team_id, start, end)
            went_quiet, revived = _quiet_and_revived(session, team_id, start, end)
            return SummaryData(
                team_id=team_id,
                start=start,
                end=end,
                new_by_source=_new_by_source(session, team_id, start, end),
                touches_by_rep=_touches_by_rep(session, team_id, start, end),
                goal_by_rep=open_leads.goal_by_rep,
                went_quiet=went_quiet,
                revived=revived,
                won=won,
                lost_by_reason=lost_by_reason,
                refused=_refused(session, team_id, start, end),
                answers_by_reason=_answers_by_reason(session, team_id, start, end),
                pipeline_claimed=open_leads.claimed,
                pipeline_realistic=(open_leads.claimed * potential_factor).quantize(CENTS),
                needs_new_owner=open_leads.needs_new_owner,
                funnel=open_leads.funnel,
                min_touches=min_touches,
                touch_goal=touch_goal if touch_goal is not None else max(min_touches, 5),
                pipeline_units=tuple(
                    (unit, claimed, (claimed * potential_factor).quantize(CENTS))
                    for unit, claimed in open_leads.other_units
                ),
                touches_by_kind=_touches_by_kind(session, team_id, start, end),
                touches_by_source=_touches_by_source(session, team_id, start, end),
                background_by_rep=_background_by_rep(session, team_id),
            )


def _counts(session: Session, statement) -> dict:
    return {key: count for key, count in session.execute(statement)}


def _new_by_source(session: Session, team_id: str, start: datetime, end: datetime) -> dict[str, int]:
    return _counts(
        session,
        select(Lead.source, func.count())
        .where(
            Lead.team_id == team_id, Lead.created_at >= start, Lead.created_at < end,
            # Leads leadbot opened for customers who already buy (a small-buyer answer) are no new enquiries.
            Lead.source != EXISTING_CUSTOMER,
        )
        .group_by(Lead.source),
    )


def _touches_by_rep(session: Session, team_id: str, start: datetime, end: datetime) -> dict[str, int]:
    return _counts(
        session,
        select(Touch.logged_by, func.count())
        .where(Touch.team_id == team_id, Touch.logged_at >= start, Touch.logged_at < end)
        .group_by(Touch.logged_by),
    )


def _touches_by_kind(session: Session, team_id: str, start: datetime, end: datetime) -> dict[str, int]:
    return _counts(
        session,
        select(Touch.kind, func.count())
        .where(Touch.team_id == team_id, Touch.logged_at >= start, Touch.logged_at < end)
        .group_by(Touch.kind),
    )


def _touches_by_source(session: Session, team_id: str, start: datetime, end: datetime) -> dict[str, int]:
    """Follow-ups that happened in the period (an email counts on the day it was sent), by where they came from."""
    return _counts(
        session,
        select(Touch.source, func.count())
        .where(Touch.team_id == team_id, Touch.logged_at >= start, Touch.logged_at < end)
        .group_by(Touch.source),
    )
def _background_by_rep(session: Session, team_id: str) -> dict[str, tuple[int, ...]]:
    """Each owner's open leads counted by how many of the four parts of their background are known (0–4)."""
    known = known_count()
    rows = session.execute(
        select(Lead.owner_id, known, func.count())
        .where(Lead.team_id == team_id, Lead.status == OPEN)
        .group_by(Lead.owner_id, known)
    )
    found: dict[str, list[int]] = {}
    for owner, parts, count in rows:
        found.setdefault(owner, [0] * 5)[int(parts)] += count
    return {owner: tuple(counts) for owner, counts in found.items()}


@dataclass(frozen=True)
class _OpenLeads:
    goal_by_rep: dict[str, tuple[int, int]]
    funnel: tuple[int, ...]
    claimed: Decimal
    needs_new_owner: int
    other_units: list[tuple[str, Decimal]]  # (unit, claimed) for potentials that are not the team's money


def is_money(unit: str | None, currency: str) -> bool:
    """Whether a potential's unit is the team's money: none given, or that currency by code, symbol or word."""
    text = (unit or "").strip()
    return not text or (bool(currency) and parse_currency(text) == currency)


def _open_leads(session: Session, team_id: str, min_touches: int, currency: str = "") -> _OpenLeads:
    """Goal, funnel, pipeline and orphans in one pass over the open leads: a few rows per rep and unit come back."""
    cap = max(FUNNEL_TOP, min_touches)  # touch counts above both the funnel's top and the goal look alike
    touches = case((Lead.touch_count >= cap, cap), else_=Lead.touch_count)
    rows = session.execute(
        select(
            Lead.owner_id, touches, Lead.potential_unit, func.count(), func.sum(Lead.claimed_potential),
            func.sum(case((Lead.needs_new_owner, 1), else_=0)),
        )
        .where(Lead.team_id == team_id, Lead.status == OPEN)
        .group_by(Lead.owner_id, touches, Lead.potential_unit)
    )
    goal: dict[str, tuple[int, int]] = {}
    funnel = [0] * (FUNNEL_TOP + 1)
    claimed, orphaned = Decimal(0), 0
    units: dict[str, tuple[str, Decimal]] = {}  # folded unit → (the unit as first written, claimed)
    for owner, touch_count, unit, count, potential, needs_owner in rows:
        reached, owned = goal.get(owner, (0, 0))
        goal[owner] = (reached + (count if touch_count >= min_touches else 0), owned + count)
        funnel[min(touch_count, FUNNEL_TOP)] += count
        orphaned += int(needs_owner or 0)
        if potential is None:
            continue
        # SQLite sums NUMERIC as a float; going through str() keeps the cents PostgreSQL would give.
        amount = Decimal(str(potential))
        if is_money(unit, currency):
            claimed += amount
        else:
            # "Tonnes" and "tonnes" are one unit; the spelling shown is the first in sort order, stable week to week.
            key = folded_name(unit)
            label, total = units.get(key, (unit.strip(), Decimal(0)))
            units[key] = (min(label, unit.strip()), total + amount)
    other = sorted(((label, total.quantize(CENTS)) for label, total in units.values()), key=lambda u: (-u[1], u[0]))
    return _OpenLeads(goal, tuple(funnel), claimed.quantize(CENTS), orphaned, other)


def _closed(session: Session, team_id: str, start: datetime, end: datetime) -> tuple[int, dict[str, int]]:
    """Won, and lost by reason, among leads closed in the period."""
    # A lead lost without a reason still counts, under "other".
    reason = case((Lead.status == LOST, func.coalesce(Lead.lost_reason, "other")), else_=None)
    rows = session.execute(
        select(Lead.status, reason, func.count())
        .where(
            Lead.team_id == team_id, Lead.status.in_((WON, LOST)), Lead.closed_at >= start, Lead.closed_at < end
        )
        .group_by(Lead.status, reason)
    )
    won, lost = 0, {}
    for status, lost_reason, count in rows:
        if status == WON:
            won += count
        else:
            lost[lost_reason] = lost.get(lost_reason, 0) + count
    return won, lost


def _refused(session: Session, team_id: str, start: datetime, end: datetime) -> int:
    return session.scalar(
        select(func.count()).where(Refusal.team_id == team_id, Refusal.at >= start, Refusal.at < end)
    )


def _answers_by_reason(session: Session, team_id: str, start: datetime, end: datetime) -> dict[str, int]:
    return _counts(
        session,
        select(SmallBuyerAnswer.reason, func.count())
        .where(
            SmallBuyerAnswer.team_id == team_id,
            SmallBuyerAnswer.answered_at >= start,
            SmallBuyerAnswer.answered_at < end,
        )
        .group_by(SmallBuyerAnswer.reason),
    )


# -- gone quiet and revived ------------------------------------------------------------------------


def _quiet_and_revived(session: Session, team_id: str, start: datetime, end: datetime) -> tuple[int, int]:
    """Leads that went quiet in the period — an owner was told, or the lead was overdue by the period's end (told or
    not: a reminder may be held back or folded away) — and how many got a follow-up after being told."""
    first_told = _first_told_quiet(session, team_id, start, end)
    overdue = _overdue_at(session, team_id, end)
    revived = 0
    numbers = sorted(first_told)
    for i in range(0, len(numbers), IN_CHUNK):
        chunk = numbers[i : i + IN_CHUNK]
        rows = session.execute(
            select(Lead.number, func.max(Touch.logged_at))
            .join(Touch, (Touch.lead_id == Lead.id) & (Touch.team_id == Lead.team_id))
            .where(Lead.team_id == team_id, Lead.number.in_(chunk), Touch.logged_at < end)
            .group_by(Lead.number)
        )
        revived += sum(1 for number, last in rows if last is not None and last > first_told[number])
    return len(set(first_told) | overdue), revived


def _overdue_at(session: Session, team_id: str, end: datetime) -> set[int]:
    """Open leads whose follow-up date had passed before the period's last day: overdue within the period."""
    last_day = (end - timedelta(microseconds=1)).date()
    return set(
        session.scalars(
            select(Lead.number).where(
                Lead.team_id == team_id, Lead.status == OPEN, Lead.next_follow_up_on < last_day,
            )
        )
    )


def _first_told_quiet(session: Session, team_id: str, start: datetime, end: datetime) -> dict[int, datetime]:
    """Lead number → when its owner was first told in the period; one nudge or digest a rep a day, so few rows."""
    rows = session.execute(
        select(Delivery.kind, Delivery.payload, Delivery.created_at).where(
            Delivery.team_id == team_id,
            Delivery.kind.in_(QUIET_KEYS),
            Delivery.status != SKIPPED,
            Delivery.created_at >= start,
            Delivery.created_at < end,
        )
    )
    first: dict[int, datetime] = {}
    for kind, payload, created_at in rows:
        for number in _quiet_numbers(payload, QUIET_KEYS[kind]):
            if number not in first or created_at < first[number]:
                first[number] = created_at
    return first


def _quiet_numbers(payload: str | None, key: str) -> list[int]:
    # A digest may carry no quiet leads at all; an unreadable payload must not sink the whole summary.
    try:
        values = json.loads(payload or "{}").get(key) or []
    except (ValueError, AttributeError):
        return []
    return [value for value in values if isinstance(value, int) and not isinstance(value, bool)]


# -- when it is due: weekly on Monday 09:00 or daily at 17:00, in the team's time zone ---------------


@dataclass(frozen=True)
class Period:
    key: str  # the ledger period: one summary per key
    send_at: datetime
    start: datetime  # what the summary covers, [start, end)
    end: datetime
    label: str


def current_period(now: datetime, schedule: str, tz: str, calendar: WorkCalendar) -> Period | None:
    """The period `now` falls in, or None on a day without a daily summary (a weekend, a public holiday)."""
    today = now.astimezone(ZoneInfo(tz)).date()
    if schedule == "daily":
        if not calendar.is_working_day(today):
            return None
        start = at_local(today, time(0), tz)
        send_at = at_local(today, DAILY_AT, tz)
        return Period(f"day-{today.isoformat()}", send_at, start, send_at, formatting.day(today, today))
    return _week(today - timedelta(days=today.weekday()), tz, calendar, today)


def due_periods(now: datetime, schedule: str, tz: str, calendar: WorkCalendar) -> list[Period]:
    """The periods whose summary may be due at `now`: the current one, and last week's when a week with no working
    day at all (Spring Festival) held it over to this week's first working day."""
    current = current_period(now, schedule, tz, calendar)
    periods = [current] if current is not None else []
    if schedule == "weekly":
        today = now.astimezone(ZoneInfo(tz)).date()
        monday = today - timedelta(days=today.weekday())
        last_week = _week(monday - timedelta(days=7), tz, calendar, today)
        if last_week.send_at >= at_local(monday, time(0), tz):
            periods.insert(0, last_week)
    return periods


def _week(monday: date, tz: str, calendar: WorkCalendar, today: date) -> Period:
    """The weekly summary sent in the week of `monday`, covering the week before it."""
    year, week, _ = monday.isocalendar()
    last_monday = monday - timedelta(days=7)
    return Period(
        key=f"week-{year}-W{week:02d}",
        send_at=at_local(weekly_day(monday, calendar), WEEKLY_AT, tz),
        start=at_local(last_monday, time(0), tz),
        end=at_local(monday, time(0), tz),
        label=week_label(last_monday, monday - timedelta(days=1)),
    )


def week_label(first: date, last: date) -> str:
    """"week of 30 Nov – 6 Dec": the week covered, so a summary posted on the 7th is not read as sent on the 30th."""
    def short(day: date) -> str:
        return t("format.day_month", day=day.day, month=t(f"month.{day.month}"))

    return t("summary.week_label", start=short(first), end=short(last))


def weekly_day(monday: date, calendar: WorkCalendar) -> date:
    """The day the weekly summary comes: Monday, or the first working day after it when Monday is a rest day —
    in the week after, when a whole week is off."""
    return calendar.next_working_day(monday)


def next_send(now: datetime, schedule: str, tz: str, calendar: WorkCalendar) -> datetime:
    """When the next summary will go out, for `/lead summary`."""
    day: date = now.astimezone(ZoneInfo(tz)).date()
    if schedule == "weekly":
        monday = day - timedelta(days=day.weekday())
        sends = (at_local(weekly_day(monday + timedelta(weeks=n), calendar), WEEKLY_AT, tz) for n in range(-1, 4))
        return min(send for send in sends if send > now)
    for offset in range(0, 22):
        candidate = day + timedelta(days=offset)
        if calendar.is_working_day(candidate) and at_local(candidate, DAILY_AT, tz) > now:
            return at_local(candidate, DAILY_AT, tz)
    raise ValueError("no next summary")
