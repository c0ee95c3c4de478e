"""`leadbot webhook add|list|test|remove` as an operator runs them, against a real receiver on loopback."""

from __future__ import annotations

import base64

import pytest

from bot.cli.main import main
from tests.conftest import BOT_TOKEN, TEAM
from tests.webhook_receiver import WebhookReceiver


@pytest.fixture
def leadbot(db, slack, tmp_path, monkeypatch, capsys):
    """Run `leadbot …` in this process, with the test database and the fake Slack; returns (code, out, err)."""
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    for name in ("SLACK_APP_TOKEN", "LEADBOT_ADMINS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "cli-test")
    monkeypatch.setenv("SLACK_API_URL", slack.base_url)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exit:  # argparse's own refusals
            code = exit.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def receiver():
    started = WebhookReceiver().start()
    yield started
    started.stop()


def test_add_prints_the_secret_alone_on_its_last_line_and_test_reaches_a_verifying_receiver(leadbot, receiver):
    code, out, _ = leadbot("webhook", "add", receiver.url, "--events", "lead.created,touch.logged")
    assert code == 0
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24
    assert secret not in out.strip().splitlines()[0]

    code, out, _ = leadbot("webhook", "list", "--team", TEAM)  # the token's workspace is the one it was added to
    assert code == 0 and receiver.url in out and "lead.created,touch.logged" in out and "\ton" in out
    assert secret not in out

    receiver.secret = secret
    code, out, _ = leadbot("webhook", "test", receiver.url)
    assert code == 0 and "answered HTTP 200" in out
    [event] = receiver.taken()
    assert event["type"] == "webhook.test" and receiver.unverified() == 0

    code, out, _ = leadbot("webhook", "remove", receiver.url)
    assert code == 0
    code, out, _ = leadbot("webhook", "list")
    assert receiver.url not in out and "no webhooks" in out


def test_test_says_what_a_failing_receiver_answered(leadbot, receiver):
    code, out, _ = leadbot("webhook", "add", receiver.url, "--team", TEAM)
    receiver.secret = "whsec_" + base64.b64encode(b"not the secret leadbot signs with").decode()
    code, out, _ = leadbot("webhook", "test", receiver.url, "--team", TEAM)
    assert code == 1 and "answered HTTP 401" in out  # the receiver could not verify it
    receiver.stop()
    code, out, _ = leadbot("webhook", "test", receiver.url, "--team", TEAM)
    assert code == 1 and "no answer" in out and "refused" in out.lower()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("ftp://files.example.com/in",), "not an http(s) URL"),
        (("https://",), "names no host"),
        (("https://hooks.example.com", "--events", "lead.created,lead.deleted"), "unknown event 'lead.deleted'"),
    ],
)
def test_add_refuses_other_schemes_and_unknown_events_with_one_line(leadbot, args, said):
    code, out, err = leadbot("webhook", "add", *args, "--team", TEAM)
    assert code == 2 and out == ""
    assert said in err and len(err.strip().splitlines()) == 1


def test_the_same_url_twice_is_refused_and_removing_an_unknown_one_says_so(leadbot, receiver):
    assert leadbot("webhook", "add", receiver.url, "--team", TEAM)[0] == 0
    code, _, err = leadbot("webhook", "add", receiver.url, "--team", TEAM)
    assert code == 1 and "registered already" in err
    code, _, err = leadbot("webhook", "remove", "https://nowhere.example.com/hook", "--team", TEAM)
    assert code == 1 and "has no webhook" in err
