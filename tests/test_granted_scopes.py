"""GrantedScopes: which scopes a workspace granted, from Slack's `x-oauth-scopes` header, asked sparingly."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from bot.errors import ScopeMissing
from bot.services.scopes import GrantedScopes, history_scope
from sandbox.slack_api import DEFAULT_SCOPES, FakeSlack


@pytest.fixture
def fake():
    with FakeSlack(team_id="T0001") as running:
        yield running


def _scopes(fake: FakeSlack, now: list[float]) -> GrantedScopes:
    client = WebClient(token=fake.bot_token, base_url=fake.base_url)
    return GrantedScopes(client_for=lambda team_id: client, remember=300, monotonic=lambda: now[0])


def test_the_grant_is_read_from_auth_test_and_remembered_a_few_minutes(fake):
    now = [0.0]
    scopes = _scopes(fake, now)
    fake.grant_scopes(DEFAULT_SCOPES - {"files:write"})
    assert scopes.granted("T0001") == DEFAULT_SCOPES - {"files:write"}
    assert not scopes.has("T0001", "files:write") and scopes.has("T0001", "chat:write")
    assert len(fake.calls("auth.test")) == 1
    fake.grant_scopes(DEFAULT_SCOPES)  # reinstalled with it
    now[0] = 299.0
    assert not scopes.has("T0001", "files:write")  # still what was asked
    now[0] = 301.0
    assert scopes.has("T0001", "files:write")  # asked again once the few minutes are up
    assert len(fake.calls("auth.test")) == 2


def test_a_missing_scope_answer_makes_it_ask_again_at_once(fake):
    now = [0.0]
    scopes = _scopes(fake, now)
    assert scopes.has("T0001", "files:write")
    fake.grant_scopes(DEFAULT_SCOPES - {"files:write"})
    scopes.saw_missing("T0001", "files:write")
    with pytest.raises(ScopeMissing) as missing:
        scopes.require("T0001", "files:write")
    assert missing.value.scope == "files:write" and missing.value.key == "scope.missing"


def test_when_slack_cannot_say_the_feature_goes_ahead_and_slack_answers_for_itself(fake):
    scopes = _scopes(fake, [0.0])
    fake.fail_next("auth.test", status=503)
    assert scopes.granted("T0001") is None
    assert scopes.has("T0001", "files:write")


def test_a_private_channel_needs_groups_history_and_a_public_one_channels_history():
    assert history_scope("G0PRIVATE") == "groups:history"
    assert history_scope("C0PUBLIC") == "channels:history"
