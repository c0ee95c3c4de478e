"""Capturing, finding, following up and closing leads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Callable

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import local_today
from bot.errors import (
    AmbiguousLead,
    DuplicateLead,
    FormInvalid,
    LeadbotError,
    LeadClosed,
    LeadNotFound,
    NotAllowed,
    ReasonNeeded,
    TooFewTouches,
)
from bot.services.background import Answers, answer_problems, apply_answers, fill_from_notes
from bot.services.buyer_replies import FOLLOW_UP, SAID_LATER, SNOOZE, answer_replies
from bot.services.lead_views import LIST_COLUMNS, LeadView, ListLine, lead_view
from bot.services.policy import Policy
from bot.services.reps import owner_calendar
from bot.services.webhooks import emit_lead
from bot.store.database import Database
from bot.store.models import CHANNEL, EMAIL, LOST, OPEN, TYPED, WON, Lead, Refusal, Rep, Team, Touch
from bot.store.upsert import insert_ignore
from bot.text.amounts import AmountError, parse_amount
from bot.text.buyer_dates import date_in_text
from bot.text.company_names import COMPANY_MAX, account_key, clean_text, company_key
from bot.text.email_address import AddressError, domain_of, parse_address
from bot.text.lead_command import lead_number
from bot.text.lead_ref import Ambiguous, Candidate, Found, name_pieces, resolve_lead
from bot.text.reasons import find_lost_reason
from bot.text.when import parse_when
from bot.work_calendar import WorkCalendar
from bot.worktime import earliest_day_start

SOURCES = (
    "website", "marketing", "referral", "trade_show", "inbound_call", "slack_message", "inbound_channel", "other"
)
# Sources leadbot sets itself, never offered in the form.
EXISTING_CUSTOMER = "existing_customer"
SITUATIONS = ("boss_research", "wants_to_buy", "comparing", "trial", "unknown")
# WeChat is where most Chinese B2B follow-ups happen; it comes second in the form for that reason.
TOUCH_KINDS = ("call", "wechat", "email", "visit", "message", "meeting")
# Where a follow-up came from (Touch.source): typed by a rep, read from the sales mailbox, said in a linked channel.
TOUCH_SOURCES = (TYPED, EMAIL, CHANNEL)
LOST_REASONS = ("competitor", "cancelled", "no_budget", "not_fit", "went_silent", "other")
# Recorded when the buyer named a date (*Buyer said later*): a contact, counted like any follow-up.
BUYER_NAMED_DATE = "buyer_date"
# A won lead may be reopened this long after it was closed (a click on the wrong lead, a deal that fell through).
REOPEN_DAYS = 30
SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 3000
POTENTIAL_MAX = Decimal("1e15")

# Words a rep may type after `/lead lost 12`.
LOST_REASON_WORDS = {
    "competitor": "competitor",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "budget": "no_budget",
    "no_budget": "no_budget",
    "fit": "not_fit",
    "not_fit": "not_fit",
    "silent": "went_silent",
    "went_silent": "went_silent",
    "proposal": "went_silent",
    "fishing": "went_silent",
    "other": "other",
    "竞品": "competitor",
    "竞争对手": "competitor",
    "取消": "cancelled",
    "预算": "no_budget",
    "没预算": "no_budget",
    "不合适": "not_fit",
    "沉默": "went_silent",
    "骗方案": "went_silent",
    "其他": "other",
}


@dataclass(frozen=True)
class NewLeadForm:
    """What the new-lead modal sent, as plain strings (None where left empty)."""

    company: str | None
    contact_name: str | None
    contact_role: str | None
    source: str | None
    asked_for: str | None
    situation: str | None
    discovery_notes: str | None
    claimed_potential: str | None
    potential_unit: str | None
    owner_id: str | None
    first_follow_up: str | None
    # "" when left empty; None when the form had no such field (sent before it existed): an edit then keeps it.
    contact_email: str | None = None


@dataclass(frozen=True)
class LeadDraft:
    company: str
    contact_name: str
    contact_role: str
    source: str
    asked_for: str
    situation: str
    discovery_notes: str
    claimed_potential: Decimal | None
    potential_unit: str
    owner_id: str
    first_follow_up_on: date
    source_link: str | None = None
    contact_email: str | None = None  # lower-cased (bot.text.email_address.parse_address)


@dataclass(frozen=True)
class LeadPage:
    items: tuple[ListLine, ...]
    total: int


@dataclass(frozen=True)
class Reference:
    """The lead a typed reference means (`12`, `gulf`, `Lakeside Packaging Inc.`), and the words after it."""

    number: int
    rest: str


def check_new_lead(form: NewLeadForm, fallback_owner: str, today: date, may_stay: date | None = None) -> LeadDraft:
    """Read the form's strings and check the lead they make; raise FormInvalid naming every bad field at once.

    `may_stay` is a follow-up date that may be kept although it has passed (the lead's current one).
    """
    problems: dict[str, tuple[str, dict]] = {}
    potential = None
    try:
        potential = parse_potential(form.claimed_potential)
    except LeadbotError as error:
        problems["claimed_potential"] = (error.key, error.params)
    follow_up = None
    try:
        follow_up = parse_date(form.first_follow_up)
    except LeadbotError as error:
        problems["first_follow_up"] = (error.key, error.params)
    email = None
    try:
        email = parse_address(form.contact_email)
    except AddressError as error:
        problems["contact_email"] = (str(error), {})
    draft = LeadDraft(
        company=clean_text(form.company),
        contact_name=clean_text(form.contact_name),
        contact_role=clean_text(form.contact_role),
        source=form.source or "",
        asked_for=clean_text(form.asked_for),
        situation=form.situation or "",
        discovery_notes=clean_text(form.discovery_notes),
        claimed_potential=potential,
        potential_unit=clean_text(form.potential_unit),
        owner_id=form.owner_id or fallback_owner,
        first_follow_up_on=follow_up,
        contact_email=email,
    )
    problems = {**draft_problems(draft, today, may_stay), **problems}
    if problems:
        raise FormInvalid(problems)
    return draft


def draft_problems(draft: LeadDraft, today: date, may_stay: date | None = None) -> dict[str, tuple[str, dict]]:
    """What is wrong with a lead about to be saved, by field: the rules every way of saving one must pass."""
    problems: dict[str, tuple[str, dict]] = {}
    if not draft.company:
        problems["company"] = ("field.company_required", {})
    elif len(draft.company) > COMPANY_MAX:
        problems["company"] = ("field.too_long", {"max": COMPANY_MAX})
    for name in ("contact_name", "contact_role", "potential_unit"):
        if len(getattr(draft, name)) > SHORT_TEXT_MAX:
            problems[name] = ("field.too_long", {"max": SHORT_TEXT_MAX})
    for name in ("asked_for", "discovery_notes"):
        if len(getattr(draft, name)) > LONG_TEXT_MAX:
            problems[name] = ("field.too_long", {"max": LONG_TEXT_MAX})
    if draft.source not in SOURCES:
        problems["source"] = ("field.required", {})
    if draft.contact_email and _address_or_none(draft.contact_email) is None:
        problems["contact_email"] = ("field.email_invalid", {})
    if draft.situation not in SITUATIONS:
        problems["situation"] = ("field.required", {})
    potential = draft.claimed_potential
    if potential is not None and (not potential.is_finite() or potential >= POTENTIAL_MAX):
        problems["claimed_potential"] = ("field.potential_not_number", {})
    elif potential is not None and potential < 0:
        problems["claimed_potential"] = ("field.potential_negative", {})
    # An overdue lead keeps its past date unless the rep picks a new one; only a new date must be ahead.
    first = draft.first_follow_up_on
    if first is not None and first < today and first != may_stay:
        problems["first_follow_up"] = ("field.date_past", {})
    return problems


def _address_or_none(raw: str) -> str | None:
    try:
        return parse_address(raw)
    except AddressError:
        return None


def check_company(company: str) -> None:
    """Refuse a company name longer than any lead or account may have."""
    if len(company) > COMPANY_MAX:
        raise LeadbotError("error.company_too_long", max=COMPANY_MAX, length=len(company))


def parse_potential(raw: str | None) -> Decimal | None:
    """A claimed potential as reps type it: `5000`, `5,000`, `2.4k`, `1.2万`, `1.2 万`; 0 is allowed, a minus is not."""
    text = clean_text(raw)
    if not text:
        return None
    if text.startswith(("-", "−", "－")):
        raise LeadbotError("field.potential_negative")
    try:
        value = parse_amount(text).value
    except AmountError:
        try:
            value = Decimal(text.replace(",", ""))  # what parse_amount refuses but a potential may be: 0
        except InvalidOperation:
            raise LeadbotError("field.potential_not_number") from None
    if not value.is_finite() or value >= POTENTIAL_MAX:
        raise LeadbotError("field.potential_not_number")
    if value < 0:
        raise LeadbotError("field.potential_negative")
    return value.quantize(Decimal("0.01"))


def parse_date(raw: str | None) -> date:
    """A date picker's value; whether the date is allowed is for the service that changes the lead."""
    if not raw:
        raise LeadbotError("field.date_missing")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise LeadbotError("field.date_missing") from None


class LeadService:
    """Every change to a lead goes through here, filtered by team and checked for permission."""

    def __init__(self, db: Database, policy_for: Callable[[str], Policy]) -> None:
        self.db = db
        self.policy_for = policy_for

    # -- reading ---------------------------------------------------------------------------

    def find(self, team_id: str, ref: str, with_touches: bool = False, user_id: str | None = None) -> LeadView:
        """The lead `ref` names (a number or a piece of its company; `user_id`'s own leads first)."""
        policy = self.policy_for(team_id)
        with self.db.read() as uow:
            lead = self._load(uow.session, team_id, ref, user_id)
            return lead_view(policy, lead, with_touches)

    def find_many(self, team_id: str, numbers: list[int]) -> list[LeadView]:
        """Leads by number, in the order given; numbers that no longer exist are left out."""
        policy = self.policy_for(team_id)
        with self.db.read() as uow:
            rows = uow.session.scalars(select(Lead).where(Lead.team_id == team_id, Lead.number.in_(numbers)))
            by_number = {lead.number: lead_view(policy, lead) for lead in rows}
        return [by_number[n] for n in numbers if n in by_number]

    def views(self, team_id: str, rows: list[Lead]) -> list[LeadView]:
        """Views of leads the caller has already loaded (in its own query), in the order given."""
        policy = self.policy_for(team_id)
        return [lead_view(policy, lead) for lead in rows]

    def suggested_next(self, lead: LeadView, today: date) -> date:
        """Where the cadence would put the next follow-up if one were logged today: on the owner's working day."""
        return self.policy_for(lead.team_id).next_follow_up(
            lead.touch_count + 1, today, self.calendar_of(lead.team_id, lead.owner_id)
        )

    def calendar_of(self, team_id: str, user_id: str | None) -> WorkCalendar:
        """The working days of `user_id` (their own workdays and holidays, else the team's)."""
        policy = self.policy_for(team_id)
        with self.db.read() as uow:
            return owner_calendar(uow.session, team_id, user_id, policy.calendar)

    def reference(self, team_id: str, user_id: str | None, text: str) -> Reference:
        """Which lead the start of `text` names, for `user_id`, and what follows: `gulf call left voicemail` →
        the Gulf lead and "call left voicemail". Raises LeadNotFound, or AmbiguousLead with a list to pick from.

        A first word that is a number is that lead. Otherwise the longest run of leading words that names a lead
        decides: a company's whole name (an open lead's, then a closed one's), else an unambiguous piece of an
        open lead's name — the user's own leads first, then everyone's (`bot.text.lead_ref`).
        """
        with self.db.read() as uow:
            lead, rest = _resolve(uow.session, team_id, text, user_id, with_rest=True)
            return Reference(lead.number, rest)

    def open_lead_for_company(self, team_id: str, company: str) -> LeadView | None:
        policy = self.policy_for(team_id)
        with self.db.read() as uow:
            lead = open_lead_by_key(uow.session, team_id, company_key(company))
            return None if lead is None else lead_view(policy, lead)

    def list_open(self, team_id: str, owner_id: str | None = None, limit: int = 40) -> LeadPage:
        policy = self.policy_for(team_id)
        count, page = _OWNERS_OPEN if owner_id else _TEAMS_OPEN
        values = {"team_id": team_id, "owner_id": owner_id, "limit": limit}
        # Plain rows compiled once, not Lead objects in a session: the ORM's bookkeeping, then SQLAlchemy's
        # execution, were most of `/lead list`'s CPU.
        goal, minimum = policy.touch_goal, policy.min_touches
        rows = self.db.plain_rows(page, values)
        if count is None:  # the total is each row's last column
            return LeadPage(tuple(ListLine(*row[:-1], goal, minimum) for row in rows), rows[0][-1] if rows else 0)
        total = self.db.plain_rows(count, values)[0][0]
        return LeadPage(tuple(ListLine(*row, goal, minimum) for row in rows), total or 0)

    def page(
        self, team_id: str, *, status: str | None = None, owner_id: str | None = None,
        updated_since: datetime | None = None, after: int = 0, limit: int = 200,
    ) -> list[LeadView]:
        """Leads by number, those after number `after` first: one page of a listing an integration walks through.

        Ordered by number, so that a lead changed while the pages are read is neither skipped nor shown twice.
        """
        policy = self.policy_for(team_id)
        where = [Lead.team_id == team_id, Lead.number > after]
        if status is not None:
            where.append(Lead.status == status)
        if owner_id is not None:
            where.append(Lead.owner_id == owner_id)
        if updated_since is not None:
            where.append(Lead.updated_at >= updated_since)
        with self.db.read() as uow:
            rows = uow.session.scalars(select(Lead).where(*where).order_by(Lead.number).limit(limit))
            return [lead_view(policy, lead) for lead in rows]

    def first_follow_up(self, team_id: str, owner_id: str, today: date) -> date:
        """A new lead's first follow-up: the cadence's first step, on its owner's working day."""
        return self.policy_for(team_id).next_follow_up(0, today, self.calendar_of(team_id, owner_id))

    # -- changing --------------------------------------------------------------------------

    def editable(self, team_id: str, ref: str, user_id: str) -> LeadView:
        """The lead, if `user_id` may change it now: refused for anyone but its owner or an admin, or when closed.

        For entry points that show a form first: the change itself is checked again when it is saved.
        """
        policy = self.policy_for(team_id)
        with self.db.read() as uow:
            return lead_view(policy, self._load_changeable(uow.session, team_id, ref, user_id, policy))

    def capture_form(self, team_id: str, form: NewLeadForm, captured_by: str, now: datetime, tz: str) -> LeadView:
        """Save a new lead from the form's strings; FormInvalid names every bad field at once."""
        draft = check_new_lead(form, captured_by, local_today(now, tz))
        return self.capture(team_id, draft, captured_by, now, tz)

    def capture(
        self, team_id: str, draft: LeadDraft, captured_by: str, now: datetime, tz: str | None = None
    ) -> LeadView:
        """Save a new lead, unless its company already has an open one or the draft breaks a rule (FormInvalid).

        `tz` is the capturer's time zone, for what "today" is; the team's when not given.
        """
        policy = self.policy_for(team_id)
        problems = draft_problems(draft, local_today(now, tz or policy.team_tz))
        if problems:
            raise FormInvalid(problems)
        key = company_key(draft.company)
        with self.db.uow() as uow:
            session = uow.session
            existing = open_lead_by_key(session, team_id, key)
            if existing is not None:
                raise DuplicateLead(lead_view(policy, existing))
            lead = add_lead(session, team_id, draft, captured_by, now)
            self._flush_or_show_twin(session, team_id, key, policy)
            emit_lead(session, policy, lead, "lead.created", captured_by, now)
            view = self._with_calendar(session, policy, lead)
            uow.commit()
            return view

    def update_details(
        self, team_id: str, ref: str, user_id: str, form: NewLeadForm, now: datetime, tz: str
    ) -> LeadView:
        """Correct what a lead says (company, contact, situation, notes, next date); the owner stays.

        Used after an inbound enquiry became a lead with a placeholder company, so the
        one-open-lead-per-company rule applies to the corrected name too. The next date must
        not be in the past, except that an overdue lead may keep the date it has.
        """
        policy = self.policy_for(team_id)
        with self.db.uow() as uow:
            session = uow.session
            lead = self._load_changeable(session, team_id, ref, user_id, policy)
            draft = check_new_lead(form, lead.owner_id, local_today(now, tz), may_stay=lead.next_follow_up_on)
            key = company_key(draft.company)
            if key != lead.company_key:
                existing = open_lead_by_key(session, team_id, key)
                if existing is not None:
                    raise DuplicateLead(lead_view(policy, existing))
            lead.company = draft.company
            lead.company_key = key
            lead.account_key = account_key(draft.company)
            lead.contact_name = draft.contact_name
            lead.contact_role = draft.contact_role
            if form.contact_email is not None:  # None: a form sent before the field existed; the address stays
                set_contact_email(lead, draft.contact_email)
            lead.source = draft.source
            lead.asked_for = draft.asked_for
            lead.situation = draft.situation
            lead.discovery_notes = draft.discovery_notes
            fill_from_notes(lead)
            lead.claimed_potential = draft.claimed_potential
            lead.potential_unit = draft.potential_unit
            if draft.first_follow_up_on != lead.next_follow_up_on:
                lead.next_follow_up_on = draft.first_follow_up_on
                lead.buyer_date = None
            lead.updated_at = now
            schedule_nudge(lead)
            self._flush_or_show_twin(session, team_id, key, policy)
            emit_lead(session, policy, lead, "lead.updated", user_id, now)
            view = self._with_calendar(session, policy, lead)
            uow.commit()
            return view

    def set_source_link(self, team_id: str, number: int, link: str | None) -> None:
        """Remember the Slack message a lead came from (fetched after the lead was saved)."""
        if not link:
            return
        with self.db.uow() as uow:
            uow.session.execute(
                update(Lead).where(Lead.team_id == team_id, Lead.number == number).values(source_link=link[:512])
            )
            uow.commit()

    def log_touch(
        self,
        team_id: str,
        ref: str,
        user_id: str,
        kind: str,
        note: str,
        now: datetime,
        tz: str,
        buyer_said: str = "",
        next_on: date | None = None,
        *,
        source: str = TYPED,
        at: datetime | None = None,
        answers: Answers | None = None,
    ) -> LeadView:
        """Record a follow-up and move the lead to its next cadence step (or the buyer's date).

        `kind` is one of TOUCH_KINDS, or "other" when the rep named none; `next_on` may not be in the past.
        A date in what the buyer said ("Decision on 14 Dec") becomes the next follow-up unless the rep
        picked another: `next_on` left at the cadence's date (or not given) means they did not.
        `at` is when the follow-up happened (an email's Date), `now` when it is logged; the cadence counts from
        `at`. `source` says where it came from (TYPED, EMAIL, CHANNEL). Only the owner or an admin may log.
        `answers` is what the form says of the buyer's background and situation, saved onto the lead with it.
        """
        policy = self.policy_for(team_id)
        problems: dict[str, tuple[str, dict]] = {}
        if kind not in (*TOUCH_KINDS, "other"):
            problems["kind"] = ("field.required", {})
        if next_on is not None and next_on < local_today(now, tz):
            problems["next_follow_up"] = ("field.date_past", {})
        problems.update(self._answer_problems(answers))
        if problems:
            raise FormInvalid(problems)
        with self.db.uow() as uow:
            lead = self._load_changeable(uow.session, team_id, ref, user_id, policy)
            if answers is not None:
                apply_answers(lead, answers)
            calendar = record_touch(
                uow.session, policy, lead, user_id, kind, note, now, tz,
                buyer_said=buyer_said, next_on=next_on, source=source, at=at,
            )
            view = lead_view(policy, lead, rest_day=not calendar.is_working_day(lead.next_follow_up_on))
            uow.commit()
            return view

    def log_touch_from(
        self,
        team_id: str,
        lead_id: int,
        user_id: str,
        kind: str,
        note: str,
        at: datetime,
        source: str,
        now: datetime | None = None,
    ) -> LeadView | None:
        """Record a follow-up nobody typed: an email a rep sent the buyer (source EMAIL), a message in a channel
        shared with the customer (CHANNEL). None when the lead is gone, closed meanwhile, or captured after `at`.

        In a transaction of its own; `log_touch_in` does the same inside the caller's (to write it together with
        the record that the mail was handled). See `log_touch_in` for the rules.
        """
        policy = self.policy_for(team_id)
        with self.db.uow() as uow:
            lead = log_touch_in(uow.session, policy, team_id, lead_id, user_id, kind, note, at, source, now)
            if lead is None:
                return None
            view = lead_view(policy, lead)
            uow.commit()
            return view

    def snooze(self, team_id: str, ref: str, user_id: str, days: int, now: datetime, tz: str) -> LeadView:
        """Push the next follow-up out by `days` without counting a touch, onto the owner's next working day."""
        return self._set_next(
            team_id, ref, user_id, now, tz, lambda today, _calendar: (today + timedelta(days=days), False)
        )

    def reschedule(self, team_id: str, ref: str, user_id: str, typed: str, now: datetime, tz: str) -> LeadView:
        """Move the next follow-up to a date as the rep typed it (`/lead snooze 12 next week`), no touch counted.

        A bare number is days (`3`). Dates counted from today ("tomorrow", "3 days", "2w", "next week") move on
        to the owner's next working day; dates the rep named ("monday", "12/15", "12月15日") are kept as named.
        """
        text = typed.strip()
        if text.isdigit() and 0 < int(text) <= 999:
            return self.snooze(team_id, ref, user_id, int(text), now, tz)

        def read(today: date, calendar: WorkCalendar) -> tuple[date, bool]:
            found = parse_when(text, today, calendar)
            if found is None:
                raise LeadbotError("error.snooze_unreadable", text=text)
            return found.moved_from or found.day, not found.relative

        return self._set_next(team_id, ref, user_id, now, tz, read)

    def set_next_date(
        self, team_id: str, ref: str, user_id: str, day: date, now: datetime, tz: str, buyer_said: bool = False
    ) -> LeadView:
        """Move the next follow-up to `day`, kept as given (a rest day too): the rep's pick, or the buyer's date."""
        return self._set_next(team_id, ref, user_id, now, tz, lambda _today, _calendar: (day, True), buyer_said)

    def _set_next(
        self, team_id: str, ref: str, user_id: str, now: datetime, tz: str,
        day_of: Callable[[date, WorkCalendar], tuple[date, bool]], buyer_said: bool = False,
    ) -> LeadView:
        """Set the next follow-up to the day `day_of(today, owner's calendar)` gives; unless it says to keep the
        day as given, a rest day moves on to the owner's next working day."""
        policy = self.policy_for(team_id)
        today = local_today(now, tz)
        with self.db.uow() as uow:
            lead = self._load_changeable(uow.session, team_id, ref, user_id, policy)
            calendar = owner_calendar(uow.session, team_id, lead.owner_id, policy.calendar)
            day, keep = day_of(today, calendar)
            if day < today:
                raise LeadbotError("field.date_past")
            moved = None
            if not keep and not calendar.is_working_day(day):
                day, moved = calendar.next_working_day(day), day
            lead.next_follow_up_on = day
            lead.buyer_date = day if buyer_said else None
            # A snooze or a date answers the nudge: the manager hears only of nudges nobody acted on.
            lead.nudges_unanswered = 0
            lead.updated_at = now
            answer_replies(uow.session, lead, now, SNOOZE)  # the owner saw the buyer's reply and chose a date
            schedule_nudge(lead)
            emit_lead(uow.session, policy, lead, "lead.updated", user_id, now)
            view = lead_view(policy, lead, rest_day=not calendar.is_working_day(day), moved_from=moved)
            uow.commit()
            return view

    def buyer_said_later(self, team_id: str, ref: str, user_id: str, day: date, now: datetime, tz: str) -> LeadView:
        """*Buyer said later*: the rep spoke to the buyer, who named `day`. A contact, so it counts as a follow-up."""
        policy = self.policy_for(team_id)
        if day < local_today(now, tz):
            raise LeadbotError("field.date_past")
        with self.db.uow() as uow:
            lead = self._load_changeable(uow.session, team_id, ref, user_id, policy)
            touch = Touch(
                team_id=team_id, lead_id=lead.id, kind=BUYER_NAMED_DATE, note="", buyer_said="", logged_by=user_id,
                logged_at=now, source=TYPED,
            )
            uow.session.add(touch)
            lead.touch_count += 1
            lead.last_touch_at = now
            lead.nudges_unanswered = 0
            lead.next_follow_up_on = lead.buyer_date = day  # the buyer's date, kept as they named it
            lead.updated_at = now
            answer_replies(uow.session, lead, now, SAID_LATER)
            schedule_nudge(lead)
            emit_lead(uow.session, policy, lead, "touch.logged", user_id, now, touch=touch)
            view = self._with_calendar(uow.session, policy, lead)
            uow.commit()
            return view

    def win(
        self, team_id: str, ref: str, user_id: str, now: datetime, value: str | None = None, currency: str = ""
    ) -> LeadView:
        """Close as won, with the deal's value if the rep gave one (`1.2万`, `24,000`; in `currency`, the team's,
        unless the text names another). Winning a lead that is already won changes nothing and is no error."""
        policy = self.policy_for(team_id)
        amount = None
        if value and value.strip():
            try:
                amount = parse_amount(value)
            except AmountError:
                raise FormInvalid({"won_value": ("field.won_value_not_amount", {})}) from None
        with self.db.uow() as uow:
            lead = self._load(uow.session, team_id, ref, user_id)
            if lead.status == WON and (user_id == lead.owner_id or policy.is_admin(user_id)):
                return lead_view(policy, lead)  # a double click or a retried action: already done
            lead = self._load_changeable(uow.session, team_id, ref, user_id, policy)
            _close(lead, WON, now)
            if amount is not None:
                lead.won_value, lead.won_currency = amount.value, amount.currency or currency or None
            emit_lead(uow.session, policy, lead, "lead.won", user_id, now)
            view = lead_view(policy, lead)
            uow.commit()
            return view

    def reopen(self, team_id: str, ref: str, user_id: str, now: datetime, tz: str) -> LeadView:
        """Open a won lead again, within REOPEN_DAYS of winning it: by its owner or an admin.

        It comes back on the cadence step its follow-ups had reached, counted from today.
        """
        policy = self.policy_for(team_id)
        with self.db.uow() as uow:
            session = uow.session
            lead = self._load(session, team_id, ref, user_id)
            if user_id != lead.owner_id and not policy.is_admin(user_id):
                raise NotAllowed(lead.number, lead.owner_id)
            if lead.status != WON:
                raise LeadbotError("error.reopen_not_won", number=lead.number, company=lead.company)
            if lead.closed_at is None or now - lead.closed_at > timedelta(days=REOPEN_DAYS):
                raise LeadbotError("error.reopen_too_late", number=lead.number, days=REOPEN_DAYS)
            existing = open_lead_by_key(session, team_id, lead.company_key)
            if existing is not None:
                raise DuplicateLead(lead_view(policy, existing))
            lead.status = OPEN
            lead.closed_at = None
            lead.won_value = lead.won_currency = None
            calendar = owner_calendar(session, team_id, lead.owner_id, policy.calendar)
            lead.next_follow_up_on = policy.next_follow_up(lead.touch_count, local_today(now, tz), calendar)
            lead.nudges_unanswered = 0
            lead.updated_at = now
            schedule_nudge(lead)
            emit_lead(session, policy, lead, "lead.updated", user_id, now)
            view = lead_view(policy, lead)
            uow.commit()
            return view

    def lose(
        self, team_id: str, ref: str, user_id: str, reason: str, note: str, now: datetime, keep_refused: bool = True
    ) -> LeadView:
        """Close as lost; "only wanted a proposal" needs the minimum follow-ups first.

        A refusal in Slack is counted for the team summary and keeps the rep's note on the lead; with
        `keep_refused=False` (the HTTP API, where a refused request changes nothing) it writes nothing.
        """
        policy = self.policy_for(team_id)
        if reason not in LOST_REASONS:
            raise LeadbotError("error.lost_reason_unknown", reasons=", ".join(LOST_REASON_WORDS))
        with self.db.uow() as uow:
            lead = self._load_changeable(uow.session, team_id, ref, user_id, policy)
            minimum = policy.min_touches
            if reason == "went_silent" and lead.touch_count < minimum:
                if not keep_refused:
                    raise TooFewTouches(lead_view(policy, lead), minimum, note_kept=False)
                # Counted for the team summary: how often the bot kept a lead alive.
                uow.session.add(Refusal(team_id=team_id, lead_number=lead.number, user_id=user_id, at=now))
                if note.strip():
                    # What the rep wrote is kept on the lead's notes (not as a follow-up: it would count).
                    lead.discovery_notes = _with_note(lead.discovery_notes, note.strip(), now)
                    lead.updated_at = now
                view = lead_view(policy, lead)
                uow.commit()
                raise TooFewTouches(view, minimum, note_kept=bool(note.strip()))
            _close(lead, LOST, now)
            lead.lost_reason = reason
            lead.lost_note = note
            emit_lead(uow.session, policy, lead, "lead.lost", user_id, now)
            view = lead_view(policy, lead)
            uow.commit()
            return view

    def lose_as_typed(self, team_id: str, ref: str, user_id: str, text: str, now: datetime) -> LeadView:
        """Close as lost for the reason `text` names anywhere, in English or Chinese ("they went with a cheaper
        supplier", "客户选了别家"); the rest is the note. Text that names no reason raises ReasonNeeded: ask why."""
        found = find_lost_reason(text)
        if found is None:
            raise ReasonNeeded(self.editable(team_id, ref, user_id), text.strip())
        return self.lose(team_id, ref, user_id, found.code, found.note, now)

    def assign(self, team_id: str, ref: str, user_id: str, new_owner: str, now: datetime) -> LeadView:
        policy = self.policy_for(team_id)
        with self.db.uow() as uow:
            lead = self._load_changeable(uow.session, team_id, ref, user_id, policy)
            lead.owner_id = new_owner
            lead.needs_new_owner = False
            lead.nudges_unanswered = 0
            lead.updated_at = now
            schedule_nudge(lead)
            emit_lead(uow.session, policy, lead, "lead.assigned", user_id, now)
            view = lead_view(policy, lead)
            uow.commit()
            return view

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _answer_problems(answers: Answers | None) -> dict[str, tuple[str, dict]]:
        """What is wrong with the background and situation a follow-up form sent, by field."""
        if answers is None:
            return {}
        problems = answer_problems(answers)
        if answers.situation is not None and answers.situation not in SITUATIONS:
            problems["situation"] = ("field.required", {})
        return problems

    def _flush_or_show_twin(self, session: Session, team_id: str, key: str, policy: Policy) -> None:
        """Write now; if someone saved the same company a moment ago, show theirs instead."""
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            existing = open_lead_by_key(session, team_id, key)
            if existing is None:
                raise
            raise DuplicateLead(lead_view(policy, existing)) from None

    def _load(self, session: Session, team_id: str, ref: str, user_id: str | None = None) -> Lead:
        return _resolve(session, team_id, ref, user_id, with_rest=False)[0]

    def _load_changeable(self, session: Session, team_id: str, ref: str, user_id: str, policy: Policy) -> Lead:
        lead = self._load(session, team_id, ref, user_id)
        if user_id != lead.owner_id and not policy.is_admin(user_id):
            raise NotAllowed(lead.number, lead.owner_id)
        if lead.status != OPEN:
            raise LeadClosed(lead.number, lead.company, lead.status)
        return lead

    def view(self, lead: Lead, with_touches: bool = False) -> LeadView:
        """A row loaded by another service, as the plain view handlers render."""
        return lead_view(self.policy_for(lead.team_id), lead, with_touches)

    def _with_calendar(self, session: Session, policy: Policy, lead: Lead) -> LeadView:
        """The view of a lead whose next follow-up a person just gave: noting when it is the owner's rest day."""
        calendar = owner_calendar(session, lead.team_id, lead.owner_id, policy.calendar)
        rest = lead.next_follow_up_on is not None and not calendar.is_working_day(lead.next_follow_up_on)
        return lead_view(policy, lead, rest_day=rest)

# Leading words tried as a company's name before the rest of a command: `/lead log Lakeside Packaging Inc. call …`.
REFERENCE_WORDS = 8


def _resolve(session: Session, team_id: str, text: str, user_id: str | None, with_rest: bool) -> tuple[Lead, str]:
    """The lead `text` (or, `with_rest`, its leading words) names, and the words after it; see LeadService.reference."""
    words = text.split()
    if not words:
        raise LeadNotFound(text.strip())
    number = lead_number(words[0])
    if number is not None and (with_rest or len(words) == 1):
        lead = session.scalar(select(Lead).where(Lead.team_id == team_id, Lead.number == number))
        if lead is None:
            raise LeadNotFound(words[0])
        return lead, _rest_after(text, 1) if with_rest else ""
    tries = [len(words)] if not with_rest else list(range(min(len(words), REFERENCE_WORDS), 0, -1))
    # Leading words joined again as typed (one space), longest first: `Lakeside Packaging Inc.`, `Lakeside Packaging`…
    prefixes = [(" ".join(words[:n]), _rest_after(text, n)) for n in tries]
    named = _named_exactly(session, team_id, [company_key(p) for p, _ in prefixes])
    candidates = _open_candidates(session, team_id, words[0])
    for prefix, rest in prefixes:
        lead = named.get(company_key(prefix))
        if lead is not None:
            return lead, rest
        found = resolve_lead(prefix, candidates, user_id)
        if isinstance(found, Found):
            return session.scalar(
                select(Lead).where(Lead.team_id == team_id, Lead.number == found.lead.number)
            ), rest
        if isinstance(found, Ambiguous):
            raise AmbiguousLead(prefix, tuple((c.number, c.company) for c in found.choices), found.more)
    raise LeadNotFound(text.strip() if not with_rest else words[0])


def _rest_after(text: str, count: int) -> str:
    """`text` without its first `count` words, its own spacing and line breaks kept."""
    rest = text.strip()
    for _ in range(count):
        parts = rest.split(maxsplit=1)
        rest = parts[1] if len(parts) > 1 else ""
    return rest.strip()


def _named_exactly(session: Session, team_id: str, keys: list[str]) -> dict[str, Lead]:
    """Company key → the lead with exactly that name: the open one, else the latest closed one."""
    found: dict[str, Lead] = {}
    rows = session.scalars(
        select(Lead)
        .where(Lead.team_id == team_id, Lead.company_key.in_(sorted(set(keys))))
        .order_by((Lead.status == OPEN).desc(), Lead.created_at.desc())
    )
    for lead in rows:
        found.setdefault(lead.company_key, lead)
    return found


def _open_candidates(session: Session, team_id: str, first_word: str) -> list[Candidate]:
    """The open leads a piece of a name could mean: only those whose name holds the first piece typed."""
    pieces = name_pieces(first_word)
    if not pieces:
        return []
    rows = session.execute(
        select(Lead.number, Lead.company, Lead.owner_id).where(
            Lead.team_id == team_id, Lead.status == OPEN, Lead.account_key.contains(pieces[0], autoescape=True)
        )
    )
    return [Candidate(number, company, owner) for number, company, owner in rows]


def _open_leads(*where, total_in_page: bool = False) -> tuple[Select | None, Select]:
    """How many open leads match, and the first `limit` of them as LIST_COLUMNS, soonest follow-up first.

    With `total_in_page`, the count comes as a last column of every row instead of a statement of its own:
    one round trip, for a rep's own leads (a few hundred); a team's are too many to count beside each row.
    The count is a subquery, not a window over the rows: the page then stops at its `limit` rows, and the
    count reads only the index (on PostgreSQL, a rep with 200 open leads: 0.43 ms of the server's CPU, not 0.73).
    Built once with parameters: the same statement objects on every request spare SQLAlchemy rebuilding them.
    """
    where = (Lead.team_id == bindparam("team_id"), Lead.status == OPEN, *where)
    count = select(func.count()).select_from(Lead).where(*where)
    page = (
        select(*LIST_COLUMNS, *([count.scalar_subquery()] if total_in_page else []))
        .where(*where)
        .order_by(Lead.next_follow_up_on.asc().nulls_last(), Lead.created_at.asc())
        .limit(bindparam("limit"))
    )
    return (None if total_in_page else count), page


_TEAMS_OPEN = _open_leads()
_OWNERS_OPEN = _open_leads(Lead.owner_id == bindparam("owner_id"), total_in_page=True)


def add_lead(session: Session, team_id: str, draft: LeadDraft, captured_by: str, now: datetime) -> Lead:
    """A new open lead, numbered and scheduled, added to `session` (the caller checks for twins)."""
    lead = Lead(
        team_id=team_id,
        number=_next_number(session, team_id, now),
        company=draft.company,
        company_key=company_key(draft.company),
        account_key=account_key(draft.company),
        contact_name=draft.contact_name,
        contact_role=draft.contact_role,
        source=draft.source,
        asked_for=draft.asked_for,
        situation=draft.situation,
        discovery_notes=draft.discovery_notes,
        claimed_potential=draft.claimed_potential,
        potential_unit=draft.potential_unit,
        owner_id=draft.owner_id,
        created_by=captured_by,
        status=OPEN,
        lost_note="",
        touch_count=0,
        next_follow_up_on=draft.first_follow_up_on,
        nudges_unanswered=0,
        needs_new_owner=False,
        source_link=draft.source_link,
        created_at=now,
        updated_at=now,
    )
    set_contact_email(lead, draft.contact_email)
    fill_from_notes(lead)
    schedule_nudge(lead)
    session.add(lead)
    return lead


def set_contact_email(lead: Lead, address: str | None) -> None:
    """The contact's address and its domain, which mail is matched by (`bot.services.contacts`)."""
    address = parse_address(address)  # checked by draft_problems already; this lower-cases it
    lead.contact_email = address
    lead.contact_domain = domain_of(address) if address else None


def log_touch_in(
    session: Session, policy: Policy, team_id: str, lead_id: int, user_id: str, kind: str, note: str,
    at: datetime, source: str, now: datetime | None = None,
) -> Lead | None:
    """Record a follow-up nobody typed, in the caller's transaction. None when there is no lead to log it on: the
    lead is gone or closed, or was captured after `at` (mail exchanged before the lead existed was the enquiry
    itself, not a follow-up on it; counting it would also date the lead's last contact before its capture).

    `lead_id` is Lead.id (as `contacts.open_lead_for_addresses` returns it); `user_id` the member who wrote.
    Unlike `LeadService.log_touch` it is not refused for someone other than the owner or an admin: that rule is
    about who may *say* a follow-up happened, and here the mail or the channel shows that it did — a colleague
    who emailed the buyer did follow up. The cadence counts from `at` (the mail's Date), in the owner's time
    zone; `now` (when it is logged; `at` when not given) dates the change. The note is cut to LONG_TEXT_MAX.
    """
    if source not in TOUCH_SOURCES or source == TYPED:
        raise ValueError(f"log_touch_in is for follow-ups nobody typed, got source {source!r}")
    if kind not in (*TOUCH_KINDS, "other"):
        raise ValueError(f"unknown follow-up kind {kind!r}")
    lead = session.scalar(select(Lead).where(Lead.team_id == team_id, Lead.id == lead_id))
    if lead is None or lead.status != OPEN or at < lead.created_at:
        return None
    tz = session.scalar(select(Rep.tz).where(Rep.team_id == team_id, Rep.user_id == lead.owner_id))
    record_touch(
        session, policy, lead, user_id, kind, note[:LONG_TEXT_MAX], now or at, tz or policy.team_tz,
        source=source, at=at,
    )
    return lead


def record_touch(
    session: Session, policy: Policy, lead: Lead, user_id: str, kind: str, note: str, now: datetime, tz: str, *,
    buyer_said: str = "", next_on: date | None = None, source: str = TYPED, at: datetime | None = None,
    keep_buyer_date: bool = False,
) -> WorkCalendar:
    """Add a follow-up made at `at` (default `now`) to `lead` and move it on; returns the owner's calendar.

    The one place a follow-up is counted: every way of logging one (typed, from the mailbox, from a linked channel)
    goes through here, so whatever a follow-up changes is changed alike.
    A follow-up reported late (an email read days after it was sent) counts as made when it was made: the next
    step is counted from its day. One older than the lead's latest follow-up changes neither the latest contact
    nor the next date, since the later follow-up already moved the lead on from a later day.
    With `keep_buyer_date`, a date the buyer named that lies beyond the cadence's next step still stands (a chat in a
    linked channel does not undo "call me in March").
    """
    at = min(at or now, now)  # a mail dated ahead of our clock (a sender's wrong clock) happened by now at the latest
    calendar = owner_calendar(session, lead.team_id, lead.owner_id, policy.calendar)
    touch = Touch(
        team_id=lead.team_id, lead_id=lead.id, kind=kind, note=note, buyer_said=buyer_said, logged_by=user_id,
        logged_at=at, source=source,
    )
    session.add(touch)
    lead.touch_count += 1
    lead.nudges_unanswered = 0
    lead.updated_at = now
    latest = lead.last_touch_at is None or at >= lead.last_touch_at
    if latest:
        lead.last_touch_at = at
    if latest or next_on is not None:
        # The cadence's step lands on the owner's working day; a date the rep picked is kept as picked.
        day = local_today(at, tz)
        cadence_date = policy.next_follow_up(lead.touch_count, day, calendar)
        named = date_in_text(buyer_said, day)
        if named is not None and next_on in (None, cadence_date):
            next_on = named.day  # the buyer's own date, kept as they said it (a rest day too)
        if keep_buyer_date and next_on is None and lead.buyer_date is not None and lead.buyer_date > cadence_date:
            next_on = lead.buyer_date
        lead.next_follow_up_on = next_on or cadence_date
        lead.buyer_date = next_on if next_on and next_on != cadence_date else None
    # The buyer who wrote before this follow-up has been answered, however the follow-up was logged.
    answer_replies(session, lead, at, FOLLOW_UP)
    schedule_nudge(lead)
    emit_lead(session, policy, lead, "touch.logged", user_id, now, touch=touch)
    return calendar


def open_lead_by_key(session: Session, team_id: str, key: str) -> Lead | None:
    return session.scalar(select(Lead).where(Lead.team_id == team_id, Lead.company_key == key, Lead.status == OPEN))


def _next_number(session: Session, team_id: str, now: datetime) -> int:
    """The team's next lead number; the row update serialises concurrent captures."""
    insert_ignore(session, Team, {"team_id": team_id, "last_lead_number": 0, "created_at": now})
    return session.scalar(
        update(Team)
        .where(Team.team_id == team_id)
        .values(last_lead_number=Team.last_lead_number + 1)
        .returning(Team.last_lead_number)
    )


def schedule_nudge(lead: Lead) -> None:
    """Mark when the scheduler should first look at this lead: once its follow-up date may have passed.

    The owner's time zone and working hours are applied by the scheduler, which may push
    this later; here we only need an instant that is never too late.
    """
    if lead.status != OPEN or lead.next_follow_up_on is None or lead.reply_waiting_since is not None:
        # A lead whose buyer wrote back waits for its owner's answer, not for a nudge: it is not quiet.
        lead.nudge_due_at = None
    else:
        lead.nudge_due_at = earliest_day_start(lead.next_follow_up_on + timedelta(days=1))


def _with_note(notes: str, note: str, now: datetime) -> str:
    """The lead's notes with a dated line added, within LONG_TEXT_MAX (the oldest text gives way)."""
    combined = f"{notes}\n{now.date().isoformat()}: {note}".strip()
    return combined[-LONG_TEXT_MAX:]


def _close(lead: Lead, status: str, now: datetime) -> None:
    lead.status = status
    lead.closed_at = now
    lead.updated_at = now
    lead.next_follow_up_on = None
    lead.buyer_date = None
    lead.nudge_due_at = None
