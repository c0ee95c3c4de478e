"""How long deleting a workspace that left takes, beside a bigger workspace that stays.

    python -m bench.leaving [--leads 20000] [--stay 4] [--databases postgresql,sqlite]

The leaving workspace gets N leads with two follow-ups each, 200 reps and 60 days of sent digests; the one that
stays gets `--stay` times as many leads and follow-ups. Each run uses a fresh database.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.common import TEAM, load_average, log, postgres_url
from bench.seed import LEAD_COLUMNS, seed
from bot.services.team_data import TeamData
from bot.store.database import Database

STAYS = "T0STAYS"
REPS = 200


def _copy_leads(connection, times: int, leads: int) -> None:
    """The staying workspace: `times` copies of the leaving one's leads, numbered on."""
    columns = [c for c in LEAD_COLUMNS if c not in ("id", "team_id", "number")]
    listed = ", ".join(columns)
    connection.execute(
        text("INSERT INTO teams (team_id, last_lead_number, created_at) SELECT :stays, 0, created_at FROM teams"),
        {"stays": STAYS},
    )
    # An open company is unique per workspace: each copy's companies get a suffix of their own.
    chosen = listed.replace("company_key", "company_key || :suffix")
    for copy in range(times):
        connection.execute(
            text(
                f"INSERT INTO leads (team_id, number, {listed}) "
                f"SELECT :stays, number + :offset, {chosen} FROM leads WHERE team_id = :team"
            ),
            {"stays": STAYS, "offset": (copy + 1) * leads, "team": TEAM, "suffix": f" {copy}"},
        )


def _touches(connection) -> None:
    for _ in range(2):
        connection.execute(
            text(
                "INSERT INTO touches (team_id, lead_id, kind, note, buyer_said, logged_by, logged_at, source) "
                "SELECT team_id, id, 'call', 'spoke to the buyer', '', owner_id, created_at, 'typed' FROM leads"
            )
        )


def _counts(connection, team: str) -> dict[str, int]:
    return {
        table: connection.execute(text(f"SELECT COUNT(*) FROM {table} WHERE team_id = :t"), {"t": team}).scalar_one()
        for table in ("leads", "touches", "reps", "deliveries")
    }


def run(url: str, leads: int, stay: int) -> None:
    seed(url, leads, REPS, 0, 4)
    engine = create_engine(url)
    with engine.begin() as connection:
        _copy_leads(connection, stay, leads)
        _touches(connection)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
        leaving, staying = _counts(connection, TEAM), _counts(connection, STAYS)
    engine.dispose()
    log(f"{engine.dialect.name}: leaving {leaving}, staying {staying}")

    db = Database(url)
    started, cpu = time.monotonic(), time.process_time()
    deleted = TeamData(db, keep_days=0).delete(TEAM)
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu
    with db.engine.connect() as connection:
        assert _counts(connection, STAYS) == staying, "the staying workspace lost rows"
        assert sum(_counts(connection, TEAM).values()) == 0
    db.dispose()
    print(
        f"| {engine.dialect.name} | {sum(leaving.values()):,} | {sum(staying.values()):,} | "
        f"{sum(deleted.values()):,} | {seconds:.2f} s | {cpu:.2f} s | {load_average()} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=20_000, help="leads of the workspace that leaves")
    parser.add_argument("--stay", type=int, default=4, help="the staying workspace is this many times bigger")
    parser.add_argument("--databases", default="postgresql,sqlite")
    args = parser.parse_args()
    print("| database | rows of the leaving workspace | rows of the staying one | deleted | took | CPU | load |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for backend in args.databases.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                run(f"sqlite:///{Path(folder) / 'leaving.db'}", args.leads, args.stay)
            continue
        name = f"leadbot_bench_leaving_{uuid.uuid4().hex[:8]}"
        admin = create_engine(postgres_url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run(postgres_url(name), args.leads, args.stay)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
