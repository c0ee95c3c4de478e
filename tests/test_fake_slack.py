"""Checks that FakeSlack and SignedSlack behave like Slack, using the real slack_sdk and Bolt."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from sandbox.slack_api import FakeSlack, make_trigger_id, validate_blocks, validate_view
from sandbox.slack_requests import SignedSlack

SECRET = "test-signing-secret"


# -- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def fake():
    with FakeSlack() as f:
        f.add_user("U100", name="ann", real_name="Ann Lee", tz="Asia/Shanghai",
                   locale="zh-CN", email="ann@example.com")
        f.add_user("U200", name="bob", deleted=True)
        f.add_channel("C0GENERAL", "general")
        f.add_channel("COUT", "outside", bot_is_member=False)
        f.add_channel("COLD", "old", is_archived=True)
        yield f


@pytest.fixture
def client(fake):
    return WebClient(token=fake.bot_token, base_url=fake.base_url)


class _Recorder(BaseHTTPRequestHandler):
    """Stands in for the app: records each raw request and verifies it like Bolt does."""

    def log_message(self, format, *args):  # noqa: A002
        pass

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        headers = {k.lower(): v for k, v in self.headers.items()}
        valid = SignatureVerifier(SECRET).is_valid_request(body, headers)
        self.server.requests.append({"body": body, "headers": headers, "valid": valid})
        status = 200 if valid else 401
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def recorder():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def slack(fake, recorder):
    return SignedSlack(f"http://127.0.0.1:{recorder.server_address[1]}/slack/events", SECRET,
                       fake)


def _payload(request: dict) -> dict:
    return json.loads(parse_qs(request["body"].decode())["payload"][0])


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


# -- Web API basics ---------------------------------------------------------------------


def test_auth_test(client, fake):
    answer = client.auth_test()
    assert answer.data == {"ok": True, "url": "https://acme.slack.com/", "team": "Acme",
                           "user": "leadbot", "team_id": "T0001", "user_id": "UBOT",
                           "bot_id": "B0001", "is_enterprise_install": False}
    call = fake.last("auth.test")
    assert call.headers["authorization"] == "Bearer xoxb-test"


def test_users_info_is_a_get_and_locale_only_when_asked(client, fake):
    user = client.users_info(user="U100")["user"]
    assert "locale" not in user
    # slack_sdk 3.x's sync WebClient ignores http_verb="GET" and POSTs users.info as a form.
    call = fake.last("users.info")
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert call.params == {"user": "U100"}

    user = client.users_info(user="U100", include_locale=True)["user"]
    assert user["locale"] == "zh-CN"
    assert user["tz"] == "Asia/Shanghai" and user["tz_offset"] == 8 * 3600
    assert user["profile"]["email"] == "ann@example.com"
    assert {"id", "team_id", "name", "real_name", "deleted", "is_bot", "is_admin",
            "tz_label"} <= user.keys()

    with pytest.raises(SlackApiError) as err:
        client.users_info(user="U404")
    assert err.value.response["error"] == "user_not_found"

    # A plain GET, as in Slack's documentation, works too.
    request = urllib.request.Request(fake.base_url + "users.info?user=U100&include_locale=true",
                                     headers={"Authorization": "Bearer xoxb-test"})
    with urllib.request.urlopen(request) as response:
        assert json.load(response)["user"]["locale"] == "zh-CN"
    assert fake.last("users.info").http_method == "GET"


def test_auth_errors(fake):
    with pytest.raises(SlackApiError) as err:
        WebClient(token="xoxb-wrong", base_url=fake.base_url).auth_test()
    assert err.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as err:
        WebClient(base_url=fake.base_url).auth_test()
    assert err.value.response["error"] == "not_authed"
    fake.revoke_token()
    with pytest.raises(SlackApiError) as err:
        WebClient(token=fake.bot_token, base_url=fake.base_url).auth_test()
    assert err.value.response["error"] == "token_revoked"


def test_unknown_method(client):
    with pytest.raises(SlackApiError) as err:
        client.api_call("chat.teleport")
    assert err.value.response["error"] == "unknown_method"


def test_post_to_dm_by_user_id(client, fake):
    answer = client.chat_postMessage(channel="U100", text="hello", blocks=[_section("*hi*")])
    assert answer["channel"] == "D100"
    assert answer["message"]["text"] == "hello" and answer["message"]["bot_id"] == "B0001"
    assert fake.last("chat.postMessage").headers["content-type"].startswith("application/json")

    [posted] = fake.dms_to("U100")
    assert posted == fake.messages("U100")[0] == fake.message("D100", answer["ts"])
    assert posted["blocks"][0]["text"]["text"] == "*hi*"
    assert posted["blocks"][0]["block_id"]  # Slack fills in missing block ids

    second = client.chat_postMessage(channel="D100", text="again")
    assert float(second["ts"]) > float(answer["ts"])
    assert [m["text"] for m in fake.dms_to("U100")] == ["hello", "again"]
    client.chat_postMessage(channel="C0GENERAL", text="elsewhere")
    assert [m["text"] for m in fake.dms_to("U100", since=1)] == ["again"]  # what a test has not seen yet
    assert fake.dms_to("U100", since=2) == [] and len(fake.messages(since=1)) == 2

    copy = fake.dms_to("U100")[0]
    copy["blocks"][0]["text"]["text"] = "changed by a test"  # a copy: what the fake keeps stays as posted
    assert fake.dms_to("U100")[0]["blocks"][0]["text"]["text"] == "*hi*"


def test_form_encoded_post_decodes_json_fields(client, fake):
    client.api_call("chat.postMessage",
                    data={"channel": "C0GENERAL", "text": "x",
                          "blocks": json.dumps([{"type": "divider"}])})
    call = fake.last("chat.postMessage")
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert call.params["blocks"] == [{"type": "divider"}]


@pytest.mark.parametrize("channel, error", [
    ("COUT", "not_in_channel"),
    ("COLD", "is_archived"),
    ("C404", "channel_not_found"),
    ("U200", "user_disabled"),
    ("U404", "channel_not_found"),
])
def test_post_message_target_errors(client, channel, error):
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel=channel, text="hi")
    assert err.value.response.status_code == 200
    assert err.value.response["error"] == error


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_message_content_errors(client):
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C0GENERAL", text="")
    assert err.value.response["error"] == "no_text"
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C0GENERAL", text="x" * 40_001)
    assert err.value.response["error"] == "msg_too_long"


def test_conversations_open(client):
    assert client.conversations_open(users="U100")["channel"]["id"] == "D100"
    for users, error in [("U200", "user_disabled"), ("U404", "user_not_found"),
                         ("UBOT", "cannot_dm_bot")]:
        with pytest.raises(SlackApiError) as err:
            client.conversations_open(users=users)
        assert err.value.response["error"] == error


def test_update_keeps_history_and_permalink(client, fake):
    posted = client.chat_postMessage(channel="C0GENERAL", text="v1")
    updated = client.chat_update(channel="C0GENERAL", ts=posted["ts"], text="v2")
    assert updated["text"] == "v2" and updated["ts"] == posted["ts"]
    assert fake.message("C0GENERAL", posted["ts"])["text"] == "v2"
    assert [m["text"] for m in fake.edits("C0GENERAL", posted["ts"])] == ["v1"]
    with pytest.raises(SlackApiError) as err:
        client.chat_update(channel="C0GENERAL", ts="1.000001", text="x")
    assert err.value.response["error"] == "message_not_found"

    link = client.chat_getPermalink(channel="C0GENERAL", message_ts=posted["ts"])["permalink"]
    assert link == f"https://acme.slack.com/archives/C0GENERAL/p{posted['ts'].replace('.', '')}"


def test_ephemeral(client, fake):
    answer = client.chat_postEphemeral(channel="C0GENERAL", user="U100", text="psst")
    [eph] = fake.ephemerals("U100")
    assert eph["ts"] == answer["message_ts"] and eph["text"] == "psst"
    assert fake.messages("C0GENERAL") == []


# -- faults -----------------------------------------------------------------------------


def test_429_is_retried_by_rate_limit_handler(fake):
    client = WebClient(token=fake.bot_token, base_url=fake.base_url,
                       retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    answer = client.chat_postMessage(channel="C0GENERAL", text="eventually")
    assert answer["ok"] and time.monotonic() - started >= 1
    first, second = fake.calls("chat.postMessage")
    assert (first.answered_status, first.answered_error) == (429, "ratelimited")
    assert second.ok
    assert len(fake.messages("C0GENERAL")) == 1


def test_429_without_retry_handler_shows_retry_after(client, fake):
    fake.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C0GENERAL", text="x")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "7"
    assert err.value.response["error"] == "ratelimited"


def test_injected_errors_and_500(client, fake):
    fake.fail_next("users.info", error="user_disabled", times=2)
    fake.fail_next("users.info", status=500)
    for _ in range(2):
        with pytest.raises(SlackApiError) as err:
            client.users_info(user="U100")
        assert err.value.response.status_code == 200
        assert err.value.response["error"] == "user_disabled"
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="U100")
    assert err.value.response.status_code == 500
    assert client.users_info(user="U100")["ok"]
    assert [c.answered_status for c in fake.calls("users.info")] == [200, 200, 500, 200]


def test_enforced_rate_limit(fake, client):
    fake.enforce_rate_limits = True
    for _ in range(3):  # the burst
        client.chat_postMessage(channel="C0GENERAL", text="x")
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C0GENERAL", text="x")
    assert err.value.response.status_code == 429
    assert int(err.value.response.headers["Retry-After"]) >= 1
    client.chat_postMessage(channel="U100", text="other channels have their own budget")


def test_wait_for_sees_background_calls_and_explains_timeouts(fake, client):
    threading.Timer(0.1, lambda: client.chat_postMessage(channel="U100", text="later")).start()
    [call] = fake.wait_for("chat.postMessage", where=lambda c: c.params["text"] == "later")
    assert call.params["channel"] == "U100"
    with pytest.raises(AssertionError, match=r"chat\.postMessage -> ok"):
        fake.wait_for("chat.postMessage", count=2, timeout=0.2)


# -- Block Kit validation ---------------------------------------------------------------


def test_invalid_blocks_51_blocks(client):
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C0GENERAL", text="x", blocks=[{"type": "divider"}] * 51)
    assert err.value.response["error"] == "invalid_blocks"
    assert err.value.response["response_metadata"]["messages"] == [
        "[ERROR] must contain at most 50 items [json-pointer:/blocks]"]


def test_invalid_blocks_long_section(client):
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C0GENERAL", text="x", blocks=[_section("a" * 3001)])
    assert err.value.response["error"] == "invalid_blocks"
    assert "[json-pointer:/blocks/0/text/text]" in err.value.response["response_metadata"][
        "messages"][0]
    client.chat_postMessage(channel="C0GENERAL", text="x", blocks=[_section("a" * 3000)])


def test_invalid_blocks_long_button_text(client):
    button = {"type": "button", "action_id": "a",
              "text": {"type": "plain_text", "text": "b" * 76}}
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C0GENERAL", text="x",
                                blocks=[{"type": "actions", "elements": [button]}])
    assert err.value.response["error"] == "invalid_blocks"
    assert "/blocks/0/elements/0/text/text" in err.value.response["response_metadata"][
        "messages"][0]


def test_validate_blocks_rules():
    option = {"text": {"type": "plain_text", "text": "A"}, "value": "a"}
    good = [
        {"type": "header", "text": {"type": "plain_text", "text": "Lead"}},
        {"type": "actions", "block_id": "lead-1", "elements": [
            {"type": "button", "action_id": "claim", "value": "1",
             "text": {"type": "plain_text", "text": "Claim"}},
            {"type": "static_select", "action_id": "owner", "options": [option],
             "initial_option": option},
        ]},
        # Buttons for different leads share an action_id across blocks: allowed.
        {"type": "actions", "block_id": "lead-2", "elements": [
            {"type": "button", "action_id": "claim", "value": "2",
             "text": {"type": "plain_text", "text": "Claim"}}]},
    ]
    assert validate_blocks(good, "message") == []
    assert validate_blocks([{"type": "divider"}] * 100, "modal") == []
    bad = [
        {"type": "header", "text": {"type": "mrkdwn", "text": "x"}},
        {"type": "section"},
        {"type": "mystery"},
        {"type": "divider", "block_id": "dup"}, {"type": "divider", "block_id": "dup"},
        {"type": "datepicker"},
        {"type": "actions", "elements": [
            {"type": "static_select", "action_id": "s", "options": [option],
             "initial_option": {"text": {"type": "plain_text", "text": "Z"}, "value": "z"}}]},
        {"type": "input", "label": {"type": "plain_text", "text": "When"},
         "element": {"type": "datepicker", "initial_date": "2024-13-01"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * 11},
    ]
    problems = validate_blocks(bad, "message")
    for expected in ["/blocks/0/text/type", "/blocks/1]", "/blocks/2/type", "/blocks/4/block_id",
                     "/blocks/5/type", "/blocks/6/elements/0/initial_option",
                     "/blocks/7/element/initial_date", "/blocks/8/elements]"]:
        assert any(expected in p for p in problems), (expected, problems)


def test_validate_view_modal_title():
    view = {"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}, "blocks": []}
    assert validate_view(view) == [
        "must be less than 25 characters [json-pointer:/view/title/text]"]
    view["title"]["text"] = "x" * 24
    assert validate_view(view) == []
    view["blocks"] = [{"type": "input", "label": {"type": "plain_text", "text": "L"},
                       "element": {"type": "plain_text_input", "action_id": "a"}}]
    assert any("/view/submit" in p for p in validate_view(view))
    assert any("/view/title" in p for p in validate_view(
        {"type": "home", "title": {"type": "plain_text", "text": "t"}, "blocks": []}))


# -- views ------------------------------------------------------------------------------


def _modal(**extra) -> dict:
    return {"type": "modal", "callback_id": "new_lead",
            "title": {"type": "plain_text", "text": "New lead"},
            "submit": {"type": "plain_text", "text": "Save"},
            "blocks": [{"type": "input", "block_id": "company",
                        "label": {"type": "plain_text", "text": "Company"},
                        "element": {"type": "plain_text_input", "action_id": "value"}}],
            **extra}


def test_views_open_full_shape_and_trigger_rules(client, fake):
    trigger = make_trigger_id()
    view = client.views_open(trigger_id=trigger, view=_modal())["view"]
    assert view["id"].startswith("V") and view["root_view_id"] == view["id"]
    assert view["previous_view_id"] is None and view["state"] == {"values": {}}
    assert view["private_metadata"] == "" and view["external_id"] == ""
    assert view["team_id"] == "T0001" and view["bot_id"] == "B0001" and view["hash"]
    assert fake.open_views() == [view] == [fake.view(view["id"])]

    for trigger_id, error in [(trigger, "exchanged_trigger_id"),
                              (make_trigger_id(issued_at=time.time() - 4), "expired_trigger_id"),
                              ("not-a-trigger", "invalid_trigger_id")]:
        with pytest.raises(SlackApiError) as err:
            client.views_open(trigger_id=trigger_id, view=_modal())
        assert err.value.response["error"] == error


def test_views_open_invalid_view(client):
    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id=make_trigger_id(),
                          view=_modal(title={"type": "plain_text", "text": "t" * 25}))
    assert err.value.response["error"] == "invalid_arguments"
    assert err.value.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"]


def test_views_update_hash_and_publish(client, fake):
    view = client.views_open(trigger_id=make_trigger_id(), view=_modal())["view"]
    with pytest.raises(SlackApiError) as err:
        client.views_update(view_id=view["id"], hash="stale", view=_modal())
    assert err.value.response["error"] == "hash_conflict"
    updated = client.views_update(view_id=view["id"], hash=view["hash"],
                                  view=_modal(private_metadata="42"))["view"]
    assert updated["id"] == view["id"] and updated["private_metadata"] == "42"
    with pytest.raises(SlackApiError) as err:
        client.views_update(view_id="VNOPE", view=_modal())
    assert err.value.response["error"] == "not_found"

    home = {"type": "home", "blocks": [_section("Your leads")]}
    first = client.views_publish(user_id="U100", view=home)["view"]
    again = client.views_publish(user_id="U100", view=home, hash=first["hash"])["view"]
    assert again["id"] == first["id"] == fake.home_view("U100")["id"]


def test_ids_slack_fills_in_leave_the_recorded_request_and_earlier_answers_as_they_were(client, fake):
    """The fake shares a view's parts between what it keeps, what it answers and what it records, without copies."""
    sent = _modal(blocks=[
        {"type": "section", "text": {"type": "mrkdwn", "text": "Hi"},
         "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "value": "1"}},
        {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "A"}}]},
        {"type": "input", "label": {"type": "plain_text", "text": "Company"},
         "element": {"type": "plain_text_input", "action_id": "company"}},
    ])
    opened = client.views_open(trigger_id=make_trigger_id(), view=sent)["view"]
    section, actions, field = opened["blocks"]
    assert section["block_id"] and actions["block_id"] and field["block_id"]
    assert section["accessory"]["action_id"] and actions["elements"][0]["action_id"]
    assert field["element"]["action_id"] == "company"  # one the app chose stays

    call = fake.wait_for("views.open")[-1]
    assert call.params["view"]["blocks"] == sent["blocks"]  # the request as the app sent it, no ids added
    assert call.response["view"] == opened == fake.view(opened["id"])

    client.views_update(view_id=opened["id"], view=_modal(private_metadata="changed"))
    assert call.response["view"] == opened  # the earlier answer is what was answered then
    call.response["view"]["blocks"].clear()  # and a test that changes what it reads changes only its copy
    assert call.response["view"] == opened


# -- files and response URLs ------------------------------------------------------------


def test_files_upload_v2_round_trip(client, fake):
    answer = client.files_upload_v2(channel="C0GENERAL", content=b"\x89PNG...",
                                    filename="chart.png", title="Pipeline")
    assert answer["file"]["name"] == "chart.png"
    [(file_id, filename, content, channel, *_)] = fake.uploaded_files()
    assert (file_id, filename, content, channel) == (answer["file"]["id"], "chart.png",
                                                     b"\x89PNG...", "C0GENERAL")
    assert [c.method for c in fake.calls()] == ["files.getUploadURLExternal", "upload",
                                                "files.completeUploadExternal"]

    with pytest.raises(SlackApiError) as err:
        client.files_completeUploadExternal(files=[{"id": "FNEVER", "title": "x"}],
                                            channel_id="C0GENERAL")
    assert err.value.response["error"] == "file_not_found"


def test_response_url_takes_five_posts(fake):
    url = fake.response_url(channel_id="C0GENERAL", user_id="U100")
    statuses = []
    for i in range(6):
        request = urllib.request.Request(url, data=json.dumps({"text": f"#{i}"}).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request) as response:
                statuses.append((response.status, json.load(response)))
        except urllib.error.HTTPError as exc:
            statuses.append((exc.code, json.load(exc)))
    assert statuses[:5] == [(200, {"ok": True})] * 5
    assert statuses[5] == (404, {"ok": False, "error": "used_url"})
    assert len(fake.calls("response_url")) == 6
    assert [p["text"] for p in fake.response_url_posts(url)] == [f"#{i}" for i in range(5)]
    assert len(fake.ephemerals("U100")) == 5  # ephemeral is the default response_type


# -- SignedSlack ------------------------------------------------------------------------


def test_signature_verifies_and_can_be_broken(slack, recorder):
    reply = slack.command("acme corp", user_id="U100")
    assert reply.status == 200 and reply.json() is None
    request = recorder.requests[-1]
    assert request["valid"]
    assert request["body"] == reply.request_body
    fields = {k: v[0] for k, v in parse_qs(request["body"].decode(),
                                           keep_blank_values=True).items()}
    assert fields["command"] == "/lead" and fields["text"] == "acme corp"
    assert fields["user_name"] == "ann" and fields["channel_name"] == "general"
    assert fields["is_enterprise_install"] == "false"
    assert fields["response_url"].startswith(slack.fake.root_url + "/response/")
    assert {"token", "team_id", "team_domain", "channel_id", "api_app_id",
            "trigger_id"} <= fields.keys()

    assert slack.command("x", "U100", timestamp=int(time.time()) - 600).status == 401
    assert slack.command("x", "U100", signature="v0=" + "0" * 64).status == 401
    assert slack.command("x", "U100", sign=False).status == 401
    slack.event({"type": "app_mention"}, retry_num=1, retry_reason="http_timeout")
    assert recorder.requests[-1]["headers"]["x-slack-retry-num"] == "1"
    assert recorder.requests[-1]["headers"]["x-slack-retry-reason"] == "http_timeout"


def test_event_envelope(slack, recorder):
    reply = slack.app_home_opened("U100")
    envelope = json.loads(recorder.requests[-1]["body"])
    assert envelope == reply.sent
    assert envelope["type"] == "event_callback" and envelope["event_id"].startswith("Ev")
    assert envelope["authorizations"][0]["user_id"] == "UBOT"
    assert envelope["event"]["channel"] == "D100" and envelope["event"]["tab"] == "home"
    assert recorder.requests[-1]["headers"]["content-type"] == "application/json"


def _full_modal() -> dict:
    option = lambda v: {"text": {"type": "plain_text", "text": v.title()}, "value": v}  # noqa: E731
    return {
        "type": "modal", "callback_id": "lead", "private_metadata": "lead-7",
        "title": {"type": "plain_text", "text": "Lead"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": [
            {"type": "input", "block_id": "name", "label": {"type": "plain_text", "text": "N"},
             "element": {"type": "plain_text_input", "action_id": "v"}},
            {"type": "input", "block_id": "note", "optional": True,
             "label": {"type": "plain_text", "text": "Note"},
             "element": {"type": "plain_text_input", "action_id": "v", "multiline": True}},
            {"type": "input", "block_id": "email", "optional": True,
             "label": {"type": "plain_text", "text": "E"},
             "element": {"type": "email_text_input", "action_id": "v"}},
            {"type": "input", "block_id": "size", "label": {"type": "plain_text", "text": "S"},
             "element": {"type": "number_input", "action_id": "v", "is_decimal_allowed": False}},
            {"type": "input", "block_id": "stage", "label": {"type": "plain_text", "text": "St"},
             "element": {"type": "static_select", "action_id": "v",
                         "options": [option("new"), option("won")]}},
            {"type": "input", "block_id": "tags", "optional": True,
             "label": {"type": "plain_text", "text": "T"},
             "element": {"type": "checkboxes", "action_id": "v",
                         "options": [option("hot"), option("cold")]}},
            {"type": "input", "block_id": "owner", "label": {"type": "plain_text", "text": "O"},
             "element": {"type": "users_select", "action_id": "v"}},
            {"type": "input", "block_id": "due", "label": {"type": "plain_text", "text": "D"},
             "element": {"type": "datepicker", "action_id": "v", "initial_date": "2025-01-31"}},
            {"type": "input", "block_id": "at", "optional": True,
             "label": {"type": "plain_text", "text": "At"},
             "element": {"type": "timepicker", "action_id": "v"}},
            {"type": "input", "block_id": "chan", "optional": True,
             "label": {"type": "plain_text", "text": "C"},
             "element": {"type": "channels_select", "action_id": "v"}},
            {"type": "input", "block_id": "conv", "optional": True,
             "label": {"type": "plain_text", "text": "C"},
             "element": {"type": "conversations_select", "action_id": "v"}},
        ],
    }


def test_submit_view_state_shapes(slack, fake, client, recorder):
    view = client.views_open(trigger_id=make_trigger_id(), view=_full_modal())["view"]
    slack.submit_view("U100", view, {"name": "Acme", "size": 12, "stage": "won",
                                     "tags": ["hot"], "owner": "U100", "at": "09:30"})
    payload = _payload(recorder.requests[-1])
    assert payload["type"] == "view_submission" and payload["response_urls"] == []
    assert payload["view"]["private_metadata"] == "lead-7"
    assert {"id", "team_id", "type", "blocks", "private_metadata", "callback_id", "state",
            "hash", "title", "close", "submit", "previous_view_id", "root_view_id", "app_id",
            "external_id", "bot_id"} <= payload["view"].keys()
    assert payload["view"]["state"]["values"] == {
        "name": {"v": {"type": "plain_text_input", "value": "Acme"}},
        "note": {"v": {"type": "plain_text_input", "value": None}},
        "email": {"v": {"type": "email_text_input", "value": None}},
        "size": {"v": {"type": "number_input", "value": "12"}},
        "stage": {"v": {"type": "static_select", "selected_option": {
            "text": {"type": "plain_text", "text": "Won"}, "value": "won"}}},
        "tags": {"v": {"type": "checkboxes", "selected_options": [
            {"text": {"type": "plain_text", "text": "Hot"}, "value": "hot"}]}},
        "owner": {"v": {"type": "users_select", "selected_user": "U100"}},
        "due": {"v": {"type": "datepicker", "selected_date": "2025-01-31"}},
        "at": {"v": {"type": "timepicker", "selected_time": "09:30"}},
        "chan": {"v": {"type": "channels_select", "selected_channel": None}},
        "conv": {"v": {"type": "conversations_select", "selected_conversation": None}},
    }
    assert fake.open_views() == []  # the recorder's empty 200 closed the modal

    view = client.views_open(trigger_id=make_trigger_id(), view=_full_modal())["view"]
    with pytest.raises(AssertionError, match="no option with value 'lost'"):
        slack.submit_view("U100", view, {"name": "A", "size": 1, "stage": "lost",
                                         "owner": "U1"})
    with pytest.raises(AssertionError, match="'owner' is required"):
        slack.submit_view("U100", view, {"name": "A", "size": 1, "stage": "new"})
    with pytest.raises(AssertionError, match="no input blocks"):
        slack.submit_view("U100", view, {"nmae": "A"})


def test_click_builds_slack_actions(slack, fake, client, recorder):
    option = {"text": {"type": "plain_text", "text": "Later"}, "value": "1d"}
    blocks = [{"type": "actions", "block_id": f"lead-{n}", "elements": [
        {"type": "button", "action_id": "claim", "value": str(n), "style": "primary",
         "text": {"type": "plain_text", "text": "Claim"}},
        {"type": "overflow", "action_id": "snooze", "options": [option]},
    ]} for n in (1, 2)]
    client.chat_postMessage(channel="U100", text="two leads", blocks=blocks)
    [message] = fake.dms_to("U100")

    slack.click("U100", message, "claim", value="2")
    payload = _payload(recorder.requests[-1])
    [action] = payload["actions"]
    assert {k: v for k, v in action.items() if k != "action_ts"} == {
        "type": "button", "action_id": "claim", "block_id": "lead-2", "value": "2",
        "style": "primary", "text": {"type": "plain_text", "text": "Claim"}}
    assert payload["container"] == {"type": "message", "message_ts": message["ts"],
                                    "channel_id": "D100", "is_ephemeral": False}
    assert payload["channel"] == {"id": "D100", "name": "directmessage"}
    assert payload["message"]["ts"] == message["ts"] and "channel" not in payload["message"]
    assert payload["user"]["id"] == "U100" and payload["team"] == {"id": "T0001",
                                                                    "domain": "acme"}

    slack.click("U100", message, "snooze", block_id="lead-1", selected_option="1d")
    assert _payload(recorder.requests[-1])["actions"][0]["selected_option"] == option

    with pytest.raises(AssertionError, match="2 elements"):
        slack.click("U100", message, "claim")
    with pytest.raises(AssertionError, match="available"):
        slack.click("U100", message, "nope")


def test_message_action_payload(slack, fake, client, recorder):
    posted = client.chat_postMessage(channel="C0GENERAL", text="Acme wants 40 seats")
    slack.message_action("U100", fake.message("C0GENERAL", posted["ts"]),
                         callback_id="make_lead")
    payload = _payload(recorder.requests[-1])
    assert payload["type"] == "message_action" and payload["callback_id"] == "make_lead"
    assert payload["message_ts"] == posted["ts"] and payload["message"]["type"] == "message"
    assert payload["channel"] == {"id": "C0GENERAL", "name": "general"}
    assert payload["trigger_id"] and payload["response_url"]


# -- the real Bolt App, driven end to end over HTTP -------------------------------------


@pytest.fixture
def bolt_app(fake):
    app = App(signing_secret=SECRET,
              client=WebClient(token=fake.bot_token, base_url=fake.base_url))

    class BoltHandler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002
            pass

        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            headers = {k.lower(): [v] for k, v in self.headers.items()}
            response = app.dispatch(BoltRequest(body=body, headers=headers))
            data = response.body.encode()
            self.send_response(response.status)
            for name, values in response.headers.items():
                for value in values:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), BoltHandler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield app, f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    server.shutdown()
    server.server_close()


def test_bolt_understands_every_request(bolt_app, fake):
    app, url = bolt_app
    slack = SignedSlack(url, SECRET, fake)
    assert fake.calls("auth.test")  # Bolt checked the token against the fake

    @app.command("/lead")
    def open_form(ack, body, client):
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=_modal())

    @app.view("new_lead")
    def save(ack, view, body, client):
        company = view["state"]["values"]["company"]["value"]["value"]
        if company == "bad":
            ack(response_action="errors", errors={"company": "Nope"})
            return
        ack()
        client.chat_postMessage(channel=body["user"]["id"], text=f"Saved {company}", blocks=[
            {"type": "actions", "block_id": "lead-1", "elements": [
                {"type": "button", "action_id": "claim", "value": "1",
                 "text": {"type": "plain_text", "text": "Claim"}}]}])

    @app.action("claim")
    def claim(ack, action, respond):
        ack()
        respond(text=f"Claimed lead {action['value']}", replace_original=True)

    @app.event("app_home_opened")
    def home(event, client):
        client.views_publish(user_id=event["user"],
                             view={"type": "home", "blocks": [_section("Hi")]})

    assert slack.url_verification("abc").json() == {"challenge": "abc"}
    assert slack.command("", "U100").status == 200
    [opened] = fake.wait_for("views.open")
    view = opened.response["view"]
    assert fake.view_user(view["id"]) == "U100"

    reply = slack.submit_view("U100", view, {"company": "bad"})
    assert reply.json() == {"response_action": "errors", "errors": {"company": "Nope"}}
    assert [v["id"] for v in fake.open_views("U100")] == [view["id"]]

    assert slack.submit_view("U100", view, {"company": "Acme"}).status == 200
    assert fake.open_views() == []
    fake.wait_for("chat.postMessage")
    [message] = fake.dms_to("U100")
    assert message["text"] == "Saved Acme"

    assert slack.click("U100", message, "claim").status == 200
    fake.wait_for("response_url")
    assert fake.dms_to("U100")[0]["text"] == "Claimed lead 1"

    assert slack.app_home_opened("U100").status == 200
    fake.wait_for("views.publish")
    assert fake.home_view("U100")["blocks"][0]["text"]["text"] == "Hi"

    assert slack.command("", "U100", timestamp=int(time.time()) - 301).status == 401


# -- message metadata and history -------------------------------------------------------------


def _delivery(n: int) -> dict:
    return {"event_type": "leadbot_delivery", "event_payload": {"id": n}}


def test_history_is_newest_first_with_metadata_only_when_asked_and_pages_by_cursor(fake, client):
    posted = [client.chat_postMessage(channel="U100", text=f"m{n}", metadata=_delivery(n))["ts"] for n in range(5)]
    fake.add_message("C0GENERAL", "elsewhere", user="U100")
    dm = client.conversations_open(users="U100")["channel"]["id"]
    first = client.conversations_history(channel=dm, limit=2, include_all_metadata=True)
    assert [m["text"] for m in first["messages"]] == ["m4", "m3"]
    assert first["messages"][0]["metadata"] == _delivery(4) and first["has_more"] is True
    rest = client.conversations_history(
        channel=dm, limit=10, include_all_metadata=True, cursor=first["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in rest["messages"]] == ["m2", "m1", "m0"]
    assert rest["has_more"] is False and rest["response_metadata"]["next_cursor"] == ""
    plain = client.conversations_history(channel=dm)
    assert all("metadata" not in m for m in plain["messages"])
    # oldest/latest are exclusive unless inclusive is set.
    window = client.conversations_history(channel=dm, oldest=posted[1], latest=posted[3])
    assert [m["text"] for m in window["messages"]] == ["m2"]
    both = client.conversations_history(channel=dm, oldest=posted[1], latest=posted[3], inclusive=True)
    assert [m["text"] for m in both["messages"]] == ["m3", "m2", "m1"]


def test_history_refuses_a_user_id_a_missing_scope_and_a_channel_the_bot_is_not_in(fake, client):
    client.chat_postMessage(channel="U100", text="hi")
    with pytest.raises(SlackApiError) as user_id:
        client.conversations_history(channel="U100")
    assert user_id.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as outside:
        client.conversations_history(channel="COUT")
    assert outside.value.response["error"] == "not_in_channel"
    fake.scopes.discard("im:history")
    with pytest.raises(SlackApiError) as no_scope:
        client.conversations_history(channel=fake.dm_channel_id("U100"))
    assert no_scope.value.response["error"] == "missing_scope"
    assert no_scope.value.response["needed"] == "im:history"
    assert "im:history" not in no_scope.value.response.headers["x-oauth-scopes"]
    assert client.conversations_history(channel="C0GENERAL")["ok"]  # channels:history is still granted


def test_every_answer_carries_the_granted_scopes_and_a_method_without_its_scope_is_refused(fake, client):
    granted = client.auth_test()
    assert set(granted.headers["x-oauth-scopes"].split(",")) == set(fake.scopes)
    fake.grant_scopes({"commands", "chat:write", "users:read"})
    with pytest.raises(SlackApiError) as refused:
        client.users_lookupByEmail(email="ann@example.com")
    # Slack's own shape: ok false, the scope needed, the token's scopes comma-separated; nothing else done.
    assert refused.value.response.data == {
        "ok": False, "error": "missing_scope", "needed": "users:read.email",
        "provided": "chat:write,commands,users:read",
    }
    assert refused.value.response.headers["x-oauth-scopes"] == "chat:write,commands,users:read"
    with pytest.raises(SlackApiError) as no_files:
        client.files_upload_v2(channel="C0GENERAL", content=b"png", filename="chart.png")
    assert no_files.value.response["needed"] == "files:write" and fake.uploaded_files() == []
    with pytest.raises(SlackApiError) as no_dm:
        client.conversations_open(users="U100")
    assert no_dm.value.response["needed"] == "im:write"
    assert client.chat_getPermalink(channel="C0GENERAL", message_ts=client.chat_postMessage(
        channel="C0GENERAL", text="hi")["ts"])["ok"]  # no scope needed
    # users.info answers, but shows an address only to a token with users:read.email.
    assert "email" not in client.users_info(user="U100")["user"]["profile"]
    fake.grant_scopes({"users:read", "users:read.email"})
    assert client.users_info(user="U100")["user"]["profile"]["email"] == "ann@example.com"


def test_history_as_slack_limits_commercial_apps_outside_the_marketplace(fake):
    fake.limit_history(per_minute=1, max_limit=15)
    plain = WebClient(token=fake.bot_token, base_url=fake.base_url, retry_handlers=[])
    for n in range(20):
        plain.chat_postMessage(channel="U100", text=f"m{n}")
    page = plain.conversations_history(channel=fake.dm_channel_id("U100"), limit=100)
    assert len(page["messages"]) == 15 and page["has_more"] is True
    with pytest.raises(SlackApiError) as limited:
        plain.conversations_history(channel=fake.dm_channel_id("U100"))
    assert limited.value.response.status_code == 429 and int(limited.value.response.headers["Retry-After"]) > 1


def test_a_thread_reads_parent_first_then_replies_in_order(fake, client):
    parent = fake.add_message("C0GENERAL", "an enquiry", user="U100")
    for n in range(3):
        client.chat_postMessage(channel="C0GENERAL", thread_ts=parent["ts"], text=f"r{n}", metadata=_delivery(n))
    thread = client.conversations_replies(channel="C0GENERAL", ts=parent["ts"], include_all_metadata=True)
    assert [m["text"] for m in thread["messages"]] == ["an enquiry", "r0", "r1", "r2"]
    assert thread["messages"][1]["metadata"] == _delivery(0)
    # Replies stay out of the channel's history.
    assert [m["text"] for m in client.conversations_history(channel="C0GENERAL")["messages"]] == ["an enquiry"]


def test_a_post_slack_took_whose_answer_was_lost_is_in_the_history(fake):
    plain = WebClient(token=fake.bot_token, base_url=fake.base_url, retry_handlers=[])
    fake.fail_next("chat.postMessage", status=500, accept=True)
    with pytest.raises(SlackApiError):
        plain.chat_postMessage(channel="U100", text="kept", metadata=_delivery(7))
    [message] = fake.dms_to("U100")
    assert message["text"] == "kept" and message["metadata"] == _delivery(7)
    with pytest.raises(SlackApiError) as bad:
        plain.chat_postMessage(channel="U100", text="x", metadata={"event_payload": {}})
    assert bad.value.response["error"] == "invalid_metadata_format"


def _post(connection, method: str, token: str = "xoxb-test") -> tuple[int, dict | str]:
    connection.request("POST", f"/api/{method}", b"", {"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    body = response.read().decode()
    return response.status, json.loads(body) if response.headers.get_content_type() == "application/json" else body


def test_connections_are_kept_alive_as_slack_keeps_them(fake):
    connection = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
    assert _post(connection, "auth.test")[1]["ok"]
    assert _post(connection, "no.such")[1]["error"] == "unknown_method"
    fake.fail_next("auth.test", status=500)  # an error answer carries its length too
    assert _post(connection, "auth.test") == (500, "Internal Server Error")
    assert _post(connection, "auth.test")[1]["ok"]
    assert fake.connections_opened == 1 and {call.connection for call in fake.calls()} == {1}
    # A client asking for the connection to close gets it closed, as urllib does.
    urllib.request.urlopen(urllib.request.Request(fake.base_url + "api.test", data=b"")).read()
    assert fake.connections_opened == 2
    connection.close()


def test_a_dropped_call_is_done_but_never_answered(fake):
    connection = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
    fake.fail_next("chat.postMessage", drop=True, accept=True)
    connection.request("POST", "/api/chat.postMessage", json.dumps({"channel": "C0GENERAL", "text": "hi"}),
                       {"Authorization": "Bearer xoxb-test", "Content-Type": "application/json"})
    with pytest.raises(http.client.RemoteDisconnected):
        connection.getresponse()
    assert fake.last("chat.postMessage").answered_error == "dropped"
    assert [m["text"] for m in fake.messages("C0GENERAL")] == ["hi"]


def test_stop_closes_the_connections_clients_keep(fake):
    connection = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
    _post(connection, "auth.test")
    assert fake.open_connections() == 1
    assert fake.drop_connections() == 1
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        _post(connection, "auth.test")
    connection.close()

    again = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
    _post(again, "auth.test")
    fake.stop()  # does not wait for the client to close: it closes the connection itself
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        _post(again, "auth.test")
    again.close()
