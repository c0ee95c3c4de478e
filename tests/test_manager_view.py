"""The manager's view, tried as a manager would: the summary's week, everyone in the chart, leads overdue counted
as quiet, escalations only of nudges nobody handled, and a Home that starts with the team."""

from __future__ import annotations

from tests.conftest import ADMIN, ALICE
from tests.support import command, lead, text_of, tick


def test_a_snoozed_lead_is_handled_and_not_escalated(app_with):
    app = app_with(LEADBOT_ESCALATE_AFTER="2", LEADBOT_MANAGER=ADMIN)
    lead(app, "Acme")
    lead(app, "Beta")
    tick(app, "2026-12-04T01:00:00+00:00")  # Fri 09:00 in Shanghai: both quiet, Alice is reminded of both
    assert any("Time to follow up" in text_of(m) for m in app.slack.dms_to(ALICE))
    command(app, "snooze 1 1")  # Alice handles Acme: to Monday; Beta she leaves
    tick(app, "2026-12-07T01:00:00+00:00")  # Mon: Acme due today
    tick(app, "2026-12-08T01:00:00+00:00")  # Tue: both reminded again; Beta's second reminder nobody acted on
    notes = [text_of(m) for m in app.slack.dms_to(ADMIN) if "Leads going cold" in text_of(m)]
    assert len(notes) == 1
    assert "Beta" in notes[0] and "Acme" not in notes[0]
