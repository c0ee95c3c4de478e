"""Several leadbot processes on one PostgreSQL database, the way a bigger team deploys it, for the fault tests."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sandbox.slack_api import FakeSlack
from sandbox.slack_requests import SignedSlack
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.workers import FileClock

ROOT = Path(__file__).resolve().parent.parent


def worker_env(database_url: str, slack_api_url: str, **settings: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LEADBOT_", "DATABASE_URL", "PORT"))}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack_api_url,
        DATABASE_URL=database_url, LEADBOT_LOG_LEVEL="WARNING", **settings,
    )
    return env


def scheduler_api_url(slack: FakeSlack) -> str:
    """The fake Slack under another host name, so its records tell a scheduler's posts from a web worker's."""
    return f"http://localhost:{slack.port}/api/"


def posted_by_schedulers(slack: FakeSlack) -> list:
    return [c for c in slack.calls("chat.postMessage") if c.ok and c.headers.get("host", "").startswith("localhost:")]


@dataclass
class Web:
    """A web worker process, and Slack's signed requests into it (shaped like tests.conftest.Running)."""

    process: subprocess.Popen
    url: str
    send: SignedSlack
    slack: FakeSlack


class Scheduler:
    """A scheduler process that runs everything due at each instant it is given."""

    def __init__(self, env: dict, log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.workers", "scheduler"], cwd=ROOT, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log.open("a"),
        )
        self.expect("ready")

    def start_run(self, instant: datetime) -> None:
        self.process.stdin.write(instant.isoformat() + "\n")
        self.process.stdin.flush()

    def expect(self, prefix: str) -> str:
        line = self.process.stdout.readline()
        if not line.startswith(prefix):
            raise AssertionError(f"scheduler said {line!r}; its log:\n{self.log.read_text()[-3000:]}")
        return line

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


class Cluster:
    """N web workers and M schedulers sharing one database and one simulated clock."""

    def __init__(self, tmp_path: Path, database_url: str, slack: FakeSlack, **settings: str) -> None:
        self.tmp_path, self.database_url, self.slack, self.settings = tmp_path, database_url, slack, settings
        self.clock_file = tmp_path / "now.txt"
        self.webs: list[Web] = []
        self.schedulers: list[Scheduler] = []

    def set_clock(self, instant: datetime) -> None:
        FileClock.write(self.clock_file, instant)

    def start_web(self) -> Web:
        env = worker_env(self.database_url, self.slack.base_url, LEADBOT_WEB_THREADS="4", **self.settings)
        log = self.tmp_path / f"web{len(self.webs)}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.workers", "web", str(self.clock_file)], cwd=ROOT, env=env, text=True,
            stdout=subprocess.PIPE, stderr=log.open("a"),
        )
        line = process.stdout.readline()
        if not line.startswith("listening "):
            raise AssertionError(f"web worker said {line!r}; its log:\n{log.read_text()[-3000:]}")
        url = f"http://127.0.0.1:{int(line.split()[1])}"
        self.webs.append(Web(process, url, SignedSlack(url + "/slack/events", SIGNING_SECRET, self.slack), self.slack))
        return self.webs[-1]

    def start_scheduler(self) -> Scheduler:
        env = worker_env(self.database_url, scheduler_api_url(self.slack), **self.settings)
        self.schedulers.append(Scheduler(env, self.tmp_path / f"scheduler{len(self.schedulers)}.log"))
        return self.schedulers[-1]

    def any_web(self, rng: random.Random) -> Web:
        return rng.choice(self.webs)

    def two_webs(self, rng: random.Random) -> tuple[Web, Web]:
        first, second = rng.sample(self.webs, 2)
        return first, second

    def run_schedulers(self, instant: datetime) -> list[str]:
        """Every scheduler runs at `instant` at the same time; returns their reports."""
        for scheduler in self.schedulers:
            scheduler.start_run(instant)
        return [scheduler.expect("done") for scheduler in self.schedulers]

    def stop(self) -> None:
        for scheduler in self.schedulers:
            scheduler.stop()
        for web in self.webs:
            web.process.terminate()
        for web in self.webs:
            try:
                web.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                web.process.kill()
