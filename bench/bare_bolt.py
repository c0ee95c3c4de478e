"""The baseline for bench.latency: a Bolt app whose one `/lead` command only acks, on leadbot's own server stack.

    python -m bench.bare_bolt --port 3100      # reads the same SLACK_* and DATABASE_URL as leadbot serve
"""

from __future__ import annotations

import argparse
import os

from slack_bolt import App
from slack_sdk import WebClient

from bot.store.database import Database
from handlers.web import make_server, wsgi_app


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
    server = make_server(wsgi_app(app, Database(os.environ["DATABASE_URL"])), "127.0.0.1", args.port, args.threads)
    server.run()


if __name__ == "__main__":
    main()
