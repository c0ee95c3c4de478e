"""Every button on a nudge acts on exactly its lead, and leaves the nudge showing what was done."""

from tests.conftest import ALICE, CAROL
from tests.support import answer, command, lead, nudged, nudges_to, text_of, tick

FRI_MORNING = "2026-12-04T01:00:00+00:00"  # 09:00 in Shanghai, the day after the first follow-up date


def _nudge_with(app, *companies):
    for company in companies:
        lead(app, company)
    tick(app, FRI_MORNING)
    return nudges_to(app, ALICE)[-1]


def _last_update(app, count=1):
    return app.slack.wait_for("chat.update", count=count)[-1].params


def test_snooze_moves_only_that_lead_and_marks_it_done(app):
    nudge = _nudge_with(app, "Alpha", "Beta")
    app.send.click(ALICE, nudge, "lead_snooze", block_id="lead:2", selected_option="3")
    redrawn = _last_update(app)
    assert "✓ Next follow-up Mon 7 Dec." in text_of(redrawn)
    # Alpha is untouched and still has its buttons; Beta's are gone.
    block_ids = [b.get("block_id") for b in redrawn["blocks"] if b["type"] == "actions"]
    assert block_ids == ["lead:1"]
    assert "overdue" in command(app, "show 1") and "Mon 7 Dec" in command(app, "show 2")


def test_buyer_said_later_sets_their_date(app):
    nudge = _nudge_with(app, "Alpha")
    app.send.click(ALICE, nudge, "lead_buyer_date", block_id="lead:1", selected_date="2026-12-16")
    assert "The buyer said Wed 16 Dec" in text_of(_last_update(app))
    assert "Wed 16 Dec" in command(app, "show 1")
    # Quiet again only after the buyer's date has passed.
    assert nudged(app, "2026-12-16T01:00:00+00:00") == 0
    assert nudged(app, "2026-12-17T01:00:00+00:00") == 1


def test_a_buyer_date_in_the_past_is_refused_in_words(app):
    nudge = _nudge_with(app, "Alpha")
    reply = app.send.click(ALICE, nudge, "lead_buyer_date", block_id="lead:1", selected_date="2026-11-20")
    app.slack.wait_for("response_url", where=lambda c: True)
    posts = app.slack.response_url_posts(reply.sent["response_url"])
    assert "today or a later date" in text_of(posts[-1])


def test_won_from_the_nudge_asks_to_confirm_then_wins(app):
    nudge = _nudge_with(app, "Alpha")
    app.send.click(ALICE, nudge, "lead_won_open", value="1")
    view = app.slack.view(app.slack.wait_for("views.open", count=2)[-1].response["view"]["id"])
    assert "Close *#1 Alpha* as won?" in text_of(view) and "Alpha" in command(app, "list")  # nothing changed yet
    assert app.send.submit_view(ALICE, view, {}).status == 200
    assert "✓ Won" in text_of(_last_update(app))
    assert "no open leads" in command(app, "list")


def test_lost_as_proposal_fisher_too_early_offers_the_next_follow_up_instead(app):
    nudge = _nudge_with(app, "Alpha")
    app.send.click(ALICE, nudge, "lead_lost_open", value="1")
    view = app.slack.view(app.slack.wait_for("views.open", count=2)[-1].response["view"]["id"])
    reply = app.send.submit_view(ALICE, view, {"reason": "went_silent"})
    updated = answer(reply)
    assert updated["response_action"] == "update"
    assert "only 0 of 3 follow-ups" in text_of(updated["view"]) and "one to three months" in text_of(updated["view"])
    rescheduled = app.slack.view(view["id"])
    assert app.send.submit_view(ALICE, rescheduled, {"next_follow_up": "2026-12-09"}).status == 200
    assert "✓ Next follow-up Wed 9 Dec." in text_of(_last_update(app))
    assert "Alpha" in command(app, "list") and "Wed 9 Dec" in command(app, "show 1")


def test_lost_for_another_reason_is_accepted_from_the_nudge(app):
    nudge = _nudge_with(app, "Alpha")
    app.send.click(ALICE, nudge, "lead_lost_open", value="1")
    view = app.slack.view(app.slack.wait_for("views.open", count=2)[-1].response["view"]["id"])
    assert app.send.submit_view(ALICE, view, {"reason": "competitor", "note": "Zhang Coatings"}).body == ""
    assert "Closed as lost (chose a competitor)" in text_of(_last_update(app))


def test_lost_as_other_needs_a_note(app):
    nudge = _nudge_with(app, "Alpha")
    app.send.click(ALICE, nudge, "lead_lost_open", value="1")
    view = app.slack.view(app.slack.wait_for("views.open", count=2)[-1].response["view"]["id"])
    assert "note" in answer(app.send.submit_view(ALICE, view, {"reason": "other"}))["errors"]


def test_slash_lost_as_proposal_fisher_offers_a_date_picker(app):
    lead(app, "Alpha")
    command(app, "log 1 call first")
    reply_text = command(app, "lost 1 silent")
    assert "only 1 of 3 follow-ups" in reply_text and "Pick the next follow-up instead" in reply_text


def test_someone_else_pressing_a_forwarded_nudge_changes_nothing(app):
    nudge = _nudge_with(app, "Alpha")
    reply = app.send.click(CAROL, nudge, "lead_won_open", value="1")
    app.slack.wait_for("response_url")
    assert "Only the owner" in text_of(app.slack.response_url_posts(reply.sent["response_url"])[-1])
    assert "Alpha" in command(app, "list")


def test_a_forged_lead_number_from_another_workspace_finds_nothing(app):
    nudge = _nudge_with(app, "Alpha")
    # Same button, sent from another workspace whose lead #1 does not exist.
    other = app.send.__class__(app.send.app_url, app.send.signing_secret, app.slack, team_id="T0THER")
    reply = other.click(ALICE, nudge, "lead_won_open", value="1")
    app.slack.wait_for("response_url", where=lambda c: True)
    assert "can't find lead 1" in text_of(app.slack.response_url_posts(reply.sent["response_url"])[-1])
    assert "Alpha" in command(app, "list")
