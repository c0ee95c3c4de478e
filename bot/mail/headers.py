"""Header values as text: raw 8-bit bytes and RFC 2047 words decoded with the forgiving charsets, addresses split."""

import re
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses

from bot.mail.charsets import decode_text

_FOLD = re.compile(r"\r?\n(?=[ \t])")
_SPACES = re.compile(r"\s+")
_NOT_IN_ADDRESS = re.compile(r"[\s\x00-\x1f\x7f<>]+")


def raw_header(msg: Message, name: str) -> str | None:
    """The first `name` header as written (unfolded, 8-bit bytes read as text), or None if there is none.

    Read from the source rather than through policy.default's header objects, which decode a mislabelled charset
    strictly (a GBK subject labelled gb2312 loses its characters) and can choke on malformed addresses.
    """
    wanted = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            return _unfold(str(value))
    return None


def all_raw_headers(msg: Message, name: str) -> list[str]:
    wanted = name.lower()
    return [_unfold(str(value)) for key, value in msg.raw_items() if key.lower() == wanted]


def _unfold(value: str) -> str:
    value = _FOLD.sub("", value).strip()
    try:
        data = value.encode("ascii", errors="surrogateescape")
    except UnicodeEncodeError:
        return value
    # The parser keeps a header's raw 8-bit bytes as surrogates; some clients send GBK or UTF-8 there unencoded.
    return value if data.isascii() else decode_text(data, None)


def decode_words(value: str) -> str:
    """`value` with its RFC 2047 encoded words decoded (charsets forgiven), whitespace collapsed."""
    try:
        parts = decode_header(value)
    except (ValueError, IndexError, AssertionError):
        parts = [(value, None)]
    text = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            text.append(chunk)
        elif charset is None:
            # decode_header hands the plain runs back as bytes in this codec.
            text.append(chunk.decode("raw-unicode-escape", errors="replace"))
        else:
            text.append(decode_text(chunk, charset))
    return _SPACES.sub(" ", "".join(text)).strip()


def addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs in `values`, skipping groups and anything without an '@'."""
    found = []
    for value in values:
        pairs = [(name, addr) for name, addr in getaddresses([value]) if "@" in addr]
        if not pairs and "=?" in value:
            # Some clients encode a whole "Name <address>" as one word; decode it first, then split.
            pairs = [(name, addr) for name, addr in getaddresses([decode_words(value)]) if "@" in addr]
        for name, addr in pairs:
            found.append((decode_words(name), _NOT_IN_ADDRESS.sub("", addr).lower()))
    return found
