"""`leadbot import-orders`: a CSV file in, all of it or none, with `line N: why` for a bad row."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.cli.progress import ProgressBar
from bot.cli.workspace import choose_team
from bot.clock import SystemClock, local_today
from bot.config import Settings, SettingsError
from bot.container import build_deps
from bot.services.orders_csv import BadRow, decode, read_orders
from bot.services.scopes import USERS_READ_EMAIL, missing_line
from bot.store.migrate import is_current

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def import_orders(path: str, team_id: str | None, settings: Settings) -> int:
    if not is_current(settings.database_url):
        raise SettingsError("the database schema is not up to date: run `leadbot migrate` first")
    file = Path(path)
    if not file.is_file():
        print(f"leadbot: no such file: {path}", file=sys.stderr)
        return 1
    deps = build_deps(settings)
    try:
        team_id = choose_team(deps, team_id, lambda: workspace_of(deps.web))
        text = decode(file.read_bytes())
        now = SystemClock().now()
        progress = ProgressBar("reading", max(text.count("\n") - 1, 1), sys.stderr)
        owners = owner_lookup(deps.client_for(team_id))
        rows = read_orders(text, settings.currency, local_today(now, settings.team_tz), owners, progress)
        progress.close()
    except BadRow as error:
        print(f"leadbot: {file.name}: {error}; nothing was imported", file=sys.stderr)
        return 1
    recorded = deps.orders.import_rows(team_id, [row.item for row in rows], "import", now)
    added = sum(r.added for r in recorded)
    accounts = len({r.account_id for r in recorded})
    print(
        f"leadbot: imported {added} orders for {accounts} accounts from {file.name}; "
        f"{len(recorded) - added} were there already"
    )
    return 0


def workspace_of(client: WebClient) -> str:
    """The team the bot token belongs to."""
    if not client.token:
        raise SettingsError("SLACK_BOT_TOKEN is not set: give --team T… or set the token so leadbot can ask Slack")
    try:
        return client.auth_test()["team_id"]
    except SlackApiError as error:
        raise SettingsError(
            f"Slack refused SLACK_BOT_TOKEN ({error.response.get('error')}); give --team T… instead"
        ) from None


def owner_lookup(client: WebClient):
    """Slack user ids pass as they are; emails are looked up once each."""
    cache: dict[str, str | None] = {}
    told: list[str] = []

    def lookup(cell: str) -> str | None:
        if _USER_ID.match(cell):
            return cell
        if "@" not in cell:
            return None
        if cell not in cache:
            try:
                cache[cell] = client.users_lookupByEmail(email=cell)["user"]["id"]
            except SlackApiError as error:
                cache[cell] = None
                if error.response.get("error") == "missing_scope" and not told:
                    told.append(cell)  # said once a run: every other email owner is left blank the same way
                    line = missing_line(USERS_READ_EMAIL)
                    print(f"leadbot: {line} Owners given by email are left blank.", file=sys.stderr)
        return cache[cell]

    return lookup
