"""Slack's Socket Mode on loopback: the websocket `apps.connections.open` hands out, pushing envelopes, taking acks."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
import uuid
from typing import Any

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455's, for Sec-WebSocket-Accept
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class FakeSocketMode:
    """A websocket server that talks to a Socket Mode client as Slack does: `hello` first, pongs for pings, and
    envelopes (`slash_commands`, `events_api`, `interactive`) whose acks it keeps by envelope id."""

    def __init__(self, app_id: str = "A0001") -> None:
        self.app_id = app_id
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._clients: list[socket.socket] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self._changed = threading.Condition()
        self._writing = threading.Lock()  # a pong and an envelope must not interleave on one socket
        self._stopped = False
        threading.Thread(target=self._accept, name="FakeSocketMode", daemon=True).start()

    @property
    def url(self) -> str:
        """What `apps.connections.open` answers with (real Slack's is wss://wss-primary.slack.com/link/?ticket=…)."""
        return f"ws://127.0.0.1:{self._listener.getsockname()[1]}/link/?ticket={uuid.uuid4()}&app_id={self.app_id}"

    def wait_connected(self, timeout: float = 30) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: self._clients, timeout), "no Socket Mode client connected"

    def send(self, kind: str, payload: dict[str, Any]) -> str:
        """Push one envelope to the first connected client; returns its envelope id."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": True,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        with self._changed:
            client = self._clients[0]
        self._write(client, TEXT, json.dumps(envelope).encode())
        return envelope_id

    def ack(self, envelope_id: str, timeout: float = 10) -> dict[str, Any]:
        """The client's ack for that envelope (`{"envelope_id": …, "payload": …}`), waiting for it."""
        with self._changed:
            assert self._changed.wait_for(lambda: envelope_id in self._acks, timeout), "no ack for " + envelope_id
            return self._acks[envelope_id]

    def stop(self) -> None:
        self._stopped = True
        self._listener.close()
        with self._changed:
            for client in self._clients:
                client.close()

    def _write(self, client: socket.socket, opcode: int, data: bytes) -> None:
        with self._writing:
            _write(client, opcode, data)

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), name="FakeSocketModeClient", daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            if not _handshake(client):
                client.close()
                return
            hello = {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "applink-fake", "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.app_id},
            }
            self._write(client, TEXT, json.dumps(hello).encode())
            with self._changed:
                self._clients.append(client)
                self._changed.notify_all()
            while True:
                opcode, data = _read(client)
                if opcode == PING:
                    self._write(client, PONG, data)
                elif opcode == TEXT:
                    message = json.loads(data)
                    with self._changed:
                        self._acks[message.get("envelope_id", "")] = message
                        self._changed.notify_all()
                elif opcode == CLOSE:
                    self._write(client, CLOSE, data[:2])
                    return
        except (OSError, ValueError):
            return
        finally:
            with self._changed:
                if client in self._clients:
                    self._clients.remove(client)
            client.close()


def _handshake(client: socket.socket) -> bool:
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = client.recv(4096)
        if not chunk:
            return False
        request += chunk
    headers = dict(line.split(":", 1) for line in request.decode("latin-1").split("\r\n")[1:] if ":" in line)
    key = next((value.strip() for name, value in headers.items() if name.strip().lower() == "sec-websocket-key"), "")
    if not key:
        client.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        return False
    accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
    client.sendall(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
    )
    return True


def _exactly(client: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = client.recv(count - len(data))
        if not chunk:
            raise OSError("the client closed the connection")
        data += chunk
    return data


def _read(client: socket.socket) -> tuple[int, bytes]:
    """One frame from the client (clients always mask theirs); fragments are not used by Slack's clients."""
    first, second = _exactly(client, 2)
    length = second & 0x7F
    if length == 126:
        length = struct.unpack("!H", _exactly(client, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", _exactly(client, 8))[0]
    mask = _exactly(client, 4) if second & 0x80 else b"\0\0\0\0"
    data = bytes(byte ^ mask[i % 4] for i, byte in enumerate(_exactly(client, length)))
    return first & 0x0F, data


def _write(client: socket.socket, opcode: int, data: bytes) -> None:
    """One unmasked frame, as servers send them."""
    length = len(data)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, length)
    client.sendall(header + data)
