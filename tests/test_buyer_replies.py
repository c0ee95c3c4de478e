"""A buyer who writes back: not quiet while the reply waits, its owner hears once, a follow-up answers it."""

import threading
from datetime import datetime, timedelta, timezone

import pytest

from bot.store.models import EMAIL
from scheduler.runner import run_due
from tests.conftest import ADMIN, ALICE, CAROL, GENERAL, TEAM
from tests.support import command, lead, nudges_to, text_of, tick

# Alice is in Shanghai (UTC+8). Her lead, captured Tue 1 Dec, is due for its first follow-up Thu 3 Dec.
THU_DIGEST = "2026-12-03T01:00:00+00:00"  # 09:00 in Shanghai: her morning digest
THU_NOON = datetime(2026, 12, 3, 4, 0, tzinfo=timezone.utc)  # 12:00 in Shanghai
FRI_DIGEST = "2026-12-04T01:00:00+00:00"
SAT_DIGEST = "2026-12-05T01:00:00+00:00"


def _lead_id(app, number: int = 1) -> int:
    from sqlalchemy import select

    from bot.store.models import Lead

    with app.deps.db.read() as uow:
        return uow.session.scalar(select(Lead.id).where(Lead.team_id == TEAM, Lead.number == number))


def _reply(app, ref: str, at: datetime, note: str = "Thanks — can you send the price for 200 valves?\nBest, Li"):
    return app.deps.buyer_replies.record_reply(TEAM, _lead_id(app), EMAIL, ref, note, at, at)


def _reply_dms(app, user=ALICE):
    return [m for m in app.slack.dms_to(user) if "The buyer wrote back" in text_of(m)]


def _digests(app, user=ALICE):
    return [m for m in app.slack.dms_to(user) if "Your leads for" in text_of(m)]


def test_a_buyer_reply_gets_one_dm_no_nudge_is_listed_in_the_digest_and_a_follow_up_clears_it(app):
    lead(app, "Acme")
    tick(app, THU_DIGEST)  # the digest with Acme due today goes out
    assert len(_digests(app)) == 1
    recorded = _reply(app, "mail:<abc@acme.example>", THU_NOON)
    assert recorded is not None and recorded.waiting and recorded.lead_number == 1
    tick(app, "2026-12-03T04:01:00+00:00")
    [dm] = _reply_dms(app)
    assert "#1 Acme" in text_of(dm) and "200 valves" in text_of(dm) and "by email" in text_of(dm)
    actions = [b for b in dm["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions[0]["elements"]] == ["reply_log_open", "reply_snooze", "reply_buyer_date"]
    # Not a follow-up: the count stays.
    assert "0 of 3 follow-ups" in command(app, "show 1")
    tick(app, "2026-12-03T06:00:00+00:00")
    assert len(_reply_dms(app)) == 1
    # Friday: the lead is overdue, but the buyer wrote and waits for an answer — no nudge, the digest lists the reply.
    tick(app, FRI_DIGEST)
    tick(app, "2026-12-04T05:00:00+00:00")
    assert nudges_to(app, ALICE) == []
    friday = _digests(app)[-1]
    assert "wait for your answer" in text_of(friday) and "Acme" in text_of(friday)
    assert len(_reply_dms(app)) == 1
    # A logged follow-up answers it: the next morning's digest has quiet Acme no more, and nothing waits.
    command(app, "log 1 email sent the price list")
    assert "1 of 3 follow-ups" in command(app, "show 1")
    view = app.deps.buyer_replies.reply(TEAM, recorded.id)
    assert view.answered_how == "follow_up" and view.answered_at is not None
    assert app.deps.buyer_replies.waiting_for(TEAM, ALICE) == []


def test_the_same_reply_read_twice_is_one_reply_and_one_dm(app):
    lead(app, "Acme")
    tick(app, THU_DIGEST)
    assert _reply(app, "mail:<same@acme.example>", THU_NOON) is not None
    assert _reply(app, "mail:<same@acme.example>", THU_NOON) is None
    tick(app, "2026-12-03T04:01:00+00:00")
    tick(app, "2026-12-03T04:02:00+00:00")
    assert len(_reply_dms(app)) == 1
    assert len(app.deps.buyer_replies.waiting_for(TEAM, ALICE)) == 1


def test_a_reply_at_night_waits_for_the_morning_and_rides_in_the_digest(app):
    lead(app, "Acme")
    night = datetime(2026, 12, 2, 15, 0, tzinfo=timezone.utc)  # 23:00 in Shanghai
    _reply(app, "mail:<night@acme.example>", night)
    tick(app, "2026-12-02T15:01:00+00:00")
    assert _reply_dms(app) == []
    tick(app, THU_DIGEST)
    assert _reply_dms(app) == []  # folded: the digest says it
    [digest] = _digests(app)
    assert "wait for your answer" in text_of(digest) and "200 valves" in text_of(digest)
    tick(app, "2026-12-03T06:00:00+00:00")
    assert _reply_dms(app) == []


def test_the_team_summary_counts_replies_and_how_fast_they_were_answered(app):
    lead(app, "Acme")
    lead(app, "Beta")
    assert "come to <#C0GENERAL>" in command(app, "summary on", user=ADMIN, channel=GENERAL)
    wed = datetime(2026, 12, 2, 2, 0, tzinfo=timezone.utc)
    app.deps.buyer_replies.record_reply(TEAM, _lead_id(app, 1), EMAIL, "mail:<a@acme>", "Price?", wed, wed)
    app.deps.clock.set(wed + timedelta(hours=3))
    command(app, "log 1 call gave Li the price")  # answered three hours later
    thu = wed + timedelta(days=1)
    app.deps.buyer_replies.record_reply(TEAM, _lead_id(app, 2), EMAIL, "mail:<b@beta>", "Any news?", thu, thu)
    tick(app, "2026-12-07T09:00:00+00:00")  # Monday: last week's summary
    [summary] = [m for m in app.slack.messages(GENERAL) if "Team summary" in text_of(m)]
    assert "*Buyers who wrote back*: 2 replies · answered in 3 h (median) · 1 still waiting" in text_of(summary)


def _three_replies(app):
    for company in ("Alpha", "Beta", "Gamma"):
        lead(app, company)
    tick(app, THU_DIGEST)
    for number in (1, 2, 3):
        app.deps.buyer_replies.record_reply(
            TEAM, _lead_id(app, number), EMAIL, f"mail:<{number}@buyer>", f"Question {number}", THU_NOON, THU_NOON
        )
    tick(app, THU_NOON + timedelta(minutes=1))
    dms = _reply_dms(app)
    assert len(dms) == 3
    return {number: next(m for m in dms if f"#{number} " in text_of(m)) for number in (1, 2, 3)}


def _last_update(app, count):
    return app.slack.wait_for("chat.update", count=count)[-1].params


def test_the_dms_buttons_answer_the_reply_and_redraw_it(app):
    dms = _three_replies(app)
    app.send.click(ALICE, dms[1], "reply_snooze", selected_option="3")
    assert "✓ Next follow-up Mon 7 Dec." in text_of(_last_update(app, 1))
    app.send.click(ALICE, dms[2], "reply_buyer_date", selected_date="2026-12-16")
    assert "The buyer said Wed 16 Dec" in text_of(_last_update(app, 2))
    opened = len(app.slack.calls("views.open"))  # the new-lead forms so far
    app.send.click(ALICE, dms[3], "reply_log_open", value="3")
    form = app.slack.view(app.slack.wait_for("views.open", count=opened + 1)[-1].response["view"]["id"])
    assert "Gamma" in text_of(form)
    assert app.send.submit_view(ALICE, form, {"kind": "call", "note": "Answered his question"}).status == 200
    redrawn = _last_update(app, 3)
    assert "✓ Follow-up logged" in text_of(redrawn)
    assert not [b for b in redrawn["blocks"] if b["type"] == "actions"]
    answers = {r.lead_number: r.answered_how for r in (app.deps.buyer_replies.reply(TEAM, i) for i in (1, 2, 3))}
    assert answers == {1: "snooze", 2: "said_later", 3: "follow_up"}
    assert app.deps.buyer_replies.waiting_for(TEAM, ALICE) == []
    # Snoozing counts no follow-up; the buyer's date and the logged call do.
    assert "0 of 3 follow-ups" in command(app, "show 1") and "1 of 3 follow-ups" in command(app, "show 3")


def test_a_reply_answered_before_it_could_be_sent_is_not_sent(app):
    lead(app, "Acme")
    tick(app, THU_DIGEST)
    _reply(app, "mail:<quick@acme>", THU_NOON)
    app.deps.clock.set(THU_NOON + timedelta(seconds=30))
    command(app, "log 1 call answered at once")
    tick(app, THU_NOON + timedelta(minutes=1))
    assert _reply_dms(app) == []


@pytest.mark.parametrize("buyer_wrote", [True, False])
def test_a_lead_nudged_then_replied_to_is_not_escalated(app_with, buyer_wrote):
    app = app_with(LEADBOT_MANAGER=CAROL, LEADBOT_ESCALATE_AFTER="1", LEADBOT_DIGEST_TIME="08:00")
    lead(app, "Acme")
    tick(app, "2026-12-04T00:00:00+00:00")  # Alice's digest at 08:00 in Shanghai
    tick(app, FRI_DIGEST)  # her nudge at 09:00, ignored: the manager would hear when her day starts in Berlin
    assert len(nudges_to(app, ALICE)) == 2
    if buyer_wrote:
        _reply(app, "mail:<late@acme>", datetime(2026, 12, 4, 2, 0, tzinfo=timezone.utc))
    tick(app, "2026-12-04T08:00:00+00:00")  # 09:00 in Berlin
    told = [m for m in app.slack.dms_to(CAROL) if "going cold" in text_of(m).lower()]
    assert len(told) == (0 if buyer_wrote else 1)


def test_the_same_reply_recorded_by_two_schedulers_at_once_is_one_reply_and_one_dm(app):
    lead(app, "Acme")
    tick(app, THU_DIGEST)
    barrier = threading.Barrier(2)
    results = []

    def record():
        barrier.wait()
        results.append(_reply(app, "mail:<twice@acme>", THU_NOON))

    threads = [threading.Thread(target=record) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r is None for r in results) == [False, True]

    def run():
        barrier.wait()
        run_due(app.deps, THU_NOON + timedelta(minutes=1))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(_reply_dms(app)) == 1
