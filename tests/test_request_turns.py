"""The turn Slack's requests take in a process: in the order they asked, one at a time, and never held for long."""

from __future__ import annotations

import threading
import time

import pytest
from slack_bolt import App

from bot.container import build_deps
from handlers import request_turns
from handlers.app import ContextThreadPool, create_app
from handlers.request_turns import RequestTurns
from handlers.server import HttpServer
from handlers.web import wsgi_app
from sandbox.slack_requests import SignedSlack
from tests.conftest import ALICE, SIGNING_SECRET, make_settings


def test_requests_run_one_at_a_time_in_the_order_they_asked():
    turns = RequestTurns()
    assert turns.take(patience=5)
    ran, inside, most = [], [0], [0]
    guard = threading.Lock()

    def request(number: int) -> None:
        took = turns.take(patience=5)
        with guard:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        ran.append(number)
        time.sleep(0.005)
        with guard:
            inside[0] -= 1
        if took:
            turns.give_back()

    threads = [threading.Thread(target=request, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
        time.sleep(0.02)  # each asks after the one before it is waiting
    turns.give_back()
    for thread in threads:
        thread.join(10)
    assert ran == list(range(6))
    assert most[0] == 1


def test_a_request_that_waited_its_patience_runs_beside_the_one_holding_the_turn():
    turns = RequestTurns()
    assert turns.take(patience=5)  # a request stuck with the turn
    started = time.monotonic()
    assert turns.take(patience=0.05) is False
    assert 0.04 <= time.monotonic() - started < 1
    # The one that gave up waiting is not handed the turn later: given back, the turn is free for the next.
    turns.give_back()
    assert turns.take(patience=0)


def test_once_the_turn_has_been_held_past_the_patience_a_new_request_does_not_wait_behind_it():
    turns = RequestTurns()
    assert turns.take(patience=5)  # a request stuck with the turn
    time.sleep(0.1)
    started = time.monotonic()
    assert turns.take(patience=0.05) is False
    assert time.monotonic() - started < 0.04
    turns.give_back()
    assert turns.take(patience=0.05)  # free again, and fresh: the next one waits its turn behind this one
    assert turns.take(patience=0.02) is False


def test_the_turn_goes_to_the_next_one_still_waiting_not_to_one_that_gave_up():
    turns = RequestTurns()
    assert turns.take(patience=5)
    outcomes = {}

    def ask(name: str, patience: float) -> None:
        outcomes[name] = turns.take(patience)

    impatient = threading.Thread(target=ask, args=("impatient", 0.05))
    patient = threading.Thread(target=ask, args=("patient", 5))
    impatient.start()
    time.sleep(0.01)
    patient.start()
    impatient.join(5)
    turns.give_back()
    patient.join(5)
    assert outcomes == {"impatient": False, "patient": True}
    assert turns.take(patience=0.05) is False  # the patient one holds it now


# -- leadbot's app in the turns its server gives it ------------------------------------------------------------


class Inside:
    """Wraps a service call a command makes, taking a few milliseconds longer (a slower database), and counts the
    requests inside it at once: the most it saw."""

    def __init__(self, call) -> None:
        self._call = call
        self._count = threading.Lock()
        self.now = self.most = 0

    def __call__(self, *args, **kwargs):
        with self._count:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            time.sleep(0.005)
            return self._call(*args, **kwargs)
        finally:
            with self._count:
                self.now -= 1


@pytest.fixture
def served(db, slack, clock, monkeypatch):
    """leadbot's app over HTTP with four request threads, each request in the app's turns as `leadbot serve` runs
    it, a meter inside `/lead list`, and an action whose listener acks only when the test lets it. Waiting for the
    turn is made patient enough that only taking turns, never the patience running out on a busy machine, decides
    what runs when."""
    monkeypatch.setattr(request_turns, "PATIENCE_SECONDS", 10)
    deps = build_deps(make_settings(db.url, slack.base_url), clock=clock, db=db)
    listeners = ContextThreadPool(max_workers=8, thread_name_prefix="listener")
    inside = deps.leads.list_open = Inside(deps.leads.list_open)  # what `/lead list` reads, on its request thread
    bolt = create_app(deps, listener_executor=listeners)
    let_go = threading.Event()

    def slow_to_ack(ack) -> None:
        let_go.wait(10)
        ack()

    App.action(bolt, "turns_test_slow")(slow_to_ack)  # Bolt's own registration: no stale-action guard around it
    application = wsgi_app(bolt, deps.health)

    def in_turn(environ, start_response):  # as `leadbot serve`'s workers run each request (handlers/prefork.py)
        with bolt.turns.turn():
            return list(application(environ, start_response))

    server = HttpServer(in_turn, "127.0.0.1", 0, threads=4, listeners=listeners,
                        asyncore_loop_timeout=0.05).start_in_thread()
    try:
        yield SignedSlack(server.url + "/slack/events", SIGNING_SECRET, slack), inside, let_go
    finally:
        let_go.set()
        server.stop()


def test_commands_sent_at_once_run_one_at_a_time(served):
    send, inside, _ = served
    answers = []

    def ask() -> None:
        for _ in range(8):
            answers.append(send.command("list", ALICE).status)

    askers = [threading.Thread(target=ask) for _ in range(4)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(60)
    assert answers == [200] * 32
    assert inside.most == 1, "requests ran side by side"


def test_a_request_waiting_for_its_listeners_ack_lets_the_next_one_run(served):
    send, _, let_go = served
    slow = []
    clicking = threading.Thread(
        target=lambda: slow.append(send.block_actions(ALICE, [{"action_id": "turns_test_slow", "value": "x"}]))
    )
    clicking.start()
    time.sleep(0.3)  # the click's listener is waiting to ack
    reply = send.command("list", ALICE)
    assert reply.status == 200 and reply.ack_message() is not None
    assert not slow, "the list was answered only after the click"
    let_go.set()
    clicking.join(10)
    assert slow[0].status == 200
