"""The baseline for bench.latency: a Bolt app whose one `/lead` command only acks, on leadbot's own server stack.

    python -m bench.bare_bolt --port 3100 --workers 2     # reads the same SLACK_* and DATABASE_URL as leadbot serve

The same gunicorn set-up as `leadbot serve` (handlers/prefork.py: the app preloaded, `--workers`
processes of LEADBOT_WEB_THREADS threads on one port) and the same WSGI wrapper (health check,
body checks).
"""

from __future__ import annotations

import argparse
import os

from slack_bolt import App
from slack_sdk import WebClient

from bot.config import Settings
from bot.container import build_deps
from handlers.prefork import PreforkServer, server_options
from handlers.web import wsgi_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("LEADBOT_WEB_THREADS", "8")))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @app.command("/lead")
    def lead(ack) -> None:
        ack()

    deps = build_deps(Settings.from_env(os.environ))
    deps.close()  # the health check's connections are opened by each process after the fork
    options = server_options("127.0.0.1", args.port, args.workers, args.threads, "WARNING")
    PreforkServer(wsgi_app(app, deps.health), options, on_fork=lambda _serving: None, on_exit=deps.close).run()


if __name__ == "__main__":
    main()
