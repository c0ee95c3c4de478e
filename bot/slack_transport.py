"""A WebClient that sends its Web API calls over kept-alive connections from a per-process pool."""

from __future__ import annotations

import http.client
import logging
import os
import select
import ssl
import threading
import time
from io import BytesIO
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient

from bot import http11

# Idle connections kept per (scheme, host, port): more than a process's threads ever use at once.
MAX_IDLE_PER_HOST = 32
# An idle connection older than this is closed instead of reused: Slack (and any load balancer on the way)
# closes idle ones after a while, and a connection it closed can only fail.
MAX_IDLE_SECONDS = 30.0

_Key = tuple  # (scheme, host, port, the SSL context for https)


class _Pool:
    """Idle connections by where they lead; a connection is in here or with the one thread using it, never both."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[_Key, list[tuple[float, http.client.HTTPConnection]]] = {}

    def take(self, key: _Key) -> http.client.HTTPConnection | None:
        """The most recently used idle connection that still looks open, or None."""
        now = time.monotonic()
        while True:
            with self._lock:
                idle = self._idle.get(key)
                if not idle:
                    return None
                since, connection = idle.pop()
            if now - since < MAX_IDLE_SECONDS and not _closed_by_peer(connection):
                return connection
            connection.close()

    def give(self, key: _Key, connection: http.client.HTTPConnection) -> None:
        """Keep `connection` (its last answer read to the end) for the next call to the same place."""
        with self._lock:
            idle = self._idle.setdefault(key, [])
            idle.append((time.monotonic(), connection))
            surplus = idle[:-MAX_IDLE_PER_HOST]
            del idle[:-MAX_IDLE_PER_HOST]
        for _since, extra in surplus:
            extra.close()

    def idle_count(self, key: _Key | None = None) -> int:
        with self._lock:
            return sum(len(idle) for k, idle in self._idle.items() if key is None or k == key)

    def forget_inherited(self) -> None:
        """In a forked child: drop the parent's connections (two processes on one connection mix their answers).

        The lock is replaced too: another thread of the parent may have held it at the fork.
        Closing only closes this process's copies of the sockets; the parent's stay open.
        """
        inherited = [connection for idle in self._idle.values() for _since, connection in idle]
        self._lock = threading.Lock()
        self._idle = {}
        for connection in inherited:
            connection.close()


_POOL = _Pool()
os.register_at_fork(after_in_child=_POOL.forget_inherited)

_default_ssl: ssl.SSLContext | None = None


def _ssl_context(given: ssl.SSLContext | None) -> ssl.SSLContext:
    # urllib builds the default context anew for every connection (it loads the CA bundle each time); one will do.
    global _default_ssl
    if given is not None:
        return given
    if _default_ssl is None:
        _default_ssl = ssl.create_default_context()
    return _default_ssl


def _closed_by_peer(connection: http.client.HTTPConnection) -> bool:
    """Whether an idle connection has something to read: the server's close (or data nobody asked for)."""
    if connection.sock is None:
        return True
    poller = select.poll()
    poller.register(connection.sock, select.POLLIN)
    return bool(poller.poll(0))


class _Unanswered(Exception):
    """A reused connection failed before any byte of an answer came back; `sent` says whether the request left."""

    def __init__(self, error: Exception, sent: bool) -> None:
        super().__init__(error)
        self.error = error
        self.sent = sent


class PooledWebClient(WebClient):
    """slack_sdk's WebClient, its calls sent over kept-alive connections shared by the process's clients.

    urllib opens a new connection (against Slack, a new TLS handshake) for every call; this
    client reuses one while the server keeps it open. Everything above the transport is
    slack_sdk's own: the same answer or the same `HTTPError`, so its retry handlers (429
    Retry-After, 5xx, connection errors) see what they saw before.

    A reused connection can turn out closed by the server while it sat idle; the call then
    goes once more on a new one, but only when nothing came back. `resend_unanswered=False`
    resends only when the request could not even be sent: a connection dropped after a
    request left may hide a post Slack made (see `slack_out.posting_client`).
    """

    resend_unanswered = True

    def __init__(self, *args: Any, resend_unanswered: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resend_unanswered = resend_unanswered

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if self.proxy is not None or scheme not in ("http", "https") or not parts.hostname:
            return super()._perform_urllib_http_request_internal(url, req)  # a proxy, or an error to raise
        port = parts.port or (443 if scheme == "https" else 80)
        key = (scheme, parts.hostname.lower(), port, _ssl_context(self.ssl) if scheme == "https" else None)
        # As urllib sends them (unredirected ones first), but without its `Connection: close`.
        headers = dict(req.unredirected_hdrs)
        headers.update((name, value) for name, value in req.headers.items() if name not in headers)
        if req.data is not None and "Content-type" not in headers:
            headers["Content-type"] = "application/x-www-form-urlencoded"
        headers = {name.title(): value for name, value in headers.items()}

        connection = _POOL.take(key)
        answer = None
        if connection is not None:
            try:
                answer = self._exchange(connection, req, headers, reused=True)
            except _Unanswered as failure:
                if failure.sent and not self.resend_unanswered:
                    raise failure.error from None
                self._logger.debug("A kept-alive connection to %s was closed by the server; using a new one", key[1])
        if answer is None:
            connection = self._connect(key)
            answer = self._exchange(connection, req, headers, reused=False)
        if answer.will_close:
            connection.close()
        else:
            _POOL.give(key, connection)
        return self._answer(req, answer)

    def _connect(self, key: _Key) -> http.client.HTTPConnection:
        scheme, host, port, context = key
        if scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=self.timeout, context=context)
        return http.client.HTTPConnection(host, port, timeout=self.timeout)

    def _exchange(
        self, connection: http.client.HTTPConnection, req: Request, headers: dict, reused: bool
    ) -> http11.Answer:
        """Send `req` and read the whole answer; errors as urllib raises them.

        http.client's connection only connects (and wraps TLS): the request and the answer go over its
        socket through bot/http11.py, which costs about half as much CPU a call as http.client's own."""
        host = http11.host_header(connection.host, connection.port, connection.default_port)
        request = http11.request_bytes(req.get_method(), host, req.selector, headers, req.data)
        try:
            if connection.sock is None:
                connection.connect()
            elif reused:
                connection.sock.settimeout(self.timeout)
            connection.sock.sendall(request)
        except OSError as error:
            connection.close()
            if reused and isinstance(error, ConnectionError):
                raise _Unanswered(URLError(error), sent=False) from error
            raise URLError(error) from error  # urllib wraps what connecting and sending raise
        try:
            return http11.read_answer(connection.sock)
        except (ConnectionResetError, BrokenPipeError) as error:  # RemoteDisconnected too: not a byte came back
            connection.close()
            if reused:
                raise _Unanswered(error, sent=True) from error
            raise
        except BaseException:
            connection.close()
            raise

    def _answer(self, req: Request, response: http11.Answer) -> dict[str, Any]:
        """What slack_sdk's urllib transport returns for this answer, or the HTTPError urllib raises for it."""
        if not 200 <= response.status < 300:
            raise HTTPError(req.full_url, response.status, response.reason, response.headers, BytesIO(response.body))
        # slack_sdk tests `logger.level <= DEBUG`, true for a logger left at NOTSET: it formats every answer for a
        # debug line nobody reads. Asking the logger writes the same lines only when they are wanted.
        debug = self._logger.isEnabledFor(logging.DEBUG)
        if response.headers.get_content_type() == "application/gzip":  # admin.analytics.getFile
            if debug:
                self._logger.debug(
                    "Received the following response - "
                    f"status: {response.status}, headers: {dict(response.headers)}, body: (binary)"
                )
            return {"status": response.status, "headers": response.headers, "body": response.body}
        decoded = response.body.decode(response.headers.get_content_charset() or "utf-8")
        if debug:
            self._logger.debug(
                "Received the following response - "
                f"status: {response.status}, headers: {dict(response.headers)}, body: {decoded}"
            )
        return {"status": response.status, "headers": response.headers, "body": decoded}
