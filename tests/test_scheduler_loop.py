"""The in-process scheduler really calls run_due on its interval."""

import time

from scheduler.loop import start_in_background
from tests.conftest import ALICE
from tests.support import at, lead, nudges_to


def test_the_background_scheduler_sends_due_nudges_without_being_asked(app_with):
    app = app_with(LEADBOT_TICK_SECONDS="1")
    lead(app)
    app.deps.clock.set(at("2026-12-04T09:00:00+08:00"))
    scheduler = start_in_background(app.deps)
    try:
        deadline = time.monotonic() + 10
        while not nudges_to(app, ALICE) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)  # a later tick at the same instant adds nothing
    finally:
        scheduler.shutdown(wait=True)
    assert len(nudges_to(app, ALICE)) == 1
