"""`kill -9` of a scheduler in the middle of its run, then a restart: nothing lost, nothing posted twice."""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.container import build_deps
from bot.services.leads import LeadDraft
from bot.services.ledger import LEASE
from bot.store.models import PENDING, SENT, Delivery
from tests.cluster import Cluster, posted_by_schedulers
from tests.conftest import TEAM, _empty_postgres, make_settings

pytestmark = pytest.mark.slow

REPS = 200  # enough that every kill after the first falls while messages are going out
KILLS = 6
MONDAY_8 = datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc)
DIGEST_TIME = MONDAY_8 + timedelta(hours=1)


@pytest.fixture
def pg_url(postgres_url) -> str:
    _empty_postgres(postgres_url)
    return postgres_url


def _reps_with_a_lead_due_today(deps, slack) -> list[str]:
    """Many reps, each with a lead due today: as many morning digests due at 09:00 as there are reps."""
    reps = [f"UKILL{index:04d}" for index in range(REPS)]
    for index, rep in enumerate(reps):
        slack.add_user(rep, name=rep.lower(), real_name=f"Rep {index}", tz="UTC")
        deps.directory.rep(TEAM, rep, MONDAY_8)  # known to leadbot: their digest is set for 09:00
        draft = LeadDraft(
            company=f"Kill Test {index}", contact_name="Li", contact_role="", source="website", asked_for="a quote",
            situation="wants_to_buy", discovery_notes="", claimed_potential=None, potential_unit="", owner_id=rep,
            first_follow_up_on=MONDAY_8.date(),
        )
        deps.leads.capture(TEAM, draft, rep, MONDAY_8)
    return reps


@pytest.fixture
def deps(pg_url, slack):
    """The test's own view of the database, to set up the reps and read the ledger."""
    built = build_deps(make_settings(pg_url, slack.base_url), clock=FixedClock(MONDAY_8))
    yield built
    built.db.dispose()


def _in_flight(db, now: datetime) -> set[tuple[str, str]]:
    """Messages a sender had taken and not yet finished: the only ones a kill can leave posted but unrecorded."""
    with db.read() as uow:
        rows = uow.session.execute(
            select(Delivery.kind, Delivery.target).where(Delivery.status == PENDING, Delivery.lease_until > now)
        )
        return {(kind, target) for kind, target in rows}


def _posted_count(slack) -> int:
    return len(posted_by_schedulers(slack))


def test_a_scheduler_killed_mid_run_and_restarted_delivers_everything_once(tmp_path, pg_url, slack, deps):
    reps = _reps_with_a_lead_due_today(deps, slack)
    slack.latency = 0.1  # Slack's own time on every call, as in bench/fanout.py
    instant = DIGEST_TIME
    slack.clock = lambda: instant.timestamp()  # Slack stamps messages with the simulated time, as it would
    cluster = Cluster(tmp_path, pg_url, slack)
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    in_flight_at_kills, kills_while_posting, in_flight_total = set(), 0, 0
    try:
        for round_ in range(KILLS):
            scheduler = cluster.start_scheduler()
            scheduler.start_run(instant)
            if round_ == 0:
                time.sleep(rng.uniform(0.0, 0.5))  # most likely while it is still working out what is due
            else:
                # Once it is posting, at a moment spread over the next few messages (not just after a post).
                target = min(_posted_count(slack) + rng.randint(1, 8), REPS)
                slack.wait_for(
                    "chat.postMessage", timeout=60, where=lambda call, target=target: _posted_count(slack) >= target
                )
                time.sleep(rng.uniform(0.0, 0.3))
            scheduler.kill()
            kills_while_posting += bool(_posted_count(slack))
            in_flight = _in_flight(deps.db, instant)
            in_flight_at_kills |= in_flight
            in_flight_total += len(in_flight)
            # The next start comes after the dead sender's lease ran out, as it would after a real restart.
            instant += LEASE + timedelta(minutes=1)
        scheduler = cluster.start_scheduler()
        scheduler.start_run(instant)
        scheduler.expect("done")
    finally:
        cluster.stop()

    with deps.db.read() as uow:
        deliveries = [(d.kind, d.status) for d in uow.session.scalars(select(Delivery))]
    posts = Counter(call.params["channel"] for call in posted_by_schedulers(slack))
    in_dms = Counter(message["channel"] for message in slack.messages())
    looks = slack.calls("conversations.history")
    print(f"\nkill -9 test (seed {seed}): {KILLS} kills, {kills_while_posting} while posting, "
          f"in flight at the kills: {in_flight_total}, conversations looked at: {len(looks)}, "
          f"posted twice: {sum(n - 1 for n in posts.values())}")
    assert kills_while_posting >= KILLS - 1 and in_flight_total > 0  # the kills fell where repeats used to come from
    # Nothing lost: every rep's digest is recorded as sent and reached Slack.
    assert Counter(deliveries) == {("digest", SENT): REPS}
    assert set(posts) == set(reps)
    # Nothing twice: one post per rep, and one digest in each DM.
    assert max(posts.values()) == 1
    assert set(in_dms.values()) == {1} and len(in_dms) == REPS
    # Only the conversations of messages in flight at a kill were read, each once per takeover, a page each.
    assert 0 < len(looks) <= in_flight_total
    # A request cut off by a kill reaches Slack without its last fields; every whole one asks for metadata, a page.
    cut_off = [call for call in looks if not call.params.get("include_all_metadata")]
    assert len(cut_off) <= KILLS
    assert all(int(call.params.get("limit", 0)) <= 15 for call in looks)
