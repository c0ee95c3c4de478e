"""Fan-out: 5,000 morning digests through a fake Slack that takes 100 ms a call and enforces its rate limits.

    python -m bench.fanout                    # PostgreSQL database leadbot_bench_fanout (seeded when missing)
    python -m bench.fanout --concurrency 8
    python -m bench.fanout --reps 500         # a quick run: only the first 500 reps' digests are due
    python -m bench.fanout --schedulers 2     # two scheduler processes on the same database at once

The fake Slack runs in a process of its own, as Slack is not in ours: the peak memory
reported is leadbot's (run_due and everything it loaded), not the fake's message store.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import text

from bench.common import BENCH_NOW, TEAM, bench_deps, fake_slack, load_average, log, rep_id
from bench.seed import ensure_postgres, naive
from bot.store.migrate import upgrade
from scheduler import runner
from scheduler.kinds import digest, nudge

REPS = 5000


def serve_fake_slack(pipe, reps: int, latency: float) -> None:
    """The child process: a fake Slack with every rep, answering `stats` over the pipe."""
    fake = fake_slack(reps, enforce_rate_limits=True)
    fake.latency = latency
    pipe.send(fake.base_url)
    while pipe.recv() == "stats":
        posts = fake.calls("chat.postMessage")
        accepted = Counter(c.params.get("channel") for c in posts if c.answered_status == 200)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        in_dms = Counter(message["channel"] for message in fake.messages())
        pipe.send({
            "cpu": usage.ru_utime + usage.ru_stime,
            "dms_twice": sum(1 for n in in_dms.values() if n > 1),
            "history": len(fake.calls("conversations.history")),
            "posts": len(posts),
            "accepted": sum(accepted.values()),
            "rate_limited": sum(1 for c in posts if c.answered_status == 429),
            "targets_twice": sum(1 for n in accepted.values() if n > 1),
            "users_info": len(fake.calls("users.info")),
        })
    fake.stop()


def reset(deps, reps: int = REPS) -> None:
    """The first `reps` reps' digests due now, each with quiet leads to list; nothing written for today yet."""
    with deps.db.engine.begin() as connection:
        connection.execute(text("DELETE FROM deliveries"))
        connection.execute(
            text(
                "UPDATE reps SET fetched_at = :now, "
                "next_digest_at = CASE WHEN user_id < :upto THEN :due ELSE :later END"
            ),
            {
                "now": naive(BENCH_NOW), "due": naive(BENCH_NOW) - timedelta(minutes=1),
                "later": naive(BENCH_NOW) + timedelta(days=1), "upto": rep_id(reps),
            },
        )
        connection.execute(
            text(
                "UPDATE leads SET nudge_due_at = CASE WHEN owner_id < :upto THEN :due ELSE :later END, "
                "nudges_unanswered = 0, last_nudged_at = NULL WHERE team_id = :team"
            ),
            {
                "due": naive(BENCH_NOW) - timedelta(hours=1), "later": naive(BENCH_NOW) + timedelta(days=1),
                "team": TEAM, "upto": rep_id(reps),
            },
        )
        connection.execute(text("ANALYZE"))


def scheduler_process(url: str, slack_url: str, concurrency: str, start, results) -> None:
    """One scheduler: decide the due digests and nudges, then post everything due; reports its own figures."""

    class Remote:  # what bench_deps needs of a fake Slack
        base_url = slack_url

    deps = bench_deps(url, Remote, LEADBOT_SEND_CONCURRENCY=concurrency)
    deps.db.engine.connect().close()
    start.wait()
    report = runner.RunReport()
    started, cpu_started = time.perf_counter(), time.process_time()
    stopped = deps.teams.stopped()
    report.claimed += digest.KIND.plan(deps, BENCH_NOW, stopped) + nudge.KIND.plan(deps, BENCH_NOW, stopped)
    planned, cpu_planned = time.perf_counter(), time.process_time()
    runner.deliver_due(deps, BENCH_NOW, stopped, report)
    finished, cpu_finished = time.perf_counter(), time.process_time()
    deps.db.dispose()
    results.put({
        "plan": planned - started, "deliver": finished - planned, "cpu_plan": cpu_planned - cpu_started,
        "cpu_deliver": cpu_finished - cpu_planned, "sent": report.sent, "claimed": report.claimed,
        "found": report.found_posted, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "started": started, "finished": finished,
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", default="32", help="LEADBOT_SEND_CONCURRENCY")
    parser.add_argument("--reps", type=int, default=REPS, help="how many of the seeded reps have a digest due")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds the fake Slack adds to every call")
    parser.add_argument("--schedulers", type=int, default=1, help="scheduler processes running at once")
    parser.add_argument("--database", default="leadbot_bench_fanout", help="PostgreSQL database (seeded when missing)")
    args = parser.parse_args()
    url = ensure_postgres(args.database, leads=REPS, reps=REPS, due=REPS, due_step=1, digest_due=True, history=False)
    upgrade(url)  # a database seeded by an older leadbot gets the newer columns
    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.Process(target=serve_fake_slack, args=(theirs, REPS, args.latency), daemon=True)
    child.start()
    slack_url = ours.recv()

    class Remote:  # what bench_deps needs of a fake Slack
        base_url = slack_url

    deps = bench_deps(url, Remote, LEADBOT_SEND_CONCURRENCY=args.concurrency)
    reset(deps, args.reps)
    log(
        f"running {args.schedulers} scheduler(s) for {args.reps:,} digests, concurrency {args.concurrency}, "
        f"{args.latency * 1000:.0f} ms a call …"
    )
    start, results = multiprocessing.Event(), multiprocessing.Queue()
    schedulers = [
        multiprocessing.Process(target=scheduler_process, args=(url, slack_url, args.concurrency, start, results))
        for _ in range(args.schedulers)
    ]
    for process in schedulers:
        process.start()
    time.sleep(2)  # every process imported and connected: the clock starts for all at once
    start.set()
    figures = [results.get() for _ in schedulers]
    for process in schedulers:
        process.join(timeout=30)
    ours.send("stats")
    stats = ours.recv()
    ours.send("stop")
    child.join(timeout=10)
    with deps.db.engine.connect() as connection:
        statuses = dict(connection.execute(text("SELECT status, count(*) FROM deliveries GROUP BY status")).all())
    deps.db.dispose()
    total = max(f["finished"] for f in figures) - min(f["started"] for f in figures)
    cpu = ", ".join("{:.1f} s + {:.1f} s".format(f["cpu_plan"], f["cpu_deliver"]) for f in figures)
    sent = " + ".join("{:,}".format(f["sent"]) for f in figures)
    rss = ", ".join("{:.0f} MB".format(f["rss"]) for f in figures)
    print(f"\nload average {load_average()}\n")
    print(
        "| digests | schedulers | send concurrency | plan | deliver | total | CPU per scheduler: plan + deliver "
        "| sent | posts accepted | 429s | DMs twice | ledger | peak RSS per scheduler | fake Slack CPU |"
    )
    print("|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---|---|---|")
    print(
        f"| {args.reps:,} | {args.schedulers} | {args.concurrency} "
        f"| {max(f['plan'] for f in figures):.1f} s | {max(f['deliver'] for f in figures):.1f} s | {total:.1f} s "
        f"| {cpu} | {sent} | {stats['accepted']:,} of {stats['posts']:,} "
        f"| {stats['rate_limited']} | {stats['dms_twice']} | {statuses} | {rss} | {stats['cpu']:.1f} s |"
    )

if __name__ == "__main__":
    main()
