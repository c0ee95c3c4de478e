"""The sandbox's web page and the small JSON API behind it, served by the stand-in Slack."""

from __future__ import annotations

import json
import logging
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from bot.blocks.contract import CAPTURE_SHORTCUT  # the callback_id manifest.yml gives the shortcut
from bot.text.i18n import DEFAULT_LANGUAGE, LANGUAGES, language_tag, message_ids, t
from sandbox.slack_requests import view_state
from sandbox.workspace import MANAGER, REPS, Workspace

logger = logging.getLogger(__name__)

STATIC = {"/": ("index.html", "text/html; charset=utf-8"),
          "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
          "/static/style.css": ("style.css", "text/css; charset=utf-8")}


class Page:
    """Routes for FakeSlack.extra_routes: `/`, `/static/…`, `/sandbox/…` (JSON) and `/files/<id>`."""

    def __init__(self, workspace: Workspace, language: str = DEFAULT_LANGUAGE) -> None:
        self.workspace = workspace
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE

    def __call__(self, method: str, path: str, query: str, body: bytes, headers: dict[str, str]):
        if method == "GET" and path in STATIC:
            name, content_type = STATIC[path]
            data = resources.files("sandbox").joinpath("static", name).read_bytes()
            return 200, {"Content-Type": content_type, "Cache-Control": "no-store"}, data
        if method == "GET" and path.startswith("/files/"):
            return self._file(path[len("/files/"):])
        if not path.startswith("/sandbox/"):
            return None
        name = path[len("/sandbox/"):]
        try:
            args = json.loads(body) if method == "POST" and body else {k: v[-1] for k, v in parse_qs(query).items()}
            handler = getattr(self, f"_api_{name}", None)
            if handler is None or not isinstance(args, dict):
                return 404, {}, {"ok": False, "error": "unknown"}
            return 200, {}, handler(args)
        except Exception:  # the page shows a short line; the traceback stays in the log
            logger.exception("sandbox page request %s failed", path)
            return 500, {}, {"ok": False, "error": t("sandbox.failed", self.language)}

    # -- reading --------------------------------------------------------------------------

    def _api_texts(self, args: dict) -> dict:
        language = self.language
        return {"ok": True, "language": language, "locale": language_tag(language), "texts": texts(language)}

    def _api_state(self, args: dict) -> dict:
        return self.state(args.get("user") or REPS[0].id)

    def state(self, user_id: str) -> dict[str, Any]:
        """Everything one person sees: channels, DMs, ephemerals, the open modal, Home, the clock."""
        slack = self.workspace.slack
        now = self.workspace.clock.now()
        dm = slack.dm_channel_id(user_id)
        people = {u["id"]: {"id": u["id"], "name": u["real_name"], "tz": u["tz"], "is_bot": u["is_bot"]}
                  for u in slack.users()}
        rooms = ([{"id": c["id"], "name": c["name"]} for c in slack.channels()]
                 + [{"id": dm, "name": "leadbot", "dm": True}])
        ephemerals = slack.ephemerals(user_id)
        files = [f for f in slack.uploaded_files() if f.channel]
        conversations = {}
        for room in rooms:
            shown = slack.messages(room["id"]) + [e for e in ephemerals if e["channel"] == room["id"]]
            shown.sort(key=lambda m: float(m["ts"]))
            for message in shown:
                message["files"] = [{"id": f.file_id, "title": f.title or f.filename, "url": f"/files/{f.file_id}"}
                                    for f in files if f.channel == room["id"] and f.thread_ts == message["ts"]]
            conversations[room["id"]] = shown
        modals = slack.open_views(user_id)
        return {
            "ok": True,
            "now": now.isoformat(),
            "me": user_id,
            "people": people,
            "team": [REPS[0].id, REPS[1].id, REPS[2].id, MANAGER.id],
            "rooms": rooms,
            "conversations": conversations,
            "modal": modals[-1] if modals else None,
            "home": slack.home_view(user_id),
        }

    def _file(self, file_id: str):
        for item in self.workspace.slack.uploaded_files():
            if item.file_id == file_id:
                kind = "image/png" if item.filename.lower().endswith(".png") else "application/octet-stream"
                return 200, {"Content-Type": kind}, item.content
        return 404, {}, "Not Found"

    # -- acting (each signed exactly like Slack, into the real app) ----------------------

    def _api_command(self, args: dict) -> dict:
        user, channel, text = args["user"], args["channel"], str(args.get("text", "")).strip()
        send = self.workspace.send
        if text.startswith("/"):
            command, _, rest = text.partition(" ")
            if command != "/lead":
                return {**self.state(user), "notice": t("sandbox.only_lead", self.language)}
            send.command(rest.strip(), user, channel_id=channel)
        elif text:
            message = self.workspace.slack.add_message(channel, text, user=user)
            if not channel.startswith("D"):  # leadbot subscribes to channel messages only (manifest.yml)
                # In an inbound channel leadbot offers the message as an enquiry.
                send.event({**message, "event_ts": message["ts"], "channel_type": "channel"})
        self.workspace.settle()
        return self.state(user)

    def _api_action(self, args: dict) -> dict:
        user = args["user"]
        surface = args["surface"]
        if surface.get("view_id"):
            target = self.workspace.slack.view(surface["view_id"])
            state = view_state(target, _values(args.get("values"))) if target["type"] == "modal" else None
            extra = {"state_values": state} if state is not None else {}
        elif surface.get("ephemeral"):
            target, extra = {"channel": surface["channel"], "ts": surface["ts"], "user": user, "is_ephemeral": True}, {}
        else:
            target, extra = {"channel": surface["channel"], "ts": surface["ts"]}, {}
        chosen = args.get("chosen") or {}
        self.workspace.send.click(
            user, target, args["action_id"], block_id=args.get("block_id"), value=chosen.get("value"),
            selected_option=chosen.get("selected_option"), selected_options=chosen.get("selected_options"),
            selected_date=chosen.get("selected_date"), selected_time=chosen.get("selected_time"),
            selected_user=chosen.get("selected_user"), selected_conversation=chosen.get("selected_conversation"),
            **extra,
        )
        self.workspace.settle()
        return self.state(user)

    def _api_submit(self, args: dict) -> dict:
        user = args["user"]
        view = self.workspace.slack.view(args["view_id"])
        reply = self.workspace.send.submit_view(user, view, _values(args.get("values")), enforce_required=False)
        answer = reply.json() if reply.status == 200 and reply.body.strip().startswith("{") else None
        self.workspace.settle()
        errors = (answer.get("errors")
                  if isinstance(answer, dict) and answer.get("response_action") == "errors" else None)
        state = self.state(user)
        if reply.status != 200:
            state["notice"] = t("sandbox.failed", self.language)
        return {**state, "errors": errors or {}}

    def _api_shortcut(self, args: dict) -> dict:
        """*Capture as lead* from a message's ⋮ menu: the message shortcut Slack would send."""
        user = args["user"]
        message = self.workspace.slack.message(args["channel"], args["ts"])
        if message is not None:
            send = self.workspace.send
            send.message_action(user, message, channel_id=args["channel"], callback_id=CAPTURE_SHORTCUT)
            self.workspace.settle()
        return self.state(user)

    def _api_close(self, args: dict) -> dict:
        view = self.workspace.slack.view(args["view_id"])
        if view is not None:
            self.workspace.send.close_view(args["user"], view)
            self.workspace.settle()
        return self.state(args["user"])

    def _api_home(self, args: dict) -> dict:
        self.workspace.send.app_home_opened(args["user"])
        self.workspace.settle()
        return self.state(args["user"])

    def _api_clock(self, args: dict) -> dict:
        report = self.workspace.advance(args["step"], args.get("user"))
        self.workspace.settle()
        return {**self.state(args.get("user") or REPS[0].id), "sent": report.sent}


def _values(raw: Any) -> dict[str, Any]:
    """The page's {block_id: value}; blocks it left out keep their initial value."""
    return {k: v for k, v in (raw or {}).items()} if isinstance(raw, dict) else {}


def texts(lang: str) -> dict[str, str]:
    """The page's own words, from the catalog."""
    return {key[len("sandbox."):]: t(key, lang) for key in sorted(message_ids(lang)) if key.startswith("sandbox.")}


