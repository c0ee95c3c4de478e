"""Fixtures: a real database (SQLite and PostgreSQL), a fake Slack on loopback, and the real app over HTTP."""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.clock import FixedClock
from bot.config import Settings
from bot.container import Deps, build_deps
from bot.logs import LIBRARY_LOGGERS
from bot.store.database import Database
from bot.store.migrate import upgrade
from bot.store.models import Base
from bot.text.i18n import DEFAULT_LANGUAGE, set_default_language
from handlers.app import ContextThreadPool
from handlers.server import HttpServer, start_http
from sandbox.slack_api import FakeSlack
from sandbox.slack_requests import SignedSlack

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
TEAM = "T0001"
ALICE, BOB, CAROL, ADMIN = "UALICE01", "UBOB0001", "UCAROL01", "UADMIN01"
WANG = "UWANG001"  # a rep whose Slack is in Chinese
GENERAL = "C0GENERAL"
# A Tuesday morning, so "in two days" and working hours are unremarkable.
START = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)

POSTGRES_ADMIN_URL = os.environ.get(
    "LEADBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(autouse=True)
def _library_log_levels():
    """A test that runs the CLI in-process set Bolt's and slack_sdk's logger levels, as `leadbot` does; the next
    test starts with them unset again, so that its own log level decides what they write."""
    yield
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    """One migrated SQLite file, copied for each test: migrating per test would be slow."""
    path = tmp_path_factory.mktemp("template") / "leadbot.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A fresh PostgreSQL database for this test session, migrated with Alembic, dropped afterwards."""
    name = f"leadbot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, sqlite_template) -> str:
    if request.param == "sqlite":
        path = tmp_path / "leadbot.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def db(database_url) -> Database:
    database = Database(database_url)
    yield database
    database.dispose()


def add_test_team(fake: FakeSlack) -> FakeSlack:
    """The workspace every test starts from: five people in three time zones and #general."""
    fake.add_user(
        ALICE, name="alice", real_name="Alice Wang", tz="Asia/Shanghai", locale="en-US", email="alice@example.com"
    )
    fake.add_user(WANG, name="wang", real_name="王芳", tz="Asia/Shanghai", locale="zh-CN", email="wang@example.com")
    fake.add_user(BOB, name="bob", real_name="Bob Miller", tz="America/New_York", email="bob@example.com")
    fake.add_user(CAROL, name="carol", real_name="Carol Schmidt", tz="Europe/Berlin", email="carol@example.com")
    fake.add_user(ADMIN, name="admin", real_name="Sales Manager", tz="Asia/Shanghai", email="boss@example.com")
    fake.add_channel(GENERAL, "general")
    return fake


# Slack lets a form open for 3 s after a click. CI's loaded machine has starved a listener thread for longer (once in
# about five full runs), so the suite's fake allows more; that a form opens in time is bench/latency's to measure, and
# tests/test_fake_slack.py keeps Slack's 3 s.
TRIGGER_TTL_UNDER_LOAD = 30.0


@pytest.fixture
def slack() -> FakeSlack:
    fake = add_test_team(FakeSlack(bot_token=BOT_TOKEN, team_id=TEAM, trigger_ttl_seconds=TRIGGER_TTL_UNDER_LOAD))
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


def make_settings(database_url: str, slack_api_url: str, **overrides: str) -> Settings:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api_url,
        "DATABASE_URL": database_url,
        "LEADBOT_ADMINS": ADMIN,
        "LEADBOT_TEAM_TZ": "UTC",
        **overrides,
    }
    return Settings.from_env(env)


class Running:
    """The real app served over HTTP on loopback, plus everything a test needs to drive it."""

    def __init__(self, deps: Deps, slack: FakeSlack, server: HttpServer, listeners: ContextThreadPool) -> None:
        self.deps = deps
        self.slack = slack
        self.url = server.url
        self.send = SignedSlack(self.url + "/slack/events", SIGNING_SECRET, slack)
        self._server = server
        self._listeners = listeners

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until every listener the app started (they run on after the ack) has finished.

        The requests a test sent have all been answered by then, so after `settle()` whatever the
        app was going to do about them is done: "nothing else was posted" can be checked at once.
        """
        assert self._listeners.wait_idle(timeout), f"the app's listeners were still running after {timeout} s"

    def stop(self) -> None:
        # Also lets the listeners finish what they do after their ack, before the fake Slack goes away.
        self._server.stop()


def start_app(deps: Deps, slack: FakeSlack) -> Running:
    # A short select() timeout: waitress notices its closed socket only when select() returns, so stop() is quick.
    listeners = ContextThreadPool(max_workers=8, thread_name_prefix="listener")
    server = start_http(deps, "127.0.0.1", 0, threads=4, listeners=listeners, asyncore_loop_timeout=0.05)
    return Running(deps, slack, server.start_in_thread(), listeners)


@pytest.fixture
def app_with(db, slack, clock):
    """Start the app with some settings changed: `app_with(LEADBOT_MANAGER="U…")`."""
    started: list[Running] = []

    def start(**overrides: str) -> Running:
        deps = build_deps(make_settings(db.url, slack.base_url, **overrides), clock=clock, db=db)
        started.append(start_app(deps, slack))
        return started[-1]

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def app(app_with) -> Running:
    return app_with()


# -- no traceback goes unnoticed ---------------------------------------------------------------


class _Tracebacks(logging.Handler):
    """Collects every record at ERROR or above that carries a traceback, from any logger."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.found: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[0] is not None:
            self.found.append(record)

    @staticmethod
    def report(records: list[logging.LogRecord]) -> str:
        lines = [f"{r.name}: {r.getMessage()} ({r.exc_info[0].__name__}: {r.exc_info[1]})" for r in records]
        return (
            "the app logged a traceback (mark the test @pytest.mark.expects_error if it provokes one on purpose):\n"
            + "\n".join(lines)
        )


@pytest.fixture(autouse=True)
def no_tracebacks(request):
    """A test that drives the app (`app`, `app_with`) fails when anything logged an error with a traceback.

    Checked when the test body ends (see pytest_runtest_call) and again after the app has stopped,
    for what its listeners logged while finishing. `@pytest.mark.expects_error` opts a test out.
    """
    if not {"app", "app_with"} & set(request.fixturenames) or request.node.get_closest_marker("expects_error"):
        yield
        return
    handler = _Tracebacks()
    logging.getLogger().addHandler(handler)
    request.node.leadbot_tracebacks = handler
    try:
        yield
    finally:
        logging.getLogger().removeHandler(handler)
    late = handler.found[getattr(request.node, "leadbot_tracebacks_seen", 0):]
    if late:
        pytest.fail(handler.report(late), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail the test itself, not its teardown, when its body left a traceback in the log."""
    handler = getattr(item, "leadbot_tracebacks", None)
    try:
        result = yield
    finally:
        if handler is not None:
            item.leadbot_tracebacks_seen = len(handler.found)  # teardown reports only what comes after
    if handler is not None and handler.found:
        pytest.fail(handler.report(handler.found), pytrace=False)
    return result


@pytest.fixture(autouse=True)
def team_language_back_to_english():
    """`build_deps` sets the process-wide team language; a test on a Chinese team must not leave it to the next."""
    yield
    set_default_language(DEFAULT_LANGUAGE)


@pytest.fixture(autouse=True)
def logging_put_back():
    """`leadbot …` run in a test's process (and configure_logging itself) replaces the root logger's handler with one
    writing to that test's captured stderr, closed once the test is over: a thread of a later test logging through
    it printed "Logging error" in the middle of the run. Each test leaves the loggers as it found them."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in LIBRARY_LOGGERS}
    yield
    # pytest's own capturing handlers come and go with each phase of a test: left to pytest.
    for handler in list(root.handlers):
        if handler not in handlers and not _pytests(handler):
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers and not _pytests(handler):
            root.addHandler(handler)
    root.setLevel(level)
    for name, was in levels.items():
        logging.getLogger(name).setLevel(was)


def _pytests(handler: logging.Handler) -> bool:
    return type(handler).__module__.startswith("_pytest")
