"""The latency benchmark's fake Slack in a process of its own, so the clients timing acks share no interpreter with it.

Slack answers `views.open` on its own servers. Served from the benchmark's process, the fake's answers took the
interpreter lock from the 20 client threads that time the acks: a client whose answer had arrived waited for the
fake to let go of the lock, and that wait was counted as leadbot's (bare Bolt calls no Slack method, so it never
paid it). Here the fake runs in a child process and is asked over a pipe, a batch at a time, for what the clients
need before they send: a response_url and a trigger_id noted for the rep.
"""

from __future__ import annotations

import gc
import multiprocessing
import threading
from multiprocessing.connection import Connection

from bench.common import fake_slack
from sandbox.slack_api import make_trigger_id

CHANNEL = "C0GENERAL"


class SlackProcess:
    """The fake Slack of bench.common.fake_slack, served by a child process; what bench.latency asks of a fake."""

    def __init__(self, reps: int) -> None:
        context = multiprocessing.get_context("spawn")  # the benchmark has threads: no fork
        self._pipe, theirs = context.Pipe()
        self._process = context.Process(target=_serve, args=(theirs, reps), name="fake-slack", daemon=True)
        self._process.start()
        theirs.close()
        self._lock = threading.Lock()
        self.base_url: str = self._ask("base_url")

    @property
    def pid(self) -> int:
        return self._process.pid

    def tickets(self, users: list[str]) -> list[tuple[str, str]]:
        """A response_url and a fresh trigger_id for each rep, noted by the fake as Slack would on their command."""
        return self._ask("tickets", users)

    def arrivals(self) -> dict[str, float]:
        """When the fake first got each answer: a response_url's id or a trigger_id → wall-clock time."""
        return self._ask("arrivals")

    def reset_calls(self) -> None:
        self._ask("reset")

    def stop(self) -> None:
        try:
            self._ask("stop")
        except (EOFError, OSError):
            pass
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()

    def _ask(self, *request):
        with self._lock:
            self._pipe.send(request)
            return self._pipe.recv()


class SlackInThisProcess:
    """The same fake served from the benchmark's own process, as every round before the tenth measured it."""

    def __init__(self, reps: int) -> None:
        self._fake = fake_slack(reps)
        self.base_url: str = self._fake.base_url
        self.pid = None  # its CPU is this process's

    def tickets(self, users: list[str]) -> list[tuple[str, str]]:
        return [_ticket(self._fake, user) for user in users]

    def arrivals(self) -> dict[str, float]:
        return _arrivals(self._fake)

    def reset_calls(self) -> None:
        self._fake.reset_calls()

    def stop(self) -> None:
        self._fake.stop()


def _serve(pipe: Connection, reps: int) -> None:
    fake = fake_slack(reps)
    # The fake keeps every view it opened (thousands a round): the collector's passes over them would cost more
    # CPU than the answers. Garbage is collected between measurements, when the calls are reset.
    gc.disable()
    answers = {
        "base_url": lambda: fake.base_url,
        "tickets": lambda users: [_ticket(fake, user) for user in users],
        "arrivals": lambda: _arrivals(fake),
        "reset": lambda: (fake.reset_calls(), gc.collect(), None)[-1],
        "stop": lambda: fake.stop(),
    }
    while True:
        name, *arguments = pipe.recv()
        pipe.send(answers[name](*arguments))
        if name == "stop":
            return


def _ticket(fake, user: str) -> tuple[str, str]:
    trigger_id = make_trigger_id()
    fake.note_trigger(trigger_id, user)
    return fake.response_url(channel_id=CHANNEL, user_id=user), trigger_id


def _arrivals(fake) -> dict[str, float]:
    arrivals: dict[str, float] = {}
    for call in fake.calls():
        if call.method == "response_url" and call.path:
            arrivals.setdefault(call.path.rsplit("/", 1)[-1], call.time)
        elif call.method == "views.open":
            arrivals.setdefault(str(call.params.get("trigger_id")), call.time)
    return arrivals
