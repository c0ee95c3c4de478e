"""Alembic's migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.store.models import Base


def test_migrated_schema_matches_the_models(db):
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


# Which scheduler processes ran, and when: about the deployment, not any workspace's data.
# Installs under way (slack_oauth_states): a random state until Slack says which workspace it was.
NOT_WORKSPACE_DATA = {"scheduler_runs", "slack_oauth_states"}


def test_every_table_carries_the_team_id(db):
    inspector = inspect(db.engine)
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_WORKSPACE_DATA:
            continue
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert "team_id" in columns, table.name


def test_lead_keys_lose_their_legal_forms_and_two_open_twins_stay_apart(tmp_path):
    from datetime import datetime

    from sqlalchemy import create_engine, text

    from bot.store.migrate import upgrade

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
