"""Who a Slack user is — name, time zone, language — cached from users.info."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Callable, Iterator, Mapping

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.errors import FormInvalid
from bot.services.process_reps import MISSING, ProcessReps
from bot.store.database import Database
from bot.store.models import Rep
from bot.store.upsert import insert_ignore
from bot.text.i18n import LANGUAGES, language_of_locale
from bot.work_calendar import WorkCalendar, parse_holidays
from bot.worktime import WorkingHours, first_digest_at, parse_hours, parse_workdays

logger = logging.getLogger(__name__)

# users.info answers a user dict, None for an unknown user, or raises when Slack is unreachable.
UserLookup = Callable[[str, str], Mapping | None]  # (team, user) → users.info's user

REFRESH_AFTER = timedelta(days=1)
SNOOZE_CHOICES = (1, 3, 7)  # a rep's default snooze, in days
BATCH = 500  # ids per IN (…) list
# A rep's holidays setting that means "no public holidays", whatever the team's country; what reps may type for it.
NO_HOLIDAYS = "none"
NO_HOLIDAYS_WORDS = frozenset({"none", "no", "-", "无", "没有", "不休"})

# The rep rows one Slack request has read, so its language, its handler's time zone and profile come
# from one query instead of three, and stay the same for the whole request. None outside
# `request_scope()` (the scheduler, the CLI): every read goes to the database. A listener thread still
# running after the ack keeps the same dict, through the request's copied context
# (handlers.app.ContextThreadPool).
_REQUEST_REPS: ContextVar[dict | None] = ContextVar("leadbot_request_reps", default=None)
# The whole row as plain values: a Core query costs a fraction of Session.get's CPU, and one statement
# object reused with parameters spares SQLAlchemy rebuilding and matching it on every request.
_REP_ROW = select(Rep.__table__).where(Rep.team_id == bindparam("team_id"), Rep.user_id == bindparam("user_id"))


@contextmanager
def request_scope() -> Iterator[None]:
    """Around one Slack request: the rep rows it reads through the Directory are read once."""
    token = _REQUEST_REPS.set({})
    try:
        yield
    finally:
        _REQUEST_REPS.reset(token)


def parse_own_holidays(raw: str | None) -> str | None:
    """What a rep typed for their public holidays: empty → None (the team's), "none" → NO_HOLIDAYS, "cn" → "CN".

    Raises ValueError for a country the `holidays` package does not know.
    """
    text = (raw or "").strip()
    if not text:
        return None
    if text.casefold() in NO_HOLIDAYS_WORDS:
        return NO_HOLIDAYS
    return parse_holidays(text)


def rep_hours(
    default: WorkingHours, workdays: str | None, work_hours: str | None, holidays: str | None
) -> WorkingHours:
    """A rep's working days and hours: their own choices where they made one, the team's elsewhere."""
    if not (workdays or work_hours or holidays):
        return default
    days = parse_workdays(workdays) if workdays else default.workdays
    start, end = parse_hours(work_hours) if work_hours else (default.start, default.end)
    return WorkingHours(days, start, end, _country(default.country, holidays))


def _country(team: str | None, own: str | None) -> str | None:
    """Whose public holidays apply: the rep's own choice, else the team's."""
    if not own:
        return team
    return None if own == NO_HOLIDAYS else own


def owner_calendar(session: Session, team_id: str, user_id: str | None, team: WorkCalendar) -> WorkCalendar:
    """The working days of a lead's owner, read in the caller's transaction; `team` is the team's calendar."""
    row = None
    if user_id:
        row = session.execute(
            select(Rep.workdays, Rep.holidays).where(Rep.team_id == team_id, Rep.user_id == user_id)
        ).first()
    if row is None or not (row.workdays or row.holidays):
        return team
    workdays = parse_workdays(row.workdays) if row.workdays else team.workdays
    return WorkCalendar(workdays, _country(team.country, row.holidays))


def check_own_settings(
    *, digest_time: str | None, workdays: str | None, work_hours: str | None, language: str | None,
    snooze_days: int | None, holidays: str | None = None,
) -> None:
    """A rep's own settings as `save_own_settings` takes them; FormInvalid names each bad field. None: the default."""
    problems: dict[str, tuple[str, dict]] = {}
    try:
        parse_own_holidays(holidays)
    except ValueError:
        problems["holidays"] = ("settings_error.holidays", {})
    if workdays is not None:
        try:
            parse_workdays(workdays)
        except ValueError:
            problems["workdays"] = ("settings_error.workdays", {})
    try:
        if work_hours is not None:
            parse_hours(work_hours)  # the end must come after the start
        if digest_time is not None:
            time.fromisoformat(digest_time)
    except ValueError:
        # The form shows both time problems under the working day's end, as it always has.
        problems["work_end"] = ("settings_error.hours", {})
    if language is not None and language not in LANGUAGES:
        problems["language"] = ("field.required", {})
    if snooze_days is not None and snooze_days not in SNOOZE_CHOICES:
        problems["snooze_days"] = ("field.required", {})
    if problems:
        raise FormInvalid(problems)


@dataclass(frozen=True)
class RepView:
    user_id: str
    name: str
    tz: str
    locale: str | None
    active: bool
    hours: WorkingHours
    digest_time: time
    language: str | None = None
    snooze_days: int | None = None
    next_digest_at: datetime | None = None
    holidays: str | None = None  # the rep's own choice ("CN", "none"); None: the team's


@dataclass(frozen=True)
class Reader:
    """A DM reader's cached time zone and own language (None: the team's), as the scheduler needs them."""

    tz: str
    language: str | None


class Directory:
    """Answers from the cache, refreshing from Slack when a rep is new or the entry is old."""

    def __init__(self, db: Database, lookup: UserLookup, settings: Settings) -> None:
        self.db = db
        self.lookup = lookup
        self.settings = settings
        self.default_tz = settings.team_tz
        self.default_hours = settings.working_hours
        self.process_reps = ProcessReps(db)

    def rep(self, team_id: str, user_id: str, now: datetime) -> RepView:
        row = self._row(team_id, user_id)
        cached = None if row is None else self._view(row)
        if row is not None and now - row.fetched_at < REFRESH_AFTER:
            return cached
        try:
            user = self.lookup(team_id, user_id)
        except Exception:  # Slack being unreachable must not stop a rep from working.
            logger.warning("users.info failed for %s; using the cached or team time zone", user_id, exc_info=True)
            return cached or RepView(
                user_id, "", self.default_tz, None, True, self.default_hours, self.settings.digest_time
            )
        return self._store(team_id, user_id, user, now)

    def fresh_reps(self, team_id: str, user_ids: list[str], now: datetime) -> dict[str, RepView]:
        """Cached reps whose profile is recent enough, in one query: the scheduler asks for hundreds at once.

        Anyone missing (new, or due a refresh) is for `rep()`, which asks Slack.
        """
        found: dict[str, RepView] = {}
        with self.db.read() as uow:
            for start in range(0, len(user_ids), BATCH):
                rows = uow.session.scalars(
                    select(Rep).where(Rep.team_id == team_id, Rep.user_id.in_(user_ids[start : start + BATCH]))
                )
                found.update((row.user_id, self._view(row)) for row in rows if now - row.fetched_at < REFRESH_AFTER)
        return found

    def readers(self, user_ids: list[str]) -> dict[tuple[str, str], Reader]:
        """(team, user) → time zone and language of these users in any team, from the cache in a query per 500.

        For the scheduler's delivery pass: one read for all its DMs, and nobody is asked of Slack.
        """
        readers: dict[tuple[str, str], Reader] = {}
        with self.db.read() as uow:
            for start in range(0, len(user_ids), BATCH):
                rows = uow.session.execute(
                    select(Rep.team_id, Rep.user_id, Rep.tz, Rep.language, Rep.locale).where(
                        Rep.user_id.in_(user_ids[start : start + BATCH])
                    )
                )
                for team_id, user_id, tz, chosen, locale in rows:
                    # As cached_tz and cached_language answer for one rep.
                    readers[team_id, user_id] = Reader(tz or self.default_tz, chosen or language_of_locale(locale))
        return readers

    def language(self, team_id: str, user_id: str, now: datetime) -> str | None:
        """The rep's language: their own choice, else their Slack locale's (None: the team's default).

        Asks Slack only for someone never seen before, so a request is not held up by a refresh.
        """
        rep = self._row(team_id, user_id)
        if rep is not None:  # one query on every request's way to its ack, remembered for its handler
            return rep.language or language_of_locale(rep.locale)
        self.rep(team_id, user_id, now)
        return self.cached_language(team_id, user_id)

    def cached_language(self, team_id: str, user_id: str) -> str | None:
        """The same, from the cache alone: for the scheduler, which must not wait on Slack per message."""
        rep = self._row(team_id, user_id)
        return None if rep is None else rep.language or language_of_locale(rep.locale)

    def cached_tz(self, team_id: str, user_id: str) -> str:
        """The rep's time zone without asking Slack: for paths racing a 3-second trigger."""
        cached = self._row(team_id, user_id)
        return (cached.tz if cached is not None else None) or self.default_tz

    def tz(self, team_id: str, user_id: str, now: datetime) -> str:
        return self.rep(team_id, user_id, now).tz

    def calendar(self, team_id: str, user_id: str) -> WorkCalendar:
        """The rep's working days from the cache (the team's for someone never seen): for dates a form proposes."""
        row = self._row(team_id, user_id)
        return (self.default_hours if row is None else self._view(row).hours).calendar

    def _row(self, team_id: str, user_id: str) -> Row | None:
        """The rep's row as plain values (None: never seen).

        Inside `request_scope()`: once per request, and from the rows this process keeps while they are known
        to be current (`ProcessReps`). Outside it, from the database.
        """
        request = _REQUEST_REPS.get()
        if request is None:
            return self._read_row(team_id, user_id)
        key = (team_id, user_id)
        row = request.get(key, MISSING)
        if row is MISSING:
            row = self.process_reps.get(key)
            if row is MISSING:
                generation = self.process_reps.generation()
                row = self._read_row(team_id, user_id)
                self.process_reps.keep(key, row, generation)
            request[key] = row
        return row

    def _read_row(self, team_id: str, user_id: str) -> Row | None:
        with self.db.read_rows() as connection:
            return connection.execute(_REP_ROW, {"team_id": team_id, "user_id": user_id}).first()

    def _forget(self, team_id: str, user_id: str) -> None:
        """This process changed the row: its next read goes to the database, before other processes hear of it."""
        request = _REQUEST_REPS.get()
        if request is not None:
            request.pop((team_id, user_id), None)
        self.process_reps.changed(team_id, user_id)

    def _store(self, team_id: str, user_id: str, user: Mapping | None, now: datetime) -> RepView:
        values = {
            "name": (user or {}).get("real_name") or (user or {}).get("name") or "",
            "tz": (user or {}).get("tz") or None,
            "locale": (user or {}).get("locale"),
            "email": ((user or {}).get("profile") or {}).get("email"),
            "active": bool(user) and not user.get("deleted", False),
            "fetched_at": now,
        }
        with self.db.uow() as uow:
            if not insert_ignore(uow.session, Rep, {"team_id": team_id, "user_id": user_id, **values}):
                rep = uow.session.get(Rep, (team_id, user_id))
                moved = rep.tz != values["tz"]
                for name, value in values.items():
                    setattr(rep, name, value)
            else:
                rep, moved = uow.session.get(Rep, (team_id, user_id)), True
            view = self._view(rep)
            if moved or rep.next_digest_at is None:
                # A new rep, or one who moved time zone: their morning digest follows their clock.
                rep.next_digest_at = first_digest_at(now, view.tz, view.hours, view.digest_time)
            uow.commit()
        self._forget(team_id, user_id)
        return view

    def user_by_email(self, team_id: str, email: str) -> str | None:
        """The active member leadbot knows by this email (as users.info last gave it), else None."""
        with self.db.read() as uow:
            return uow.session.scalar(
                select(Rep.user_id)
                .where(Rep.team_id == team_id, func.lower(Rep.email) == email.strip().lower(), Rep.active.is_(True))
                .order_by(Rep.user_id)
                .limit(1)
            )

    def names(self, team_id: str, user_ids: list[str]) -> dict[str, str]:
        """Display names from the cache, for labels (a chart): the id where we know no name."""
        with self.db.read() as uow:
            rows = uow.session.execute(
                select(Rep.user_id, Rep.name).where(Rep.team_id == team_id, Rep.user_id.in_(user_ids))
            ).all()
        known = {user_id: name for user_id, name in rows if name}
        return {user_id: known.get(user_id, user_id) for user_id in user_ids}

    def opened_home(self, team_id: str, user_id: str, now: datetime) -> None:
        """Remember that this rep uses the Home tab, so it is kept fresh when they act."""
        with self.db.uow() as uow:
            rep = uow.session.get(Rep, (team_id, user_id))
            if rep is not None:
                rep.home_opened_at = now
                uow.commit()
        self._forget(team_id, user_id)

    def uses_home(self, team_id: str, user_id: str) -> bool:
        rep = self._row(team_id, user_id)
        return rep is not None and rep.home_opened_at is not None

    def save_own_settings(
        self, team_id: str, user_id: str, now: datetime, *, digest_time: str | None, workdays: str | None,
        work_hours: str | None, language: str | None, snooze_days: int | None, holidays: str | None = None,
    ) -> RepView:
        """A rep's own choices from `/lead settings`; their next digest moves to match."""
        check_own_settings(
            digest_time=digest_time,
            workdays=workdays,
            work_hours=work_hours,
            language=language,
            snooze_days=snooze_days,
            holidays=holidays,
        )
        self.rep(team_id, user_id, now)  # make sure the row exists
        with self.db.uow() as uow:
            rep = uow.session.get(Rep, (team_id, user_id))
            rep.digest_time, rep.workdays, rep.work_hours = digest_time, workdays, work_hours
            rep.language, rep.snooze_days = language, snooze_days
            rep.holidays = parse_own_holidays(holidays)
            view = self._view(rep)
            rep.next_digest_at = first_digest_at(now, view.tz, view.hours, view.digest_time)
            uow.commit()
        self._forget(team_id, user_id)
        return view

    def _view(self, rep: Rep | Row) -> RepView:
        """The rep's own settings where they chose one, the team's defaults elsewhere."""
        hours = rep_hours(self.default_hours, rep.workdays, rep.work_hours, rep.holidays)
        digest = time.fromisoformat(rep.digest_time) if rep.digest_time else self.settings.digest_time
        return RepView(
            rep.user_id,
            rep.name,
            rep.tz or self.default_tz,
            rep.locale,
            rep.active,
            hours,
            digest,
            rep.language,
            rep.snooze_days,
            rep.next_digest_at,
            rep.holidays,
        )
