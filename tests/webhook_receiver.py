"""A webhook receiver on loopback, as an integration would run one: it verifies every delivery with the
`standardwebhooks` library before taking it, and can be told to fail, refuse, or be down altogether."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass(frozen=True)
class Delivery:
    """One request the receiver got: its `webhook-id`, the verified event (None: the signature did not verify),
    and the status it answered."""

    message_id: str
    event: dict | None
    status: int


class WebhookReceiver:
    def __init__(self) -> None:
        self.secret = ""  # the endpoint's signing secret, as `webhook add` printed it
        self.status = 200  # what it answers a verified delivery with
        self.headers: dict[str, str] = {}  # sent with that answer (Retry-After)
        self.delay = 0.0  # seconds to take before answering
        self.requests: list[Delivery] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/hooks/leadbot"

    def start(self) -> "WebhookReceiver":
        """Listen (again, on the same port after `stop`: the receiver was down and is back)."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                receiver._take(self, body)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._server.daemon_threads = True
        self._port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        """Down: connections are refused until `start`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _take(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        headers = {key: value for key, value in handler.headers.items()}
        message_id = handler.headers.get("webhook-id", "")
        try:
            event = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            event, status = None, 401
        else:
            status = self.status
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.requests.append(Delivery(message_id, event, status))
        handler.send_response(status)
        for key, value in self.headers.items() if status != 401 else ():
            handler.send_header(key, value)
        answer = json.dumps({"ok": 200 <= status < 300}).encode()
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(answer)))
        handler.end_headers()
        handler.wfile.write(answer)

    # -- what a test reads ---------------------------------------------------------------------

    def taken(self) -> list[dict]:
        """The events it verified and took (answered 2xx), in the order they arrived."""
        with self._lock:
            return [d.event for d in self.requests if d.event is not None and 200 <= d.status < 300]

    def taken_ids(self) -> list[str]:
        with self._lock:
            return [d.message_id for d in self.requests if d.event is not None and 200 <= d.status < 300]

    def unverified(self) -> int:
        with self._lock:
            return sum(1 for d in self.requests if d.event is None)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            taken = self.taken()
            if len(taken) >= count:
                return taken
            time.sleep(0.02)
        raise AssertionError(f"the receiver took {len(self.taken())} events, not {count}, within {timeout} s")
