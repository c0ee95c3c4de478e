"""Reading a big sales mailbox: how fast leadbot's mail layer fetches and parses, and whether its memory stays flat.

    python -m bench.mail_read [--messages 10000] [--recent 300]

Starts a private Dovecot (tests/imap_server.py; needs Debian's dovecot-imapd), APPENDs the messages (a mix of
plain, HTML-only GBK and 150 kB attachments, all but `--recent` dated 20–400 days ago), then measures over IMAPS:
the first read's search (`uids_since` 14 days back), and fetching + parsing every message (`fetch` + `parse_mail`),
with the process's peak memory after the first 1,000 and after all of them.
"""

import argparse
import multiprocessing
import resource
import time
from datetime import UTC, datetime, timedelta

from bench.common import load_average, log
from bot.mail.mailbox import open_mailbox, parse_mail_url
from bot.mail.message import UnreadableMail, parse_mail
from tests.imap_server import running_dovecot
from tests.mail_samples import QUOTED_REPLIES, make_mail

DRAWING = [("drawing.pdf", bytes(range(256)) * 400, "application/pdf")]


def sample(n: int, when: datetime) -> bytes:
    kind = n % 10
    if kind == 0:
        return make_mail(f"buyer{n}@buyer.example", "rep@ourco.example", f"报价 {n}", "王经理您好：\n请报价。\n" * 5,
                         charset="gb2312", encoding="gbk", html_only=True, date=when)
    if kind == 1:
        return make_mail(f"rep{n % 50}@ourco.example", f"buyer{n}@buyer.example", f"Drawing {n}", "See attached.",
                         attachments=DRAWING, date=when)
    text, _ = QUOTED_REPLIES[sorted(QUOTED_REPLIES)[n % len(QUOTED_REPLIES)]]
    return make_mail(f"buyer{n}@buyer.example", "rep@ourco.example", f"Re: Quote {n}", text * 3, date=when)


def fill(server, user: str, password: str, messages: int, recent: int, now: datetime) -> None:
    old = messages - recent
    batch = []
    for n in range(messages):
        when = now - timedelta(days=20 + n % 380) if n < old else now - timedelta(hours=1 + n % 300)
        batch.append(sample(n, when))
        if len(batch) == 500 or n == messages - 1:
            server.append(user, password, batch)
            batch = []


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--recent", type=int, default=300)
    args = parser.parse_args()
    now = datetime.now(UTC).replace(microsecond=0)
    with running_dovecot() as server:
        user, password = server.new_user()
        log(f"appending {args.messages} messages")
        started = time.monotonic()
        # In a child process, so that this one's peak memory is the reading's alone.
        filler = multiprocessing.get_context("fork").Process(
            target=fill, args=(server, user, password, args.messages, args.recent, now))
        filler.start()
        filler.join()
        assert filler.exitcode == 0
        log(f"appended in {time.monotonic() - started:.0f} s")
        address = parse_mail_url(server.url(user, password))
        before = peak_mb()
        with open_mailbox(address, ca_file=server.ca_file) as box:
            started = time.monotonic()
            recent = box.uids_since((now - timedelta(days=14)).date())
            search_s = time.monotonic() - started
            started = time.monotonic()
            recent_read = sum(1 for _, raw in box.fetch(recent) if parse_mail(raw))
            recent_s = time.monotonic() - started

            everything = box.uids_after(0)
            started = time.monotonic()
            cpu = time.process_time()
            read = unreadable = size = 0
            peak_at_1000 = None
            for _, raw in box.fetch(everything):
                size += len(raw)
                try:
                    parse_mail(raw)
                    read += 1
                except UnreadableMail:
                    unreadable += 1
                if read + unreadable == 1000:
                    peak_at_1000 = peak_mb()
            all_s = time.monotonic() - started
            cpu_s = time.process_time() - cpu
        print(f"load average {load_average()}")
        print("| measure | value |\n| --- | --- |")
        print(f"| messages in the mailbox | {len(everything):,} ({size / 1e6:.0f} MB) |")
        print(f"| first read's search (`uids_since` 14 days) | {len(recent)} found in {search_s * 1000:.0f} ms |")
        print(f"| first read: fetch + parse those | {recent_read} in {recent_s:.1f} s "
              f"({recent_read / recent_s:.0f} messages/s) |")
        print(f"| fetch + parse all | {read:,} in {all_s:.1f} s ({read / all_s:.0f} messages/s, "
              f"{cpu_s:.1f} s CPU in this process) |")
        print(f"| peak memory (RSS) before reading / after 1,000 / after all | {before:.0f} / {peak_at_1000:.0f} / "
              f"{peak_mb():.0f} MB |")


if __name__ == "__main__":
    main()
