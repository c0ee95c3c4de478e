"""A workspace that removes leadbot: nothing more is sent to it, and every row of it is gone; the others keep theirs."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, inspect, select, text

from bot.cli.delete_team import delete_team
from bot.store.models import (
    SLACK_BOTS,
    SLACK_INSTALLATIONS,
    Account,
    ApiToken,
    BuyerReply,
    Enquiry,
    HandledMail,
    InboundChannel,
    LinkedChannel,
    MailboxState,
    Order,
    Refusal,
    SmallBuyerAnswer,
    TeamSetting,
    WebhookEndpoint,
)
from sandbox.slack_requests import SignedSlack
from scheduler.loop import run_once
from scheduler.runner import plan_due
from tests.conftest import ALICE, CAROL, SIGNING_SECRET, START, TEAM
from tests.support import at, command, text_of, tick

LEADBOT = str(Path(sys.executable).parent / "leadbot")
OTHER = "T0THER"  # a second workspace, with Carol as its rep
# Fri 4 Dec: both workspaces' first leads are quiet, and it is working time for Alice (16:30 in Shanghai)
# and for Carol (09:30 in Berlin).
FRIDAY = "2026-12-04T08:30:00+00:00"
# Every kind of table leadbot keeps a workspace's data in today; each workspace below fills every one of them.
FILLED = {
    "teams",
    "reps",
    "leads",
    "touches",
    "deliveries",
    "accounts",
    "orders",
    "small_buyer_answers",
    "team_settings",
    "refusals",
    "inbound_channels",
    "enquiries",
    "slack_events",
    "buyer_replies",
    "linked_channels",
    "mail_messages",
    "mailbox_state",
    "api_tokens",
    "webhook_endpoints",
    "slack_installations",
    "slack_bots",
}


def rows_by_team(db) -> dict[str, dict[str, int]]:
    """team → table → rows, over every table of the live database that has a team_id column (found by
    inspecting the database, so tables added later are counted too)."""
    counts: dict[str, dict[str, int]] = {}
    with db.read_rows() as connection:
        inspector = inspect(connection)
        for table in inspector.get_table_names():
            if "team_id" not in {column["name"] for column in inspector.get_columns(table)}:
                continue
            found = connection.execute(text(f'SELECT team_id, COUNT(*) FROM "{table}" GROUP BY team_id'))
            for team_id, count in found:
                counts.setdefault(team_id, {})[table] = count
    return counts


def new_lead(app, send: SignedSlack, user: str, company: str) -> str:
    """Capture a lead through the form, as `user` in `send`'s workspace; the text of the card leadbot shows."""
    before = len(app.slack.calls("views.open"))
    assert send.command("new", user).status == 200
    view = app.slack.view(app.slack.wait_for("views.open", count=before + 1)[-1].response["view"]["id"])
    reply = send.submit_view(user, view, {"company": company, "source": "website", "situation": "wants_to_buy"})
    assert reply.status == 200
    card = app.slack.wait_for("chat.postEphemeral", where=lambda c: company in str(c.params.get("blocks")))[-1]
    return text_of(card.params)


def fill_workspace(app, send: SignedSlack, user: str) -> None:
    """Data in every kind of table: through Slack where a rep makes it, straight into the database for the rest."""
    team = send.team_id
    new_lead(app, send, user, f"Acme {team}")
    new_lead(app, send, user, f"Bolt {team}")
    assert send.command("log 1 call spoke to the buyer", user).status == 200
    assert send.app_home_opened(user).status == 200  # a Slack event, noted so a repeat is dropped
    app.settle()
    with app.deps.db.uow() as uow:
        session = uow.session
        lead_id = session.execute(
            text("SELECT id FROM leads WHERE team_id = :t AND number = 1"), {"t": team}
        ).scalar_one()
        account = Account(team_id=team, account_key=f"steady {team}", name=f"Steady {team}", created_at=START)
        session.add(account)
        session.flush()
        session.add_all(
            [
                Order(
                    team_id=team,
                    account_id=account.id,
                    ordered_on=date(2026, 11, 2),
                    amount=Decimal("900"),
                    currency="CNY",
                    import_key=f"o-{team}",
                    created_by=user,
                    created_at=START,
                ),
                SmallBuyerAnswer(
                    team_id=team,
                    account_id=account.id,
                    reason="price",
                    answered_by=user,
                    answered_at=START,
                    next_step_on=date(2026, 12, 8),
                ),
                TeamSetting(team_id=team, values='{"min_touches": "4"}', updated_by=user, updated_at=START),
                Refusal(team_id=team, lead_number=1, user_id=user, at=START),
                InboundChannel(team_id=team, channel_id="C0INBOUND", changed_by=user, changed_at=START),
                Enquiry(
                    team_id=team,
                    channel_id="C0INBOUND",
                    message_ts="1764579600.000100",
                    text="need 5t of pipe",
                    posted_at=START,
                    received_at=START,
                ),
                BuyerReply(team_id=team, lead_id=lead_id, source="email", ref=f"mail:{team}", replied_at=START),
                LinkedChannel(team_id=team, channel_id="C0SHARED", lead_id=lead_id, linked_by=user, linked_at=START),
                HandledMail(
                    team_id=team, message_key=f"<m@{team}>", handled_at=START, outcome="follow_up", lead_id=lead_id
                ),
                MailboxState(team_id=team, mailbox="sales@mail.example.com:993/INBOX", last_uid=7),
                ApiToken(team_id=team, name="website-form", token_hash=f"{team:0>64}", created_at=START),
                # Added after everything here happened, so it is sent nothing: only its row matters.
                WebhookEndpoint(
                    team_id=team, url="https://hooks.example.com/leadbot",
                    secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", created_at=START + timedelta(days=365),
                ),
            ]
        )
        # What Add to Slack stores (slack_sdk's own tables): the installation and its bot token.
        installed = {"client_id": "1.2", "app_id": "A1", "team_id": team, "installed_at": START, "bot_token": "xoxb-1"}
        session.execute(SLACK_INSTALLATIONS.insert().values(user_id=user, **installed))
        session.execute(SLACK_BOTS.insert().values(bot_id="B1", bot_user_id="UBOT", **installed))
        uow.commit()


@pytest.fixture
def two_workspaces(app):
    """The app with workspace TEAM (Alice) and OTHER (Carol) both in use, and Friday's messages written to the
    ledger, not yet posted."""
    here = app.send
    there = SignedSlack(app.send.app_url, SIGNING_SECRET, app.slack, team_id=OTHER)
    fill_workspace(app, here, ALICE)
    fill_workspace(app, there, CAROL)
    app.deps.clock.set(at(FRIDAY))
    assert plan_due(app.deps, at(FRIDAY), set()) >= 2  # a nudge (or digest) for each: written, waiting to be posted
    counts = rows_by_team(app.deps.db)
    for team in (TEAM, OTHER):
        assert FILLED <= set(counts[team]), f"{team} has no rows in {sorted(FILLED - set(counts[team]))}"
    return here, there


def dms_to(app, user: str) -> int:
    return len(app.slack.dms_to(user))


def _uninstalled_then_friday(app, send_leaving_event) -> None:
    before = rows_by_team(app.deps.db)
    reply = send_leaving_event()
    assert reply.status == 200
    app.settle()  # what the listener does after its ack: seconds, not the next scheduler run
    after = rows_by_team(app.deps.db)
    assert TEAM not in after, after.get(TEAM)  # every one of its rows, in every table with a team_id
    assert after[OTHER] == before[OTHER]  # the other workspace untouched

    alice, carol = dms_to(app, ALICE), dms_to(app, CAROL)
    tick(app, FRIDAY)
    assert dms_to(app, ALICE) == alice  # its written, unposted messages do not go out
    assert dms_to(app, CAROL) > carol  # the other's do
    assert "Acme T0THER" in text_of(app.slack.dms_to(CAROL)[-1])


def test_app_uninstalled_stops_its_messages_and_deletes_every_row_of_it(app, two_workspaces):
    here, _there = two_workspaces
    _uninstalled_then_friday(app, lambda: here.event({"type": "app_uninstalled"}))


def test_bot_tokens_revoked_is_leaving_too(app, two_workspaces):
    here, _there = two_workspaces
    _uninstalled_then_friday(
        app, lambda: here.event({"type": "tokens_revoked", "tokens": {"oauth": [ALICE], "bot": ["UBOT0001"]}})
    )


def test_only_user_tokens_revoked_leaves_everything_as_it_was(app, two_workspaces):
    here, _there = two_workspaces
    before = rows_by_team(app.deps.db)
    reply = here.event({"type": "tokens_revoked", "tokens": {"oauth": [ALICE]}})
    assert reply.status == 200
    app.settle()
    after = rows_by_team(app.deps.db)
    # The event itself is noted (a repeat of it is dropped); nothing else changed.
    assert after[TEAM] == {**before[TEAM], "slack_events": before[TEAM]["slack_events"] + 1}
    alice = dms_to(app, ALICE)
    tick(app, FRIDAY)
    assert dms_to(app, ALICE) > alice


def test_a_workspace_that_comes_back_starts_empty(app):
    assert "#1" in new_lead(app, app.send, ALICE, "Acme")
    assert "#2" in new_lead(app, app.send, ALICE, "Bolt")
    assert app.send.event({"type": "app_uninstalled"}).status == 200
    app.settle()
    assert TEAM not in rows_by_team(app.deps.db)
    card = new_lead(app, app.send, ALICE, "Fresh Start")
    assert "#1 Fresh Start" in card
    listed = command(app, "list all")
    assert "Fresh Start" in listed and "Acme" not in listed and "Bolt" not in listed


def test_the_uninstall_needs_no_working_token(app):
    """In single-workspace mode the token is dead by the time the event arrives: nothing about it asks Slack."""
    new_lead(app, app.send, ALICE, "Acme")
    app.slack.revoke_token()
    calls = len(app.slack.calls())
    assert app.send.event({"type": "app_uninstalled"}).status == 200
    app.send.event({"type": "tokens_revoked", "tokens": {"bot": ["UBOT0001"]}})
    app.settle()
    assert TEAM not in rows_by_team(app.deps.db)
    assert len(app.slack.calls()) == calls


# -- keeping the data a while: LEADBOT_KEEP_DATA_DAYS ------------------------------------------------


def test_kept_data_sends_nothing_and_is_deleted_when_the_days_are_over(app_with):
    app = app_with(LEADBOT_KEEP_DATA_DAYS="7")
    there = SignedSlack(app.send.app_url, SIGNING_SECRET, app.slack, team_id=OTHER)
    new_lead(app, app.send, ALICE, "Acme")
    new_lead(app, there, CAROL, "Carols Co")
    app.deps.clock.set(at(FRIDAY))
    plan_due(app.deps, at(FRIDAY), set())
    kept = rows_by_team(app.deps.db)

    uninstalled_at = at(FRIDAY)
    assert app.send.event({"type": "app_uninstalled"}).status == 200
    app.settle()
    counts = rows_by_team(app.deps.db)
    assert {table: counts[TEAM].get(table) for table in kept[TEAM]} == kept[TEAM]  # kept, every row of it

    alice, carol = dms_to(app, ALICE), dms_to(app, CAROL)
    for day in range(7):  # a week of scheduler runs: nothing for Alice's workspace, Carol's goes on
        run_once(app.deps, _set(app, uninstalled_at + timedelta(days=day, hours=1)))
    assert dms_to(app, ALICE) == alice
    assert dms_to(app, CAROL) > carol
    assert TEAM in rows_by_team(app.deps.db)

    run_once(app.deps, _set(app, uninstalled_at + timedelta(days=7, minutes=1)))
    after = rows_by_team(app.deps.db)
    assert TEAM not in after
    assert after[OTHER]["leads"] == 1


def test_reinstalling_before_the_days_are_over_keeps_the_data_and_sends_again(app_with):
    app = app_with(LEADBOT_KEEP_DATA_DAYS="30")
    new_lead(app, app.send, ALICE, "Acme")
    assert app.send.event({"type": "app_uninstalled"}).status == 200
    app.send.event({"type": "tokens_revoked", "tokens": {"oauth": [ALICE], "bot": ["UBOT0001"]}})
    app.settle()
    alice = dms_to(app, ALICE)
    tick(app, FRIDAY)
    assert dms_to(app, ALICE) == alice

    # Installed again: the first request from the workspace says so.
    assert "#2 Bolt" in new_lead(app, app.send, ALICE, "Bolt")
    run_once(app.deps, _set(app, at(FRIDAY) + timedelta(days=40)))
    assert rows_by_team(app.deps.db)[TEAM]["leads"] == 2
    assert dms_to(app, ALICE) > alice


def _set(app, instant: datetime) -> datetime:
    app.deps.clock.set(instant.astimezone(timezone.utc))
    return instant


# -- by hand: leadbot delete-team ---------------------------------------------------------------------


def test_delete_team_asks_first_then_says_what_it_deleted(app, two_workspaces):
    settings = app.deps.settings
    before = rows_by_team(app.deps.db)

    out = io.StringIO()
    assert delete_team(TEAM, settings, ask=lambda prompt: "no", out=out) == 1
    assert "nothing was deleted" in out.getvalue()
    assert rows_by_team(app.deps.db) == before

    out = io.StringIO()
    asked = []
    assert delete_team(TEAM, settings, ask=lambda prompt: asked.append(prompt) or TEAM, out=out) == 0
    assert TEAM in asked[0]
    printed = out.getvalue()
    for table, count in before[TEAM].items():
        assert any(line.split() == [table, str(count)] for line in printed.splitlines()), (table, printed)
    after = rows_by_team(app.deps.db)
    assert TEAM not in after and after[OTHER] == before[OTHER]


def test_delete_team_yes_skips_the_question_and_a_team_without_data_is_said_to_have_none(app, two_workspaces):
    settings = app.deps.settings

    def never(prompt):
        raise AssertionError("asked although --yes")

    out = io.StringIO()
    assert delete_team(OTHER, settings, yes=True, ask=never, out=out) == 0
    assert "deleted" in out.getvalue() and "leads" in out.getvalue()
    assert OTHER not in rows_by_team(app.deps.db)

    out = io.StringIO()
    assert delete_team("T0NOBODY", settings, ask=never, out=out) == 0
    assert "has no data" in out.getvalue()


def test_the_leadbot_command_deletes_a_team_once_told_yes(app, two_workspaces, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LEADBOT_", "DATABASE_URL"))}
    env["DATABASE_URL"] = app.deps.db.url
    before = rows_by_team(app.deps.db)
    asked = subprocess.run(
        [LEADBOT, "delete-team", TEAM], input="y\n", capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60
    )
    assert asked.returncode == 0, asked.stderr
    assert f"Type {TEAM} or y to confirm" in asked.stdout
    assert f"deleted {sum(before[TEAM].values())} rows of workspace {TEAM}" in asked.stdout
    after = rows_by_team(app.deps.db)
    assert TEAM not in after and after[OTHER] == before[OTHER]

    again = subprocess.run(
        [LEADBOT, "delete-team", TEAM, "--yes"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60
    )
    assert again.returncode == 0 and "has no data here; nothing to delete" in again.stdout


def test_tables_added_later_are_covered_too_through_a_foreign_key_as_well(app):
    """Slack's installation store (written by slack_sdk itself, as Add to Slack does), and tables leadbot does not
    know, one whose rows belong to a team only through their parent: deleting a workspace finds them in the live
    database, with no change to leadbot."""
    engine = app.deps.db.engine
    store = SQLAlchemyInstallationStore("CLIENT.ID", engine)
    extra = MetaData()
    hooks = Table(
        "example_webhooks",
        extra,
        Column("id", Integer, primary_key=True),
        Column("team_id", String(32)),
    )
    sends = Table(
        "example_webhook_sends",
        extra,
        Column("id", Integer, primary_key=True),
        Column("webhook_id", Integer, ForeignKey("example_webhooks.id")),
    )
    extra.create_all(engine)  # the installation store's tables are leadbot's own (migration 0015)
    try:
        with engine.begin() as connection:
            for number, team in enumerate((TEAM, OTHER), start=1):
                connection.execute(hooks.insert().values(id=number, team_id=team))
                connection.execute(sends.insert().values(id=number, webhook_id=number))
        for team in (TEAM, OTHER):
            store.save(
                Installation(
                    app_id="A0APP",
                    team_id=team,
                    user_id=ALICE,
                    bot_token=f"xoxb-{team}",
                    bot_id="B0BOT",
                    bot_user_id="UBOT0001",
                    installed_at=START.timestamp(),
                )
            )
        before = rows_by_team(app.deps.db)
        assert {"slack_installations", "slack_bots", "example_webhooks"} <= set(before[TEAM])

        assert app.send.event({"type": "app_uninstalled"}).status == 200
        app.settle()
        after = rows_by_team(app.deps.db)
        assert TEAM not in after and after[OTHER] == before[OTHER]
        with engine.connect() as connection:
            assert connection.execute(select(sends.c.webhook_id)).scalars().all() == [2]  # only the other's send
    finally:
        with engine.begin() as connection:
            for table in ("example_webhook_sends", "example_webhooks"):
                connection.execute(text(f'DROP TABLE IF EXISTS "{table}"'))


def test_coming_back_after_the_days_are_over_starts_empty_even_before_the_scheduler_ran(app_with):
    app = app_with(LEADBOT_KEEP_DATA_DAYS="7")
    new_lead(app, app.send, ALICE, "Acme")
    assert app.send.event({"type": "app_uninstalled"}).status == 200
    app.settle()
    assert rows_by_team(app.deps.db)[TEAM]["leads"] == 1
    _set(app, START + timedelta(days=8))  # no scheduler run since: the old data is still there
    assert "#1 Fresh Start" in new_lead(app, app.send, ALICE, "Fresh Start")
    run_once(app.deps, app.deps.clock.now())
    listed = command(app, "list all")
    assert "Fresh Start" in listed and "Acme" not in listed
