"""`leadbot sandbox`: the page's JSON API drives the real app, the clock delivers scheduled work once, the demo
seeds a team."""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from collections import Counter
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.cli.main import main
from bot.store.migrate import upgrade
from sandbox.demo import LEADS, STEADY_BUYERS, seed
from sandbox.page import Page
from sandbox.workspace import INBOUND, MANAGER, REPS, SALES, TEAM, SandboxDatabaseError, Workspace, prepare_database
from scheduler.runner import run_due

# Tuesday 1 December 2026, 09:00 in Berlin.
START = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
MEI, JONAS, MARIA = (rep.id for rep in REPS)


def _start(path, demo: bool = False, language: str = "en") -> Workspace:
    workspace = Workspace(path, start_at=START, environ={}, language=language)
    workspace.start()
    workspace.slack.extra_routes = Page(workspace, language)
    if demo:
        seed(workspace)
    return workspace


@pytest.fixture
def sandbox(tmp_path):
    workspace = _start(tmp_path / "sandbox.db")
    yield workspace
    workspace.stop()


def _api(workspace: Workspace, name: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{workspace.slack.root_url}/sandbox/{name}", data=data,
                                     headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=60) as response:
        return json.loads(response.read())


def _texts(messages: list[dict]) -> str:
    return json.dumps([m.get("blocks") or m["text"] for m in messages], ensure_ascii=False)


def _capture(workspace: Workspace, user: str, company: str) -> dict:
    dm = workspace.slack.dm_channel_id(user)
    state = _api(workspace, "command", {"user": user, "channel": dm, "text": f"/lead new {company} — wants a quote"})
    assert state["modal"]["callback_id"] == "lead_new"
    return _api(workspace, "submit", {"user": user, "view_id": state["modal"]["id"],
                                      "values": {"source": "website", "situation": "comparing"}})


def test_the_page_captures_a_lead_through_the_modal_and_lists_it(sandbox):
    state = _capture(sandbox, JONAS, "Acme Oilfield")
    assert state["modal"] is None and state["errors"] == {}
    dm = state["conversations"][sandbox.slack.dm_channel_id(JONAS)]
    assert dm[-1]["is_ephemeral"] and "Acme Oilfield" in _texts(dm[-1:])
    state = _api(sandbox, "command", {"user": JONAS, "channel": "C0GENERAL", "text": "/lead list"})
    listed = state["conversations"]["C0GENERAL"][-1]
    assert listed["is_ephemeral"] and "#1 Acme Oilfield" in _texts([listed])
    # Nobody else sees Jonas's ephemerals.
    assert _api(sandbox, f"state?user={MEI}")["conversations"]["C0GENERAL"] == []


def test_a_modal_shows_the_apps_inline_errors_and_stays_open(sandbox):
    dm = sandbox.slack.dm_channel_id(MEI)
    state = _api(sandbox, "command", {"user": MEI, "channel": dm, "text": "/lead new"})
    yesterday = (START - timedelta(days=1)).date().isoformat()
    answer = _api(sandbox, "submit", {"user": MEI, "view_id": state["modal"]["id"], "values": {
        "company": "Acme", "source": "website", "situation": "comparing", "first_follow_up": yesterday}})
    assert set(answer["errors"]) == {"first_follow_up"}
    assert answer["modal"]["id"] == state["modal"]["id"]


def test_other_slash_commands_get_a_line_from_the_catalog(sandbox):
    state = _api(sandbox, "command", {"user": MEI, "channel": "C0GENERAL", "text": "/remind me"})
    assert state["notice"] == "Only /lead works in the sandbox. Try /lead help."


def test_the_page_and_its_words_are_served_in_english_and_chinese(sandbox, tmp_path):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for path in ("/", "/static/app.js", "/static/style.css"):
        with opener.open(sandbox.slack.root_url + path, timeout=10) as response:
            assert response.status == 200 and response.read()
    assert _api(sandbox, "texts")["texts"]["only_you"] == "Only visible to you"
    chinese = _start(tmp_path / "zh.db", language="zh")
    try:
        texts = _api(chinese, "texts")["texts"]
        assert texts["only_you"] == "仅你可见" and texts["week"] == "+1 周"
    finally:
        chinese.stop()


def test_a_week_on_the_clock_brings_each_digest_once_in_each_reps_morning(sandbox):
    _capture(sandbox, JONAS, "Acme Oilfield")  # first follow-up on Thursday
    state = _api(sandbox, "clock", {"user": JONAS, "step": "week"})
    assert datetime.fromisoformat(state["now"]) >= START + timedelta(weeks=1)
    digests = [m for m in sandbox.slack.dms_to(JONAS) if m["text"].startswith("Your leads")]
    days = [datetime.fromtimestamp(float(m["ts"]), ZoneInfo("Europe/Berlin")) for m in digests]
    # From the day the lead is due, on workdays only, one each, at 09:00 in Berlin.
    assert [d.strftime("%a %d %H:%M") for d in days] == ["Thu 03 09:00", "Fri 04 09:00", "Mon 07 09:00", "Tue 08 09:00"]
    assert all("Acme Oilfield" in _texts([digest]) for digest in digests)
    before = len(sandbox.slack.calls("chat.postMessage"))
    sandbox.advance_to(sandbox.clock.now())  # the same instant again: nothing new
    assert len(sandbox.slack.calls("chat.postMessage")) == before


def test_moving_the_clock_sends_what_a_scheduler_waking_every_half_hour_would(tmp_path):
    jumped, stepped = _start(tmp_path / "a.db", demo=True), None
    try:
        end = START + timedelta(hours=18)  # every rep's morning, the small-buyer questions, a summary
        jumped.advance_to(end)
        # Started only now: its clock runs in real time from START, and on a loaded machine it had run past START's
        # minute while the other one moved, so that its own ticker sent the 08:00 messages at 08:01.
        stepped = _start(tmp_path / "b.db", demo=True)
        instant = START
        # Its own real-time scheduler waits: under load, a pass of it ran beside these steps, and its messages took
        # the instant the loop had moved the clock to by then.
        with stepped.scheduler_paused():
            while instant <= end:  # the plain way: a scheduler waking every half hour
                stepped.clock.set(instant)
                run_due(stepped.deps, instant)
                instant += timedelta(minutes=30)

        def sent(workspace):
            # Sent at the same minute of sandbox time (the clock runs on in real time between steps).
            return Counter((m["channel"], int(float(m["ts"]) // 60), m["text"]) for m in workspace.slack.messages())

        assert sent(jumped) == sent(stepped)
        assert {channel for channel, _, _ in sent(jumped)} == {"D0MEI", "D0JONAS", "D0MARIA", SALES}
    finally:
        jumped.stop()
        if stepped is not None:
            stepped.stop()


def test_the_demo_seeds_three_reps_a_dozen_leads_and_steady_small_buyers(tmp_path):
    workspace = _start(tmp_path / "demo.db", demo=True)
    try:
        deps = workspace.deps
        assert len(LEADS) == 12
        assert {rep.tz for rep in REPS} == {"Asia/Shanghai", "Europe/Berlin", "America/New_York"}
        open_page = deps.leads.list_open(TEAM)
        assert open_page.total == sum(1 for lead in LEADS if not lead.outcome) == 9
        today = START.date()
        assert any(lead.next_follow_up_on < today for lead in open_page.items)  # some have gone quiet
        assert {lead.owner_id for lead in open_page.items} == {MEI, JONAS, MARIA}
        # Some buyers have an email address on their card (issue 14); the demo's domains are reserved .example ones.
        cards = deps.leads.find_many(TEAM, [lead.number for lead in open_page.items])
        emails = [lead.contact_email for lead in cards if lead.contact_email]
        assert len(emails) == 3 and all(email.endswith(".example") for email in emails)
        assert deps.teams.summary_channel(TEAM)[0] == SALES
        assert deps.inbound.channel(TEAM, INBOUND).enabled
        assert MANAGER.id in deps.config(TEAM).admins
        for company, _owner, orders in STEADY_BUYERS:
            account = deps.small_buyers.account(TEAM, company, today)
            assert len(account.orders) == len(orders)
        # The first hours bring the small-buyer questions and the first digests.
        workspace.advance_to(START + timedelta(days=1))
        asked = [m for m in workspace.slack.messages() if "why so little" in m["text"]]
        assert {m["channel"] for m in asked} == {workspace.slack.dm_channel_id(r.id) for r in REPS}
    finally:
        workspace.stop()


def test_a_demo_replaces_an_earlier_sandbox_file_but_never_a_real_workspaces(tmp_path, capsys):
    sandbox_file = tmp_path / "sandbox.db"
    _start(sandbox_file, demo=True).stop()
    assert prepare_database(sandbox_file, fresh=True) is True and not sandbox_file.exists()

    real = tmp_path / "leadbot.db"
    upgrade(f"sqlite:///{real}")
    with sqlite3.connect(real) as connection:
        connection.execute("INSERT INTO teams (team_id, created_at) VALUES ('T0REAL', '2026-01-01 00:00:00')")
    with pytest.raises(SandboxDatabaseError):
        prepare_database(real, fresh=True)
    assert main(["sandbox", "--demo", "--db", str(real), "--port", "0"]) == 2
    assert "holds data of a real workspace" in capsys.readouterr().err
    assert real.exists()


# -- the first minute ------------------------------------------------------------------------------

SATURDAY = datetime(2026, 12, 5, 3, 0, tzinfo=timezone.utc)  # Saturday 11:00 in Shanghai


@pytest.mark.parametrize("now, starts", [
    (SATURDAY, datetime(2026, 12, 7, 1, 5, tzinfo=timezone.utc)),  # → Monday 09:05 in Shanghai
    (datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc), datetime(2026, 12, 2, 1, 5, tzinfo=timezone.utc)),  # 20:00
    (datetime(2026, 12, 1, 0, 0, tzinfo=timezone.utc), datetime(2026, 12, 1, 1, 5, tzinfo=timezone.utc)),  # 08:00
    (START, START),  # Tuesday 16:00 in Shanghai: already working time
])
def test_the_demo_starts_on_a_working_morning(now, starts, tmp_path):
    from sandbox.demo import working_morning
    from sandbox.workspace import sandbox_settings

    settings = sandbox_settings(tmp_path / "x.db", "http://127.0.0.1:1/api/", "secret", {})
    assert working_morning(now, settings, "Asia/Shanghai") == starts


def test_a_demo_started_on_a_saturday_has_a_digest_waiting_on_monday_morning(tmp_path):
    from sandbox.demo import start_demo

    workspace = Workspace(tmp_path / "sat.db", start_at=SATURDAY, environ={})
    workspace.start()
    try:
        start_demo(workspace, keep_start=False)
        assert workspace.clock.now() >= datetime(2026, 12, 7, 1, 5, tzinfo=timezone.utc)
        digests = [m for m in workspace.slack.dms_to(MEI) if m["text"].startswith("Your leads")]
        assert len(digests) == 1 and "Mon 7 Dec" in _texts(digests)
        sent = datetime.fromtimestamp(float(digests[0]["ts"]), ZoneInfo("Asia/Shanghai"))
        assert sent.strftime("%a %H:%M") == "Mon 09:05"
    finally:
        workspace.stop()


def test_a_chinese_demo_seeds_chinese_companies_and_notes(tmp_path):
    from sandbox.demo import LEADS_ZH, STEADY_BUYERS_ZH

    workspace = _start(tmp_path / "zh.db", demo=True, language="zh")
    try:
        names = {lead.company for lead in workspace.deps.leads.list_open(TEAM).items}
        assert "大庆油田设计院" in names and all(any("\u4e00" <= c <= "\u9fff" for c in name) for name in names)
        assert len(LEADS_ZH) == len(LEADS) and len(STEADY_BUYERS_ZH) == len(STEADY_BUYERS)
        shown = workspace.deps.leads.find(TEAM, "1", with_touches=True)
        assert "领导让他调研" in shown.discovery_notes and shown.touches[0].note == "发了方案和两个案例"
    finally:
        workspace.stop()


def test_capture_as_lead_from_a_messages_menu_opens_the_form(sandbox):
    state = _api(sandbox, "command", {"user": MEI, "channel": "C0GENERAL", "text": "Zhang Metalworks wants 40 valves"})
    message = state["conversations"]["C0GENERAL"][-1]
    state = _api(sandbox, "shortcut", {"user": MEI, "channel": "C0GENERAL", "ts": message["ts"]})
    assert state["modal"]["callback_id"] == "lead_new"
    asked = next(b for b in state["modal"]["blocks"] if b.get("block_id") == "asked_for")
    assert asked["element"]["initial_value"] == "Zhang Metalworks wants 40 valves"


def test_the_monday_button_moves_to_nine_on_monday_in_the_persons_zone(tmp_path):
    workspace = _start(tmp_path / "demo.db", demo=True)
    try:
        state = _api(workspace, "clock", {"user": JONAS, "step": "monday"})
        moved = datetime.fromisoformat(state["now"]) - datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc)  # 09:00 Berlin
        assert timedelta(0) <= moved < timedelta(seconds=30)  # the clock runs on in real time after the move
        # 09:00 on Monday in Berlin is the team's (LEADBOT_TEAM_TZ) weekly summary time: it is there.
        assert "Team summary" in _texts(workspace.slack.messages(SALES))
    finally:
        workspace.stop()
