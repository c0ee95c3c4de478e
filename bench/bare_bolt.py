"""The baseline for bench.latency: a Bolt app whose one `/lead` command only acks, on leadbot's own server stack.

    python -m bench.bare_bolt --port 3100      # reads the same SLACK_* and DATABASE_URL as leadbot serve
"""

from __future__ import annotations

import argparse
import os

from slack_bolt import App
from slack_sdk import WebClient

from bot.config import Settings
from bot.container import build_deps
from handlers.server import HttpServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("LEADBOT_WEB_THREADS", "8")))
    args = parser.parse_args()
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @app.command("/lead")
    def lead(ack) -> None:
        ack()

    # The same WSGI wrapper (health check, body checks) and waitress settings as `leadbot serve`.
    health = build_deps(Settings.from_env(os.environ)).health
    HttpServer(app, health, "127.0.0.1", args.port, threads=args.threads).run()


if __name__ == "__main__":
    main()
