"""The morning digest through time: once per rep per workday, at local digest time, in every time zone."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.store.models import Delivery
from tests.conftest import ALICE, BOB, CAROL
from tests.support import at, lead, nudges_to, text_of, tick

TZ = {ALICE: "Asia/Shanghai", BOB: "America/New_York", CAROL: "Europe/Berlin"}


def _digests(app, user=None):
    with app.deps.db.uow() as uow:
        query = select(Delivery).where(Delivery.kind == "digest", Delivery.status == "sent").order_by(Delivery.id)
        rows = uow.session.scalars(query).all()
        return [(d.subject, d.period, d.created_at) for d in rows if user is None or d.subject == user]


def test_a_week_across_three_time_zones_and_a_dst_weekend_gives_one_digest_per_rep_per_workday(app):
    app.deps.clock.set(at("2026-03-20T10:00:00+00:00"))  # Friday
    for user, company in ((ALICE, "Shanghai Pumps"), (BOB, "Boston Valves"), (CAROL, "Berlin Gears")):
        lead(app, company, user=user, first_follow_up="2026-03-23")
    start = at("2026-03-21T00:00:00+00:00")
    for hour in range(10 * 24):  # Sat 21 Mar … Mon 30 Mar; Berlin moves to summer time on Sun 29 Mar
        tick(app, start + timedelta(hours=hour))
    workdays = ["2026-03-23", "2026-03-24", "2026-03-25", "2026-03-26", "2026-03-27", "2026-03-30"]
    for user, tz in TZ.items():
        sent = _digests(app, user)
        assert [period for _, period, _ in sent] == workdays, user
        for _, period, created in sent:
            local = created.astimezone(ZoneInfo(tz))
            assert (local.date().isoformat(), local.hour, local.minute) == (period, 9, 0), (user, created)
    # Berlin's 09:00 was 08:00 UTC before the change and 07:00 UTC after it.
    carol = {period: created for _, period, created in _digests(app, CAROL)}
    assert carol["2026-03-27"].hour == 8 and carol["2026-03-30"].hour == 7


def test_the_morning_nudge_folds_into_the_digest(app):
    lead(app, "Quiet Co")
    tick(app, "2026-12-04T01:00:00+00:00")  # Fri 09:00 in Shanghai: the lead went quiet overnight
    dms = app.slack.dms_to(ALICE)
    assert len(dms) == 1
    digest = text_of(dms[0])
    assert "Your leads for Fri 4 Dec" in digest and "Time to follow up" in digest and "#1 Quiet Co" in digest
    assert app.deps.leads.find("T0001", "1").nudges_unanswered == 1
    assert [kind for kind, *_ in _kinds(app)] == ["digest"]


def test_a_later_digest_time_holds_the_nudge_until_the_digest(app):
    lead(app, "Quiet Co")
    app.deps.directory.save_own_settings(
        "T0001", ALICE, app.deps.clock.now(), digest_time="10:30", workdays=None, work_hours=None, language=None,
        snooze_days=None,
    )
    tick(app, "2026-12-04T01:00:00+00:00")  # 09:00 local: working, but the digest comes at 10:30
    assert app.slack.dms_to(ALICE) == []
    tick(app, "2026-12-04T02:30:00+00:00")
    assert len(app.slack.dms_to(ALICE)) == 1 and len(nudges_to(app, ALICE)) == 1


def test_a_digest_missed_in_downtime_is_sent_while_the_working_day_lasts(app):
    lead(app, "Quiet Co")
    tick(app, "2026-12-04T03:00:00+00:00")  # back at 11:00 in Shanghai
    assert [period for _, period, _ in _digests(app)] == ["2026-12-04"]


def test_a_digest_missed_for_the_whole_working_day_is_skipped_not_sent_at_night(app):
    lead(app, "Quiet Co")
    tick(app, "2026-12-04T11:00:00+00:00")  # back at 19:00 in Shanghai: Friday's day is over
    assert _digests(app) == [] and app.slack.dms_to(ALICE) == []
    tick(app, "2026-12-07T01:00:00+00:00")  # Monday morning
    assert [period for _, period, _ in _digests(app)] == ["2026-12-07"]


def test_at_most_one_digest_a_day_whatever_runs(app):
    lead(app, "Quiet Co")
    for minute in (0, 0, 1, 30, 59):
        tick(app, datetime(2026, 12, 4, 1, minute, tzinfo=timezone.utc))
    tick(app, "2026-12-04T09:00:00+00:00")
    assert len(_digests(app)) == 1


def test_no_digest_when_there_is_nothing_to_say(app):
    lead(app, "Later Co", first_follow_up="2026-12-20")
    for day in range(2, 8):
        tick(app, datetime(2026, 12, day, 1, tzinfo=timezone.utc))
    assert _digests(app) == []


def test_the_digest_lists_what_is_due_today_and_yesterdays_wins(app):
    lead(app, "Due Co", first_follow_up="2026-12-03")
    lead(app, "Won Co", first_follow_up="2026-12-10")
    app.deps.clock.set(at("2026-12-02T03:00:00+00:00"))
    from tests.support import command

    command(app, "won 2")
    tick(app, "2026-12-03T01:00:00+00:00")  # Thu 09:00 in Shanghai
    digest = text_of(app.slack.dms_to(ALICE)[-1])
    assert "Follow up today* (1)" in digest and "#1 Due Co" in digest
    assert "Won yesterday*: #2 Won Co" in digest


def test_snoozing_from_the_digest_redraws_that_line(app):
    lead(app, "Due Co", first_follow_up="2026-12-03")
    tick(app, "2026-12-03T01:00:00+00:00")
    digest = app.slack.dms_to(ALICE)[-1]
    app.send.click(ALICE, digest, "digest_item", selected_option="snooze:7:1")
    redrawn = text_of(app.slack.wait_for("chat.update")[-1].params)
    assert "✓ Next follow-up Thu 10 Dec." in redrawn
    assert "digest_item" not in str(app.slack.last("chat.update").params["blocks"])


def test_a_long_digest_stays_within_slacks_limits(app):
    from sandbox.slack_api import validate_blocks

    for n in range(30):
        # Numbers, not letter pairs: "Company SA" and "Company AB" are one company (S.A., AB are legal forms).
        lead(app, f"Company {n}", first_follow_up="2026-12-02")
    for n in range(15):
        lead(app, f"Due {chr(65 + n)}", first_follow_up="2026-12-04")
    tick(app, "2026-12-04T01:00:00+00:00")
    digest = app.slack.dms_to(ALICE)[-1]
    assert validate_blocks(digest["blocks"], "message") == []
    assert "more — open leadbot's Home tab" in text_of(digest)


def _kinds(app):
    with app.deps.db.uow() as uow:
        return [(d.kind, d.status) for d in uow.session.scalars(select(Delivery).order_by(Delivery.id))]
