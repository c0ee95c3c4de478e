"""Scheduled messages under Slack's faults: delivered once, delayed not lost, stopped where hopeless."""

import logging

from bot.store.models import Delivery
from tests.conftest import ADMIN, ALICE, BOB
from tests.support import command, lead, nudges_to, text_of, tick

FRI_MORNING = "2026-12-04T01:00:00+00:00"  # Alice (Shanghai) 09:00
FRI_NEW_YORK_MORNING = "2026-12-04T14:00:00+00:00"  # Bob (New York) 09:00, Alice 22:00


def _posts(app, user):
    dm = app.slack.dm_channel_id(user)
    return [c for c in app.slack.calls("chat.postMessage") if c.params.get("channel") in (user, dm)]


def _deliveries(app):
    with app.deps.db.uow() as uow:
        return [(d.kind, d.subject, d.status, d.attempts) for d in uow.session.query(Delivery).order_by(Delivery.id)]


def test_rate_limited_then_accepted_is_delivered_once(app):
    lead(app)
    app.slack.fail_next("chat.postMessage", status=429, retry_after=1)
    report = tick(app, FRI_MORNING)
    assert report.sent == 1
    attempts = _posts(app, ALICE)
    assert [c.answered_status for c in attempts] == [429, 200]
    assert len(nudges_to(app, ALICE)) == 1


def test_a_slack_outage_delays_the_nudge_and_a_later_run_delivers_it(app):
    lead(app)
    # A 500 may hide a post Slack made: nothing is resent in the same run; each later attempt first
    # looks in the DM for the message, finds nothing, and posts.
    app.slack.fail_next("chat.postMessage", status=500, times=2)
    report = tick(app, FRI_MORNING)
    assert (report.sent, report.retry_later) == (0, 1)
    assert [c.answered_status for c in _posts(app, ALICE)] == [500]
    assert nudges_to(app, ALICE) == []
    assert tick(app, "2026-12-04T01:00:30+00:00").sent == 0  # backing off
    assert tick(app, "2026-12-04T01:02:00+00:00").retry_later == 1
    later = tick(app, "2026-12-04T01:05:00+00:00")
    assert later.sent == 1 and later.found_posted == 0 and len(nudges_to(app, ALICE)) == 1
    assert tick(app, "2026-12-04T01:10:00+00:00").sent == 0
    assert [c.answered_status for c in _posts(app, ALICE)] == [500, 500, 200]
    assert len(app.slack.calls("conversations.history")) == 2  # one look before each post after a 500
    # The morning's nudge rides in the digest; the digest is what was held up and then sent.
    assert _deliveries(app) == [("digest", ALICE, "sent", 3)]


def test_an_owner_slack_reports_as_deleted_is_not_messaged_and_the_manager_is_told(app_with, slack):
    app = app_with(LEADBOT_MANAGER=ADMIN)
    lead(app, "Bobs Co", user=BOB)
    slack.deactivate_user(BOB)
    report = tick(app, FRI_NEW_YORK_MORNING)  # Bob's profile is refreshed: users.info says deleted
    assert report.sent == 1 and _posts(app, BOB) == []
    assert "<@UBOB0001> is no longer reachable" in text_of(app.slack.dms_to(ADMIN)[-1])
    assert "needs a new owner" in command(app, "list all")


def test_a_deactivated_owner_does_not_stop_the_others(app_with, slack):
    app = app_with(LEADBOT_MANAGER=ADMIN)
    lead(app, "Bobs Co", user=BOB)
    lead(app, "Alices Co")
    app.deps.clock.set(app.deps.clock.now().replace(day=4, hour=13))
    command(app, "list", user=BOB)  # Bob's profile is fresh in the cache, still active
    slack.deactivate_user(BOB)
    # So the DM itself is what fails, with user_disabled.
    assert tick(app, FRI_NEW_YORK_MORNING).failed == 1
    assert [c.answered_error for c in _posts(app, BOB)] == ["user_disabled"]
    assert "needs a new owner" in command(app, "list all")
    manager_note = text_of(app.slack.dms_to(ADMIN)[-1])
    assert "<@UBOB0001> is no longer reachable" in manager_note and "#1" in manager_note
    # Alice's nudge goes out in her own morning, and nobody writes to Bob again.
    assert tick(app, "2026-12-07T01:00:00+00:00").sent == 1
    assert len(nudges_to(app, ALICE)) == 1
    tick(app, "2026-12-08T14:00:00+00:00")
    assert len(_posts(app, BOB)) == 1
    # Giving the lead a new owner clears the flag.
    command(app, "assign 1 <@UALICE01>", user=ADMIN)
    assert "needs a new owner" not in command(app, "list all")


def test_a_revoked_token_pauses_the_workspace_with_one_log_line(app, caplog):
    lead(app)
    app.slack.revoke_token()
    with caplog.at_level(logging.ERROR):
        report = tick(app, FRI_MORNING)
    assert report.sent == 0
    lines = [r.getMessage() for r in caplog.records if "token no longer works" in r.getMessage()]
    assert len(lines) == 1 and "token_revoked" in lines[0]
    attempts = len(app.slack.calls("chat.postMessage"))
    tick(app, "2026-12-04T02:00:00+00:00")
    assert len(app.slack.calls("chat.postMessage")) == attempts  # paused, not retried
    assert _deliveries(app)[0][2] == "pending"  # kept for when the token is fixed


def test_ignored_nudges_are_escalated_to_the_manager_once(app_with):
    app = app_with(LEADBOT_ESCALATE_AFTER="2", LEADBOT_MANAGER=ADMIN)
    lead(app)
    tick(app, FRI_MORNING)  # nudge 1
    assert app.slack.dms_to(ADMIN) == []
    tick(app, "2026-12-08T01:00:00+00:00")  # nudge 2, ignored again → the manager hears
    note = text_of(app.slack.dms_to(ADMIN)[-1])
    assert "Leads going cold" in note and "#1 Acme" in note and "<@UALICE01>" in note
    tick(app, "2026-12-10T01:00:00+00:00")  # nudge 3: same silence, no second escalation
    assert len(app.slack.dms_to(ADMIN)) == 1
    command(app, "log 1 call finally")
    assert "Acme" in command(app, "list")


def test_escalation_is_off_by_default(app):
    lead(app)
    for day in ("04", "08", "10", "14"):
        tick(app, f"2026-12-{day}T01:00:00+00:00")
    assert len(nudges_to(app, ALICE)) == 4
    assert app.slack.dms_to(ADMIN) == []
