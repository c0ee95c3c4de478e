"""The sales mailbox against a real Dovecot: finding new mail, reading it without marking it, marking it handled."""

import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.mail.mailbox import MailboxAddress, MailboxUnavailable, open_mailbox, parse_mail_url
from bot.mail.message import parse_mail
from tests.imap_server import imap_server  # noqa: F401 - the session's Dovecot
from tests.mail_samples import make_mail

NOW = datetime.now(UTC).replace(microsecond=0)


def mails(count: int, start: int = 0, **kwargs) -> list[bytes]:
    kwargs.setdefault("date", NOW)
    return [make_mail("li.wei@buyer.example", "rep@ourco.example", f"Quote {n}", f"Message number {n}", **kwargs)
            for n in range(start, start + count)]


@pytest.fixture
def mailbox_user(imap_server):  # noqa: F811
    return imap_server.new_user()


def address(server, user, password, folder="INBOX", tls=True) -> MailboxAddress:
    return parse_mail_url(server.url(user, password, folder, tls=tls))


# LEADBOT_MAIL_URL


def test_mail_url_is_read_with_percent_decoding_and_defaults():
    parsed = parse_mail_url("imaps://sales-log%40ourco.com:p%40ss%3Aw%2Fo%25rd@mail.ourco.com/INBOX%2FLeads")
    assert parsed == MailboxAddress(tls=True, host="mail.ourco.com", port=993, user="sales-log@ourco.com",
                                    password="p@ss:w/o%rd", folder="INBOX/Leads")
    plain = parse_mail_url("imap://sales:pw@10.0.0.5")
    assert (plain.tls, plain.port, plain.folder) == (False, 143, "INBOX")
    assert parse_mail_url("IMAPS://u:pw@Mail.Example:1993/Sales/Log").port == 1993
    assert parse_mail_url("imaps://u:pw@mail.example:1993/Sales/Log").folder == "Sales/Log"


def test_mail_url_name_and_repr_never_show_the_password():
    parsed = parse_mail_url("imaps://sales-log%40ourco.com:TopSecret99@mail.ourco.com:993/INBOX")
    assert parsed.name == "sales-log@ourco.com@mail.ourco.com:993/INBOX"
    assert "TopSecret99" not in repr(parsed) and "TopSecret99" not in str(parsed)


@pytest.mark.parametrize(("url", "says"), [
    ("", "imaps://"),
    ("https://u:TopSecret99@mail.example", "imaps://"),
    ("imaps://mail.example/INBOX", "no user"),
    ("imaps://u@mail.example/INBOX", "no password"),
    ("imaps://u:@mail.example/INBOX", "no password"),
    ("imaps://u:TopSecret99@:993/INBOX", "no host"),
    ("imaps://u:TopSecret99@mail.example:99x/INBOX", "port"),
    ("imaps://u:Top#Secret99@mail.example/INBOX", "%23"),
    ("imaps://u:Top?Secret99@mail.example/INBOX", "%3F"),
])
def test_bad_mail_url_says_what_is_wrong_without_the_password(url, says):
    with pytest.raises(ValueError) as caught:
        parse_mail_url(url)
    message = str(caught.value)
    assert says in message and "\n" not in message
    assert "Secret" not in message


# Reading


def test_new_mail_is_found_by_uid_and_read_without_marking_it_seen(imap_server, mailbox_user):  # noqa: F811
    user, password = mailbox_user
    imap_server.append(user, password, mails(3))
    with open_mailbox(address(imap_server, user, password), ca_file=imap_server.ca_file, timeout=10) as box:
        assert box.uidvalidity > 0
        assert box.uidnext == 4
        assert box.encrypted
        assert box.uids_after(0) == [1, 2, 3]
        assert box.uids_after(2) == [3]
        # "UID 4:*" matches the highest UID (3) when nothing is above it: still nothing new.
        assert box.uids_after(3) == []
        assert box.uids_after(10) == []
        read = [(uid, parse_mail(raw).subject) for uid, raw in box.fetch([3, 1, 2])]
    assert read == [(1, "Quote 0"), (2, "Quote 1"), (3, "Quote 2")]
    assert all("\\Seen" not in flags for flags in imap_server.uids_and_flags(user, password).values())


def test_mail_appended_later_is_found_after_the_last_uid(imap_server, mailbox_user):  # noqa: F811
    user, password = mailbox_user
    imap_server.append(user, password, mails(2))
    target = address(imap_server, user, password)
    with open_mailbox(target, ca_file=imap_server.ca_file) as box:
        last = max(box.uids_after(0))
        first_validity = box.uidvalidity
    imap_server.append(user, password, mails(2, start=2))
    with open_mailbox(target, ca_file=imap_server.ca_file) as box:
        assert box.uidvalidity == first_validity
        assert [parse_mail(raw).subject for _, raw in box.fetch(box.uids_after(last))] == ["Quote 2", "Quote 3"]


def test_uids_since_finds_recent_mail_and_not_old_mail(imap_server, mailbox_user):  # noqa: F811
    user, password = mailbox_user
    imap_server.append(user, password, mails(2, date=NOW - timedelta(days=40)))
    imap_server.append(user, password, mails(1, start=2, date=NOW - timedelta(days=20)))
    imap_server.append(user, password, mails(2, start=3, date=NOW - timedelta(days=3)))
    with open_mailbox(address(imap_server, user, password), ca_file=imap_server.ca_file) as box:
        recent = box.uids_since((NOW - timedelta(days=14)).date())
        subjects = [parse_mail(raw).subject for _, raw in box.fetch(recent)]
    assert subjects == ["Quote 3", "Quote 4"]


def test_uids_since_includes_mail_sent_recently_though_received_long_ago(imap_server, mailbox_user):  # noqa: F811
    user, password = mailbox_user
    imap_server.append(user, password, mails(1, date=NOW - timedelta(days=1)), received=NOW - timedelta(days=60))
    with open_mailbox(address(imap_server, user, password), ca_file=imap_server.ca_file) as box:
        assert box.uids_since((NOW - timedelta(days=14)).date()) == [1]


def test_fetch_reads_in_batches_and_all_come_back_in_order(imap_server, mailbox_user):  # noqa: F811
    user, password = mailbox_user
    imap_server.append(user, password, mails(120))
    with open_mailbox(address(imap_server, user, password), ca_file=imap_server.ca_file) as box:
        got = [(uid, parse_mail(raw).subject) for uid, raw in box.fetch(box.uids_after(0), batch=50)]
    assert got == [(n + 1, f"Quote {n}") for n in range(120)]


def test_large_messages_are_fetched_a_few_bytes_worth_at_a_time_and_all_arrive(imap_server, mailbox_user):  # noqa: F811
    user, password = mailbox_user
    drawing = [("drawing.pdf", bytes(range(256)) * 400, "application/pdf")]  # about 140 kB once encoded
    imap_server.append(user, password, mails(3, attachments=drawing) + mails(2, start=3))
    with open_mailbox(address(imap_server, user, password), ca_file=imap_server.ca_file) as box:
        got = [(uid, parse_mail(raw).subject, len(raw)) for uid, raw in box.fetch([1, 2, 3, 4, 5], batch_bytes=150_000)]
    assert [(uid, subject) for uid, subject, _ in got] == [(n + 1, f"Quote {n}") for n in range(5)]
    assert all(size > 130_000 for _, _, size in got[:3])


def test_fetch_asks_for_each_batch_only_when_it_is_reached(imap_server, mailbox_user):  # noqa: F811
    user, password = mailbox_user
    imap_server.append(user, password, mails(5))
    with open_mailbox(address(imap_server, user, password), ca_file=imap_server.ca_file) as box:
        reading = box.fetch([1, 2, 3, 4, 5], batch=2)
        first = next(reading)
        # Someone deletes message 5 in their mail client while leadbot reads the first batch.
        with imap_server.session(user, password) as other:
            other.select("INBOX")
            other.uid("STORE", "5", "+FLAGS.SILENT", "(\\Deleted)")
            other.expunge()
        rest = list(reading)
    assert [first[0]] + [uid for uid, _ in rest] == [1, 2, 3, 4]


def test_chinese_mail_through_the_server_reads(imap_server, mailbox_user):  # noqa: F811
    user, password = mailbox_user
    raw = make_mail("wang@buyer.cn", "rep@ourco.example", "报价单——喆宇公司", "王经理您好：\n请查收报价单。",
                    charset="gb2312", encoding="gbk", date=NOW)
    imap_server.append(user, password, raw)
    with open_mailbox(address(imap_server, user, password), ca_file=imap_server.ca_file) as box:
        [(_, fetched)] = list(box.fetch(box.uids_after(0)))
    mail = parse_mail(fetched)
    assert (mail.subject, mail.body) == ("报价单——喆宇公司", "王经理您好：\n请查收报价单。")


# Marking handled


def test_mark_handled_flags_only_those_messages_seen(imap_server, mailbox_user):  # noqa: F811
    user, password = mailbox_user
    imap_server.append(user, password, mails(4))
    with open_mailbox(address(imap_server, user, password), ca_file=imap_server.ca_file) as box:
        box.mark_handled([1, 3])
        box.mark_handled([])
    flags = imap_server.uids_and_flags(user, password)
    assert {uid for uid, found in flags.items() if "\\Seen" in found} == {1, 3}
    assert set(flags) == {1, 2, 3, 4}  # nothing deleted


def test_mark_handled_moves_to_a_done_folder_it_creates(imap_server, mailbox_user):  # noqa: F811
    user, password = mailbox_user
    imap_server.append(user, password, mails(4))
    with open_mailbox(address(imap_server, user, password), ca_file=imap_server.ca_file) as box:
        box.mark_handled([1, 2], done_folder="Leadbot/Done")
        box.mark_handled([4], done_folder="Leadbot/Done")  # the folder now exists
        assert box.uids_after(0) == [3]
    assert "Leadbot/Done" in imap_server.folders(user, password)
    assert set(imap_server.uids_and_flags(user, password)) == {3}
    done = imap_server.uids_and_flags(user, password, "Leadbot/Done")
    assert len(done) == 3 and all("\\Seen" in flags for flags in done.values())


def test_a_mailbox_in_another_folder_is_read(imap_server, mailbox_user):  # noqa: F811
    user, password = mailbox_user
    imap_server.append(user, password, mails(2), folder="Sales Log")
    with open_mailbox(address(imap_server, user, password, "Sales Log"), ca_file=imap_server.ca_file) as box:
        assert box.uids_after(0) == [1, 2]


# Failures


def test_wrong_password_is_unavailable_without_showing_the_password(imap_server, mailbox_user):  # noqa: F811
    user, _ = mailbox_user
    target = address(imap_server, user, "WrongSecret1")
    with pytest.raises(MailboxUnavailable) as caught:
        with open_mailbox(target, ca_file=imap_server.ca_file, timeout=10):
            pass
    assert "login" in str(caught.value) and "WrongSecret1" not in str(caught.value)
    assert user in str(caught.value)


def test_missing_folder_is_unavailable(imap_server, mailbox_user):  # noqa: F811
    user, password = mailbox_user
    with pytest.raises(MailboxUnavailable, match="No Such Folder"):
        with open_mailbox(address(imap_server, user, password, "No Such Folder"), ca_file=imap_server.ca_file):
            pass


def test_closed_port_is_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    target = parse_mail_url(f"imaps://u:pw@127.0.0.1:{port}/INBOX")
    with pytest.raises(MailboxUnavailable, match="connect"):
        with open_mailbox(target, timeout=5):
            pass


def test_a_server_that_never_answers_times_out():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(MailboxUnavailable, match="timed out"):
            with open_mailbox(parse_mail_url(f"imap://u:pw@127.0.0.1:{port}/INBOX"), timeout=1):
                pass
        assert time.monotonic() - started < 10


def test_a_session_the_server_drops_midway_is_unavailable(imap_server, mailbox_user):  # noqa: F811
    user, password = mailbox_user
    imap_server.append(user, password, mails(4))
    with open_mailbox(address(imap_server, user, password), ca_file=imap_server.ca_file, timeout=10) as box:
        reading = box.fetch(box.uids_after(0), batch=2)
        next(reading)
        imap_server.kick(user)
        with pytest.raises(MailboxUnavailable, match="fetch"):
            list(reading)
        with pytest.raises(MailboxUnavailable):
            box.mark_handled([1])
    assert all("\\Seen" not in flags for flags in imap_server.uids_and_flags(user, password).values())


def test_imaps_with_an_untrusted_certificate_is_unavailable(imap_server, mailbox_user):  # noqa: F811
    user, password = mailbox_user
    with pytest.raises(MailboxUnavailable, match="certificate"):
        with open_mailbox(address(imap_server, user, password), timeout=10):
            pass


def test_imap_with_starttls_is_encrypted_and_verified(imap_server, mailbox_user):  # noqa: F811
    user, password = mailbox_user
    imap_server.append(user, password, mails(1))
    target = address(imap_server, user, password, tls=False)
    assert not target.tls and target.port == imap_server.imap_port
    with open_mailbox(target, ca_file=imap_server.ca_file, timeout=10) as box:
        assert box.encrypted
        assert box.uids_after(0) == [1]
    with pytest.raises(MailboxUnavailable, match="STARTTLS.*certificate"):
        with open_mailbox(target, timeout=10):
            pass


def test_a_missing_ca_file_is_unavailable(imap_server, mailbox_user, tmp_path):  # noqa: F811
    user, password = mailbox_user
    with pytest.raises(MailboxUnavailable, match="CA file"):
        with open_mailbox(address(imap_server, user, password), ca_file=str(tmp_path / "nope.pem")):
            pass


def test_two_sessions_read_the_same_mailbox_at_once(imap_server, mailbox_user):  # noqa: F811
    user, password = mailbox_user
    imap_server.append(user, password, mails(30))
    results = []

    def read():
        with open_mailbox(address(imap_server, user, password), ca_file=imap_server.ca_file) as box:
            results.append([uid for uid, _ in box.fetch(box.uids_after(0), batch=7)])

    threads = [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [list(range(1, 31))] * 2
