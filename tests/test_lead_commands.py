"""`/lead list|show|log|won|lost|assign|help` through signed slash commands."""

from datetime import timedelta

import pytest

from tests.conftest import ADMIN, ALICE, BOB, CAROL
from tests.support import answered, capture, command, text_of, wait_ephemeral


def _lead(app, company="Acme", user=ALICE, **values):
    capture(app, company, user=user, **values)
    app.slack.wait_for("chat.postEphemeral", where=lambda c: company in str(c.params.get("blocks")))


def test_list_shows_my_open_leads_most_urgent_first(app):
    _lead(app, "Later Co", first_follow_up="2026-12-20")
    _lead(app, "Sooner Co", first_follow_up="2026-12-02")
    _lead(app, "Bobs Co", user=BOB)
    listing = command(app, "list")
    assert "Your open leads (2)" in listing
    assert listing.index("Sooner Co") < listing.index("Later Co")
    assert "Bobs Co" not in listing
    assert "Bobs Co" in command(app, "list all")


def test_list_marks_overdue_follow_ups(app, clock):
    _lead(app, "Quiet Co", first_follow_up="2026-12-02")
    clock.set(clock.now() + timedelta(days=5))
    assert "overdue" in command(app, "list")


def test_show_by_number_or_by_company_name(app):
    _lead(app, "Acme Oilfield", situation="comparing")
    by_number = command(app, "show 1")
    by_name = command(app, "show acme OILFIELD")
    assert "#1 Acme Oilfield" in by_number and "#1 Acme Oilfield" in by_name
    assert "Which other vendors" in by_number


def test_log_records_a_touch_and_moves_the_follow_up_to_the_next_step(app):
    _lead(app)
    text = command(app, "log 1 call spoke to Li about the budget meeting")
    # Second cadence step: 7 days from today (Tue 1 Dec, in Alice's Shanghai time zone).
    assert "1 so far" in text and "Tue 8 Dec" in text
    shown = command(app, "show 1")
    assert "Call by <@UALICE01> — spoke to Li about the budget meeting" in shown
    assert "1 of 3 follow-ups (aim for 3–5)" in shown


@pytest.mark.expects_error
def test_a_command_that_fails_unexpectedly_after_its_ack_says_so_and_logs_it(app, monkeypatch, caplog):
    """`/lead log` goes on after its ack, on a listener thread: a failure nobody expected still reaches the rep in
    words, with nothing changed, and the log with its trace."""
    _lead(app)

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(app.deps.leads, "log_touch", broken)
    reply = app.send.command("log 1 call spoke to Li", ALICE)
    assert reply.status == 200 and reply.ack_message() is None  # acked at once; the answer follows
    assert "something went wrong on our side and nothing was changed" in answered(app, reply)
    assert "unexpected error handling a command request" in caplog.text and "the disk is full" in caplog.text
    monkeypatch.undo()
    assert "spoke to Li" not in command(app, "show 1")


def test_log_without_a_note_opens_the_follow_up_form(app):
    _lead(app)
    before = len(app.slack.calls("views.open"))
    app.send.command("log 1", ALICE)
    call = app.slack.wait_for("views.open", count=before + 1)[-1]
    view = app.slack.view(call.response["view"]["id"])
    reply = app.send.submit_view(
        ALICE, view,
        {"kind": "visit", "note": "site visit", "buyer_said": "call after the 15th", "next_follow_up": "2026-12-16"},
    )
    assert reply.status == 200 and not reply.body.strip()
    app.slack.wait_for("chat.postEphemeral", count=2)
    shown = command(app, "show 1")
    assert "Visit by <@UALICE01> — site visit" in shown and "Wed 16 Dec" in shown


def test_the_card_button_opens_the_follow_up_form_for_that_lead(app):
    _lead(app, "Button Co")
    card = wait_ephemeral(app, ALICE)
    before = len(app.slack.calls("views.open"))
    reply = app.send.click(ALICE, card, "lead_log_open", ephemeral=True)
    assert reply.status == 200
    call = app.slack.wait_for("views.open", count=before + 1)[-1]
    assert "#1 Button Co" in text_of(call.response["view"])


def test_won_closes_the_lead(app):
    _lead(app)
    assert "won" in command(app, "won 1")
    assert "no open leads" in command(app, "list")
    assert "already won" in command(app, "log 1 call too late")


def test_lost_without_a_reason_asks_for_one_with_the_form(app):
    _lead(app)
    before = len(app.slack.calls("views.open"))
    app.send.command("lost 1", ALICE)
    view = app.slack.wait_for("views.open", count=before + 1)[-1].response["view"]
    assert view["callback_id"] == "lead_lost" and "#1 Acme" in text_of(view)
    assert "closed as lost (chose a competitor)" in command(app, "lost 1 competitor went with Zhang")


def test_only_wanted_a_proposal_is_refused_before_three_follow_ups(app):
    _lead(app)
    refusal = command(app, "lost 1 silent")
    assert "only 0 of 3 follow-ups (aim for 3–5)" in refusal and "one to three months" in refusal
    for n in range(3):
        command(app, f"log 1 call try {n}")
    assert "closed as lost" in command(app, "lost 1 silent")


def test_assign_moves_the_lead_and_tells_the_new_owner(app):
    _lead(app)
    assert "now belongs to <@UBOB0001>" in command(app, "assign 1 <@UBOB0001|bob>")
    app.slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == BOB)
    assert "assigned #1 Acme to you" in text_of(app.slack.dms_to(BOB)[-1])
    assert "Acme" in command(app, "list", user=BOB)


def test_someone_else_cannot_change_my_lead_and_is_told_why(app):
    _lead(app)
    for text in ("log 1 call hi", "won 1", "lost 1 competitor", "assign 1 <@UCAROL01>"):
        assert "Only the owner (<@UALICE01>) or an admin" in command(app, text, user=CAROL)
    assert "Acme" in command(app, "list")  # still Alice's, still open


def test_an_admin_may_change_anyones_lead(app):
    _lead(app)
    assert "now belongs to <@UCAROL01>" in command(app, "assign 1 <@UCAROL01>", user=ADMIN)


def test_anyone_may_view_any_lead(app):
    _lead(app)
    assert "#1 Acme" in command(app, "show 1", user=CAROL)


def test_help_lists_every_subcommand(app):
    text = command(app, "help")
    for sub in ("new", "list", "show", "log", "snooze", "won", "lost", "assign", "help"):
        assert f"/lead {sub}" in text


def test_snooze_by_days_weeks_or_to_a_date(app):
    _lead(app)
    assert "next follow-up Wed 2 Dec" in command(app, "snooze 1")
    assert "next follow-up Fri 4 Dec" in command(app, "snooze 1 3d")
    assert "next follow-up Tue 15 Dec" in command(app, "snooze 1 2w")
    sunday = command(app, "snooze 1 2026-12-20")  # a date typed is kept, and its rest day said
    assert "next follow-up Sun 20 Dec" in sunday and "Sun 20 Dec is not a working day" in sunday
    assert "couldn't read “someday”" in command(app, "snooze 1 someday")
    assert "today or a later date" in command(app, "snooze 1 2026-11-01")
    assert "0 of 3 follow-ups" in command(app, "show 1")  # snoozing is not a follow-up


def test_snooze_without_days_uses_the_reps_own_default(app):
    _lead(app)
    app.deps.directory.save_own_settings(
        "T0001", ALICE, app.deps.clock.now(), digest_time=None, workdays=None, work_hours=None, language=None,
        snooze_days=3,
    )
    assert "next follow-up Fri 4 Dec" in command(app, "snooze 1")
