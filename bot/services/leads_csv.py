"""Leads from a spreadsheet or another CRM: every row is checked first, then all are written in one transaction."""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Callable, Iterable, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.errors import LeadbotError
from bot.services.background import COLUMNS as BACKGROUND_COLUMNS
from bot.services.background import PART_MAX, fill_from_notes
from bot.services.leads import (
    LONG_TEXT_MAX,
    LOST_REASON_WORDS,
    LOST_REASONS,
    SHORT_TEXT_MAX,
    SITUATIONS,
    SOURCES,
    parse_potential,
    schedule_nudge,
    set_contact_email,
)
from bot.services.policy import Policy
from bot.services.webhooks import IMPORT, emit_lead, listening
from bot.store.database import Database
from bot.store.models import LOST, OPEN, WON, Lead, Team
from bot.store.upsert import insert_ignore
from bot.text.amounts import AmountError, parse_amount, parse_currency
from bot.text.background import PARTS
from bot.text.company_names import COMPANY_MAX, account_key, clean_text, company_key
from bot.text.csv_cells import restore
from bot.text.email_address import AddressError, parse_address

REQUIRED = ("company", "contact", "source", "asked_for", "owner", "created_on")
OPTIONAL = (
    "last_touch_on", "touches", "next_follow_up", "situation", "claimed_potential", "status", "contact_email",
)
# Written by `leadbot export` as well, so an exported leads file reads back whole.
EXTRA = (
    "number", "contact_role", "potential_unit", "discovery_notes", "lost_reason", "closed_on", "source_link",
    "won_value", "won_currency", *(f"background_{part}" for part in PARTS),
)
COLUMNS = REQUIRED + OPTIONAL + EXTRA

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_TOUCHES = 10_000

# An owner column value → the Slack user id, None when Slack knows no such person.
OwnerLookup = Callable[[str], "str | None"]
Progress = Callable[[int, int], None]


class BadRow(ValueError):
    """The first row that cannot be imported; nothing from the file is written."""

    def __init__(self, line: int, why: str) -> None:
        super().__init__(f"line {line}: {why}")
        self.line = line
        self.why = why


@dataclass(frozen=True)
class ImportRow:
    line: int
    company: str
    contact_name: str
    contact_role: str
    source: str
    asked_for: str
    owner_id: str
    created_on: date
    last_touch_on: date | None
    touches: int
    next_follow_up: date | None
    situation: str
    claimed_potential: Decimal | None
    potential_unit: str
    status: str
    lost_reason: str | None
    closed_on: date | None
    discovery_notes: str
    source_link: str | None
    number: int | None
    won_value: Decimal | None = None
    won_currency: str | None = None
    contact_email: str | None = None
    background: tuple[tuple[str, str], ...] = ()  # (part, what is known) for the parts the file gives

    @property
    def key(self) -> str:
        return company_key(self.company)


@dataclass(frozen=True)
class ParsedFile:
    rows: tuple[ImportRow, ...]
    ignored_columns: tuple[str, ...]


@dataclass(frozen=True)
class ImportResult:
    added: int
    already_there: int
    # Open in the file, but the company already has an open lead in leadbot: (line, company, lead number).
    open_elsewhere: tuple[tuple[int, str, int], ...] = ()


def parse_leads_csv(
    stream: TextIO, today: date, owner_of: OwnerLookup, progress: Progress | None = None, total: int = 0
) -> ParsedFile:
    """Read and check every row, in file order; the first problem raises BadRow naming its line."""
    reader = csv.reader(stream)
    try:
        return _parse(reader, today, owner_of, progress, total)
    except csv.Error as error:
        raise BadRow(max(reader.line_num, 1), f"not readable as CSV ({error})") from None


def _parse(reader, today: date, owner_of: OwnerLookup, progress: Progress | None, total: int) -> ParsedFile:
    try:
        header = next(reader)
    except StopIteration:
        raise BadRow(1, "the file is empty; the first line must name the columns") from None
    names = [clean_text(name).lower().replace(" ", "_") for name in header]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise BadRow(1, f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                        f"(the columns are {', '.join(REQUIRED)}, optionally {', '.join(OPTIONAL)})")
    repeated = sorted({name for name in names if names.count(name) > 1 and name in COLUMNS})
    if repeated:
        raise BadRow(1, f"the column {repeated[0]} appears twice")
    ignored = tuple(name for name in names if name and name not in COLUMNS)
    rows: list[ImportRow] = []
    seen_open: dict[str, int] = {}
    seen_identity: dict[tuple[str, date], int] = {}
    previous_end = reader.line_num
    for cells in reader:
        line, previous_end = previous_end + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(names):
            raise BadRow(line, f"{len(cells)} values but only {len(names)} columns; quote values that contain commas")
        # A short row (a spreadsheet drops trailing empty cells) leaves the rest empty.
        # `restore`: a cell `export` guarded against running as a formula (`'=…`) imports as it was.
        values = {
            name: clean_text(restore(cell)) for name, cell in zip(names, cells, strict=False) if name in COLUMNS
        }
        row = _row(line, values, today, owner_of)
        identity = (row.key, row.created_on)
        if identity in seen_identity:
            raise BadRow(
                line, f"{row.company} created on {row.created_on} is already on line {seen_identity[identity]}"
            )
        seen_identity[identity] = line
        if row.status == OPEN:
            if row.key in seen_open:
                raise BadRow(line, f"{row.company} is already open on line {seen_open[row.key]}; "
                                   "leadbot keeps one open lead per company")
            seen_open[row.key] = line
        rows.append(row)
        if progress:
            progress(len(rows), total)
    return ParsedFile(tuple(rows), ignored)


def _row(line: int, values: dict[str, str], today: date, owner_of: OwnerLookup) -> ImportRow:
    def problem(why: str) -> BadRow:
        return BadRow(line, why)

    company = values.get("company", "")
    if not company:
        raise problem("company is empty")
    if len(company) > COMPANY_MAX:
        raise problem(f"company has {len(company)} characters; at most {COMPANY_MAX}")
    for name, limit in (("contact", SHORT_TEXT_MAX), ("contact_role", SHORT_TEXT_MAX),
                        ("potential_unit", SHORT_TEXT_MAX), ("asked_for", LONG_TEXT_MAX),
                        ("discovery_notes", LONG_TEXT_MAX), ("source_link", 512),
                        *((f"background_{part}", PART_MAX) for part in PARTS)):
        if len(values.get(name, "")) > limit:
            raise problem(f"{name} has {len(values[name])} characters; at most {limit}")
    source = _choice(values.get("source", ""), SOURCES, "source", problem)
    situation = _choice(values.get("situation") or "unknown", SITUATIONS, "situation", problem)
    created_on = _date(values.get("created_on", ""), "created_on", problem)
    if created_on is None:
        raise problem("created_on is empty; give the date the enquiry came in, like 2026-03-31")
    if created_on > today:
        raise problem(f"created_on {created_on} is in the future")
    last_touch_on = _date(values.get("last_touch_on", ""), "last_touch_on", problem)
    if last_touch_on is not None and not created_on <= last_touch_on <= today:
        raise problem(f"last_touch_on {last_touch_on} must be between created_on ({created_on}) and today")
    touches = _count(values.get("touches", ""), problem)
    if touches is None:
        touches = 1 if last_touch_on else 0
    if touches and last_touch_on is None:
        raise problem(f"touches is {touches} but last_touch_on is empty; when was the last follow-up?")
    if last_touch_on and not touches:
        raise problem("last_touch_on is set but touches is 0")
    status = (values.get("status") or OPEN).lower()
    if status not in (OPEN, WON, LOST):
        raise problem(f"status must be open, won or lost, got {values['status']!r}")
    lost_reason = None
    if status == LOST:
        word = values.get("lost_reason", "").lower()
        lost_reason = word if word in LOST_REASONS else LOST_REASON_WORDS.get(word, "other")
    closed_on = _date(values.get("closed_on", ""), "closed_on", problem) if status != OPEN else None
    try:
        potential = parse_potential(values.get("claimed_potential"))
    except LeadbotError:
        raise problem(f"claimed_potential must be a number of 0 or more, got {values['claimed_potential']!r}") from None
    number = _count(values.get("number", ""), problem, "number", maximum=2_000_000_000)
    won_value, won_currency = None, None
    if status == WON and values.get("won_value"):
        try:
            won = parse_amount(values["won_value"])
        except AmountError:
            raise problem(f"won_value must be an amount such as 24000 or 1.2万, got {values['won_value']!r}") from None
        won_value, won_currency = won.value, parse_currency(values.get("won_currency", "")) or won.currency
    try:
        contact_email = parse_address(values.get("contact_email"))
    except AddressError as error:
        why = "holds several addresses; give one" if str(error) == "field.email_one_only" else "is not an email address"
        raise problem(f"contact_email {why}, got {values['contact_email']!r}") from None
    return ImportRow(
        line=line,
        company=company,
        contact_name=values.get("contact", ""),
        contact_role=values.get("contact_role", ""),
        source=source,
        asked_for=values.get("asked_for", ""),
        owner_id=_owner(values.get("owner", ""), owner_of, problem),
        created_on=created_on,
        last_touch_on=last_touch_on,
        touches=touches,
        next_follow_up=_date(values.get("next_follow_up", ""), "next_follow_up", problem) if status == OPEN else None,
        situation=situation,
        claimed_potential=potential,
        potential_unit=values.get("potential_unit", ""),
        status=status,
        lost_reason=lost_reason,
        closed_on=closed_on,
        discovery_notes=values.get("discovery_notes", ""),
        source_link=values.get("source_link") or None,
        number=number or None,
        won_value=won_value,
        won_currency=won_currency,
        contact_email=contact_email,
        background=tuple(
            (part, known) for part in PARTS if (known := values.get(f"background_{part}", "").strip())
        ),
    )


def _choice(raw: str, allowed: tuple[str, ...], name: str, problem) -> str:
    # Spreadsheets say "Trade show"; leadbot says trade_show.
    value = re.sub(r"[\s-]+", "_", raw.strip().lower())
    if value not in allowed:
        raise problem(f"{name} must be one of {', '.join(allowed)}; got {raw!r}")
    return value


def _date(raw: str, name: str, problem) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(raw).date()  # a spreadsheet's "2026-03-31 00:00:00"
    except ValueError:
        raise problem(f"{name} must be a date like 2026-03-31, got {raw!r}") from None


def _count(raw: str, problem, name: str = "touches", maximum: int = MAX_TOUCHES) -> int | None:
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise problem(f"{name} must be a whole number, got {raw!r}") from None
    if not 0 <= value <= maximum:
        raise problem(f"{name} must be between 0 and {maximum}, got {raw!r}")
    return value


def _owner(raw: str, owner_of: OwnerLookup, problem) -> str:
    if not raw:
        raise problem("owner is empty; give a Slack user id (U…) or the owner's email")
    if _USER_ID.match(raw):
        return raw
    if not _EMAIL.match(raw):
        raise problem(f"owner must be a Slack user id such as U012ABCDEF or an email, got {raw!r}")
    found = owner_of(raw)
    if found is None:
        raise problem(f"no Slack user in this workspace has the email {raw}")
    return found


class LeadImporter:
    """Writes checked rows as leads: all or nothing, and a row leadbot already has is not added again.

    A lead is "already there" when the team has a lead for the same company (folded the
    way company names always are) created on the same day in the team's time zone —
    true for a re-import of the same file and for a file `leadbot export` wrote.
    """

    def __init__(self, db: Database, policy: Policy) -> None:
        self.db = db
        self.policy = policy

    def write(
        self, team_id: str, rows: Iterable[ImportRow], now: datetime, progress: Progress | None = None
    ) -> ImportResult:
        rows = list(rows)
        zone = ZoneInfo(self.policy.team_tz)
        with self.db.uow() as uow:
            session = uow.session
            last_number = _lock_numbers(session, team_id, now)
            known = session.execute(
                select(Lead.company_key, Lead.created_at, Lead.status, Lead.number).where(Lead.team_id == team_id)
            ).all()
            identities = {(key, created_at.astimezone(zone).date()) for key, created_at, _, _ in known}
            open_numbers = {key: number for key, _, status, number in known if status == OPEN}
            used = {number for _, _, _, number in known}
            new: list[tuple[ImportRow, Lead]] = []
            already, open_elsewhere = 0, []
            for row in rows:
                if (row.key, row.created_on) in identities:
                    already += 1
                elif row.status == OPEN and row.key in open_numbers:
                    open_elsewhere.append((row.line, row.company, open_numbers[row.key]))
                else:
                    new.append((row, self._lead(team_id, row, zone, now)))
            # Keep the file's numbers where they are free (an exported file keeps its #12); number the rest after.
            wanted = Counter(row.number for row, _ in new if row.number)
            for row, lead in new:
                if row.number and row.number not in used and wanted[row.number] == 1:
                    lead.number = row.number
                    used.add(row.number)
            next_number = max([last_number, *used]) if used else last_number
            for done, (_, lead) in enumerate(new, 1):
                if lead.number is None:
                    next_number += 1
                    lead.number = next_number
                session.add(lead)
                if progress:
                    progress(done, len(new))
            top = max([last_number, *(lead.number for _, lead in new)])
            session.execute(update(Team).where(Team.team_id == team_id).values(last_lead_number=top))
            session.flush()
            endpoints = listening(session, team_id, now)  # once for the file, not once a row
            for _, lead in new if endpoints else ():
                emit_lead(session, self.policy, lead, "lead.created", IMPORT, now, endpoints=endpoints)
            uow.commit()
        return ImportResult(len(new), already, tuple(open_elsewhere))

    def _lead(self, team_id: str, row: ImportRow, zone: ZoneInfo, now: datetime) -> Lead:
        def start_of(day: date) -> datetime:
            return datetime.combine(day, time(0), tzinfo=zone)

        created_at = start_of(row.created_on)
        last_touch_at = start_of(row.last_touch_on) if row.last_touch_on else None
        lead = Lead(
            team_id=team_id,
            company=row.company,
            company_key=row.key,
            account_key=account_key(row.company),
            contact_name=row.contact_name,
            contact_role=row.contact_role,
            source=row.source,
            asked_for=row.asked_for,
            situation=row.situation,
            discovery_notes=row.discovery_notes,
            claimed_potential=row.claimed_potential,
            potential_unit=row.potential_unit,
            owner_id=row.owner_id,
            created_by=row.owner_id,
            status=row.status,
            lost_reason=row.lost_reason,
            lost_note="",
            touch_count=row.touches,
            last_touch_at=last_touch_at,
            nudges_unanswered=0,
            needs_new_owner=False,
            source_link=row.source_link,
            won_value=row.won_value,
            won_currency=row.won_currency,
            created_at=created_at,
            updated_at=now,
        )
        set_contact_email(lead, row.contact_email)
        for part, known in row.background:
            setattr(lead, BACKGROUND_COLUMNS[part], known)
        fill_from_notes(lead)  # parts the file does not give: what the notes tell, as for a lead typed in
        if row.status == OPEN:
            # Where the cadence puts it: the step after its last follow-up, counted from that day.
            # A date long past makes the lead quiet at once; the scheduler then nudges it once, like any quiet lead.
            lead.next_follow_up_on = row.next_follow_up or self.policy.next_follow_up(
                row.touches, row.last_touch_on or row.created_on
            )
        else:
            closed_on = row.closed_on or row.last_touch_on or row.created_on
            lead.closed_at = start_of(closed_on)
        schedule_nudge(lead)
        return lead


def _lock_numbers(session: Session, team_id: str, now: datetime) -> int:
    """The team's last lead number, with its row held until commit so captures meanwhile wait."""
    insert_ignore(session, Team, {"team_id": team_id, "last_lead_number": 0, "created_at": now})
    return session.scalar(
        update(Team)
        .where(Team.team_id == team_id)
        .values(last_lead_number=Team.last_lead_number)
        .returning(Team.last_lead_number)
    )


def count_rows(path) -> int:
    """Lines in the file, for the progress bar's total (a slight overcount with quoted line breaks)."""
    with open(path, "rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)

