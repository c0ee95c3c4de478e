"""Webhooks out: each change reaches a real receiver on loopback, signed, once, in order per lead."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.container import build_deps
from bot.services.webhooks import WEBHOOK
from bot.store.models import Delivery
from scheduler.loop import start_in_background
from scheduler.runner import run_due
from tests.conftest import ADMIN, ALICE, BOB, START, TEAM, make_settings
from tests.leadbot_internals import buyer_replied, import_leads
from tests.support import command, lead, message_event, text_of, tick, ts_at
from tests.webhook_receiver import WebhookReceiver


@pytest.fixture
def receiver():
    started = WebhookReceiver().start()
    yield started
    started.stop()


def _register(app, receiver: WebhookReceiver, events: tuple[str, ...] = ()) -> int:
    endpoint, secret = app.deps.webhooks.add(TEAM, receiver.url, events, app.deps.clock.now())
    receiver.secret = secret
    return endpoint.id


def _ledger(app) -> list[tuple[str, int]]:
    with app.deps.db.read() as uow:
        return list(
            uow.session.execute(
                select(Delivery.status, Delivery.attempts).where(Delivery.kind == WEBHOOK).order_by(Delivery.id)
            )
        )


def test_a_lead_captured_with_lead_new_reaches_the_receiver_once_verified(app, receiver):
    _register(app, receiver)
    lead(app, "Acme Packaging", contact_email="li@acme.example", claimed_potential="50000")
    tick(app, START)
    tick(app, START + timedelta(minutes=1))  # nothing is sent twice
    [event] = receiver.taken()
    assert receiver.unverified() == 0
    assert event["type"] == "lead.created" and event["actor"] == ALICE
    assert event["timestamp"] == START.isoformat()
    shown = event["data"]
    assert shown["number"] == 1 and shown["company"] == "Acme Packaging" and shown["owner"] == ALICE
    assert shown["contact_email"] == "li@acme.example" and shown["claimed_potential"] == "50000.00"
    assert shown["status"] == "open" and shown["touches"] == 0 and shown["next_follow_up"]
    assert _ledger(app) == [("sent", 1)]


def test_an_endpoint_hears_only_what_happens_after_it_was_added_and_only_the_events_it_chose(app, receiver):
    lead(app, "Before Ltd")
    _register(app, receiver, events=("touch.logged", "lead.won"))
    lead(app, "After Ltd")
    command(app, "log 2 call asked about volumes")
    command(app, "won 2")
    tick(app, START)
    assert [e["type"] for e in receiver.taken()] == ["touch.logged", "lead.won"]
    logged, won = receiver.taken()
    assert logged["data"]["lead"]["company"] == "After Ltd" and logged["data"]["lead"]["touches"] == 1
    assert logged["data"]["touch"]["kind"] == "call" and logged["data"]["touch"]["note"] == "asked about volumes"
    assert logged["data"]["touch"]["by"] == ALICE
    assert won["data"]["status"] == "won" and won["data"]["closed_at"]


def test_every_change_to_a_lead_is_an_event_in_the_order_it_happened(app, receiver):
    _register(app, receiver)
    lead(app, "Gulf Trading")
    command(app, "log 1 call asked about volumes")
    command(app, "assign 1 <@UBOB0001>", user=ADMIN)
    command(app, "lost 1 competitor they went with a cheaper supplier", user=BOB)
    tick(app, START)
    events = receiver.taken()
    assert [e["type"] for e in events] == ["lead.created", "touch.logged", "lead.assigned", "lead.lost"]
    assert events[2]["actor"] == ADMIN and events[2]["data"]["owner"] == BOB
    assert events[3]["data"]["lost_reason"] == "competitor" and events[3]["actor"] == BOB


def test_a_quiet_lead_is_an_event_when_its_owner_is_nudged(app, receiver):
    _register(app, receiver, events=("lead.went_quiet",))
    lead(app, "Quiet Co")
    for day in range(2, 20):  # mornings in Shanghai until the nudge goes out
        tick(app, START.replace(day=day, hour=1))
        if receiver.taken():
            break
    [event] = receiver.taken()
    assert event["type"] == "lead.went_quiet" and event["actor"] == "leadbot"
    assert event["data"]["company"] == "Quiet Co"


def test_a_receiver_down_for_a_while_gets_everything_once_it_is_back_in_order_per_lead(app, receiver):
    _register(app, receiver)
    receiver.status = 503  # up, but failing
    lead(app, "Acme")
    command(app, "log 1 call left a voicemail")
    lead(app, "Beta")
    tick(app, START)
    failed_ids = {d.message_id for d in receiver.requests}
    assert receiver.taken() == [] and len(failed_ids) >= 1
    receiver.stop()  # now down altogether
    command(app, "log 2 email sent the price list")
    command(app, "log 1 wechat sent samples")
    for minutes in (1, 6, 40):
        tick(app, START + timedelta(minutes=minutes))
    assert receiver.taken() == []
    receiver.start()
    receiver.status = 200
    tick(app, START + timedelta(hours=3))
    tick(app, START + timedelta(hours=8))
    events = receiver.taken()
    assert len(events) == 5 and len(set(receiver.taken_ids())) == 5  # each once
    per_lead = {}
    for event in events:
        shown = event["data"].get("lead", event["data"])
        per_lead.setdefault(shown["company"], []).append((event["type"], shown["touches"]))
    assert per_lead["Acme"] == [("lead.created", 0), ("touch.logged", 1), ("touch.logged", 2)]
    assert per_lead["Beta"] == [("lead.created", 0), ("touch.logged", 1)]
    # A retry is the same message: the ids the receiver refused are among those it finally took.
    assert failed_ids <= set(receiver.taken_ids())
    assert all(status == "sent" for status, _ in _ledger(app))


def test_retry_after_is_respected(app, receiver):
    _register(app, receiver)
    receiver.status, receiver.headers = 429, {"Retry-After": "3600"}
    lead(app, "Acme")
    tick(app, START)
    receiver.status, receiver.headers = 200, {}
    tick(app, START + timedelta(minutes=30))  # the usual backoff would have tried again by now
    assert receiver.taken() == [] and len(receiver.requests) == 1
    tick(app, START + timedelta(minutes=61))
    assert [e["type"] for e in receiver.taken()] == ["lead.created"]


def test_two_schedulers_send_each_event_once(app_with, db, slack, clock, receiver):
    app = app_with(LEADBOT_SEND_CONCURRENCY="4")
    _register(app, receiver)
    receiver.delay = 0.05  # each answer takes a moment: the two schedulers overlap
    for n in range(6):
        lead(app, f"Company {n}")
        command(app, f"log {n + 1} call first call")
    other = build_deps(make_settings(db.url, slack.base_url, LEADBOT_SEND_CONCURRENCY="4"), clock=clock, db=db)
    reports = []
    runs = [
        threading.Thread(target=lambda deps=deps: reports.append(run_due(deps, START))) for deps in (app.deps, other)
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    ids = receiver.taken_ids()
    assert len(ids) == 12 and len(set(ids)) == 12
    assert sum(report.sent for report in reports) == 12
    assert len(receiver.requests) == 12  # not one POST more than there are events
    for n in range(6):
        mine = [e["type"] for e in receiver.taken() if e["data"].get("lead", e["data"])["number"] == n + 1]
        assert mine == ["lead.created", "touch.logged"]


def test_a_refusal_other_than_429_is_given_up_at_once(app, receiver):
    _register(app, receiver)
    receiver.status = 422
    lead(app, "Acme")
    tick(app, START)
    for minutes in (1, 10, 60, 300):
        tick(app, START + timedelta(minutes=minutes))
    assert len(receiver.requests) == 1
    assert _ledger(app) == [("failed", 1)]
    receiver.status = 200
    command(app, "log 1 call asked about volumes")  # the next event is not held behind the refused one
    tick(app, START + timedelta(minutes=301))
    assert [e["type"] for e in receiver.taken()] == ["touch.logged"]


def test_an_endpoint_failing_for_24_hours_is_turned_off_and_the_admins_are_told(app, receiver):
    _register(app, receiver)
    receiver.status = 500
    lead(app, "Acme")
    for minutes in (0, 1, 10, 60, 180, 480, 1080, 24 * 60):
        tick(app, START + timedelta(minutes=minutes))
    [endpoint] = app.deps.webhooks.list(TEAM)
    assert endpoint.state == "off" and endpoint.last_error == "HTTP 500"
    [dm] = app.slack.dms_to(ADMIN)
    assert receiver.url in text_of(dm) and "turned off" in text_of(dm)
    attempts = len(receiver.requests)
    assert attempts >= 6
    receiver.status = 200
    lead(app, "Beta")  # nothing is written for an endpoint that is off
    tick(app, START + timedelta(hours=25))
    assert len(receiver.requests) == attempts and receiver.taken() == []


def test_while_the_scheduler_runs_an_event_goes_out_within_seconds(app, receiver):
    _register(app, receiver)
    scheduler = start_in_background(app.deps)
    try:
        lead(app, "Prompt Ltd")
        [event] = receiver.wait_for(1, timeout=15)
    finally:
        scheduler.shutdown(wait=True)
    assert event["data"]["company"] == "Prompt Ltd"


def test_admins_see_the_webhooks_in_settings(app, receiver):
    _register(app, receiver, events=("lead.created",))
    before = len(app.slack.calls("views.open"))
    app.send.command("settings", ADMIN)
    call = app.slack.wait_for("views.open", count=before + 1)[-1]
    shown = text_of(app.slack.view(call.response["view"]["id"]))
    assert receiver.url in shown and "lead.created" in shown and "working" in shown
    app.send.command("settings", ALICE)
    call = app.slack.wait_for("views.open", count=before + 2)[-1]
    assert receiver.url not in text_of(app.slack.view(call.response["view"]["id"]))


def test_orders_answers_replies_and_imports_are_events_too(app, receiver):
    _register(app, receiver)
    for order in ("2,400 CNY 2026-01-10", "¥3,000 2026-04-02", "2.5k 2026-07-10 valves"):
        command(app, f"order Zhang Metalworks {order}")
    tick(app, START)  # the owner is asked why so little from us
    question = next(m for m in app.slack.dms_to(ALICE) if "why so little from us?" in text_of(m))
    account = next(
        element["value"].split(":")[0]
        for block in question["blocks"]
        for element in block.get("elements", [])
        if element.get("action_id", "").startswith("small_buyer_answer:")
    )
    app.send.click(ALICE, question, "small_buyer_answer:unaware", value=f"{account}:unaware")
    app.slack.wait_for("chat.update")
    command(app, "snooze 1 3")
    buyer_replied(app, TEAM, 1, "mail:<re@zhang>", "Please send the catalogue", START + timedelta(minutes=5))
    header = "company,contact,source,asked_for,owner,created_on"
    import_leads(app, TEAM, f"{header}\nImported Co,Li,website,valves,{BOB},2026-11-30\n")
    tick(app, START + timedelta(minutes=10))
    events = {}
    for event in receiver.taken():  # the order across leads and accounts is the order of the changes' times
        events.setdefault(event["type"], []).append(event)
    assert {kind: len(each) for kind, each in events.items()} == {
        "order.recorded": 3,
        "lead.created": 2,
        "small_buyer.answered": 1,
        "lead.updated": 1,
        "buyer.replied": 1,
    }
    order = events["order.recorded"][0]["data"]
    assert order["company"] == "Zhang Metalworks" and order["amount"] == "2400.00" and order["currency"] == "CNY"
    assert order["ordered_on"] == "2026-01-10"
    answer = events["small_buyer.answered"][0]["data"]
    assert answer["reason"] == "unaware" and answer["lead"] == 1 and answer["by"] == ALICE
    [replied] = events["buyer.replied"]
    assert replied["actor"] == "buyer" and replied["data"]["reply"]["note"] == "Please send the catalogue"
    assert replied["data"]["lead"]["number"] == 1
    zhang, imported = events["lead.created"]
    assert zhang["data"]["company"] == "Zhang Metalworks" and zhang["data"]["source"] == "existing_customer"
    assert events["lead.updated"][0]["data"]["next_follow_up"] == "2026-12-04"
    assert imported["actor"] == "import" and imported["data"]["company"] == "Imported Co"
    assert imported["data"]["owner"] == BOB


def test_a_refused_change_sends_nothing(app, receiver):
    _register(app, receiver)
    lead(app, "Acme")
    assert "only 0 of 3 follow-ups" in command(app, "lost 1 silent")  # refused: too few follow-ups
    assert "Only the owner" in command(app, "log 1 call hello", user=BOB)  # refused: not Bob's lead
    tick(app, START)
    assert [e["type"] for e in receiver.taken()] == ["lead.created"]


def test_a_receiver_that_does_not_answer_costs_a_run_one_attempt_not_one_per_event(app, receiver):
    _register(app, receiver)
    receiver.stop()
    for company in ("Acme", "Beta", "Gamma"):
        lead(app, company)
    report = tick(app, START)
    assert report.retry_later == 1 and sum(attempts for _, attempts in _ledger(app)) == 1
    receiver.start()
    tick(app, START + timedelta(seconds=5))  # all three come due together, after the first one's backoff
    assert [e["data"]["company"] for e in receiver.taken()] == ["Acme", "Beta", "Gamma"]


def test_a_linked_channel_sends_its_follow_ups_and_the_buyers_replies(app, receiver):
    channel, buyer, buyer_team = "C0ACMESHR", "UACMELI01", "TACMECORP"
    app.slack.add_channel(channel, "acme-shared")
    lead(app, "Acme")
    command(app, "link 1", channel=channel)
    _register(app, receiver, events=("touch.logged", "buyer.replied"))
    for user, text, fields in (
        (ALICE, "Hi Li, the quote is attached", {}),
        (buyer, "Thanks, we will look at it this week", {"user_team": buyer_team, "team": buyer_team}),
    ):
        message = app.slack.add_message(channel, text, user=user, ts=ts_at(app.deps.clock.now()), **fields)
        assert app.send.event(message_event(message)).status == 200
        app.settle()
    tick(app, START)
    logged, replied = receiver.taken()
    assert logged["type"] == "touch.logged" and logged["actor"] == ALICE
    assert logged["data"]["touch"]["source"] == "channel" and logged["data"]["touch"]["note"].startswith("Hi Li")
    assert replied["type"] == "buyer.replied" and replied["data"]["reply"]["source"] == "channel"
    assert replied["data"]["reply"]["note"] == "Thanks, we will look at it this week"
