"""Reads compiled once and run on the driver's connection give what SQLAlchemy's execution gives, on both databases."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import psycopg
import pytest
from sqlalchemy import bindparam, func, select, text

from bot.container import build_deps
from bot.services.lead_views import LIST_COLUMNS
from bot.store import database as db_module
from bot.store.models import Lead, Team
from tests.conftest import make_settings
from tests.test_database_reconnect import _drop_connections

TEAM = "T0PLAIN"
OPEN_OF_OWNER = (
    select(*LIST_COLUMNS, func.count().over())
    .where(Lead.team_id == bindparam("team_id"), Lead.status == "open", Lead.owner_id == bindparam("owner_id"))
    .order_by(Lead.next_follow_up_on.asc().nulls_last(), Lead.number.asc())
    .limit(bindparam("limit"))
)
ONE_LEAD = select(Lead.company).where(Lead.team_id == bindparam("team_id"), Lead.number == bindparam("number"))
CREATED_SINCE = select(Lead.number).where(Lead.team_id == bindparam("team_id"), Lead.created_at >= bindparam("since"))


def _lead(number: int, **changes) -> dict:
    now = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
    values = dict(
        team_id=TEAM, number=number, company=f"Acme {number}", company_key=f"acme {number}",
        account_key=f"acme{number}",
        contact_name="", contact_role="", source="", asked_for="", situation="", discovery_notes="",
        claimed_potential=None, potential_unit="", owner_id="U1", created_by="U1", status="open", lost_note="",
        touch_count=number, next_follow_up_on=date(2026, 11, 10) + timedelta(days=number), nudges_unanswered=0,
        needs_new_owner=number == 2, source_link="", created_at=now.replace(hour=0) + timedelta(hours=number),
        updated_at=now,
    )
    values.update(changes)
    return values


@pytest.fixture
def leads(db):
    with db.uow() as uow:
        uow.session.add(Team(team_id=TEAM, created_at=datetime(2026, 11, 1, tzinfo=timezone.utc)))
        uow.session.flush()
        uow.session.add_all([
            Lead(**_lead(1)),
            Lead(**_lead(2, pinned_at=datetime(2026, 11, 3, 8, 0, tzinfo=timezone.utc))),
            Lead(**_lead(3, next_follow_up_on=None)),
            Lead(**_lead(4, owner_id="U2")),
            Lead(**_lead(5, status="won")),
        ])
        uow.commit()
    return db


def test_rows_and_their_types_are_those_sqlalchemy_gives(leads):
    values = {"team_id": TEAM, "owner_id": "U1", "limit": 40}
    with leads.read_rows() as connection:
        expected = [tuple(row) for row in connection.execute(OPEN_OF_OWNER, values)]
    rows = leads.plain_rows(OPEN_OF_OWNER, values)
    assert rows == expected
    assert [row[0] for row in rows] == [1, 2, 3]  # the owner's open leads, soonest follow-up first, none last
    first, pinned, undated = rows
    assert first[3] == datetime(2026, 11, 2, 1, 30, tzinfo=timezone.utc)  # aware, in UTC, on both databases
    assert first[5] == date(2026, 11, 11) and undated[5] is None
    assert pinned[6] is True and first[6] is False  # booleans, not SQLite's 1 and 0
    assert pinned[7] == datetime(2026, 11, 3, 8, 0, tzinfo=timezone.utc) and first[7] is None
    assert first[-1] == 3  # the count beside each row


def test_a_time_from_any_zone_is_kept_to_the_microsecond_and_read_back_in_utc(db):
    """UTC columns store the instant without a zone and hand it back aware, in UTC, by every way of reading."""
    shanghai, new_york = timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))
    created = datetime(2026, 11, 2, 9, 30, 15, 123456, tzinfo=shanghai)
    updated = datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=new_york)  # already the next year in UTC
    with db.uow() as uow:
        uow.session.add(Team(team_id=TEAM, created_at=datetime(2026, 11, 1, tzinfo=timezone.utc)))
        uow.session.flush()
        uow.session.add(Lead(**_lead(1, created_at=created, updated_at=updated)))
        uow.commit()
    with db.read() as uow:
        lead = uow.session.scalars(select(Lead)).one()
        read_by_orm = (lead.created_at, lead.updated_at)
    [row] = db.plain_rows(select(Lead.created_at, Lead.updated_at).where(Lead.team_id == bindparam("team_id")),
                          {"team_id": TEAM})
    for created_at, updated_at in (read_by_orm, row):
        assert created_at == created and updated_at == updated
        assert created_at.tzinfo is timezone.utc and updated_at.tzinfo is timezone.utc
        assert (created_at.hour, created_at.microsecond) == (1, 123456)
        assert (updated_at.year, updated_at.day, updated_at.hour) == (2027, 1, 4)
    with db.uow() as uow, pytest.raises(Exception, match="naive datetime"):
        uow.session.add(Lead(**_lead(2, created_at=datetime(2026, 11, 2, 9, 30))))
        uow.session.flush()


def test_parameters_are_converted_as_sqlalchemy_converts_them(leads):
    # Stored as text on SQLite: the parameter must be written as SQLAlchemy writes it to compare right.
    since = datetime(2026, 11, 2, 3, 0, tzinfo=timezone.utc)
    assert leads.plain_rows(CREATED_SINCE, {"team_id": TEAM, "since": since}) == [(3,), (4,), (5,)]
    assert leads.plain_rows(OPEN_OF_OWNER, {"team_id": TEAM, "owner_id": "U1", "limit": 1})[0][0] == 1
    assert leads.plain_rows(ONE_LEAD, {"team_id": TEAM, "number": 99}) == []


def test_a_nul_in_a_value_is_dropped_as_on_every_other_path(leads):
    assert leads.plain_rows(ONE_LEAD, {"team_id": TEAM + "\x00", "number": 4}) == [("Acme 4",)]


def test_the_connection_goes_back_ready_for_a_write_transaction(leads):
    """On PostgreSQL the read runs in autocommit; the pooled connection must not stay so, or a later write
    transaction would commit statement by statement and its rollback undo nothing."""
    for _ in range(3):
        leads.plain_rows(ONE_LEAD, {"team_id": TEAM, "number": 1})
    with leads.uow() as uow:
        uow.session.execute(text("UPDATE leads SET company = 'Changed' WHERE team_id = :t"), {"t": TEAM})
        # no commit: the unit of work rolls back on leaving
    assert leads.plain_rows(ONE_LEAD, {"team_id": TEAM, "number": 1}) == [("Acme 1",)]


def test_an_error_reaches_the_caller_and_the_next_read_answers(leads):
    broken = select(Lead.company).where(Lead.team_id == bindparam("team_id"), text("no_such_column = 1"))
    with pytest.raises(Exception, match="no_such_column"):
        leads.plain_rows(broken, {"team_id": TEAM})
    assert leads.plain_rows(ONE_LEAD, {"team_id": TEAM, "number": 2}) == [("Acme 2",)]


def test_reads_answer_after_postgresql_dropped_the_pooled_connections(postgres_url, monkeypatch):
    from bot.store.database import Database

    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)  # every pooled connection counts as idle
    database = Database(postgres_url)
    statement = select(text("1 + 1"))
    try:
        assert database.plain_rows(statement, {}) == [(2,)]
        assert _drop_connections(postgres_url) >= 1
        assert database.plain_rows(statement, {}) == [(2,)]
    finally:
        database.dispose()


def test_a_dropped_connection_in_use_fails_one_read_and_is_not_pooled_again(postgres_url, caplog):
    """A connection dropped under load (not idle long enough to be checked) fails its read and is thrown away, not
    handed back to the pool (which would log an error resetting it); the next read answers."""
    from bot.store.database import Database

    database = Database(postgres_url)
    statement = select(text("pg_backend_pid()"))
    try:
        first = database.plain_rows(statement, {})[0][0]
        _drop_connections(postgres_url)
        with pytest.raises(psycopg.OperationalError):
            database.plain_rows(statement, {})
        second = database.plain_rows(statement, {})[0][0]
        assert second != first
        assert not [r for r in caplog.records if r.name.startswith("sqlalchemy") and r.levelname == "ERROR"]
    finally:
        database.dispose()


def test_a_statement_with_an_in_list_is_refused(db):
    expanding = select(Lead.number).where(Lead.number.in_(bindparam("numbers", expanding=True)))
    with pytest.raises(ValueError, match="IN list"):
        db.plain_rows(expanding, {"numbers": [1, 2]})


@pytest.fixture
def services(db, slack):
    return build_deps(make_settings(db.url, slack.base_url), db=db)


def test_a_reps_list_counts_all_their_open_leads_beyond_the_page(db, services):
    """`/lead list` shows 40 lines and counts the rest: the page stops at 40, its count goes on."""
    first_day = date(2026, 11, 3)
    with db.uow() as uow:
        uow.session.add(Team(team_id=TEAM, created_at=datetime(2026, 11, 1, tzinfo=timezone.utc)))
        uow.session.flush()
        mine = [_lead(n, next_follow_up_on=first_day + timedelta(days=(7 * n) % 45)) for n in range(1, 46)]
        closed = [_lead(n, status=status) for n, status in ((46, "won"), (47, "lost"))]
        others = [_lead(n, owner_id="U2") for n in (48, 49, 50)]
        uow.session.add_all([Lead(**values) for values in mine + closed + others])
        uow.commit()

    page = services.leads.list_open(TEAM, owner_id="U1", limit=40)
    assert page.total == 45 and len(page.items) == 40
    soonest = sorted(mine, key=lambda lead: (lead["next_follow_up_on"], lead["created_at"]))[:40]
    assert [line.number for line in page.items] == [lead["number"] for lead in soonest]
    assert services.leads.list_open(TEAM, owner_id="U2").total == 3
    assert services.leads.list_open(TEAM, owner_id="U9") == services.leads.list_open(TEAM, owner_id="U9", limit=1)
    assert services.leads.list_open(TEAM, owner_id="U9").total == 0
    assert services.leads.list_open(TEAM).total == 48
