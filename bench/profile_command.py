"""Where a slash command's CPU goes: signed `/lead list` and `/lead new` through the whole WSGI app, under cProfile.

    python -m bench.profile_command                       # PostgreSQL, 1M leads; 600 commands a round
    python -m bench.profile_command --commands 500 --database-url sqlite:///bench/data/leadbot_10000.db

CPU is the calling thread's (`time.thread_time`), for the figures and for cProfile's clock: waits on
PostgreSQL and Slack do not count, and neither does the fake Slack, which answers `views.open` on its
own threads in this process (the process's CPU, used before, counted its work as leadbot's: about
two fifths of the figure). The app is leadbot's own WSGI application (`handlers.web.wsgi_app`: body
checks, Bolt's signature check and middleware, the listener, and its Slack calls to a fake Slack over
loopback HTTP), called in this thread with the listener run in this thread too, so one profile sees
all of a command's work. The same commands go to a bare Bolt app that only acks, for the CPU Bolt
itself needs. No HTTP server is in the picture: it is the same for both (see bench.latency for that).

Each command is measured alone, bare Bolt and leadbot taking turns (`--rounds`), and the median
round is reported: on a shared machine one round can be slowed by other processes' use of the
caches. Results: the CPU per command of each, then leadbot's functions by their own time and by
cumulative time, also written to bench/results/profile_command.txt (the raw profile beside it, .prof,
for `python -m pstats`). cProfile adds a fixed cost to every Python call, so it makes code of many
small calls (SQLAlchemy, Bolt) look bigger than it is: compare its times with each other, and the
unprofiled CPU figures for what a command costs.

    python -m bench.profile_command --instructions --commands 100   # the same, counted by valgrind

`--instructions` runs the same commands under valgrind's callgrind (needs `valgrind`; ~5 min) and
reports the instructions this thread executed per command: a count that does not move with what
else runs on the machine, unlike any time. Written to bench/results/profile_instructions.txt.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import Executor, Future
from pathlib import Path
from urllib.parse import urlencode

from slack_bolt import App
from slack_sdk.signature import SignatureVerifier

from bench.common import SIGNING_SECRET, TEAM, bench_settings, fake_slack, load_average, log, rep_id
from bench.latency import REPS, refresh_profiles
from bench.seed import ensure_postgres
from bot.container import build_deps
from bot.logs import configure_logging
from handlers.app import create_app
from handlers.web import wsgi_app
from sandbox.slack_api import make_trigger_id

RESULTS = Path(__file__).resolve().parent / "results" / "profile_command.txt"
CPU = time.thread_time  # this thread only: not the fake Slack's threads
INSTRUCTIONS = RESULTS.with_name("profile_instructions.txt")
CALLGRIND = RESULTS.parent / "callgrind"  # callgrind's files, one per measured stretch and thread


class InThisThread(Executor):
    """Runs each listener at once in the calling thread, so that the profile sees it."""

    def submit(self, fn, /, *args, **kwargs):
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def signed_environ(fake, kind: str, n: int) -> dict:
    user = rep_id(n)
    trigger_id = make_trigger_id()
    fake.note_trigger(trigger_id, user)
    body = urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "team_domain": "bench",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": user,
            "user_name": f"rep{n}",
            "command": "/lead",
            "text": kind,
            "api_app_id": "A0001",
            "is_enterprise_install": "false",
            "trigger_id": trigger_id,
            "response_url": fake.response_url(channel_id="C0GENERAL", user_id=user),
        }
    ).encode()
    stamp = str(int(time.time()))
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "3000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": stamp,
        "HTTP_X_SLACK_SIGNATURE": SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=stamp, body=body),
    }


def run(application, fake, commands: int, mix: list[str], seed: int, profile: cProfile.Profile | None = None) -> float:
    """Send `commands` signed commands through the WSGI app; the CPU seconds this thread spent on them."""
    rng = random.Random(seed)
    statuses: list[str] = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    spent = 0.0
    for _ in range(commands):
        environ = signed_environ(fake, rng.choice(mix), rng.randrange(REPS))  # a trigger_id lives 3 s
        began = CPU()
        if profile is not None:
            profile.enable()
        b"".join(application(environ, start_response))
        if profile is not None:
            profile.disable()
        spent += CPU() - began
    failed = [s for s in statuses if not s.startswith("200")]
    if failed:
        raise RuntimeError(f"{len(failed)} commands failed: {failed[:3]}")
    return spent


def bare_bolt(deps) -> object:
    app = App(client=deps.web, signing_secret=SIGNING_SECRET, listener_executor=InThisThread())

    @app.command("/lead")
    def lead(ack) -> None:
        ack()

    return wsgi_app(app, deps.health)


def per_command(application, fake, commands: int, kind: str, seed: int) -> float:
    return run(application, fake, commands, [kind], seed) * 1000 / commands


def counted_under_valgrind(label: str) -> None:
    """Callgrind writes the instructions counted since the last time, and starts again from zero."""
    subprocess.run(["callgrind_control", "--dump=" + label, str(os.getpid())], check=True, capture_output=True)


def instructions(args: argparse.Namespace, url: str) -> None:
    """Run the commands under callgrind, each app's in its own counted stretch; instructions per command."""
    shutil.rmtree(CALLGRIND, ignore_errors=True)
    CALLGRIND.mkdir(parents=True)
    command = [sys.executable, "-m", "bench.profile_command", "--under-valgrind", "--database-url", url]
    command += ["--commands", str(args.commands), "--mix", args.mix]
    subprocess.run(
        ["valgrind", "--tool=callgrind", "--separate-threads=yes", f"--callgrind-out-file={CALLGRIND}/cg.%p"] + command,
        check=True,
        capture_output=True,
    )
    counts: dict[str, int] = {}
    for path in CALLGRIND.glob("cg.*-01"):  # thread 1: the one that runs the app (the fake Slack has its own)
        text = path.read_text(errors="replace")
        label = re.search(r"^desc: Trigger: dump (.*)$", text, re.M)
        total = re.search(r"^totals: (\d+)", text, re.M)
        if label and total:
            counts[label.group(1).strip()] = int(total.group(1))
    lines = [
        f"{args.commands} commands of each kind, database {url.split('@')[-1]}: instructions this thread executed",
        "per command (valgrind --tool=callgrind), without a profiler",
    ]
    for label, total in sorted(counts.items()):
        if ":" in label:
            lines.append(f"  {label:16} {total / args.commands / 1e6:.2f} M")
    INSTRUCTIONS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def under_valgrind(args: argparse.Namespace, url: str, fake, deps) -> None:
    leadbot = wsgi_app(create_app(deps, listener_executor=InThisThread()), deps.health)
    bare = bare_bolt(deps)
    mix = args.mix.split(",")
    for application in (bare, leadbot):
        run(application, fake, 20, mix, 1)
    for kind in mix:
        for name, application in (("bare", bare), ("leadbot", leadbot)):
            counted_under_valgrind("warm-up")
            run(application, fake, args.commands, [kind], 2)
            counted_under_valgrind(f"{name}:{kind}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--commands", type=int, default=600, help="commands sent to each app per round (after 50 to warm up)"
    )
    parser.add_argument("--rounds", type=int, default=5, help="bare Bolt then leadbot, this many times per command")
    parser.add_argument("--mix", default="list,new")
    parser.add_argument("--database-url", help="default: the seeded PostgreSQL database with 1M leads")
    parser.add_argument("--top", type=int, default=45, help="functions shown per table")
    parser.add_argument("--instructions", action="store_true", help="count instructions under valgrind instead")
    parser.add_argument("--under-valgrind", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = args.database_url or ensure_postgres("leadbot_bench_1000000", 1_000_000)
    refresh_profiles(url)
    if args.instructions:
        instructions(args, url)
        return
    mix = args.mix.split(",")
    fake = fake_slack(REPS)
    # The real clock, as `leadbot serve` has: the seeded profiles are fresh now, not at bench.common's BENCH_NOW.
    settings = bench_settings(url, fake.base_url)
    configure_logging(settings.log_level, settings.log_format)  # as `leadbot serve` does: library loggers too
    deps = build_deps(settings)
    if args.under_valgrind:
        try:
            under_valgrind(args, url, fake, deps)
        finally:
            fake.stop()
            deps.close()
        return
    cpu: dict[tuple[str, str], list[float]] = {}
    try:
        leadbot = wsgi_app(create_app(deps, listener_executor=InThisThread()), deps.health)
        bare = bare_bolt(deps)
        for application in (bare, leadbot):
            run(application, fake, 50, mix, 1)
        log(f"{args.rounds} rounds of {args.commands} commands each, load average {load_average()} …")
        for round_ in range(args.rounds):
            for kind in mix:
                for name, application in (("bare Bolt", bare), ("leadbot", leadbot)):
                    cpu.setdefault((name, kind), []).append(
                        per_command(application, fake, args.commands, kind, 2 + round_)
                    )
        profile = cProfile.Profile(CPU)  # CPU, not waiting on PostgreSQL or the fake Slack
        run(leadbot, fake, args.commands, mix, 3, profile)
    finally:
        fake.stop()
        deps.close()
    report = io.StringIO()
    report.write(
        f"{args.commands} commands a round, {args.rounds} rounds, database {url.split('@')[-1]}, "
        f"load average {load_average()}\n"
        "CPU per command (this thread), without the profiler: median of the rounds [each round]\n"
    )
    for (name, kind), spent in cpu.items():
        rounds = " ".join(f"{ms:.3f}" for ms in spent)
        report.write(f"  {name:9} {kind:5} {statistics.median(spent):.3f} ms  [{rounds}]\n")
    report.write(f"\nProfiled: {args.commands} commands ({args.mix}) through leadbot\n")
    stats = pstats.Stats(profile, stream=report).strip_dirs()
    report.write("== by own time ==\n")
    stats.sort_stats("tottime").print_stats(args.top)
    report.write("== by cumulative time ==\n")
    stats.sort_stats("cumulative").print_stats(args.top)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(report.getvalue())
    stats.dump_stats(RESULTS.with_suffix(".prof"))
    print(report.getvalue())


if __name__ == "__main__":
    main()
