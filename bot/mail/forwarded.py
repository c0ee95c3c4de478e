"""Who wrote to whom in a message a rep forwarded to the sales mailbox: the original's sender, recipients and date.

A rep who forwards (rather than BCCs) an email they sent the buyer, or one the buyer sent them, makes a
message from themselves to the mailbox; what it is about is the message inside it — attached whole
(message/rfc822), or quoted below a forward separator with its From/To/Date header block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

from bot.mail.charsets import decode_text
from bot.mail.html_text import html_to_text
from bot.mail.message import UnreadableMail, parse_mail

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# The line a client puts above a forwarded message (Gmail, Outlook, Apple Mail, QQ Mail/Foxmail, German clients).
_START = re.compile(
    r"^\s*(?:-{2,}\s*(?:Forwarded message|Weitergeleitete Nachricht|Original Message|Ursprüngliche Nachricht"
    r"|转发邮件信息|转发的邮件|已转发邮件|轉寄的郵件|原始邮件|原始郵件|邮件原件)\s*-{2,}"
    r"|Begin forwarded message\s*:|Anfang der weitergeleiteten Nachricht\s*:|_{10,})\s*$",
    re.IGNORECASE,
)
_FIELD = re.compile(r"^\s*\*?\s*([^\s:：*]{1,20}(?:\s[^\s:：*]{1,12})?)\s*\*?\s*[:：]\s*(.*)$")
_FROM = {"from", "发件人", "寄件者", "von", "de", "van"}
_TO = {"to", "收件人", "an", "à", "para", "cc", "抄送", "副本"}
_DATE = {"date", "sent", "发送时间", "時間", "时间", "日期", "gesendet", "datum", "envoyé", "enviado"}
_SUBJECT = {"subject", "主题", "主旨", "betreff", "objet", "asunto"}
_LOOK_AT = 40  # header lines read after the separator


@dataclass(frozen=True)
class Forwarded:
    sender: str  # lower-cased
    recipients: tuple[str, ...]
    sent_at: datetime | None
    subject: str


def forwarded_original(raw: bytes) -> Forwarded | None:
    """The first forwarded message in `raw`, or None when it forwards nothing leadbot can read."""
    try:
        msg = BytesParser(policy=policy.default).parsebytes(bytes(raw))
    except Exception:  # noqa: BLE001 - parse_mail has read it already; anything odd here means "no forward"
        return None
    for part in msg.walk():
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            try:
                read = parse_mail(inner.as_bytes(policy=policy.SMTP))
            except (UnreadableMail, AttributeError, TypeError):
                continue
            return Forwarded(read.sender, read.recipients, read.sent_at, read.subject)
    return _quoted(_text(msg))


def _text(msg) -> str:
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        data = part.get_payload(decode=True) or b""
        text = decode_text(data, part.get_content_charset())
        return html_to_text(text) if part.get_content_subtype() == "html" else text
    except Exception:  # noqa: BLE001
        return ""


def _quoted(text: str) -> Forwarded | None:
    lines = text.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        if _START.match(line):
            found = _header_block(lines[index + 1 : index + 1 + _LOOK_AT])
            if found is not None:
                return found
    return None


def _header_block(lines: list[str]) -> Forwarded | None:
    sender, recipients, sent_at, subject = None, [], None, ""
    seen = 0
    for line in lines:
        if not line.strip():
            if seen:
                break  # the block ends at its first empty line
            continue
        field = _FIELD.match(line.lstrip("> "))
        if field is None:
            if seen:
                break
            continue
        name, value = field.group(1).strip().lower(), field.group(2)
        seen += 1
        if name in _FROM and sender is None:
            found = _EMAIL.findall(value)
            sender = found[0].lower() if found else None
        elif name in _TO:
            recipients.extend(address.lower() for address in _EMAIL.findall(value))
        elif name in _DATE:
            sent_at = _date(value)
        elif name in _SUBJECT:
            subject = value.strip()
    if sender is None:
        return None
    return Forwarded(sender, tuple(dict.fromkeys(recipients)), sent_at, subject)


def _date(value: str) -> datetime | None:
    """RFC 5322 dates (Apple Mail, Thunderbird, raw headers); the rest (Gmail's "Mon, Dec 1, 2026 at 10:00 AM",
    Outlook's local formats) are left to the forward's own Date."""
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    return parsed.astimezone(timezone.utc)
