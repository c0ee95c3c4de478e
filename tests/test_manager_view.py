"""The manager's view, tried as a manager would: the summary's week, everyone in the chart, leads overdue counted
as quiet, escalations only of nudges nobody handled, and a Home that starts with the team."""

from __future__ import annotations

import io

from PIL import Image

from bot.blocks.chart import REP_BAR_COLOUR, ZERO_MARK_COLOUR
from tests.conftest import ADMIN, ALICE, BOB, CAROL, GENERAL
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


def _home(app, user: str) -> str:
    assert app.send.app_home_opened(user).status == 200
    app.slack.wait_for("views.publish", where=lambda c: c.params.get("user_id") == user)
    return text_of(app.slack.home_view(user))


def test_the_managers_home_starts_with_the_team_its_pipeline_wins_and_who_needs_a_word(app):
    lead(app, "Acme", claimed_potential="100000")  # Alice: realistic 50,000
    lead(app, "Bolt", claimed_potential="40000")  # Alice: won below
    lead(app, "Cask", user=BOB, claimed_potential="30", potential_unit="tonnes")  # not money: no pipeline
    command(app, "won 2")
    tick(app, "2026-12-04T01:00:00+00:00")  # Fri: Acme and Cask have gone quiet
    command(app, "log 1 call", user=ALICE)  # Alice follows up; Bob does nothing this week
    home = _home(app, ADMIN)
    assert "My open leads" not in home  # the manager owns none
    assert home.index("The team") < home.index("Does following up pay?")
    alice = next(line for line in home.split("\n") if line.startswith("<@UALICE01>"))
    bob = next(line for line in home.split("\n") if line.startswith("<@UBOB0001>"))
    assert "1 won" in alice and "pipeline ¥50,000 realistic" in alice and "⚠️" not in alice
    assert "0 won" in bob and "pipeline ¥0 realistic" in bob and "⚠️ quiet leads, no follow-up this week" in bob


def test_the_escalation_lets_the_manager_open_a_lead_and_give_it_to_someone_else(app_with):
    app = app_with(LEADBOT_ESCALATE_AFTER="1", LEADBOT_MANAGER=ADMIN)
    lead(app, "Acme")
    tick(app, "2026-12-04T01:00:00+00:00")  # Alice is reminded; the manager hears of it
    note = next(m for m in app.slack.dms_to(ADMIN) if "Leads going cold" in text_of(m))
    app.send.click(ADMIN, note, "escalation_show", value="1")
    app.settle()
    assert "Acme" in text_of(app.slack.dms_to(ADMIN)[-1]) and "Leads going cold" not in text_of(
        app.slack.dms_to(ADMIN)[-1]
    )
    app.send.click(ADMIN, note, "escalation_assign", selected_user=BOB)
    app.settle()
    assert app.deps.leads.find("T0001", "1").owner_id == BOB
    assert any("Acme" in text_of(m) for m in app.slack.dms_to(BOB))  # Bob gets the card


def test_a_rep_cannot_reassign_from_a_managers_note(app_with):
    app = app_with(LEADBOT_ESCALATE_AFTER="1", LEADBOT_MANAGER=ADMIN)
    lead(app, "Acme", user=BOB)
    tick(app, "2026-12-04T14:00:00+00:00")  # 09:00 in New York: Bob is reminded
    tick(app, "2026-12-07T01:00:00+00:00")  # Monday 09:00 in Shanghai: the manager hears of it
    note = next(m for m in app.slack.dms_to(ADMIN) if "Leads going cold" in text_of(m))
    app.send.click(CAROL, note, "escalation_assign", selected_user=CAROL)
    app.settle()
    assert app.deps.leads.find("T0001", "1").owner_id == BOB
