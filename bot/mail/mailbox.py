"""The sales mailbox over IMAP: where it is (LEADBOT_MAIL_URL), which messages are new, and marking them handled."""

import socket
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from imapclient import IMAPClient, tls
from imapclient.exceptions import IMAPClientError

DEFAULT_PORTS = {"imaps": 993, "imap": 143}
# UIDs per command when flagging or moving: a UID list of 10,000 messages would exceed servers' line limits.
_MARK_BATCH = 500
_T = TypeVar("_T")


@dataclass(frozen=True)
class MailboxAddress:
    """Where the sales mailbox is and how to log in, from LEADBOT_MAIL_URL."""

    tls: bool  # imaps:// (TLS from the start); imap:// upgrades with STARTTLS when the server offers it
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"

    @property
    def name(self) -> str:
        """How logs and /healthz name the mailbox: never with its password."""
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"


class MailboxUnavailable(Exception):
    """The mailbox cannot be read now: unreachable, TLS failed, login refused, or its folder is missing."""


def parse_mail_url(raw: str) -> MailboxAddress:
    """LEADBOT_MAIL_URL read: imaps://USER:PASSWORD@HOST[:PORT][/FOLDER], user and password percent-encoded.

    The ValueError says what is wrong in one line and never repeats the URL, which holds the password.
    """
    text = (raw or "").strip()
    scheme = text.partition("://")[0].lower()
    if scheme not in DEFAULT_PORTS or "://" not in text:
        raise ValueError("LEADBOT_MAIL_URL must start with imaps:// or imap://")
    if "#" in text or "?" in text:
        raise ValueError("LEADBOT_MAIL_URL has a '?' or '#': percent-encode them in the password (%3F, %23)")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError("LEADBOT_MAIL_URL is not a valid URL (is the port a number?)") from None
    if not parts.hostname:
        raise ValueError("LEADBOT_MAIL_URL has no host")
    if not parts.username:
        raise ValueError("LEADBOT_MAIL_URL has no user: imaps://USER:PASSWORD@HOST/FOLDER (an @ in USER as %40)")
    if parts.password is None or parts.password == "":
        raise ValueError("LEADBOT_MAIL_URL has no password: imaps://USER:PASSWORD@HOST/FOLDER")
    folder = unquote(parts.path.lstrip("/")).strip() or "INBOX"
    return MailboxAddress(
        tls=scheme == "imaps",
        host=parts.hostname,
        port=port or DEFAULT_PORTS[scheme],
        user=unquote(parts.username),
        password=unquote(parts.password),
        folder=folder,
    )


def _reason(error: BaseException) -> str:
    """A short, password-free account of why the mailbox failed."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted: {error.verify_message or error.reason}"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed: {error.reason or error}"
    if isinstance(error, (TimeoutError, socket.timeout)):
        return "timed out"
    if isinstance(error, socket.gaierror):
        return f"host not found: {error.strerror or error}"
    if isinstance(error, OSError):
        return f"cannot connect: {error.strerror or error}"
    text = error.args[0] if error.args else error
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return str(text)[:200]


_FAILURES = (IMAPClientError, OSError)  # imaplib's error and abort, socket and TLS errors (ssl.SSLError is an OSError)


class Mailbox:
    """One logged-in session on the mailbox's folder. Every failure is a MailboxUnavailable."""

    def __init__(self, client: IMAPClient, address: MailboxAddress, uidvalidity: int, uidnext: int) -> None:
        self._client = client
        self.address = address
        self.uidvalidity = uidvalidity  # UIDs mean the same messages only while this stays the same
        # The UID the next message will get, as the session opened: after a first read by date, later reads go on
        # from uidnext - 1, so the old messages that read skipped are never read by UID either.
        self.uidnext = uidnext

    @property
    def encrypted(self) -> bool:
        """Whether the session runs over TLS (imaps://, or imap:// after STARTTLS)."""
        return isinstance(self._client.socket(), ssl.SSLSocket)

    def _call(self, what: str, action: Callable[[], _T]) -> _T:
        try:
            return action()
        except _FAILURES as error:
            raise MailboxUnavailable(f"{self.address.name}: {what} failed: {_reason(error)}") from error

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above `last_uid`, ascending (UID n+1:* also returns the highest UID when it is <= n: dropped)."""
        found = self._call("search", lambda: self._client.search(["UID", f"{last_uid + 1}:*"]))
        return sorted(uid for uid in found if uid > last_uid)

    def uids_since(self, day: date) -> list[int]:
        """UIDs of messages sent or received on or after the day before `day`, ascending.

        Sent (the Date header, SENTSINCE) or received (SINCE) — a superset, and a day early since servers compare
        dates in the header's own zone: the caller keeps the ones whose Date is really in its window.
        """
        since = day - timedelta(days=1)
        found = self._call("search", lambda: self._client.search(["OR", "SENTSINCE", since, "SINCE", since]))
        return sorted(found)

    def fetch(self, uids: list[int], batch: int = 50, batch_bytes: int = 20_000_000) -> Iterator[tuple[int, bytes]]:
        """(uid, raw message) in UID order, nothing marked \\Seen; memory stays flat.

        At most `batch` messages and about `batch_bytes` (by their RFC822.SIZE; a bigger message comes alone) are held
        at once, so a few large attachments cost no more than the largest message.
        """
        ordered = sorted(uids)
        for start in range(0, len(ordered), batch):
            chunk = ordered[start:start + batch]
            sizes = self._call("fetch sizes", lambda chunk=chunk: self._client.fetch(chunk, ["RFC822.SIZE"]))
            group: list[int] = []
            held = 0
            for uid in chunk:
                if uid not in sizes:
                    continue  # expunged by someone else since the search: nothing to read
                size = int(sizes[uid].get(b"RFC822.SIZE", 0))
                if group and held + size > batch_bytes:
                    yield from self._fetch_bodies(group)
                    group, held = [], 0
                group.append(uid)
                held += size
            if group:
                yield from self._fetch_bodies(group)

    def _fetch_bodies(self, uids: list[int]) -> Iterator[tuple[int, bytes]]:
        answer = self._call("fetch", lambda: self._client.fetch(uids, ["BODY.PEEK[]"]))
        for uid in uids:
            data = answer.pop(uid, None)
            if data is not None and b"BODY[]" in data:
                yield uid, bytes(data[b"BODY[]"])

    def mark_handled(self, uids: list[int], done_folder: str | None = None) -> None:
        """Flags the messages \\Seen, and moves them to `done_folder` (created if missing) when given. Never deletes.

        Without the MOVE extension the move is COPY, then \\Deleted and UID EXPUNGE of just those messages (UIDPLUS);
        a server with neither keeps them in place, \\Seen.
        """
        if not uids:
            return
        ordered = sorted(set(uids))
        if done_folder:
            self._ensure_folder(done_folder)
        for start in range(0, len(ordered), _MARK_BATCH):
            chunk = ordered[start:start + _MARK_BATCH]
            self._call("flag", lambda chunk=chunk: self._client.add_flags(chunk, [b"\\Seen"], silent=True))
            if done_folder:
                self._call("move", lambda chunk=chunk: self._move(chunk, done_folder))

    def _move(self, uids: list[int], folder: str) -> None:
        client = self._client
        if client.has_capability("MOVE"):
            client.move(uids, folder)
        elif client.has_capability("UIDPLUS"):
            client.copy(uids, folder)
            client.add_flags(uids, [b"\\Deleted"], silent=True)
            client.uid_expunge(uids)
        else:
            # Expunging without UIDPLUS would also remove others' \Deleted mail: leave the messages where they are.
            return

    def _ensure_folder(self, folder: str) -> None:
        if self._call("list folders", lambda: self._client.folder_exists(folder)):
            return
        try:
            self._client.create_folder(folder)
        except _FAILURES as error:
            # Another scheduler may have created it a moment ago.
            if not self._call("list folders", lambda: self._client.folder_exists(folder)):
                raise MailboxUnavailable(f"{self.address.name}: cannot create {folder}: {_reason(error)}") from error


class _TimedTLS(tls.IMAP4_TLS):
    """IMAPClient 3.x opens imaps:// sockets without its connect timeout (IMAP4_TLS does not pass it on to
    imaplib), so a server that accepts the connection and never speaks would hang the TLS handshake and the
    greeting forever — and with it `leadbot tick`. Here the socket gets the timeout it was given."""

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return super()._create_socket(self._timeout if timeout is None else timeout)


class _Client(IMAPClient):
    def _create_IMAP4(self):
        if self.ssl and not self.stream:
            return _TimedTLS(self.host, self.port, self.ssl_context, getattr(self._timeout, "connect", None))
        return super()._create_IMAP4()


@contextmanager
def open_mailbox(address: MailboxAddress, ca_file: str | None = None, timeout: float = 30) -> Iterator[Mailbox]:
    """A logged-in session on `address`'s folder; MailboxUnavailable if it cannot be had. Logs out afterwards.

    TLS is verified against the system's certificate authorities, or only `ca_file` (LEADBOT_MAIL_CA_FILE) when set.
    """
    try:
        context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
    except (OSError, ValueError) as error:
        raise MailboxUnavailable(f"cannot read the CA file {ca_file}: {_reason(error)}") from error
    step = "connect"
    client = None
    try:
        client = _Client(address.host, port=address.port, ssl=address.tls, ssl_context=context, timeout=timeout)
        if not address.tls and client.has_capability("STARTTLS"):
            step = "STARTTLS"
            client.starttls(context)
        step = "login"
        client.login(address.user, address.password)
        step = f"open folder {address.folder}"
        selected = client.select_folder(address.folder)
        uidvalidity = int(selected.get(b"UIDVALIDITY", 0))
        uidnext = int(selected.get(b"UIDNEXT", 0)) or _uidnext(client)
    except _FAILURES as error:
        _close(client)
        raise MailboxUnavailable(f"{address.name}: {step} failed: {_reason(error)}") from error
    try:
        yield Mailbox(client, address, uidvalidity, uidnext)
    finally:
        _close(client, logout=True)


def _uidnext(client: IMAPClient) -> int:
    """UIDNEXT for a server whose SELECT leaves it out: one above the highest UID."""
    found = client.search(["UID", "1:*"])
    return max(found, default=0) + 1


def _close(client: IMAPClient | None, logout: bool = False) -> None:
    if client is None:
        return
    try:
        if logout:
            client.logout()
        else:
            client.shutdown()
    except _FAILURES:
        try:
            client.shutdown()
        except _FAILURES:
            pass
