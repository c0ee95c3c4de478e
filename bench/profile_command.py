"""Where a slash command's CPU goes: signed `/lead list` and `/lead new` through the whole WSGI app, under cProfile.

    python -m bench.profile_command                       # PostgreSQL, 1M leads; 300 of each command
    python -m bench.profile_command --commands 500 --database-url sqlite:///bench/data/leadbot_10000.db

The profiler is the standard library's cProfile (deterministic: every call counted), timing CPU
(`time.process_time`) rather than the wall clock, so waits on PostgreSQL and Slack do not count. The app is
leadbot's own WSGI application (`handlers.web.wsgi_app`: body checks, Bolt's signature check and
middleware, the listener, and its Slack calls to a fake Slack over loopback HTTP), called in this
thread with the listener run in this thread too, so one profile sees all of a command's work. The
same commands go to a bare Bolt app that only acks, for the CPU Bolt itself needs. No HTTP server is
in the picture: it is the same for both (see bench.latency for that). Results: the CPU per command of
each, then leadbot's functions by their own time and by cumulative time, also written to
bench/results/profile_command.txt.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
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
from handlers.app import create_app
from handlers.web import wsgi_app
from sandbox.slack_api import make_trigger_id

RESULTS = Path(__file__).resolve().parent / "results" / "profile_command.txt"


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
    body = urlencode({
        "token": "legacy-verification-token", "team_id": TEAM, "team_domain": "bench", "channel_id": "C0GENERAL",
        "channel_name": "general", "user_id": user, "user_name": f"rep{n}", "command": "/lead", "text": kind,
        "api_app_id": "A0001", "is_enterprise_install": "false", "trigger_id": trigger_id,
        "response_url": fake.response_url(channel_id="C0GENERAL", user_id=user),
    }).encode()
    stamp = str(int(time.time()))
    return {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "3000", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
        "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": stamp,
        "HTTP_X_SLACK_SIGNATURE": SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=stamp, body=body),
    }


def run(application, fake, commands: int, mix: list[str], seed: int, profile: cProfile.Profile | None = None) -> float:
    """Send `commands` signed commands through the WSGI app; the CPU seconds this process spent on them."""
    rng = random.Random(seed)
    statuses: list[str] = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    spent = 0.0
    for _ in range(commands):
        environ = signed_environ(fake, rng.choice(mix), rng.randrange(REPS))  # a trigger_id lives 3 s
        began = time.process_time()
        if profile is not None:
            profile.enable()
        b"".join(application(environ, start_response))
        if profile is not None:
            profile.disable()
        spent += time.process_time() - began
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=600, help="commands sent to each app (after 50 to warm up)")
    parser.add_argument("--mix", default="list,new")
    parser.add_argument("--database-url", help="default: the seeded PostgreSQL database with 1M leads")
    parser.add_argument("--top", type=int, default=45, help="functions shown per table")
    args = parser.parse_args()
    url = args.database_url or ensure_postgres("leadbot_bench_1000000", 1_000_000)
    refresh_profiles(url)
    mix = args.mix.split(",")
    fake = fake_slack(REPS)
    # The real clock, as `leadbot serve` has: the seeded profiles are fresh now, not at bench.common's BENCH_NOW.
    deps = build_deps(bench_settings(url, fake.base_url))
    try:
        leadbot = wsgi_app(create_app(deps, listener_executor=InThisThread()), deps.health)
        bare = bare_bolt(deps)
        for application in (bare, leadbot):
            run(application, fake, 50, mix, 1)
        log(f"{args.commands} commands each, load average {load_average()} …")
        bare_cpu = run(bare, fake, args.commands, mix, 2)
        leadbot_cpu = run(leadbot, fake, args.commands, mix, 2)
        profile = cProfile.Profile(time.process_time)  # CPU, not waiting on PostgreSQL or the fake Slack
        run(leadbot, fake, args.commands, mix, 3, profile)
    finally:
        fake.stop()
        deps.close()
    report = io.StringIO()
    report.write(
        f"{args.commands} commands ({args.mix}), database {url.split('@')[-1]}, load average {load_average()}\n"
        f"CPU per command, without the profiler: bare Bolt {bare_cpu * 1000 / args.commands:.2f} ms, "
        f"leadbot {leadbot_cpu * 1000 / args.commands:.2f} ms\n\n"
    )
    stats = pstats.Stats(profile, stream=report).strip_dirs()
    report.write("== by own time ==\n")
    stats.sort_stats("tottime").print_stats(args.top)
    report.write("== by cumulative time ==\n")
    stats.sort_stats("cumulative").print_stats(args.top)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(report.getvalue())
    print(report.getvalue())


if __name__ == "__main__":
    main()
