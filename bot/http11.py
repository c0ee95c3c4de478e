"""One HTTP/1.1 request and its answer on an open socket: the request in one write, the answer read in large pieces.

http.client builds a file object, a response object and an `email` parse of the headers for every answer, and
reads its lines one call at a time; for a Slack call on a kept-alive connection that was about as much CPU as the
sockets' own work. This reads what http.client reads, and raises what it raises for the same failures
(`RemoteDisconnected` when not a byte came back, `IncompleteRead` for a cut-off answer), so that
bot/slack_transport.py and slack_sdk above it see what they saw.
"""

from __future__ import annotations

import email.parser
import http.client
import re
import socket
from dataclasses import dataclass
from typing import Any

_READ_SIZE = 65536
# As http.client: a status line and headers longer than this are an error, not something to keep reading.
_MAX_HEAD = 65536 + 100 * 1024
# Header names and values as http.client lets them through (it refuses the same in putheader).
_LEGAL_NAME = re.compile(rb"[^:\s][^:\r\n]*")
_ILLEGAL_VALUE = re.compile(rb"\n(?![ \t])|\r(?![ \t\n])")
_METHODS_EXPECTING_BODY = {"PATCH", "POST", "PUT"}


@dataclass
class Answer:
    """What came back: `headers` is the same `HTTPMessage` http.client gives, `body` all of it, decoded of chunks."""

    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes
    will_close: bool  # the server closes the connection after this answer: it cannot carry another request


def request_bytes(method: str, host: str, path: str, headers: dict[str, Any], body: bytes | None) -> bytes:
    """The request as http.client sends it: Host, Accept-Encoding and Content-Length unless `headers` has them."""
    given = {name.lower() for name in headers}
    lines = [f"{method} {path} HTTP/1.1".encode("ascii")]
    if "host" not in given:
        lines.append(b"Host: " + host.encode("idna"))
    if "accept-encoding" not in given:
        lines.append(b"Accept-Encoding: identity")
    if "content-length" not in given and (body is not None or method.upper() in _METHODS_EXPECTING_BODY):
        lines.append(b"Content-Length: " + str(len(body or b"")).encode("ascii"))
    for name, value in headers.items():
        name_bytes = name.encode("ascii")
        value_bytes = value.encode("latin-1") if isinstance(value, str) else str(value).encode("ascii")
        if not _LEGAL_NAME.fullmatch(name_bytes):
            raise ValueError(f"Invalid header name {name_bytes!r}")
        if _ILLEGAL_VALUE.search(value_bytes):
            raise ValueError(f"Invalid header value {value_bytes!r}")
        lines.append(name_bytes + b": " + value_bytes)
    lines.append(b"\r\n")
    return b"\r\n".join(lines) + (body or b"")


def host_header(host: str, port: int, default_port: int) -> str:
    """The Host header's value: the port only when it is not the scheme's own, an IPv6 address in brackets."""
    shown = f"[{host}]" if ":" in host else host
    return shown if port == default_port else f"{shown}:{port}"


def read_answer(sock: socket.socket) -> Answer:
    """Read one whole answer to a request that was not HEAD; on a close or a timeout, raise as http.client does."""
    reader = _Reader(sock)
    while True:
        status_line, header_lines = reader.head()
        version, status, reason = _status(status_line)
        if status >= 200 or status == 101:
            break  # a 100 Continue (or another 1xx) is followed by the real answer
    headers = _headers(header_lines)
    will_close = _will_close(version, headers)
    if status in (204, 304) or 100 <= status < 200:
        body = b""
    elif "chunked" in (headers.get("transfer-encoding") or "").lower():
        body = reader.chunked()
    elif (length := _content_length(headers)) is not None:
        body = reader.exactly(length)
    else:
        body, will_close = reader.until_closed(), True
    if reader.leftover():
        will_close = True  # bytes nobody asked for: the connection's next answer could not be told apart
    return Answer(status, reason, headers, body, will_close)


class _Reader:
    """The socket's bytes, taken in large reads and handed out by what the answer's framing asks for."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = bytearray()
        self._read_any = False

    def head(self) -> tuple[str, list[str]]:
        while (end := self._buffer.find(b"\r\n\r\n")) < 0:
            if len(self._buffer) > _MAX_HEAD:
                raise http.client.LineTooLong("header line")
            if not self._fill():
                if not self._read_any:
                    raise http.client.RemoteDisconnected("Remote end closed connection without response")
                raise http.client.IncompleteRead(bytes(self._buffer))
        head = self._buffer[:end].decode("iso-8859-1")
        del self._buffer[: end + 4]
        status_line, *header_lines = head.split("\r\n")
        return status_line, header_lines

    def exactly(self, length: int) -> bytes:
        while len(self._buffer) < length:
            if not self._fill():
                raise http.client.IncompleteRead(bytes(self._buffer), length - len(self._buffer))
        body = bytes(self._buffer[:length])
        del self._buffer[:length]
        return body

    def line(self) -> bytes:
        while (end := self._buffer.find(b"\r\n")) < 0:
            if len(self._buffer) > _MAX_HEAD:
                raise http.client.LineTooLong("chunk size")
            if not self._fill():
                raise http.client.IncompleteRead(bytes(self._buffer))
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 2]
        return line

    def chunked(self) -> bytes:
        parts = []
        while True:
            size_text = self.line().split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise http.client.IncompleteRead(b"".join(parts)) from None
            if size == 0:
                while self.line():  # trailers, up to the empty line
                    pass
                return b"".join(parts)
            parts.append(self.exactly(size))
            self.exactly(2)  # the CRLF after the chunk

    def until_closed(self) -> bytes:
        while self._fill():
            pass
        body = bytes(self._buffer)
        self._buffer.clear()
        return body

    def leftover(self) -> bool:
        return bool(self._buffer)

    def _fill(self) -> bool:
        data = self._sock.recv(_READ_SIZE)
        if data:
            self._read_any = True
            self._buffer += data
        return bool(data)


def _status(line: str) -> tuple[str, int, str]:
    version, _, rest = line.partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/") or len(code) != 3 or not code.isdigit():
        raise http.client.BadStatusLine(line)
    if not version.startswith("HTTP/1."):
        raise http.client.UnknownProtocol(version)
    return version, int(code), reason.strip()


def _headers(lines: list[str]) -> http.client.HTTPMessage:
    """The HTTPMessage http.client would build; folded or malformed lines go through its own `email` parse."""
    message = http.client.HTTPMessage()
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or not name or name[0] in " \t" or name != name.rstrip():
            text = "\r\n".join(lines) + "\r\n\r\n"
            return email.parser.Parser(_class=http.client.HTTPMessage).parsestr(text)
        message[name] = value.strip(" \t")
    return message


def _content_length(headers: http.client.HTTPMessage) -> int | None:
    given = headers.get("content-length")
    if given is None:
        return None
    try:
        length = int(given)
    except ValueError:
        return None  # as http.client: an unreadable length reads to the close
    return length if length >= 0 else None


def _will_close(version: str, headers: http.client.HTTPMessage) -> bool:
    connection = (headers.get("connection") or "").lower()
    if "close" in connection:
        return True
    if version == "HTTP/1.0":
        return "keep-alive" not in connection and not headers.get("keep-alive")
    return False
