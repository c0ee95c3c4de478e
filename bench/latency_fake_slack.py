"""Where the fake Slack runs, side by side: in the clients' process (rounds one to nine) and in its own process.

    python -m bench.latency_fake_slack [--rounds 3] [--database-url sqlite:///bench/data/leadbot_10000.db]

bench.latency's measurement (its `measure`: warm-up, then 20 clients sending `/lead list` and `/lead new`), with
bare Bolt then leadbot against each fake in turn, round after round, so that both ways see the same machine.
bench/slack_process.py says why the fake moved.
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
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="default: the seeded PostgreSQL database with 1M leads")
    args = parser.parse_args()
    url = args.database_url or ensure_postgres("leadbot_bench_1000000", 1_000_000)
    refresh_profiles(url)
    fakes = {"own process": SlackProcess(REPS), "this process": SlackInThisProcess(REPS)}
    leadbot = [str(Path(sys.executable).with_name("leadbot")), "serve"]
    bare = [sys.executable, "-m", "bench.bare_bolt"]
    server_log = open(ROOT / "bench" / "results" / "latency_server.log", "w")
    samples = {name: ([], []) for name in fakes}
    try:
        for round_ in range(1, args.rounds + 1):
            for name, fake in fakes.items():
                _, bare_samples = measure(
                    f"bare, fake in {name}, round {round_}", bare, server_env(url, fake.base_url, "8"), fake, 20,
                    args.seconds, ["list", "new"], False, server_log, args.workers, args.warmup,
                )
                rows, ours = measure(
                    f"leadbot, fake in {name}, round {round_}", leadbot, server_env(url, fake.base_url), fake, 20,
                    args.seconds, ["list", "new"], True, server_log, args.workers, args.warmup,
                )
                samples[name][0].append(bare_samples)
                samples[name][1].append(ours)
                throughput, p99 = ratios(bare_samples, ours)
                log(f"round {round_}, fake in {name}: {throughput:.0%}, p99 {p99:.2f}×")
                print(rows[-1], flush=True)
    finally:
        for fake in fakes.values():
            fake.stop()
        server_log.close()
    print("\n| fake Slack | leadbot ÷ bare Bolt, throughput | leadbot ÷ bare Bolt, ack p99 |\n|---|---:|---:|")
    for name, (bare_runs, our_runs) in samples.items():
        throughput, p99 = ratios([s for run in bare_runs for s in run], [s for run in our_runs for s in run])
        print(f"| in {name} | {throughput:.0%} | {p99:.2f}× |")


if __name__ == "__main__":
    main()
