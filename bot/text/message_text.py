"""What a Slack message says, as plain text: from its text, attachments or a forwarded email."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

# Subtypes that are someone saying something; joins, topic changes, edits and deletions are not.
# Web-form integrations post as bots (bot_message, or no subtype with a bot_id); workflows
# post like bots; an email forwarded to the channel arrives as a message with an email file.
ENQUIRY_SUBTYPES = frozenset({None, "bot_message", "file_share"})
CHANNEL_TYPES = frozenset({"channel", "group"})

_LINK = re.compile(r"<([^<>|]+)\|([^<>]*)>|<([^<>]+)>")


@dataclass(frozen=True)
class IncomingMessage:
    channel_id: str
    ts: str
    text: str
    author: str  # a user id, or the name of the bot, workflow or email sender
    posted_at: datetime


def ts_to_datetime(ts: str) -> datetime:
    """A message ts ("1733043600.000100") is its posting time; whole seconds are precise enough."""
    return datetime.fromtimestamp(int(ts.split(".")[0]), tz=timezone.utc)


def new_top_level_message(event: dict) -> IncomingMessage | None:
    """The event as an enquiry candidate, or None for replies, edits, joins and other housekeeping."""
    if event.get("type") != "message" or event.get("subtype") not in ENQUIRY_SUBTYPES:
        return None
    if event.get("channel_type", "channel") not in CHANNEL_TYPES:
        return None
    ts, channel = event.get("ts"), event.get("channel")
    if not ts or not channel:
        return None
    if event.get("thread_ts") and event["thread_ts"] != ts:
        return None  # a reply in a thread discusses an enquiry; it is not a new one
    try:
        posted_at = ts_to_datetime(ts)
    except ValueError:
        return None
    return IncomingMessage(channel, ts, message_text(event), author_of(event), posted_at)


# Subtypes that are a person saying something in a linked channel: a message, a file shared with words, a thread
# reply also sent to the channel. Edits, deletions, joins and bots' posts are not.
SAID_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


@dataclass(frozen=True)
class ChannelMessage:
    """A person's message in a channel, top-level or in a thread, with the workspace they belong to."""

    channel_id: str
    ts: str
    text: str
    user: str
    user_team: str  # their workspace: ours, or the customer's in a channel shared through Slack Connect
    posted_at: datetime


def said_in_channel(event: dict) -> ChannelMessage | None:
    """The event as something a person said in a channel (a thread reply too), or None for anything else."""
    if event.get("type") != "message" or event.get("subtype") not in SAID_SUBTYPES:
        return None
    if event.get("bot_id") or not event.get("user") or event.get("channel_type", "channel") not in CHANNEL_TYPES:
        return None
    ts, channel = event.get("ts"), event.get("channel")
    if not ts or not channel:
        return None
    try:
        posted_at = ts_to_datetime(ts)
    except ValueError:
        return None
    user_team = event.get("user_team") or event.get("team") or ""
    return ChannelMessage(channel, ts, message_text(event), event["user"], user_team, posted_at)


def author_of(message: dict) -> str:
    for email in _emails(message):
        sender = (email.get("from") or [{}])[0]
        if sender.get("original") or sender.get("address"):
            return sender.get("original") or sender["address"]
    if message.get("user") and not message.get("bot_id"):
        return message["user"]
    profile = message.get("bot_profile") or {}
    return message.get("username") or profile.get("name") or message.get("bot_id") or message.get("user") or ""


def message_text(message: dict) -> str:
    """Everything a person would read as the message's words, in plain text."""
    parts = [message.get("text") or ""]
    for attachment in message.get("attachments") or []:
        for key in ("pretext", "title", "text"):
            if attachment.get(key):
                parts.append(attachment[key])
        for field in attachment.get("fields") or []:
            parts.append(f"{field.get('title', '')}: {field.get('value', '')}".strip(": "))
        if len(parts) == 1 and attachment.get("fallback"):
            parts.append(attachment["fallback"])
    for email in _emails(message):
        parts.append(email.get("subject") or "")
        parts.append(email.get("plain_text") or email.get("preview_plain_text") or email.get("preview") or "")
    return plain("\n".join(p.strip() for p in parts if p and p.strip()))


def plain(text: str) -> str:
    """Slack's mrkdwn wire format as a person reads it: links as their words, mentions as @id, entities decoded."""

    def link(match: re.Match) -> str:
        target, label, bare = match.group(1), match.group(2), match.group(3)
        target = target or bare
        if target.startswith(("@", "#")):
            return target[0] + label if label else target
        if target.startswith("!date"):
            return label
        if target.startswith("!"):
            name = label or target[1:].split("^")[0]
            return name if name.startswith("@") else "@" + name
        if label and label != target.removeprefix("mailto:"):
            return f"{label} ({target.removeprefix('mailto:')})"
        return target.removeprefix("mailto:")

    text = _LINK.sub(link, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def first_line(text: str, limit: int) -> str:
    """The first non-empty line, spaces collapsed, cut to `limit` characters."""
    for line in text.splitlines():
        words = " ".join(line.split())
        if words:
            return words if len(words) <= limit else words[: limit - 1] + "…"
    return ""


def _emails(message: dict) -> list[dict]:
    return [f for f in message.get("files") or [] if f.get("filetype") == "email" or f.get("mode") == "email"]
