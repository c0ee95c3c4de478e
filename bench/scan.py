"""Scheduler scan: `run_due` over 10k, 100k and 1M leads with the same 1,000 due, and the query plans it used.

    python -m bench.scan                      # all three sizes (seeds missing databases first)
    python -m bench.scan --sizes 10000 --runs 1

Prints a Markdown table; the plans go to bench/results/scan_plans.txt.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, text

from bench.common import BENCH_NOW, TEAM, bench_deps, fake_slack, load_average, log
from bench.seed import ensure_postgres, naive
from scheduler import runner

DUE, DUE_STEP = 1000, 4
PLANS = Path(__file__).parent / "results" / "scan_plans.txt"


def reset(deps) -> None:
    """Back to the seeded state: the same 1,000 leads due, nothing in today's ledger, every profile fresh."""
    with deps.db.engine.begin() as connection:
        connection.execute(
            text("DELETE FROM deliveries WHERE created_at >= :day"), {"day": naive(BENCH_NOW) - timedelta(hours=12)}
        )
        connection.execute(
            text(
                "UPDATE leads SET nudge_due_at = :due, nudges_unanswered = 0, last_nudged_at = NULL "
                "WHERE team_id = :team AND number <= :last AND (number - 1) % :step = 0 AND status = 'open'"
            ),
            {"due": naive(BENCH_NOW) - timedelta(hours=1), "team": TEAM, "last": DUE * DUE_STEP, "step": DUE_STEP},
        )
        connection.execute(
            text("UPDATE reps SET fetched_at = :now, next_digest_at = :tomorrow"),
            {"now": naive(BENCH_NOW), "tomorrow": naive(BENCH_NOW) + timedelta(hours=22)},
        )
        connection.execute(text("ANALYZE leads; ANALYZE deliveries; ANALYZE reps"))


def timed_run(deps) -> tuple[float, float, runner.RunReport, int, float]:
    """run_due's own steps, timed apart: deciding (planning into the ledger) and delivering.

    Also the statements the deciding sent and this process's CPU time for it: on a shared
    machine those move less with other people's load than the wall-clock time does.
    """
    report = runner.RunReport()
    now = BENCH_NOW
    sent = [0]

    def count(*_args) -> None:
        sent[0] += 1

    event.listen(deps.db.engine, "before_cursor_execute", count)
    cpu = time.process_time()
    started = time.perf_counter()
    stopped = deps.teams.stopped()
    report.claimed += runner.plan_due(deps, now, stopped)
    planned = time.perf_counter()
    cpu = time.process_time() - cpu
    event.remove(deps.db.engine, "before_cursor_execute", count)
    statements = sent[0]
    runner.deliver_due(deps, now, stopped, report)
    return planned - started, time.perf_counter() - planned, report, statements, cpu


def capture_statements(deps):
    """Every SELECT and UPDATE the run sends, with its first parameters; and the listener, to remove it after."""
    seen: dict[str, tuple] = {}

    @event.listens_for(deps.db.engine, "before_cursor_execute")
    def remember(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE")) and not executemany:
            seen.setdefault(statement, parameters)

    return seen, remember


def explain(deps, statements: dict[str, tuple]) -> list[tuple[str, str]]:
    plans = []
    raw = deps.db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in statements.items():
            # ANALYZE runs it (inside a transaction rolled back below): the server's own time, without round trips.
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plans.append((statement, "\n".join(row[0] for row in cursor.fetchall())))
        raw.rollback()
    finally:
        raw.close()
    return plans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    slack = fake_slack(2000)
    rows, plan_text = [], []
    for size in [int(s) for s in args.sizes.split(",")]:
        url = ensure_postgres(f"leadbot_bench_{size}", size)
        deps = bench_deps(url, slack)
        decide, deliver, cpu = [], [], []
        for run in range(args.runs):
            reset(deps)
            slack.reset_calls()
            if run == 0:
                statements, listener = capture_statements(deps)
            plan_s, deliver_s, report, statements_sent, cpu_s = timed_run(deps)
            if run == 0:
                event.remove(deps.db.engine, "before_cursor_execute", listener)
            decide.append(plan_s)
            cpu.append(cpu_s)
            deliver.append(deliver_s)
            users_info = len(slack.calls("users.info"))
            log(
                f"{size:,} leads run {run + 1}: decide {plan_s:.2f} s, deliver {deliver_s:.2f} s, {report}, "
                f"users.info {users_info}"
            )
        reset(deps)  # explained against the state the run started from
        plans = explain(deps, statements)
        seq_scans = [s for s, plan in plans if "Seq Scan on leads" in plan or "Seq Scan on deliveries" in plan]
        plan_text.append(f"==== {size:,} leads ====\n" + "\n\n".join(f"{s}\n--\n{p}" for s, p in plans))
        server_ms = [_execution_ms(plan) for _, plan in plans]
        rows.append((
            size, statistics.median(decide), statistics.median(cpu), statements_sent, sum(server_ms), max(server_ms),
            statistics.median(deliver), report, users_info, len(plans), len(seq_scans),
        ))
        deps.db.dispose()
    slack.stop()
    PLANS.parent.mkdir(exist_ok=True)
    PLANS.write_text("\n\n".join(plan_text) + "\n")
    print(f"\nload average {load_average()}, runs per size {args.runs} (median shown)\n")
    print(
        "| leads | due leads | decide, wall | decide, CPU of this process | statements sent to decide "
        "| server time, one of each statement | slowest statement | deliver (zero-latency fake Slack) | messages "
        "| users.info calls | distinct queries | seq scans on leads/deliveries |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, decide_s, cpu_s, sent, server, slowest, deliver_s, report, users_info, explained, seq in rows:
        print(
            f"| {size:,} | {DUE:,} | {decide_s:.2f} s | {cpu_s:.2f} s | {sent:,} | {server:.1f} ms | {slowest:.2f} ms "
            f"| {deliver_s:.2f} s | {report.sent} | {users_info} | {explained} | {seq} |"
        )
    base = rows[0][1]
    print(f"\ndecide time, largest ÷ smallest: {rows[-1][1] / base:.2f}×")


def _execution_ms(plan: str) -> float:
    for line in plan.splitlines():
        if line.strip().startswith("Execution Time:"):
            return float(line.split()[2])
    return 0.0


if __name__ == "__main__":
    main()
