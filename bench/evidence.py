"""The "does the method pay?" queries at a million leads: /lead stats (team and one rep), the claims ratio.

    python -m bench.evidence                     # PostgreSQL, 1M leads (seeds leadbot_bench_evidence_1000000 first)
    python -m bench.evidence --leads 100000 --sqlite bench-evidence.db

On top of bench.seed's leads (2 in 5 open, the rest won or lost, captured over the last 900 days, closed 20
days after capture), every won lead gets a claimed potential in money and an account with four orders, and one
account in ten was asked "why so little from us?". Prints a Markdown table and the PostgreSQL plans go to
bench/results/evidence_plans.txt.
"""

from __future__ import annotations

import argparse
import statistics
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import event, text

from bench.common import BENCH_NOW, TEAM, bench_deps, fake_slack, load_average, log, rep_id
from bench.seed import ensure_postgres, seed
from bot.services.evidence import EvidenceService
from bot.store.migrate import upgrade

PLANS = Path(__file__).parent / "results" / "evidence_plans.txt"
REASONS = ("price", "unaware", "habit", "special_only", "not_strong", "never_tried", "will_ask")


def add_history(url: str) -> None:
    """Claims, accounts, orders and answers for the seeded won leads, in set-based SQL (a minute at 1M)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as connection:
        if connection.scalar(text("SELECT count(*) FROM accounts WHERE team_id = :t"), {"t": TEAM}):
            return
        log("adding claims, accounts, orders and answers …")
        connection.execute(
            text(
                "UPDATE leads SET claimed_potential = 10000 + (id % 50) * 1000, potential_unit = '' "
                "WHERE team_id = :t AND status = 'won'"
            ),
            {"t": TEAM},
        )
        connection.execute(
            text(
                "INSERT INTO accounts (id, team_id, account_key, name, created_at) "
                "SELECT id, team_id, account_key, company, created_at FROM leads WHERE team_id = :t AND status = 'won'"
            ),
            {"t": TEAM},
        )
        for n in range(4):  # four orders per account over the year after capture: 20–80% of the claim in all
            connection.execute(
                text(
                    "INSERT INTO orders (team_id, account_id, ordered_on, amount, currency, note, import_key, "
                    "created_by, created_at) "
                    f"SELECT team_id, id, {_date_plus(connection, 'created_at', 30 + n * 80)}, "
                    "(10000 + (id % 50) * 1000) * (1 + id % 4) / 20.0, 'CNY', '', "
                    f"'bench-' || id || '-{n}', owner_id, created_at FROM leads WHERE team_id = :t AND status = 'won'"
                ),
                {"t": TEAM},
            )
        connection.execute(
            text(
                "INSERT INTO small_buyer_answers (team_id, account_id, reason, note, answered_by, answered_at, "
                "next_step_on, lead_number) "
                "SELECT team_id, id, CASE id % 7 "
                + " ".join(f"WHEN {i} THEN '{reason}'" for i, reason in enumerate(REASONS))
                + " END, '', owner_id, closed_at, closed_at, NULL "
                "FROM leads WHERE team_id = :t AND status = 'won' AND id % 10 = 0"
            ),
            {"t": TEAM},
        )
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT setval(pg_get_serial_sequence('accounts', 'id'), max(id)) FROM accounts"))
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
    engine.dispose()


def _date_plus(connection, column: str, days: int) -> str:
    if connection.dialect.name == "postgresql":
        return f"CAST({column} + INTERVAL '{days} days' AS DATE)"
    return f"date({column}, '+{days} days')"


def measure(url: str, runs: int) -> list[tuple[str, float, float, int]]:
    slack = fake_slack(1)
    deps = bench_deps(url, slack)
    service = EvidenceService(deps.db)
    statements: list[str] = []
    event.listen(deps.db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    cases = {
        "/lead stats (team: follow-ups by bucket, revived, small buyers asked)":
            lambda: service.report(TEAM, BENCH_NOW, 12, "CNY"),
        "/lead stats me (one rep of 2,000)": lambda: service.report(TEAM, BENCH_NOW, 12, "CNY", owner=rep_id(7)),
        "claims that came true (settings; first time in the hour)": lambda: _cold_claims(service),
        "claims that came true (settings; again within the hour)":
            lambda: service.claims_came_true(TEAM, BENCH_NOW, "CNY", Decimal("0.5")),
    }
    results = []
    for name, run in cases.items():
        run()  # warm the caches, as a running server has them
        statements.clear()
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            answer = run()
            times.append(time.perf_counter() - started)
        results.append((name, statistics.median(times), max(times), len(statements) // runs))
        log(f"{name}: {answer!r:.300}")
    if deps.db.engine.dialect.name == "postgresql":
        _plans(deps, service)
    slack.stop()
    deps.close()
    return results


def _cold_claims(service: EvidenceService):
    service._claims.clear()  # as the first admin to open settings in the hour finds it
    return service.claims_came_true(TEAM, BENCH_NOW, "CNY", Decimal("0.5"))


def _plans(deps, service) -> None:
    captured: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith("EXPLAIN"):
            captured.append((statement, parameters))

    event.listen(deps.db.engine, "before_cursor_execute", keep)
    service.report(TEAM, BENCH_NOW, 12, "CNY")
    _cold_claims(service)
    event.remove(deps.db.engine, "before_cursor_execute", keep)
    lines = []
    with deps.db.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        for statement, parameters in captured:
            with raw.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                lines += [statement, *(row[0] for row in cursor.fetchall()), ""]
    PLANS.write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sqlite", help="seed and measure this SQLite file instead of PostgreSQL")
    args = parser.parse_args()
    if args.sqlite:
        url = f"sqlite:///{args.sqlite}"
        if not Path(args.sqlite).exists():
            seed(url, args.leads, 2000, 1000, 4, history=False)
    else:
        url = ensure_postgres(f"leadbot_bench_evidence_{args.leads}", args.leads, history=False)
    upgrade(url)  # this code's indexes on a database seeded before them
    add_history(url)
    results = measure(url, args.runs)
    backend = "SQLite" if args.sqlite else "PostgreSQL"
    print(f"\n{backend}, {args.leads:,} leads, load {load_average()}\n")
    print("| query | median | slowest | statements |")
    print("| --- | ---: | ---: | ---: |")
    for name, median, slowest, count in results:
        print(f"| {name} | {median * 1000:.0f} ms | {slowest * 1000:.0f} ms | {count} |")


if __name__ == "__main__":
    main()
