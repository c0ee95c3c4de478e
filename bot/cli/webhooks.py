"""`leadbot webhook add|list|remove|test`: the URLs that receive the workspace's events."""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import TYPE_CHECKING

from bot.config import Settings, SettingsError

if TYPE_CHECKING:
    from bot.services.webhooks import Endpoint

# The parser is built for every `leadbot` command: what `webhook` needs is imported when it runs.

TEST_EVENT = "webhook.test"  # what `webhook test` sends: no change in leadbot, only a signed hello


def add_parser(commands) -> None:
    webhook = commands.add_parser("webhook", help="send the workspace's events to a URL, signed (webhooks)")
    actions = webhook.add_subparsers(dest="action", required=True, metavar="ACTION")
    team_help = (
        "Slack workspace id (T…) (default: the workspace of SLACK_BOT_TOKEN; with Add to Slack, the one installed"
        " workspace: required when there are several)"
    )
    add = actions.add_parser("add", help="register a URL; prints its signing secret once, on the last line")
    add.add_argument("url", metavar="URL")
    add.add_argument("--events", metavar="E1,E2", help="only these events, comma separated (default: all)")
    add.add_argument("--team", help=team_help)
    listing = actions.add_parser("list", help="the registered URLs, their events and whether they work")
    listing.add_argument("--team", help=team_help)
    remove = actions.add_parser("remove", help="stop sending to a URL")
    remove.add_argument("url", metavar="URL")
    remove.add_argument("--team", help=team_help)
    test = actions.add_parser("test", help="send a signed test event to a registered URL now; prints the answer")
    test.add_argument("url", metavar="URL")
    test.add_argument("--team", help=team_help)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.import_orders import workspace_of
    from bot.cli.workspace import choose_team
    from bot.container import build_deps
    from bot.services.webhooks import BadEndpoint, check_url, parse_events
    from bot.store.migrate import is_current

    if args.action == "add":
        # Checked before anything else: a mistyped URL or event is told at once, whatever else is set up.
        try:
            check_url(args.url)
            events = parse_events(args.events)
        except BadEndpoint as error:
            print(f"leadbot: {error}", file=sys.stderr)
            return 2
    if not is_current(settings.database_url):
        raise SettingsError("the database schema is not up to date: run `leadbot migrate` first")
    deps = build_deps(settings)
    try:
        team_id = choose_team(deps, args.team, lambda: workspace_of(deps.web))
        if args.action == "add":
            return _add(deps, team_id, args.url, events)
        if args.action == "list":
            return _list(deps, team_id)
        if args.action == "remove":
            if not deps.webhooks.remove(team_id, args.url):
                print(f"leadbot: {team_id} has no webhook {args.url}", file=sys.stderr)
                return 1
            print(f"leadbot: removed {args.url}; nothing more is sent to it")
            return 0
        return _test(deps, team_id, args.url)
    finally:
        deps.db.dispose()


def _add(deps, team_id: str, url: str, events: tuple[str, ...]) -> int:
    from bot.services.webhooks import BadEndpoint

    try:
        endpoint, secret = deps.webhooks.add(team_id, url, events, deps.clock.now())
    except BadEndpoint as error:
        print(f"leadbot: {error}", file=sys.stderr)
        return 1
    print(f"leadbot: {endpoint.url} now receives {_events(endpoint)} of {team_id}, from now on.")
    print("Its signing secret, shown only this once (verify each delivery with it; see README, Webhooks):")
    print(secret)
    return 0


def _list(deps, team_id: str) -> int:
    endpoints = deps.webhooks.list(team_id)
    if not endpoints:
        print(f"leadbot: {team_id} has no webhooks; add one with `leadbot webhook add URL`")
        return 0
    for endpoint in endpoints:
        print(f"{endpoint.url}\t{_events(endpoint)}\t{_state(endpoint)}")
    return 0


def _test(deps, team_id: str, url: str) -> int:
    from bot.services.lead_json import iso_time
    from bot.webhook_out import DELIVERED, body_of, post_event

    target = deps.webhooks.target(team_id, url)
    if target is None:
        print(f"leadbot: {team_id} has no webhook {url}; add it first", file=sys.stderr)
        return 1
    now = deps.clock.now()
    envelope = {
        "type": TEST_EVENT,
        "timestamp": iso_time(now),
        "actor": "leadbot",
        "data": {"team": team_id, "message": "leadbot can reach this URL"},
    }
    answer = post_event(target.url, target.secret, f"msg_{uuid.uuid4().hex}", body_of(envelope))
    said = answer.text.strip().replace("\n", " ")[:200]
    if answer.status is None:
        print(f"leadbot: no answer from {url}: {answer.error}")
    else:
        print(f"leadbot: {url} answered HTTP {answer.status}" + (f": {said}" if said else ""))
    return 0 if answer.outcome == DELIVERED else 1


def _events(endpoint: Endpoint) -> str:
    return ",".join(endpoint.events) if endpoint.events else "all events"


def _state(endpoint: Endpoint) -> str:
    from bot.services.lead_json import iso_time

    if endpoint.state == "off":
        return f"off since {iso_time(endpoint.disabled_at)} (failed for 24 hours: {endpoint.last_error})"
    if endpoint.state == "failing":
        return f"failing since {iso_time(endpoint.failing_since)} ({endpoint.last_error})"
    return "on"
