"""The in-process scheduler really calls run_due on its interval."""

import threading
import time
from datetime import datetime, timezone

from apscheduler.events import EVENT_JOB_EXECUTED

from scheduler.loop import start_in_background
from tests.conftest import ALICE
from tests.support import at, lead, nudges_to


def test_the_background_scheduler_sends_due_nudges_without_being_asked(app_with):
    app = app_with(LEADBOT_TICK_SECONDS="1")
    lead(app)
    app.deps.clock.set(at("2026-12-04T09:00:00+08:00"))
    scheduler = start_in_background(app.deps)
    runs: list[datetime] = []  # when each finished run was due to start
    ran = threading.Condition()

    def finished(event) -> None:
        with ran:
            runs.append(event.scheduled_run_time)
            ran.notify_all()

    scheduler.add_listener(finished, EVENT_JOB_EXECUTED)
    try:
        deadline = time.monotonic() + 10
        while not nudges_to(app, ALICE) and time.monotonic() < deadline:
            time.sleep(0.1)
        # A later tick at the same instant adds nothing: wait for a whole run that started after the nudge was seen.
        seen = datetime.now(timezone.utc)
        with ran:
            assert ran.wait_for(lambda: any(due > seen for due in runs), timeout=10), runs
    finally:
        scheduler.shutdown(wait=True)
    assert len(nudges_to(app, ALICE)) == 1
