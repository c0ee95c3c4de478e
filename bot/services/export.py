"""Everything a workspace owns, as CSV or JSON files a spreadsheet or another tool can read back."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import SETTINGS, Settings
from bot.services.background import COLUMNS as BACKGROUND_COLUMNS
from bot.services.leads_csv import COLUMNS as LEAD_COLUMNS
from bot.store.database import Database
from bot.store.models import Account, Enquiry, InboundChannel, Lead, Order, SmallBuyerAnswer, Touch
from bot.text.csv_cells import neutralise
from bot.worktime import WEEKDAYS

FORMATS = ("csv", "json")

# The team's rules, not how this server is run: no tokens, database URLs or ports leave with an export.
TEAM_SETTINGS = (
    "LEADBOT_ADMINS", "LEADBOT_POTENTIAL_FACTOR", "LEADBOT_CADENCE", "LEADBOT_KEEP_WARM_DAYS", "LEADBOT_MIN_TOUCHES",
    "LEADBOT_TEAM_TZ", "LEADBOT_WORKDAYS", "LEADBOT_WORK_HOURS", "LEADBOT_RENUDGE_DAYS", "LEADBOT_ESCALATE_AFTER",
    "LEADBOT_MANAGER", "LEADBOT_INBOUND_CLAIM_WITHIN", "LEADBOT_CURRENCY", "LEADBOT_DEFAULT_OWNER",
    "LEADBOT_SMALL_ORDER_MAX", "LEADBOT_SMALL_MIN_ORDERS", "LEADBOT_SMALL_WINDOW_MONTHS", "LEADBOT_SMALL_SPREAD_MONTHS",
    "LEADBOT_SMALL_RECENT_MONTHS", "LEADBOT_ASK_AGAIN_DAYS", "LEADBOT_SUMMARY_SCHEDULE", "LEADBOT_DIGEST_TIME",
)

Value = str | int | bool | None


@dataclass(frozen=True)
class ExportContext:
    team_id: str
    settings: Settings

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.team_tz)

    def day(self, instant: datetime | None) -> str | None:
        """An instant as the date the team saw it (what `import-leads` reads back)."""
        return None if instant is None else instant.astimezone(self.zone).date().isoformat()


@dataclass(frozen=True)
class Exporter:
    """One file of the export: its name, its columns, and the rows for one team."""

    name: str
    columns: tuple[str, ...]
    rows: Callable[[Session, ExportContext], Iterable[dict[str, Value]]]


def _leads(session: Session, ctx: ExportContext) -> Iterable[dict[str, Value]]:
    # The same columns `leadbot import-leads` reads, so this file imports back into the same leads.
    for lead in session.scalars(select(Lead).where(Lead.team_id == ctx.team_id).order_by(Lead.number)):
        yield {
            "company": lead.company,
            "contact": lead.contact_name,
            "source": lead.source,
            "asked_for": lead.asked_for,
            "owner": lead.owner_id,
            "created_on": ctx.day(lead.created_at),
            "last_touch_on": ctx.day(lead.last_touch_at),
            "touches": lead.touch_count,
            "next_follow_up": lead.next_follow_up_on.isoformat() if lead.next_follow_up_on else None,
            "situation": lead.situation,
            "claimed_potential": None if lead.claimed_potential is None else str(lead.claimed_potential),
            "status": lead.status,
            "number": lead.number,
            "contact_role": lead.contact_role,
            "potential_unit": lead.potential_unit,
            "discovery_notes": lead.discovery_notes,
            "lost_reason": lead.lost_reason,
            "closed_on": ctx.day(lead.closed_at),
            "source_link": lead.source_link,
            "won_value": None if lead.won_value is None else str(lead.won_value),
            "won_currency": lead.won_currency,
            "contact_email": lead.contact_email,
            **{f"background_{part}": getattr(lead, column) for part, column in BACKGROUND_COLUMNS.items()},
        }


def _touches(session: Session, ctx: ExportContext) -> Iterable[dict[str, Value]]:
    rows = session.execute(
        select(Touch, Lead.number, Lead.company)
        .join(Lead, Lead.id == Touch.lead_id)
        .where(Touch.team_id == ctx.team_id, Lead.team_id == ctx.team_id)
        .order_by(Lead.number, Touch.logged_at, Touch.id)
    )
    for touch, number, company in rows:
        yield {
            "lead": number,
            "company": company,
            "kind": touch.kind,
            "note": touch.note,
            "buyer_said": touch.buyer_said,
            "logged_by": touch.logged_by,
            "logged_at": touch.logged_at.isoformat(),
            "source": touch.source,
        }


def _enquiries(session: Session, ctx: ExportContext) -> Iterable[dict[str, Value]]:
    rows = session.execute(
        select(Enquiry, Lead.number)
        .outerjoin(Lead, Lead.id == Enquiry.lead_id)
        .where(Enquiry.team_id == ctx.team_id)
        .order_by(Enquiry.posted_at, Enquiry.id)
    )
    for enquiry, number in rows:
        yield {
            "channel": enquiry.channel_id,
            "message_ts": enquiry.message_ts,
            "posted_at": enquiry.posted_at.isoformat(),
            "author": enquiry.author,
            "text": enquiry.text,
            "status": enquiry.status,
            "taken_how": enquiry.taken_how,
            "owner": enquiry.owner_id,
            "handled_by": enquiry.handled_by,
            "handled_at": enquiry.handled_at.isoformat() if enquiry.handled_at else None,
            "lead": number,
            "link": enquiry.permalink,
        }


def _inbound_channels(session: Session, ctx: ExportContext) -> Iterable[dict[str, Value]]:
    rows = session.scalars(
        select(InboundChannel).where(InboundChannel.team_id == ctx.team_id).order_by(InboundChannel.channel_id)
    )
    for channel in rows:
        yield {
            "channel": channel.channel_id, "enabled": channel.enabled, "round_robin": channel.round_robin,
            "mail": channel.mail,
        }


def _orders(session: Session, ctx: ExportContext) -> Iterable[dict[str, Value]]:
    # The columns `leadbot import-orders` reads, so the file imports back as the same orders.
    rows = session.execute(
        select(Order, Account.name, Account.owner_id)
        .join(Account, Account.id == Order.account_id)
        .where(Order.team_id == ctx.team_id, Account.team_id == ctx.team_id)
        .order_by(Account.name, Order.ordered_on, Order.id)
    )
    for order, company, owner in rows:
        yield {
            "company": company,
            "ordered_on": order.ordered_on.isoformat(),
            "amount": str(order.amount),
            "currency": order.currency,
            "owner": owner,
            "ref": order.ref or f"{order.import_key}"[:128],
            "note": order.note,
        }


def _small_buyer_answers(session: Session, ctx: ExportContext) -> Iterable[dict[str, Value]]:
    rows = session.execute(
        select(SmallBuyerAnswer, Account.name)
        .join(Account, Account.id == SmallBuyerAnswer.account_id)
        .where(SmallBuyerAnswer.team_id == ctx.team_id, Account.team_id == ctx.team_id)
        .order_by(SmallBuyerAnswer.answered_at, SmallBuyerAnswer.id)
    )
    for answer, company in rows:
        yield {
            "company": company,
            "reason": answer.reason,
            "note": answer.note,
            "answered_by": answer.answered_by,
            "answered_at": answer.answered_at.isoformat(),
            "next_step_on": answer.next_step_on.isoformat(),
            "lead": answer.lead_number,
        }


def _settings(session: Session, ctx: ExportContext) -> Iterable[dict[str, Value]]:
    for setting in SETTINGS:
        if setting.env in TEAM_SETTINGS:
            value = setting_text(setting.attr, getattr(ctx.settings, setting.attr))
            yield {"setting": setting.env, "value": value, "meaning": setting.doc}


def setting_text(attr: str, value: object) -> str:
    """A parsed setting written back the way .env spells it."""
    if value is None:
        return ""
    if attr == "workdays":
        return ",".join(WEEKDAYS[day - 1] for day in sorted(value))
    if attr == "work_hours":
        start, end = value
        return f"{start:%H:%M}-{end:%H:%M}"
    if isinstance(value, (frozenset, set)):
        return ",".join(sorted(str(v) for v in value))
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)


# Add a table to the export by adding its Exporter here.
EXPORTERS: tuple[Exporter, ...] = (
    Exporter("leads", LEAD_COLUMNS, _leads),
    Exporter(
        "touches", ("lead", "company", "kind", "note", "buyer_said", "logged_by", "logged_at", "source"), _touches
    ),
    Exporter(
        "enquiries",
        ("channel", "message_ts", "posted_at", "author", "text", "status", "taken_how", "owner", "handled_by",
         "handled_at", "lead", "link"),
        _enquiries,
    ),
    Exporter("inbound_channels", ("channel", "enabled", "round_robin", "mail"), _inbound_channels),
    Exporter("orders", ("company", "ordered_on", "amount", "currency", "owner", "ref", "note"), _orders),
    Exporter(
        "small_buyer_answers",
        ("company", "reason", "note", "answered_by", "answered_at", "next_step_on", "lead"),
        _small_buyer_answers,
    ),
    Exporter("settings", ("setting", "value", "meaning"), _settings),
)


def export(db: Database, settings: Settings, team_id: str, out_dir: Path, fmt: str = "csv") -> list[tuple[Path, int]]:
    """Write one file per exporter into `out_dir`; returns (path, rows) for each."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = ExportContext(team_id, settings)
    written = []
    # One read transaction, so the files agree with each other.
    with db.read() as uow:
        for exporter in EXPORTERS:
            rows = [{column: row.get(column) for column in exporter.columns} for row in exporter.rows(uow.session, ctx)]
            path = out_dir / f"{exporter.name}.{fmt}"
            if fmt == "csv":
                _write_csv(path, exporter.columns, rows)
            else:
                path.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            written.append((path, len(rows)))
    return written


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, Value]]) -> None:
    # The byte-order mark makes Excel read the UTF-8 (张三金属, Müller) correctly; import-leads skips it.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_value(v) for k, v in row.items()})


def _csv_value(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    # Text from outside (web forms, the API, mail) reaches spreadsheets here: nothing in it may run as a formula.
    return neutralise(str(value))


def default_out_dir(team_id: str, today: date) -> Path:
    return Path(f"leadbot-export-{team_id}-{today.isoformat()}")
