"""Inbound channels: each new enquiry gets one offer to claim, becomes one lead, and is chased if nobody takes it."""

import threading
import time
from datetime import time as clock_time
from datetime import timedelta

from bot.worktime import WorkingHours, parse_workdays
from tests.conftest import ADMIN, ALICE, BOB, CAROL, GENERAL, START, TEAM
from tests.support import answer, at, command, lead, message_event, text_of, tick, ts_at, wait_dm, wait_ephemeral

INBOX = "C0INBOX01"
RECEPTION = "URECEPT01"  # a colleague who pastes enquiries in; not a rep
WEB_FORM = "B0WEBFORM"


def _inbox(app) -> None:
    app.slack.add_channel(INBOX, "enquiries")
    assert "now an inbound channel" in command(app, "inbound on", channel=INBOX)


def _arrive(app, text: str, when=None, **fields) -> dict:
    """A message lands in the inbound channel, and Slack tells the app about it."""
    if "bot_id" not in fields:
        fields.setdefault("user", RECEPTION)
    message = app.slack.add_message(INBOX, text, ts=ts_at(when or app.deps.clock.now()), **fields)
    assert app.send.event(message_event(message)).status == 200
    return message


def _offers(app, message: dict) -> list[dict]:
    return [
        m for m in app.slack.messages(INBOX)
        if m.get("thread_ts") == message["ts"] and m.get("bot_id") == app.slack.bot_id and "New enquiry" in m["text"]
    ]


def _offer(app, message: dict) -> dict:
    """The offer leadbot posted in the message's thread, once its listener has finished with the enquiry."""
    app.slack.wait_for("chat.postMessage", where=lambda c: c.params.get("thread_ts") == message["ts"])
    app.settle()  # the listener goes on to save the offer's ts and the message's permalink
    return _offers(app, message)[0]


def _claim(app, user: str, message: dict) -> dict:
    """`user` presses Claim; returns the offer as redrawn."""
    offer = _offer(app, message)
    updates = len(app.slack.calls("chat.update"))
    app.send.click(user, offer, "inbound_claim")
    app.slack.wait_for("chat.update", count=updates + 1)
    app.slack.wait_for("users.info", where=lambda c: c.params.get("user") == user)  # the claim is done
    return app.slack.message(INBOX, offer["ts"])


def _stale_click(app, user: str, offer: dict, action_id: str = "inbound_claim"):
    """A click on the offer as `user`'s Slack still shows it, buttons and all."""
    action = {
        "type": "button", "action_id": action_id, "block_id": f"enquiry:{offer['thread_ts']}",
        "value": offer["thread_ts"], "text": {"type": "plain_text", "text": "Claim"}, "action_ts": f"{time.time():.6f}",
    }
    return app.send.block_actions(user, [action], message=offer)


def _refusals(app, reply) -> str:
    url = reply.sent["response_url"]
    app.slack.wait_for("response_url", where=lambda c: c.path.endswith(url.rsplit("/", 1)[-1]))
    return "\n".join(text_of(post) for post in app.slack.response_url_posts(url))


def _reminders(app, message: dict) -> list[dict]:
    return [
        m for m in app.slack.messages(INBOX) if m.get("thread_ts") == message["ts"] and "Still unclaimed" in m["text"]
    ]


# -- turning a channel into an inbound channel ----------------------------------------------------


def test_inbound_on_tells_the_channel_and_off_stops_the_offers(app):
    _inbox(app)
    assert "made this an inbound channel" in text_of(app.slack.messages(INBOX)[0])
    assert "is an inbound channel" in command(app, "inbound", channel=INBOX)
    assert "no longer an inbound channel" in command(app, "inbound off", channel=INBOX)
    message = _arrive(app, "Please quote 20 t of epoxy coating")
    app.settle()
    assert _offers(app, message) == []


def test_inbound_on_needs_leadbot_in_the_channel(app):
    app.slack.add_channel("C0SECRET1", "private-deals", bot_is_member=False)
    assert "Invite me with `/invite @leadbot`" in command(app, "inbound on", channel="C0SECRET1")
    assert "is not an inbound channel" in command(app, "inbound", channel="C0SECRET1")


# -- the offer ------------------------------------------------------------------------------------


def test_a_new_message_gets_one_threaded_offer_with_claim_assign_and_not_an_enquiry(app):
    _inbox(app)
    message = _arrive(app, "Hello, we need a proposal for 12 km of pipeline coating. — Li Wei, Acme Oilfield")
    offer = _offer(app, message)
    assert "who takes it" in text_of(offer)
    actions = next(b for b in offer["blocks"] if b["type"] == "actions")
    assert [(e["type"], e["action_id"]) for e in actions["elements"]] == [
        ("button", "inbound_claim"), ("users_select", "inbound_assign"), ("button", "inbound_dismiss"),
    ]
    assert "remind the channel" in text_of(offer)


def test_a_retried_or_twice_delivered_event_gets_one_offer(app):
    _inbox(app)
    message = app.slack.add_message(INBOX, "RFQ: 40 valves, DN100", user=RECEPTION, ts=ts_at(START))
    event = message_event(message)
    first = app.send.event(event)
    # Slack's retry of the same event, and the same message delivered again under new ids, at once.
    deliveries = [
        lambda: app.send.event(event, event_id=first.sent["event_id"], retry_num=1, retry_reason="http_timeout")
    ]
    deliveries += [lambda: app.send.event(event)] * 2
    threads = [threading.Thread(target=deliver) for deliver in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _offer(app, message)
    app.settle()
    assert len(_offers(app, message)) == 1


def test_thread_replies_edits_joins_and_other_channels_get_no_offer(app):
    _inbox(app)
    enquiry = _arrive(app, "Quote for 3 pumps please")
    _offer(app, enquiry)
    reply = app.slack.add_message(INBOX, "I'll call them", user=BOB, thread_ts=enquiry["ts"], ts=ts_at(START))
    edited = {
        "type": "message", "subtype": "message_changed", "channel": INBOX, "hidden": True, "ts": ts_at(START),
        "message": {"type": "message", "user": RECEPTION, "text": "Quote for 4 pumps please", "ts": enquiry["ts"]},
        "event_ts": ts_at(START), "channel_type": "channel",
    }
    joined = {
        "type": "message", "subtype": "channel_join", "channel": INBOX, "user": BOB, "text": "<@UBOB0001> has joined",
        "ts": ts_at(START), "event_ts": ts_at(START), "channel_type": "channel",
    }
    elsewhere = app.slack.add_message(GENERAL, "Anyone for lunch?", user=BOB, ts=ts_at(START))
    for event in (message_event(reply), edited, joined, message_event(elsewhere)):
        assert app.send.event(event).status == 200
    app.settle()
    offers = [m for m in app.slack.messages() if m.get("bot_id") == app.slack.bot_id and "New enquiry" in m["text"]]
    assert [m["thread_ts"] for m in offers] == [enquiry["ts"]]


def test_web_forms_workflows_and_forwarded_email_are_offered_but_leadbots_own_posts_are_not(app):
    _inbox(app)
    form = _arrive(
        app, "", bot_id=WEB_FORM, subtype="bot_message", username="Website form",
        attachments=[{
            "fallback": "New enquiry from acme.example", "title": "New enquiry from acme.example",
            "fields": [
                {"title": "Company", "value": "Acme Oilfield"},
                {"title": "Message", "value": "Need 12 km of pipe coating"},
            ],
        }],
    )
    workflow = _arrive(
        app, "Zhang Metalworks wants a quote for 200 t", bot_id="B0WORKFLW", bot_profile={"name": "Contact form"}
    )
    email = _arrive(app, "", user="USLACKBOT", files=[{
        "filetype": "email", "mode": "email", "subject": "RFQ: anti-corrosion coating",
        "plain_text": "Dear sales team, please quote 300 m2.",
        "from": [{"address": "buyer@pipes.example", "name": "Buyer", "original": "Buyer <buyer@pipes.example>"}],
    }])
    own = app.slack.add_message(INBOX, "Still unclaimed after 1 working hour.", user=app.slack.bot_user_id,
                                bot_id=app.slack.bot_id, ts=ts_at(START))
    assert app.send.event(message_event(own)).status == 200
    for message in (form, workflow, email):
        _offer(app, message)
    app.settle()
    assert _offers(app, own) == []

    _claim(app, ALICE, form)
    _claim(app, ALICE, email)
    first, second = command(app, "show 1"), command(app, "show 2")
    # The company is guessed: the form's Company field; the sender's email domain.
    assert "#1 Acme Oilfield" in first and "Company: Acme Oilfield" in first and "#2 Pipes" in second
    assert "Need 12 km of pipe coating" in first and "Inbound channel" in first
    assert "RFQ: anti-corrosion coating" in second and "please quote 300 m2" in second


# -- claiming -------------------------------------------------------------------------------------


def test_claim_makes_one_lead_owned_by_the_claimer_and_opens_its_form(app):
    _inbox(app)
    message = _arrive(app, "Acme Oilfield needs a pipeline-coating proposal\nCall Li Wei on 555-0100")
    _offer(app, message)
    app.slack.wait_for("chat.getPermalink")
    redrawn = _claim(app, ALICE, message)
    assert "<@UALICE01> claimed this" in text_of(redrawn) and "lead #1" in text_of(redrawn)

    form = app.slack.view(app.slack.wait_for("views.open")[-1].response["view"]["id"])
    inputs = {b["block_id"]: b["element"] for b in form["blocks"] if b["type"] == "input"}
    assert form["title"]["text"] == "Lead details"
    # A short guess at the company, not the whole first line; the form asks to confirm it.
    assert inputs["company"]["initial_value"] == "Acme Oilfield"
    assert "Is the company *Acme Oilfield*?" in text_of(form)
    assert inputs["source"]["initial_option"]["value"] == "inbound_channel"
    assert "Call Li Wei" in inputs["asked_for"]["initial_value"]
    card = command(app, "show 1")
    assert "<@UALICE01>" in card and "Inbound channel" in card and "see the message" in card

    # The lead exists already; the form lets its owner say what she knows.
    reply = app.send.submit_view(
        ALICE, form, {"company": "Acme Oilfield", "contact_name": "Li Wei", "situation": "boss_research"}
    )
    assert reply.status == 200 and not reply.body.strip()
    assert "Updated #1 Acme Oilfield" in text_of(wait_ephemeral(app, ALICE))
    assert "lead #1 Acme Oilfield." in text_of(app.slack.message(INBOX, redrawn["ts"]))
    card = command(app, "show 1")
    assert "#1 Acme Oilfield" in card and "Li Wei" in card and "research whether to buy" in card
    assert "(1)" in command(app, "list all")


def test_an_enquiry_whose_first_line_names_a_company_with_an_open_lead_still_becomes_a_lead(app):
    _inbox(app)
    lead(app, "Acme Oilfield")
    message = _arrive(app, "Acme Oilfield\nThey want a second quote, for valves this time")
    _claim(app, BOB, message)
    assert f"#2 Acme Oilfield ({message['ts']})" in command(app, "show 2")
    # Naming it after the company would make two open leads for Acme: the form says so.
    form = app.slack.view(app.slack.wait_for("views.open", count=2)[-1].response["view"]["id"])
    errors = answer(app.send.submit_view(BOB, form, {"company": "ACME oilfield"}))["errors"]
    assert "already has an open lead: #1" in errors["company"]


def test_a_second_claim_is_told_who_already_has_it(app):
    _inbox(app)
    message = _arrive(app, "Need 5 t of primer")
    offer = _offer(app, message)
    _claim(app, ALICE, message)
    refusal = _refusals(app, _stale_click(app, BOB, offer))
    assert "<@UALICE01> took this enquiry" in refusal and "lead #1" in refusal
    assert "(1)" in command(app, "list all")


def test_two_claims_at_the_same_moment_make_one_lead(app):
    _inbox(app)
    message = _arrive(app, "Need 5 t of primer")
    offer = _offer(app, message)
    replies = {}
    threads = [
        threading.Thread(target=lambda u=u: replies.update({u: _stale_click(app, u, offer)})) for u in (ALICE, BOB)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [reply.sent["response_url"].rsplit("/", 1)[-1] for reply in replies.values()]
    app.slack.wait_for("response_url", where=lambda c: any(c.path.endswith(i) for i in ids))
    app.slack.wait_for("chat.update")  # the winner's claim is shown
    posts = {u: app.slack.response_url_posts(reply.sent["response_url"]) for u, reply in replies.items()}
    assert sorted(len(p) for p in posts.values()) == [0, 1]
    assert all("took this enquiry" in text_of(p[0]) for p in posts.values() if p)
    listing = command(app, "list all")
    assert "(1)" in listing and "#2" not in listing


def test_assign_gives_the_enquiry_to_the_chosen_rep(app):
    _inbox(app)
    message = _arrive(app, "Zhang Metalworks: quote for 200 t please")
    offer = _offer(app, message)
    app.send.click(ALICE, offer, "inbound_assign", selected_user=BOB)
    dm = text_of(wait_dm(app, BOB))
    assert "<@UALICE01> gave you an enquiry from <#C0INBOX01>" in dm and "#1 Zhang Metalworks" in dm
    redrawn = text_of(app.slack.wait_for("chat.update")[-1].params)
    assert "<@UALICE01> assigned this to <@UBOB0001>" in redrawn
    assert "<@UBOB0001>" in command(app, "show 1")
    assert app.slack.calls("views.open") == []  # the form is for the owner, who opens it from the DM


def test_not_an_enquiry_closes_the_offer_without_a_lead_or_a_reminder(app):
    _inbox(app)
    message = _arrive(app, "Reminder: the office is closed on Friday")
    offer = _offer(app, message)
    app.send.click(BOB, offer, "inbound_dismiss")
    assert "<@UBOB0001> marked this as not an enquiry" in text_of(app.slack.wait_for("chat.update")[-1].params)
    assert "already marked this as not an enquiry" in _refusals(app, _stale_click(app, ALICE, offer))
    assert "no open leads" in command(app, "list all")
    assert tick(app, START + timedelta(hours=2)).claimed == 0


# -- nobody claimed it -----------------------------------------------------------------------------


def test_an_unclaimed_enquiry_is_reminded_once_mentioning_the_reps_on_duty(app):
    _inbox(app)
    for rep in (ALICE, CAROL):
        _claim(app, rep, _arrive(app, f"An earlier enquiry for {rep}"))
    message = _arrive(app, "Quote for 500 valves")  # Tue 09:00 UTC
    _offer(app, message)
    assert tick(app, START + timedelta(minutes=59)).claimed == 0
    assert tick(app, START + timedelta(hours=1)).sent == 1
    [reminder] = _reminders(app, message)
    # 10:00 UTC is 11:00 in Berlin but 18:00 in Shanghai, where Alice's working day is over.
    assert "Still unclaimed after 1 working hour" in text_of(reminder)
    assert "<@UCAROL01>" in text_of(reminder) and "<@UALICE01>" not in text_of(reminder)
    assert tick(app, START + timedelta(hours=2)).claimed == 0
    assert tick(app, START + timedelta(days=1)).claimed == 0
    assert len(_reminders(app, message)) == 1


def test_with_nobody_who_claims_here_yet_the_reminder_asks_whoever_is_here(app):
    _inbox(app)
    message = _arrive(app, "Quote for 500 valves")
    _offer(app, message)
    tick(app, START + timedelta(hours=1))
    assert "<!here>" in text_of(_reminders(app, message)[0])


def test_a_claim_before_the_time_is_up_means_no_reminder(app):
    _inbox(app)
    message = _arrive(app, "Quote for 500 valves")
    app.deps.clock.set(START + timedelta(minutes=20))
    _claim(app, BOB, message)
    assert tick(app, START + timedelta(hours=1)).claimed == 0
    assert _reminders(app, message) == []


def test_an_enquiry_arriving_after_hours_is_chased_one_working_hour_into_monday(app):
    _inbox(app)
    friday_evening = at("2026-12-04T17:30:00+00:00")
    app.deps.clock.set(friday_evening)
    message = _arrive(app, "Urgent: quote needed by Monday")
    _offer(app, message)
    assert tick(app, "2026-12-04T18:30:00+00:00").claimed == 0
    assert tick(app, "2026-12-07T09:29:00+00:00").claimed == 0
    assert tick(app, "2026-12-07T09:30:00+00:00").sent == 1


def test_round_robin_gives_unclaimed_enquiries_to_the_next_rep_in_turn(app):
    _inbox(app)
    assert "nobody has claimed an enquiry here yet" in command(app, "inbound roundrobin on", channel=INBOX)
    for rep in (ALICE, BOB):
        _claim(app, rep, _arrive(app, f"An earlier enquiry for {rep}"))
    assert "the next of <@UALICE01>, <@UBOB0001>" in command(app, "inbound roundrobin on", channel=INBOX)
    first, second = _arrive(app, "Enquiry one"), _arrive(app, "Enquiry two")
    offers = [_offer(app, first), _offer(app, second)]
    assert "give it to the next rep in turn" in text_of(offers[0])

    report = tick(app, START + timedelta(hours=1))
    assert (report.claimed, report.sent) == (2, 2)
    for rep in (ALICE, BOB):
        assert "so it's yours — round-robin" in text_of(wait_dm(app, rep))
    owners = {text_of(app.slack.message(INBOX, offer["ts"])) for offer in offers}
    assert any("went to <@UALICE01> in turn" in text for text in owners)
    assert any("went to <@UBOB0001> in turn" in text for text in owners)
    assert _reminders(app, first) == [] and _reminders(app, second) == []

    third = _arrive(app, "Enquiry three", when=START + timedelta(hours=1))
    _offer(app, third)
    tick(app, START + timedelta(hours=2))
    assert len([m for m in app.slack.dms_to(ALICE) if "round-robin" in text_of(m)]) == 2  # the turn came round


def test_time_to_claim_and_to_first_touch_per_rep(app):
    _inbox(app)
    one, two, three = (_arrive(app, f"Enquiry {n}") for n in ("one", "two", "three"))
    for minutes, rep, message in ((30, ALICE, one), (120, BOB, two), (90, ALICE, three)):
        app.deps.clock.set(START + timedelta(minutes=minutes))
        _claim(app, rep, message)
    app.deps.clock.set(START + timedelta(hours=3))
    command(app, "log 1 call spoke to their engineer")
    alice, bob = app.deps.inbound.response_times(TEAM)
    assert (alice.owner_id, alice.enquiries, alice.median_to_claim, alice.slowest_to_claim) == (
        ALICE, 2, timedelta(hours=1), timedelta(minutes=90),
    )
    assert (alice.touched, alice.median_to_first_touch, alice.slowest_to_first_touch) == (
        1, timedelta(hours=3), timedelta(hours=3),
    )
    assert (bob.owner_id, bob.median_to_claim, bob.touched, bob.median_to_first_touch) == (
        BOB, timedelta(hours=2), 0, None,
    )


# -- working time ---------------------------------------------------------------------------------

HOURS = WorkingHours(parse_workdays("mon-fri"), clock_time(9), clock_time(18))


def test_working_time_skips_nights_and_weekends():
    one_hour = timedelta(hours=1)
    assert HOURS.add_working_time(at("2026-12-01T10:15:00+00:00"), one_hour, "UTC") == at("2026-12-01T11:15:00+00:00")
    assert HOURS.add_working_time(at("2026-12-01T17:00:00+00:00"), one_hour, "UTC") == at("2026-12-02T09:00:00+00:00")
    assert HOURS.add_working_time(at("2026-12-04T17:30:00+00:00"), one_hour, "UTC") == at("2026-12-07T09:30:00+00:00")
    assert HOURS.add_working_time(at("2026-12-05T12:00:00+00:00"), one_hour, "UTC") == at("2026-12-07T10:00:00+00:00")
    # Berlin springs forward on Sun 29 Mar 2026: Monday 09:00 is 07:00 UTC.
    assert (
        HOURS.add_working_time(at("2026-03-27T17:30:00+01:00"), one_hour, "Europe/Berlin")
        == at("2026-03-30T07:30:00+00:00")
    )


def test_time_to_claim_and_to_first_follow_up_go_into_the_weekly_summary(app):
    from datetime import datetime, timezone

    _inbox(app)
    command(app, "summary on", user=ADMIN, channel=GENERAL)
    message = _arrive(app, "Zhang Metalworks asks for a quote", when=START)
    app.deps.clock.set(START + timedelta(minutes=12))
    _claim(app, ALICE, message)
    app.deps.clock.set(START + timedelta(hours=3))
    command(app, "log 1 call asked about volumes")
    tick(app, datetime(2026, 12, 7, 9, tzinfo=timezone.utc))
    summary = [m for m in app.slack.messages(GENERAL) if "Team summary" in text_of(m)][-1]
    text = text_of(summary)
    assert "how fast they were picked up" in text
    assert "<@UALICE01> · 1 enquiry · claimed in 12 min (slowest 12 min) · first follow-up after 3 h" in text
