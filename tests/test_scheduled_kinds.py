"""The registry of scheduled-message kinds is complete and is what the scheduler runs: a new kind is one entry."""

import socket
import time
from datetime import timedelta

from sqlalchemy import select

from bot.store.models import EMAIL, Delivery, Lead
from scheduler import kinds
from scheduler.kinds import Kind
from scheduler.loop import run_once
from scheduler.next_due import next_due
from tests.conftest import ADMIN, BOB, CAROL, GENERAL, START, TEAM
from tests.imap_server import imap_server  # noqa: F401  (the Dovecot fixture: one kind is written by the mail pass)
from tests.mail_samples import make_mail
from tests.support import at, command, lead, message_event, tick, ts_at

INBOX = "C0INBOX01"
RECEPTION = "URECEPT01"  # a colleague who pastes enquiries in


def _enquiry(app, text: str) -> dict:
    """An enquiry lands in the inbound channel; returns leadbot's offer in its thread once recorded."""
    message = app.slack.add_message(INBOX, text, ts=ts_at(app.deps.clock.now()), user=RECEPTION)
    assert app.send.event(message_event(message)).status == 200

    def offered() -> bool:
        enquiry = app.deps.inbound.find(TEAM, INBOX, message["ts"])
        return enquiry is not None and enquiry.reply_ts is not None

    _until(offered)
    return next(m for m in app.slack.messages(INBOX) if m.get("thread_ts") == message["ts"])


def _until(condition, seconds: float = 5) -> None:
    # Listeners finish after their ack; wait for the state, not for a fixed time.
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _closed_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


def _ledger(app) -> list[tuple[str, str, str | None]]:
    """(kind, status, Slack's error) of every scheduled message, in the order written."""
    with app.deps.db.read() as uow:
        rows = uow.session.execute(select(Delivery.kind, Delivery.status, Delivery.last_error).order_by(Delivery.id))
        return [tuple(row) for row in rows]


def test_every_kind_the_services_write_is_drawn_by_exactly_one_registered_kind(app_with, slack, imap_server):  # noqa: F811
    mail_user, mail_password = imap_server.new_user(password="kinds-pass")
    app = app_with(
        LEADBOT_MAIL_URL=imap_server.url(mail_user, mail_password), LEADBOT_MAIL_CA_FILE=imap_server.ca_file,
        LEADBOT_MANAGER=ADMIN, LEADBOT_ESCALATE_AFTER="1", LEADBOT_SUMMARY_SCHEDULE="daily",
        # A digest an hour before the working day: the nudge at its start is a DM of its own, not folded in.
        LEADBOT_DIGEST_TIME="08:00",
    )
    slack.add_channel(INBOX, "enquiries")
    # A webhook whose receiver never answers: its events are tried for 24 hours, then it is turned off (the admins'
    # DM). Its events' ledger rows fail, so they are left out of the check on what Slack refused below.
    app.deps.webhooks.add(TEAM, f"http://127.0.0.1:{_closed_port()}/hooks", ("lead.created",), START)
    # Tue 1 Dec, 09:00 UTC (the team's zone); 17:00 for Alice in Shanghai.
    lead(app, "Acme")  # Alice's, due Thu: a digest, a nudge, and (ignored once) the manager's escalation
    lead(app, "Bobs Co", user=BOB)  # Bob leaves Slack: his digest finds him gone, the manager is told (orphaned)
    for order in ("2,400 CNY 2026-01-10", "¥3,000 2026-04-02", "2.5k 2026-07-10"):
        command(app, f"order Zhang Metalworks {order}")  # a steady small buyer: the question
    assert "come to <#C0GENERAL>" in command(app, "summary on", user=ADMIN, channel=GENERAL)
    assert "now an inbound channel" in command(app, "inbound on", channel=INBOX)
    first = _enquiry(app, "RFQ: 40 valves")
    tick(app, START)
    # A stranger's email, with the channel taking mail: posted there by the mail pass (mail_enquiry).
    assert "posted in" in command(app, "inbound mail on", channel=INBOX)
    imap_server.append(mail_user, mail_password, make_mail(
        "li@zhang-valves.example", mail_user, "RFQ: 8 gate valves", "Please quote.", date=START))
    run_once(app.deps, START + timedelta(minutes=1))
    command(app, "order Zhang Metalworks 24,000 2026-12-01")  # after the question: expansion

    tick(app, START + timedelta(hours=1))  # nobody claimed the enquiry: the reminder
    app.send.click(CAROL, first, "inbound_claim")
    _until(lambda: app.deps.inbound.find(TEAM, INBOX, first["thread_ts"]).status == "taken")
    command(app, "inbound roundrobin on", channel=INBOX)
    app.deps.clock.set(START + timedelta(hours=1))
    _enquiry(app, "RFQ: 12 km of coating")
    tick(app, START + timedelta(hours=2))  # unclaimed again: handed to Carol, whose turn it is

    tick(app, "2026-12-01T17:00:00+00:00")  # the daily summary
    app.slack.remove_bot_from_channel(GENERAL)
    tick(app, "2026-12-02T17:00:00+00:00")  # not in the channel: whoever turned it on is asked to invite leadbot

    tick(app, "2026-12-04T00:00:00+00:00")  # Alice's digest, 08:00 in Shanghai
    tick(app, "2026-12-04T01:00:00+00:00")  # her nudge at 09:00, and the manager's note
    acme = app.deps.leads.find(TEAM, "1")
    assert acme.company == "Acme"
    with app.deps.db.read() as uow:
        acme_id = uow.session.scalar(select(Lead.id).where(Lead.team_id == TEAM, Lead.number == 1))
    replied_at = at("2026-12-04T02:00:00+00:00")
    app.deps.buyer_replies.record_reply(TEAM, acme_id, EMAIL, "mail:<re@acme>", "Price please", replied_at, replied_at)
    tick(app, replied_at)  # the buyer wrote back at 10:00 in Shanghai: Alice hears at once
    slack.deactivate_user(BOB)
    tick(app, "2026-12-04T14:00:00+00:00")  # Bob's morning: Slack refuses his digest

    ledger = _ledger(app)
    written = {kind for kind, _status, _error in ledger}
    registered = [kind.name for kind in kinds.KINDS]
    assert sorted(registered) == sorted(set(registered)), "a kind registered twice"
    assert written == set(registered)
    # Every one was drawn and posted; the two Slack refused were for targets out of reach.
    assert {status for kind, status, _error in ledger if kind == "webhook"} == {"failed"}
    assert [(kind, error) for kind, status, error in ledger if status != "sent" and kind != "webhook"] == [
        ("summary", "not_in_channel"), ("digest", "user_disabled"),
    ]


def test_a_kind_added_to_the_registry_is_planned_delivered_and_next_due_without_touching_the_runner(app, monkeypatch):
    due_at = at("2026-12-02T10:00:00+00:00")

    def plan(deps, now, stopped) -> int:
        if now < due_at:
            return 0
        return deps.ledger.claim_one(TEAM, "hello", "hello", due_at.date().isoformat(), GENERAL, {"who": "world"}, now)

    def render(deps, delivery, now, tz):
        return {"text": f"Hello, {delivery.payload['who']}"}, None

    def when(deps, after):
        return due_at if after < due_at else None

    # The one line a new kind adds to KINDS.
    monkeypatch.setattr(kinds, "KINDS", (*kinds.KINDS, Kind("hello", render, plan=plan, next_due=when)))

    assert next_due(app.deps, START) == due_at
    assert tick(app, due_at - timedelta(minutes=1)).claimed == 0
    report = tick(app, due_at)
    assert (report.claimed, report.sent) == (1, 1)
    assert [m["text"] for m in app.slack.messages(GENERAL)] == ["Hello, world"]
    assert tick(app, due_at + timedelta(minutes=1)).claimed == 0  # once, like every ledger row
    assert next_due(app.deps, due_at) is None
