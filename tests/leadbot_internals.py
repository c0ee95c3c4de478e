"""Everything the recorded-payload tools take from bot/, handlers/ and Bolt, in one place.

bot/ and handlers/ are about to be moved into sub-packages and renamed. The recorder
(tests/record_payloads.py), its scenarios (tests/payload_scenarios.py), the replay machinery
(tests/payload_kit.py) and the replay test (tests/test_old_payloads.py) import nothing from them
but this module (plus tests.conftest and tests.support, which the whole suite shares): after a move,
this file is the one to fix, and the recorded payloads stay as they are.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.clock import FixedClock, local_today
from bot.container import Deps, build_deps
from bot.services.leads_csv import LeadImporter, parse_leads_csv
from bot.services.orders_csv import read_orders
from bot.store.database import Database
from bot.store.migrate import upgrade
from handlers.app import create_app
from tests.conftest import START, Running, make_settings

__all__ = [
    "Deps",
    "InteractiveListener",
    "fixed_clock",
    "buyer_replied",
    "escalate_after",
    "import_leads",
    "import_orders",
    "interactive_listeners",
    "migrate_sqlite",
    "new_deps",
    "open_sqlite",
]


def fixed_clock(start: datetime) -> FixedClock:
    """The clock the tests' `clock` fixture gives the app: stands still until a scenario moves it."""
    return FixedClock(start)


def migrate_sqlite(path: Path) -> None:
    """Create the SQLite database at `path` with the latest schema."""
    upgrade(f"sqlite:///{path}")


def open_sqlite(path: Path) -> Database:
    return Database(f"sqlite:///{path}")


def new_deps(database: Database, slack_api_url: str, clock: FixedClock) -> Deps:
    """The app's dependencies with the settings the `app` fixture uses (tests.conftest.make_settings)."""
    return build_deps(make_settings(database.url, slack_api_url), clock=clock, db=database)


def import_orders(app: Running, team_id: str, csv_text: str) -> None:
    """Orders taken in the way `leadbot import-orders FILE.csv --team T…` does, at the app's clock.

    One account per company in the order the rows name them, each made once: the account ids
    are then the same on SQLite and PostgreSQL (a typed `/lead order` asks for its account twice,
    and PostgreSQL's sequence moves both times).
    """
    now = app.deps.clock.now()
    settings = app.deps.settings
    rows = read_orders(csv_text, settings.currency, local_today(now, settings.team_tz), lambda owner: owner)
    app.deps.orders.import_rows(team_id, [row.item for row in rows], "import", now)


def buyer_replied(app: Running, team_id: str, number: int, ref: str, note: str, at: datetime) -> None:
    """The buyer of lead `number` wrote back by email at `at`, as the mailbox reader records it."""
    from sqlalchemy import select

    from bot.store.models import EMAIL, Lead

    with app.deps.db.read() as uow:
        lead_id = uow.session.scalar(select(Lead.id).where(Lead.team_id == team_id, Lead.number == number))
    assert app.deps.buyer_replies.record_reply(team_id, lead_id, EMAIL, ref, note, at, at) is not None


def escalate_after(app: Running, nudges: int, manager: str) -> None:
    """The app as started with LEADBOT_ESCALATE_AFTER and LEADBOT_MANAGER set (the recorder's app has neither)."""
    from dataclasses import replace

    app.deps.settings = replace(app.deps.settings, escalate_after=nudges, manager=manager)
    app.deps.team_settings.defaults = replace(app.deps.team_settings.defaults, escalate_after=nudges, manager=manager)
    app.deps.team_settings._cache.clear()


def import_leads(app: Running, team_id: str, csv_text: str) -> None:
    """Leads taken in the way `leadbot import-leads FILE.csv --team T…` does, at the app's clock (owners by id)."""
    import io

    now = app.deps.clock.now()
    parsed = parse_leads_csv(io.StringIO(csv_text), local_today(now, app.deps.settings.team_tz), lambda owner: owner)
    LeadImporter(app.deps.db, app.deps.policy(team_id)).write(team_id, parsed.rows, now)


# -- the listeners the running app registers ---------------------------------------------------

# Bolt builds each listener's first matcher in a function named after the registering method
# (`action.<locals>.func`, `view_submission.<locals>.func`, …): the kind of request it answers.
_NOT_INTERACTIVE = {"command", "event", "message", "function"}
_PAYLOAD_TYPE = {
    "action": "block_actions",
    "block_action": "block_actions",
    "view": "view_submission",
    "view_submission": "view_submission",
    "view_closed": "view_closed",
    "message_shortcut": "message_action",
    "shortcut": "shortcut",
    "global_shortcut": "shortcut",
    "options": "block_suggestion",
    "block_suggestion": "block_suggestion",
}


@dataclass
class InteractiveListener:
    """One listener of the running Bolt app that answers a button, select, form or shortcut."""

    kind: str  # the payload type it answers: block_actions, view_submission, message_action…
    ids: list[str]  # what it was registered for: action ids, callback ids, or a pattern's text
    name: str  # the listener function, for messages
    _matchers: list[Any]

    def matches(self, payload: dict) -> bool:
        """Whether Bolt would hand `payload` to this listener (Bolt's own matchers decide)."""
        request = BoltRequest(body=payload, mode="socket_mode")
        return all(matcher.matches(request, BoltResponse(status=200)) for matcher in self._matchers)


def interactive_listeners(slack_api_url: str) -> list[InteractiveListener]:
    """Every interactive listener of the Bolt app leadbot builds (`handlers.app.create_app`).

    The app asks Slack's `auth.test` as it starts: `slack_api_url` must be a (fake) Slack that answers.
    """
    directory = Path(tempfile.mkdtemp(prefix="leadbot-listeners-"))
    database = Database(f"sqlite:///{directory / 'unused.db'}")  # never queried: only registration runs
    try:
        app = create_app(new_deps(database, slack_api_url, fixed_clock(START)))
        found = []
        for listener in app._listeners:  # Bolt keeps them in registration order
            primary = listener.matchers[0]
            method = getattr(getattr(primary, "func", None), "__qualname__", "?").split(".")[0]
            if method in _NOT_INTERACTIVE:
                continue
            found.append(
                InteractiveListener(
                    kind=_PAYLOAD_TYPE.get(method, method),
                    ids=_constraints(primary),
                    name=f"{listener.ack_function.__module__}.{listener.ack_function.__qualname__}",
                    _matchers=list(listener.matchers),
                )
            )
        return found
    finally:
        database.dispose()
        shutil.rmtree(directory, ignore_errors=True)


def _constraints(matcher: Any) -> list[str]:
    """What a Bolt matcher was built for, read from its closure (for messages only: matching uses Bolt)."""
    found: list[str] = []
    for cell in getattr(getattr(matcher, "func", None), "__closure__", None) or ():
        value = cell.cell_contents
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, re.Pattern):
            found.append(f"re:{value.pattern}")
        elif isinstance(value, dict):
            found.extend(f"{key}={getattr(v, 'pattern', v)}" for key, v in value.items())
    return found
