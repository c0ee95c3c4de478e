"""Cutting quoted history from a message's text, so a note holds what this message said and not the thread."""

import re
from dataclasses import dataclass, field

# A line that introduces the quoted message, as mail clients write it (English, German, French, Spanish); clients
# wrap long ones, so it may run over up to three lines.
_ATTRIBUTION = re.compile(
    r"^\s*(?:"
    r"On\b.{0,400}\bwrote\s*:"  # Gmail, Apple Mail, Thunderbird
    r"|Am\b.{0,400}\bschrieb\b.{0,400}:"  # German clients
    r"|Le\b.{0,400}\ba\s+écrit\s*:"
    r"|El\b.{0,400}\bescribió\s*:"
    r")\s*$",
    re.IGNORECASE | re.DOTALL,
)
# The same in Chinese (Gmail, Apple Mail: "王芳 <…> 于2026年11月2日周一 10:15写道："): always one line, and with no
# word it must start with, it is never joined to the line above.
_ATTRIBUTION_ONE_LINE = re.compile(r"^.{0,400}(?:写道|寫道)\s*[:：]\s*$")
# Separators after which everything is the old message.
_SEPARATOR = re.compile(
    r"^\s*(?:"
    r"-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original"
    r"|原始邮件|原始郵件|邮件原件|郵件原件|Original)\s*-{2,}"  # Outlook; QQ Mail and Foxmail
    r"|_{10,}"  # Outlook on the web draws a rule above the header block
    r")\s*$",
    re.IGNORECASE,
)
# Separators of a forwarded message: what follows is someone else's message, kept when nothing precedes it.
_FORWARD = re.compile(
    r"^\s*(?:"
    r"-{2,}\s*(?:Forwarded message|Forwarded Message|Weitergeleitete Nachricht|Message transféré"
    r"|Mensaje reenviado|转发邮件信息|转发的邮件|已转发邮件|轉寄的郵件)\s*-{2,}"
    r"|Begin forwarded message\s*:"  # Apple Mail
    r"|Anfang der weitergeleiteten Nachricht\s*:"
    r")\s*$",
    re.IGNORECASE,
)
# The header block Outlook (and QQ Mail after its separator) puts above the quoted message; the names each header
# goes by in the clients' languages.
_HEADER_NAMES = {
    "from": ("From", "发件人", "寄件者", "寄件人", "Von", "De", "Van"),
    "date": ("Sent", "Date", "发送时间", "時間", "时间", "日期", "寄件日期", "Gesendet", "Datum", "Envoyé", "Enviado"),
    "to": ("To", "收件人", "收件者", "An", "À", "Para", "Aan"),
    "cc": ("Cc", "抄送", "副本", "Kopie"),
    "subject": ("Subject", "主题", "主旨", "Betreff", "Objet", "Asunto", "Onderwerp"),
}
_HEADER_LINE = re.compile(
    r"^\s*\*?\s*(" + "|".join(re.escape(name) for names in _HEADER_NAMES.values() for name in names)
    + r")\s*\*?\s*[:：]\s*\*?\s*(.*)$",
    re.IGNORECASE,
)
_CANONICAL = {name.lower(): key for key, names in _HEADER_NAMES.items() for name in names}
_SIGNATURE = re.compile(r"^--\s?$")
_HEADER_BLOCK_LOOKAHEAD = 6


@dataclass(frozen=True)
class SplitText:
    """A message's text taken apart: what its sender wrote, and the message it forwards, if any."""

    own: str  # the sender's own words: quoted history, '>' lines and signature cut
    forwarded_headers: dict[str, str] = field(default_factory=dict)  # from/date/to/cc/subject of a forwarded message
    forwarded_text: str = ""  # the forwarded message's own words, its history cut
    forward: bool = False

    @property
    def readable(self) -> str:
        """What a note should hold: the sender's words, or for a bare forward the forwarded message's."""
        return self.own or self.forwarded_text


def _header(line: str) -> tuple[str, str] | None:
    found = _HEADER_LINE.match(line)
    return (_CANONICAL[found.group(1).lower()], found.group(2).strip()) if found else None


def _is_header_block(lines: list[str], start: int) -> bool:
    """Whether a quoted message's header block starts at `start`: a From line, two of Sent/Date/To/Subject below."""
    first = _header(lines[start])
    if not first or first[0] != "from":
        return False
    below = [_header(line) for line in lines[start + 1:start + 1 + _HEADER_BLOCK_LOOKAHEAD]]
    return sum(1 for found in below if found and found[0] != "from") >= 2


def _attribution_at(lines: list[str], index: int) -> int:
    """How many lines (1-3) starting at `index` make an "On … wrote:" line (clients wrap long ones); 0 if none."""
    if lines[index].lstrip().startswith(">"):
        return 0
    if _ATTRIBUTION_ONE_LINE.match(lines[index]):
        return 1
    for span in (1, 2, 3):
        chunk = " ".join(line.strip() for line in lines[index:index + span])
        if index + span <= len(lines) and _ATTRIBUTION.match(chunk):
            return span
    return 0


def _read_header_block(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """The forwarded message's headers (the first of each) and the lines after its header block."""
    headers: dict[str, str] = {}
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    while index < len(lines):
        found = _header(lines[index])
        if not found:
            break
        headers.setdefault(*found)
        index += 1
    return headers, lines[index:]


def _own(lines: list[str]) -> str:
    return "\n".join(line for line in lines if not line.lstrip().startswith(">")).strip()


def split_text(text: str, forward: bool = False) -> SplitText:
    """`text` taken apart at the first quoted history, signature or forwarded message.

    `forward` (the subject says Fwd/FW/转发) reads Outlook's "Original Message" separator and header block, which
    look the same in a reply and a forward, as a forwarded message rather than history.
    """
    lines = text.split("\n")
    for index, line in enumerate(lines):
        block = _is_header_block(lines, index)
        separator = _SEPARATOR.match(line)
        if _FORWARD.match(line) or (forward and (separator or block)):
            headers, rest = _read_header_block(lines[index if block else index + 1:])
            inner = split_text("\n".join(rest))
            return SplitText(_own(lines[:index]), headers, inner.own, forward=True)
        if separator or block or _attribution_at(lines, index) or _SIGNATURE.match(line):
            return SplitText(_own(lines[:index]))
    return SplitText(_own(lines))


def cut_quoted(text: str) -> str:
    """`text` without the quoted history below it, nor '>' lines, nor the signature.

    A forward with nothing written above it keeps the forwarded message (its own history cut): that text is what the
    mail was about. A forward with a comment above keeps only the comment.
    """
    return split_text(text).readable
