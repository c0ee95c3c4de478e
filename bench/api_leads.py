"""HTTP API throughput: `POST /api/v1/leads` from 20 clients against `leadbot serve`, beside bare Bolt acking `/lead`.

    python -m bench.api_leads                            # PostgreSQL, 10,000 leads (seeded when missing), 20 clients
    python -m bench.api_leads --clients 20 --seconds 15 --rounds 2 --workers 2

Each client keeps one connection and posts new leads back to back (a new company each time, owned by one of
the seeded reps, so that every request captures a lead, tells its owner by DM and counts against its token's
rate), with a token of its own (20 integrations) and then all with one token (one busy integration: every
request updates the same token row). The servers take turns, A B A B (`--rounds`), on the same stack as bench.latency: gunicorn, the app
preloaded, `--workers` processes of LEADBOT_WEB_THREADS threads. The benchmark has a database of its own
(`leadbot_bench_api`), since `leadbot serve` migrates the database it serves.
"""  # noqa: E501 - the first line is the --help description, so it stays one line

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from bench.common import TEAM, load_average, log, percentile, rep_id, run_clients
from bench.latency import (
    REPS,
    ROOT,
    Sample,
    children,
    cpu_seconds,
    free_port,
    load,
    refresh_profiles,
    server_env,
    start,
    stop,
)
from bench.seed import ensure_postgres
from bench.slack_process import SlackProcess
from bot.services.api_tokens import ApiTokens
from bot.store.database import Database

DATABASE = "leadbot_bench_api"


@dataclass
class Posted:
    latency: float
    status: int


def post_leads(port: int, tokens: list[str], clients: int, seconds: float, tag: str) -> list[Posted]:
    """`clients` threads, each on one keep-alive connection, posting new leads for `seconds`; client i uses token
    i mod len(tokens)."""
    results: list[Posted] = []
    stop_at = time.monotonic() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        token = tokens[seed % len(tokens)]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[Posted] = []
        count = 0
        while time.monotonic() < stop_at:
            count += 1
            body = json.dumps(
                {
                    "company": f"Bench {tag} {seed}-{count}",
                    "contact": "Li Wei",
                    "source": "website",
                    "asked_for": "a quote for 5,000 cartons",
                    "claimed_potential": "12000",
                    "owner": rep_id(rng.randrange(REPS)),
                }
            ).encode()
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            began = time.perf_counter()
            try:
                connection.request("POST", "/api/v1/leads", body, headers)
                answer = connection.getresponse()
                answer.read()
                status = answer.status
            except (OSError, http.client.HTTPException):
                status = 0
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(Posted(time.perf_counter() - began, status))
        connection.close()
        results.extend(mine)

    run_clients(client, clients)
    return results


def row(name: str, latencies: list[float], errors: int, seconds: float, cpu: float) -> str:
    ok = sorted(latencies)
    cells = [
        name,
        f"{len(ok) / seconds:.0f}",
        *(f"{percentile(ok, q) * 1000:.0f}" for q in (0.5, 0.95, 0.99)),
        str(errors),
        f"{cpu * 1000 / max(1, len(ok)):.1f}",
    ]
    return "| " + " | ".join(cells) + " |"


def measure_api(
    name: str,
    command: list[str],
    env: dict,
    url: str,
    clients: int,
    seconds: float,
    workers: int,
    server_log,
    round_: int,
    tokens: int,
) -> tuple[str, list[Posted]]:
    port = free_port()
    process = start([*command, "--port", str(port), "--workers", str(workers)], env, port, server_log, workers)
    try:
        # `serve` has migrated the database by now; fresh tokens each round (only their hashes are stored).
        db = Database(url)
        made = [
            ApiTokens(db).create(TEAM, f"bench-{time.time_ns()}-{n}", datetime.now(timezone.utc)) for n in range(tokens)
        ]
        db.dispose()
        tag = f"r{round_}-{time.time_ns()}"
        post_leads(port, made, clients, min(3.0, seconds), tag + "w")  # warm up
        time.sleep(1)
        log(f"{name}: {clients} clients for {seconds:.0f} s (load average {load_average()}) …")
        pids = [process.pid, *children(process.pid)]
        cpu = cpu_seconds(pids)
        posted = post_leads(port, made, clients, seconds, tag)
        cpu = cpu_seconds(pids) - cpu
    finally:
        stop(process)
    created = [p.latency for p in posted if p.status == 201]
    return row(name, created, len(posted) - len(created), seconds, cpu), posted


def measure_bare(
    name: str, command: list[str], env: dict, fake, clients: int, seconds: float, workers: int, server_log
) -> tuple[str, list[Sample]]:
    port = free_port()
    process = start([*command, "--port", str(port), "--workers", str(workers)], env, port, server_log, workers)
    try:
        load([port], fake, clients, min(3.0, seconds), ["new"])
        time.sleep(1)
        log(f"{name}: {clients} clients for {seconds:.0f} s (load average {load_average()}) …")
        pids = [process.pid, *children(process.pid)]
        cpu = cpu_seconds(pids)
        samples = load([port], fake, clients, seconds, ["new"])
        cpu = cpu_seconds(pids) - cpu
    finally:
        stop(process)
    ok = [s.ack for s in samples if s.status == 200]
    return row(name, ok, len(samples) - len(ok), seconds, cpu), samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--threads", default="8", help="LEADBOT_WEB_THREADS of both servers")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=2, help="bare Bolt then leadbot's API, this many times")
    parser.add_argument(
        "--tokens",
        default="20,1",
        help="API tokens the clients share, one measurement each: 20 (an integration each), 1 (one shared token)",
    )
    args = parser.parse_args()
    url = ensure_postgres(DATABASE, 10_000)
    refresh_profiles(url)
    fake = SlackProcess(REPS)
    # No rate limit in the way of the load; each request is still counted against the token.
    env = {**server_env(url, fake.base_url, args.threads), "LEADBOT_API_RATE": "1000000000"}
    leadbot = [str(Path(sys.executable).with_name("leadbot")), "serve"]
    bare = [sys.executable, "-m", "bench.bare_bolt"]
    server_log = open(ROOT / "bench" / "results" / "api_leads_server.log", "w")
    rows = [
        "| server | req/s | p50 ms | p95 ms | p99 ms | errors | server CPU ms per request |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    try:
        for round_ in range(1, args.rounds + 1):
            suffix = f" × {args.workers}, round {round_}"
            bare_row, _ = measure_bare(
                f"bare Bolt, `/lead` ack only{suffix}",
                bare,
                env,
                fake,
                args.clients,
                args.seconds,
                args.workers,
                server_log,
            )
            rows.append(bare_row)
            for tokens in (int(n) for n in args.tokens.split(",")):
                api_row, _ = measure_api(
                    f"leadbot serve, `POST /api/v1/leads`, {tokens} token{'s' if tokens > 1 else ''}{suffix}",
                    leadbot,
                    env,
                    url,
                    args.clients,
                    args.seconds,
                    args.workers,
                    server_log,
                    round_,
                    tokens,
                )
                rows.append(api_row)
    finally:
        fake.stop()
        server_log.close()
    print(
        f"\n{args.clients} clients, {args.workers} worker(s) each, {args.seconds:.0f} s each, {args.rounds} rounds "
        f"A B, database {DATABASE}, load average after {load_average()}\n"
    )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
