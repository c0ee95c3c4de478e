"""The HTTP entry point: only correctly signed, fresh requests from Slack get in."""

import json
import time
import urllib.request

from tests.conftest import ALICE


def test_a_signed_command_is_accepted(app):
    assert app.send.command("help", ALICE).status == 200


def test_an_unsigned_request_is_refused(app):
    assert app.send.command("list all", ALICE, sign=False).status == 401


def test_a_wrong_signature_is_refused(app):
    assert app.send.command("list all", ALICE, signature="v0=" + "0" * 64).status == 401


def test_a_request_older_than_five_minutes_is_refused(app):
    assert app.send.command("list all", ALICE, timestamp=int(time.time()) - 6 * 60).status == 401


def test_refused_requests_reach_no_listener(app):
    app.send.command("new Acme", ALICE, sign=False)
    time.sleep(0.3)
    assert app.slack.calls("views.open") == [] and app.slack.calls("response_url") == []


def test_health_check_reports_the_database(app):
    with urllib.request.urlopen(app.url + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read())["database"] == "reachable"
