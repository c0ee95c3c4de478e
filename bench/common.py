"""What the benchmarks share: the seeded team, the instant measured, a fake Slack with every rep, and reporting."""

from __future__ import annotations

import os
import sys
import threading
import time
from datetime import datetime, timezone

from sqlalchemy.engine import make_url

from bot.clock import FixedClock
from bot.config import Settings
from bot.container import Deps, build_deps
from sandbox.slack_api import FakeSlack

TEAM = "T0BENCH"
BOT_TOKEN = "xoxb-bench-token"
SIGNING_SECRET = "bench-signing-secret"
# A Tuesday, 11:00 in Shanghai and Singapore where the seeded reps work: inside working hours.
BENCH_NOW = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)
POSTGRES_ADMIN_URL = os.environ.get("LEADBOT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def rep_id(n: int) -> str:
    return f"UB{n:07d}"


def postgres_url(database: str) -> str:
    return make_url(POSTGRES_ADMIN_URL).set(database=database).render_as_string(hide_password=False)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load_average() -> str:
    """The 1-minute load when a result was taken: the machine is shared, so numbers need it beside them."""
    return f"{os.getloadavg()[0]:.2f}"


def fake_slack(reps: int, **options) -> FakeSlack:
    fake = FakeSlack(bot_token=BOT_TOKEN, team_id=TEAM, **options).start()
    for n in range(reps):
        fake.add_user(
            rep_id(n), name=f"rep{n}", real_name=f"Rep {n}", tz="Asia/Singapore" if n % 3 == 2 else "Asia/Shanghai"
        )
    return fake


def bench_settings(database_url: str, slack_api_url: str, **overrides: str) -> Settings:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api_url,
        "DATABASE_URL": database_url,
        "LEADBOT_LOG_LEVEL": "WARNING",
        **overrides,
    }
    return Settings.from_env(env)


def bench_deps(database_url: str, slack: FakeSlack, **overrides: str) -> Deps:
    return build_deps(bench_settings(database_url, slack.base_url, **overrides), clock=FixedClock(BENCH_NOW))


def percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))]


def run_clients(client, clients: int) -> None:
    """Run `client(seed)` on `clients` threads at once and wait for all of them (each is one benchmark client)."""
    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
