"""Slack's retried events and a rep's double clicks change things once, and nobody is told off for them."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

from tests.conftest import ALICE, BOB, TEAM
from tests.support import command, lead, message_event, nudges_to, open_new_lead_form, text_of, tick, ts_at

INBOX = "C0INBOX01"
FRI_MORNING = "2026-12-04T01:00:00+00:00"  # 09:00 in Shanghai, the day after Acme's first follow-up date


def _twice(send) -> list:
    """Run `send()` from two threads at once, as a double click or two people at the same moment do."""
    replies: list = [None, None]
    start = threading.Barrier(2)

    def run(index: int) -> None:
        start.wait()
        replies[index] = send(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)
    return replies


def test_a_retried_app_home_opened_publishes_the_home_tab_once(app):
    first = app.send.app_home_opened(ALICE)
    retry = app.send.event(first.sent["event"], event_id=first.sent["event_id"], retry_num=1,
                           retry_reason="http_timeout")
    assert (first.status, retry.status) == (200, 200)
    app.slack.wait_for("views.publish")
    app.settle()  # listeners run on after the ack: a second, wrong effect would show by now
    assert len(app.slack.calls("views.publish")) == 1


def test_a_retried_inbound_message_gets_one_threaded_reply(app):
    app.slack.add_channel(INBOX, "enquiries")
    assert "now an inbound channel" in command(app, "inbound on", channel=INBOX)
    message = app.slack.add_message(INBOX, "Hi, we need 40 pumps by March — Zhang Metalworks", user="URECEPT01",
                                    ts=ts_at(app.deps.clock.now()))
    first = app.send.event(message_event(message))
    retry = app.send.event(message_event(message), event_id=first.sent["event_id"], retry_num=1,
                           retry_reason="http_timeout")
    assert (first.status, retry.status) == (200, 200)
    app.slack.wait_for("chat.postMessage", where=lambda c: c.params.get("thread_ts") == message["ts"])
    app.settle()
    replies = [m for m in app.slack.messages(INBOX) if m.get("thread_ts") == message["ts"]]
    assert len(replies) == 1, [m["text"] for m in replies]


def test_a_retry_that_lands_on_another_web_worker_is_still_dropped(app_with):
    first_worker, second_worker = app_with(), app_with()  # two processes' worth of app on one database
    first_worker.slack.add_channel(INBOX, "enquiries")
    assert "now an inbound channel" in command(first_worker, "inbound on", channel=INBOX)
    message = first_worker.slack.add_message(INBOX, "Need 12 valves — Huang Pumps", user="URECEPT01",
                                             ts=ts_at(first_worker.deps.clock.now()))
    first = first_worker.send.event(message_event(message))
    retries = [second_worker.send.event(message_event(message), event_id=first.sent["event_id"], retry_num=n,
                                        retry_reason="http_timeout") for n in (1, 2)]
    assert [r.status for r in (first, *retries)] == [200, 200, 200]
    first_worker.slack.wait_for("chat.postMessage", where=lambda c: c.params.get("thread_ts") == message["ts"])
    first_worker.settle()
    second_worker.settle()
    replies = [m for m in first_worker.slack.messages(INBOX) if m.get("thread_ts") == message["ts"]]
    assert len(replies) == 1, [m["text"] for m in replies]


def test_events_are_forgotten_once_no_retry_can_come(app):
    first = app.send.app_home_opened(ALICE)
    app.slack.wait_for("views.publish")
    now = datetime.now(timezone.utc)
    assert app.deps.seen_events.forget_before(now - timedelta(hours=2)) == 0  # still within Slack's retries
    assert app.deps.seen_events.forget_before(now + timedelta(seconds=1)) == 1
    assert app.deps.seen_events.first_time(TEAM, first.sent["event_id"], now)


def _as_sent_before_won_asked_to_confirm(app, message: dict) -> dict:
    """The nudge as leadbot posted it before Won… opened a form, with its one-click Won button (Slack keeps it)."""
    blocks = json.loads(json.dumps(message["blocks"]).replace('"lead_won_open"', '"lead_won"'))
    app.deps.web.chat_update(channel=message["channel"], ts=message["ts"], blocks=blocks, text=message["text"])
    return app.slack.message(message["channel"], message["ts"])


def test_a_double_clicked_won_button_closes_the_lead_once_without_an_error(app):
    lead(app, "Acme")
    tick(app, FRI_MORNING)
    nudge = _as_sent_before_won_asked_to_confirm(app, nudges_to(app, ALICE)[-1])
    replies = _twice(lambda _: app.send.click(ALICE, nudge, "lead_won", value="1"))
    assert [reply.status for reply in replies] == [200, 200]
    app.slack.wait_for("chat.update")
    app.settle()
    told = [text_of(post) for reply in replies for post in app.slack.response_url_posts(reply.sent["response_url"])]
    told += [text_of(m) for m in app.slack.ephemerals(ALICE)[1:]]  # after Acme's own card
    assert not [text for text in told if "already" in text or "sorry" in text.lower()], told
    assert app.deps.leads.find(TEAM, "1").status == "won"
    assert "Acme" not in command(app, "list")


def test_a_double_submitted_won_form_closes_the_lead_once_without_an_error(app):
    lead(app, "Acme")
    tick(app, FRI_MORNING)
    app.send.click(ALICE, nudges_to(app, ALICE)[-1], "lead_won_open", value="1")
    form = app.slack.view(app.slack.wait_for("views.open", count=2)[-1].response["view"]["id"])
    replies = _twice(lambda _: app.send.submit_view(ALICE, form, {"won_value": "1.2万"}))
    assert [reply.status for reply in replies] == [200, 200] and not any(reply.body.strip() for reply in replies)
    app.settle()
    won = app.deps.leads.find(TEAM, "1")
    assert (won.status, won.won_value) == ("won", 12000)
    assert "Acme" not in command(app, "list")


def test_a_lead_submitted_twice_at_once_is_saved_once_and_the_second_sees_the_first(app):
    forms = [open_new_lead_form(app, user=ALICE), open_new_lead_form(app, user=BOB)]
    users = [ALICE, BOB]
    fields = {"company": "Zhang Metalworks", "source": "website", "situation": "wants_to_buy"}
    replies = _twice(lambda i: app.send.submit_view(users[i], forms[i], dict(fields)))
    assert [reply.status for reply in replies] == [200, 200]
    answers = [reply.json() for reply in replies]
    duplicates = [a for a in answers if a and a.get("response_action") == "update"]
    assert len(duplicates) == 1, answers
    assert "already has an open lead: #1" in text_of(duplicates[0]["view"])
    page = app.deps.leads.list_open(TEAM)
    assert [(item.number, item.company) for item in page.items] == [(1, "Zhang Metalworks")]


def test_a_follow_up_form_submitted_twice_logs_one_follow_up(app):
    lead(app, "Acme")
    before = len(app.slack.calls("views.open"))
    assert app.send.command("log 1", ALICE).status == 200  # no note: the follow-up form opens
    view = app.slack.view(app.slack.wait_for("views.open", count=before + 1)[-1].response["view"]["id"])
    fields = {"kind": "call", "note": "talked budgets"}
    replies = _twice(lambda _: app.send.submit_view(ALICE, view, dict(fields)))
    assert [reply.status for reply in replies] == [200, 200]
    app.settle()
    found = app.deps.leads.find(TEAM, "1", with_touches=True)
    assert found.touch_count == 1 and [t.note for t in found.touches] == ["talked budgets"]
