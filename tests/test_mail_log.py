"""The sales mailbox, read by the scheduler from a real Dovecot (mail put in with IMAP APPEND): follow-ups that log
themselves, emailed enquiries, unreadable mail, and a mailbox that refuses the login."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.blocks import inbound as inbound_blocks
from bot.config import Settings, SettingsError
from bot.services import mail_log
from bot.store.models import HandledMail, Touch
from sandbox.slack_api import validate_blocks
from scheduler.loop import run_once
from tests.conftest import ALICE, BOB, BOT_TOKEN, START, TEAM, WANG
from tests.imap_server import ImapServer, imap_server  # noqa: F401  (the Dovecot fixture)
from tests.mail_samples import make_mail
from tests.support import at, command, lead, text_of

ALICE_MAIL = "alice@example.com"  # Alice's address in the fake Slack
BUYER = "li.ming@acme-oil.example"
INBOX_CHANNEL = "C0MAILIN1"


@dataclass
class Mailbox:
    """One test's own mailbox on the shared Dovecot."""

    server: ImapServer
    user: str
    password: str

    def url(self, password: str | None = None) -> str:
        return self.server.url(self.user, self.password if password is None else password)

    def put(self, *raws: bytes) -> None:
        self.server.append(self.user, self.password, list(raws))

    def flags(self) -> dict[int, set[str]]:
        return self.server.uids_and_flags(self.user, self.password)


@pytest.fixture
def mailbox(imap_server) -> Mailbox:  # noqa: F811
    user, password = imap_server.new_user(password="s3cret/@pass%20")
    return Mailbox(imap_server, user, password)


@pytest.fixture
def mail_app(app_with, mailbox):
    def start(**overrides: str):
        return app_with(LEADBOT_MAIL_URL=mailbox.url(), LEADBOT_MAIL_CA_FILE=mailbox.server.ca_file, **overrides)

    return start


def run(app, when: str | datetime):
    """Move the clock and run the scheduler once, mailbox and all, as `leadbot tick --at` does."""
    instant = at(when) if isinstance(when, str) else when
    app.deps.clock.set(instant)
    return run_once(app.deps, instant)


def _touches(app) -> list:
    """Every follow-up logged, oldest first (as rows: kind, source, logged_by, logged_at, note, lead_id)."""
    with app.deps.db.read() as uow:
        return uow.session.execute(
            select(Touch.kind, Touch.source, Touch.logged_by, Touch.logged_at, Touch.note, Touch.lead_id)
            .order_by(Touch.logged_at, Touch.id)
        ).all()


def _handled(app) -> list:
    with app.deps.db.read() as uow:
        return uow.session.execute(
            select(HandledMail.message_key, HandledMail.outcome, HandledMail.lead_id).order_by(HandledMail.id)
        ).all()


def _quiet_mentions(app, company: str) -> list[dict]:
    """DMs that list `company` among leads gone quiet (a nudge, or a digest carrying them)."""
    return [
        m for m in app.slack.messages()
        if m["channel"].startswith("D") and "Time to follow up" in text_of(m) and company in text_of(m)
    ]


def test_a_rep_who_only_bccs_three_emails_is_never_nudged_and_may_close_after_the_third(mail_app, mailbox):
    app = mail_app()
    lead(app, "Acme Oilfield", contact_email=BUYER)
    lead(app, "Beta Pumps", contact_email="buyer@beta-pumps.example")  # never emailed: nudged, as a control
    # Alice writes from her own mail client and BCCs the sales mailbox: the buyer in To, leadbot never in it.
    sent = {
        at("2026-12-03T02:00:00+00:00"): "Coating proposal as promised",
        at("2026-12-09T02:00:00+00:00"): "Any questions on the proposal?",
        at("2026-12-14T02:00:00+00:00"): "Samples for your trial",
    }
    refused_after_two = allowed_after_three = None
    day = START.replace(hour=0)
    while day < at("2026-12-15T12:00:00+00:00"):
        for hour in range(0, 11):  # 08:00–18:00 in Shanghai, Alice's working day
            instant = day + timedelta(hours=hour)
            if instant < START:
                continue
            for when, subject in sent.items():
                if when == instant:
                    mailbox.put(make_mail(ALICE_MAIL, BUYER, subject, f"Dear Li Ming,\n{subject}.\nBest, Alice",
                                          sender_name="Alice Wang", date=when))
            run(app, instant)
            touches = len(_touches(app))
            if touches == 2 and refused_after_two is None:
                refused_after_two = command(app, "lost 1 only wanted a proposal")
            if touches == 3 and allowed_after_three is None:
                allowed_after_three = command(app, "lost 1 only wanted a proposal")
        day += timedelta(days=1)

    assert _quiet_mentions(app, "Acme Oilfield") == []
    assert _quiet_mentions(app, "Beta Pumps"), "the control lead was never nudged: the test proves nothing"
    touches = _touches(app)
    assert [(t.kind, t.source, t.logged_by) for t in touches] == [("email", "email", ALICE)] * 3
    assert [t.logged_at for t in touches] == list(sent)  # dated when sent, not when read
    assert touches[0].note.startswith("Coating proposal as promised\nDear Li Ming,")
    assert "Not yet" in refused_after_two and "#1" in refused_after_two
    assert "closed as lost" in allowed_after_three
    card = command(app, "show 1")
    assert card.count("from email") == 3 and "Samples for your trial" in card
    # Nothing was said about it: no confirmation DM for a follow-up nobody typed.
    assert not [m for m in app.slack.dms_to(ALICE) if "Coating proposal" in text_of(m)]
    assert all("\\Seen" in flags for flags in mailbox.flags().values())


def test_an_unreadable_message_is_skipped_and_the_next_one_is_still_handled(mail_app, mailbox, caplog):
    app = mail_app()
    lead(app, "Acme Oilfield", contact_email=BUYER)
    mailbox.put(
        b"Message-ID: <broken-1@mail.example>\r\nSubject: no sender at all\r\n\r\nwho wrote this?\r\n",
        make_mail(ALICE_MAIL, BUYER, "报价单", "李经理您好：\n附件是涂层报价。\n王芳", charset="gb2312", encoding="gbk",
                  date=START),
        make_mail(ALICE_MAIL, BUYER, "Proposal", "", html_only=True, date=START,
                  html_body="<html><body><p>Dear Li,</p><p>the <b>proposal</b> is attached.</p></body></html>"),
    )
    report = run(app, START + timedelta(minutes=5))
    assert report.mail.outcomes["unreadable"] == 1 and report.mail.outcomes["follow_up"] == 2
    notes = [t.note for t in _touches(app)]
    assert "报价单\n李经理您好：\n附件是涂层报价。" in notes[0] or "报价单\n李经理您好：\n附件是涂层报价。" in notes[1]
    assert any(note.startswith("Proposal\nDear Li,\nthe proposal is attached.") for note in notes)
    assert "broken-1@mail.example" in caplog.text
    flags = mailbox.flags()
    assert "\\Seen" not in flags[min(flags)]  # left unread for a person to look at
    assert [h.outcome for h in _handled(app)] == ["unreadable", "follow_up", "follow_up"]
    again = run(app, START + timedelta(minutes=10))
    assert again.mail.found == 0 and len(_touches(app)) == 2


def _health(app) -> dict:
    try:
        with urllib.request.urlopen(app.url + "/healthz") as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return {"status": error.code, **json.loads(error.read())}


def test_a_wrong_password_shows_in_healthz_and_the_next_run_after_the_fix_catches_up(
    app_with, mailbox, caplog
):
    wrong = app_with(LEADBOT_MAIL_URL=mailbox.url(password="not-the-password"),
                     LEADBOT_MAIL_CA_FILE=mailbox.server.ca_file)
    lead(wrong, "Acme Oilfield", contact_email=BUYER)
    mailbox.put(make_mail(ALICE_MAIL, BUYER, "Proposal", "Dear Li, here it is.", date=START))
    for minutes in (1, 2, 3):
        report = run(wrong, START + timedelta(minutes=minutes))
        assert report.mail.status == "failing"
    body = _health(wrong)
    assert body["ok"] is True  # nudges and digests still go out: mail trouble is shown, not judged
    assert body["mail"]["status"] == "failing" and body["mail"]["since"].startswith("2026-12-01T09:01")
    assert sum("cannot read" in record.getMessage() for record in caplog.records) == 1  # once per streak
    assert _touches(wrong) == []

    fixed = app_with(LEADBOT_MAIL_URL=mailbox.url(), LEADBOT_MAIL_CA_FILE=mailbox.server.ca_file)
    report = run(fixed, START + timedelta(minutes=4))
    assert report.mail.status == "ok" and report.mail.outcomes["follow_up"] == 1
    assert [t.note for t in _touches(fixed)] == ["Proposal\nDear Li, here it is."]
    assert _health(fixed)["mail"]["status"] == "ok"


def test_a_strangers_email_is_offered_in_the_mail_channel_and_left_alone_without_one(mail_app, mailbox):
    app = mail_app()
    stranger = make_mail("wang.wei@zhang-metalworks.example", "sales@ourco.example", "RFQ: 40 gate valves",
                         "Hello,\nplease quote 40 DN100 gate valves.\nRegards, Wang Wei", sender_name="Wang Wei",
                         date=START)
    mailbox.put(stranger)
    report = run(app, START + timedelta(minutes=1))
    assert report.mail.outcomes["ignored"] == 1 and report.mail.outcomes["enquiry"] == 0
    assert app.slack.messages(INBOX_CHANNEL) == []

    app.slack.add_channel(INBOX_CHANNEL, "mail-enquiries")
    answer = command(app, "inbound mail on", channel=INBOX_CHANNEL)
    assert "posted in" in answer and "No sales mailbox" not in answer
    assert "arrive in the sales mailbox are posted in" in command(app, "inbound", channel=INBOX_CHANNEL)
    assert "询盘会发到" in command(app, "询盘 邮件", channel=INBOX_CHANNEL, user=WANG)
    later = make_mail("wang.wei@zhang-metalworks.example", "sales@ourco.example", "RFQ: 60 ball valves",
                      "Hello,\nplease also quote 60 ball valves.\nRegards, Wang Wei", sender_name="Wang Wei",
                      date=START + timedelta(minutes=2))
    mailbox.put(later)
    report = run(app, START + timedelta(minutes=3))
    assert report.mail.outcomes["enquiry"] == 1
    posted = [m for m in app.slack.messages(INBOX_CHANNEL) if "RFQ: 60 ball valves" in text_of(m)]
    assert len(posted) == 1 and "Wang Wei" in text_of(posted[0])
    offers = [m for m in app.slack.messages(INBOX_CHANNEL) if m.get("thread_ts") == posted[0]["ts"]]
    assert len(offers) == 1
    app.send.click(BOB, offers[0], "inbound_claim")
    app.slack.wait_for("chat.update", where=lambda c: c.params.get("ts") == offers[0]["ts"])
    app.settle()
    shown = command(app, "show 1", user=BOB)
    assert "Zhang Metalworks" in shown and "60 ball valves" in shown
    run(app, START + timedelta(minutes=5))  # read again: nothing new, nothing posted twice
    assert len([m for m in app.slack.messages(INBOX_CHANNEL) if "RFQ: 60" in text_of(m)]) == 1


# -- a buyer who writes back ---------------------------------------------------------------------------

THU_DIGEST = "2026-12-03T01:00:00+00:00"  # 09:00 in Shanghai, Alice's morning digest; Acme is due that day


def _reply_dms(app, user=ALICE) -> list[dict]:
    return [m for m in app.slack.dms_to(user) if "The buyer wrote back" in text_of(m)]


def test_a_buyers_email_waits_without_a_nudge_gets_one_dm_is_in_the_digest_and_the_next_email_answers_it(
    mail_app, mailbox
):
    app = mail_app()
    lead(app, "Acme Oilfield", contact_email=BUYER)
    run(app, THU_DIGEST)
    mailbox.put(make_mail(BUYER, "sales@ourco.example", "Re: coating proposal",
                          "Thanks — can you send the price for 200 valves?\nBest, Li\n\n"
                          "On Tue, Alice wrote:\n> here it is",
                          sender_name="Li Ming", date=at("2026-12-03T04:00:00+00:00")))
    report = run(app, "2026-12-03T04:05:00+00:00")
    assert report.mail.outcomes["buyer_reply"] == 1
    [dm] = _reply_dms(app)
    assert "#1 Acme Oilfield" in text_of(dm) and "200 valves" in text_of(dm) and "here it is" not in text_of(dm)
    assert "0 of 3 follow-ups" in command(app, "show 1")  # a reply is not a follow-up
    # Friday the lead is overdue, but the buyer waits for an answer: no nudge; the digest lists the reply.
    for hour in range(1, 10):
        run(app, at("2026-12-04T00:00:00+00:00") + timedelta(hours=hour))
    assert _quiet_mentions(app, "Acme Oilfield") == []
    friday = [m for m in app.slack.dms_to(ALICE) if "Your leads for" in text_of(m)][-1]
    assert "wait for your answer" in text_of(friday) and "Acme Oilfield" in text_of(friday)
    assert len(_reply_dms(app)) == 1
    # Alice answers by email (BCC to the sales mailbox): that follow-up answers the reply.
    mailbox.put(make_mail(ALICE_MAIL, BUYER, "Re: coating proposal", "Dear Li, the price for 200 valves is attached.",
                          date=at("2026-12-04T09:30:00+00:00")))
    run(app, "2026-12-04T09:35:00+00:00")
    assert app.deps.buyer_replies.waiting_for(TEAM, ALICE) == []
    assert "1 of 3 follow-ups" in command(app, "show 1")
    before = len(app.slack.dms_to(ALICE))
    for hour in range(1, 10):
        run(app, at("2026-12-07T00:00:00+00:00") + timedelta(hours=hour))
    assert all("wait for your answer" not in text_of(m) for m in app.slack.dms_to(ALICE)[before:])
    assert len(_reply_dms(app)) == 1


# -- several schedulers, one mailbox ---------------------------------------------------------------------

LEADBOT = str(Path(sys.executable).parent / "leadbot")


def _env(app, mailbox: Mailbox, **values: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LEADBOT_", "DATABASE_URL", "PORT"))}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=app.slack.base_url, DATABASE_URL=app.deps.db.url,
        LEADBOT_MAIL_URL=mailbox.url(), LEADBOT_MAIL_CA_FILE=mailbox.server.ca_file,
    )
    env.update(values)
    return env


def _leadbot(tmp_path, env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [LEADBOT, *args], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _finish(process: subprocess.Popen) -> tuple[str, str]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, out + err
    return out, err


@pytest.mark.slow
def test_two_schedulers_reading_the_same_mail_at_once_log_one_follow_up_and_send_one_dm(tmp_path, mail_app, mailbox):
    app = mail_app()
    lead(app, "Acme Oilfield", contact_email=BUYER)
    lead(app, "Zhang Metal", contact_email="zhang@zhang-metal.example")
    rounds = [
        (at("2026-12-02T02:00:00+00:00"), make_mail(ALICE_MAIL, BUYER, "Proposal", "Dear Li, here it is.",
                                                    date=at("2026-12-02T01:50:00+00:00"))),
        (at("2026-12-03T03:00:00+00:00"), make_mail("zhang@zhang-metal.example", "sales@ourco.example", "Re: quote",
                                                    "收到，谢谢。下周给您答复。",
                                                    date=at("2026-12-03T02:50:00+00:00"))),
    ]
    outputs = []
    for when, raw in rounds:
        run(app, when.replace(hour=1))  # the day's digest is out, so a reply's DM is not folded into it
        mailbox.put(raw)
        # Three `leadbot tick` processes read the same new message at the same instant.
        ticks = [_leadbot(tmp_path, _env(app, mailbox), "tick", "--at", when.isoformat()) for _ in range(3)]
        outputs += [_finish(tick)[0] for tick in ticks]
    app.deps.clock.set(rounds[-1][0])
    touches = _touches(app)
    assert [(t.source, t.logged_by) for t in touches] == [("email", ALICE)], outputs
    assert len(_reply_dms(app)) == 1, outputs
    assert len(app.deps.buyer_replies.waiting_for(TEAM, ALICE)) == 1
    assert [h.outcome for h in _handled(app)] == ["follow_up", "buyer_reply"]
    assert sum("follow up 1" in out for out in outputs) == 1 and sum("buyer reply 1" in out for out in outputs) == 1


# -- leadbot mail-poll -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_mail_poll_reads_once_and_says_what_became_of_each_message(tmp_path, mail_app, mailbox):
    app = mail_app()
    lead(app, "Acme Oilfield", contact_email=BUYER)
    old = [make_mail("news@vendor.example", "sales@ourco.example", f"Newsletter {n}", "old news",
                     date=at("2026-10-01T08:00:00+00:00") + timedelta(hours=n)) for n in range(3)]
    mailbox.put(
        *old,
        make_mail(ALICE_MAIL, BUYER, "Proposal", "Dear Li, here it is.", date=at("2026-12-01T09:05:00+00:00")),
        make_mail(BUYER, "sales@ourco.example", "Re: Proposal", "Thanks!", date=at("2026-12-01T09:10:00+00:00")),
        make_mail("mailer-daemon@ourco.example", "sales@ourco.example", "Undeliverable: Proposal", "bounced",
                  date=at("2026-12-01T09:15:00+00:00")),
        b"Message-ID: <no-sender@x.example>\r\nSubject: ?\r\n\r\nbroken\r\n",
    )
    out, err = _finish(_leadbot(tmp_path, _env(app, mailbox), "mail-poll", "--at", "2026-12-01T09:20:00+00:00"))
    assert f"leadbot mail-poll at 2026-12-01T09:20:00+00:00: {mailbox.user}@127.0.0.1:" in out
    assert "4 read — follow up 1, buyer reply 1, enquiry 0, ignored 1, unreadable 1, handled before 0" in out
    # The first read looks back LEADBOT_MAIL_SINCE_DAYS only: October's newsletters are not even looked at.
    assert len(_handled(app)) == 4 and not any("Newsletter" in str(h) for h in _handled(app))
    # Flagged: the follow-up, the reply and the bounce; the unreadable one and the newsletters stay unread.
    assert sum("\\Seen" in flags for flags in mailbox.flags().values()) == 3
    # The reply reached Alice at once: in the day's digest, which had not gone out yet.
    assert "posted what the mail added: claimed 1, sent 1" in out
    assert len([m for m in app.slack.dms_to(ALICE) if "Thanks!" in text_of(m)]) == 1
    again, _ = _finish(_leadbot(tmp_path, _env(app, mailbox), "mail-poll", "--at", "2026-12-01T09:30:00+00:00"))
    assert "0 read" in again
    wrong = _env(app, mailbox, LEADBOT_MAIL_URL=mailbox.url(password="wrong"))
    failing, _ = _finish(_leadbot(tmp_path, wrong, "mail-poll"))
    assert "could not be read" in failing and "wrong" not in failing.replace(mailbox.user, "")


# -- forwarded instead of BCCed ------------------------------------------------------------------------------


def _forward_as_attachment(rep: str, original: bytes, when: datetime) -> bytes:
    """What Outlook's "Forward as attachment" sends: a note, and the original message whole."""
    outer = EmailMessage()
    outer["From"], outer["To"], outer["Subject"] = rep, "sales-log@ourco.example", "FW: Re: Proposal"
    outer["Date"], outer["Message-ID"] = format_datetime(when), f"<fw-{when.timestamp()}@example.com>"
    outer.set_content("FYI\n")
    outer.add_attachment(message_from_bytes(original, policy=policy.default))
    return outer.as_bytes(policy=policy.SMTP)


def test_a_forward_of_the_reps_own_mail_or_of_the_buyers_reply_counts_like_a_bcc(mail_app, mailbox):
    app = mail_app()
    lead(app, "Acme Oilfield", contact_email=BUYER)
    gmail_forward = (
        "---------- Forwarded message ---------\n"
        "From: Alice Wang <alice@example.com>\n"
        "Date: Wed, Dec 2, 2026 at 10:00 AM\n"
        "Subject: Coating proposal\n"
        f"To: Li Ming <{BUYER}>\n\n"
        "Dear Li Ming,\nthe coating proposal is attached.\nBest, Alice\n"
    )
    buyers_reply = make_mail(BUYER, ALICE_MAIL, "Re: Coating proposal", "Thanks, we will discuss it on Friday.",
                             sender_name="Li Ming", date=at("2026-12-03T01:30:00+00:00"))
    mailbox.put(
        make_mail(ALICE_MAIL, "sales-log@ourco.example", "Fwd: Coating proposal", gmail_forward,
                  date=at("2026-12-02T02:05:00+00:00")),
        _forward_as_attachment(ALICE_MAIL, buyers_reply, at("2026-12-03T02:00:00+00:00")),
    )
    report = run(app, "2026-12-03T02:10:00+00:00")
    assert report.mail.outcomes["follow_up"] == 1 and report.mail.outcomes["buyer_reply"] == 1
    [touch] = _touches(app)
    assert (touch.source, touch.logged_by, touch.logged_at) == ("email", ALICE, at("2026-12-02T02:05:00+00:00"))
    assert "the coating proposal is attached" in touch.note
    [waiting] = app.deps.buyer_replies.waiting_for(TEAM, ALICE)
    assert waiting.replied_at == at("2026-12-03T01:30:00+00:00")  # when the buyer wrote, not when it was forwarded


# -- settings and the message's limits ----------------------------------------------------------------------


def test_a_malformed_mail_url_stops_start_up_naming_the_variable_and_never_the_password():
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "LEADBOT_MAIL_URL": "imaps://sales%40ourco.com:Sup3rSecret@mail.ourco.com:99x/"}
    with pytest.raises(SettingsError) as error:
        Settings.from_env(env)
    assert "LEADBOT_MAIL_URL" in str(error.value) and "Sup3rSecret" not in str(error.value)
    with pytest.raises(SettingsError, match="LEADBOT_MAIL_CA_FILE"):
        Settings.from_env({**env, "LEADBOT_MAIL_URL": "", "LEADBOT_MAIL_CA_FILE": "/nonexistent/ca.pem"})
    good = Settings.from_env({**env, "LEADBOT_MAIL_URL": "imaps://sales%40ourco.com:Sup3rSecret@mail.ourco.com/INBOX"})
    assert good.mail_url.name == "sales@ourco.com@mail.ourco.com:993/INBOX" and good.mail_since_days == 14
    assert "Sup3rSecret" not in str(good.redacted())


def test_an_emailed_enquiry_with_huge_texts_stays_inside_slacks_limits():
    huge = "询" * 5000
    message = inbound_blocks.mail_enquiry(f"{huge} <{'x' * 300}@example.com>", f"{huge}\n{huge}\n<!channel>")
    assert validate_blocks(message["blocks"], "message") == []
    assert "<!channel>" not in str(message)


@pytest.mark.slow
def test_a_mailbox_that_never_answers_holds_up_no_nudge(app_with, caplog, monkeypatch):
    # The mailbox's 30 s, shortened: the nudge comes in about a second, and the test waits for the timeout.
    monkeypatch.setattr(mail_log, "TIMEOUT_SECONDS", 10)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)  # accepts connections and never says a word: a mail server that hangs
    try:
        app = app_with(LEADBOT_MAIL_URL=f"imaps://sales%40ourco.example:pw@127.0.0.1:{silent.getsockname()[1]}/INBOX")
        lead(app, "Acme Oilfield", contact_email=BUYER)
        app.deps.clock.set(at("2026-12-04T01:00:00+00:00"))  # Friday 09:00 in Shanghai: Acme has gone quiet
        done: list = []
        run_thread = threading.Thread(target=lambda: done.append(run_once(app.deps, app.deps.clock.now())))
        started = time.monotonic()
        run_thread.start()
        app.slack.wait_for("chat.postMessage", where=lambda c: "Time to follow up" in str(c.params), timeout=10)
        assert run_thread.is_alive(), "the mailbox answered after all: this test proves nothing"
        nudged_after = time.monotonic() - started
        run_thread.join(timeout=120)
        assert nudged_after < 10 and done[0].mail.status == "failing" and "timed out" in done[0].mail.error
    finally:
        silent.close()
