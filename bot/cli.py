"""The `leadbot` command: serve, migrate."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from dotenv import load_dotenv

from bot.config import Settings, SettingsError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="leadbot", description="Never let a B2B enquiry die for lack of follow-up.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="run the Slack app (Socket Mode when SLACK_APP_TOKEN is set, else HTTP)")
    serve.add_argument("--no-scheduler", action="store_true", help="do not run scheduled nudges in this process")
    serve.add_argument("--port", type=int, help="HTTP port (default: PORT, else 3000)")
    commands.add_parser("migrate", help="bring the database schema up to date")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    load_dotenv(os.path.join(os.getcwd(), ".env"), override=False)
    try:
        settings = Settings.from_env(os.environ)
        logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        if settings.log_level != "DEBUG":
            logging.getLogger("alembic").setLevel(logging.WARNING)
        return _run(args, settings)
    except SettingsError as error:
        print(f"leadbot: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "migrate":
        from bot.migrate import upgrade

        upgrade(settings.database_url)
        print(f"leadbot: database is up to date ({_safe_url(settings.database_url)})")
        return 0
    if args.command == "serve":
        from handlers.server import serve

        serve(settings, port=args.port)
        return 0
    raise AssertionError(f"unhandled command {args.command}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
