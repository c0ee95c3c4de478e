"""Follow-up cadence through time: quiet leads nudge their owner, in the owner's working hours."""

from tests.conftest import ALICE, BOB
from tests.support import command, lead, nudged, nudges_to, text_of, tick

# Alice is in Shanghai (UTC+8). Leads captured on Tue 1 Dec get their first follow-up on Thu 3 Dec,
# are quiet from Fri 4 Dec, and her working day starts at 09:00 local = 01:00 UTC.
FRI_BEFORE_WORK = "2026-12-04T00:59:00+00:00"
FRI_MORNING = "2026-12-04T01:00:00+00:00"


def _nudge(app, user=ALICE, count=1):
    app.slack.wait_for("chat.postMessage", count=count, where=lambda c: c.ok and "Time to follow up" in str(c.params))
    return nudges_to(app, user)[-1]


def test_no_nudge_before_the_follow_up_date_has_passed(app):
    lead(app)
    assert nudged(app, "2026-12-03T12:00:00+00:00") == 0  # Thu 20:00 in Shanghai: the date itself
    assert nudged(app, FRI_BEFORE_WORK) == 0  # Fri 08:59 in Shanghai: passed, but before work
    assert nudges_to(app, ALICE) == []


def test_a_quiet_lead_nudges_its_owner_with_what_to_ask(app):
    lead(app, "Acme Oilfield", situation="boss_research", asked_for="pipeline coating proposal")
    report = tick(app, FRI_MORNING)
    assert report.sent == 1
    nudge = text_of(_nudge(app))
    assert "#1 Acme Oilfield" in nudge and "pipeline coating proposal" in nudge
    assert "research whether to buy" in nudge
    assert "3 days since the last contact" in nudge
    assert "0 of 3 follow-ups (aim for 3–5)" in nudge
    assert "Who will decide" in nudge


def test_the_whole_cadence_from_capture_to_keep_warm(app):
    lead(app)
    tick(app, FRI_MORNING)
    nudge = _nudge(app)
    app.send.click(ALICE, nudge, "lead_log_open", value="1")
    view = app.slack.view(app.slack.wait_for("views.open", count=2)[-1].response["view"]["id"])
    # The form suggests the next step: 7 days from today (Fri 4 Dec).
    assert (
        next(b for b in view["blocks"] if b.get("block_id") == "next_follow_up")["element"]["initial_date"]
        == "2026-12-11"
    )
    app.send.submit_view(ALICE, view, {"kind": "call", "note": "spoke to Li"})
    redrawn = app.slack.wait_for("chat.update")[-1]
    assert "Follow-up logged" in text_of(redrawn.params) and "lead_snooze" not in str(redrawn.params["blocks"])

    assert nudged(app, "2026-12-11T01:00:00+00:00") == 0  # the due date itself
    assert nudged(app, "2026-12-12T01:00:00+00:00") == 0  # Saturday
    assert nudged(app, "2026-12-14T01:00:00+00:00") == 1  # Monday morning
    assert len(nudges_to(app, ALICE)) == 2

    # On Mon 14 Dec touches 2..4 walk the remaining steps (14, 30, 60 days); then keep warm, a month apart.
    tick(app, "2026-12-14T02:00:00+00:00")
    expected = {2: "Mon 28 Dec", 3: "Wed 13 Jan 2027", 4: "Fri 12 Feb 2027", 5: "Wed 13 Jan 2027", 6: "Wed 13 Jan 2027"}
    for touch, next_date in expected.items():
        assert next_date in command(app, f"log 1 call step {touch}"), touch
    assert "6 of 3 follow-ups (aim for 3–5)" in command(app, "show 1")


def test_keep_warm_is_one_follow_up_a_month_after_the_last_step(app):
    lead(app)
    answers = [command(app, f"log 1 call touch {n}") for n in range(1, 8)]
    # Steps after touches 1..4 are 7, 14, 30, 60 days; touches 5 and later keep warm at 30 days.
    assert "Tue 8 Dec" in answers[0] and "Tue 15 Dec" in answers[1] and "Thu 31 Dec" in answers[2]
    assert "Mon 1 Feb" in answers[3]  # 60 days is Saturday 30 January: the step moves on to the next working day
    assert "Thu 31 Dec" in answers[4] and "Thu 31 Dec" in answers[6]


def test_one_dm_per_owner_per_run_lists_all_their_quiet_leads(app):
    for company in ("Alpha", "Beta", "Gamma"):
        lead(app, company)
    lead(app, "Bobs Co", user=BOB)
    tick(app, FRI_MORNING)
    assert len(nudges_to(app, ALICE)) == 1
    text = text_of(nudges_to(app, ALICE)[0])
    assert "3 leads have gone quiet" in text and all(c in text for c in ("Alpha", "Beta", "Gamma"))
    assert nudges_to(app, BOB) == []  # 01:00 UTC is 20:00 in New York: after Bob's working day
    tick(app, "2026-12-04T14:00:00+00:00")  # 09:00 in New York
    assert len(nudges_to(app, BOB)) == 1 and len(nudges_to(app, ALICE)) == 1


def test_no_nudge_on_the_weekend_and_monday_morning_catches_up(app):
    lead(app, first_follow_up="2026-12-04")  # quiet from Saturday 5 Dec
    assert nudged(app, "2026-12-05T03:00:00+00:00") == 0
    assert nudged(app, "2026-12-06T03:00:00+00:00") == 0
    assert nudged(app, "2026-12-07T01:00:00+00:00") == 1


def test_after_downtime_a_missed_nudge_goes_out_once_at_the_next_run(app):
    lead(app)
    # Nothing ran on Friday; the service comes back on Monday at 10:30 in Shanghai.
    assert nudged(app, "2026-12-07T02:30:00+00:00") == 1
    assert nudged(app, "2026-12-07T02:31:00+00:00") == 0
    assert len(nudges_to(app, ALICE)) == 1


def test_a_catch_up_at_night_waits_for_the_owners_morning(app):
    lead(app)
    assert nudged(app, "2026-12-04T15:00:00+00:00") == 0  # Fri 23:00 in Shanghai
    assert nudged(app, "2026-12-07T01:00:00+00:00") == 1  # Mon 09:00


def test_running_the_same_instant_twice_sends_nothing_new(app):
    lead(app)
    first = tick(app, FRI_MORNING)
    second = tick(app, FRI_MORNING)
    assert (first.sent, second.claimed, second.sent) == (1, 0, 0)
    assert len(nudges_to(app, ALICE)) == 1


def test_a_still_quiet_lead_counts_as_nudged_again_two_working_days_later_not_every_morning(app):
    # The digest lists quiet leads every morning; what counts towards escalation is one nudge
    # per LEADBOT_RENUDGE_DAYS working days of silence.
    lead(app)
    tick(app, FRI_MORNING)
    assert app.deps.leads.find("T0001", "1").nudges_unanswered == 1
    tick(app, "2026-12-07T01:00:00+00:00")  # Monday: one working day later
    assert app.deps.leads.find("T0001", "1").nudges_unanswered == 1
    tick(app, "2026-12-08T01:00:00+00:00")  # Tuesday: two working days
    assert app.deps.leads.find("T0001", "1").nudges_unanswered == 2
    assert "7 days since the last contact" in text_of(nudges_to(app, ALICE)[-1])
