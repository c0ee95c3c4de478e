"""`leadbot import-leads` and `leadbot export`: leads in from a spreadsheet, everything out to files."""

from __future__ import annotations

import argparse
import sys

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.cli.progress import ProgressBar
from bot.cli.workspace import choose_team
from bot.clock import local_today
from bot.config import Settings, SettingsError
from bot.services.scopes import USERS_READ_EMAIL, missing_line
from bot.slack_out import slack_error

USER_IDS_INSTEAD = "Or give owners as Slack user ids (U…) instead of email addresses."


class SlackUnavailable(Exception):
    """Slack could not be asked something the command needs; nothing was changed."""


def run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.container import build_deps
    from bot.store.migrate import is_current

    if not is_current(settings.database_url):
        raise SettingsError("the database schema is not up to date: run `leadbot migrate` first")
    deps = build_deps(settings)
    try:
        team_id = choose_team(deps, args.team, lambda: _token_team(settings, deps.web))
        if args.command == "import-leads":
            return _import_leads(args, deps, team_id)
        return _export(args, deps, team_id)
    except SlackUnavailable as error:
        print(f"leadbot: {error}; nothing was changed", file=sys.stderr)
        return 1
    finally:
        deps.db.dispose()


def _token_team(settings: Settings, web: WebClient) -> str:
    """The workspace the bot token belongs to, as Slack's auth.test says."""
    settings.require_bot_token()
    try:
        return web.auth_test()["team_id"]
    except (SlackApiError, OSError) as error:
        reason = slack_error(error) if isinstance(error, SlackApiError) else type(error).__name__
        raise SettingsError(
            f"could not ask Slack which workspace SLACK_BOT_TOKEN belongs to ({reason}); pass --team T…"
        ) from None


def _import_leads(args: argparse.Namespace, deps, team_id: str) -> int:
    from bot.services.leads_csv import BadRow, LeadImporter, count_rows, parse_leads_csv

    path = args.file
    try:
        total = count_rows(path)
        stream = open(path, encoding="utf-8-sig", newline="")  # with or without a byte-order mark
    except OSError as error:
        print(f"leadbot: cannot read {path}: {error.strerror}", file=sys.stderr)
        return 1
    now = deps.clock.now()
    checking = ProgressBar("checking", total, sys.stderr)
    owners = _owner_lookup(deps.client_for(team_id))  # asked of that workspace, with its own token
    try:
        with stream:
            parsed = parse_leads_csv(stream, local_today(now, deps.config(team_id).team_tz), owners, checking, total)
    except BadRow as error:
        checking.close()
        print(f"leadbot: {path}, {error}. Nothing was imported.", file=sys.stderr)
        return 1
    except UnicodeDecodeError:
        checking.close()
        print(f"leadbot: {path} is not UTF-8 text: save it as \"CSV UTF-8\" and try again. Nothing was imported.",
              file=sys.stderr)
        return 1
    checking(len(parsed.rows), len(parsed.rows))  # the line count guessed high where values span lines
    checking.close()
    if parsed.ignored_columns:
        print(f"leadbot: ignoring columns leadbot does not know: {', '.join(parsed.ignored_columns)}", file=sys.stderr)
    writing = ProgressBar("importing", len(parsed.rows), sys.stderr)
    result = LeadImporter(deps.db, deps.policy(team_id)).write(team_id, parsed.rows, now, writing)
    writing.close()
    print(f"leadbot: imported {result.added} leads from {path} into {team_id}"
          f" ({result.already_there} already there).")
    for line, company, number in result.open_elsewhere:
        print(f"leadbot: line {line}: skipped {company}: it already has an open lead, #{number}.")
    return 0


def _owner_lookup(web: WebClient):
    """Owner emails → Slack user ids via users.lookupByEmail, each asked once per run."""
    cache: dict[str, str | None] = {}

    def lookup(email: str) -> str | None:
        key = email.lower()
        if key not in cache:
            try:
                cache[key] = web.users_lookupByEmail(email=email)["user"]["id"]
            except SlackApiError as error:
                if slack_error(error) == "missing_scope":
                    raise SlackUnavailable(missing_line(USERS_READ_EMAIL) + " " + USER_IDS_INSTEAD) from None
                if slack_error(error) != "users_not_found":
                    raise SlackUnavailable(f"Slack refused to look up {email} ({slack_error(error)})") from None
                cache[key] = None
            except OSError as error:
                raise SlackUnavailable(f"could not reach Slack to look up {email} ({type(error).__name__})") from None
        return cache[key]

    return lookup


def _export(args: argparse.Namespace, deps, team_id: str) -> int:
    from bot.services.export import default_out_dir, export

    out = args.out or default_out_dir(team_id, local_today(deps.clock.now(), deps.config(team_id).team_tz))
    try:
        written = export(deps.db, deps.config(team_id), team_id, out, args.format)
    except OSError as error:
        print(f"leadbot: cannot write to {out}: {error.strerror}", file=sys.stderr)
        return 1
    for path, rows in written:
        print(f"leadbot: wrote {path} ({rows} rows)")
    return 0
