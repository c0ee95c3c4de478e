"""The sandbox workspace: the real app on loopback, the stand-in Slack, a movable clock, and time travel."""

from __future__ import annotations

import logging
import secrets
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Iterator, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import event

from bot.clock import MovableClock
from bot.config import Settings
from bot.container import Deps, build_deps, migrate_database
from bot.store.database import Database
from bot.text.i18n import DEFAULT_LANGUAGE, LANGUAGES, language_tag
from handlers.app import ContextThreadPool
from handlers.server import start_http
from sandbox.slack_api import FakeSlack
from sandbox.slack_requests import SignedSlack
from scheduler.next_due import next_due
from scheduler.runner import RunReport, run_due

logger = logging.getLogger(__name__)

TEAM = "T0SANDBOX"
BOT_TOKEN = "xoxb-sandbox-not-a-real-token"
# While the clock moves, the scheduler runs at every instant something falls due, and at least
# this often (for anything whose time the database does not hold, such as a manager's note).
MAX_GAP = timedelta(hours=3)
MORNING_HOUR = 9  # "next morning" = 09:00 in the chosen rep's time zone
SETTLE_SECONDS = 5.0  # how long an action may keep the app busy before the page is answered


@dataclass(frozen=True)
class Person:
    """Someone in the sandbox workspace."""

    id: str
    name: str
    real_name: str
    tz: str
    email: str
    role: str
    zh_name: str = ""  # the name shown in a Chinese sandbox (`--language zh`)


REPS = (
    Person("U0MEI", "mei", "Mei Lin", "Asia/Shanghai", "mei@example.com", "rep", "林美"),
    Person("U0JONAS", "jonas", "Jonas Weber", "Europe/Berlin", "jonas@example.com", "rep", "魏约纳"),
    Person("U0MARIA", "maria", "Maria Lopez", "America/New_York", "maria@example.com", "rep", "罗玛丽"),
)
MANAGER = Person("U0SAM", "sam", "Sam Taylor", "Europe/Berlin", "sam@example.com", "manager", "唐山姆")
PEOPLE = (*REPS, MANAGER)
GENERAL, SALES, INBOUND = "C0GENERAL", "C0SALESTEAM", "C0INBOUND"
CHANNELS = ((GENERAL, "general"), (SALES, "sales-team"), (INBOUND, "inbound-enquiries"))
STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}


class SandboxDatabaseError(Exception):
    """The database file given to the sandbox holds someone else's data."""


def sandbox_settings(db_path: Path, slack_api_url: str, signing_secret: str, environ: Mapping[str, str],
                     language: str | None = None) -> Settings:
    """The operator's leadbot rules (cadence, hours…), with Slack, the database and the people replaced."""
    env = {k: v for k, v in environ.items() if k.startswith("LEADBOT_")}
    env.update({
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": signing_secret,
        "SLACK_APP_TOKEN": "",
        "SLACK_API_URL": slack_api_url,
        "DATABASE_URL": f"sqlite:///{db_path}",
        # User ids in a real workspace mean nothing here; the sandbox's manager runs the team.
        "LEADBOT_ADMINS": MANAGER.id,
        "LEADBOT_MANAGER": MANAGER.id,
        "LEADBOT_DEFAULT_OWNER": "",
        "LEADBOT_ESCALATE_AFTER": env.get("LEADBOT_ESCALATE_AFTER") or "2",
        "LEADBOT_TEAM_TZ": env.get("LEADBOT_TEAM_TZ") or "Europe/Berlin",
    })
    if language:
        env["LEADBOT_LANGUAGE"] = language
    return Settings.from_env(env)


def prepare_database(db_path: Path, fresh: bool) -> bool:
    """Make the file ready; with `fresh`, replace an earlier sandbox's file. True when one was replaced."""
    if not db_path.exists():
        return False
    teams = _teams_in(db_path)
    if teams - {TEAM}:
        raise SandboxDatabaseError(
            f"{db_path} holds data of a real workspace; the sandbox will not touch it (use --db with another file)")
    if not fresh:
        return False
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    return True


def _teams_in(db_path: Path) -> set[str]:
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        found: set[str] = set()
        for table in ("teams", "reps", "leads", "accounts"):
            if table in tables:
                found.update(row[0] for row in connection.execute(f"SELECT DISTINCT team_id FROM {table}"))  # noqa: S608
        return found
    except sqlite3.DatabaseError:
        raise SandboxDatabaseError(f"{db_path} is not a leadbot SQLite database") from None
    finally:
        connection.close()


class Workspace:
    """One sandbox: start() it, drive it through `send` (signed like Slack), move its clock, stop() it."""

    def __init__(self, db_path: Path, start_at: datetime | None = None, environ: Mapping[str, str] | None = None,
                 language: str | None = None, port: int = 0) -> None:
        self.db_path = Path(db_path).resolve()
        self.clock = MovableClock(start_at or datetime.now(timezone.utc).replace(microsecond=0))
        self.slack = FakeSlack(bot_token=BOT_TOKEN, team_id=TEAM, team_domain="sandbox",
                               clock=lambda: self.clock.now().timestamp())
        self._environ = environ or {}
        self._language = language
        self._port = port
        self._moving = threading.Lock()
        self.deps: Deps | None = None
        self.send: SignedSlack | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> str:
        """Serve everything on 127.0.0.1; returns the stand-in Slack's root URL (the page)."""
        self.slack.start(self._port)
        locale = language_tag(self._language if self._language in LANGUAGES else DEFAULT_LANGUAGE)
        for person in PEOPLE:
            real_name = person.zh_name if self._language == "zh" and person.zh_name else person.real_name
            self.slack.add_user(person.id, name=person.name, real_name=real_name, tz=person.tz,
                                email=person.email, locale=locale, is_admin=person.role == "manager")
        for channel_id, name in CHANNELS:
            self.slack.add_channel(channel_id, name)
        secret = secrets.token_hex(16)
        settings = sandbox_settings(self.db_path, self.slack.base_url, secret, self._environ, self._language)
        migrate_database(settings)
        db = Database(settings.database_url)
        # A throwaway demo file: commits need not wait for the disk (WAL keeps it consistent), and
        # moving the clock a week runs the scheduler hundreds of times.
        event.listen(db.engine, "connect", _relaxed_sync)
        self.deps = build_deps(settings, clock=self.clock, db=db)
        self._listeners = ContextThreadPool(max_workers=8, thread_name_prefix="listener")
        self._server = start_http(self.deps, "127.0.0.1", 0, threads=4, listeners=self._listeners)
        self._server.start_in_thread(name="sandbox-app")
        self._stopping = threading.Event()
        self.send = SignedSlack(f"{self._server.url}/slack/events", secret, self.slack)
        self._ticker = threading.Thread(target=self._tick_in_real_time, name="sandbox-scheduler", daemon=True)
        self._ticker.start()
        return self.slack.root_url

    def _tick_in_real_time(self) -> None:
        """What the scheduler does in `serve`: look for due work every LEADBOT_TICK_SECONDS."""
        while True:
            with self._moving:
                try:
                    run_due(self.deps, self.clock.now())
                except Exception:
                    logger.exception("sandbox scheduler run failed; the next one will catch up")
            if self._stopping.wait(self.deps.settings.tick_seconds):
                return

    def stop(self) -> None:
        if self.deps is None:
            return
        self._stopping.set()
        self._server.stop()  # also waits for the listeners
        self._ticker.join(timeout=5)
        self.slack.stop()
        self.deps.close()
        self.deps = None

    def settle(self) -> None:
        """Wait until the app finished what the last request started (its work goes on after the ack)."""
        self._listeners.wait_idle(SETTLE_SECONDS)

    # -- time -----------------------------------------------------------------------------

    def next_morning(self, user_id: str) -> datetime:
        person = self.slack.user(user_id)
        tz = ZoneInfo(person["tz"] if person else self.deps.settings.team_tz)
        local = self.clock.now().astimezone(tz)
        morning = local.replace(hour=MORNING_HOUR, minute=0, second=0, microsecond=0)
        if morning <= local:
            morning = (local + timedelta(days=1)).replace(hour=MORNING_HOUR, minute=0, second=0, microsecond=0)
        return morning.astimezone(timezone.utc)

    def next_monday_morning(self, user_id: str) -> datetime:
        """09:00 next Monday in the person's time zone: the start of a working week, its digests and summary."""
        person = self.slack.user(user_id)
        tz = ZoneInfo(person["tz"] if person else self.deps.settings.team_tz)
        local = self.clock.now().astimezone(tz)
        monday = (local + timedelta(days=(7 - local.weekday()) % 7 or 7)).date()
        if local.weekday() == 0 and local.hour < MORNING_HOUR:
            monday = local.date()  # early on a Monday: this morning
        return datetime.combine(monday, time(MORNING_HOUR), tz).astimezone(timezone.utc)

    def advance(self, step: str, user_id: str | None = None) -> RunReport:
        """Move the clock by a named step ("hour", "morning", "day", "week", "monday")."""
        if step == "morning":
            return self.advance_to(self.next_morning(user_id or REPS[0].id))
        if step == "monday":
            return self.advance_to(self.next_monday_morning(user_id or REPS[0].id))
        return self.advance_to(self.clock.now() + STEPS[step])

    @contextmanager
    def scheduler_paused(self) -> Iterator[None]:
        """The real-time scheduler waits while this is held (after a pass under way), so that the holder alone moves
        the clock and runs the scheduler: a pass beside it would post at whatever instant the holder had set."""
        with self._moving:
            yield

    def advance_to(self, target: datetime) -> RunReport:
        """Run the scheduler at every instant something falls due up to `target`, as if time had passed."""
        total = RunReport()
        with self._moving:
            instant = self.clock.now()
            while True:  # first whatever is due already, as a running scheduler would have sent it
                report = run_due(self.deps, instant)
                for field in ("claimed", "sent", "retry_later", "failed", "skipped"):
                    setattr(total, field, getattr(total, field) + getattr(report, field))
                if instant >= target:
                    break
                due = next_due(self.deps, instant)
                instant = min(t for t in (due, instant + MAX_GAP, target) if t is not None)
                self.clock.set(instant)
        return total


def _relaxed_sync(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")
