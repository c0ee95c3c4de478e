"""A simulated week on PostgreSQL with two schedulers and three web workers: every scheduled message exactly once."""

from __future__ import annotations

import random
import re
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.store.models import PENDING, SENT, Delivery, Lead
from tests.cluster import Cluster, posted_by_schedulers
from tests.conftest import ADMIN, TEAM, _empty_postgres
from tests.support import command, lead, message_event, ts_at

pytestmark = pytest.mark.slow

WEEK_START = datetime(2026, 12, 7, 0, 0, tzinfo=timezone.utc)  # a Monday
STEP = timedelta(minutes=15)
INBOX = "C0INBOX01"
# Two reps in each of four time zones: their mornings, working hours and digests fall at different UTC hours.
REPS = {
    "UREPSH01": "Asia/Shanghai", "UREPSH02": "Asia/Shanghai",
    "UREPBE01": "Europe/Berlin", "UREPBE02": "Europe/Berlin",
    "UREPNY01": "America/New_York", "UREPNY02": "America/New_York",
    "UREPLA01": "America/Los_Angeles", "UREPLA02": "America/Los_Angeles",
}


@pytest.fixture
def pg_url(postgres_url) -> str:
    _empty_postgres(postgres_url)
    return postgres_url


@pytest.fixture
def cluster(tmp_path, pg_url, slack):
    for user_id, tz in REPS.items():
        slack.add_user(user_id, name=user_id.lower(), real_name=f"Rep {user_id[-4:]}", tz=tz)
    slack.add_channel(INBOX, "enquiries")
    running = Cluster(
        tmp_path, pg_url, slack, LEADBOT_ADMINS=ADMIN, LEADBOT_MANAGER=ADMIN, LEADBOT_ESCALATE_AFTER="1",
        LEADBOT_SUMMARY_SCHEDULE="daily", LEADBOT_TEAM_TZ="Asia/Shanghai",
    )
    running.set_clock(WEEK_START)
    try:
        for _ in range(3):
            running.start_web()
        for _ in range(2):
            running.start_scheduler()
        yield running
    finally:
        running.stop()


def _together(*sends) -> list:
    """Send requests at the same moment from separate threads (a double click, two workers at once)."""
    replies: list = [None] * len(sends)
    start = threading.Barrier(len(sends))

    def run(index: int) -> None:
        start.wait()
        replies[index] = sends[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(sends))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return replies


def _sent(report: str) -> int:
    """How many messages a scheduler's `done … sent N, …` line says it posted."""
    return int(re.search(r"sent (\d+)", report).group(1))


class Week:
    """What the reps do during the week, each at its instant, through random web workers."""

    def __init__(self, cluster: Cluster, rng: random.Random) -> None:
        self.cluster, self.rng = cluster, rng
        self.slack = cluster.slack
        self.cluster_now = WEEK_START
        self.enquiry: dict | None = None
        self.double_clicked: str | None = None

    def monday_morning(self) -> None:
        web = self.cluster.any_web(self.rng)
        assert "summary" in command(web, "summary on", user=ADMIN).lower()
        for index, rep in enumerate(REPS):
            for n in (1, 2):
                lead(self.cluster.any_web(self.rng), f"Company {index}-{n}", user=rep)
        # Three small orders over nine months: a steady small buyer its owner will be asked about.
        for day, amount in (("2026-02-10", 800), ("2026-06-15", 650), ("2026-11-20", 900)):
            command(self.cluster.any_web(self.rng), f"order \"Company 0-1\" {amount} CNY {day}", user="UREPSH01")

    def an_enquiry_retried_to_another_worker(self) -> None:
        first_web, second_web = self.cluster.two_webs(self.rng)
        assert "inbound channel" in command(first_web, "inbound on", user="UREPBE01", channel=INBOX)
        now = self.cluster_now
        message = self.slack.add_message(INBOX, "Need 30 valves by March — Huang Pumps", user="URECEPT01",
                                         ts=ts_at(now))
        first = first_web.send.event(message_event(message))
        retry = second_web.send.event(message_event(message), event_id=first.sent["event_id"], retry_num=1,
                                      retry_reason="http_timeout")
        assert (first.status, retry.status) == (200, 200)
        self.enquiry = message

    def a_form_submitted_twice_to_two_workers(self) -> None:
        first_web, second_web = self.cluster.two_webs(self.rng)
        reply = first_web.send.command("new", "UREPNY01")
        assert reply.status == 200
        call = self.slack.wait_for(
            "views.open", where=lambda c: c.params.get("trigger_id") == reply.sent["trigger_id"]
        )[-1]
        view = self.slack.view(call.response["view"]["id"])
        fields = {"company": "Double Submit Ltd", "source": "website", "situation": "wants_to_buy"}
        replies = _together(
            *(lambda w=w: w.send.submit_view("UREPNY01", view, dict(fields)) for w in (first_web, second_web))
        )
        assert [r.status for r in replies] == [200, 200]

    def some_follow_ups(self) -> None:
        # Half the reps follow up their first lead; the others let theirs go quiet (nudges, then escalations).
        for index, rep in enumerate(REPS):
            if index % 2 == 0:
                number = self._number_of(f"Company {index}-1")
                command(self.cluster.any_web(self.rng), f"log {number} call talked to the buyer", user=rep)

    def a_double_clicked_won(self) -> None:
        """Won… asks to confirm in a form; its Save, double-clicked, reaches two workers at once."""
        rep = "UREPBE02"
        with_button = [m for m in self.slack.dms_to(rep) if "lead_won_open" in str(m.get("blocks"))]
        assert with_button, "a quiet lead's reminder offers Won…"
        first_web, second_web = self.cluster.two_webs(self.rng)
        message = with_button[-1]
        number = next(b["block_id"].split(":")[1] for b in message["blocks"] if "lead_won_open" in str(b))
        opened = len(self.slack.calls("views.open"))
        assert first_web.send.click(rep, message, "lead_won_open", value=number).status == 200
        form = self.slack.view(self.slack.wait_for("views.open", count=opened + 1)[-1].response["view"]["id"])
        replies = _together(*(lambda w=w: w.send.submit_view(rep, form, {"won_value": "2.4k"})
                              for w in (first_web, second_web)))
        assert [r.status for r in replies] == [200, 200]
        self.double_clicked = rep

    def _number_of(self, company: str) -> int:
        engine = create_engine(self.cluster.database_url)
        with Session(engine) as session:
            number = session.scalar(select(Lead.number).where(Lead.team_id == TEAM, Lead.company == company))
        engine.dispose()
        return number


def test_a_week_on_two_schedulers_and_three_web_workers_sends_every_scheduled_message_once(cluster, slack):
    rng = random.Random(20261207)
    week = Week(cluster, rng)
    plan = {
        WEEK_START + timedelta(hours=1): week.monday_morning,
        WEEK_START + timedelta(hours=2): week.an_enquiry_retried_to_another_worker,
        WEEK_START + timedelta(hours=3): week.a_form_submitted_twice_to_two_workers,
        WEEK_START + timedelta(days=2, hours=12): week.some_follow_ups,
        WEEK_START + timedelta(days=3, hours=12): week.a_double_clicked_won,
    }
    instant, reports = WEEK_START, []
    while instant < WEEK_START + timedelta(days=7):
        cluster.set_clock(instant)
        week.cluster_now = instant
        if instant in plan:
            plan[instant]()
        reports.append(cluster.run_schedulers(instant))
        instant += STEP

    engine = create_engine(cluster.database_url)
    with Session(engine) as session:
        deliveries = list(session.scalars(select(Delivery)))
    engine.dispose()
    sent = [d for d in deliveries if d.status == SENT]
    posts = posted_by_schedulers(slack)
    posted = Counter((c.response["channel"], c.response["ts"]) for c in posts)
    # Exactly once: every post a scheduler made is one sent ledger row, and every sent row was posted once.
    assert len(posts) == len(sent)
    assert posted == Counter((d.message_channel, d.message_ts) for d in sent)
    assert not [d for d in deliveries if d.status == PENDING and d.next_attempt_at < instant - STEP]

    kinds = Counter(d.kind for d in sent)
    sent_by = [sum(_sent(step[i]) for step in reports) for i in range(2)]
    print(f"\nsimulated week: {len(sent)} scheduled messages sent once each: {dict(kinds)}; by scheduler: {sent_by}")
    # What the week should have produced, each once per its key.
    digests = Counter(d.subject for d in sent if d.kind == "digest")
    assert set(digests) == set(REPS) and all(count >= 3 for count in digests.values()), digests
    assert kinds["summary"] == 5  # Monday to Friday, 17:00 in Shanghai
    assert kinds["escalation"] >= 1 and kinds["small_buyer"] == 1

    # Once despite Slack's retry on another worker, a double submit, and a double-clicked Won form.
    replies = [m for m in slack.messages(INBOX) if m.get("thread_ts") == week.enquiry["ts"]]
    assert len(replies) in (1, 2) and len([m for m in replies if "Claim" in str(m.get("blocks"))]) == 1
    engine = create_engine(cluster.database_url)
    with Session(engine) as session:
        companies = Counter(session.scalars(select(Lead.company).where(Lead.team_id == TEAM)))
        won = list(session.scalars(select(Lead.company).where(Lead.status == "won")))
    engine.dispose()
    assert companies["Double Submit Ltd"] == 1
    assert len(won) == 1
