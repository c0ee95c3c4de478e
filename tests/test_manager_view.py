"""The manager's view, tried as a manager would: the summary's week, everyone in the chart, leads overdue counted
as quiet, escalations only of nudges nobody handled, and a Home that starts with the team."""

from __future__ import annotations

import io

from PIL import Image

from bot.blocks.chart import REP_BAR_COLOUR, ZERO_MARK_COLOUR
from tests.conftest import ADMIN, ALICE, BOB, GENERAL
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


def _summary(app) -> str:
    return next(text_of(m) for m in app.slack.messages(GENERAL) if "Team summary" in text_of(m))


def test_the_weekly_summary_names_the_week_it_covers_and_counts_leads_overdue_in_it(app):
    lead(app, "Acme")  # Tue 1 Dec, first follow-up Thu 3 Dec; nobody runs the scheduler, so no reminder goes out
    command(app, "summary on", user=ADMIN, channel=GENERAL)
    tick(app, "2026-12-07T09:00:00+00:00")  # Monday: the summary of the week before
    text = _summary(app)
    assert text.startswith("Team summary — week of 30 Nov – 6 Dec")
    assert "No lead went quiet" not in text
    assert "1 lead went quiet" in text


def test_the_chart_shows_a_rep_with_open_leads_and_no_follow_up(app):
    lead(app, "Acme")
    lead(app, "Bolt", user=BOB)
    command(app, "log 1 call")
    command(app, "summary on", user=ADMIN, channel=GENERAL)
    tick(app, "2026-12-07T09:00:00+00:00")
    chart = Image.open(io.BytesIO(app.slack.uploaded_files()[0].content)).convert("RGB")
    marks = {y for y in range(chart.size[1]) for x in range(chart.size[0] // 2)
             if chart.getpixel((x, y)) == ZERO_MARK_COLOUR}
    assert marks  # Bob: open leads, no follow-up, in the chart with a red mark
    bars = {y for y in range(chart.size[1]) for x in range(chart.size[0] // 2)
            if chart.getpixel((x, y)) == REP_BAR_COLOUR}
    assert bars and max(bars) < min(marks)  # Alice's bar above, Bob's mark below
