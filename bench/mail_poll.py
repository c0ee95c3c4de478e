"""One pass over a sales mailbox of 10,000 messages: messages per second and peak memory, SQLite and PostgreSQL.

    python -m bench.mail_poll [--messages 10000] [--databases sqlite,postgresql]

Starts a private Dovecot (the tests' `tests/imap_server.py`), APPENDs the messages once (dated over the
past year, one in twenty within the last 14 days), then for each database runs two passes, each in a
fresh database and a subprocess of its own so its peak memory is its own: the *first read* (messages
dated within LEADBOT_MAIL_SINCE_DAYS=14: the server's search narrows it, each Date decides) and a
*full pass* (LEADBOT_MAIL_SINCE_DAYS=400: every message is read and acted on). Peak memory is the
child's ru_maxrss (the whole process: Python, SQLAlchemy, the IMAP client) and tracemalloc's peak of
what Python allocated during the pass alone.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.common import BENCH_NOW, BOT_TOKEN, POSTGRES_ADMIN_URL, TEAM, bench_settings, load_average, log, postgres_url
from bot.clock import FixedClock
from bot.container import build_deps
from bot.services.leads import LeadDraft, add_lead
from bot.store.migrate import upgrade
from sandbox.slack_api import FakeSlack
from tests.imap_server import running_dovecot
from tests.mail_samples import make_mail

REPS = 20
LEADS = 500
IN_WINDOW_EVERY = 20  # one message in twenty is dated within the last 14 days
PASSWORD = "bench-pass"
APPEND_BATCH = 200


def _rep_email(n: int) -> str:
    return f"rep{n}@ourco.example"


def _contact(n: int) -> str:
    return f"buyer{n}@customer{n}.example"


def _messages(count: int):
    """(date, raw) of a mailbox as a sales team fills it: reps' BCCs, buyers' replies, enquiries, bounces."""
    for n in range(count):
        if n % IN_WINDOW_EVERY == 0:
            sent = BENCH_NOW - timedelta(days=13, hours=23) + timedelta(minutes=(n // IN_WINDOW_EVERY) % 19000)
        else:
            sent = BENCH_NOW - timedelta(days=15) - timedelta(minutes=n * 50)  # back over the year before
        lead = n % LEADS
        kind = n % 10
        if kind < 5:
            raw = make_mail(_rep_email(n % REPS), _contact(lead), f"Proposal {n}",
                            f"Dear buyer,\nhere is proposal {n}.\nBest regards\n\nOn Mon, you wrote:\n> earlier",
                            date=sent)
        elif kind < 7:
            raw = make_mail(_contact(lead), "sales-log@ourco.example", f"Re: Proposal {n}",
                            f"Thanks, we will look at it.\n{'Some more text. ' * 40}", date=sent)
        elif kind < 9:
            raw = make_mail(f"someone{n}@stranger{n}.example", "sales-log@ourco.example", f"RFQ {n}",
                            f"Please quote 40 valves.\n{'Specification line. ' * 60}", html_only=kind == 8,
                            date=sent)
        else:
            raw = make_mail(f"mailer-daemon@relay{n % 7}.example", "sales-log@ourco.example",
                            "Undeliverable: Proposal", "Delivery failed.", date=sent)
        yield sent, raw


def _fill(server, user: str, count: int) -> None:
    """APPEND every message, with its Date as the internal date (as mail delivered then would have)."""
    started = time.monotonic()
    with server.session(user, PASSWORD) as client:
        for done, (sent, raw) in enumerate(_messages(count), 1):
            status, detail = client.append("INBOX", None, sent, raw)
            assert status == "OK", detail
            if done % 2000 == 0:
                log(f"appended {done}/{count}")
    log(f"appended {count} messages in {time.monotonic() - started:.0f} s")


def _fresh_database(kind: str, workdir: Path) -> tuple[str, callable]:
    if kind == "sqlite":
        url = f"sqlite:///{workdir / f'mail-{uuid.uuid4().hex[:8]}.db'}"
        upgrade(url)
        return url, lambda: None
    name = f"leadbot_bench_mail_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_url(name)
    upgrade(url)

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def _seed(database_url: str, slack_url: str) -> None:
    """REPS reps (Slack members with emails) and LEADS open leads, each with its buyer's address."""
    deps = build_deps(bench_settings(database_url, slack_url), clock=FixedClock(BENCH_NOW))
    with deps.db.uow() as uow:
        for n in range(LEADS):
            draft = LeadDraft(
                company=f"Customer {n}", contact_name="", contact_role="", source="website", asked_for="valves",
                situation="unknown", discovery_notes="", claimed_potential=None, potential_unit="",
                owner_id=f"UR{n % REPS:07d}", first_follow_up_on=BENCH_NOW.date() + timedelta(days=2),
                contact_email=_contact(n),
            )
            add_lead(uow.session, TEAM, draft, draft.owner_id, BENCH_NOW - timedelta(days=400))
        uow.commit()
    deps.close()


def _child(args: argparse.Namespace) -> None:
    """One pass, measured: run in a process of its own."""
    settings = bench_settings(
        args.database, args.slack, LEADBOT_MAIL_URL=args.mail_url, LEADBOT_MAIL_CA_FILE=args.ca_file,
        LEADBOT_MAIL_SINCE_DAYS=str(args.since_days),
    )
    deps = build_deps(settings, clock=FixedClock(BENCH_NOW))
    tracemalloc.start()
    started, cpu = time.monotonic(), time.process_time()
    report = deps.mail_log.poll(BENCH_NOW)
    seconds, cpu_seconds = time.monotonic() - started, time.process_time() - cpu
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({
        "found": report.found, "outcomes": report.outcomes, "outside_window": report.outside_window,
        "seconds": seconds, "cpu_seconds": cpu_seconds, "tracemalloc_peak": peak,
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "slack_lookups": deps.mail_log.members.asked,
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--slack", help=argparse.SUPPRESS)
    parser.add_argument("--mail-url", help=argparse.SUPPRESS)
    parser.add_argument("--ca-file", help=argparse.SUPPRESS)
    parser.add_argument("--since-days", type=int, default=14, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    slack = FakeSlack(bot_token=BOT_TOKEN, team_id=TEAM).start()
    for n in range(REPS):
        slack.add_user(f"UR{n:07d}", name=f"rep{n}", real_name=f"Rep {n}", tz="Asia/Shanghai", email=_rep_email(n))
    rows = []
    with running_dovecot() as server, tempfile.TemporaryDirectory() as workdir:
        user, _ = server.new_user(PASSWORD)
        _fill(server, user, args.messages)
        mail_url = server.url(user, PASSWORD)
        for kind in args.databases.split(","):
            for label, since in (("first read (last 14 days)", 14), ("full pass (every message)", 400)):
                database, drop = _fresh_database(kind, Path(workdir))
                try:
                    _seed(database, slack.base_url)
                    load = load_average()
                    child = subprocess.run(
                        [sys.executable, "-m", "bench.mail_poll", "--child", "--database", database,
                         "--slack", slack.base_url, "--mail-url", mail_url, "--ca-file", server.ca_file,
                         "--since-days", str(since)],
                        capture_output=True, text=True, check=True, env={**os.environ, "LEADBOT_LOG_LEVEL": "WARNING"},
                    )
                    result = json.loads(child.stdout.strip().splitlines()[-1])
                finally:
                    drop()
                rows.append((kind, label, load, result))
                log(f"{kind} {label}: {result}")
    slack.stop()
    print(f"\n{args.messages} messages in the mailbox, {date.today()}\n")
    print("| database | pass | read | acted on | seconds | messages/s | CPU s | peak RSS MB | tracemalloc peak MB | "
          "Slack look-ups | load |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind, label, load, r in rows:
        acted = r["found"] - r["outside_window"]
        print(
            f"| {kind} | {label} | {r['found']} | {acted} | {r['seconds']:.1f} | {acted / r['seconds']:.0f} | "
            f"{r['cpu_seconds']:.1f} | {r['maxrss_kb'] / 1024:.0f} | {r['tracemalloc_peak'] / 2**20:.1f} | "
            f"{r['slack_lookups']} | {load} |"
        )


if __name__ == "__main__":
    main()
