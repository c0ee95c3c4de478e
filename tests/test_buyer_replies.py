"""A buyer who writes back: not quiet while the reply waits, its owner hears once, a follow-up answers it."""

from datetime import datetime, timedelta, timezone

from bot.store.models import EMAIL
from tests.conftest import ADMIN, ALICE, GENERAL, TEAM
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
