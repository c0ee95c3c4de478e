"""A channel shared with the customer, tied to a lead: our messages there are follow-ups, the customer's replies."""

import time
from datetime import timedelta

import pytest

from tests.conftest import ALICE, BOB, CAROL, GENERAL, START, TEAM
from tests.support import command, lead, message_event, nudges_to, text_of, tick, ts_at

SHARED = "C0ACMESHR"  # shared with Acme through Slack Connect
OTHER = "C0OTHERSH"
BUYER, BUYER_TEAM = "UACMELI01", "TACMECORP"
WANG_REP = "UZHOU0001"  # a rep whose Slack is in Chinese  # Li at Acme, a member of Acme's own workspace


def _until(condition, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _say(app, text: str, user: str, channel: str = SHARED, after: timedelta = timedelta(0), **fields) -> dict:
    """`user` writes in the channel; Slack sends the event (an external member's carries their own workspace)."""
    when = app.deps.clock.now() + after
    app.deps.clock.set(when)
    message = app.slack.add_message(channel, text, user=user, ts=ts_at(when), **fields)
    assert app.send.event(message_event(message)).status == 200
    app.settle()
    return message


def _from_buyer(app, text: str, **fields) -> dict:
    return _say(app, text, BUYER, user_team=BUYER_TEAM, team=BUYER_TEAM, **fields)


def _follow_ups(app) -> str:
    return command(app, "show 1")


def _reply_dms(app, user=ALICE):
    return [m for m in app.slack.dms_to(user) if "The buyer wrote back" in text_of(m)]


@pytest.fixture
def linked(app):
    app.slack.add_channel(SHARED, "acme-shared")
    lead(app, "Acme")
    answer = command(app, "link 1", channel=SHARED)
    assert f"<#{SHARED}> is now tied to #1 Acme" in answer
    tick(app, START)  # today's digest had nothing to say: what comes later today comes by DM
    return app


def test_linking_posts_one_line_in_the_channel_and_nothing_else(linked):
    app = linked
    [posted] = app.slack.messages(SHARED)
    assert "keep track of this conversation" in text_of(posted) and "#1" not in text_of(posted)
    _say(app, "Hi Li, the quote is attached", ALICE)
    _from_buyer(app, "Thanks — can you do 5% less?")
    tick(app, START + timedelta(hours=1))
    assert len(app.slack.messages(SHARED)) == 1 + 2  # the confirmation and the two messages people wrote


def test_our_message_is_a_follow_up_and_a_chat_is_one_follow_up_a_day(linked):
    app = linked
    assert "0 of 3 follow-ups" in _follow_ups(app)
    _say(app, "Hi Li, the quote for 200 valves is attached\nLet me know", BOB, after=timedelta(minutes=5))
    card = _follow_ups(app)
    assert "1 of 3 follow-ups" in card and "the quote for 200 valves is attached" in card
    assert "Let me know" not in card  # the first line is the note
    for n in range(5):
        _say(app, f"and one more thing ({n})", ALICE, after=timedelta(minutes=1))
    assert "1 of 3 follow-ups" in _follow_ups(app)
    # The next day, the conversation goes on: one more follow-up.
    _say(app, "Good morning Li", ALICE, after=timedelta(days=1))
    assert "2 of 3 follow-ups" in _follow_ups(app)


def test_the_customers_message_is_a_buyer_reply_with_one_dm_then_our_answer_counts_again(linked):
    app = linked
    _say(app, "Quote attached", ALICE, after=timedelta(minutes=5))
    assert "1 of 3 follow-ups" in _follow_ups(app)
    _from_buyer(app, "Thanks — can you do 5% less for 500 pieces?", after=timedelta(minutes=10))
    assert "1 of 3 follow-ups" in _follow_ups(app)  # a reply is no follow-up
    [waiting] = app.deps.buyer_replies.waiting_for(TEAM, ALICE)
    assert waiting.source == "channel" and waiting.ref.startswith(f"slack:{SHARED}:")
    # 09:20 UTC is 17:20 in Shanghai, inside Alice's working hours: she hears at the next run, once.
    tick(app, app.deps.clock.now() + timedelta(minutes=1))
    tick(app, app.deps.clock.now() + timedelta(minutes=2))
    [dm] = _reply_dms(app)
    assert "in the shared channel" in text_of(dm) and "5% less" in text_of(dm)
    # The customer wrote since our last message, so our answer the same day is a follow-up again, and answers them.
    _say(app, "Yes, 5% for 500 works", BOB, after=timedelta(minutes=5))
    assert "2 of 3 follow-ups" in _follow_ups(app)
    assert app.deps.buyer_replies.waiting_for(TEAM, ALICE) == []


def test_a_thread_reply_counts_edits_joins_and_bots_do_not(linked):
    app = linked
    top = _from_buyer(app, "Can you send the datasheet?")
    _say(app, "(edited)", ALICE, subtype="message_changed")
    _say(app, "", ALICE, subtype="channel_join")
    _say(app, "Integration says hi", ALICE, bot_id="B0ZAPIER")
    assert "0 of 3 follow-ups" in _follow_ups(app)
    _say(app, "Here it is", ALICE, thread_ts=top["ts"], after=timedelta(minutes=1))
    assert "1 of 3 follow-ups" in _follow_ups(app)
    _from_buyer(app, "Got it, thanks", thread_ts=top["ts"], after=timedelta(minutes=1))
    assert len(app.deps.buyer_replies.waiting_for(TEAM, ALICE)) == 1


def test_a_retried_event_is_one_reply(linked):
    app = linked
    message = app.slack.add_message(SHARED, "Any news?", user=BUYER, ts=ts_at(START), user_team=BUYER_TEAM)
    first = app.send.event(message_event(message))
    app.send.event(message_event(message), event_id=first.sent["event_id"], retry_num=1)
    app.send.event(message_event(message))  # delivered twice under two ids: the message's own key decides
    app.settle()
    assert len(app.deps.buyer_replies.waiting_for(TEAM, ALICE)) == 1


def test_while_the_customers_message_waits_the_lead_is_not_nudged(linked):
    app = linked
    _from_buyer(app, "We are still comparing offers")
    # Thu 3 Dec was the first follow-up date; on Friday morning it would be quiet.
    tick(app, "2026-12-04T01:00:00+00:00")
    tick(app, "2026-12-04T05:00:00+00:00")
    assert nudges_to(app, ALICE) == []
    digest = [m for m in app.slack.dms_to(ALICE) if "Your leads for" in text_of(m)][-1]
    assert "wait for your answer" in text_of(digest) and "still comparing" in text_of(digest)


def test_unlink_stops_it(linked):
    app = linked
    assert "no longer tied to" in command(app, "unlink 1")
    _say(app, "Quote attached", ALICE)
    _from_buyer(app, "Thanks")
    assert "0 of 3 follow-ups" in _follow_ups(app)
    assert app.deps.buyer_replies.waiting_for(TEAM, ALICE) == []
    assert "not tied to any channel" in command(app, "unlink 1")


def test_link_refusals_in_words(linked):
    app = linked
    app.slack.add_channel(OTHER, "globex-shared", bot_is_member=False)
    lead(app, "Globex")
    assert "I'm not in <#C0OTHERSH>" in command(app, f"link 2 <#{OTHER}|globex-shared>")
    assert app.slack.messages(OTHER) == []
    assert "already tied to #1 Acme" in command(app, "link 2", channel=SHARED)
    assert "I can't find lead 99" in command(app, "link 99", channel=SHARED)
    refused = command(app, "link 1", user=CAROL, channel=SHARED)
    assert "Only the owner (<@UALICE01>) or an admin can change #1" in refused
    assert "Only the owner" in command(app, "unlink 1", user=CAROL)
    assert "not to a direct message" in command(app, "link 1", channel="D0ALICE01")
    assert "/lead link" in command(app, "link", channel=SHARED)
    # Linked again to the same lead: nothing changes, nothing more is posted.
    assert "is now tied to #1 Acme" in command(app, f"link 1 <#{SHARED}|acme-shared>", channel=GENERAL)
    assert len(app.slack.messages(SHARED)) == 1


def test_link_and_unlink_in_chinese(app):
    app.slack.add_user(WANG_REP, name="zhou", real_name="周丽", tz="Asia/Shanghai", locale="zh-CN")
    app.slack.add_channel(SHARED, "acme-shared")
    lead(app, "Acme", user=WANG_REP)
    assert f"<#{SHARED}> 已关联到 #1 Acme" in command(app, "关联 1", user=WANG_REP, channel=SHARED)
    assert "已不再关联" in command(app, "取消关联 1", user=WANG_REP)
    assert "没有关联任何频道" in command(app, "取消关联 1", user=WANG_REP)
