"""Web API calls go over kept-alive connections, and a connection Slack closed or dropped changes nothing else."""

from __future__ import annotations

import os
from http.client import RemoteDisconnected

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler

from bot.slack_out import RETRY, SENT, make_web_client, post_message, posting_client
from bot.slack_transport import _POOL, PooledWebClient
from sandbox.slack_api import FakeSlack
from tests.conftest import ALICE, BOT_TOKEN, TEAM, add_test_team
from tests.support import open_new_lead_form

GENERAL = "C0GENERAL"


@pytest.fixture
def fake() -> FakeSlack:
    # A fake of its own: its connections are counted from the first.
    fake = add_test_team(FakeSlack(bot_token=BOT_TOKEN, team_id=TEAM))
    fake.add_channel(GENERAL, "general")
    fake.start()
    yield fake
    fake.stop()


def _plain(fake: FakeSlack) -> PooledWebClient:
    """A pooled client with no retry handler of slack_sdk's: what it does again, the transport did."""
    return PooledWebClient(token=fake.bot_token, base_url=fake.base_url, retry_handlers=[])


def test_calls_from_one_client_share_one_connection(fake):
    client = make_web_client(fake.bot_token, fake.base_url)
    for _ in range(3):
        assert client.auth_test()["team_id"] == TEAM
    client.chat_postMessage(channel=GENERAL, text="hello")
    assert fake.connections_opened == 1
    assert {call.connection for call in fake.calls()} == {1}


def test_clients_of_one_process_share_the_pool(fake):
    make_web_client(fake.bot_token, fake.base_url).auth_test()
    posting_client(make_web_client(fake.bot_token, fake.base_url)).chat_postMessage(channel=GENERAL, text="hi")
    assert fake.connections_opened == 1


def test_a_connection_the_server_closed_while_idle_is_replaced(fake):
    client = _plain(fake)
    client.auth_test()
    assert fake.drop_connections() == 1

    assert client.auth_test()["ok"]
    assert [call.connection for call in fake.calls("auth.test")] == [1, 2]  # sent once, on a new connection


def test_a_reused_connection_dropped_before_any_answer_is_tried_once_more_on_a_new_one(fake):
    client = _plain(fake)
    client.auth_test()
    fake.fail_next("auth.test", drop=True)  # looks open when taken from the pool, closes once the call is in

    assert client.auth_test()["ok"]
    calls = fake.calls("auth.test")
    assert [(call.connection, call.answered_error) for call in calls] == [(1, None), (1, "dropped"), (2, None)]


def test_a_call_dropped_on_a_new_connection_is_not_sent_again(fake):
    fake.fail_next("chat.postMessage", drop=True, accept=True)
    with pytest.raises(RemoteDisconnected):  # as urllib raises it: slack_sdk's connection retry handler knows it
        _plain(fake).chat_postMessage(channel=GENERAL, text="once")
    assert [call.connection for call in fake.calls("chat.postMessage")] == [1]
    assert [message["text"] for message in fake.messages(GENERAL)] == ["once"]


def test_a_scheduled_post_dropped_on_a_reused_connection_is_not_sent_again(fake):
    poster = posting_client(make_web_client(fake.bot_token, fake.base_url))
    assert post_message(poster, GENERAL, {"text": "first"}).outcome == SENT
    fake.fail_next("chat.postMessage", drop=True, accept=True)  # Slack posted it, the answer never came

    result = post_message(poster, GENERAL, {"text": "second"})

    assert (result.outcome, result.maybe_posted) == (RETRY, True)
    assert [call.connection for call in fake.calls("chat.postMessage")] == [1, 1]
    assert [message["text"] for message in fake.messages(GENERAL)] == ["first", "second"]


def test_a_429_is_waited_out_by_slack_sdk_on_the_same_connection(fake):
    client = PooledWebClient(
        token=fake.bot_token, base_url=fake.base_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]
    )
    fake.fail_next("chat.postMessage", status=429, retry_after=0)

    assert client.chat_postMessage(channel=GENERAL, text="later")["ok"]
    calls = fake.calls("chat.postMessage")
    assert [(call.answered_status, call.connection) for call in calls] == [(429, 1), (200, 1)]


def _failure(client: WebClient) -> tuple:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=GENERAL, text="x")
    response = raised.value.response
    return response.status_code, response.data, response.headers.get("Retry-After")


@pytest.mark.parametrize("status", [429, 500, 503])
def test_an_error_answer_reaches_slack_sdk_as_urllib_gave_it(fake, status):
    fake.fail_next("chat.postMessage", status=status, retry_after=7, times=2)
    urllib = WebClient(token=fake.bot_token, base_url=fake.base_url, retry_handlers=[])

    assert _failure(_plain(fake)) == _failure(urllib)
    assert [call.answered_status for call in fake.calls("chat.postMessage")] == [status, status]


def test_a_5xx_is_retried_by_slack_sdk_on_the_same_connection(fake):
    fake.fail_next("auth.test", status=503)
    retrying = PooledWebClient(
        token=fake.bot_token, base_url=fake.base_url, retry_handlers=[ServerErrorRetryHandler(max_retry_count=1)]
    )
    assert retrying.auth_test()["ok"]
    assert [(call.answered_status, call.connection) for call in fake.calls("auth.test")] == [(503, 1), (200, 1)]


def test_a_reused_connection_that_times_out_is_not_tried_again(fake):
    client = PooledWebClient(token=fake.bot_token, base_url=fake.base_url, timeout=1, retry_handlers=[])
    client.auth_test()
    fake.fail_next("chat.postMessage", hold=2, accept=True)  # Slack posts it, then answers too late

    with pytest.raises(TimeoutError):  # what urllib raises for a read timeout
        client.chat_postMessage(channel=GENERAL, text="slow")
    assert len(fake.calls("chat.postMessage")) == 1


def test_a_proxy_keeps_slack_sdks_own_transport(fake):
    # The fake answers a proxy's absolute request URLs too: it can stand in for the proxy.
    client = PooledWebClient(token=fake.bot_token, base_url=fake.base_url, proxy=fake.root_url, retry_handlers=[])
    client.auth_test()
    client.auth_test()
    calls = fake.calls("auth.test")
    assert [call.connection for call in calls] == [1, 2]
    assert {call.headers.get("connection") for call in calls} == {"close"}  # as urllib asks


def test_a_forked_child_opens_its_own_connection(fake):
    client = _plain(fake)
    client.auth_test()
    pid = os.fork()
    if pid == 0:  # the child: never back into pytest
        status = 1
        try:
            status = 0 if _POOL.idle_count() == 0 and client.auth_test()["ok"] else 2
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0

    client.auth_test()  # the parent still has its own
    assert [call.connection for call in fake.calls("auth.test")] == [1, 2, 1]


def test_bolt_gives_listeners_a_pooled_client(app):
    open_new_lead_form(app)
    app.settle()  # the fake saw views.open before answering it: the connection is back once the listener is done
    open_new_lead_form(app, user=ALICE)
    first, second = app.slack.calls("views.open")
    assert first.connection == second.connection

