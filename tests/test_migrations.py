"""Alembic's migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import uuid
from datetime import datetime
from typing import Callable

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from bot.store.migrate import alembic_config, upgrade
from bot.store.models import Base
from tests.conftest import POSTGRES_ADMIN_URL


def test_migrated_schema_matches_the_models(db):
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


# Which scheduler processes ran, and when: about the deployment, not any workspace's data.
# Installs under way (slack_oauth_states): a random state until Slack says which workspace it was.
# Which reps changed in the last hour (rep_changes): news for the other processes, written when a workspace's
# reps are deleted too.
NOT_WORKSPACE_DATA = {"scheduler_runs", "slack_oauth_states", "rep_changes"}


def test_every_table_carries_the_team_id(db):
    inspector = inspect(db.engine)
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_WORKSPACE_DATA:
            continue
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert "team_id" in columns, table.name


def test_lead_keys_lose_their_legal_forms_and_two_open_twins_stay_apart(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0006")
    engine = create_engine(url)
    rows = [
        (1, "Acme", "acme", "open"), (2, "Acme Inc.", "acme inc.", "open"), (3, "Beta GmbH", "beta gmbh", "won"),
        (4, "Gamma Co., Ltd.", "gamma co., ltd.", "open"), (5, "张三金属有限公司", "张三金属有限公司", "open"),
    ]
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO teams (team_id, last_lead_number, created_at) VALUES ('T1', 5, :at)"),
                           {"at": datetime(2026, 1, 1)})
        for number, company, key, status in rows:
            connection.execute(
                text(
                    "INSERT INTO leads (team_id, number, company, company_key, account_key, contact_name, "
                    "contact_role, source, asked_for, situation, discovery_notes, potential_unit, owner_id, "
                    "created_by, status, lost_note, touch_count, nudges_unanswered, needs_new_owner, created_at, "
                    "updated_at) VALUES ('T1', :n, :c, :k, '', '', '', 'website', '', 'unknown', '', '', 'U1', 'U1', "
                    ":s, '', 0, 0, false, :at, :at)"
                ),
                {"n": number, "c": company, "k": key, "s": status, "at": datetime(2026, 1, number)},
            )
    upgrade(url)
    with engine.connect() as connection:
        keys = dict(connection.execute(text("SELECT number, company_key FROM leads")).all())
    engine.dispose()
    # "Acme Inc." would now be the open lead "Acme"'s twin: it keeps the key it had.
    assert keys == {1: "acme", 2: "acme inc.", 3: "beta", 4: "gamma", 5: "张三金属"}


def _fresh_database(kind: str, tmp_path) -> tuple[str, Callable[[], None]]:
    """An empty database of its own (the session's PostgreSQL one must stay at the head): its url and its drop."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'round_trip.db'}", lambda: None
    name = f"leadbot_migrations_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False), drop


def _rep_triggers(connection) -> set[str]:
    if connection.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'reps'"
    else:
        query = "SELECT tgname FROM pg_trigger WHERE tgrelid = 'reps'::regclass AND NOT tgisinternal"
    return set(connection.execute(text(query)).scalars())


def _a_rep_is_added_and_told(engine) -> bool:
    """Whether adding a rep is announced the way the database's rep changes listener hears it (migration 0017)."""
    add = text("INSERT INTO reps (team_id, user_id, name, active, fetched_at) VALUES ('T1', 'U1', '', true, :at)")
    at = {"at": datetime(2026, 1, 1)}
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            connection.execute(add, at)
            return connection.execute(text("SELECT rep FROM rep_changes")).scalars().all() == ["T1 U1"]
    listener = engine.raw_connection()
    try:
        listener.driver_connection.autocommit = True
        listener.driver_connection.execute("LISTEN leadbot_reps")
        with engine.begin() as connection:
            connection.execute(add, at)
        told = [n.payload for n in listener.driver_connection.notifies(timeout=5, stop_after=1)]
    finally:
        listener.invalidate()
    return told == ["T1 U1"]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_rep_changes_migrate_down_and_up_again(kind, tmp_path):
    url, drop = _fresh_database(kind, tmp_path)
    try:
        upgrade(url)
        engine = create_engine(url)
        with engine.connect() as connection:
            triggers = _rep_triggers(connection)
        expected = {"reps_changed", "reps_truncated"} if kind == "postgresql" else {
            "reps_inserted", "reps_updated", "reps_deleted"}
        assert triggers == expected
        command.downgrade(alembic_config(url), "0016")
        with engine.connect() as connection:
            assert _rep_triggers(connection) == set()
            assert "rep_changes" not in inspect(connection).get_table_names()
        upgrade(url)
        with engine.connect() as connection:
            assert _rep_triggers(connection) == expected
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        assert _a_rep_is_added_and_told(engine)
        engine.dispose()
    finally:
        drop()
