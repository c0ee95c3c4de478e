"""Scripted scenarios that make leadbot show each interactive surface, and the steps that use it.

Each Surface has `prepare(app)`, which drives the real app the way people would (commands, forms,
scheduler runs, events) until the surface exists, and `steps`: the clicks and form submissions
recorded on it, in order. The recorder (tests/record_payloads.py) runs `prepare`, then captures and
sends each step's payload; the replay test (tests/test_old_payloads.py) runs the same `prepare`
and sends the stored payloads in the same order, so every payload meets the state it met when it
was recorded. Steps later in a surface see what earlier ones changed (a modal a button opened, a
nudge redrawn after a snooze).

Action ids, block ids and callback ids are written out here as literal strings on purpose: they
are the ids leadbot's messages carry today, which old messages in Slack keep sending.
Everything must be deterministic: the app's clock is fixed (tests.conftest.START) and moved only
by `tick`, and each step waits until leadbot has finished answering (`settle`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sandbox.slack_requests import Reply
from tests.conftest import ADMIN, ALICE, BOB, CAROL, GENERAL, TEAM, Running
from tests.leadbot_internals import buyer_replied, escalate_after, import_leads, import_orders
from tests.payload_kit import Capture, settle, track
from tests.support import at, command, lead, open_new_lead_form, text_of, tick

INBOUND = "C0INBOUND"
CUSTOMER = "UCUSTOM01"  # someone whose message in #general becomes a lead (not a rep)
RECEPTION = "URECEPT01"  # a colleague who pastes enquiries into the inbound channel

# Fri 4 Dec 2026 in Shanghai (Alice): 08:00 and 09:00. Leads captured on Tue 1 Dec are due on Thu 3 Dec.
FRI_0800_SHANGHAI = "2026-12-04T00:00:00+00:00"
FRI_0900_SHANGHAI = "2026-12-04T01:00:00+00:00"
FRI_1000_SHANGHAI = "2026-12-04T02:00:00+00:00"
# Tue 1 Dec: 17:00 in Shanghai, 10:00 in Berlin; then 09:00 in New York.
TUE_0900_UTC = "2026-12-01T09:00:00+00:00"
TUE_1400_UTC = "2026-12-01T14:00:00+00:00"
SMALL_ORDERS = ("2,400 CNY 2026-01-10", "¥3,000 2026-04-02", "2.5k 2026-07-10")
_ORDER_ROWS = (("2026-01-10", "2400"), ("2026-04-02", "3000"), ("2026-07-10", "2500"))  # the same, as CSV


@dataclass
class Step:
    """One click or submission: `capture(app, slack)` uses `slack` (a Capture) as the person would."""

    name: str
    capture: Callable[[Running, Capture], Reply]
    known_broken: str | None = None  # why this payload fails today; the replay expects it to (test_old_payloads)
    note: str | None = None  # anything odd about what leadbot does today, kept with the record


@dataclass
class Surface:
    name: str
    about: str
    prepare: Callable[[Running], None]
    steps: list[Step] = field(default_factory=list)


# -- helpers ------------------------------------------------------------------------------------


def begin(app: Running) -> None:
    """Start a scenario: wait for leadbot's listeners, and stamp messages with the app's clock."""
    track(app)
    # The fake stamps messages with the wall clock; the app's fixed clock keeps ts (and so
    # everything leadbot derives from them, like an enquiry's arrival) the same on every run.
    app.slack.clock = lambda: app.deps.clock.now().timestamp()


def capture_lead(app: Running, company: str, user: str = ALICE, **values: str) -> None:
    lead(app, company, user=user, **values)
    settle(app)


def run_scheduler(app: Running, when: str) -> None:
    tick(app, when)
    settle(app)


def say(app: Running, text: str, user: str = ALICE, channel: str = GENERAL) -> str:
    answered = command(app, text, user=user, channel=channel)
    settle(app)
    return answered


def submit_form(app: Running, user: str, opened_by: str, values: dict, channel: str = GENERAL) -> None:
    """Open a form with `/lead <opened_by>` and submit it with `values`."""
    view = open_new_lead_form(app, opened_by, user=user, channel=channel)
    reply = app.send.submit_view(user, view, values)
    assert reply.status == 200 and not reply.body.strip(), reply.body
    settle(app)


def open_home(app: Running, user: str) -> None:
    published = len(app.slack.calls("views.publish"))
    assert app.send.app_home_opened(user).status == 200
    app.slack.wait_for("views.publish", count=published + 1)
    settle(app)


def home(app: Running, user: str = ALICE) -> dict:
    return app.slack.home_view(user)


def dm(app: Running, user: str, header: str) -> dict:
    """The latest DM to `user` whose first block is the header `header` (a prefix is enough)."""
    found = [
        m
        for m in app.slack.dms_to(user)
        if m.get("blocks")
        and m["blocks"][0].get("type") == "header"
        and m["blocks"][0]["text"]["text"].startswith(header)
    ]
    assert found, f"no DM to {user} headed {header!r}"
    return found[-1]


def dms(app: Running, user: str, header: str) -> list[dict]:
    return [
        m
        for m in app.slack.dms_to(user)
        if m.get("blocks")
        and m["blocks"][0].get("type") == "header"
        and m["blocks"][0]["text"]["text"].startswith(header)
    ]


def ephemeral(app: Running, user: str, containing: str) -> dict:
    found = [m for m in app.slack.ephemerals(user) if containing in text_of(m)]
    assert found, f"no ephemeral to {user} containing {containing!r}"
    return found[-1]


def modal(app: Running, user: str = ALICE) -> dict:
    """The form `user` has open on top (the one the previous step opened)."""
    views = app.slack.open_views(user)
    assert views, f"{user} has no form open"
    return views[-1]


def form_opened_by_click(app: Running, user: str, click: Callable[[], Reply]) -> dict:
    """Click something that opens a form (live, as part of a scenario); returns the form."""
    opened = len(app.slack.calls("views.open"))
    reply = click()
    assert reply.status == 200, reply.body
    app.slack.wait_for("views.open", count=opened + 1)
    settle(app)
    return modal(app, user)


def account_of(question: dict) -> str:
    """The account id a small-buyer question carries in its note button."""
    for block in question["blocks"]:
        for element in block.get("elements") or []:
            if element.get("action_id") == "small_buyer_note_open":
                return element["value"]
    raise AssertionError("the question has no note button")


# -- the lead card: the ephemeral card after saving a lead --------------------------------------


def _lead_card(app: Running) -> None:
    begin(app)
    capture_lead(app, "Beta Valves")
    capture_lead(
        app,
        "Acme Oilfield",
        asked_for="pipeline coating proposal",
        claimed_potential="200000",
        potential_unit="m² a year",
    )


def _card(app: Running) -> dict:
    return ephemeral(app, ALICE, "Saved #2 Acme Oilfield")


LEAD_CARD = Surface(
    "lead_card",
    "The card a rep sees (ephemeral, in the channel) after saving a lead: Log follow-up and Edit, "
    "and the two forms they open.",
    _lead_card,
    [
        Step("log_button", lambda app, s: s.click(ALICE, _card(app), "lead_log_open", value="2", ephemeral=True)),
        Step(
            "log_follow_up_form_date_in_the_past",
            lambda app, s: s.submit_view(ALICE, modal(app), {"next_follow_up": "2026-11-20"}),
        ),
        Step(
            "log_follow_up_form",
            lambda app, s: s.submit_view(
                ALICE,
                modal(app),
                {
                    "kind": "email",
                    "note": "Sent the coating datasheet",
                    "buyer_said": "Budget is decided in January",
                    "next_follow_up": "2026-12-10",
                },
            ),
        ),
        Step("edit_button", lambda app, s: s.click(ALICE, _card(app), "lead_edit_open", value="2", ephemeral=True)),
        Step(
            "edit_lead_form_company_taken", lambda app, s: s.submit_view(ALICE, modal(app), {"company": "beta valves"})
        ),
        Step(
            "edit_lead_form",
            lambda app, s: s.submit_view(
                ALICE,
                modal(app),
                {"contact_name": "Li Wei", "contact_role": "Procurement manager", "situation": "comparing"},
            ),
        ),
        # Issue 14: the edit form has the contact's email too.
        Step(
            "edit_button_again",
            lambda app, s: s.click(ALICE, _card(app), "lead_edit_open", value="2", ephemeral=True),
        ),
        Step(
            "edit_lead_form_bad_contact_email",
            lambda app, s: s.submit_view(ALICE, modal(app), {"contact_email": "li.wei at acme"}),
        ),
        Step(
            "edit_lead_form_contact_email",
            lambda app, s: s.submit_view(ALICE, modal(app), {"contact_email": "li.wei@acme-oil.com"}),
        ),
        # Since issue 22 the follow-up form also asks for the buyer's situation and background (pre-filled).
        Step(
            "log_button_background_form",
            lambda app, s: s.click(ALICE, _card(app), "lead_log_open", value="2", ephemeral=True),
        ),
        Step(
            "log_follow_up_form_with_background",
            lambda app, s: s.submit_view(
                ALICE,
                modal(app),
                {
                    "kind": "call",
                    "note": "Asked plainly about the background",
                    "situation": "wants_to_buy",
                    "bg_situation": "40 km of pipeline, coated by hand today",
                    "bg_problem": "Corrosion at the welds",
                    "bg_implication": "",
                    "bg_need_payoff": "Two fewer shutdowns a year",
                    "next_follow_up": "2026-12-17",
                },
            ),
        ),
    ],
)


# -- the new-lead form, opened with /lead new -------------------------------------------------


def _new_lead_form(app: Running) -> None:
    begin(app)
    # Three forms for the first records; a fourth, opened last, for the contact email steps (issue 14).
    for _ in range(4):
        open_new_lead_form(app)
    settle(app)


def _nth_form(app: Running, n: int) -> dict:
    return app.slack.open_views(ALICE)[n]


NEW_LEAD_FORM = Surface(
    "new_lead_form",
    "The new-lead form as `/lead new` opens it in #general (three of them open at once).",
    _new_lead_form,
    [
        Step(
            "follow_up_in_the_past",
            lambda app, s: s.submit_view(
                ALICE,
                _nth_form(app, 0),
                {
                    "company": "Acme Oilfield",
                    "source": "website",
                    "situation": "wants_to_buy",
                    "first_follow_up": "2026-11-20",
                },
            ),
        ),
        Step(
            "submit",
            lambda app, s: s.submit_view(
                ALICE,
                _nth_form(app, 0),
                {
                    "company": "Acme Oilfield",
                    "contact_name": "Li Wei",
                    "contact_role": "Procurement manager",
                    "source": "trade_show",
                    "asked_for": "pipeline coating proposal",
                    "situation": "boss_research",
                    "discovery_notes": "S: 40 km of pipeline\nP: corrosion at the welds",
                    "claimed_potential": "200000",
                    "potential_unit": "m² a year",
                    "first_follow_up": "2026-12-03",
                },
            ),
        ),
        Step(
            "duplicate_company",
            lambda app, s: s.submit_view(
                ALICE, _nth_form(app, 0), {"company": "ACME  Oilfield", "source": "referral", "situation": "unknown"}
            ),
        ),
        Step(
            "for_someone_else",
            lambda app, s: s.submit_view(
                ALICE,
                _nth_form(app, 1),
                {"company": "Boston Valves", "source": "inbound_call", "situation": "comparing", "owner_id": BOB},
            ),
        ),
        # Issue 14: the form asks for the contact's email (optional; one address).
        Step(
            "contact_email_two_addresses",
            lambda app, s: s.submit_view(
                ALICE,
                modal(app),
                {
                    "company": "Cedar Pumps",
                    "source": "website",
                    "situation": "wants_to_buy",
                    "contact_email": "li@cedar-pumps.com, wang@cedar-pumps.com",
                },
            ),
        ),
        Step(
            "with_contact_email",
            lambda app, s: s.submit_view(
                ALICE,
                modal(app),
                {
                    "company": "Cedar Pumps",
                    "contact_name": "Li Na",
                    "source": "website",
                    "situation": "wants_to_buy",
                    "contact_email": "Li.Na@Cedar-Pumps.com",
                },
            ),
        ),
    ],
)


# -- the nudge: the DM about leads gone quiet ------------------------------------------------


def _nudge(app: Running) -> None:
    begin(app)
    # A digest at 08:00, before the working day: the nudge then comes on its own at 09:00.
    submit_form(app, ALICE, "settings", {"digest_time": "08:00"})
    for company in ("Alpha Pumps", "Beta Valves", "Gamma Gears", "Delta Steel", "Epsilon Coatings", "Zeta Tools"):
        capture_lead(app, company)
    run_scheduler(app, FRI_0800_SHANGHAI)
    run_scheduler(app, FRI_0900_SHANGHAI)


def _nudge_dm(app: Running) -> dict:
    return dm(app, ALICE, "Time to follow up")


NUDGE = Surface(
    "nudge",
    "The nudge DM about quiet leads (one row of buttons per lead), and the forms its buttons open.",
    _nudge,
    [
        Step("won_by_someone_else", lambda app, s: s.click(CAROL, _nudge_dm(app), "lead_won", value="6")),
        Step("log_button", lambda app, s: s.click(ALICE, _nudge_dm(app), "lead_log_open", value="1")),
        Step(
            "log_follow_up_form",
            lambda app, s: s.submit_view(
                ALICE,
                modal(app),
                {"kind": "call", "note": "Called Li; the budget meeting is next week", "next_follow_up": "2026-12-11"},
            ),
        ),
        Step(
            "snooze",
            lambda app, s: s.click(ALICE, _nudge_dm(app), "lead_snooze", block_id="lead:2", selected_option="3"),
        ),
        Step(
            "buyer_said_later",
            lambda app, s: s.click(
                ALICE, _nudge_dm(app), "lead_buyer_date", block_id="lead:3", selected_date="2026-12-16"
            ),
        ),
        Step(
            "buyer_said_a_past_date",
            lambda app, s: s.click(
                ALICE, _nudge_dm(app), "lead_buyer_date", block_id="lead:4", selected_date="2026-11-20"
            ),
        ),
        Step("won", lambda app, s: s.click(ALICE, _nudge_dm(app), "lead_won", value="4")),
        Step("lost_button", lambda app, s: s.click(ALICE, _nudge_dm(app), "lead_lost_open", value="5")),
        Step(
            "lost_form",
            lambda app, s: s.submit_view(ALICE, modal(app), {"reason": "competitor", "note": "Zhang Coatings"}),
        ),
        # Won asks to confirm (since issue 15), with an optional deal value; the old "lead_won" wins at once.
        Step("won_confirm_button", lambda app, s: s.click(ALICE, _nudge_dm(app), "lead_won_open", value="6")),
        Step(
            "won_confirm_form_value_not_an_amount",
            lambda app, s: s.submit_view(ALICE, modal(app), {"won_value": "a lot"}),
        ),
        Step("won_confirm_form", lambda app, s: s.submit_view(ALICE, modal(app), {"won_value": "1.2万"})),
    ],
)


# -- the morning digest -----------------------------------------------------------------------


def _digest(app: Running) -> None:
    begin(app)
    for company in ("Alpha Pumps", "Beta Valves", "Gamma Gears", "Delta Steel", "Epsilon Coatings"):
        capture_lead(app, company)  # quiet by Friday
    for company in ("Due One", "Due Two", "Due Three", "Due Four"):
        capture_lead(app, company, first_follow_up="2026-12-04")  # due on Friday
    for order in SMALL_ORDERS:
        say(app, f"order Zhang Metalworks {order}")
    run_scheduler(app, TUE_0900_UTC)  # the small-buyer question, unanswered
    run_scheduler(app, FRI_0900_SHANGHAI)


def _digest_dm(app: Running) -> dict:
    return dm(app, ALICE, "Your leads for Fri 4 Dec")


def _menu(app: Running, s: Capture, option: str) -> Reply:
    number = option.rsplit(":", 1)[-1]
    block = next(b for b in _digest_dm(app)["blocks"] if f"*#{number} " in (b.get("text") or {}).get("text", ""))
    return s.click(ALICE, _digest_dm(app), "digest_item", block_id=block["block_id"], selected_option=option)


def _digest_note(app: Running, s: Capture) -> Reply:
    return s.click(ALICE, _digest_dm(app), "small_buyer_note_open")


DIGEST = Surface(
    "digest",
    "The morning digest: quiet leads with the nudge's buttons, leads due today with their menu, "
    "a small buyer waiting for an answer; and the forms they open.",
    _digest,
    [
        Step(
            "quiet_lead_snooze",
            lambda app, s: s.click(ALICE, _digest_dm(app), "lead_snooze", block_id="lead:1", selected_option="1"),
        ),
        Step(
            "quiet_lead_buyer_said_later",
            lambda app, s: s.click(
                ALICE, _digest_dm(app), "lead_buyer_date", block_id="lead:2", selected_date="2026-12-18"
            ),
        ),
        Step("quiet_lead_log_button", lambda app, s: s.click(ALICE, _digest_dm(app), "lead_log_open", value="3")),
        Step(
            "log_follow_up_form",
            lambda app, s: s.submit_view(ALICE, modal(app), {"kind": "visit", "note": "Visited the plant"}),
        ),
        Step("quiet_lead_won", lambda app, s: s.click(ALICE, _digest_dm(app), "lead_won", value="4")),
        Step("quiet_lead_lost_button", lambda app, s: s.click(ALICE, _digest_dm(app), "lead_lost_open", value="5")),
        Step("lost_form", lambda app, s: s.submit_view(ALICE, modal(app), {"reason": "no_budget"})),
        Step("menu_show", lambda app, s: _menu(app, s, "show:6")),
        Step("menu_snooze_a_day", lambda app, s: _menu(app, s, "snooze:1:7")),
        Step("menu_snooze_a_week", lambda app, s: _menu(app, s, "snooze:7:8")),
        Step("menu_log", lambda app, s: _menu(app, s, "log:9")),
        Step("menu_log_follow_up_form", lambda app, s: s.submit_view(ALICE, modal(app), {"kind": "message"})),
        Step("small_buyer_note_button", _digest_note),
        Step(
            "small_buyer_note_form",
            lambda app, s: s.submit_view(
                ALICE, modal(app), {"reason": "special_only", "note": "They buy flanges from us, pipe from Li"}
            ),
        ),
    ],
)


# -- the App Home tab -------------------------------------------------------------------------


def _home(app: Running) -> None:
    begin(app)
    for order in SMALL_ORDERS:
        say(app, f"order Zhang Metalworks {order}")
    run_scheduler(app, TUE_0900_UTC)  # the small-buyer question, unanswered
    capture_lead(app, "Alpha Pumps")
    capture_lead(app, "Beta Valves")
    capture_lead(app, "Gamma Gears")
    open_home(app, ALICE)


def _home_menu(app: Running, s: Capture, option: str) -> Reply:
    number = option.rsplit(":", 1)[-1]
    block = next(b for b in home(app)["blocks"] if f"*#{number} " in (b.get("text") or {}).get("text", ""))
    return s.click(ALICE, home(app), "digest_item", block_id=block["block_id"], selected_option=option)


HOME = Surface(
    "home",
    "The App Home tab: New lead, the menu on each lead line, a small buyer waiting for an answer; "
    "and the forms they open. "
    "(Its Settings button is in settings.json.)",
    _home,
    [
        Step("new_lead_button", lambda app, s: s.click(ALICE, home(app), "home_new_lead", value="new")),
        Step(
            "new_lead_form",
            lambda app, s: s.submit_view(
                ALICE, modal(app), {"company": "Home Made Ltd", "source": "marketing", "situation": "trial"}
            ),
        ),
        Step("menu_log", lambda app, s: _home_menu(app, s, "log:2")),
        Step(
            "log_follow_up_form",
            lambda app, s: s.submit_view(ALICE, modal(app), {"kind": "meeting", "note": "Met at the fair"}),
        ),
        Step("menu_snooze_a_day", lambda app, s: _home_menu(app, s, "snooze:1:3")),
        Step("menu_snooze_a_week", lambda app, s: _home_menu(app, s, "snooze:7:3")),
        # Recorded while it crashed (Home-tab clicks carry no response_url); now the card comes by DM.
        Step("menu_show", lambda app, s: _home_menu(app, s, "show:4")),
        Step("small_buyer_note_button", lambda app, s: s.click(ALICE, home(app), "small_buyer_note_open")),
        Step("small_buyer_note_form", lambda app, s: s.submit_view(ALICE, modal(app), {"reason": "will_ask"})),
        # menu_show as answered since the fix: the card by DM (the record above keeps the crash it recorded).
        Step("menu_show_card_by_dm", lambda app, s: _home_menu(app, s, "show:4")),
    ],
)


# -- the manager's note about leads going cold: open a lead, give it to someone else ---------------


def _escalation(app: Running) -> None:
    begin(app)
    escalate_after(app, 1, ADMIN)
    capture_lead(app, "Alpha Pumps")
    capture_lead(app, "Beta Valves")
    run_scheduler(app, FRI_0900_SHANGHAI)  # Alice is reminded of both; the manager (Shanghai) hears of them


def _cold_note(app: Running) -> dict:
    return dm(app, ADMIN, "Leads going cold")


ESCALATION = Surface(
    "escalation",
    "The manager's note about leads whose reminders were ignored: Open the lead, and Give it to… someone else.",
    _escalation,
    [
        Step("open_the_lead", lambda app, s: s.click(ADMIN, _cold_note(app), "escalation_show", value="1")),
        Step(
            "give_it_to",
            lambda app, s: s.click(ADMIN, _cold_note(app), "escalation_assign", block_id="lead:2", selected_user=BOB),
        ),
    ],
)


# -- pinning a lead on top of "Call these first", from its Home line's menu -----------------------------


def _home_pin(app: Running) -> None:
    begin(app)
    capture_lead(app, "Alpha Pumps")
    capture_lead(app, "Beta Valves")
    open_home(app, ALICE)


HOME_PIN = Surface(
    "home_pin",
    "The Home tab's lead-line menu with Pin on top of Call these first, then Unpin.",
    _home_pin,
    [
        Step("menu_pin", lambda app, s: _home_menu(app, s, "pin:2")),
        Step("menu_unpin", lambda app, s: _home_menu(app, s, "unpin:2")),
    ],
)


# -- settings: the Home tab's Settings button and the settings form ---------------------------


def _settings(app: Running) -> None:
    begin(app)
    capture_lead(app, "Alpha Pumps")
    open_home(app, ALICE)
    open_home(app, ADMIN)


SETTINGS = Surface(
    "settings",
    "The Settings button on the Home tab and the settings form, for a rep and for an admin "
    "(who also sees the team's rules).",
    _settings,
    [
        Step("settings_button", lambda app, s: s.click(ALICE, home(app, ALICE), "home_settings", value="settings")),
        Step(
            "settings_form_hours_backwards",
            lambda app, s: s.submit_view(ALICE, modal(app, ALICE), {"work_start": "18:00", "work_end": "09:00"}),
        ),
        Step(
            "settings_form",
            lambda app, s: s.submit_view(
                ALICE,
                modal(app, ALICE),
                {
                    "digest_time": "08:30",
                    "workdays": ["mon", "tue", "wed", "thu", "fri", "sat"],
                    "work_start": "08:00",
                    "work_end": "17:30",
                    "language": "en",
                    "snooze_days": "3",
                },
            ),
        ),
        Step(
            "admin_settings_button", lambda app, s: s.click(ADMIN, home(app, ADMIN), "home_settings", value="settings")
        ),
        Step(
            "admin_settings_form_bad_cadence",
            lambda app, s: s.submit_view(ADMIN, modal(app, ADMIN), {"cadence": "soon"}),
        ),
        Step(
            "admin_settings_form",
            lambda app, s: s.submit_view(
                ADMIN,
                modal(app, ADMIN),
                {
                    "cadence": "2,7,14,30",
                    "min_touches": "4",
                    "potential_factor": "0.4",
                    "summary_schedule": "daily",
                    "manager": ADMIN,
                },
            ),
        ),
    ],
)


# -- claims that came true: *Use 0.38* beside the potential factor, in the admin's settings form -------


def _claims_factor(app: Running) -> None:
    """Five won accounts, captured in 2025 with claims in money, that ordered 20%, 30%, 38%, 50% and 80% of them."""
    begin(app)
    claims = (("Pacific Valves", 20), ("Qilin Pumps", 30), ("Rhine Coatings", 38), ("Sahara Drill", 50),
              ("Tundra Pipe", 80))
    leads = "company,contact,source,asked_for,owner,created_on,claimed_potential,status,closed_on\n" + "".join(
        f"{company},Li,website,valves,{ALICE},2025-02-01,100000,won,2025-03-01\n" for company, _ in claims
    )
    import_leads(app, TEAM, leads)
    import_orders(app, TEAM, "company,ordered_on,amount,currency\n" + "".join(
        f"{company},2025-06-01,{share * 1000},CNY\n" for company, share in claims
    ))
    open_home(app, ADMIN)
    settle(app)


CLAIMS_FACTOR = Surface(
    "claims_factor",
    "The admin's settings form with how the team's claims came true and a one-click *Use 0.38*, clicked by the "
    "admin.",
    _claims_factor,
    [
        Step(
            "admin_settings_button", lambda app, s: s.click(ADMIN, home(app, ADMIN), "home_settings", value="settings")
        ),
        Step(
            "use_factor",
            lambda app, s: s.click(ADMIN, modal(app, ADMIN), "use_potential_factor", value="0.38"),
        ),
    ],
)


# -- API tokens in the admin's settings form: New API token…, its form, Revoke ------------------


def _settings_api_tokens(app: Running) -> None:
    begin(app)
    app.deps.api_tokens.create(TEAM, "old-phone", app.deps.clock.now())
    open_home(app, ADMIN)


def _settings_form(app: Running, user: str) -> dict:
    """The settings form under whatever was pushed over it."""
    return next(view for view in app.slack.open_views(user) if view["callback_id"] == "settings")


SETTINGS_API_TOKENS = Surface(
    "settings_api_tokens",
    "API tokens in the admin's settings form: New API token… and the name form it pushes (a name in use, then a "
    "new one, whose token is shown once), and Revoke beside a working token.",
    _settings_api_tokens,
    [
        Step(
            "admin_settings_button", lambda app, s: s.click(ADMIN, home(app, ADMIN), "home_settings", value="settings")
        ),
        Step("new_token_button", lambda app, s: s.click(ADMIN, modal(app, ADMIN), "api_token_new_open", value="new")),
        Step(
            "new_token_form_name_taken",
            lambda app, s: s.submit_view(ADMIN, modal(app, ADMIN), {"api_token_name": "old-phone"}),
        ),
        Step(
            "new_token_form",
            lambda app, s: s.submit_view(ADMIN, modal(app, ADMIN), {"api_token_name": "website-form"}),
        ),
        Step(
            "revoke",
            lambda app, s: s.click(ADMIN, _settings_form(app, ADMIN), "api_token_revoke", value="website-form"),
        ),
    ],
)


# -- the message shortcut "Capture as lead" ---------------------------------------------------


def _message_shortcut(app: Running) -> None:
    begin(app)
    app.slack.add_message(GENERAL, "Zhang Metalworks asked for 200 t of pipe coating &amp; primer", user=CUSTOMER)


def _customer_message(app: Running) -> dict:
    return next(m for m in app.slack.messages(GENERAL) if m.get("user") == CUSTOMER)


MESSAGE_SHORTCUT = Surface(
    "message_shortcut",
    "*Capture as lead* on someone's message in #general, and the pre-filled new-lead form it opens.",
    _message_shortcut,
    [
        Step(
            "capture_as_lead",
            lambda app, s: s.message_action(ALICE, _customer_message(app), callback_id="capture_as_lead"),
        ),
        Step(
            "new_lead_form",
            lambda app, s: s.submit_view(
                ALICE, modal(app), {"company": "Zhang Metalworks", "situation": "wants_to_buy"}
            ),
        ),
    ],
)


# -- inbound channels: the offer in an enquiry's thread ----------------------------------------


def _inbound(app: Running) -> None:
    begin(app)
    app.slack.add_channel(INBOUND, "enquiries")
    say(app, "inbound on", channel=INBOUND)
    for text in (
        "Acme Oilfield needs 40 km of pipe coated, please call Li",
        "Boston Valves wants a quote for 500 valves",
        "Are you hiring welders?",
    ):
        message = app.slack.add_message(INBOUND, text, user=RECEPTION)
        event = dict(message, event_ts=message["ts"], channel_type="channel")
        assert app.send.event(event).status == 200
        settle(app)


def _offer(app: Running, n: int) -> dict:
    enquiry = [m for m in app.slack.messages(INBOUND) if m.get("user") == RECEPTION][n]
    return next(
        m for m in app.slack.messages(INBOUND) if m.get("thread_ts") == enquiry["ts"] and m["ts"] != enquiry["ts"]
    )


def _offer_as_first_posted(app: Running, n: int) -> dict:
    offer = _offer(app, n)
    return (app.slack.edits(INBOUND, offer["ts"]) or [offer])[0]


INBOUND_OFFER = Surface(
    "inbound_offer",
    "leadbot's offer in the thread of a new enquiry in an inbound channel: Claim, Give to…, Not an enquiry; "
    "the details form Claim opens; the Add details button once taken.",
    _inbound,
    [
        Step("claim", lambda app, s: s.click(ALICE, _offer(app, 0), "inbound_claim")),
        Step(
            "details_form",
            lambda app, s: s.submit_view(
                ALICE,
                modal(app),
                {
                    "company": "Acme Oilfield",
                    "contact_name": "Li",
                    "situation": "wants_to_buy",
                    "claimed_potential": "80000",
                },
            ),
        ),
        Step(
            "claim_already_taken", lambda app, s: s.click_as_shown(BOB, _offer_as_first_posted(app, 0), "inbound_claim")
        ),
        Step("assign", lambda app, s: s.click(CAROL, _offer(app, 1), "inbound_assign", selected_user=BOB)),
        Step("not_an_enquiry", lambda app, s: s.click(CAROL, _offer(app, 2), "inbound_dismiss")),
        Step("add_details_button", lambda app, s: s.click(ALICE, _offer(app, 0), "lead_edit_open")),
        Step(
            "details_form_again",
            lambda app, s: s.submit_view(ALICE, modal(app), {"contact_role": "Head of procurement"}),
        ),
    ],
)


# -- the small-buyer question ------------------------------------------------------------------

_ACCOUNTS = {
    ALICE: ("Zhang Metalworks", "Li Fasteners", "Wu Plastics"),
    CAROL: ("Berlin Gears", "Hamburg Bolts", "Köln Valves"),
    BOB: ("Boston Pipes", "Albany Seals", "Newark Wire"),
}


def _small_buyers(app: Running) -> None:
    begin(app)
    # Account ids ride in the buttons and the note form, and they are the database's own: imported
    # (each account made once, first orders first) they are 1, 2, 3… on SQLite and PostgreSQL alike.
    accounts = [(user, company) for user, companies in _ACCOUNTS.items() for company in companies]
    rows = [f"{company},{day},{amount},CNY,{user}" for day, amount in _ORDER_ROWS for user, company in accounts]
    import_orders(app, TEAM, "company,ordered_on,amount,currency,owner\n" + "\n".join(rows) + "\n")
    run_scheduler(app, TUE_0900_UTC)  # Alice (17:00) and Carol (10:00) are at work
    run_scheduler(app, TUE_1400_UTC)  # Bob (09:00)
    for number, (user, company) in enumerate(accounts, start=1):
        assert account_of(_question(app, user, company)) == str(number), "account ids differ from the recorded ones"


def _question(app: Running, user: str, company: str) -> dict:
    return next(m for m in dms(app, user, "They keep buying") if f"*{company}*" in text_of(m))


def _answer(owner: str, company: str, reason: str, by: str | None = None) -> Callable[[Running, Capture], Reply]:
    def click(app: Running, s: Capture) -> Reply:
        question = _question(app, owner, company)
        return s.click(by or owner, question, f"small_buyer_answer:{reason}", value=f"{account_of(question)}:{reason}")

    return click


SMALL_BUYER_QUESTION = Surface(
    "small_buyer_question",
    "The DM asking why a steady small buyer buys so little: each one-click answer, Answer with a note…, and its form.",
    _small_buyers,
    [
        Step("answer_price", _answer(ALICE, "Zhang Metalworks", "price")),
        Step("answer_unaware", _answer(ALICE, "Li Fasteners", "unaware")),
        Step("answer_habit", _answer(ALICE, "Wu Plastics", "habit")),
        Step("answer_special_only", _answer(CAROL, "Berlin Gears", "special_only")),
        Step("answer_think_weak", _answer(CAROL, "Hamburg Bolts", "think_weak")),
        Step("answer_never_tried", _answer(CAROL, "Köln Valves", "never_tried")),
        Step("answer_will_ask", _answer(BOB, "Boston Pipes", "will_ask")),
        Step("answer_by_someone_else", _answer(BOB, "Albany Seals", "price", by=CAROL)),
        Step(
            "note_button",
            lambda app, s: s.click(
                BOB,
                _question(app, BOB, "Albany Seals"),
                "small_buyer_note_open",
                value=account_of(_question(app, BOB, "Albany Seals")),
            ),
        ),
        Step(
            "note_form",
            lambda app, s: s.submit_view(
                BOB, modal(app, BOB), {"reason": "habit", "note": "Buys seals from Parker for years"}
            ),
        ),
    ],
)


# -- closing as lost, and the reschedule form that replaces it when it is too early ------------


def _lost(app: Running) -> None:
    begin(app)
    for company in ("Alpha Pumps", "Beta Valves", "Gamma Gears"):
        capture_lead(app, company)
    run_scheduler(app, FRI_0900_SHANGHAI)
    digest = dm(app, ALICE, "Your leads for")
    for number in ("1", "2", "3"):
        form_opened_by_click(app, ALICE, lambda n=number: app.send.click(ALICE, digest, "lead_lost_open", value=n))


def _lost_form(app: Running, number: int) -> dict:
    return next(v for v in app.slack.open_views(ALICE) if f'"lead": {number}' in v["private_metadata"])


LOST_FORM = Surface(
    "lost_form",
    "The Lost… form (opened from the digest's quiet leads, three at once): its checks, a reason accepted, "
    'and "only wanted a proposal" too early, which turns it into the reschedule form.',
    _lost,
    [
        Step("other_without_a_note", lambda app, s: s.submit_view(ALICE, _lost_form(app, 1), {"reason": "other"})),
        Step(
            "went_silent_too_early", lambda app, s: s.submit_view(ALICE, _lost_form(app, 1), {"reason": "went_silent"})
        ),
        Step(
            "reschedule_form_date_in_the_past",
            lambda app, s: s.submit_view(ALICE, _lost_form(app, 1), {"next_follow_up": "2026-11-30"}),
        ),
        Step(
            "reschedule_form", lambda app, s: s.submit_view(ALICE, _lost_form(app, 1), {"next_follow_up": "2026-12-09"})
        ),
        Step(
            "competitor",
            lambda app, s: s.submit_view(ALICE, _lost_form(app, 2), {"reason": "competitor", "note": "Zhang Coatings"}),
        ),
        Step(
            "other_with_a_note",
            lambda app, s: s.submit_view(
                ALICE, _lost_form(app, 3), {"reason": "other", "note": "They merged with a customer of ours"}
            ),
        ),
    ],
)


# -- /lead lost N silent, refused with a date picker -------------------------------------------


def _lost_command(app: Running) -> None:
    begin(app)
    capture_lead(app, "Alpha Pumps")
    say(app, "log 1 call first call")
    say(app, "lost 1 silent")


def _refusal(app: Running) -> dict:
    return ephemeral(app, ALICE, "Pick the next follow-up instead")


LOST_COMMAND_REFUSAL = Surface(
    "lost_command_refusal",
    "`/lead lost 1 silent` before three follow-ups: the refusal, with a date picker for the next follow-up.",
    _lost_command,
    [
        Step(
            "next_date_in_the_past",
            lambda app, s: s.click(ALICE, _refusal(app), "lead_next_date", selected_date="2026-11-25", ephemeral=True),
        ),
        Step(
            "next_date",
            lambda app, s: s.click(ALICE, _refusal(app), "lead_next_date", selected_date="2026-12-15", ephemeral=True),
        ),
    ],
)


# -- a buyer wrote back: the owner's DM --------------------------------------------------------


def _buyer_reply(app: Running) -> None:
    begin(app)
    for company in ("Alpha Pumps", "Beta Valves", "Gamma Gears"):
        capture_lead(app, company)
    run_scheduler(app, FRI_0900_SHANGHAI)  # the morning digest is out; replies later that day come by DM
    for number, note in ((1, "Can you quote 200 valves?"), (2, "We decide after the 15th."), (3, "Call me.")):
        buyer_replied(app, TEAM, number, f"mail:<reply{number}@buyer.example>", note, at(FRI_1000_SHANGHAI))
    run_scheduler(app, FRI_1000_SHANGHAI)


def _reply_dm(app: Running, number: int) -> dict:
    return next(m for m in dms(app, ALICE, "The buyer wrote back") if f"#{number} " in text_of(m))


BUYER_REPLY = Surface(
    "buyer_reply",
    "The DM that a buyer wrote back (by email or in a linked channel): log a follow-up, snooze, buyer said later.",
    _buyer_reply,
    [
        Step(
            "snooze",
            lambda app, s: s.click(ALICE, _reply_dm(app, 1), "reply_snooze", selected_option="3"),
        ),
        Step(
            "buyer_said_later",
            lambda app, s: s.click(ALICE, _reply_dm(app, 2), "reply_buyer_date", selected_date="2026-12-16"),
        ),
        Step("log_button", lambda app, s: s.click(ALICE, _reply_dm(app, 3), "reply_log_open", value="3")),
        Step(
            "log_follow_up_form",
            lambda app, s: s.submit_view(ALICE, modal(app), {"kind": "call", "note": "Called back; quote on Monday"}),
        ),
    ],
)


SURFACES: dict[str, Surface] = {
    surface.name: surface
    for surface in (
        LEAD_CARD,
        NEW_LEAD_FORM,
        NUDGE,
        DIGEST,
        HOME,
        HOME_PIN,
        ESCALATION,
        SETTINGS,
        CLAIMS_FACTOR,
        SETTINGS_API_TOKENS,
        MESSAGE_SHORTCUT,
        INBOUND_OFFER,
        SMALL_BUYER_QUESTION,
        LOST_FORM,
        LOST_COMMAND_REFUSAL,
        BUYER_REPLY,
    )
}
