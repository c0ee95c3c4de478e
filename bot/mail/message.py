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
from bot.mail.quoting import split_text

MESSAGE_KEY_MAX = 255  # longer Message-IDs are kept as their hash, so the key fits an indexed column
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)

# Subjects of forwards, in the clients' languages: Fwd/FW, 转发/轉寄, WG (German), TR (French), RV/ENC (Spanish,
# Portuguese).
_FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|fw|转发|轉寄|转寄|wg|tr|rv|enc)\s*[:：]", re.IGNORECASE)
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
class Forwarded:
    """Who wrote the message a forward carries, to whom and when, as far as the forward shows it.

    From an attached message (message/rfc822) all of it; from a forward inline, what its header block says: the
    address only where the client wrote one (Outlook often gives just a name), the date only in RFC 5322 form.
    """

    sender: str  # lower-cased; "" when the forward names no address
    sender_name: str
    recipients: tuple[str, ...]
    sent_at: datetime | None
    subject: str


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
    forwarded: Forwarded | None = None  # the message this one forwards, when it is a forward

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
        body, forwarded = _body(msg, forward=bool(_FORWARD_SUBJECT.match(subject)))
        return ReadMail(
            message_key=key,
            sender=sender,
            sender_name=_clean_line(sender_name),
            recipients=_recipients(msg),
            sent_at=_sent_at(date_raw),
            subject=subject,
            body=body,
            automatic=_automatic(msg, sender, subject),
            forwarded=forwarded,
        )
    except UnreadableMail:
        raise
    except Exception as error:  # noqa: BLE001 - whatever the parser trips on, this one message is unreadable
        raise UnreadableMail(f"cannot parse: {type(error).__name__}: {error}"[:200], key) from error


def _recipients(msg: Message) -> tuple[str, ...]:
    copied = all_raw_headers(msg, "To") + all_raw_headers(msg, "Cc")
    return tuple(dict.fromkeys(addr for _, addr in addresses(copied)))


def _message_id_key(msg: Message) -> str | None:
    value = raw_header(msg, "Message-ID")
    if value is None:
        return None
    inside = re.search(r"<([^<>]*)>", value)
    key = _SPACES.sub("", _CONTROL.sub("", inside.group(1) if inside else value))
    if not key:
        return None
    if len(key) > MESSAGE_KEY_MAX:
        return _hashed(key)
    return key


def _hashed(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def _sent_at(value: str, zone_required: bool = False) -> datetime | None:
    """`value` (an RFC 5322 date) in UTC; None if unreadable, or without a zone when `zone_required`."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if zone_required and when.tzinfo is None:
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


def _body(msg: EmailMessage, forward: bool) -> tuple[str, Forwarded | None]:
    """The readable text of `msg` (see ReadMail.body), and the message it forwards if it is a forward."""
    split = split_text(_clean_text(_text_of(msg)), forward=forward)
    if split.forward:
        return _tidy(split.readable), _forwarded_from_headers(split.forwarded_headers)
    attached = _attached_message(msg)
    if attached is not None:
        # Forwarded as an attachment: the forward's own words if any, else the attached message's.
        inner = split_text(_clean_text(_text_of(attached)))
        senders = addresses(all_raw_headers(attached, "From"))
        forwarded = Forwarded(
            sender=senders[0][1] if senders else "",
            sender_name=_clean_line(senders[0][0]) if senders else "",
            recipients=_recipients(attached),
            sent_at=_sent_at(raw_header(attached, "Date") or ""),
            subject=_clean_line(decode_words(raw_header(attached, "Subject") or "")),
        )
        return _tidy(split.readable or inner.readable), forwarded
    return _tidy(split.readable), None


def _text_of(msg: EmailMessage) -> str:
    """text/plain preferred, else the HTML as text; attachments never read."""
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
        text = _part_text(part) if part is not None else ""
        if not text.strip() and part is not None and part.get_content_subtype() == "plain":
            # Some clients send an empty text/plain beside the real HTML.
            html = msg.get_body(preferencelist=("html",))
            text = _part_text(html) if html is not None else ""
    except Exception:  # noqa: BLE001 - an odd structure leaves the body empty, the rest of the message still counts
        text = ""
    return text


def _attached_message(msg: EmailMessage) -> EmailMessage | None:
    """The first message attached whole (message/rfc822), as Outlook's "forward as attachment" sends it."""
    try:
        for part in msg.walk():
            if part.get_content_type() == "message/rfc822":
                payload = part.get_payload()
                inner = payload[0] if isinstance(payload, list) and payload else None
                return inner if isinstance(inner, EmailMessage) else None
    except Exception:  # noqa: BLE001 - a broken attachment is no forward
        return None
    return None


def _forwarded_from_headers(headers: dict[str, str]) -> Forwarded:
    def parse(value: str) -> list[tuple[str, str]]:
        # Outlook separates addresses with ";" and older ones write "Name [mailto:address]".
        value = re.sub(r"\[mailto:([^\]]+)\]", r"<\1>", value).replace(";", ",")
        return addresses([value]) if value else []

    senders = parse(headers.get("from", ""))
    copied = parse(headers.get("to", "")) + parse(headers.get("cc", ""))
    name = senders[0][0] if senders else re.sub(r"<[^>]*>|\[[^\]]*\]", "", headers.get("from", "")).strip(" \"';")
    return Forwarded(
        sender=senders[0][1] if senders else "",
        sender_name=_clean_line(name),
        recipients=tuple(dict.fromkeys(addr for _, addr in copied)),
        # Clients write a forward's date in their own words and local time: only one with a zone is a time.
        sent_at=_sent_at(headers.get("date", ""), zone_required=True),
        subject=_clean_line(headers.get("subject", "")),
    )


def _clean_text(text: str) -> str:
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " "))


def _tidy(text: str) -> str:
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
