"""A real Dovecot IMAP server for the tests: unprivileged, in its own temp dir, on free ports, IMAP and IMAPS.

Use the session-scoped `imap_server` fixture (import it into the test module), then `imap_server.new_user()` for a
mailbox of the test's own and `imap_server.append(...)` to deliver raw messages through IMAP APPEND.
"""

import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote

import pytest

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
HOST = "127.0.0.1"
_START_TIMEOUT = 20.0

_CONFIG = """\
# A throwaway Dovecot for leadbot's tests; nothing here is read from /etc/dovecot.
protocols = imap
listen = {host}
base_dir = {root}/run
state_dir = {root}/state
instance_name = leadbot-test-{token}
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:~/Maildir
# Throwaway mail: no fsync, so thousands of APPENDs stay quick.
mail_fsync = never
mail_plugins =
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
ssl_min_protocol = TLSv1.2
auth_mechanisms = plain login
auth_verbose = yes
# Fast tests: no delay after a failed login.
auth_failure_delay = 0
protocol imap {{
  mail_max_userip_connections = 50
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users/%u
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users/%u
  default_fields = uid={uid} gid={gid} home={root}/home/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
# Unprivileged: no chroot for the login and anvil processes. The auth penalty socket closed (mode 0), so failed
# logins (tests make them on purpose) do not slow the next ones from the same IP by up to 15 seconds.
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = {imaps_port}
    ssl = yes
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0600
  }}
  unix_listener stats-writer {{
    mode = 0600
  }}
}}
"""


@dataclass
class ImapServer:
    """A running Dovecot: where it listens, the certificate authority to trust, and helpers to fill mailboxes."""

    root: Path
    imap_port: int
    imaps_port: int
    host: str = HOST

    @property
    def ca_file(self) -> str:
        """The self-signed certificate the server presents (what LEADBOT_MAIL_CA_FILE would name)."""
        return str(self.root / "cert.pem")

    @property
    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def new_user(self, password: str = "s3cr et/@%#?pw") -> tuple[str, str]:
        """A fresh mailbox user (an address, as real providers use) and its password (no ":", the file's separator)."""
        assert ":" not in password and "\n" not in password
        user = f"sales-{uuid.uuid4().hex[:10]}@ourco.example"
        # A file per user: Dovecot checks a passwd-file for changes at most once a second, a new file it reads at once.
        (self.root / "users" / user).write_text(f"{user}:{{PLAIN}}{password}::::::\n", encoding="utf-8")
        return user, password

    def kick(self, user: str) -> None:
        """Drops every session of `user` (doveadm kick), as a server restart or an admin would."""
        subprocess.run([DOVEADM, "-c", str(self.root / "dovecot.conf"), "kick", user], check=True, capture_output=True,
                       timeout=30)

    def url(self, user: str, password: str, folder: str = "INBOX", *, tls: bool = True) -> str:
        """The LEADBOT_MAIL_URL of a mailbox: imaps:// by default, imap:// (STARTTLS) with tls=False."""
        scheme, port = ("imaps", self.imaps_port) if tls else ("imap", self.imap_port)
        return f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@{self.host}:{port}/{quote(folder)}"

    @contextmanager
    def session(self, user: str, password: str) -> Iterator[imaplib.IMAP4_SSL]:
        """A logged-in imaplib session over IMAPS, independent of the code under test."""
        context = ssl.create_default_context(cafile=self.ca_file)
        client = imaplib.IMAP4_SSL(self.host, self.imaps_port, ssl_context=context, timeout=10)
        try:
            client.login(user, password)
            yield client
        finally:
            try:
                client.logout()
            except (imaplib.IMAP4.error, OSError):
                pass

    def append(self, user: str, password: str, messages: Sequence[bytes] | bytes, folder: str = "INBOX",
               flags: str = "", received: datetime | None = None) -> None:
        """Delivers raw messages with IMAP APPEND (creating `folder` if needed), in order.

        Each is received (its INTERNALDATE) at `received`, or by default at its Date header, as delivery would.
        """
        if isinstance(messages, bytes):
            messages = [messages]
        with self.session(user, password) as client:
            if folder.upper() != "INBOX":
                client.create(_quoted(folder))
            for raw in messages:
                when = received or _date_of(raw) or datetime.now(UTC)
                status, detail = client.append(_quoted(folder), flags or None, when, raw)
                assert status == "OK", detail

    def uids_and_flags(self, user: str, password: str, folder: str = "INBOX") -> dict[int, set[str]]:
        """{uid: flags} of every message in `folder` ({} if the folder does not exist)."""
        with self.session(user, password) as client:
            status, _ = client.select(_quoted(folder), readonly=True)
            if status != "OK":
                return {}
            status, data = client.uid("FETCH", "1:*", "(FLAGS)")
            found = {}
            for line in data:
                if not line:
                    continue
                text = line.decode() if isinstance(line, bytes) else line[0].decode()
                parsed = imaplib.ParseFlags(text.encode())
                uid = int(text.split("UID ", 1)[1].split()[0].rstrip(")"))
                found[uid] = {flag.decode() for flag in parsed}
            return found

    def folders(self, user: str, password: str) -> list[str]:
        with self.session(user, password) as client:
            _, data = client.list()
            return [line.decode().rsplit(' "/" ', 1)[1].strip('"') for line in data if line]


def _date_of(raw: bytes) -> datetime | None:
    header = BytesHeaderParser().parsebytes(raw).get("Date")
    try:
        when = parsedate_to_datetime(str(header)) if header else None
    except (TypeError, ValueError):
        return None
    return when if when is None or when.tzinfo else when.replace(tzinfo=UTC)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _run_as() -> tuple[str, str, int, int]:
    """Who Dovecot runs as: this user, or `nobody` when the tests run as root (Dovecot refuses mail as root)."""
    uid = os.geteuid()
    if uid == 0:
        user = pwd.getpwnam("nobody")
        return user.pw_name, grp.getgrgid(user.pw_gid).gr_name, user.pw_uid, user.pw_gid
    return pwd.getpwuid(uid).pw_name, grp.getgrgid(os.getegid()).gr_name, uid, os.getegid()


def _make_certificate(root: Path) -> None:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:TRUE"],
        check=True, capture_output=True, timeout=60,
    )


def _greets(port: int, tls: bool = False) -> bool:
    """Whether the server answers on `port` with an IMAP greeting (through TLS for the IMAPS port)."""
    try:
        with socket.create_connection((HOST, port), timeout=2) as conn:
            if tls:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                with context.wrap_socket(conn) as secure:
                    return secure.recv(64).startswith(b"* OK")
            return conn.recv(64).startswith(b"* OK")
    except OSError:
        return False


@contextmanager
def running_dovecot() -> Iterator[ImapServer]:
    """Starts Dovecot in a fresh temp dir and stops it (and removes the dir) afterwards."""
    if not os.access(DOVECOT, os.X_OK):
        pytest.fail(f"{DOVECOT} is missing: install Debian's dovecot-imapd (scripts/test does)")
    user, group, uid, gid = _run_as()
    root = Path(tempfile.mkdtemp(prefix="leadbot-dovecot-"))
    process = None
    try:
        for sub in ("run", "state", "home", "users"):
            (root / sub).mkdir()
        _make_certificate(root)
        os.chmod(root, 0o755)
        for attempt in range(3):
            # Another test process may take a probed port before Dovecot binds it: then try fresh ports.
            server = ImapServer(root, _free_port(), _free_port())
            config = root / "dovecot.conf"
            config.write_text(_CONFIG.format(
                host=HOST, root=root, token=uuid.uuid4().hex[:8], user=user, group=group, uid=uid, gid=gid,
                imap_port=server.imap_port, imaps_port=server.imaps_port))
            if os.geteuid() == 0:
                for path in [root, *root.rglob("*")]:
                    os.chown(path, uid, gid)
            # As root, Dovecot itself runs as `nobody`: the whole server stays unprivileged.
            drop = {"user": uid, "group": gid, "extra_groups": []} if os.geteuid() == 0 else {}
            with open(root / "stderr.log", "wb") as stderr:
                process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=stderr,
                                           **drop)
            deadline = time.monotonic() + _START_TIMEOUT
            while process.poll() is None and time.monotonic() < deadline and "Fatal:" not in server.log:
                if _greets(server.imap_port) and _greets(server.imaps_port, tls=True):
                    break
                time.sleep(0.1)
            if process.poll() is None and _greets(server.imap_port) and _greets(server.imaps_port, tls=True):
                break
            _stop(process)
            failure = (root / "stderr.log").read_text(errors="replace") + server.log
            if attempt == 2 or "Address already in use" not in failure:
                raise RuntimeError("Dovecot did not start:\n" + failure)
            (root / "dovecot.log").unlink(missing_ok=True)
        yield server
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(root, ignore_errors=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="session")
def imap_server() -> Iterator[ImapServer]:
    with running_dovecot() as server:
        yield server
