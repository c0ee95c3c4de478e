"""The turn a worker's requests take: in the order they asked, one at a time, and never held for long."""

from __future__ import annotations

import threading
import time

from handlers.request_turns import RequestTurns


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
