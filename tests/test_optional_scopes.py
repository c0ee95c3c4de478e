"""A workspace that left out an optional scope: each feature that needs it says so in one line, and nothing breaks."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.services.mail_senders import SlackMembers
from bot.services.scopes import GrantedScopes
from bot.slack_out import users_by_email_lookup
from bot.store.models import Rep
from sandbox.slack_api import DEFAULT_SCOPES
from tests.conftest import ADMIN, ALICE, BOT_TOKEN, GENERAL, START, TEAM, WANG
from tests.imap_server import imap_server  # noqa: F401 - the Dovecot fixture
from tests.mail_samples import make_mail
from tests.support import at, command, lead, text_of, tick
from tests.test_lead_import import HEADER, leadbot  # noqa: F401 - the fixture that runs `leadbot …`
from tests.test_mail_log import ALICE_MAIL, BUYER, _handled, _touches, mail_app, mailbox, run  # noqa: F401

INBOX, PRIVATE_INBOX, SHARED = "C0INBOX01", "G0PRIVATE", "C0ACMESHR"
MONDAY_NINE = "2026-12-07T09:00:00+00:00"
HOW = "api.slack.com/apps → leadbot → OAuth & Permissions"


def _without(app, *scopes: str) -> None:
    """The workspace installed leadbot without these scopes (leadbot has not asked Slack about this team yet)."""
    app.slack.grant_scopes(DEFAULT_SCOPES - set(scopes))


def _one_line_about(answer: str, scope: str) -> None:
    assert answer.count("\n") == 0, answer
    assert f"`{scope}`" in answer and HOW in answer and "reinstall leadbot" in answer


def test_inbound_on_in_a_public_channel_without_channels_history_says_how_to_grant_it(app):
    _without(app, "channels:history")
    app.slack.add_channel(INBOX, "enquiries")
    answer = command(app, "inbound on", channel=INBOX)
    _one_line_about(answer, "channels:history")
    assert "public channels" in answer
    app.settle()
    assert app.slack.messages(INBOX) == []  # no announcement: the channel is not an inbound channel
    assert "not an inbound channel" in command(app, "inbound", channel=INBOX)
    assert app.slack.last("auth.test").response["ok"]  # the grant was asked of Slack, not guessed


def test_inbound_on_in_a_private_channel_needs_groups_history_not_channels_history(app):
    _without(app, "groups:history")
    app.slack.add_channel(PRIVATE_INBOX, "vip-enquiries", is_private=True)
    _one_line_about(command(app, "inbound on", channel=PRIVATE_INBOX), "groups:history")
    app.slack.add_channel(INBOX, "enquiries")
    assert "now an inbound channel" in command(app, "inbound on", channel=INBOX)  # channels:history is there


def test_a_chinese_rep_reads_the_line_in_chinese(app):
    _without(app, "channels:history")
    app.slack.add_channel(INBOX, "enquiries")
    answer = command(app, "inbound on", user=WANG, channel=INBOX)
    _one_line_about(answer.replace("重新安装 leadbot", "reinstall leadbot"), "channels:history")
    assert "需要 `channels:history` 权限" in answer


def test_once_the_scope_is_granted_inbound_on_works_after_the_grant_is_asked_again(app):
    _without(app, "channels:history")
    app.slack.add_channel(INBOX, "enquiries")
    _one_line_about(command(app, "inbound on", channel=INBOX), "channels:history")
    asked = len(app.slack.calls("auth.test"))
    _one_line_about(command(app, "inbound on", channel=INBOX), "channels:history")
    assert len(app.slack.calls("auth.test")) == asked  # remembered a while, not asked on every command

    app.slack.grant_scopes(DEFAULT_SCOPES)  # an admin added the scope and reinstalled
    now = [1_000_000.0]
    app.deps.scopes.monotonic = lambda: now[0]
    app.deps.scopes.saw_missing(TEAM)  # as after a missing_scope answer, or once the few minutes are up
    assert "now an inbound channel" in command(app, "inbound on", channel=INBOX)


def test_an_inbound_channel_whose_scope_was_taken_away_says_so_when_asked_about(app):
    app.slack.add_channel(INBOX, "enquiries")
    assert "now an inbound channel" in command(app, "inbound on", channel=INBOX)
    _without(app, "channels:history")  # an admin reinstalled leadbot without it: no message arrives any more
    app.deps.scopes.saw_missing(TEAM)  # (or the few minutes are up)
    answer = command(app, "inbound", channel=INBOX)
    assert "is an inbound channel" in answer
    _one_line_about(answer.splitlines()[-1], "channels:history")


def test_linking_a_channel_without_channels_history_says_how_to_grant_it(app):
    _without(app, "channels:history")
    app.slack.add_channel(SHARED, "acme-shared")
    lead(app, "Acme")
    answer = command(app, "link 1", channel=SHARED)
    _one_line_about(answer, "channels:history")
    app.settle()
    assert app.slack.messages(SHARED) == []
    assert SHARED not in command(app, "show 1")


def _week_with_a_summary(app) -> None:
    lead(app, "Acme", claimed_potential="10000")
    command(app, "log 1 call spoke to Li")
    assert "come to <#C0GENERAL>" in command(app, "summary on", user=ADMIN, channel=GENERAL)


def _summary_thread(app) -> tuple[dict, list[dict]]:
    [summary] = [m for m in app.slack.messages(GENERAL) if "Team summary" in text_of(m)]
    thread = [m for m in app.slack.messages(GENERAL) if m.get("thread_ts") == summary["ts"]]
    return summary, thread


def test_without_files_write_the_weekly_summary_posts_with_the_line_where_the_chart_would_be(app):
    _week_with_a_summary(app)
    _without(app, "files:write")
    tick(app, MONDAY_NINE)
    summary, [line] = _summary_thread(app)
    _one_line_about(text_of(line), "files:write")
    assert "weekly chart" in text_of(line)
    assert app.slack.uploaded_files() == []
    assert app.slack.calls("files.getUploadURLExternal") == []  # checked before trying


def test_files_write_taken_away_since_it_was_asked_still_ends_in_the_line_and_is_asked_again(app):
    _week_with_a_summary(app)
    assert app.deps.scopes.has(TEAM, "files:write")  # remembered as granted...
    _without(app, "files:write")  # ...then an admin reinstalled without it
    tick(app, MONDAY_NINE)
    refused = app.slack.last("files.getUploadURLExternal")
    assert refused.response["error"] == "missing_scope" and refused.response["needed"] == "files:write"
    _summary, [line] = _summary_thread(app)
    _one_line_about(text_of(line), "files:write")
    assert not app.deps.scopes.has(TEAM, "files:write")  # asked again after Slack's refusal


def test_the_mail_log_matches_senders_from_its_own_reps_without_asking_slack_when_the_email_scope_is_missing(db, slack):
    slack.grant_scopes(DEFAULT_SCOPES - {"users:read.email"})
    client = WebClient(token=BOT_TOKEN, base_url=slack.base_url)
    scopes = GrantedScopes(client_for=lambda team_id: client)
    members = SlackMembers(
        db,
        users_by_email_lookup(lambda team_id: client),
        may_look_up=lambda team_id: scopes.has(team_id, "users:read.email"),
        scope_missing=scopes.saw_missing,
    )
    with db.uow() as uow:
        uow.session.add(Rep(team_id=TEAM, user_id=ALICE, email="alice@example.com", active=True, fetched_at=START))
        uow.commit()
    assert members.user_for(TEAM, "Alice@example.com") == ALICE  # leadbot's own table still answers
    assert members.user_for(TEAM, "bob@example.com") is None  # Slack is not asked: the lookup is skipped
    assert slack.calls("users.lookupByEmail") == [] and members.asked == 0

    slack.grant_scopes(DEFAULT_SCOPES)
    scopes.saw_missing(TEAM)
    assert members.user_for(TEAM, "carol@example.com") == "UCAROL01"  # granted: Slack is asked again


def test_a_lookup_refused_for_the_scope_is_skipped_quietly_and_the_grant_asked_again(db, slack, caplog):
    client = WebClient(token=BOT_TOKEN, base_url=slack.base_url)
    scopes = GrantedScopes(client_for=lambda team_id: client)
    members = SlackMembers(
        db,
        users_by_email_lookup(lambda team_id: client),
        may_look_up=lambda team_id: scopes.has(team_id, "users:read.email"),
        scope_missing=scopes.saw_missing,
    )
    assert scopes.has(TEAM, "users:read.email")
    slack.grant_scopes(DEFAULT_SCOPES - {"users:read.email"})  # taken away since it was asked
    assert members.user_for(TEAM, "bob@example.com") is None
    assert slack.last("users.lookupByEmail").response["error"] == "missing_scope"
    assert not any(record.exc_info for record in caplog.records)  # no traceback for a known refusal
    assert not scopes.has(TEAM, "users:read.email")


def test_without_the_email_scope_the_mail_log_reads_on_and_skips_asking_slack_who_sent_it(mail_app, mailbox):  # noqa: F811
    app = mail_app()
    _without(app, "users:read.email")
    lead(app, "Acme Oilfield", contact_email=BUYER)
    mailbox.put(
        make_mail(
            ALICE_MAIL,
            BUYER,
            "Coating proposal",
            "Dear Li Ming,\nthe proposal.\nAlice",
            sender_name="Alice Wang",
            date=at("2026-12-01T09:30:00+00:00"),
        )
    )
    run(app, "2026-12-01T10:00:00+00:00")
    assert len(_handled(app)) == 1  # read, and done with
    assert app.slack.calls("users.lookupByEmail") == []  # the lookup is skipped, not tried and refused
    assert [t for t in _touches(app) if t.source == "email"] == []  # Alice could not be told from a stranger

    app.slack.grant_scopes(DEFAULT_SCOPES)  # an admin added users:read.email and reinstalled
    app.deps.scopes.saw_missing(TEAM)  # (or the few minutes are up)
    mailbox.put(
        make_mail(
            ALICE_MAIL,
            BUYER,
            "Samples",
            "Dear Li Ming,\nsamples.\nAlice",
            sender_name="Alice Wang",
            date=at("2026-12-02T09:30:00+00:00"),
        )
    )
    run(app, "2026-12-02T10:00:00+00:00")
    assert [(t.kind, t.logged_by) for t in _touches(app) if t.source == "email"] == [("email", ALICE)]


def test_importing_owners_by_email_without_the_scope_says_so_and_changes_nothing(app, leadbot, tmp_path):  # noqa: F811
    _without(app, "users:read.email")
    path = tmp_path / "leads.csv"
    path.write_text(HEADER + "Acme Oilfield,Li Wei,Website,coating,alice@example.com,2026-11-20,,,,,,\n")
    ran = leadbot("import-leads", str(path))
    assert ran.code == 1
    [line] = ran.err.strip().splitlines()
    assert "`users:read.email`" in line and HOW in line and "Slack user ids (U…)" in line
    assert "nothing was changed" in line and "Traceback" not in ran.err
    assert "Acme Oilfield" not in command(app, "list all")
