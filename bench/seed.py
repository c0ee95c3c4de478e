"""Seed a benchmark database: one team, N reps, M leads with realistic states, and a digest history.

    python -m bench.seed --leads 1000000            # PostgreSQL database leadbot_bench_1000000
    python -m bench.seed --leads 10000 --sqlite bench.db

A seeded database is kept (seeding 1M rows takes a few minutes); `--force` seeds it again.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import BENCH_NOW, TEAM, log, postgres_url, rep_id
from bot.store.migrate import upgrade

SOURCES = ("website", "marketing", "referral", "trade_show", "inbound_call", "other")
SITUATIONS = ("boss_research", "wants_to_buy", "comparing", "trial", "unknown")
HISTORY_DAYS = 60  # sent digests per rep kept in the ledger, as a team that has run leadbot a while would have
LEAD_COLUMNS = (
    "id", "team_id", "number", "company", "company_key", "account_key", "contact_name", "contact_role", "source",
    "asked_for", "situation", "discovery_notes", "potential_unit", "owner_id", "created_by", "status", "lost_reason",
    "lost_note", "touch_count", "next_follow_up_on", "last_touch_at", "nudge_due_at", "nudges_unanswered",
    "needs_new_owner", "created_at", "updated_at", "closed_at",
)
REP_COLUMNS = ("team_id", "user_id", "name", "tz", "locale", "email", "active", "fetched_at", "next_digest_at")
DELIVERY_COLUMNS = (
    "team_id", "kind", "subject", "period", "target", "payload", "status", "attempts", "next_attempt_at",
    "created_at", "sent_at", "message_channel", "message_ts",
)


def naive(instant: datetime) -> datetime:
    return instant.astimezone(timezone.utc).replace(tzinfo=None)


def is_due(i: int, due: int, due_step: int) -> bool:
    return i % due_step == 0 and i < due * due_step


def lead_rows(leads: int, reps: int, due: int, due_step: int):
    """Each rep owns leads/reps leads; 2 in 5 open (so 200 open each at 1M / 2,000), the rest won or lost.

    Open leads follow up over the next two months, except `due` of them, spread over the reps,
    whose follow-up passed and whose nudge is due at BENCH_NOW.
    """
    today = BENCH_NOW.date()
    now = naive(BENCH_NOW)
    for i in range(leads):
        owner = rep_id(i % reps)
        block = i // reps
        status = ("open", "open", "won", "lost", "lost")[block % 5]
        created = now - timedelta(days=1 + (i * 7) % 900, minutes=i % 1440)
        touches = i % 4
        last_touch = created + timedelta(days=2) if touches else None
        if status == "open" and is_due(i, due, due_step):
            follow_up: date | None = today - timedelta(days=1 + i % 5)
            nudge_due_at: datetime | None = now - timedelta(hours=1)
        elif status == "open":
            follow_up = today + timedelta(days=1 + (i * 37) % 60)
            nudge_due_at = datetime.combine(follow_up + timedelta(days=1), datetime.min.time()) + timedelta(hours=1)
        else:
            follow_up, nudge_due_at = None, None
        closed = created + timedelta(days=20) if status != "open" else None
        yield (
            i + 1, TEAM, i + 1, f"Company {i}", f"company {i}", f"company {i}", f"Contact {i % 997}", "engineer",
            SOURCES[i % len(SOURCES)], "a proposal for line upgrades", SITUATIONS[i % len(SITUATIONS)], "",
            "units/year", owner, owner, status, "price" if status == "lost" else None, "", touches, follow_up,
            last_touch, nudge_due_at, 0, False, created, created, closed,
        )


def rep_rows(reps: int, digest_due: bool):
    fetched = naive(datetime.now(timezone.utc))
    # 09:00 +08:00 tomorrow: no digest is due at BENCH_NOW unless asked for (the fan-out benchmark).
    next_digest = naive(BENCH_NOW - timedelta(minutes=1)) if digest_due else naive(BENCH_NOW) + timedelta(hours=22)
    for n in range(reps):
        tz = "Asia/Singapore" if n % 3 == 2 else "Asia/Shanghai"
        yield (TEAM, rep_id(n), f"Rep {n}", tz, "en-US", f"rep{n}@example.com", True, fetched, next_digest)


def delivery_rows(reps: int):
    for day_back in range(1, HISTORY_DAYS + 1):
        day = BENCH_NOW.date() - timedelta(days=day_back)
        at = naive(BENCH_NOW) - timedelta(days=day_back, hours=2)
        for n in range(reps):
            user = rep_id(n)
            payload = json.dumps({"day": day.isoformat(), "quiet": []})
            yield (
                TEAM, "digest", user, day.isoformat(), user, payload, "sent", 1, at, at, at, "D" + user[1:],
                f"{int(at.timestamp())}.{n:06d}",
            )


def seed(
    url: str, leads: int, reps: int, due: int, due_step: int, digest_due: bool = False, history: bool = True
) -> None:
    started = time.monotonic()
    upgrade(url)
    if make_url(url).get_backend_name() == "sqlite":
        _load_sqlite(url, leads, reps, due, due_step, digest_due, history)
    else:
        _load_postgres(url, leads, reps, due, due_step, digest_due, history)
    log(f"seeded {leads:,} leads, {reps:,} reps in {time.monotonic() - started:.0f} s")


def _load_postgres(url: str, leads: int, reps: int, due: int, due_step: int, digest_due: bool, history: bool) -> None:
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO teams (team_id, last_lead_number, created_at) VALUES (%s, %s, %s)",
            (TEAM, leads, naive(BENCH_NOW)),
        )
        _copy(cursor, "reps", REP_COLUMNS, rep_rows(reps, digest_due))
        _copy(cursor, "leads", LEAD_COLUMNS, lead_rows(leads, reps, due, due_step))
        cursor.execute("SELECT setval(pg_get_serial_sequence('leads', 'id'), %s)", (leads,))
        if history:
            _copy(cursor, "deliveries", DELIVERY_COLUMNS, delivery_rows(reps))
        connection.commit()
        connection.autocommit = True
        cursor.execute("VACUUM ANALYZE")


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _load_sqlite(url: str, leads: int, reps: int, due: int, due_step: int, digest_due: bool, history: bool) -> None:
    connection = sqlite3.connect(make_url(url).database)

    def iso(rows):
        for row in rows:
            yield tuple(v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v for v in row)

    def insert(table, columns, rows):
        marks = ", ".join("?" * len(columns))
        connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", iso(rows))

    connection.execute(
        "INSERT INTO teams (team_id, last_lead_number, created_at) VALUES (?, ?, ?)",
        (TEAM, leads, naive(BENCH_NOW).strftime("%Y-%m-%d %H:%M:%S.%f")),
    )
    insert("reps", REP_COLUMNS, rep_rows(reps, digest_due))
    insert("leads", LEAD_COLUMNS, lead_rows(leads, reps, due, due_step))
    if history:
        insert("deliveries", DELIVERY_COLUMNS, delivery_rows(reps))
    connection.commit()
    connection.execute("ANALYZE")
    connection.close()


def ensure_postgres(
    name: str, leads: int, reps: int = 2000, due: int = 1000, due_step: int = 4, force: bool = False, **options
) -> str:
    """The URL of a seeded benchmark database, seeding it first when missing (or when forced)."""
    admin = create_engine(postgres_url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists and force:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            exists = False
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = postgres_url(name)
    if not exists:
        log(f"seeding {name} ({leads:,} leads) …")
        seed(url, leads, reps, due, due_step, **options)
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--sqlite", help="seed this SQLite file instead of PostgreSQL")
    parser.add_argument("--force", action="store_true", help="drop and seed again")
    args = parser.parse_args()
    if args.sqlite:
        seed(f"sqlite:///{args.sqlite}", args.leads, args.reps, 1000, 4)
    else:
        print(ensure_postgres(f"leadbot_bench_{args.leads}", args.leads, args.reps, force=args.force))


if __name__ == "__main__":
    main()
