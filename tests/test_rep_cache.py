"""Rep rows kept between requests in each process are never answered after the database changed them.

Two Database + Directory pairs on one database stand for two processes (gunicorn workers, or hosts): each
has its own engine and its own listener for changed reps.
"""

from __future__ import annotations

import shutil
import threading
import time

import pytest
from sqlalchemy import create_engine, event, text

from bot.container import build_deps
from bot.services.reps import request_scope
from bot.store.database import Database
from bot.store.rep_changes import APPLICATION_NAME
from tests.conftest import ALICE, START, TEAM, make_settings

pytestmark = pytest.mark.usefixtures("slack")


def wait_for(condition, what: str, timeout: float = 10.0) -> None:
    """Until `condition()` holds: for what another thread (the listener) does in its own time."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still waiting after {timeout} s for {what}"
        time.sleep(0.01)


class Process:
    """What one leadbot process has: its own Database and the Directory over it; counts its reads of a rep row."""

    def __init__(self, url: str, slack, clock) -> None:
        self.db = Database(url)
        self.directory = build_deps(make_settings(url, slack.base_url), clock=clock, db=self.db).directory
        self.rep_reads = 0
        event.listen(self.db.engine, "before_cursor_execute", self._count)

    def _count(self, _connection, _cursor, statement, *_rest) -> None:
        if "FROM reps" in statement:
            self.rep_reads += 1

    def language(self, user: str = ALICE) -> str | None:
        """The rep's language as one Slack request reads it."""
        with request_scope():
            return self.directory.language(TEAM, user, START)

    def tz(self, user: str = ALICE) -> str:
        with request_scope():
            return self.directory.cached_tz(TEAM, user)

    def reads_for(self, ask) -> int:
        """Rep rows read from the database while `ask()` ran."""
        before = self.rep_reads
        ask()
        return self.rep_reads - before

    def answering(self) -> bool:
        return self.directory.process_reps.answering()

    def heard(self):
        return self.directory.process_reps.generation()


@pytest.fixture
def two(database_url, slack, clock):
    """Processes A and B, Alice known to both, B's listener hearing the database."""
    a, b = Process(database_url, slack, clock), Process(database_url, slack, clock)
    a.directory.rep(TEAM, ALICE, START)  # users.info, once: Alice's row exists
    b.language()  # the first request starts B's listener
    wait_for(b.answering, "B's listener to hear the database")
    yield a, b
    a.db.dispose()
    b.db.dispose()


def save_language(process: Process, language: str | None) -> None:
    process.directory.save_own_settings(
        TEAM, ALICE, START, digest_time=None, workdays=None, work_hours=None, language=language, snooze_days=None
    )


def outside_leadbot(url: str, statement: str, also: str | None = None) -> None:
    """Statements by someone else than leadbot (an admin at the database's console), in one transaction of a plain
    engine of its own."""
    engine = create_engine(url)
    with engine.begin() as connection:
        for one in (statement, also) if also else (statement,):
            connection.execute(text(one), {"team": TEAM, "user": ALICE})
    engine.dispose()


def test_a_process_reads_a_rep_once_and_then_answers_from_what_it_kept(two):
    _, b = two
    b.directory.process_reps.changed_all()  # forget what B read before its listener heard the database
    assert b.reads_for(b.language) == 1
    assert b.reads_for(b.language) == 0
    assert b.reads_for(b.tz) == 0


def test_outside_a_request_every_read_goes_to_the_database(two):
    _, b = two
    b.language()
    assert b.reads_for(lambda: b.directory.cached_language(TEAM, ALICE)) == 1


def test_a_language_saved_in_another_process_is_answered(two):
    a, b = two
    assert b.language() == "en"
    save_language(a, "zh")
    wait_for(lambda: b.language() == "zh", "B to answer the language A saved")
    assert a.language() == "zh"  # the process that saved it, at once


def test_the_process_that_saved_answers_its_own_change_at_once(two):
    _, b = two
    assert b.language() == "en"
    save_language(b, "zh")
    assert b.language() == "zh"


def test_a_disposed_database_has_stopped_its_listener_when_dispose_returns(database_url, slack, clock):
    """Nothing of it runs on: a listener still reading beside Python's shutdown, or beside the next test, printed
    stray lines (an error at exit, a log record after the test's capture had closed)."""
    process = Process(database_url, slack, clock)
    process.language()  # the first request starts the listener
    wait_for(process.answering, "the listener to hear the database")
    listeners = [thread for thread in threading.enumerate() if thread.name.startswith("rep-changes")]
    assert listeners
    process.db.dispose()
    assert not [thread for thread in listeners if thread.is_alive()]


def test_a_change_made_outside_leadbot_is_answered(two, database_url):
    _, b = two
    assert b.language() == "en"
    outside_leadbot(database_url, "UPDATE reps SET language = 'zh' WHERE team_id = :team AND user_id = :user")
    wait_for(lambda: b.language() == "zh", "B to answer the language set by hand")


def test_a_deleted_rep_is_answered_as_gone(two, database_url):
    _, b = two
    assert b.tz() == "Asia/Shanghai"
    outside_leadbot(database_url, "DELETE FROM reps WHERE team_id = :team AND user_id = :user")
    wait_for(lambda: b.tz() == "UTC", "B to answer the team's time zone for a rep who is gone")


def test_a_row_read_while_it_changed_is_not_kept(two, monkeypatch):
    a, b = two
    b.directory.process_reps.changed_all()  # B's next read goes to the database
    read_row = b.directory._read_row

    def read_then_a_saves(team_id: str, user_id: str):
        row = read_row(team_id, user_id)  # the old language
        before = b.heard()
        # In a thread of its own, as in another process: not inside B's request.
        saving = threading.Thread(target=save_language, args=(a, "zh"))
        saving.start()
        saving.join()
        wait_for(lambda: b.heard() != before, "B to hear of A's change")
        return row

    monkeypatch.setattr(b.directory, "_read_row", read_then_a_saves)
    assert b.language() == "en"  # what it read, for this one request
    monkeypatch.undo()
    assert b.reads_for(lambda: b.language() == "zh") == 1
    assert b.language() == "zh"


def test_a_listener_that_lost_its_connection_clears_what_it_kept_and_comes_back(two, database_url):
    a, b = two
    assert b.language() == "en"
    assert b.reads_for(b.language) == 0
    before = b.heard()
    lose_listeners(database_url)
    wait_for(lambda: b.heard() != before, "B to notice its listener lost the database")
    outside_leadbot(database_url, "UPDATE reps SET language = 'zh' WHERE team_id = :team AND user_id = :user")
    # No change is heard while the listener is away: what B kept is gone, so B reads the database.
    assert b.language() == "zh"
    find_listeners_again(database_url)
    wait_for(b.answering, "B's listener to hear the database again")
    b.language()
    assert b.reads_for(b.language) == 0
    save_language(a, "en")
    wait_for(lambda: b.language() == "en", "B to answer a change once it hears the database again")


def test_while_the_listener_is_away_every_read_goes_to_the_database(sqlite_url, slack, clock):
    b = Process(sqlite_url, slack, clock)
    try:
        b.language()
        wait_for(b.answering, "B's listener to hear the database")
        lose_listeners(sqlite_url)
        wait_for(lambda: not b.answering(), "B to notice its listener lost the database")
        assert b.reads_for(b.language) == 1
        assert b.reads_for(b.language) == 1
        find_listeners_again(sqlite_url)
        wait_for(b.answering, "B's listener to hear the database again")
        b.language()
        assert b.reads_for(b.language) == 0
    finally:
        b.db.dispose()


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template) -> str:
    path = tmp_path / "leadbot.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def lose_listeners(url: str) -> None:
    """PostgreSQL: end the listeners' connections. SQLite: the listeners' reads fail until `find_listeners_again`
    (there is no connection to end: rep_changes goes away under another name)."""
    if url.startswith("sqlite"):
        outside_leadbot(url, "ALTER TABLE rep_changes RENAME TO rep_changes_away")
        return
    outside_leadbot(
        url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE application_name = '{APPLICATION_NAME}' AND datname = current_database()",
    )


def find_listeners_again(url: str) -> None:
    if url.startswith("sqlite"):
        outside_leadbot(url, "ALTER TABLE rep_changes_away RENAME TO rep_changes")


def test_sqlite_changes_deleted_before_a_process_read_them_drop_everything_it_kept(sqlite_url, slack, clock):
    a, b = Process(sqlite_url, slack, clock), Process(sqlite_url, slack, clock)
    try:
        a.directory.rep(TEAM, ALICE, START)
        b.language()
        wait_for(b.answering, "B's listener to hear the database")
        assert b.language() == "en"
        assert b.reads_for(b.language) == 0
        # The change's row in rep_changes is gone before B's listener reads it: B cannot know whose row changed.
        outside_leadbot(
            sqlite_url,
            "UPDATE reps SET language = 'zh' WHERE team_id = :team AND user_id = :user",
            also="DELETE FROM rep_changes WHERE seq = (SELECT max(seq) FROM rep_changes)",
        )
        wait_for(lambda: b.language() == "zh", "B to drop what it kept")
    finally:
        a.db.dispose()
        b.db.dispose()


def test_sqlite_changes_over_an_hour_old_are_deleted(sqlite_url, slack, clock):
    outside_leadbot(
        sqlite_url,
        "INSERT INTO rep_changes (rep, changed_at) VALUES (:team || ' ' || :user, datetime('now', '-61 minutes'))",
        also="INSERT INTO rep_changes (rep, changed_at) VALUES (:team || ' ' || :user, datetime('now', '-59 minutes'))",
    )
    b = Process(sqlite_url, slack, clock)
    try:
        b.language()  # starts the listener, which deletes old rows as it starts
        engine = create_engine(sqlite_url)

        def minutes_left() -> list[int]:
            with engine.connect() as connection:
                return connection.execute(
                    text("SELECT CAST(round((julianday('now') - julianday(changed_at)) * 1440) AS INTEGER)"
                         " FROM rep_changes ORDER BY seq")
                ).scalars().all()

        wait_for(lambda: minutes_left()[:1] == [59], "the row over an hour old to be deleted")
        engine.dispose()
    finally:
        b.db.dispose()
