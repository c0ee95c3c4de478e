"""Reads an orders CSV completely and checks every row before anything is written."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Callable

from bot.services.orders import OrderInput
from bot.text.amounts import AmountError, parse_amount, parse_currency
from bot.text.company_names import COMPANY_MAX
from bot.text.csv_cells import restore

REQUIRED = ("company", "ordered_on", "amount")
OPTIONAL = ("currency", "owner", "ref", "note")

# Resolves an owner cell (Slack user id or email) to a user id, or None when nobody matches.
OwnerLookup = Callable[[str], str | None]


class BadRow(ValueError):
    """A row the file cannot be imported with; the message reads `line N: why`."""


@dataclass(frozen=True)
class ParsedRow:
    line: int
    item: OrderInput


def read_orders(
    text: str, team_currency: str, today: date, owners: OwnerLookup, progress: Callable[[int], None] = lambda n: None
) -> list[ParsedRow]:
    """Every row as an OrderInput, or BadRow for the first bad one (nothing is half-read)."""
    # newline="": csv reads line breaks itself, so a file saved with bare \r (old Mac Excel) still parses.
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        return _read(reader, team_currency, today, owners, progress)
    except csv.Error as error:
        raise BadRow(f"line {max(reader.line_num, 1)}: not readable as CSV ({error})") from None


def _read(
    reader: csv.DictReader, team_currency: str, today: date, owners: OwnerLookup, progress: Callable[[int], None]
) -> list[ParsedRow]:
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise BadRow(f"line 1: missing column {', '.join(missing)} (need {', '.join(REQUIRED)})")
    reader.fieldnames = header
    rows = []
    for count, raw in enumerate(reader, start=1):
        line = reader.line_num
        rows.append(ParsedRow(line, _row(raw, line, team_currency, today, owners)))
        progress(count)
    return rows


def _row(raw: dict, line: int, team_currency: str, today: date, owners: OwnerLookup) -> OrderInput:
    def cell(name: str) -> str:
        return restore(raw.get(name) or "").strip()  # as `export` wrote it before guarding it from spreadsheets

    if None in raw:
        raise BadRow(f"line {line}: more cells than columns")
    company = cell("company")
    if not company:
        raise BadRow(f"line {line}: company is empty")
    if len(company) > COMPANY_MAX:
        raise BadRow(f"line {line}: company is longer than {COMPANY_MAX} characters")
    try:
        ordered_on = date.fromisoformat(cell("ordered_on"))
    except ValueError:
        raise BadRow(f"line {line}: ordered_on {cell('ordered_on')!r} is not a date like 2026-11-20") from None
    if ordered_on > today:
        raise BadRow(f"line {line}: ordered_on {ordered_on} is in the future")
    try:
        amount = parse_amount(cell("amount"))
    except AmountError:
        raise BadRow(f"line {line}: amount {cell('amount')!r} is not an amount like 2400 or 2,400.50") from None
    currency = amount.currency or team_currency
    if cell("currency"):
        currency = parse_currency(cell("currency"))
        if currency is None:
            raise BadRow(f"line {line}: currency {cell('currency')!r} is not a currency code like CNY or USD")
    owner = None
    if cell("owner"):
        owner = owners(cell("owner"))
        if owner is None:
            raise BadRow(f"line {line}: owner {cell('owner')!r} is not a Slack user id or a workspace member's email")
    return OrderInput(
        company, amount.value, currency, ordered_on, note=cell("note"), ref=cell("ref")[:128], owner_id=owner
    )


def decode(data: bytes) -> str:
    """UTF-8 with or without a byte-order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadRow(f"the file is not UTF-8 (byte {error.start}); save it as CSV UTF-8") from None
