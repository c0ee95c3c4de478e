"""One raw message read into the facts leadbot acts on: who wrote to whom, when, about what, and what it said."""

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

from bot.mail.charsets import decode_text
from bot.mail.headers import addresses, all_raw_headers, decode_words, raw_header
from bot.mail.html_text import html_to_text
from bot.mail.quoting import cut_quoted

MESSAGE_KEY_MAX = 255  # longer Message-IDs are kept as their hash, so the key fits an indexed column
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)

# Senders that are machines: their mail is never a buyer or a rep talking.
_MACHINE_SENDER = re.compile(
    r"^(?:mailer-daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?|auto[-_.]?reply)(?:[-+_.].*)?@",
    re.IGNORECASE,
)
# Subjects of auto-replies and bounces from servers that send none of the standard headers.
_MACHINE_SUBJECT = re.compile(
    r"^(?:automatic reply|auto[- ]?reply|autoreply|out of (?:the )?office|abwesenheitsnotiz|réponse automatique"
    r"|自动回复|自動回覆|undeliverable|undelivered mail|delivery status notification|mail delivery failed"
    r"|returned mail|退信|系统退信)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ReadMail:
    """What leadbot reads from one message."""

    message_key: str  # the Message-ID without <> and whitespace, or "sha256:…" (too long, or missing)
    sender: str  # From address, lower-cased
    sender_name: str
    recipients: tuple[str, ...]  # To + Cc addresses, lower-cased, de-duplicated, in order
    sent_at: datetime | None  # the Date header in UTC; None if missing or unreadable
    subject: str  # decoded, whitespace collapsed
    body: str  # readable plain text, quoted history cut
    automatic: bool  # auto-reply, bounce, no-reply sender or mailing list: nobody wrote it to us

    def first_lines(self, lines: int = 3, limit: int = 300) -> str:
        """The first `lines` non-empty lines of the body (whitespace collapsed), at most `limit` characters."""
        kept = []
        for line in self.body.split("\n"):
            line = _SPACES.sub(" ", line).strip()
            if line:
                kept.append(line)
                if len(kept) == lines:
                    break
        text = "\n".join(kept)
        return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


class UnreadableMail(Exception):
    """A message leadbot cannot read: no sender, or not a message at all. The pass logs it and goes on."""

    def __init__(self, reason: str, message_key: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message_key = message_key


def parse_mail(raw: bytes) -> ReadMail:
    """The facts of the raw RFC 5322 message `raw`; UnreadableMail if it has no From address or is not mail."""
    key = None
    try:
        msg = BytesParser(policy=policy.default).parsebytes(bytes(raw))
        key = _message_id_key(msg)
        senders = addresses(all_raw_headers(msg, "From"))
        if not senders:
            raise UnreadableMail("no From address" if raw_header(msg, "From") is None else "unreadable From address",
                                 key)
        sender_name, sender = senders[0]
        subject = _clean_line(decode_words(raw_header(msg, "Subject") or ""))
        date_raw = raw_header(msg, "Date") or ""
        if key is None:
            key = _hashed("\n".join((sender, date_raw, subject)))
        copied = all_raw_headers(msg, "To") + all_raw_headers(msg, "Cc")
        recipients = dict.fromkeys(addr for _, addr in addresses(copied))
        return ReadMail(
            message_key=key,
            sender=sender,
            sender_name=_clean_line(sender_name),
            recipients=tuple(recipients),
            sent_at=_sent_at(date_raw),
            subject=subject,
            body=_body(msg),
            automatic=_automatic(msg, sender, subject),
        )
    except UnreadableMail:
        raise
    except Exception as error:  # noqa: BLE001 - whatever the parser trips on, this one message is unreadable
        raise UnreadableMail(f"cannot parse: {type(error).__name__}: {error}"[:200], key) from error


def _message_id_key(msg: Message) -> str | None:
    value = raw_header(msg, "Message-ID")
    if value is None:
        return None
    inside = re.search(r"<([^<>]*)>", value)
    key = _SPACES.sub("", inside.group(1) if inside else value)
    if not key:
        return None
    if len(key) > MESSAGE_KEY_MAX:
        return _hashed(key)
    return key


def _hashed(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def _sent_at(value: str) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # "-0000" (and no zone at all) means the zone is unknown: UTC is the best reading.
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _clean_line(text: str) -> str:
    return _SPACES.sub(" ", _CONTROL.sub("", text)).strip()


def _automatic(msg: EmailMessage, sender: str, subject: str) -> bool:
    """Whether a machine sent it: auto-replies, bounces, lists, no-reply senders (RFC 3834 and common practice)."""
    submitted = (raw_header(msg, "Auto-Submitted") or "no").strip().lower()
    if not submitted.startswith("no"):
        return True
    if any(raw_header(msg, name) is not None for name in ("X-Autoreply", "X-Autorespond", "X-Autogenerated")):
        return True
    if (raw_header(msg, "Precedence") or "").strip().lower() in {"bulk", "junk", "list", "auto_reply"}:
        return True
    # A List-Id is a mailing list. List-Unsubscribe alone is not: sales tools add it to a rep's one-to-one mail.
    if raw_header(msg, "List-Id") is not None:
        return True
    if (raw_header(msg, "Return-Path") or "").replace(" ", "") == "<>":
        return True  # a null envelope sender: a bounce or a notification
    if msg.get_content_type() == "multipart/report":
        return True
    return bool(_MACHINE_SENDER.match(sender) or _MACHINE_SUBJECT.match(subject))


def _body(msg: EmailMessage) -> str:
    """The message's readable text: text/plain preferred, else its HTML as text; attachments never read."""
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
        text = _part_text(part) if part is not None else ""
        if not text.strip() and part is not None and part.get_content_subtype() == "plain":
            # Some clients send an empty text/plain beside the real HTML.
            html = msg.get_body(preferencelist=("html",))
            text = _part_text(html) if html is not None else ""
    except Exception:  # noqa: BLE001 - an odd structure leaves the body empty, the rest of the message still counts
        text = ""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " "))
    text = cut_quoted(text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _part_text(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    charset = part.get_content_charset()
    html = part.get_content_subtype() == "html"
    if html and not charset:
        declared = _META_CHARSET.search(data[:4096])
        charset = declared.group(1).decode("ascii") if declared else None
    text = decode_text(data, charset)
    return html_to_text(text) if html else text
