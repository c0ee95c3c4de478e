"""leadbot's real web worker and scheduler as separate processes, on a clock the test moves.

`python -m tests.workers web CLOCK_FILE`: the production WSGI app (waitress) on a free port, printed as
`listening PORT`; "now" is the instant last written to CLOCK_FILE.
`python -m tests.workers scheduler`: reads one ISO instant per line from stdin, runs everything due then
(`run_once`, as `leadbot tick --at` does) and prints `done INSTANT REPORT`.
Settings come from the environment, as for `leadbot` itself. Starting `leadbot tick` per instant would
spend the simulated week on interpreter start-ups.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from bot.clock import FixedClock
from bot.config import Settings
from bot.container import build_deps


class FileClock:
    """Now is the instant the test last wrote (atomically) to a file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def now(self) -> datetime:
        return datetime.fromisoformat(self.path.read_text().strip())

    @staticmethod
    def write(path: str | Path, instant: datetime) -> None:
        path = Path(path)
        scratch = path.with_suffix(".next")
        scratch.write_text(instant.isoformat())
        os.replace(scratch, path)


def web(clock_path: str) -> None:
    from handlers.server import start_http

    settings = Settings.from_env(os.environ)
    deps = build_deps(settings, clock=FileClock(clock_path))
    server = start_http(deps, "127.0.0.1", 0, threads=settings.web_threads)
    print(f"listening {server.port}", flush=True)
    server.run()


def scheduler() -> None:
    from scheduler.loop import run_once

    clock = FixedClock(datetime.now(timezone.utc))
    deps = build_deps(Settings.from_env(os.environ), clock=clock)
    deps.teams.resume_all()
    print("ready", flush=True)
    for line in sys.stdin:
        instant = datetime.fromisoformat(line.strip())
        clock.set(instant)
        report = run_once(deps, instant)
        print(f"done {instant.isoformat()} {report}", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["web"]:
        web(sys.argv[2])
    elif sys.argv[1:2] == ["scheduler"]:
        scheduler()
    else:
        sys.exit("usage: python -m tests.workers web CLOCK_FILE | scheduler")
