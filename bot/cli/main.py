"""The `leadbot` command: serve, sandbox, scheduler, tick, mail-poll, migrate, import-leads, export, delete-team,
webhook, api-token."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

from dotenv import load_dotenv

from bot.config import Settings, SettingsError
from bot.error_reports import start_error_reports
from bot.logs import configure_logging
from bot.text.i18n import LANGUAGES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="leadbot", description="Never let a B2B enquiry die for lack of follow-up.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="run the Slack app (Socket Mode when SLACK_APP_TOKEN is set, else HTTP)")
    serve.add_argument("--no-scheduler", action="store_true", help="do not run scheduled nudges in this process")
    serve.add_argument("--port", type=int, help="HTTP port (default: PORT, else 3000)")
    serve.add_argument(
        "--workers", type=_workers, metavar="N",
        help="HTTP server processes behind the one port (default: LEADBOT_WEB_WORKERS, else the number of CPU cores)",
    )
    commands.add_parser("scheduler", help="run only the scheduler (nudges and other timed messages)")
    tick = commands.add_parser("tick", help="run everything due at one instant once, then exit")
    tick.add_argument("--at", type=_instant, help="ISO 8601 instant (default: now; without an offset, UTC)")
    poll = commands.add_parser("mail-poll", help="read the sales mailbox once (LEADBOT_MAIL_URL) and say what it did")
    poll.add_argument("--at", type=_instant, help="ISO 8601 instant to read as of (default: now; no offset means UTC)")
    commands.add_parser("migrate", help="bring the database schema up to date")
    sandbox = commands.add_parser("sandbox", help="try leadbot without Slack: a local page that stands in for Slack")
    sandbox.add_argument("--demo", action="store_true", help="seed a small demo team (a fresh file each time)")
    sandbox.add_argument(
        "--port", type=int, default=8765, help="port of the page on 127.0.0.1 (default 8765; 0: any free port)"
    )
    sandbox.add_argument("--db", metavar="FILE", help="SQLite file (default: leadbot-sandbox.db in this directory)")
    sandbox.add_argument(
        "--language", choices=tuple(LANGUAGES),
        help="language of the page and the demo team (default: LEADBOT_LANGUAGE)",
    )
    sandbox.add_argument(
        "--start", type=_instant, help="start the sandbox clock at this ISO 8601 instant (default: now)"
    )
    orders = commands.add_parser("import-orders", help="import orders from a CSV file (company, ordered_on, amount, …)")
    orders.add_argument("file", help="CSV, UTF-8 with or without BOM")
    team_help = (
        "Slack workspace id (T…) the data belongs to (default: the workspace of SLACK_BOT_TOKEN, via auth.test;"
        " with Add to Slack, the one installed workspace: required when there are several)"
    )
    orders.add_argument("--team", help=team_help)
    imports = commands.add_parser("import-leads", help="import leads from a CSV file (a spreadsheet, another CRM)")
    imports.add_argument("file", metavar="FILE.csv")
    imports.add_argument("--team", type=_team, help=team_help)
    export = commands.add_parser(
        "export", help="write the workspace's leads, follow-ups, enquiries and settings to files"
    )
    export.add_argument("--format", choices=("csv", "json"), default="csv", help="file format (default: csv)")
    export.add_argument(
        "--out", metavar="DIR", type=Path, help="directory to write into (default: leadbot-export-TEAM-DATE)"
    )
    export.add_argument("--team", type=_team, help=team_help)
    forget = commands.add_parser(
        "delete-team", help="delete everything leadbot holds for one workspace (asks first), and say what it deleted"
    )
    forget.add_argument("team", type=_team, metavar="TEAM_ID", help="Slack workspace id (T…)")
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    from bot.cli.webhooks import add_parser as add_webhook_parser

    add_webhook_parser(commands)
    tokens = commands.add_parser("api-token", help="make, list or revoke the tokens the HTTP API is called with")
    token_actions = tokens.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = token_actions.add_parser("create", help="make a token and print it once, alone on the last line")
    create.add_argument("--name", required=True, help="what the token is for, e.g. website-form")
    create.add_argument("--team", type=_team, help=team_help)
    listing = token_actions.add_parser("list", help="names, when made and last used (never the tokens)")
    listing.add_argument("--team", type=_team, help=team_help)
    revoke = token_actions.add_parser("revoke", help="stop a token from working")
    revoke.add_argument("name")
    revoke.add_argument("--team", type=_team, help=team_help)
    return parser


def _workers(raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise argparse.ArgumentTypeError(f"not a number of processes: {raw!r} (e.g. 2)")
    return int(raw)


def _team(raw: str) -> str:
    if not re.match(r"^[TE][A-Z0-9]{2,}$", raw):
        raise argparse.ArgumentTypeError(f"not a Slack workspace id: {raw!r} (e.g. T012ABCDEF)")
    return raw


def _instant(raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {raw!r} (e.g. 2026-12-04T09:30:00+08:00)") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    load_dotenv(os.path.join(os.getcwd(), ".env"), override=False)
    try:
        settings = Settings.from_env(os.environ)
        configure_logging(settings.log_level, settings.log_format)
        start_error_reports(settings.sentry_dsn)
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
        from bot.store.migrate import upgrade

        upgrade(settings.database_url)
        print(f"leadbot: database is up to date ({_safe_url(settings.database_url)})")
        return 0
    if args.command == "sandbox":
        from sandbox.run import run

        return run(args.demo, args.port, args.db, args.language, args.start)
    if args.command == "serve":
        if settings.socket_mode:
            from handlers.server import serve

            serve(settings, port=args.port, with_scheduler=not args.no_scheduler, workers=args.workers)
            return 0
        from handlers.prefork import metrics_shared_by_workers

        with metrics_shared_by_workers():  # before the server (and prometheus_client) is loaded
            from handlers.server import serve

            serve(settings, port=args.port, with_scheduler=not args.no_scheduler, workers=args.workers)
        return 0
    if args.command in ("tick", "scheduler", "mail-poll"):
        return _schedule(args, settings)
    if args.command == "import-orders":
        from bot.cli.import_orders import import_orders

        return import_orders(args.file, args.team, settings)
    if args.command in ("import-leads", "export"):
        from bot.cli import import_leads_and_export

        return import_leads_and_export.run(args, settings)
    if args.command == "delete-team":
        from bot.cli.delete_team import delete_team

        return delete_team(args.team, settings, yes=args.yes)
    if args.command == "webhook":
        from bot.cli import webhooks

        return webhooks.run(args, settings)
    if args.command == "api-token":
        from bot.cli import api_token

        return api_token.run(args, settings)
    raise AssertionError(f"unhandled command {args.command}")


def _schedule(args: argparse.Namespace, settings: Settings) -> int:
    from bot.clock import FixedClock
    from bot.container import build_deps
    from bot.store.migrate import is_current

    settings.require_workspace_tokens()
    if not is_current(settings.database_url):
        raise SettingsError("the database schema is not up to date: run `leadbot migrate` first")
    if args.command == "mail-poll":
        from bot.cli.mail_poll import mail_poll
        from scheduler.runner import run_due

        return mail_poll(settings, args.at, run_due)
    if args.command == "tick":
        from scheduler.loop import run_once

        clock = FixedClock(args.at) if args.at else None
        deps = build_deps(settings, clock=clock)
        report = run_once(deps, deps.clock.now())
        print(f"leadbot tick at {deps.clock.now().isoformat()}: {report}")
        return 0
    from scheduler.loop import run_forever

    deps = build_deps(settings)
    deps.teams.resume_all()
    run_forever(deps)
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
