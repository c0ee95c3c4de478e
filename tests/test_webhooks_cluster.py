"""Two scheduler processes on one PostgreSQL database, run at the same instant: each event reaches the receiver once."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.clock import FixedClock
from bot.container import build_deps
from bot.services.leads import LeadDraft
from tests.cluster import Cluster
from tests.conftest import ALICE, START, TEAM, _empty_postgres, make_settings
from tests.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.slow

LEADS = 30


@pytest.fixture
def pg_url(postgres_url) -> str:
    _empty_postgres(postgres_url)
    return postgres_url


@pytest.fixture
def deps(pg_url, slack):
    """The test's own view of the database, to make the changes the schedulers then deliver."""
    built = build_deps(make_settings(pg_url, slack.base_url), clock=FixedClock(START))
    yield built
    built.db.dispose()


@pytest.fixture
def receiver():
    started = WebhookReceiver().start()
    yield started
    started.stop()


def test_two_scheduler_processes_deliver_each_event_once_in_order_per_lead(tmp_path, pg_url, slack, deps, receiver):
    _, receiver.secret = deps.webhooks.add(TEAM, receiver.url, (), START)
    receiver.delay = 0.02  # the receiver takes a moment: both schedulers are sending at once
    for n in range(LEADS):
        draft = LeadDraft(
            company=f"Cluster Co {n}",
            contact_name="Li",
            contact_role="",
            source="website",
            asked_for="a quote",
            situation="wants_to_buy",
            discovery_notes="",
            claimed_potential=None,
            potential_unit="",
            owner_id=ALICE,
            first_follow_up_on=START.date(),
        )
        deps.leads.capture(TEAM, draft, ALICE, START)
        deps.leads.log_touch(TEAM, str(n + 1), ALICE, "call", "first call", START, "UTC")
    cluster = Cluster(tmp_path, pg_url, slack)
    try:
        cluster.start_scheduler()
        cluster.start_scheduler()
        cluster.run_schedulers(START)
        cluster.run_schedulers(START)  # a second run at the same instant finds nothing left to send
    finally:
        cluster.stop()
    ids = receiver.taken_ids()
    assert len(ids) == 2 * LEADS and set(Counter(ids).values()) == {1}
    assert len(receiver.requests) == 2 * LEADS and receiver.unverified() == 0
    per_lead: dict[int, list[str]] = {}
    for event in receiver.taken():
        number = event["data"].get("lead", event["data"])["number"]
        per_lead.setdefault(number, []).append(event["type"])
    assert per_lead == {n: ["lead.created", "touch.logged"] for n in range(1, LEADS + 1)}
