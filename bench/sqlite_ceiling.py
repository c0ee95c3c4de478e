"""SQLite ceiling: the latency benchmark's load, with writes (`/lead log`), on the SQLite default at rising concurrency.

    python -m bench.sqlite_ceiling                     # 1M leads in bench/data/leadbot_1000000.db (seeded when missing)
    python -m bench.sqlite_ceiling --leads 100000 --clients 5,10,20,40 --seconds 15

Each step starts `leadbot serve --no-scheduler` on the SQLite file, sends list/new/log from N
clients, and counts "database is locked" and other errors in the server's log. The last row
is the same load at the highest concurrency on PostgreSQL, for comparison.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.common import load_average, log
from bench.latency import HEADER, REPS, measure, refresh_profiles, server_env
from bench.seed import ensure_postgres, seed
from bench.slack_process import SlackProcess

DATA = Path(__file__).parent / "data"
RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--clients", default="5,10,20,40")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--mix", default="list,new,log")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL comparison row")
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    RESULTS.mkdir(exist_ok=True)
    path = DATA / f"leadbot_{args.leads}.db"
    if not path.exists():
        log(f"seeding {path} ({args.leads:,} leads) …")
        seed(f"sqlite:///{path}", args.leads, REPS, 1000, 4)
    sqlite_url = f"sqlite:///{path}"
    refresh_profiles(sqlite_url)
    fake = SlackProcess(REPS)
    leadbot = [str(Path(sys.executable).with_name("leadbot")), "serve", "--no-scheduler"]
    mix = args.mix.split(",")
    steps = [("sqlite", sqlite_url, int(c), 1) for c in args.clients.split(",")]
    # Two web workers on one SQLite file: the step a growing team takes first.
    steps.append(("sqlite", sqlite_url, steps[-1][2], 2))
    if not args.no_postgres:
        postgres = ensure_postgres("leadbot_bench_1000000", 1_000_000) if args.leads == 1_000_000 else ensure_postgres(
            f"leadbot_bench_{args.leads}", args.leads
        )
        refresh_profiles(postgres)
        steps.append(("postgresql", postgres, steps[-1][2], 1))
    rows = ["| database | clients | locked | server errors |" + HEADER[0][1:], "|---|---:|---:|---:|" + HEADER[1][1:]]
    try:
        for database, url, clients, workers in steps:
            server_log = RESULTS / f"sqlite_ceiling_{database}_{clients}_{workers}.log"
            name = f"leadbot serve × {workers}" if workers > 1 else "leadbot serve"
            with open(server_log, "w") as stream:
                found, _ = measure(name, leadbot, server_env(url, fake.base_url, "8"), fake, clients,
                                   args.seconds, mix, True, stream, workers)
            text = server_log.read_text()
            locked, errors = text.count("database is locked"), text.count(" ERROR ")
            log(f"{database} at {clients} clients: {locked} 'database is locked', {errors} errors")
            rows += [f"| {database} | {clients} | {locked} | {errors} {row}" for row in found if "| all |" in row]
    finally:
        fake.stop()
    print(
        f"\nmix {args.mix}, {args.seconds:.0f} s per step, {args.leads:,} leads, "
        f"load average after {load_average()}\n"
    )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
