"""Whatever a rep types or a spreadsheet holds, the parsers answer or refuse politely; leads read back as typed or
filed."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.services import leads_csv, orders_csv
from bot.services.leads import SHORT_TEXT_MAX, SITUATIONS, SOURCES, LeadDraft
from bot.services.leads_csv import LeadImporter
from bot.store.models import Account, Order
from bot.text.amounts import Amount, AmountError, parse_amount
from bot.text.company_names import COMPANY_MAX, account_key, company_key
from bot.text.csv_cells import restore
from bot.text.lead_command import (
    Command,
    OrderCommand,
    OrderSyntaxError,
    lead_number,
    mentioned_user,
    parse,
    parse_order,
    snooze_days,
    split_quick_capture,
    split_ref,
)
from tests.conftest import ALICE, START, TEAM

PURE = settings(max_examples=200, deadline=None)

# Text a rep could paste: Chinese, full-width forms, emoji, control characters, anything.
NASTY_PIECES = st.sampled_from(
    ["新建", "跟进", "成交", "丢单", "订单", "—", "——", "：", "－", "，", "１２", "＃", "¥", "$", "万", "k", "w", "亿",
     "#", "<@U0ALICE1|alice>", "U0ALICE01", "2,400", "1.2万", "2026-11-20", '"', "“", "\x00", "\u200b", "\ufeff",
     "🎉", "👩‍💻", " ", "\t", "\n", "\u3000", "\r", ",", "CNY", "usd", "RMB", "元", "3d", "2w", "0"]
)
ANY_TEXT = st.one_of(
    st.text(),
    st.lists(st.one_of(NASTY_PIECES, st.text(max_size=5)), max_size=30).map("".join),
    st.text(min_size=5_000, max_size=20_000, alphabet=st.characters(codec="utf-8")),
)


@PURE
@given(ANY_TEXT)
def test_any_command_text_reads_as_a_subcommand_or_help(text):
    command = parse(text)
    assert isinstance(command, Command)
    assert command.name  # "unknown" at worst, never empty


@PURE
@given(ANY_TEXT)
def test_any_text_splits_into_company_and_request(text):
    company, asked_for = split_quick_capture(text)
    assert isinstance(company, str) and isinstance(asked_for, str)
    ref, rest = split_ref(text)
    assert isinstance(ref, str) and isinstance(rest, str)


@PURE
@given(ANY_TEXT)
def test_any_text_is_a_lead_number_user_snooze_or_none(text):
    number = lead_number(text)
    assert number is None or number >= 0
    user = mentioned_user(text)
    assert user is None or user[0] in "UW"
    days = snooze_days(text)
    assert days is None or days > 0


@PURE
@given(ANY_TEXT)
def test_any_order_text_is_an_order_or_a_syntax_error(text):
    try:
        order = parse_order(text)
    except OrderSyntaxError:
        return
    assert isinstance(order, OrderCommand)
    assert order.company and order.amount.value > 0


@PURE
@given(ANY_TEXT)
def test_any_text_is_an_amount_or_an_amount_error(text):
    try:
        amount = parse_amount(text)
    except AmountError:
        return
    assert isinstance(amount, Amount) and amount.value > 0


def _grouped(digits: str) -> str:
    """1234567 → 1,234,567."""
    groups = []
    while len(digits) > 3:
        digits, groups = digits[:-3], [digits[-3:], *groups]
    return ",".join([digits, *groups])


@st.composite
def typed_amounts(draw):
    """(what a rep types, the value meant, the currency meant)."""
    suffix, multiplier = draw(st.sampled_from([("", 1), ("k", 1_000), ("K", 1_000), ("万", 10_000)]))
    whole = draw(st.integers(min_value=0, max_value=10**13 // multiplier - 1))
    cents = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=99)))
    value = Decimal(whole) + (Decimal(cents) / 100 if cents is not None else 0)
    assume(0 < value * multiplier < Decimal("1e13"))
    digits = str(whole)
    number = _grouped(digits) if draw(st.booleans()) else digits
    if cents is not None:
        number += f".{cents:02d}"
    prefix, currency = draw(st.sampled_from([("", None), ("¥", "CNY"), ("$", "USD"), ("¥ ", "CNY")]))
    return f"{prefix}{number}{suffix}", (value * multiplier).quantize(Decimal("0.01")), currency


@PURE
@given(typed_amounts())
def test_a_typed_amount_reads_as_the_value_meant(typed):
    text, value, currency = typed
    assert parse_amount(text) == Amount(value, currency)


def _no_owner(raw: str) -> str | None:
    return "U0OWNER01" if raw.endswith("@example.com") else None


CSV_CELL = st.one_of(
    ANY_TEXT.map(lambda s: s[:200]),
    st.sampled_from(["Acme", "2026-11-20", "2,400", "¥1.2万", "CNY", "U0OWNER01", "a@example.com", "website", "open",
                     "lost", "3", "-1", "99999999999999999999", "2026-02-30", '"', '"unclosed', "\x00", "\r\n"]),
)
ORDER_HEADERS = ["company", "ordered_on", "amount", "currency", "owner", "ref", "extra"]
LEAD_HEADERS = list(leads_csv.COLUMNS) + ["extra", "Company"]


@st.composite
def csv_texts(draw, headers):
    """A CSV-ish file: often with the right columns, sometimes broken anywhere."""
    if draw(st.booleans()):
        return draw(ANY_TEXT)
    columns = draw(st.lists(st.sampled_from(headers), min_size=1, max_size=len(headers) + 2))
    rows = draw(st.lists(st.lists(CSV_CELL, max_size=len(columns) + 2), max_size=6))
    separator = draw(st.sampled_from([",", ";", "\t"]))
    lines = [separator.join(columns)] + [separator.join(row) for row in rows]
    return draw(st.sampled_from(["", "\ufeff"])) + draw(st.sampled_from(["\n", "\r\n"])).join(lines)


def _is_line_message(error: Exception) -> bool:
    head = str(error).split(":", 1)[0]
    return head.startswith("line ") and head[5:].isdigit()


# A cell over the csv module's field limit (a pasted e-mail thread), and old Mac line endings.
HUGE_CELL = "company,ordered_on,amount\n\"" + "x" * 140_000 + "\",2026-11-20,2400\n"


@PURE
@given(csv_texts(ORDER_HEADERS))
@example("\r0")
@example(HUGE_CELL)
def test_any_orders_file_gives_rows_or_the_bad_line(text):
    try:
        rows = orders_csv.read_orders(text, "CNY", date(2026, 12, 1), _no_owner)
    except orders_csv.BadRow as error:
        assert _is_line_message(error), str(error)
        return
    assert all(row.item.amount > 0 for row in rows)


@PURE
@given(csv_texts(LEAD_HEADERS))
@example(",".join(leads_csv.REQUIRED) + "\n" + HUGE_CELL.split("\n")[1])
def test_any_leads_file_gives_rows_or_the_bad_line(text):
    try:
        parsed = leads_csv.parse_leads_csv(io.StringIO(text, newline=""), date(2026, 12, 1), _no_owner)
    except leads_csv.BadRow as error:
        assert _is_line_message(error), str(error)
        return
    assert all(row.company for row in parsed.rows)


COMPANY = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=200)
NOTES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"), max_size=3000
)


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(company=COMPANY.filter(lambda s: s.strip()), notes=NOTES)
def test_a_captured_lead_reads_back_exactly_as_typed(app, company, notes):
    leads = app.deps.leads
    assume(leads.open_lead_for_company(TEAM, company) is None and company_key(company))
    draft = LeadDraft(
        company=company, contact_name="李明", contact_role="采购", source="website", asked_for=notes[:200],
        situation="wants_to_buy", discovery_notes=notes, claimed_potential=Decimal("2400.50"), potential_unit="元/年",
        owner_id=ALICE, first_follow_up_on=START.date() + timedelta(days=2),
    )
    captured = leads.capture(TEAM, draft, ALICE, START)
    found = leads.find(TEAM, str(captured.number))
    assert (found.company, found.discovery_notes, found.asked_for) == (company, notes, notes[:200])
    assert (found.contact_name, found.contact_role, found.potential_unit) == ("李明", "采购", "元/年")
    assert found.claimed_potential == Decimal("2400.50")


CELL_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=300
).map(str.strip)
MULTILINE = st.lists(CELL_TEXT, min_size=1, max_size=4).map("\n".join).map(str.strip)


_ROWS = itertools.count(1)


@st.composite
def lead_rows(draw):
    """One valid row of a leads spreadsheet, as its cells."""
    # A company of its own, even when an example is replayed; cut so that its number still fits the limit.
    company = f"{draw(CELL_TEXT)[:COMPANY_MAX - 12].strip()} {next(_ROWS)}".strip()
    created = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 11, 30)))
    return {
        "company": company, "contact": draw(CELL_TEXT.map(lambda s: s[:SHORT_TEXT_MAX].strip())),
        "source": draw(st.sampled_from(SOURCES)),
        "asked_for": draw(MULTILINE), "owner": ALICE, "created_on": created.isoformat(),
        "situation": draw(st.sampled_from(SITUATIONS)),
        "claimed_potential": str(draw(st.decimals(min_value=1, max_value=10**9, places=2))),
        "potential_unit": draw(CELL_TEXT.map(lambda s: s[:32])), "discovery_notes": draw(MULTILINE),
        "contact_role": draw(CELL_TEXT.map(lambda s: s[:100])),
    }


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(row=lead_rows(), bom=st.booleans(), newline=st.sampled_from(["\n", "\r\n"]))
@example(  # a company whose cell is guarded: found by the name it was imported under
    row={
        "company": "'= 89", "contact": "", "source": "website", "asked_for": "", "owner": ALICE,
        "created_on": "2020-01-01", "situation": "boss_research", "claimed_potential": "1.00", "potential_unit": "",
        "discovery_notes": "", "contact_role": "",
    },
    bom=False, newline="\n",
)
def test_an_imported_lead_reads_back_exactly_as_the_file_had_it(app, tmp_path, row, bom, newline):
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(row), lineterminator=newline)
    writer.writeheader()
    writer.writerow(row)
    path = tmp_path / "leads.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + out.getvalue().encode())
    with open(path, encoding="utf-8-sig", newline="") as stream:  # as `leadbot import-leads` reads it
        parsed = leads_csv.parse_leads_csv(stream, START.date(), _no_owner)
    imported = LeadImporter(app.deps.db, app.deps.policy(TEAM)).write(TEAM, parsed.rows, START)
    assert imported.added == 1
    # The company as imported: a guarded cell (`'=…`) is the text it guards.
    imported_as = app.deps.leads.open_lead_for_company(TEAM, restore(row["company"]))
    found = app.deps.leads.find(TEAM, str(imported_as.number))
    read_back = {
        "company": found.company, "contact": found.contact_name, "source": found.source, "asked_for": found.asked_for,
        "owner": found.owner_id, "created_on": found.created_at.date().isoformat(), "situation": found.situation,
        "claimed_potential": str(found.claimed_potential), "potential_unit": found.potential_unit,
        "discovery_notes": found.discovery_notes, "contact_role": found.contact_role,
    }
    # A quote before `=`, `+`, `-`, `@` is a spreadsheet's "this is text" guard (leadbot's export writes it): it is
    # read as the guard it is, and the cell as what it guards.
    assert read_back == {name: restore(cell) for name, cell in row.items()}


@st.composite
def order_rows(draw):
    """One valid row of an orders file, as its cells."""
    return {
        "company": draw(CELL_TEXT.filter(lambda s: account_key(s)).map(lambda s: s[:200].strip())),
        "ordered_on": draw(st.dates(min_value=date(2015, 1, 1), max_value=date(2026, 12, 1))).isoformat(),
        "amount": str(draw(st.decimals(min_value=Decimal("0.01"), max_value=10**9, places=2))),
        "currency": draw(st.sampled_from(["CNY", "USD", "EUR"])),
        "note": draw(CELL_TEXT.map(lambda s: s[:200].strip())),
        "ref": f"R{next(_ROWS)}",  # a row of its own each time, even when Hypothesis replays an example
    }


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(row=order_rows())
def test_an_imported_order_reads_back_exactly_as_the_file_had_it(app, row):
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    parsed = orders_csv.read_orders(out.getvalue(), "CNY", START.date(), _no_owner)
    recorded = app.deps.orders.import_rows(TEAM, [r.item for r in parsed], "import", START)
    assert recorded[0].added
    with app.deps.db.read() as uow:
        order = uow.session.scalars(select(Order).order_by(Order.id.desc())).first()
        account = uow.session.get(Account, order.account_id)
        read_back = {
            "company": account.name, "ordered_on": order.ordered_on.isoformat(), "amount": str(order.amount),
            "currency": order.currency, "note": order.note, "ref": order.ref,
        }
    assert read_back == {name: restore(cell) for name, cell in row.items()}  # a formula guard read as one
