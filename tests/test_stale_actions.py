"""Old and odd clicks are answered: every button, menu and form of leadbot's, whatever value it carries.

The examples show the answers a rep sees; the property test throws arbitrary values at every
action id and form callback id the running app registers — in payloads recorded from leadbot's
real surfaces (tests/payloads/), correctly signed — and checks that each is acked within the
request, that nothing is logged as an error, and that nothing changes in the database unless the
value names something the clicking user may change.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import re
import time
from datetime import date
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.blocks import contract
from bot.errors import StaleAction
from bot.services.leads import LeadDraft
from tests.conftest import ADMIN, ALICE, BOB, CAROL, TEAM
from tests.leadbot_internals import import_orders, interactive_listeners
from tests.payload_kit import fresh_transport, load_surface, surface_files
from tests.payload_scenarios import DIGEST, INBOUND, RECEPTION, modal, settle
from tests.support import command, lead, nudges_to, open_new_lead_form, text_of, tick, wait_dm

RECORDS = [record for path in surface_files() for record in load_surface(path)["records"]]


class _Errors(logging.Handler):
    """Every record at ERROR or above, and any record carrying a traceback, from any logger."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.seen.append(f"{record.levelname} {record.name}: {record.getMessage()}")


@pytest.fixture
def errors():
    handler = _Errors()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


def _send(app, payload: dict):
    """Send an interactive payload as Slack would; returns the reply and how long the app took to answer."""
    started = time.monotonic()
    body = urlencode({"payload": json.dumps(payload)})
    reply = app.send.send(body, "application/x-www-form-urlencoded", sent=payload)
    return reply, time.monotonic() - started


def _nudge(app, company: str = "Alpha Oilfield") -> dict:
    lead(app, company)
    tick(app, "2026-12-04T01:00:00+00:00")  # Fri 09:00 in Shanghai, the day after the first follow-up date
    return nudges_to(app, ALICE)[-1]


def _said(app, reply) -> str:
    app.settle()
    return "\n".join(text_of(post) for post in app.slack.response_url_posts(reply.sent["response_url"]))


# -- what a rep sees ---------------------------------------------------------------------------


def test_a_button_whose_value_cannot_be_read_is_answered_in_one_line_and_logged_as_a_warning(app, caplog, errors):
    nudge = _nudge(app)
    action = {"type": "button", "action_id": "lead_won", "block_id": "x", "value": "one"}
    with caplog.at_level(logging.WARNING):
        reply = app.send.block_actions(ALICE, [action], message=nudge)
        assert reply.status == 200
        said = _said(app, reply)
    assert "This button is out of date, so nothing was changed" in said
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "out-of-date" in r.msg]
    assert len(warnings) == 1 and "lead_won" in warnings[0]
    assert errors.seen == []
    assert app.deps.leads.find(TEAM, "1").status == "open"


def test_a_button_for_a_lead_closed_since_shows_the_lead_as_it_stands_now(app, errors):
    nudge = _nudge(app)
    command(app, "won 1")
    reply = app.send.click(ALICE, nudge, "lead_log_open", value="1")
    said = _said(app, reply)
    assert "This button is out of date — here is #1 Alpha Oilfield as it stands now" in said
    assert "*Status*\nwon" in said  # the card says how it ended
    forms = [call.params["view"]["callback_id"] for call in app.slack.calls("views.open")]
    assert forms == ["lead_new"]  # the form that captured it; none for a lead that is closed
    assert errors.seen == []


def test_a_select_without_a_selected_option_and_a_date_picker_without_a_date_change_nothing(app, errors):
    nudge = _nudge(app)
    before = app.deps.leads.find(TEAM, "1")
    for action in (
        {"type": "static_select", "action_id": "lead_snooze", "block_id": "lead:1"},
        {"type": "datepicker", "action_id": "lead_buyer_date", "block_id": "lead:1"},
        {"type": "static_select", "action_id": "lead_snooze", "block_id": "lead:1", "selected_option": {"value": "x"}},
    ):
        reply, took = _send(app, _payload(app, nudge, action))
        assert reply.status == 200 and took < 3
        assert "out of date" in _said(app, reply)
    assert app.deps.leads.find(TEAM, "1") == before
    assert errors.seen == []


def test_a_small_buyer_answer_without_a_reason_is_out_of_date(app, errors):
    nudge = _nudge(app)
    action = {"type": "button", "action_id": "small_buyer_answer:", "value": "1:", "block_id": "small:1:a"}
    reply, took = _send(app, _payload(app, nudge, action))
    assert reply.status == 200 and took < 3
    assert "out of date" in _said(app, reply)
    assert errors.seen == []


def test_a_form_whose_metadata_is_not_json_stays_open_saying_it_is_out_of_date(app, errors):
    nudge = _nudge(app)
    app.send.click(ALICE, nudge, "lead_log_open", value="1")
    app.settle()
    form = modal(app)
    reply = app.send.submit_view(ALICE, form, {"kind": "call"}, private_metadata="{lead: 1")
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_action"] == "errors"
    assert "This form is out of date" in next(iter(answer["errors"].values()))
    assert app.deps.leads.find(TEAM, "1").touch_count == 0
    assert errors.seen == []


def test_show_the_lead_from_the_home_tab_sends_its_card_by_dm(app, errors):
    lead(app, "Alpha Oilfield")
    assert app.send.app_home_opened(ALICE).status == 200
    app.settle()
    home = app.slack.home_view(ALICE)
    line = next(b for b in home["blocks"] if "*#1 " in (b.get("text") or {}).get("text", ""))
    reply = app.send.click(ALICE, home, "digest_item", block_id=line["block_id"], selected_option="show:1")
    assert reply.status == 200
    card = wait_dm(app, ALICE)
    assert "Alpha Oilfield" in text_of(card) and "Log follow-up" in text_of(card)
    assert errors.seen == []


def test_answering_a_small_buyer_from_the_digest_keeps_the_digest(app, errors):
    DIGEST.prepare(app)
    digest = next(m for m in app.slack.dms_to(ALICE) if "Your leads for Fri 4 Dec" in text_of(m))
    app.send.click(ALICE, digest, "small_buyer_note_open")
    app.settle()
    app.send.submit_view(ALICE, modal(app), {"reason": "special_only"})
    settle(app)
    now = app.slack.message(digest["channel"], digest["ts"])
    assert "Your leads for Fri 4 Dec" in text_of(now)  # still the digest, not the question answered
    assert "Delta Steel" in text_of(now)
    assert errors.seen == []


def test_a_lead_captured_for_someone_leadbot_cannot_write_to_is_saved_and_the_capturer_told(app, errors):
    form = open_new_lead_form(app)
    fields = {"company": "Acme Oilfield", "source": "website", "situation": "trial", "owner_id": "UNOBODY01"}
    reply = app.send.submit_view(ALICE, form, fields)
    assert reply.status == 200 and reply.json() is None
    app.settle()
    assert app.deps.leads.find(TEAM, "1").owner_id == "UNOBODY01"
    told = text_of(app.slack.ephemerals(ALICE)[-1])
    assert "Saved #1 Acme Oilfield for <@UNOBODY01>, but I couldn't send them the card" in told
    assert errors.seen == []


# -- the contract --------------------------------------------------------------------------------


def test_every_listener_the_app_registers_is_in_the_contract_and_every_entry_has_a_listener(slack):
    listeners = interactive_listeners(slack.base_url)
    for entry in contract.CONTRACT:
        for name in (entry.id, *entry.old_ids):
            sent = f"{name}:our_price" if entry.prefix else name
            payload = _minimal(entry.kind, sent)
            answering = [listener for listener in listeners if listener.matches(payload)]
            assert len(answering) == 1, f"{entry.kind} {sent}: answered by {len(answering)} listeners"
    ids = [_minimal(e.kind, f"{e.id}:our_price" if e.prefix else e.id) for e in contract.CONTRACT]
    for listener in listeners:
        assert any(listener.matches(payload) for payload in ids), (
            f"{listener.kind} {listener.ids} is registered but not in bot/blocks/contract.py"
        )


def test_the_contract_says_what_every_id_carries_and_since_when():
    documented = re.findall(r"^  ([a-z_]+)(?::<reason>)? {2,}\S", contract.__doc__, re.MULTILINE)
    assert sorted(documented) == sorted(entry.id for entry in contract.CONTRACT)
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", entry.since) for entry in contract.CONTRACT)


def test_an_id_renamed_in_the_contract_is_still_answered_under_its_old_name():
    renamed = (contract.Entry("lead_log", "block_actions", "0.2.0", old_ids=("lead_log_open",)),)
    pattern = contract.listens_for("lead_log", renamed)
    assert all(pattern.search(sent) for sent in ("lead_log", "lead_log_open"))
    assert not any(pattern.search(sent) for sent in ("lead_log_opened", "xlead_log", "lead_lo"))
    assert contract.listens_for(contract.LEAD_WON) == "lead_won"  # no old names: a plain id
    answer = contract.listens_for(contract.SMALL_BUYER_ANSWER)
    assert answer.search("small_buyer_answer:our_price") and not answer.search("small_buyer_answer")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), ("2147483647", 2147483647), ("2147483648", None), ("0", None), ("-1", None), ("1.0", None),
     ("１２", None), ("١٢", None), ("²", None), ("Acme", None), ("", None), (None, None), (12, None), ([], None)],
)
def test_a_lead_number_is_only_ever_a_number(value, expected):
    if expected is None:
        with pytest.raises(StaleAction):
            contract.lead_number(value)
    else:
        assert contract.lead_number(value) == expected


def _minimal(kind: str, sent_id: str) -> dict:
    if kind == "block_actions":
        return {"type": kind, "actions": [{"action_id": sent_id, "block_id": "b"}]}
    if kind == "view_submission":
        return {"type": kind, "view": {"type": "modal", "callback_id": sent_id}}
    return {"type": kind, "callback_id": sent_id}


def _payload(app, message: dict, action: dict, user: str = ALICE) -> dict:
    """A block_actions payload for `action` on `message`, as Slack would send it."""
    payload = {
        "type": "block_actions", "user": {"id": user, "team_id": TEAM}, "team": {"id": TEAM, "domain": "acme"},
        "api_app_id": "A0001", "token": "legacy-verification-token", "trigger_id": "<trigger_id>",
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": message["channel"],
                      "is_ephemeral": False},
        "channel": {"id": message["channel"], "name": "directmessage"}, "response_url": "<response_url>",
        "actions": [action], "state": {"values": {}},
    }
    return fresh_transport(payload, app.slack)


# -- the property test ---------------------------------------------------------------------------

EXAMPLES = 600  # per database: 30 s on SQLite, 50 s on PostgreSQL on two shared cores
OTHER_TEAM = "T0TWO"
USERS = (CAROL, ALICE, BOB, ADMIN)  # Carol owns nothing: most of her clicks must change nothing
COMPANIES = ("Alpha Oilfield", "Beta Pumps", "Gamma Gears", "Delta Valves", "Zhang Metalworks")
TABLES = ("leads", "touches", "orders", "accounts", "small_buyer_answers", "enquiries", "refusals")
NUMBERS = st.sampled_from(
    ["1", "2", "3", "4", "5", "6", "7", "0", "-1", "007", "1.0", "1e3", " 1", "#1", "１", "١", "²", "2147483647",
     "2147483648", "99999999999999999999", "9" * 5000]
)
ODD = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
WORDS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "null", "{}", "[]", "new", "settings", *COMPANIES, *contract.DIGEST_VERBS, "our_price",
                     "won", "lead:", "enquiry:", "\u0000", "🦄", "<@UALICE01>", "张三金属加工", "mon", "sun-thu",
                     "1-5", "monday" * 10, "zh", "en", "daily", "weekly", "2,7,14", "0.5", "Asia/Shanghai"]),
    st.text(min_size=3000, max_size=4000),
)
JOINED = st.builds(
    lambda parts: ":".join(parts),
    st.lists(st.one_of(NUMBERS, st.sampled_from(["log", "snooze", "show", "our_price", "habit", "lead", ""])),
             min_size=1, max_size=4),
)
VALUES = st.one_of(NUMBERS, WORDS, JOINED, ODD)
DAYS = st.one_of(
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
    st.sampled_from(["2026-12-10", "2026-11-20", "2026-02-30", "2026-12-10T00:00", "20261210", "2999-12-31"]),
    VALUES,
)
USER_IDS = st.one_of(  # mostly what a users select sends: someone, maybe nobody leadbot can write to
    st.sampled_from([*USERS, "UNOBODY01", "W0123456", "UGONE0001"]), st.sampled_from(["U", "T0001", "B0001"]), VALUES
)


def _option(values) -> st.SearchStrategy:
    return st.one_of(ODD, values.map(lambda v: {"text": {"type": "plain_text", "text": "x"}, "value": v}))


# What leadbot reads in a block_actions action, and what to put there instead.
ACTION_FIELDS = {
    "value": VALUES,
    "selected_option": _option(st.one_of(VALUES, JOINED)),
    "selected_date": DAYS,
    "selected_user": USER_IDS,
    "block_id": st.one_of(VALUES, NUMBERS.map("lead:".__add__), st.just("lead:1"), WORDS.map("enquiry:".__add__)),
}
ANSWER_SUFFIXES = st.one_of(st.sampled_from(["", "our_price", "nonsense", "step", "step.x"]), st.text(max_size=10))
TIMES = st.one_of(st.sampled_from(["09:00", "09:00:00", "9:00", "25:61", "23:59"]), VALUES)
SAME_KIND_STATES = {  # an input of a form, holding an odd value of its own kind
    "plain_text_input": VALUES.map(lambda v: {"type": "plain_text_input", "value": v}),
    "number_input": VALUES.map(lambda v: {"type": "number_input", "value": v}),
    "static_select": st.one_of(st.none(), _option(VALUES)).map(
        lambda o: {"type": "static_select", "selected_option": o}
    ),
    "checkboxes": st.one_of(st.lists(_option(VALUES), max_size=3), ODD).map(
        lambda o: {"type": "checkboxes", "selected_options": o}
    ),
    "datepicker": DAYS.map(lambda d: {"type": "datepicker", "selected_date": d}),
    "timepicker": TIMES.map(lambda v: {"type": "timepicker", "selected_time": v}),
    "users_select": USER_IDS.map(lambda u: {"type": "users_select", "selected_user": u}),
}
ELEMENT_STATES = st.one_of(ODD, *SAME_KIND_STATES.values())  # an input holding what another kind would
METADATA = st.one_of(
    st.sampled_from(["", "{", "{lead: 1}", "null", "[]"]), WORDS, ODD.map(json.dumps),
    st.fixed_dictionaries(
        {},
        optional={"lead": VALUES, "account": VALUES, "channel": VALUES, "message_ts": VALUES, "from_message": VALUES},
    ).map(json.dumps),
)
FRESH = itertools.count(1)
# One or two fields out of the ordinary and the rest as Slack sends them: the shape of a stale message.
HOW_MANY = st.sampled_from([1, 1, 1, 2, 2, 3])


def _odd_action(data, action: dict) -> None:
    fields = list(ACTION_FIELDS)
    if action.get("action_id", "").startswith(f"{contract.SMALL_BUYER_ANSWER}:"):
        fields.append("action_id")
    present = [key for key in fields if key in action]
    for _ in range(data.draw(HOW_MANY, label="fields changed")):
        key = data.draw(st.sampled_from(present * 3 + fields), label="field")  # mostly one the element has
        if key == "action_id":
            action[key] = f"{contract.SMALL_BUYER_ANSWER}:{data.draw(ANSWER_SUFFIXES, label='reason')}"
        elif key in action and data.draw(st.booleans(), label=f"drop {key}?"):
            action.pop(key)
        else:
            action[key] = data.draw(ACTION_FIELDS[key], label=key)


def _odd_form(data, view: dict) -> None:
    values = (view.get("state") or {}).get("values") or {}
    company = (values.get("company") or {}).get("value")
    if view.get("callback_id") == contract.NEW_LEAD_FORM and company and data.draw(st.booleans(), label="new?"):
        # Half of the new leads get past the one-open-lead-per-company check, to reach what follows it.
        company["value"] = f"Company {next(FRESH)}"
    fields = ["private_metadata", *sorted(values)]
    for _ in range(data.draw(HOW_MANY, label="fields changed")):
        key = data.draw(st.sampled_from(fields), label="field")
        if key == "private_metadata":
            view[key] = data.draw(METADATA, label=key)
        elif key in values and data.draw(st.sampled_from([False, False, False, True]), label=f"drop {key}?"):
            values.pop(key)
        else:
            current = next(iter(values[key].values()), None) if isinstance(values.get(key), dict) else None
            kind = current.get("type") if isinstance(current, dict) else None
            same = kind in SAME_KIND_STATES and data.draw(st.sampled_from([True, True, True, False]), label="same?")
            values[key] = {"value": data.draw(SAME_KIND_STATES[kind] if same else ELEMENT_STATES, label=key)}


def _view_id(placeholder: str) -> str:
    return "V" + hashlib.sha256(placeholder.encode()).hexdigest()[:10].upper()


def _templates(app) -> list[tuple[str, list[dict]]]:
    """(listener, the recorded payloads that reach it) for every button, menu and form listener of the app."""
    found = []
    for listener in interactive_listeners(app.slack.base_url):
        if listener.kind not in ("block_actions", "view_submission"):
            continue
        reaching = [record["payload"] for record in RECORDS if listener.matches(record["payload"])]
        assert reaching, f"no recorded payload reaches {listener.name}"
        found.append((f"{listener.kind} {' '.join(listener.ids)}", reaching))
    return found


def _materialize(app, stored: dict, enquiry_ts: str, user: str) -> dict:
    """A recorded payload, sent now: every message ts is the enquiry's (a message that exists), views made up."""
    raw = json.dumps(stored)
    raw = re.sub(r"<ts-digits:[^<>\s\"]+>", enquiry_ts.replace(".", ""), raw)
    raw = re.sub(r"<ts:[^<>\s\"]+>", enquiry_ts, raw)
    raw = re.sub(r"<view:[^<>\s\"]+>", lambda m: _view_id(m.group(0)), raw)
    payload = json.loads(raw)
    known = app.slack.user(user) or {}
    name = known.get("name", user)
    payload["user"] = {"id": user, "username": name, "name": name, "team_id": TEAM}
    return fresh_transport(payload, app.slack)


def _prepare(app) -> str:
    """Leads of two owners, open and closed, another workspace's leads, Alice's steady small buyer, an enquiry."""
    now = app.deps.clock.now()

    def draft(company: str, owner: str) -> LeadDraft:
        return LeadDraft(
            company=company, contact_name="", contact_role="", source="website", asked_for="", situation="unknown",
            discovery_notes="", claimed_potential=None, potential_unit="", owner_id=owner,
            first_follow_up_on=date(2026, 12, 3),
        )

    for company, owner in zip(COMPANIES[:4], (ALICE, ALICE, BOB, BOB), strict=True):
        app.deps.leads.capture(TEAM, draft(company, owner), owner, now)
    app.deps.leads.win(TEAM, "2", ALICE, now)
    app.deps.leads.lose(TEAM, "4", BOB, "competitor", "", now)
    for n in range(1, 8):  # numbers 5, 6 and 7 exist only over there
        app.deps.leads.capture(OTHER_TEAM, draft(f"Other {n}", ALICE), ALICE, now)
    import_orders(
        app, TEAM,
        "company,ordered_on,amount,owner\n" + "".join(
            f"Zhang Metalworks,{day},2400,{ALICE}\n" for day in ("2026-01-10", "2026-04-02", "2026-07-10")
        ),
    )
    app.slack.add_channel(INBOUND, "enquiries")
    command(app, "inbound on", channel=INBOUND)
    message = app.slack.add_message(INBOUND, "Acme needs 40 km of pipe coated", user=RECEPTION)
    assert app.send.event(dict(message, event_ts=message["ts"], channel_type="channel")).status == 200
    app.settle()
    return message["ts"]


def _snapshot(db) -> dict:
    with db.read() as uow:
        return {
            table: sorted(repr(tuple(row)) for row in uow.session.execute(text(f"SELECT * FROM {table}")))
            for table in TABLES
        }


def _changeable(db, user: str) -> set[str]:
    """Lead numbers and account ids the user may change now: open leads they own (all, for an admin), their accounts."""
    admin = user == ADMIN
    with db.read() as uow:
        session = uow.session
        leads = session.execute(
            text("SELECT number FROM leads WHERE team_id = :team AND status = 'open' AND (owner_id = :user OR :admin)"),
            {"team": TEAM, "user": user, "admin": admin},
        )
        accounts = session.execute(
            text("SELECT id FROM accounts WHERE team_id = :team AND (owner_id = :user OR :admin)"),
            {"team": TEAM, "user": user, "admin": admin},
        )
        return {str(row[0]) for row in [*leads, *accounts]}


def _names_something_changeable(payload: dict, db, user: str, enquiry_ts: str) -> bool:
    """Whether the values leadbot reads could name a lead or account `user` may change, or the open enquiry.

    Over-approximate on purpose: any run of digits counts as a number (dates are left out: they name no lead).
    """
    if payload["type"] == "view_submission":
        if payload["view"].get("callback_id") == contract.NEW_LEAD_FORM:
            return True  # saving a new lead is what that form is for
        read = str(payload["view"].get("private_metadata"))
    else:
        dated = ("selected_date", "initial_date", "action_ts")
        action = {k: v for k, v in payload["actions"][0].items() if k not in dated}
        read = json.dumps(action, ensure_ascii=False)
        if enquiry_ts in read:
            return True  # a claim or assignment of the open enquiry makes a lead
    numbers = {str(int(run)) for run in re.findall(r"\d+", read) if len(run) < 12}  # any script's digits
    return bool(numbers & _changeable(db, user))


def test_any_value_at_any_button_or_form_is_acked_in_time_and_changes_only_what_the_user_may_change(app, db, errors):
    """One app per database; each example a recorded payload of a listener the app registers, one to three of
    its fields odd, sent by one of four people; the database is compared before and after instead of reset."""
    enquiry_ts = _prepare(app)
    templates = _templates(app)
    checked = {"examples": 0, "unchanged": 0}

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(
        template=st.sampled_from(templates),
        pick=st.integers(min_value=0, max_value=1000),
        user=st.sampled_from(USERS),
        data=st.data(),
    )
    def throw(template, pick, user, data):
        name, payloads = template
        payload = _materialize(app, payloads[pick % len(payloads)], enquiry_ts, user)
        if payload["type"] == "block_actions":
            _odd_action(data, payload["actions"][0])
        else:
            _odd_form(data, payload["view"])
        may_change = _names_something_changeable(payload, db, user, enquiry_ts)
        before = None if may_change else _snapshot(db)
        errors.seen.clear()
        reply, took = _send(app, payload)
        app.settle()
        sent = payload.get("actions") or [payload["view"].get("private_metadata"), payload["view"].get("state")]
        what = f"{name} as {user}: {json.dumps(sent, ensure_ascii=False)[:800]}"
        assert reply.status == 200, f"HTTP {reply.status}: {what}"
        assert took < 3, f"answered after {took:.1f} s: {what}"
        assert errors.seen == [], f"{errors.seen}: {what}"
        checked["examples"] += 1
        if not may_change:
            checked["unchanged"] += 1
            assert _snapshot(db) == before, f"the database changed: {what}"

    throw()
    # Most examples name nothing the user may change: the database check must have run on them.
    assert checked["unchanged"] >= checked["examples"] // 2, checked
