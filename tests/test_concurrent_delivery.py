"""Scheduled messages posted several at a time: still once each, in order per channel, and a 429 holds up only its
channel."""

import threading

from sqlalchemy import select

from bot.services.ledger import Ledger
from bot.services.summary import SUMMARY_HELP
from bot.store.models import Delivery
from scheduler.runner import run_due
from tests.conftest import GENERAL, TEAM
from tests.support import at, lead

FRI_MORNING = "2026-12-04T01:00:00+00:00"  # 09:00 in Shanghai
REPS = [f"UREP{n:05d}" for n in range(12)]


def _queue(app, target: str, period: str) -> None:
    """A message for the delivery pass, written to the ledger as the planners do."""
    with app.deps.db.uow() as uow:
        Ledger.claim(
            uow.session, TEAM, SUMMARY_HELP, target, period, target, {"channel": f"#{period}"}, at(FRI_MORNING)
        )
        uow.commit()


def _statuses(app) -> list[str]:
    with app.deps.db.read() as uow:
        return list(uow.session.scalars(select(Delivery.status)))


def test_many_reps_each_get_one_morning_dm_when_two_schedulers_post_at_once(app_with, slack):
    app = app_with(LEADBOT_SEND_CONCURRENCY="4")
    for rep in REPS:
        slack.add_user(rep, name=rep.lower(), tz="Asia/Shanghai")
        lead(app, f"Company of {rep}", user=rep)
    slack.reset_calls()
    app.deps.clock.set(at(FRI_MORNING))
    reports = []
    schedulers = [threading.Thread(target=lambda: reports.append(run_due(app.deps, at(FRI_MORNING)))) for _ in range(2)]
    for scheduler in schedulers:
        scheduler.start()
    for scheduler in schedulers:
        scheduler.join()
    assert sum(report.sent for report in reports) == len(REPS)
    for rep in REPS:
        assert len(slack.dms_to(rep)) == 1, rep
    assert _statuses(app) == ["sent"] * len(REPS)
    assert run_due(app.deps, at(FRI_MORNING)).sent == 0


def test_a_rate_limited_channel_waits_alone_while_the_others_go_out(app_with, slack):
    app = app_with(LEADBOT_SEND_CONCURRENCY="2")
    slack.enforce_rate_limits = True  # one message a second per channel after a burst of three
    for n in range(5):
        _queue(app, GENERAL, f"channel-{n}")
    for rep in REPS:
        slack.add_user(rep, name=rep.lower(), tz="Asia/Shanghai")
        _queue(app, rep, "dm")
    report = run_due(app.deps, at(FRI_MORNING))
    assert report.sent == 5 + len(REPS) and report.retry_later == 0
    posts = slack.calls("chat.postMessage")
    to_channel = [c for c in posts if c.params["channel"] == GENERAL]
    assert 429 in [c.answered_status for c in to_channel]
    # The channel's messages arrive once each and in the order they were written.
    shown = [n for m in slack.messages(GENERAL) for n in range(5) if f"#channel-{n}" in m["text"]]
    assert shown == [0, 1, 2, 3, 4]
    # Every DM was answered before the channel's last message got through its rate limit.
    last_channel_post = max(c.time for c in to_channel if c.answered_status == 200)
    dms = [c for c in posts if c.params["channel"] != GENERAL]
    assert len(dms) == len(REPS) and all(c.answered_status == 200 for c in dms)
    assert max(c.time for c in dms) < last_channel_post


def test_the_morning_run_reads_known_reps_from_the_cache_not_from_slack(app_with, slack):
    app = app_with(LEADBOT_SEND_CONCURRENCY="4")
    for rep in REPS:
        slack.add_user(rep, name=rep.lower(), tz="Asia/Shanghai")
        lead(app, f"Company of {rep}", user=rep)
    app.deps.clock.set(at(FRI_MORNING))
    for rep in REPS:  # each rep's profile was fetched this morning
        app.deps.directory.rep(TEAM, rep, at(FRI_MORNING))
    slack.reset_calls()
    assert run_due(app.deps, at(FRI_MORNING)).sent == len(REPS)
    assert slack.calls("users.info") == []
