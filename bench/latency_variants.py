"""Settings of `leadbot serve` side by side: each variant and bare Bolt measured in turn, round after round.

    python -m bench.latency_variants --database-url sqlite:///bench/data/leadbot_10000.db \\
        --variant threads8 LEADBOT_WEB_THREADS=8 --variant threads2 LEADBOT_WEB_THREADS=2 --rounds 3

The same measurement as bench.latency (its `measure`: warm-up, then 20 clients sending `/lead list`
and `/lead new`), with bare Bolt then every variant in each round, so that all of them see the same
machine. A variant is a name and environment settings for `leadbot serve`; `LEADBOT_BIN=/path/to/leadbot`
runs another checkout's leadbot (its own virtualenv) for a before-and-after.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.common import log
from bench.latency import REPS, measure, ratios, refresh_profiles, server_env
from bench.seed import ensure_postgres
from bench.slack_process import SlackInThisProcess, SlackProcess

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", nargs="+", action="append", required=True, metavar=("NAME", "SETTING"),
                        help="a name, then NAME=VALUE settings for leadbot serve")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="default: the seeded PostgreSQL database with 1M leads")
    parser.add_argument("--slack-in-this-process", action="store_true", help="as bench.latency's")
    args = parser.parse_args()
    variants = {name: dict(setting.split("=", 1) for setting in settings) for name, *settings in args.variant}
    url = args.database_url or ensure_postgres("leadbot_bench_1000000", 1_000_000)
    refresh_profiles(url)
    fake = SlackInThisProcess(REPS) if args.slack_in_this_process else SlackProcess(REPS)
    bare_env = server_env(url, fake.base_url, "8")
    bare = [sys.executable, "-m", "bench.bare_bolt"]
    server_log = open(ROOT / "bench" / "results" / "latency_server.log", "w")
    samples: dict[str, list] = {"bare": []}
    try:
        for round_ in range(1, args.rounds + 1):
            _, bare_samples = measure(f"bare Bolt, round {round_}", bare, bare_env, fake, 20, args.seconds,
                                      ["list", "new"], False, server_log, args.workers, args.warmup)
            samples["bare"].append(bare_samples)
            for name, settings in variants.items():
                settings = dict(settings)
                leadbot = settings.pop("LEADBOT_BIN", str(Path(sys.executable).with_name("leadbot")))
                rows, ours = measure(f"{name}, round {round_}", [leadbot, "serve"],
                                     {**server_env(url, fake.base_url), **settings}, fake, 20, args.seconds,
                                     ["list", "new"], True, server_log, args.workers, args.warmup)
                samples.setdefault(name, []).append(ours)
                throughput, p99 = ratios(bare_samples, ours)
                log(f"round {round_} {name}: {throughput:.0%} of bare Bolt's throughput, ack p99 {p99:.2f}×")
                print(rows[-1], flush=True)
    finally:
        fake.stop()
        server_log.close()
    every_bare = [s for run in samples["bare"] for s in run]
    print("\n| variant | leadbot ÷ bare Bolt, throughput | leadbot ÷ bare Bolt, ack p99 |\n|---|---:|---:|")
    for name in variants:
        throughput, p99 = ratios(every_bare, [s for run in samples[name] for s in run])
        print(f"| {name} | {throughput:.0%} | {p99:.2f}× |")


if __name__ == "__main__":
    main()
