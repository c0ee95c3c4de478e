"""PostgreSQL connections the server dropped while they sat in the pool never reach a request."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from bot.store import database as db_module
from bot.store.database import Database


def _drop_connections(url: str) -> int:
    """What a database restart or an idle timeout does to the app's pooled connections."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        dropped = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    admin.dispose()
    return dropped


def test_reads_after_the_server_dropped_idle_connections_still_answer(postgres_url, monkeypatch):
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)  # every pooled connection counts as idle
    database = Database(postgres_url)
    try:
        with database.read_rows() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
        with database.read() as uow:
            assert uow.session.execute(text("SELECT 1")).scalar() == 1
        assert _drop_connections(postgres_url) >= 1

        with database.read_rows() as connection:
            assert connection.execute(text("SELECT 2")).scalar() == 2
        with database.uow() as uow:
            assert uow.session.execute(text("SELECT 3")).scalar() == 3
        database.ping()
    finally:
        database.dispose()
