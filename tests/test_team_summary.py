"""The team summary in its channel: once per period, catching up after downtime, a chart beside it."""

import io
import logging

from PIL import Image

from tests.conftest import ADMIN, GENERAL
from tests.support import command, lead, text_of, tick

MONDAY_NINE = "2026-12-07T09:00:00+00:00"  # the team's time zone is UTC in these tests


def _summaries(app):
    return [m for m in app.slack.messages(GENERAL) if "Team summary" in text_of(m)]


def _week_of_work(app):
    lead(app, "Acme", claimed_potential="10000")
    lead(app, "Beta")
    command(app, "log 1 call spoke to Li")
    command(app, "won 2")
    assert "come to <#C0GENERAL>" in command(app, "summary on", user=ADMIN, channel=GENERAL)


def test_the_weekly_summary_goes_out_once_on_monday_with_a_chart(app):
    _week_of_work(app)
    assert tick(app, "2026-12-07T08:59:00+00:00").claimed == 0
    tick(app, MONDAY_NINE)
    tick(app, "2026-12-07T09:01:00+00:00")
    summaries = _summaries(app)
    assert len(summaries) == 1
    text = text_of(summaries[0])
    assert "Website" in text and "<@UALICE01>" in text
    files = app.slack.uploaded_files()
    assert len(files) == 1 and files[0].channel == GENERAL
    image = Image.open(io.BytesIO(files[0].content))
    assert image.format == "PNG" and image.size[0] >= 400


def test_a_summary_missed_on_monday_goes_out_at_the_next_run_that_week_once(app):
    _week_of_work(app)
    tick(app, "2026-12-08T15:00:00+00:00")  # nothing ran on Monday
    tick(app, "2026-12-09T15:00:00+00:00")
    assert len(_summaries(app)) == 1
    tick(app, "2026-12-14T09:00:00+00:00")  # the next week has its own
    assert len(_summaries(app)) == 2


def test_a_daily_summary_comes_at_five_on_workdays_only(app):
    _week_of_work(app)
    command(app, "summary daily", user=ADMIN)
    tick(app, "2026-12-04T16:59:00+00:00")
    assert _summaries(app) == []
    tick(app, "2026-12-04T17:00:00+00:00")  # Friday
    tick(app, "2026-12-05T17:00:00+00:00")  # Saturday
    tick(app, "2026-12-06T17:00:00+00:00")  # Sunday
    assert len(_summaries(app)) == 1
    assert app.slack.uploaded_files() == []  # the chart comes with the weekly summary


def test_when_leadbot_is_not_in_the_channel_whoever_turned_it_on_is_told_how_to_invite_it(app):
    _week_of_work(app)
    app.slack.remove_bot_from_channel(GENERAL)
    tick(app, MONDAY_NINE)
    tick(app, "2026-12-07T10:00:00+00:00")
    told = [m for m in app.slack.dms_to(ADMIN) if "Invite me there with `/invite @leadbot`" in text_of(m)]
    assert len(told) == 1
    assert "goes to <#C0GENERAL>" in command(app, "summary")  # still on: inviting the bot fixes it


def test_an_archived_summary_channel_turns_summaries_off(app, caplog):
    _week_of_work(app)
    app.slack.archive_channel(GENERAL)
    with caplog.at_level(logging.WARNING):
        tick(app, MONDAY_NINE)
    assert any("summaries are off" in r.getMessage() for r in caplog.records)
    assert "Team summaries are off" in command(app, "summary", channel="C0OTHER")


def test_the_text_summary_stands_when_the_chart_upload_fails(app):
    _week_of_work(app)
    app.slack.fail_next("files.getUploadURLExternal", error="invalid_arguments")
    report = tick(app, MONDAY_NINE)
    assert report.sent == 1 and len(_summaries(app)) == 1 and app.slack.uploaded_files() == []
