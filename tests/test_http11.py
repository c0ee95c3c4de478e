"""An answer is read as http.client reads it, whatever framing the server chose, and a broken one fails the same way."""

from __future__ import annotations

import http.client
import io
import socket
import ssl
import threading

import pytest
import trustme

from bot.http11 import host_header, read_answer, request_bytes
from bot.slack_transport import PooledWebClient


def _answer_to(raw: bytes, close: bool = True):
    ours, theirs = socket.socketpair()
    theirs.sendall(raw)
    if close:
        theirs.close()
    try:
        return read_answer(ours)
    finally:
        ours.close()
        if not close:
            theirs.close()


def test_a_sized_answer_leaves_the_connection_open():
    answer = _answer_to(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}',
                        close=False)
    assert (answer.status, answer.reason, answer.body, answer.will_close) == (200, "OK", b'{"ok":true}', False)
    assert answer.headers.get_content_type() == "application/json"
    assert answer.headers["content-type"] == "application/json"  # names looked up as http.client's are


def test_a_chunked_answer_is_joined():
    raw = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n")
    answer = _answer_to(raw, close=False)
    assert (answer.body, answer.will_close) == (b"hello world", False)


def test_an_answer_without_a_length_is_read_to_the_close():
    answer = _answer_to(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it")
    assert (answer.body, answer.will_close) == (b"all of it", True)


def test_connection_close_and_http_1_0_end_the_connection():
    assert _answer_to(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").will_close
    assert _answer_to(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").will_close
    kept = _answer_to(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", close=False)
    assert not kept.will_close


def test_a_100_continue_is_skipped_for_the_real_answer():
    answer = _answer_to(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\n"
                        b"Content-Length: 2\r\n\r\n{}", close=False)
    assert (answer.status, answer.headers["Retry-After"], answer.body) == (429, "7", b"{}")


def test_bytes_after_the_answer_close_the_connection():
    assert _answer_to(b"HTTP/1.1 204 No Content\r\n\r\nsurprise", close=False).will_close


def test_a_folded_header_is_read_as_http_client_reads_it():
    raw = b"HTTP/1.1 200 OK\r\nX-Long: one\r\n two\r\nContent-Length: 0\r\n\r\n"
    expected = http.client.parse_headers(io.BytesIO(b"X-Long: one\r\n two\r\nContent-Length: 0\r\n\r\n"))
    assert _answer_to(raw, close=False).headers["X-Long"] == expected["X-Long"]


def test_a_server_that_closes_without_answering_is_remote_disconnected():
    with pytest.raises(http.client.RemoteDisconnected):  # what slack_sdk's connection retry handler looks for
        _answer_to(b"")


@pytest.mark.parametrize("raw", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
    b"HTTP/1.1 200 OK\r\nContent-Le",
])
def test_a_cut_off_answer_is_an_incomplete_read(raw):
    with pytest.raises(http.client.IncompleteRead):
        _answer_to(raw)


def test_a_status_line_that_is_not_http_is_refused():
    with pytest.raises(http.client.BadStatusLine):
        _answer_to(b"SSH-2.0-OpenSSH\r\n\r\n")


def test_the_request_is_what_http_client_sends():
    sent = request_bytes("POST", host_header("slack.com", 443, 443), "/api/chat.postMessage",
                         {"Content-Type": "application/json", "Authorization": "Bearer xoxb-1"}, b"{}")
    assert sent == (b"POST /api/chat.postMessage HTTP/1.1\r\nHost: slack.com\r\nAccept-Encoding: identity\r\n"
                    b"Content-Length: 2\r\nContent-Type: application/json\r\nAuthorization: Bearer xoxb-1\r\n\r\n{}")
    assert host_header("::1", 8080, 80) == "[::1]:8080"
    given = request_bytes("POST", "h", "/", {"Content-Length": 5, "Host": "other"}, b"12345")
    assert given.count(b"Content-Length") == 1 and b"Host: other" in given and b"Host: h" not in given


def test_a_header_that_would_split_the_request_is_refused():
    with pytest.raises(ValueError):
        request_bytes("POST", "h", "/", {"X-Note": "a\r\nInjected: yes"}, b"")
    with pytest.raises(ValueError):
        request_bytes("POST", "h", "/", {"Bad:Name": "x"}, b"")


def _serve(server: socket.socket, answer: bytes, calls: int, wrap=None) -> tuple[threading.Thread, list]:
    """Accept connections and give each request `answer`, `calls` requests in all; the connections accepted."""
    accepted = []

    def serve():
        served = 0
        while served < calls:
            connection, _ = server.accept()
            if wrap is not None:
                connection = wrap(connection)
            accepted.append(connection)
            while served < calls:
                request = b""
                while b"\r\n\r\n" not in request:
                    request += connection.recv(65536)
                head, _, body = request.partition(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                while len(body) < length:
                    body += connection.recv(65536)
                connection.sendall(answer)
                served += 1

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread, accepted


def _two_calls(client: PooledWebClient, thread: threading.Thread, accepted: list, server: socket.socket) -> None:
    try:
        assert client.auth_test()["team_id"] == "T1"
        assert client.auth_test()["ok"]  # the second on the same connection
    finally:
        thread.join(5)
        for connection in accepted:
            connection.close()
        server.close()
    assert len(accepted) == 1


def test_a_chunked_slack_answer_reaches_slack_sdk():
    """Slack may answer in chunks: the pooled client hands slack_sdk the same JSON, and keeps the connection."""
    payload = b'{"ok": true, "team_id": "T1"}'
    chunked = b"%x\r\n" % len(payload) + payload + b"\r\n0\r\n\r\n"
    answer = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n" + chunked)
    server = socket.create_server(("127.0.0.1", 0))
    thread, accepted = _serve(server, answer, calls=2)
    client = PooledWebClient(token="xoxb-test", base_url=f"http://127.0.0.1:{server.getsockname()[1]}/api/",
                             retry_handlers=[])
    _two_calls(client, thread, accepted, server)


def test_calls_over_tls_are_read_the_same_and_keep_their_connection():
    """Slack is HTTPS: the request and the answer go through the TLS socket http.client's connection opened."""
    authority = trustme.CA()
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(served)
    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)
    payload = b'{"ok": true, "team_id": "T1"}'
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
        len(payload), payload)
    server = socket.create_server(("127.0.0.1", 0))
    thread, accepted = _serve(server, answer, calls=2,
                              wrap=lambda connection: served.wrap_socket(connection, server_side=True))
    client = PooledWebClient(token="xoxb-test", base_url=f"https://127.0.0.1:{server.getsockname()[1]}/api/",
                             ssl=trusting, retry_handlers=[])
    _two_calls(client, thread, accepted, server)
