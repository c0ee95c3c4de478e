"""App Home and `/lead settings` through signed events, clicks and submissions."""

from datetime import date

from bot.services.leads import LeadDraft, add_lead
from sandbox.slack_api import validate_view
from tests.conftest import ADMIN, ALICE, BOB, GENERAL, WANG
from tests.support import answer, command, lead, open_new_lead_form, text_of, tick


def _open_home(app, user=ALICE):
    before = len(app.slack.calls("views.publish"))
    assert app.send.app_home_opened(user).status == 200
    app.slack.wait_for("views.publish", count=before + 1)
    return app.slack.home_view(user)


def test_opening_home_shows_my_leads_and_this_week(app):
    lead(app, "Acme", first_follow_up="2026-12-01")
    command(app, "log 1 call first call")
    home = text_of(_open_home(app))
    assert "Your leads" in home and "This week*: 1 follow-up logged · 1 enquiry captured" in home
    assert "My open leads* (1)" in home and "#1 Acme" in home
    assert "The team" not in home  # not an admin


def test_home_refreshes_when_the_rep_acts(app):
    lead(app, "Acme")
    _open_home(app)
    before = len(app.slack.calls("views.publish"))
    command(app, "won 1")
    app.slack.wait_for("views.publish", count=before + 1)
    assert "My open leads* (0)" in text_of(app.slack.home_view(ALICE))


def test_an_admin_also_sees_the_team(app):
    lead(app, "Acme")
    lead(app, "Bobs Co", user=BOB)
    home = text_of(_open_home(app, ADMIN))
    assert "The team" in home and "<@UALICE01> · 1 open" in home and "<@UBOB0001> · 1 open" in home


def test_home_with_five_hundred_leads_stays_within_slacks_limits(app, db):
    from datetime import datetime, timezone

    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    with db.uow() as uow:
        for n in range(500):
            draft = LeadDraft(
                company=f"Company {n} " + "x" * 150, contact_name="", contact_role="", source="website", asked_for="",
                situation="unknown", discovery_notes="", claimed_potential=None, potential_unit="", owner_id=ADMIN,
                first_follow_up_on=date(2026, 11, 1 + n % 28),
            )
            add_lead(uow.session, "T0001", draft, ADMIN, now)
        uow.commit()
    home = _open_home(app, ADMIN)
    assert validate_view(home) == [] and len(home["blocks"]) <= 100
    assert "more. `/lead list` shows them all" in text_of(home)


def test_new_lead_from_home_opens_the_form(app):
    home = _open_home(app)
    app.send.click(ALICE, home, "home_new_lead")
    call = app.slack.wait_for("views.open")[-1]
    assert call.response["view"]["title"]["text"] == "New lead"


def _settings_view(app, user=ALICE):
    before = len(app.slack.calls("views.open"))
    app.send.command("settings", user)
    call = app.slack.wait_for("views.open", count=before + 1)[-1]
    return app.slack.view(call.response["view"]["id"])


def test_a_rep_sees_only_their_own_settings(app):
    view = _settings_view(app)
    ids = {b.get("block_id") for b in view["blocks"]}
    assert {"digest_time", "workdays", "work_start", "work_end", "language", "snooze_days"} <= ids
    assert "cadence" not in ids and validate_view(view) == []


def test_a_later_digest_time_moves_the_morning_digest(app):
    lead(app, "Acme")
    view = _settings_view(app)
    assert app.send.submit_view(ALICE, view, {"digest_time": "10:30"}).body == ""
    tick(app, "2026-12-04T01:00:00+00:00")  # 09:00 in Shanghai
    assert app.slack.dms_to(ALICE)[-1:] and "Settings saved" in text_of(app.slack.dms_to(ALICE)[-1])
    tick(app, "2026-12-04T02:30:00+00:00")  # 10:30
    assert "Your leads for Fri 4 Dec" in text_of(app.slack.dms_to(ALICE)[-1])


def test_working_hours_that_end_before_they_start_are_refused_inline(app):
    view = _settings_view(app)
    reply = app.send.submit_view(ALICE, view, {"work_start": "18:00", "work_end": "09:00"})
    assert "Start before end" in answer(reply)["errors"]["work_end"]


def test_an_admin_changes_the_cadence_and_it_overrides_the_environment(app):
    view = _settings_view(app, ADMIN)
    assert validate_view(view) == []
    bad = app.send.submit_view(ADMIN, view, {"cadence": "2,soon", "team_tz": "Mars/Base"})
    assert set(answer(bad)["errors"]) == {"cadence", "team_tz"}
    assert app.send.submit_view(ADMIN, view, {"cadence": "3,10", "min_touches": "4"}).body == ""
    form = open_new_lead_form(app, user=BOB)
    first = next(b for b in form["blocks"] if b.get("block_id") == "first_follow_up")["element"]["initial_date"]
    assert first == "2026-12-04"  # 3 days, no longer the environment's 2
    lead(app, "Acme")
    assert "only 0 of 4 follow-ups (aim for 4–5)" in command(app, "lost 1 silent")


def test_summary_on_off_and_status(app):
    assert "off" in command(app, "summary")
    assert "come to <#C0GENERAL> every Monday at 09:00 (UTC)" in command(
        app, "summary on", user=ADMIN, channel=GENERAL
    )
    assert "Next one: Mon 7 Dec 09:00" in command(app, "summary")
    assert "Only an admin" in command(app, "summary daily")
    assert "at 17:00 on workdays" in command(app, "summary daily", user=ADMIN)
    assert "Team summaries are off" in command(app, "summary off", user=ADMIN)
    assert "not in a direct message" in command(app, "summary on", user=ADMIN, channel="DADMIN01")


def test_the_settings_form_shows_and_keeps_a_chinese_reps_language(app):
    view = _settings_view(app, WANG)  # Wang's Slack is in Chinese; she never chose a language in leadbot
    language = next(b for b in view["blocks"] if b.get("block_id") == "language")["element"]
    assert language["initial_option"]["value"] == "zh"
    assert app.send.submit_view(WANG, view, {"digest_time": "10:00"}).body == ""
    assert app.deps.directory.rep("T0001", WANG, app.deps.clock.now()).language == "zh"
    assert "你手上没有跟进中的线索" in command(app, "列表", user=WANG)  # still answered in Chinese


def test_the_settings_form_shows_an_english_reps_language(app):
    view = _settings_view(app, ALICE)
    language = next(b for b in view["blocks"] if b.get("block_id") == "language")["element"]
    assert language["initial_option"]["value"] == "en"
