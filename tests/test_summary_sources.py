"""The team summary says where the period's follow-ups came from: typed, the sales mailbox, shared channels."""

from datetime import timedelta

from sqlalchemy import select

from bot.blocks.summary import summary_message
from bot.services.summary import TeamSummaries
from bot.store.models import CHANNEL, EMAIL, Lead
from sandbox.slack_api import validate_blocks
from tests.conftest import ADMIN, ALICE, BOB, GENERAL, START, TEAM
from tests.support import at, command, lead, text_of, tick

WEEK_START = at("2026-11-30T00:00:00+00:00")
WEEK_END = at("2026-12-07T00:00:00+00:00")
MONDAY_NINE = "2026-12-07T09:00:00+00:00"  # the team's time zone is UTC in these tests


def _lead_id(app, number: int) -> int:
    with app.deps.db.read() as uow:
        return uow.session.scalar(select(Lead.id).where(Lead.team_id == TEAM, Lead.number == number))


def _week(app) -> None:
    """Two typed follow-ups, two emails read from the mailbox, one message in a shared channel — and one email
    sent the week before, read only now, which belongs to the week it was sent in."""
    app.deps.clock.set(WEEK_START - timedelta(days=5))  # captured the week before
    lead(app, "Acme Oilfield", contact_email="li@acme-oil.com")
    lead(app, "Beta Valves", user=BOB)
    app.deps.clock.set(START)
    command(app, "log 1 call spoke to Li")
    command(app, "log 2 wechat sent the catalogue", user=BOB)
    acme = _lead_id(app, 1)
    log = app.deps.leads.log_touch_from
    log(TEAM, acme, ALICE, "email", "Quote", START + timedelta(days=1), EMAIL, START + timedelta(days=1))
    log(TEAM, acme, BOB, "email", "Samples", START + timedelta(days=2), EMAIL, START + timedelta(days=2))
    log(TEAM, acme, ALICE, "message", "call on Friday?", START + timedelta(days=2), CHANNEL)
    log(TEAM, acme, ALICE, "email", "Before", WEEK_START - timedelta(days=2), EMAIL, START + timedelta(days=3))


def test_follow_ups_are_counted_by_where_they_came_from(app, db):
    _week(app)
    data = TeamSummaries(db).compute(TEAM, WEEK_START, WEEK_END, min_touches=3, potential_factor=1)
    assert data.touches_by_source == {"typed": 2, "email": 2, "channel": 1}
    assert data.touches_by_rep == {ALICE: 3, BOB: 2}  # the colleague's email counts for who sent it
    last_week = TeamSummaries(db).compute(
        TEAM, WEEK_START - timedelta(days=7), WEEK_START, min_touches=3, potential_factor=1
    )
    assert last_week.touches_by_source == {"email": 1}


def test_the_summary_in_the_channel_has_the_line_in_the_team_s_language(app):
    _week(app)
    assert "come to <#C0GENERAL>" in command(app, "summary on", user=ADMIN, channel=GENERAL)
    tick(app, MONDAY_NINE)
    summary = next(m for m in app.slack.messages(GENERAL) if "Team summary" in text_of(m))
    assert "*Logged*: typed in Slack 2 · from the sales mailbox 2 · in shared channels 1" in text_of(summary)


def test_the_line_in_chinese_and_none_when_everything_was_typed(app, db):
    _week(app)
    data = TeamSummaries(db).compute(TEAM, WEEK_START, WEEK_END, min_touches=3, potential_factor=1)
    message = summary_message(data, "11月30日那周", "CNY", "zh")
    assert validate_blocks(message["blocks"], "message") == []
    assert "*记录来源*：在 Slack 里手动记录 2 · 来自销售邮箱 2 · 来自共享频道 1" in text_of(message)
    typed_only = TeamSummaries(db).compute(
        TEAM, WEEK_START, START + timedelta(hours=1), min_touches=3, potential_factor=1
    )
    assert typed_only.touches_by_source == {"typed": 2}
    assert "*Logged*" not in text_of(summary_message(typed_only, "week of Mon 30 Nov", "CNY"))
