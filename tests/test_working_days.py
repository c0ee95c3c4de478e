"""Dates leadbot computes land on the owner's working day; dates a person gives are kept, with a note on a rest day."""

import pytest

from tests.conftest import ALICE, CAROL, TEAM, WANG
from tests.support import answer, at, command, lead, open_new_lead_form, text_of, tick
from tests.test_inbound import _arrive, _claim, _inbox

# Alice and Wang are in Shanghai; Tue 1 Dec 2026 is the suite's start. Fri 4 Dec, Sat 5 Dec, 10:00 there:
FRIDAY = at("2026-12-04T10:00:00+08:00")
SATURDAY = at("2026-12-05T10:00:00+08:00")


def _at(app, instant):
    app.deps.clock.set(instant)


def _next(app, number=1):
    return app.deps.leads.find(TEAM, str(number)).next_follow_up_on.isoformat()


def _initial_date(view: dict, block_id: str) -> str:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)["element"]["initial_date"]


# -- computed dates move on to the next working day --------------------------------------------------


@pytest.mark.parametrize("user,said", [(ALICE, "Mon 14 Dec"), (WANG, "12月14日 周一")])
def test_a_follow_up_logged_on_saturday_is_next_due_on_monday_not_saturday(app, user, said):
    lead(app, "Acme", user=user)
    _at(app, SATURDAY)
    # The cadence's next step is 7 days on: Saturday 12 December, a rest day.
    assert said in command(app, "log 1 call spoke to Li on the weekend", user=user)
    assert _next(app) == "2026-12-14"


@pytest.mark.parametrize("user,said", [(ALICE, "Mon 7 Dec"), (WANG, "12月7日 周一")])
def test_a_one_day_snooze_on_friday_lands_on_monday(app, user, said):
    lead(app, "Acme", user=user)
    _at(app, FRIDAY)
    assert said in command(app, "snooze 1 1", user=user)
    assert _next(app) == "2026-12-07"


def test_snoozing_a_day_from_the_nudge_on_friday_lands_on_monday(app):
    lead(app, "Acme")
    tick(app, "2026-12-04T01:00:00+00:00")  # Fri 09:00 in Shanghai: the lead is quiet, the digest lists it
    digest = app.slack.dms_to(ALICE)[-1]
    app.send.click(ALICE, digest, "lead_snooze", block_id="lead:1", selected_option="1")
    app.slack.wait_for("chat.update")
    assert _next(app) == "2026-12-07"


def test_an_enquiry_claimed_on_friday_is_first_followed_up_on_monday(app):
    _inbox(app)
    _at(app, FRIDAY)
    message = _arrive(app, "Acme Oilfield needs a quote for 20 t of epoxy")
    _claim(app, ALICE, message)
    # The first step is 2 days: Sunday. Not Sunday: Monday.
    assert _next(app) == "2026-12-07"


def test_the_forms_propose_working_days(app):
    _at(app, FRIDAY)
    assert _initial_date(open_new_lead_form(app), "first_follow_up") == "2026-12-07"  # Friday + 2: Sunday → Monday
    lead(app, "Acme")
    _at(app, SATURDAY)
    before = len(app.slack.calls("views.open"))
    app.send.command("log 1", ALICE)
    view = app.slack.wait_for("views.open", count=before + 1)[-1].response["view"]
    assert _initial_date(view, "next_follow_up") == "2026-12-14"  # Saturday + 7 → Monday


@pytest.mark.parametrize(
    "user,typed,said",
    [
        (ALICE, "tomorrow", "tomorrow falls on a rest day, so it is Mon 7 Dec, the next working day."),
        (WANG, "明天", "明天 是休息日，顺延到下一个工作日 12月7日 周一。"),
    ],
)
def test_a_relative_date_typed_on_friday_moves_on_and_says_so(app, user, typed, said):
    lead(app, "Acme", user=user)
    _at(app, FRIDAY)
    assert said in command(app, f"snooze 1 {typed}", user=user)
    assert _next(app) == "2026-12-07"


# -- dates a person gives are kept ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "user,typed,said",
    [
        (ALICE, "saturday", "Sat 5 Dec is not a working day (a weekend or public holiday); kept as you gave it."),
        (ALICE, "2026-12-06", "Sun 6 Dec is not a working day"),
        (WANG, "周六", "12月5日 周六 不是工作日（周末或法定节假日），已按你给的日期保留。"),
        (WANG, "12月6日", "12月6日 周日 不是工作日"),
    ],
)
def test_a_rest_day_the_rep_names_is_kept_with_a_note(app, user, typed, said):
    lead(app, "Acme", user=user)
    assert said in command(app, f"snooze 1 {typed}", user=user)
    assert _next(app) in ("2026-12-05", "2026-12-06")


def test_the_buyers_date_on_a_sunday_is_kept_and_the_rest_day_said(app):
    lead(app, "Acme")
    tick(app, "2026-12-04T01:00:00+00:00")
    digest = app.slack.dms_to(ALICE)[-1]
    reply = app.send.click(ALICE, digest, "lead_buyer_date", block_id="lead:1", selected_date="2026-12-13")
    app.slack.wait_for("response_url")
    said = "\n".join(text_of(post) for post in app.slack.response_url_posts(reply.sent["response_url"]))
    assert "the buyer said Sun 13 Dec" in said and "Sun 13 Dec is not a working day" in said
    assert _next(app) == "2026-12-13"


def test_a_next_date_picked_in_the_follow_up_form_is_kept_even_on_a_rest_day(app):
    lead(app, "Acme")
    before = len(app.slack.calls("views.open"))
    app.send.command("log 1", ALICE)
    view = app.slack.view(app.slack.wait_for("views.open", count=before + 1)[-1].response["view"]["id"])
    app.send.submit_view(ALICE, view, {"kind": "call", "next_follow_up": "2026-12-12"})
    posted = app.slack.wait_for("chat.postEphemeral", where=lambda c: "Logged a follow-up" in str(c.params))
    assert "Sat 12 Dec is not a working day" in str(posted[-1].params)
    assert _next(app) == "2026-12-12"


def test_a_working_day_gets_no_note(app):
    lead(app, "Acme")
    answer_text = command(app, "snooze 1 monday")
    assert "Mon 7 Dec" in answer_text and "working day" not in answer_text


# -- whose holidays: the team's, or the rep's own ---------------------------------------------------


def _settings_view(app, user):
    before = len(app.slack.calls("views.open"))
    app.send.command("settings", user)
    return app.slack.view(app.slack.wait_for("views.open", count=before + 1)[-1].response["view"]["id"])


def _block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def test_china_keeps_its_make_up_saturday_while_a_berlin_rep_keeps_german_holidays(app_with):
    app = app_with(LEADBOT_HOLIDAYS="CN")
    _at(app, at("2026-02-12T10:00:00+01:00"))
    lead(app, "Shanghai Pumps")
    lead(app, "Berlin Gears", user=CAROL)
    settings = _settings_view(app, CAROL)
    assert "the team's (CN)" in _block(settings, "holidays")["hint"]["text"]
    assert answer(app.send.submit_view(CAROL, settings, {"holidays": "XX"}))["errors"]["holidays"]
    assert app.send.submit_view(CAROL, settings, {"holidays": "de"}).body == ""
    assert _block(_settings_view(app, CAROL), "holidays")["element"]["initial_value"] == "DE"

    _at(app, at("2026-02-13T10:00:00+01:00"))  # Friday before Spring Festival
    # Saturday 14 February is a working day in China, a weekend in Germany; Monday 16th the other way round.
    assert "Sat 14 Feb" in command(app, "snooze 1 1")
    assert "Mon 16 Feb" in command(app, "snooze 2 1", user=CAROL)


def test_a_rep_may_keep_no_public_holidays(app_with):
    app = app_with(LEADBOT_HOLIDAYS="CN")
    _at(app, at("2026-02-12T10:00:00+08:00"))
    lead(app, "Acme")
    assert app.send.submit_view(ALICE, _settings_view(app, ALICE), {"holidays": "none"}).body == ""
    _at(app, at("2026-02-13T10:00:00+08:00"))
    assert "Mon 16 Feb" in command(app, "snooze 1 1")  # the make-up Saturday is no working day without CN


def test_without_holidays_a_make_up_saturday_is_a_weekend(app):
    _at(app, at("2026-02-12T10:00:00+08:00"))
    lead(app, "Acme")
    _at(app, at("2026-02-13T10:00:00+08:00"))
    assert "Mon 16 Feb" in command(app, "snooze 1 1")


def test_a_rep_whose_spring_festival_it_is_gets_no_digest_while_a_berlin_rep_does(app_with):
    app = app_with(LEADBOT_HOLIDAYS="CN")
    _at(app, at("2026-02-09T10:00:00+08:00"))
    lead(app, "Shanghai Pumps")
    lead(app, "Berlin Gears", user=CAROL)
    app.send.submit_view(CAROL, _settings_view(app, CAROL), {"holidays": "DE"})
    tick(app, "2026-02-16T01:00:00+00:00")  # Mon 16 Feb, 09:00 in Shanghai
    tick(app, "2026-02-16T08:00:00+00:00")  # 09:00 in Berlin
    assert not [m for m in app.slack.dms_to(ALICE) if "Your leads for" in text_of(m)]
    assert [m for m in app.slack.dms_to(CAROL) if "Your leads for Mon 16 Feb" in text_of(m)]
