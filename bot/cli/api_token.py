"""`leadbot api-token create|list|revoke`: the keys integrations call the HTTP API with."""

from __future__ import annotations

import argparse
import sys

from bot.config import Settings, SettingsError
from bot.errors import LeadbotError
from bot.text.i18n import t


def run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.import_leads_and_export import _token_team
    from bot.cli.workspace import choose_team
    from bot.container import build_deps
    from bot.store.migrate import is_current

    if not is_current(settings.database_url):
        raise SettingsError("the database schema is not up to date: run `leadbot migrate` first")
    deps = build_deps(settings)
    try:
        team_id = choose_team(deps, args.team, lambda: _token_team(settings, deps.web))
        if args.action == "create":
            try:
                token = deps.api_tokens.create(team_id, args.name, deps.clock.now())
            except LeadbotError as error:
                print(f"leadbot: {t(error.key, 'en', **error.params)}", file=sys.stderr)
                return 1
            print(f"leadbot: made API token {args.name.strip()} for {team_id}. Keep it secret: it is shown only now.")
            print(token)
            return 0
        if args.action == "list":
            tokens = deps.api_tokens.list(team_id)
            if not tokens:
                print(f"leadbot: {team_id} has no API tokens yet (leadbot api-token create --name NAME)")
            for token in tokens:
                used = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "never"
                state = "  revoked" if token.revoked else ""
                print(
                    f"{token.name}  created {token.created_at.isoformat(timespec='seconds')}  last used {used}{state}"
                )
            return 0
        if deps.api_tokens.revoke(team_id, args.name):
            print(f"leadbot: revoked API token {args.name} of {team_id}; requests with it are refused from now on")
            return 0
        print(f"leadbot: {team_id} has no working API token called {args.name}", file=sys.stderr)
        return 1
    finally:
        deps.db.dispose()
