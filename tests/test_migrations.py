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
NOT_WORKSPACE_DATA = {"scheduler_runs"}


def test_every_table_carries_the_team_id(db):
    inspector = inspect(db.engine)
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_WORKSPACE_DATA:
            continue
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert "team_id" in columns, table.name
