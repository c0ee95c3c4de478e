"""Old messages keep working: every payload recorded in tests/payloads/ is still answered as it was.

Slack keeps leadbot's messages for months, and people click them long after they were sent. Each
file in tests/payloads/ holds the clicks and form submissions one surface sends (see its README).
Here each surface's scenario runs again on a fresh app (SQLite and PostgreSQL), and its recorded
payloads are sent verbatim, in their order, through correctly signed requests — only transport
fields refreshed — and must be answered as they were when recorded: HTTP 200, the same
response_action, the same Slack calls, and nothing logged as an error. Each record is a subtest.

A record marked `known_broken` crashed when it was recorded, so its recorded answer is the crash's.
It is sent all the same (a record is never edited) and judged by its step in
tests/payload_scenarios.py: while the step still says `known_broken`, a crash is an expected failure
and an answer without one fails the test, asking for the step's mark to go; once the mark is gone,
the record must be answered without a crash — HTTP 200, nothing logged as an error — for good.
"""

from __future__ import annotations

import logging

import pytest

from sandbox.slack_api import FakeSlack
from tests.conftest import BOT_TOKEN, TEAM
from tests.leadbot_internals import interactive_listeners
from tests.payload_kit import Answer, interactive_elements, load_surface, send_stored, settle, surface_files
from tests.payload_scenarios import SURFACES

FILES = surface_files()
SURFACE_RECORDS = {path.stem: load_surface(path) for path in FILES}
ALL_RECORDS = [(name, record) for name, surface in SURFACE_RECORDS.items() for record in surface["records"]]


def _problems(caplog) -> list[str]:
    found = [f"{r.levelname} {r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    if "Traceback" in caplog.text:
        found.append("a Traceback in the log:\n" + caplog.text)
    return found


@pytest.mark.parametrize("surface_name", sorted(SURFACE_RECORDS))
def test_recorded_payloads_are_answered_as_when_recorded(surface_name, app, caplog, subtests):
    surface = SURFACE_RECORDS[surface_name]
    SURFACES[surface["surface"]].prepare(app)
    settle(app)
    assert not _problems(caplog), f"the {surface_name} scenario itself logged errors"
    steps = {step.name: step for step in SURFACES[surface["surface"]].steps}
    for record in surface["records"]:
        with subtests.test(msg=f"{surface_name}/{record['name']}"):
            caplog.clear()
            answer, sent = send_stored(app, record["payload"])
            if record.get("known_broken"):
                _judge_known_broken(record, steps.get(record["name"]), answer, _problems(caplog))
                continue
            assert answer.status == 200, f"HTTP {answer.status} to {record['kind']} {record['id']}"
            differences = answer.differences(Answer.from_record(record["answer"]))
            assert not differences, f"{record['kind']} {record['id']} answered differently: " + "; ".join(differences)
            assert not _problems(caplog)


def _judge_known_broken(record: dict, step, answer: Answer, problems: list[str]) -> None:
    """A record that crashed when recorded: see the module docstring."""
    crashed = ([f"HTTP {answer.status}"] if answer.status != 200 else []) + problems
    still_marked = step is not None and step.known_broken
    if still_marked and crashed:
        pytest.xfail(f"known broken when recorded: {record['known_broken']}")
    assert not still_marked, (
        f"{record['kind']} {record['id']} was broken when recorded and is answered without a crash now: "
        "remove known_broken from its step in tests/payload_scenarios.py, so that it stays fixed"
    )
    assert not crashed, f"{record['kind']} {record['id']} was fixed since it was recorded, and crashes again: {crashed}"


def test_every_interactive_listener_has_a_recorded_payload():
    """A new button, select, form or shortcut needs a recorded payload (python -m tests.record_payloads)."""
    fake = FakeSlack(bot_token=BOT_TOKEN, team_id=TEAM).start()  # the app asks auth.test as it starts
    try:
        listeners = interactive_listeners(fake.base_url)
    finally:
        fake.stop()
    assert listeners, "found no interactive listeners: has the way they are registered changed?"
    missing = [
        f"{listener.kind} {listener.ids} ({listener.name})"
        for listener in listeners
        if not any(listener.matches(record["payload"]) for _, record in ALL_RECORDS)
    ]
    assert not missing, "no recorded payload reaches these listeners:\n" + "\n".join(missing)


def test_every_element_on_a_recorded_surface_was_used():
    """Each button, select and date picker on a recorded message or view has a payload of its own;
    each entry of an overflow menu too (they do different things), whatever lead it is for."""
    shown: set[str] = set()
    used: set[str] = set()
    for _, record in ALL_RECORDS:
        payload = record["payload"]
        for surface in (payload.get("message"), payload.get("view")):
            for _, element in interactive_elements((surface or {}).get("blocks") or []):
                shown.add(element["action_id"])
                if element.get("type") == "overflow":
                    shown.update(f"{element['action_id']} {_menu_entry(o['value'])}" for o in element["options"])
        for action in payload.get("actions") or []:
            used.add(action["action_id"])
            if action.get("type") == "overflow":
                used.add(f"{action['action_id']} {_menu_entry(action['selected_option']['value'])}")
    assert shown - used == set(), f"shown on recorded surfaces but never used: {sorted(shown - used)}"


def _menu_entry(value: str) -> str:
    """An overflow option's value without the lead it is for: "snooze:7:12" → "snooze:7"."""
    head, _, last = value.rpartition(":")
    return head if head and last.isdigit() else value


def test_every_scripted_step_is_recorded():
    """A step added to tests/payload_scenarios.py is recorded before it counts (python -m tests.record_payloads)."""
    for name, surface in SURFACES.items():
        assert name in SURFACE_RECORDS, f"no tests/payloads/{name}.json: run python -m tests.record_payloads {name}"
        recorded = {record["name"] for record in SURFACE_RECORDS[name]["records"]}
        missing = [step.name for step in surface.steps if step.name not in recorded]
        assert not missing, f"{name}: steps never recorded {missing}: run python -m tests.record_payloads {name}"
    for name, surface in SURFACE_RECORDS.items():
        assert surface["surface"] in SURFACES, (
            f"tests/payloads/{name}.json has no scenario in tests/payload_scenarios.py"
        )
