"""Turning a part's bytes into text whatever charset it claims, since mail clients often claim the wrong one."""

import codecs

# Labels that name a subset of a codec Python has: Chinese clients label GBK (and GB18030) text "gb2312", Taiwanese
# and Hong Kong ones label cp950/HKSCS text "big5", and "us-ascii"/"iso-8859-1" often hide Windows-1252 text.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "euccn": "gb18030",
    "x-euc-cn": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "chinese": "gb18030",
    "csgb2312": "gb18030",
    "big5": "big5hkscs",
    "big-5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "csbig5": "big5hkscs",
    "us-ascii": "windows-1252",
    "ascii": "windows-1252",
    "iso-8859-1": "windows-1252",
    "iso8859-1": "windows-1252",
    "latin1": "windows-1252",
    "latin-1": "windows-1252",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
}

# Single-byte labels under which UTF-8 text often travels: UTF-8 is tried first for them, since valid UTF-8 with
# non-ASCII bytes is almost never what a single-byte text happens to look like.
_SINGLE_BYTE = {"windows-1252", "cp1252"}

# Tried in order when the label is missing, unknown, or wrong: UTF-8 is the commonest, GB18030 the commonest of our
# buyers' legacy charsets (and strict enough to fail on most European text), Windows-1252 decodes anything.
_FALLBACKS = ("utf-8", "gb18030")
_LAST_RESORT = "windows-1252"


def codec_for(label: str | None) -> str | None:
    """The Python codec to read text labelled `label` with (a superset where clients mislabel), or None if unknown."""
    if not label:
        return None
    name = label.strip().strip('"').lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_text(data: bytes, label: str | None) -> str:
    """`data` as text: the labelled charset if it fits, else the likeliest other one; never raises."""
    codec = codec_for(label)
    tries: list[str] = []
    if codec in _SINGLE_BYTE and not data.isascii():
        tries.append("utf-8")
    if codec:
        tries.append(codec)
    tries.extend(c for c in _FALLBACKS if c not in tries)
    for name in tries:
        try:
            return data.decode(name)
        except UnicodeDecodeError:
            continue
    # Nothing fits exactly: the label (or Windows-1252) with the bad bytes replaced, so the rest is still readable.
    return data.decode(codec or _LAST_RESORT, errors="replace")
