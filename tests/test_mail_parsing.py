"""Reading raw mail: what a rep would see in a note, whatever client, charset or encoding the sender used."""

import base64
import hashlib
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.mail.message import Forwarded, ReadMail, UnreadableMail, parse_mail
from tests.mail_samples import (
    FORWARD_BARE,
    FORWARD_OUTLOOK,
    FORWARD_QQ,
    FORWARD_THUNDERBIRD,
    FORWARD_WITH_COMMENT,
    GARBAGE,
    NO_FROM,
    QUOTED_REPLIES,
    as_html,
    make_mail,
)

SENT = datetime(2026, 11, 2, 10, 15, tzinfo=UTC)
# 镕 and 喆 are in GBK but not GB2312: Chinese clients label such text gb2312 anyway.
CHINESE_SUBJECT = "关于朱镕基路仓库的报价——请回复"
CHINESE_BODY = "王经理您好：\n\n附件是喆宇公司的报价单，请查收。\n交货期为三十天。\n\n此致\n敬礼"


def read(body: str = "Hello", **kwargs) -> ReadMail:
    kwargs.setdefault("date", SENT)
    return parse_mail(make_mail("li.wei@buyer.example", "rep@ourco.example", kwargs.pop("subject", "Quote"), body,
                                **kwargs))


@pytest.mark.parametrize(("label", "codec"), [
    ("gb2312", "gbk"), ("GBK", "gbk"), ("gb18030", "gb18030"), ("GB2312", "gb18030"), ("utf-8", "utf-8"),
])
@pytest.mark.parametrize("cte", ["base64", "quoted-printable", "8bit"])
def test_simplified_chinese_subject_body_and_name_read_as_written(label, codec, cte):
    mail = read(CHINESE_BODY, subject=CHINESE_SUBJECT, sender_name="王芳", charset=label, encoding=codec, cte=cte)
    assert mail.subject == CHINESE_SUBJECT
    assert mail.sender_name == "王芳"
    assert mail.body == CHINESE_BODY
    assert mail.first_lines() == "王经理您好：\n附件是喆宇公司的报价单，请查收。\n交货期为三十天。"


@pytest.mark.parametrize("label", ["big5", "Big5", "big5-hkscs"])
def test_traditional_chinese_in_big5_reads(label):
    mail = read("陳先生您好：\n請提供報價單。", subject="詢價：不鏽鋼管", sender_name="陳小姐", charset=label,
                encoding="big5")
    assert (mail.subject, mail.sender_name, mail.body) == ("詢價：不鏽鋼管", "陳小姐", "陳先生您好：\n請提供報價單。")


def test_latin1_and_windows_1252_text_reads():
    mail = read("Grüße aus München – à bientôt", subject="Angebot für Büro", charset="iso-8859-1",
                encoding="cp1252", cte="quoted-printable")
    assert mail.subject == "Angebot für Büro"
    assert mail.body == "Grüße aus München – à bientôt"


@pytest.mark.parametrize(("label", "codec"), [
    ("us-ascii", "utf-8"),  # UTF-8 sent under an ASCII label
    ("x-unknown-charset", "utf-8"),  # a label nobody knows
    ("utf-8", "gbk"),  # GBK under a UTF-8 label
    ("x-unknown-charset", "gbk"),
    ("gb2312", "utf-8"),  # UTF-8 under a Chinese label
])
def test_mislabelled_or_unknown_charsets_still_read(label, codec):
    mail = read(CHINESE_BODY, subject=CHINESE_SUBJECT, charset=label, encoding=codec)
    assert mail.body == CHINESE_BODY
    assert mail.subject == CHINESE_SUBJECT


def test_bytes_no_charset_fits_are_replaced_not_fatal():
    raw = make_mail("li.wei@buyer.example", "rep@ourco.example", "Quote", "x", date=SENT)
    raw = raw.replace(b"charset=\"utf-8\"", b"charset=\"big5\"").replace(b"\r\n\r\nx", b"\r\n\r\nok \x80\xff\xfe end")
    assert parse_mail(raw).body.startswith("ok ")


def test_html_only_mail_reads_as_text_without_markup_scripts_or_styles():
    mail = read("Dear Sir,\n\nWe need 500 units by December.\nPlease quote FOB Shanghai.\n\nBest regards & thanks",
                html_only=True)
    assert mail.body == ("Dear Sir,\n\nWe need 500 units by December.\nPlease quote FOB Shanghai.\n\n"
                         "Best regards & thanks")
    assert "tracking" not in mail.body and "margin" not in mail.body


def test_html_only_chinese_in_gbk_reads():
    mail = read(CHINESE_BODY, html_only=True, charset="gbk", subject=CHINESE_SUBJECT)
    assert mail.first_lines(2) == "王经理您好：\n附件是喆宇公司的报价单，请查收。"


def test_html_with_charset_only_in_meta_tag_reads():
    page = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\"></head>" \
           "<body><div>你好，请报价。</div></body></html>"
    raw = make_mail("li.wei@buyer.example", "rep@ourco.example", "Quote", "", html_only=True, html_body=page,
                    charset="gbk", date=SENT)
    raw = raw.replace(b'; charset="gbk"', b"")
    assert parse_mail(raw).body == "你好，请报价。"


def test_gmail_html_reply_keeps_the_reply_and_drops_the_quoted_thread():
    page = (
        '<div dir="ltr">Yes, December works.<div><br></div><div>Li</div></div><br>'
        '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Nov 2, 2026 at 10:15 AM Rep &lt;'
        'rep@ourco.example&gt; wrote:<br></div><blockquote class="gmail_quote">Can you take delivery in December?'
        "</blockquote></div>"
    )
    mail = read("", html_only=True, html_body=page)
    assert mail.body == "Yes, December works.\n\nLi"


def test_multipart_alternative_prefers_the_plain_text():
    mail = read("Plain version", alternative=True, html_body="<p>HTML version</p>")
    assert mail.body == "Plain version"


def test_empty_plain_part_beside_html_falls_back_to_the_html():
    mail = read("", alternative=True, html_body="<p>Only the HTML says it</p>")
    assert mail.body == "Only the HTML says it"


def test_attachments_are_ignored():
    mail = read("See the drawing attached.", attachments=[
        ("drawing.pdf", b"%PDF-1.4 binary \x00\xff", "application/pdf"),
        ("notes.txt", "Attached text, not the body".encode(), "text/plain"),
        ("photo.png", b"\x89PNG\r\n\x1a\n", "image/png"),
    ])
    assert mail.body == "See the drawing attached."


def test_html_body_with_attachment():
    mail = read("Quote attached", html_only=True, attachments=[("q.xlsx", b"PK\x03\x04", "application/octet-stream")])
    assert mail.body == "Quote attached"


@pytest.mark.parametrize("style", sorted(QUOTED_REPLIES))
def test_quoted_history_is_cut(style):
    text, kept = QUOTED_REPLIES[style]
    assert read(text).body == kept


@pytest.mark.parametrize("style", sorted(QUOTED_REPLIES))
def test_quoted_history_is_cut_from_html_too(style):
    text, kept = QUOTED_REPLIES[style]
    assert read(text, html_only=True).body == kept


def test_a_bare_forward_keeps_the_forwarded_message_without_its_headers_or_history():
    assert read(FORWARD_BARE).body == "Could you send a quote for 500 units?"


def test_a_forward_with_a_comment_keeps_the_comment():
    assert read(FORWARD_WITH_COMMENT).body == "Logging this one: buyer wants 500 units."


def test_a_forward_tells_whom_the_forwarded_message_was_from_and_to():
    bare = read(FORWARD_BARE, subject="Fwd: Quote")
    assert bare.forwarded == Forwarded(sender="li.wei@buyer.example", sender_name="Li Wei",
                                       recipients=("rep@ourco.example",), sent_at=None, subject="Quote")
    assert read(FORWARD_WITH_COMMENT, subject="Fwd: Quote").forwarded.sender == "li.wei@buyer.example"


def test_gmail_html_forward_reads_the_forwarded_message():
    page = (
        '<div dir="ltr"><br><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">---------- Forwarded message'
        ' ---------<br>From: <strong class="gmail_sendername" dir="auto">Li Wei</strong> <span dir="auto">&lt;'
        '<a href="mailto:li.wei@buyer.example">li.wei@buyer.example</a>&gt;</span><br>Date: Mon, Nov 2, 2026 at 10:15'
        ' AM<br>Subject: Quote<br>To: &lt;<a href="mailto:rep@ourco.example">rep@ourco.example</a>&gt;<br></div><br>'
        '<br><div dir="ltr">Could you send a quote for 500 units?</div></div></div>'
    )
    mail = read("", subject="Fwd: Quote", html_only=True, html_body=page)
    assert mail.body == "Could you send a quote for 500 units?"
    assert (mail.forwarded.sender, mail.forwarded.recipients) == ("li.wei@buyer.example", ("rep@ourco.example",))


def test_outlook_forward_reads_its_header_block_as_the_forwarded_message():
    mail = read(FORWARD_OUTLOOK, subject="FW: Quote")
    assert mail.body == "Could you send a quote for 500 units?"
    assert mail.forwarded == Forwarded(sender="li.wei@buyer.example", sender_name="Li Wei",
                                       recipients=("rep@ourco.example", "boss@ourco.example"), sent_at=None,
                                       subject="Quote")


def test_the_same_block_under_a_reply_is_history_not_a_forward():
    mail = read("Sure, attached." + FORWARD_OUTLOOK, subject="RE: Quote")
    assert (mail.body, mail.forwarded) == ("Sure, attached.", None)


def test_qq_mail_forward_in_chinese():
    mail = read(FORWARD_QQ, subject="转发：报价", charset="gb2312", encoding="gbk")
    assert mail.body == "请发一份报价单。"
    assert (mail.forwarded.sender, mail.forwarded.sender_name) == ("wangfang@qq.com", "王芳")
    assert (mail.forwarded.recipients, mail.forwarded.subject) == (("rep@ourco.example",), "报价")


def test_thunderbird_forward_gives_the_forwarded_date():
    mail = read(FORWARD_THUNDERBIRD, subject="Fwd: Quote")
    assert mail.body == "Could you send a quote?"
    assert mail.forwarded.sent_at == SENT
    assert mail.forwarded.subject == "Quote"


def test_a_message_forwarded_as_an_attachment():
    original = make_mail("li.wei@buyer.example", ["rep@ourco.example"], "询价", "请报价，谢谢。", sender_name="Li Wei",
                         cc=["boss@buyer.example"], date=SENT, charset="gbk")
    mail = read("", subject="FW: 询价", attached_message=original)
    assert mail.body == "请报价，谢谢。"
    assert mail.forwarded == Forwarded(sender="li.wei@buyer.example", sender_name="Li Wei",
                                       recipients=("rep@ourco.example", "boss@buyer.example"), sent_at=SENT,
                                       subject="询价")
    commented = read("Buyer asks for a price.", subject="FW: 询价", attached_message=original)
    assert commented.body == "Buyer asks for a price."


def test_mail_that_forwards_nothing_has_no_forwarded():
    assert read("Hello").forwarded is None


def test_outlook_desktop_html_reply_is_cut_at_its_header_block():
    page = (
        "<html><body><div class=WordSection1><p class=MsoNormal>We can ship in December.<o:p></o:p></p>"
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p><div><div style='border:none;border-top:solid #E1E1E1 1.0pt'>"
        "<p class=MsoNormal><b>From:</b> Li Wei &lt;li.wei@buyer.example&gt; <br><b>Sent:</b> Monday, November 2, "
        "2026 10:15 AM<br><b>To:</b> Sales &lt;sales@ourco.example&gt;<br><b>Subject:</b> Delivery<o:p></o:p></p>"
        "</div></div><p class=MsoNormal>When can you ship?<o:p></o:p></p></div></body></html>"
    )
    assert read("", html_only=True, html_body=page).body == "We can ship in December."


def test_qq_mail_html_reply_is_cut_at_its_separator():
    page = (
        "<div>好的，下周确认。</div><div><br></div><div style=\"font-size: 12px;\">"
        "------------------&nbsp;原始邮件&nbsp;------------------</div><div style=\"font-size: 12px;\">"
        "<div><b>发件人:</b>&nbsp;\"销售\"&lt;sales@ourco.example&gt;;</div><div><b>发送时间:</b>&nbsp;2026年11月2日"
        "</div><div><b>收件人:</b>&nbsp;\"王芳\"&lt;wangfang@qq.com&gt;;</div><div><b>主题:</b>&nbsp;报价</div></div>"
        "<div><br></div>请确认报价。"
    )
    assert read("", html_only=True, html_body=page, charset="gb18030").body == "好的，下周确认。"


def test_a_sentence_starting_with_from_is_not_a_header_block():
    text = "From: our side, the price stays.\nDelivery in December.\nRegards"
    assert read(text).body == text


def test_addresses_dates_and_message_id():
    raw = make_mail("Li.Wei@Buyer.Example", ["Rep <REP@ourco.example>", "boss@ourco.example"], "Quote", "Hi",
                    cc=["rep@ourco.example", "Other <other@buyer.example>"], sender_name="Li, Wei",
                    date="Mon, 2 Nov 2026 18:15:00 +0800", message_id="<  abc.123@mail.buyer.example >")
    mail = parse_mail(raw)
    assert mail.sender == "li.wei@buyer.example"
    assert mail.sender_name == "Li, Wei"
    assert mail.recipients == ("rep@ourco.example", "boss@ourco.example", "other@buyer.example")
    assert mail.sent_at == SENT
    assert mail.message_key == "abc.123@mail.buyer.example"


@pytest.mark.parametrize("date", ["", "not a date", "Mon, 45 Foo 2026 99:99:99 +0000"])
def test_unreadable_date_is_none(date):
    raw = make_mail("li.wei@buyer.example", "rep@ourco.example", "Quote", "Hi", date=date)
    assert parse_mail(raw).sent_at is None


def test_date_without_zone_is_read_as_utc():
    assert read(date="Mon, 2 Nov 2026 10:15:00 -0000").sent_at == SENT


def test_long_message_id_is_hashed():
    long_id = "x" * 300 + "@mail.buyer.example"
    mail = read(message_id=f"<{long_id}>")
    assert mail.message_key == "sha256:" + hashlib.sha256(long_id.encode()).hexdigest()
    assert len(mail.message_key) <= 255


def test_a_message_id_of_exactly_255_characters_is_kept():
    exact = "y" * 235 + "@mail.example"
    assert len(exact) < 256
    assert read(message_id=f"<{exact}>").message_key == exact


def test_missing_message_id_hashes_sender_date_and_subject_stably():
    first = read(message_id=None)
    again = read(message_id=None, body="Different body, same message")
    other = read(message_id=None, subject="Another quote")
    assert first.message_key.startswith("sha256:")
    assert first.message_key == again.message_key
    assert other.message_key != first.message_key


def test_first_lines_skips_blank_lines_and_stops_at_the_limit():
    mail = read("\n\n  First   line  \n\n\nSecond\nThird\nFourth")
    assert mail.first_lines() == "First line\nSecond\nThird"
    assert mail.first_lines(lines=1) == "First line"
    long = read("word " * 200)
    assert len(long.first_lines(limit=50)) == 50 and long.first_lines(limit=50).endswith("…")


def test_subject_whitespace_is_collapsed():
    assert read(subject="Re:   your\tquote ").subject == "Re: your quote"


def test_raw_8bit_headers_from_careless_clients_read():
    raw = ("From: 王芳 <wang@buyer.cn>\r\nTo: rep@ourco.example\r\nSubject: 报价单\r\n"
           "Date: Mon, 2 Nov 2026 10:15:00 +0000\r\nMessage-ID: <raw8@buyer.cn>\r\n"
           "Content-Type: text/plain; charset=gbk\r\nContent-Transfer-Encoding: 8bit\r\n\r\n请报价。\r\n")
    mail = parse_mail(raw.encode("gbk"))
    assert (mail.sender, mail.sender_name, mail.subject, mail.body) == ("wang@buyer.cn", "王芳", "报价单", "请报价。")


def test_whole_address_in_one_encoded_word_reads():
    word = base64.b64encode("王芳 <wang@buyer.cn>".encode())
    raw = make_mail("x@y.z", "rep@ourco.example", "Quote", "Hi", date=SENT).replace(
        b"From: x@y.z", b"From: =?utf-8?B?" + word + b"?=")
    mail = parse_mail(raw)
    assert (mail.sender, mail.sender_name) == ("wang@buyer.cn", "王芳")


def test_garbage_is_unreadable():
    with pytest.raises(UnreadableMail):
        parse_mail(GARBAGE)
    with pytest.raises(UnreadableMail):
        parse_mail(b"")


def test_mail_without_a_sender_is_unreadable_with_its_message_id():
    with pytest.raises(UnreadableMail) as caught:
        parse_mail(NO_FROM)
    assert caught.value.message_key == "no-from@mail.test.example"
    assert "From" in str(caught.value)


def test_broken_mime_and_base64_are_read_best_effort():
    raw = (b"From: li.wei@buyer.example\r\nTo: rep@ourco.example\r\nSubject: broken\r\n"
           b"Content-Type: multipart/mixed; boundary=\"never-closed\"\r\n\r\n--never-closed\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           b"SGVsbG8gd29y!!bGQ=\r\n")
    mail = parse_mail(raw)
    assert mail.sender == "li.wei@buyer.example"
    assert mail.subject == "broken"
    assert mail.body.startswith("Hello")


@pytest.mark.parametrize("headers", [
    [("Auto-Submitted", "auto-replied")],
    [("Auto-Submitted", "auto-generated")],
    [("X-Autoreply", "yes")],
    [("Precedence", "bulk")],
    [("Precedence", "junk")],
    [("Precedence", "list")],
    [("List-Id", "Buyers <buyers.lists.example>")],
    [("Return-Path", "<>")],
])
def test_automatic_mail_is_detected_by_its_headers(headers):
    assert read(headers=headers).automatic


@pytest.mark.parametrize("sender", [
    "MAILER-DAEMON@mx.buyer.example", "postmaster@buyer.example", "no-reply@buyer.example",
    "noreply@buyer.example", "do-not-reply@buyer.example", "donotreply@buyer.example",
])
def test_automatic_mail_is_detected_by_its_sender(sender):
    raw = make_mail(sender, "rep@ourco.example", "Hello", "Hi", date=SENT)
    assert parse_mail(raw).automatic


@pytest.mark.parametrize("subject", ["Automatic reply: Quote", "自动回复：报价", "Out of Office: back Monday",
                                     "Undeliverable: Quote"])
def test_automatic_mail_is_detected_by_its_subject(subject):
    assert read(subject=subject).automatic


def test_bounce_report_is_automatic():
    raw = make_mail("someone@mx.example", "rep@ourco.example", "Failure", "x", date=SENT).replace(
        b"Content-Type: text/plain", b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n"
        b"X-Ignore: text/plain")
    assert parse_mail(raw).automatic


@pytest.mark.parametrize("headers", [
    [], [("Auto-Submitted", "no")], [("List-Unsubscribe", "<mailto:unsub@tool.example>")],
    [("X-Auto-Response-Suppress", "All")],  # Outlook asks others not to auto-reply; its own mail is a person's
])
def test_mail_a_person_wrote_is_not_automatic(headers):
    assert not read(headers=headers).automatic


def test_html_helper_matches_what_webmail_sends():
    assert "<script>" in as_html("x")  # the samples carry a script, so the tests above show it is dropped


_GOOD = make_mail("li.wei@buyer.example", ["rep@ourco.example"], CHINESE_SUBJECT, CHINESE_BODY, sender_name="王芳",
                  charset="gb2312", encoding="gbk", date=SENT, alternative=True,
                  attachments=[("a.pdf", b"%PDF\x00\xff" * 20, "application/pdf")])


def _readable_or_refused(raw: bytes) -> None:
    """A mail pass must never stop: any bytes either read into clean text or are refused as UnreadableMail."""
    try:
        mail = parse_mail(raw)
    except UnreadableMail as refused:
        assert refused.reason
        return
    assert "@" in mail.sender
    for text in (mail.message_key, mail.sender, *mail.recipients, mail.subject, mail.body, mail.sender_name,
                 mail.first_lines()):
        assert "\x00" not in text
        text.encode("utf-8")  # no lone surrogates: it can go to the database and to Slack


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_break_the_reader(raw):
    _readable_or_refused(raw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_GOOD) - 1), st.integers(0, 255)), max_size=30),
       st.integers(0, len(_GOOD)))
def test_a_damaged_message_is_still_read_or_refused(flips, cut):
    damaged = bytearray(_GOOD[:max(cut, 1)])
    for index, value in flips:
        if index < len(damaged):
            damaged[index] = value
    _readable_or_refused(bytes(damaged))
