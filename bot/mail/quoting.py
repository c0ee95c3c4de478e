"""Cutting quoted history from a message's text, so a note holds what this message said and not the thread."""

import re

# A line that introduces the quoted message, as mail clients write it (English, German, French, Spanish, Chinese).
_ATTRIBUTION = re.compile(
    r"^\s*(?:"
    r"On\b.{0,400}\bwrote\s*:"  # Gmail, Apple Mail, Thunderbird
    r"|Am\b.{0,400}\bschrieb\b.{0,400}:"  # German clients
    r"|Le\b.{0,400}\ba\s+écrit\s*:"
    r"|El\b.{0,400}\bescribió\s*:"
    r"|.{0,400}(?:写道|寫道)\s*[:：]"  # Gmail and Apple Mail in Chinese: "… 于 2026年1月5日 写道："
    r")\s*$",
    re.IGNORECASE | re.DOTALL,
)
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
# The header block Outlook (and QQ Mail after its separator) puts above the quoted message.
_HEADER_FROM = re.compile(r"^\s*\*?\s*(?:From|发件人|寄件者|Von|De|Van)\s*\*?\s*[:：]", re.IGNORECASE)
_HEADER_OTHER = re.compile(
    r"^\s*\*?\s*(?:Sent|Date|To|Subject|Cc|发送时间|時間|时间|日期|收件人|主题|主旨|抄送|Gesendet|Datum|An|Betreff"
    r"|Envoyé|Date|À|Objet|Enviado|Para|Asunto)\s*\*?\s*[:：]",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^--\s?$")
_HEADER_BLOCK_LOOKAHEAD = 6


def _is_header_block(lines: list[str], start: int) -> bool:
    """Whether a quoted message's header block starts at `start`: a From line, two of Sent/Date/To/Subject below."""
    if not _HEADER_FROM.match(lines[start]):
        return False
    below = lines[start + 1:start + 1 + _HEADER_BLOCK_LOOKAHEAD]
    return sum(1 for line in below if _HEADER_OTHER.match(line)) >= 2


def _attribution_at(lines: list[str], index: int) -> int:
    """How many lines (1-3) starting at `index` make an "On … wrote:" line (clients wrap long ones); 0 if none."""
    for span in (1, 2, 3):
        chunk = " ".join(line.strip() for line in lines[index:index + span])
        if index + span <= len(lines) and _ATTRIBUTION.match(chunk) and not lines[index].lstrip().startswith(">"):
            return span
    return 0


def _skip_header_block(lines: list[str]) -> list[str]:
    """The forwarded message's lines without its From/Date/Subject/To block."""
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    while index < len(lines) and (_HEADER_FROM.match(lines[index]) or _HEADER_OTHER.match(lines[index])):
        index += 1
    return lines[index:]


def _has_text(lines: list[str]) -> bool:
    return any(line.strip() and not line.lstrip().startswith(">") for line in lines)


def cut_quoted(text: str) -> str:
    """`text` without the quoted history below it, nor '>' lines, nor the signature.

    A forward with nothing written above it keeps the forwarded message (its own history cut): that text is what the
    mail was about. A forward with a comment above keeps only the comment.
    """
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if _FORWARD.match(line):
            if _has_text(lines[:index]):
                lines = lines[:index]
            else:
                return cut_quoted("\n".join(_skip_header_block(lines[index + 1:])))
            break
        if _SEPARATOR.match(line) or _is_header_block(lines, index) or _attribution_at(lines, index):
            lines = lines[:index]
            break
        if _SIGNATURE.match(line):
            lines = lines[:index]
            break
    kept = [line for line in lines if not line.lstrip().startswith(">")]
    return "\n".join(kept).strip()
