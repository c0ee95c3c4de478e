"""Raw sample messages as mail clients send them, for the mail tests (and any test that puts mail in a mailbox)."""

import base64
import html
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime

_AUTO = object()


def encoded_words(text: str, charset: str, encoding: str | None = None) -> str:
    """`text` as RFC 2047 base64 words labelled `charset` (bytes made with `encoding`), folded like clients do."""
    if text.isascii():
        return text
    codec = encoding or charset
    words = []
    for start in range(0, len(text), 12):
        chunk = base64.b64encode(text[start:start + 12].encode(codec)).decode("ascii")
        words.append(f"=?{charset}?B?{chunk}?=")
    return "\r\n ".join(words)


def _address(name: str, addr: str, charset: str, encoding: str | None) -> str:
    if not name:
        return addr
    if name.isascii():
        return f'"{name}" <{addr}>'
    return f"{encoded_words(name, charset, encoding)} <{addr}>"


def as_html(text: str) -> str:
    """Plain `text` as the HTML a webmail composer would send: paragraphs, <br>, a style block, entities."""
    paragraphs = "".join(
        "<p>" + "<br>".join(html.escape(line) for line in block.split("\n")) + "</p>" for block in text.split("\n\n")
    )
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>p { margin: 0 }</style>"
        "<script>var tracking = 1;</script></head>"
        f"<body><div dir=\"ltr\">{paragraphs}</div></body></html>"
    )


def make_mail(
    sender: str,
    to: str | Sequence[str],
    subject: str,
    body: str,
    *,
    sender_name: str = "",
    cc: Sequence[str] = (),
    date: datetime | str | None = None,
    message_id: str | None | object = _AUTO,
    charset: str = "utf-8",
    encoding: str | None = None,
    cte: str | None = None,
    html_only: bool = False,
    alternative: bool = False,
    html_body: str | None = None,
    attachments: Iterable[tuple[str, bytes, str]] = (),
    attached_message: bytes | None = None,
    headers: Sequence[tuple[str, str]] = (),
) -> bytes:
    """One raw message.

    `charset` is the label the message claims; `encoding` the codec its bytes are really made with (default: the
    label) — e.g. charset="gb2312", encoding="gbk" is what Chinese clients send. `cte` is the body's transfer encoding
    (default base64 for non-ASCII, 7bit otherwise). `html_only` sends the body as HTML only; `alternative` sends plain
    text and HTML; `html_body` is the HTML to send (default: `body` made into HTML). `message_id=None` leaves the
    Message-ID header out; by default it is a fresh one. `attached_message` attaches a raw message whole
    (message/rfc822, Outlook's "forward as attachment"). `headers` are extra raw header lines (name, value).
    """
    encoding = encoding or charset
    recipients = [to] if isinstance(to, str) else list(to)
    when = date if date is not None else datetime.now(UTC)
    lines = [
        ("From", _address(sender_name, sender, charset, encoding)),
        ("To", ", ".join(recipients)),
    ]
    if cc:
        lines.append(("Cc", ", ".join(cc)))
    lines.append(("Subject", encoded_words(subject, charset, encoding)))
    lines.append(("Date", when if isinstance(when, str) else format_datetime(when)))
    if message_id is _AUTO:
        message_id = f"<{uuid.uuid4().hex}@mail.test.example>"
    if message_id is not None:
        lines.append(("Message-ID", str(message_id)))
    lines.extend(headers)

    html_text = html_body if html_body is not None else as_html(body)
    if html_only:
        content = _text_part(html_text, "html", charset, encoding, cte)
    elif alternative:
        content = EmailMessage(policy=policy.SMTP)
        content.make_alternative()
        content.attach(_text_part(body, "plain", charset, encoding, cte))
        content.attach(_text_part(html_text, "html", charset, encoding, cte))
    else:
        content = _text_part(body, "plain", charset, encoding, cte)
    files = list(attachments)
    if files or attached_message is not None:
        mixed = EmailMessage(policy=policy.SMTP)
        mixed.make_mixed()
        mixed.attach(content)
        for filename, data, mime in files:
            maintype, subtype = mime.split("/", 1)
            part = EmailMessage(policy=policy.SMTP)
            part.set_content(data, maintype=maintype, subtype=subtype, filename=filename)
            mixed.attach(part)
        if attached_message is not None:
            part = EmailMessage(policy=policy.SMTP)
            part.set_content(BytesParser(policy=policy.default).parsebytes(attached_message))
            mixed.attach(part)
        content = mixed
    if "MIME-Version" not in content:
        content["MIME-Version"] = "1.0"
    head = "".join(f"{name}: {value}\r\n" for name, value in lines).encode("ascii")
    return head + content.as_bytes(policy=policy.SMTP)


def _text_part(text: str, subtype: str, charset: str, encoding: str, cte: str | None) -> EmailMessage:
    data = text.encode(encoding)
    part = EmailMessage(policy=policy.SMTP)
    part.set_content(data, maintype="text", subtype=subtype, cte=cte or ("7bit" if data.isascii() else "base64"))
    part.set_param("charset", charset)
    return part


# Replies as each client quotes the message before: (body text, what a note should keep).
QUOTED_REPLIES = {
    "gmail": (
        "Thanks, the quote works for us.\n\nOn Mon, Nov 2, 2026 at 10:15 AM Li Wei <li.wei@buyer.example> wrote:\n"
        "> Could you send a quote for 500 units?\n>\n> Li",
        "Thanks, the quote works for us.",
    ),
    "gmail_wrapped": (
        "Thanks, the quote works for us.\n\nOn Mon, Nov 2, 2026 at 10:15 AM Procurement Department of Buyer <\n"
        "procurement@buyer.example> wrote:\n\n> Could you send a quote?",
        "Thanks, the quote works for us.",
    ),
    "gmail_chinese": (
        "好的，谢谢！\n王芳 <wangfang@buyer.cn> 于2026年11月2日周一 10:15写道：\n\n> 请报价",
        "好的，谢谢！",
    ),
    "apple": (
        "Sounds good.\n\nSent from my iPhone\n\nOn 2 Nov 2026, at 10:15, Li Wei <li.wei@buyer.example> wrote:\n\n"
        "> Could you send a quote?",
        "Sounds good.\n\nSent from my iPhone",
    ),
    "outlook": (
        "Please find the revised offer attached.\n\n-----Original Message-----\nFrom: Li Wei <li.wei@buyer.example>\n"
        "Sent: Monday, November 2, 2026 10:15 AM\nTo: Sales <sales@ourco.example>\nSubject: Quote\n\n"
        "Could you send a quote?",
        "Please find the revised offer attached.",
    ),
    "outlook_header_block": (
        "We can ship in December.\n\n________________________________\nFrom: Li Wei <li.wei@buyer.example>\n"
        "Sent: Monday, November 2, 2026 10:15\nTo: Sales <sales@ourco.example>\nSubject: Delivery\n\n"
        "When can you ship?",
        "We can ship in December.",
    ),
    "outlook_bare_header_block": (
        "We can ship in December.\n\nFrom: Li Wei <li.wei@buyer.example>\nSent: Monday, November 2, 2026 10:15\n"
        "To: Sales <sales@ourco.example>\nSubject: Delivery\n\nWhen can you ship?",
        "We can ship in December.",
    ),
    "german": (
        "Vielen Dank für das Angebot.\n\nAm 02.11.2026 um 10:15 schrieb Hans Muster <hans@kunde.example>:\n\n"
        "> Bitte senden Sie uns ein Angebot.",
        "Vielen Dank für das Angebot.",
    ),
    "qq": (
        "好的，我们下周确认订单。\n\n\n------------------ 原始邮件 ------------------\n"
        "发件人: \"王芳\"<wangfang@qq.com>;\n发送时间: 2026年11月2日(星期一) 上午10:15\n"
        "收件人: \"销售\"<sales@ourco.example>;\n主题: 报价\n\n请发一份报价单。",
        "好的，我们下周确认订单。",
    ),
    "chinese_outlook": (
        "收到，谢谢！\n\n发件人: 王芳 <wangfang@buyer.example>\n发送时间: 2026年11月2日 10:15\n"
        "收件人: 销售 <sales@ourco.example>\n主题: 报价\n\n请发一份报价单。",
        "收到，谢谢！",
    ),
    "angle_lines": (
        "> Can you do 500 units?\nYes, 500 is fine.\n> And by December?\nDecember works.",
        "Yes, 500 is fine.\nDecember works.",
    ),
}

# A message a client forwarded without comment: the forwarded text is what it is about.
FORWARD_BARE = (
    "---------- Forwarded message ---------\nFrom: Li Wei <li.wei@buyer.example>\nDate: Mon, Nov 2, 2026 at 10:15 AM\n"
    "Subject: Quote\nTo: <rep@ourco.example>\n\nCould you send a quote for 500 units?\n\n"
    "On Sun, Nov 1, 2026 at 9:00 AM Rep <rep@ourco.example> wrote:\n> Here is our catalogue."
)
# One forwarded with a comment above it: the comment is the note.
FORWARD_WITH_COMMENT = (
    "Logging this one: buyer wants 500 units.\n\nBegin forwarded message:\n\nFrom: Li Wei <li.wei@buyer.example>\n"
    "Subject: Quote\nDate: 2 November 2026 at 10:15:00 CET\nTo: rep@ourco.example\n\nCould you send a quote?"
)

# Outlook's forward: the same header block as its replies; the "FW:" subject says it is a forward.
FORWARD_OUTLOOK = (
    "\n\n________________________________\nFrom: Li Wei [mailto:li.wei@buyer.example]\n"
    "Sent: Monday, November 2, 2026 10:15 AM\nTo: Rep <rep@ourco.example>; Boss <boss@ourco.example>\n"
    "Subject: Quote\n\nCould you send a quote for 500 units?"
)
# QQ Mail's forward, subject "转发：…".
FORWARD_QQ = (
    "\n\n------------------ 原始邮件 ------------------\n发件人: \"王芳\"<wangfang@qq.com>;\n"
    "发送时间: 2026年11月2日(星期一) 上午10:15\n收件人: \"销售\"<rep@ourco.example>;\n主题: 报价\n\n请发一份报价单。"
)
# Thunderbird's forward, with an RFC 5322 date.
FORWARD_THUNDERBIRD = (
    "\n\n-------- Forwarded Message --------\nSubject: \tQuote\nDate: \tMon, 2 Nov 2026 11:15:00 +0100\n"
    "From: \tLi Wei <li.wei@buyer.example>\nTo: \trep@ourco.example\n\nCould you send a quote?\n"
)

# Not mail at all, and mail without a sender.
GARBAGE = b"\x00\x01\x02\xff\xfe binary junk \x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
NO_FROM = (
    b"To: sales@ourco.example\r\nSubject: who am I\r\nDate: Mon, 02 Nov 2026 10:15:00 +0000\r\n"
    b"Message-ID: <no-from@mail.test.example>\r\n\r\nHello\r\n"
)
