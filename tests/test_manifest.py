"""manifest.yml asks for exactly the scopes leadbot uses: every listener and Web API call is covered, nothing more."""

from __future__ import annotations

import copy
import inspect
import re
from pathlib import Path

import pytest
import yaml
from slack_sdk import WebClient

from bot.services.scopes import OPTIONAL
from bot.slack_manifest import OPTIONAL_SCOPES, REQUIRED_SCOPES
from handlers.app import create_app
from sandbox.slack_api import DEFAULT_SCOPES, METHOD_SCOPES

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot", "handlers", "scheduler")

# Each Web API method leadbot calls (as slack_sdk names it) → the Slack methods it makes and the bot scopes
# leadbot's use of it needs, from the method's page at api.slack.com/methods/<method> ("Required scopes").
# A call the code makes that is not here fails the test: add it, with its scope, when new code calls Slack.
METHODS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    # api.slack.com/methods/auth.test: no scope required.
    "auth_test": (("auth.test",), frozenset()),
    # api.slack.com/methods/chat.postMessage: chat:write.
    "chat_postMessage": (("chat.postMessage",), frozenset({"chat:write"})),
    # api.slack.com/methods/chat.postEphemeral: chat:write.
    "chat_postEphemeral": (("chat.postEphemeral",), frozenset({"chat:write"})),
    # api.slack.com/methods/chat.update: chat:write.
    "chat_update": (("chat.update",), frozenset({"chat:write"})),
    # api.slack.com/methods/chat.getPermalink: no scope required.
    "chat_getPermalink": (("chat.getPermalink",), frozenset()),
    # api.slack.com/methods/conversations.open: channels:manage, groups:write, im:write or mpim:write;
    # leadbot opens only DMs with one person: im:write.
    "conversations_open": (("conversations.open",), frozenset({"im:write"})),
    # api.slack.com/methods/conversations.history and .replies: channels:history, groups:history, im:history or
    # mpim:history by the conversation's kind; leadbot reads its DMs and the channels it posts in.
    "conversations_history": (
        ("conversations.history",),
        frozenset({"im:history", "channels:history", "groups:history"}),
    ),
    "conversations_replies": (
        ("conversations.replies",),
        frozenset({"im:history", "channels:history", "groups:history"}),
    ),
    # api.slack.com/methods/users.info: users:read (the profile's email needs users:read.email too).
    "users_info": (("users.info",), frozenset({"users:read"})),
    # api.slack.com/methods/users.lookupByEmail: users:read.email.
    "users_lookupByEmail": (("users.lookupByEmail",), frozenset({"users:read.email"})),
    # api.slack.com/methods/views.open, .update, .publish: no scope required.
    "views_open": (("views.open",), frozenset()),
    # api.slack.com/methods/views.push: no scope (a trigger_id from the user's click is the permission).
    "views_push": (("views.push",), frozenset()),
    "views_update": (("views.update",), frozenset()),
    "views_publish": (("views.publish",), frozenset()),
    # slack_sdk's files_upload_v2 calls api.slack.com/methods/files.getUploadURLExternal and
    # files.completeUploadExternal: files:write, both.
    "files_upload_v2": (("files.getUploadURLExternal", "files.completeUploadExternal"), frozenset({"files:write"})),
}

# Events leadbot listens to → the subscriptions (manifest bot_events) that deliver them and each one's scope,
# from api.slack.com/events/<event>.
EVENTS: dict[str, dict[str, str | None]] = {
    # api.slack.com/events/app_home_opened: no scope required.
    "app_home_opened": {"app_home_opened": None},
    # api.slack.com/events/app_uninstalled and /events/tokens_revoked: no scope required.
    "app_uninstalled": {"app_uninstalled": None},
    "tokens_revoked": {"tokens_revoked": None},
    # api.slack.com/events/message.channels (channels:history), message.groups (groups:history),
    # message.im (im:history), message.mpim (mpim:history).
    "message": {
        "message.channels": "channels:history",
        "message.groups": "groups:history",
        "message.im": "im:history",
        "message.mpim": "mpim:history",
    },
}
# api.slack.com/interactivity/slash-commands and /shortcuts: both need the `commands` scope.
COMMAND_SCOPE = "commands"

# Bolt's App calls auth.test itself (token verification); leadbot's code need not name it.
BOLT_CALLS = {"auth_test"}


def _manifest(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def _declared(manifest: dict) -> tuple[set[str], set[str]]:
    scopes = manifest["oauth_config"]["scopes"]
    return set(scopes.get("bot") or []), set(scopes.get("bot_optional") or [])


def _web_api_calls() -> dict[str, set[str]]:
    """Every WebClient method leadbot's code names (`client.chat_postMessage(`, `_call(reader.conversations_open`),
    with the files naming it."""
    known = {name for name, _ in inspect.getmembers(WebClient, inspect.isfunction) if not name.startswith("_")}
    found: dict[str, set[str]] = {}
    pattern = re.compile(r"\.([a-z]+_[A-Za-z0-9_]+)\b")
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name in pattern.findall(path.read_text(encoding="utf-8")):
                if name in known and "_" in name and name.split("_")[0] in _API_FAMILIES:
                    found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
            for method in re.findall(r"api_call\(\s*[\"']([a-z]+\.[A-Za-z.]+)", path.read_text(encoding="utf-8")):
                found.setdefault(method, set()).add(str(path.relative_to(ROOT)))
    return found


# The first word of every Web API method family slack_sdk's WebClient has (api.test, chat.postMessage, …).
_API_FAMILIES = {
    "admin",
    "api",
    "apps",
    "assistant",
    "auth",
    "bookmarks",
    "bots",
    "calls",
    "canvases",
    "chat",
    "conversations",
    "dialog",
    "dnd",
    "emoji",
    "files",
    "functions",
    "migration",
    "oauth",
    "openid",
    "pins",
    "reactions",
    "reminders",
    "rtm",
    "search",
    "stars",
    "team",
    "tooling",
    "usergroups",
    "users",
    "views",
    "workflows",
}


def _listeners(app) -> list[tuple[str, object]]:
    """(kind, what) for every registered listener: ("event", "message"), ("command", "/lead"), ("shortcut", id)…

    Read from Bolt's own matchers: each built-in matcher is a closure over what it matches.
    """
    found = []
    for listener in app._listeners:
        for matcher in listener.matchers:
            func = getattr(matcher, "func", None)
            if func is None:
                continue
            kind = func.__qualname__.split(".")[0]
            bound = inspect.getclosurevars(func).nonlocals
            what = (
                bound.get("event_type") or bound.get("command") or bound.get("callback_id") or bound.get("constraints")
            )
            found.append((kind, what))
    return found


@pytest.fixture
def bolt_app(slack, tmp_path):
    from bot.container import build_deps
    from tests.conftest import make_settings

    deps = build_deps(make_settings(f"sqlite:///{tmp_path / 'unused.db'}", slack.base_url))
    yield create_app(deps)
    deps.close()


def test_add_to_slack_asks_for_exactly_what_both_manifests_declare():
    for name in ("manifest.yml", "manifest.http.yml"):
        required, optional = _declared(_manifest(name))
        assert (required, optional) == (set(REQUIRED_SCOPES), set(OPTIONAL_SCOPES)), name


def test_the_optional_scopes_are_the_four_features_that_can_do_without(bolt_app):
    required, optional = _declared(_manifest("manifest.yml"))
    assert optional == set(OPTIONAL) == {"channels:history", "groups:history", "users:read.email", "files:write"}
    assert not required & optional
    assert required | optional == set(DEFAULT_SCOPES)  # the fake Slack grants what the manifest asks, by default


def test_every_listener_is_covered_by_the_manifest(bolt_app):
    manifest = _manifest("manifest.yml")
    required, optional = _declared(manifest)
    declared = required | optional
    subscribed = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    shortcuts = {s["callback_id"]: s["type"] for s in manifest["features"]["shortcuts"]}
    listeners = _listeners(bolt_app)
    assert {kind for kind, _ in listeners} >= {"event", "command", "message_shortcut", "action", "view_submission"}
    for kind, what in listeners:
        if kind == "event":
            assert what in EVENTS, f"leadbot listens to the {what} event: add it to EVENTS with its scope"
            delivering = {name: scope for name, scope in EVENTS[what].items() if name in subscribed}
            assert delivering, f"the manifest subscribes to no event that delivers `{what}`"
            for name, scope in delivering.items():
                assert scope is None or scope in declared, f"{name} needs {scope}, which the manifest does not ask for"
        elif kind == "command":
            assert what in commands and COMMAND_SCOPE in required
        elif kind in ("message_shortcut", "shortcut", "global_shortcut"):
            expected = "message" if kind == "message_shortcut" else "global"
            assert shortcuts.get(what) == expected or (kind == "shortcut" and what in shortcuts), what
            assert COMMAND_SCOPE in required
        else:
            assert kind in ("action", "view_submission", "view_closed", "options"), f"an unknown listener: {kind}"
            assert manifest["settings"]["interactivity"]["is_enabled"] is True  # buttons and forms need no scope
    # And nothing subscribed that no listener takes.
    events = {what for kind, what in listeners if kind == "event"}
    for name in subscribed:
        assert any(name in EVENTS[event] for event in events), f"the manifest subscribes to {name}, unheard"


def test_every_web_api_method_the_code_calls_is_covered_and_every_scope_is_used(bolt_app):
    required, optional = _declared(_manifest("manifest.yml"))
    declared = required | optional
    calls = _web_api_calls()
    assert {"chat_postMessage", "views_open", "files_upload_v2", "users_lookupByEmail"} <= set(calls)  # it finds them
    used: set[str] = {COMMAND_SCOPE}  # the listeners' (above)
    for name, files in sorted(calls.items()):
        assert name in METHODS, f"{name} is called in {sorted(files)}: add it to METHODS with its scope (Slack's docs)"
        _methods, scopes = METHODS[name]
        missing = scopes - declared
        assert not missing, f"{name} needs {sorted(missing)}, which manifest.yml does not ask for"
        used |= scopes
    for name in BOLT_CALLS:
        used |= METHODS[name][1]
    # The events' scopes, for the subscriptions the manifest makes.
    subscribed = set(_manifest("manifest.yml")["settings"]["event_subscriptions"]["bot_events"])
    used |= {
        scope for deliveries in EVENTS.values() for name, scope in deliveries.items() if name in subscribed and scope
    }
    unused = declared - used
    assert not unused, f"manifest.yml asks for {sorted(unused)}, which nothing uses: drop it"


def test_the_fake_slack_refuses_each_method_without_the_scope_the_table_names():
    for name, (methods, scopes) in METHODS.items():
        for method in methods:
            if method in ("conversations.history", "conversations.replies"):
                continue  # the fake picks their scope by the conversation's kind (tests/test_fake_slack.py)
            expected = METHOD_SCOPES[method]
            assert (frozenset({expected}) if expected else frozenset()) == scopes, (name, method)


def _without_mode_and_urls(manifest: dict) -> dict:
    stripped = copy.deepcopy(manifest)
    stripped["settings"].pop("socket_mode_enabled")
    stripped["settings"]["event_subscriptions"].pop("request_url", None)
    stripped["settings"]["interactivity"].pop("request_url", None)
    stripped["oauth_config"].pop("redirect_urls", None)
    for command in stripped["features"]["slash_commands"]:
        command.pop("url", None)
    return stripped


def test_the_http_manifest_is_the_same_app_with_request_urls():
    socket, http = _manifest("manifest.yml"), _manifest("manifest.http.yml")
    assert socket["settings"]["socket_mode_enabled"] is True and http["settings"]["socket_mode_enabled"] is False
    assert _without_mode_and_urls(socket) == _without_mode_and_urls(http)
    urls = [
        http["settings"]["event_subscriptions"]["request_url"],
        http["settings"]["interactivity"]["request_url"],
        *(command["url"] for command in http["features"]["slash_commands"]),
    ]
    assert urls and all(url == "https://leadbot.example.com/slack/events" for url in urls)
    assert http["oauth_config"]["redirect_urls"] == ["https://leadbot.example.com/slack/oauth_redirect"]
    assert "request_url" not in socket["settings"]["event_subscriptions"]
