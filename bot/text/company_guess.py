"""A short company name guessed from an inbound enquiry, for its owner to confirm: not its whole first line."""

from __future__ import annotations

import re

from bot.text.message_text import first_line

GUESS_MAX = 60
FIRST_WORDS = 4
# "Company: Zhang Metalworks" in a web form's fields, "公司：张三金属" in a pasted note.
_LABELLED = re.compile(
    r"(?:^|(?<=[:：]))\s*(?:company|company name|organi[sz]ation|organi[sz]ation name|business|firm|"
    r"公司|公司名称|单位|单位名称|企业|企业名称|客户)\s*[:：]\s*(.+?)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
# Mailboxes anyone can have say nothing about the sender's company.
FREE_MAIL = frozenset(
    "gmail googlemail outlook hotmail live msn yahoo icloud me mac aol proton protonmail gmx web mail yandex zoho "
    "qq 163 126 yeah sina sohu foxmail aliyun 139 189 tom".split()
)
# The company comes before the dash or colon: "Zhang Metalworks — RFQ", "张三金属：要报价".
_BEFORE = re.compile(r"\s*(?:——|—|–|--|：|:)\s*|\s+-\s+")
# Words that open a request, not a name: "RFQ: 40 valves".
_NOT_A_NAME = frozenset(
    "rfq rfi request quote quotation enquiry inquiry re fw fwd subject new hello hi dear urgent "
    "询价 询盘 报价 咨询 求购 您好 你好".split()
)
# Where the name usually ends and the request begins: "Acme Oilfield needs a proposal", "张三金属要一份方案".
_REQUEST_WORD = re.compile(
    r"\s+(?:needs?|wants?|asks?|asking|requests?|requires?|would|is|are|looking|seeks?|inquires?|enquires?)\b.*$"
    r"|(?<=[\u4e00-\u9fff])(?:需要|想要|要|想|询价|求购|咨询|请|希望).*$",
    re.IGNORECASE,
)


def guess_company(text: str, author: str = "") -> str:
    """The sender's organisation (a labelled line, else their email's domain), else the name before a dash or
    colon in the first line, else the first few words; "" when the message has no words."""
    labelled = _LABELLED.search(text or "")
    if labelled:
        return _cut(labelled.group(1))
    domain = _company_domain(author)
    if domain:
        return domain
    line = first_line(text or "", 200)
    parts = _BEFORE.split(line, maxsplit=1)
    if len(parts) == 2 and parts[0] and parts[0].casefold() not in _NOT_A_NAME and len(parts[0].split()) <= 6:
        return _cut(parts[0])
    request = parts[-1] if len(parts) == 2 and parts[0].casefold() in _NOT_A_NAME else line
    named = _REQUEST_WORD.sub("", request).strip()
    return _cut(" ".join(named.split()[:FIRST_WORDS]) if named else "")


def _company_domain(author: str) -> str:
    """"Li Ming <li@zhang-metalworks.com>" → "Zhang Metalworks"; nothing for gmail.com, qq.com and the like."""
    match = _EMAIL.search(author or "")
    if not match:
        return ""
    labels = match.group(1).lower().split(".")
    # The label before the public suffix: zhang-metal.com.cn → zhang-metal.
    name = labels[-3] if len(labels) >= 3 and labels[-2] in ("com", "co", "net", "org", "ac", "gov") else labels[-2]
    if name in FREE_MAIL:
        return ""
    return " ".join(word.capitalize() for word in re.split(r"[-_]+", name) if word)


def _cut(name: str) -> str:
    name = name.strip(" \t.,;，。；")
    if len(name) > GUESS_MAX and " " in name[:GUESS_MAX]:
        return name[:GUESS_MAX].rsplit(" ", 1)[0]  # a whole word, not half of one
    return name[:GUESS_MAX]
