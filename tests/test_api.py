"""The HTTP API's endpoints through real HTTP: leads in, listed, followed up, closed; orders in once."""

from __future__ import annotations

from tests.api_client import api, new_token
from tests.conftest import ALICE, BOB, TEAM
from tests.support import command, lead, nudged, nudges_to, text_of, tick, wait_dm

ENQUIRIES = "C0ENQUIRY"
FRI_MORNING = "2026-12-04T01:00:00+00:00"  # 09:00 in Shanghai, the day after the first follow-up was due


def test_a_lead_posted_is_saved_shown_to_its_owner_and_in_lead_list(app):
    token = new_token(app, TEAM)
    answer = api(
        app,
        "POST",
        "leads",
        token,
        {
            "company": "Lakeside Packaging",
            "contact": "Li Wei",
            "contact_email": "Li.Wei@Lakeside.example",
            "asked_for": "a quote for 5,000 cartons",
            "source": "website",
            "situation": "comparing",
            "claimed_potential": "12000",
            "potential_unit": "CNY/year",
            "owner": BOB,
        },
    )
    assert answer.status == 201, answer.raw
    assert answer.content_type == "application/json"
    created = answer.json
    assert created["number"] == 1 and created["company"] == "Lakeside Packaging" and created["owner"] == BOB
    assert created["contact"] == "Li Wei" and created["contact_email"] == "li.wei@lakeside.example"
    assert created["claimed_potential"] == "12000.00" and created["realistic_potential"] == "6000.00"
    assert created["next_follow_up"] == "2026-12-03" and created["status"] == "open" and created["touches"] == 0
    assert created["created_at"] == "2026-12-01T09:00:00+00:00" and created["url"] is None

    dm = text_of(wait_dm(app, BOB))  # as for a lead captured for someone else with /lead new
    assert "A new lead for you" in dm and "#1 Lakeside Packaging" in dm and "website" in dm
    assert "Lakeside Packaging" in command(app, "list", user=BOB)


def test_the_owners_home_tab_shows_a_lead_from_the_api(app):
    assert app.send.app_home_opened(ALICE).status == 200
    app.slack.wait_for("views.publish")
    assert "Gulf Coatings" not in text_of(app.slack.home_view(ALICE))
    assert api(app, "POST", "leads", new_token(app, TEAM), {"company": "Gulf Coatings", "owner": ALICE}).status == 201
    app.slack.wait_for("views.publish", count=2)
    assert "Gulf Coatings" in text_of(app.slack.home_view(ALICE))


def test_only_the_company_is_needed_and_the_owner_may_be_an_email(app):
    token = new_token(app, TEAM)
    answer = api(app, "POST", "leads", token, {"company": "Gulf Coatings", "owner": "alice@example.com"})
    assert answer.status == 201, answer.raw
    assert answer.json["owner"] == ALICE and answer.json["source"] == "other"
    assert answer.json["situation"] == "unknown"


def test_without_an_owner_the_default_owner_gets_the_lead(app_with):
    app = app_with(LEADBOT_DEFAULT_OWNER=BOB)
    answer = api(app, "POST", "leads", new_token(app, TEAM), {"company": "Gulf Coatings"})
    assert answer.status == 201 and answer.json["owner"] == BOB


def test_a_lead_from_the_api_is_nudged_like_any_other(app):
    token = new_token(app, TEAM)
    assert api(app, "POST", "leads", token, {"company": "Acme Oilfield", "owner": ALICE}).status == 201
    lead(app, "Zhang Metalworks")  # one captured in Slack, beside it
    assert nudged(app, FRI_MORNING) >= 1
    nudge = "\n".join(text_of(m) for m in nudges_to(app, ALICE))
    assert "Acme Oilfield" in nudge and "Zhang Metalworks" in nudge


def test_one_lead_with_its_follow_ups_and_a_call_logged_by_a_phone_system(app):
    token = new_token(app, TEAM)
    api(app, "POST", "leads", token, {"company": "Acme", "owner": ALICE})
    logged = api(
        app,
        "POST",
        "leads/1/touches",
        token,
        {
            "kind": "call",
            "note": "4 min call, asked for samples",
            "at": "2026-12-01T16:30:00+08:00",
        },
    )
    assert logged.status == 201, logged.raw
    assert logged.json["touches"] == 1 and logged.json["next_follow_up"] > "2026-12-03"
    assert logged.json["follow_ups"] == [
        {
            "kind": "call",
            "note": "4 min call, asked for samples",
            "buyer_said": "",
            "by": ALICE,
            "at": "2026-12-01T08:30:00+00:00",
            "source": "typed",
        }
    ]
    shown = api(app, "GET", "leads/1", token)
    assert shown.status == 200 and shown.json["follow_ups"] == logged.json["follow_ups"]
    assert "4 min call" in command(app, "show 1")
    # Logged by an admin, named by email.
    by_admin = api(app, "POST", "leads/1/touches", token, {"kind": "visit", "by": "boss@example.com"})
    assert by_admin.status == 201 and by_admin.json["follow_ups"][-1]["by"] == "UADMIN01"


def test_won_and_lost_close_leads_with_slacks_rules(app):
    token = new_token(app, TEAM)
    for company in ("Acme", "Gulf", "Zhang"):
        api(app, "POST", "leads", token, {"company": company, "owner": ALICE})
    won = api(app, "POST", "leads/1/won", token, {"value": "24000"})
    assert won.status == 200 and won.json["status"] == "won" and won.json["closed_at"]
    assert api(app, "POST", "leads/1/won", token).status == 200  # again: already won, no error

    lost = api(app, "POST", "leads/2/lost", token, {"reason": "competitor", "note": "went with a cheaper supplier"})
    assert lost.status == 200 and lost.json["status"] == "lost" and lost.json["lost_reason"] == "competitor"

    refused = api(app, "POST", "leads/3/lost", token, {"reason": "silent"})
    assert refused.status == 422 and refused.content_type == "application/problem+json"
    assert "Not yet" in refused.json["detail"] and "0 of 3" in refused.json["detail"]
    assert refused.json["errors"][0]["field"] == "reason"
    assert api(app, "GET", "leads/3", token).json["status"] == "open"
    for _ in range(3):
        api(app, "POST", "leads/3/touches", token, {"kind": "call"})
    lost = api(app, "POST", "leads/3/lost", token, {"reason": "silent"})
    assert lost.status == 200 and lost.json["lost_reason"] == "silent"


def test_listing_filters_and_pages(app, clock):
    token = new_token(app, TEAM)
    for number in range(1, 6):
        api(app, "POST", "leads", token, {"company": f"Company {number}", "owner": ALICE if number % 2 else BOB})
    api(app, "POST", "leads/2/won", token)

    first = api(app, "GET", "leads?limit=2", token)
    assert first.status == 200
    assert [lead["number"] for lead in first.json["items"]] == [1, 2] and first.json["next_cursor"]
    second = api(app, "GET", f"leads?limit=2&cursor={first.json['next_cursor']}", token).json
    third = api(app, "GET", f"leads?limit=2&cursor={second['next_cursor']}", token).json
    assert [lead["number"] for lead in second["items"] + third["items"]] == [3, 4, 5]
    assert third["next_cursor"] is None

    def numbers(query: str) -> list[int]:
        return [lead["number"] for lead in api(app, "GET", "leads?" + query, token).json["items"]]

    assert numbers("status=won") == [2]
    assert numbers("status=open&owner=bob@example.com") == [4]
    assert numbers(f"owner={ALICE}") == [1, 3, 5]
    clock.set(clock.now().replace(minute=5))
    api(app, "POST", "leads/5/touches", token, {"kind": "email"})
    assert numbers("updated_since=2026-12-01T09:01:00Z") == [5]
    assert numbers("updated_since=2026-12-01T17:01:00%2B08:00") == [5]


def test_an_order_is_recorded_once_per_ref(app):
    token = new_token(app, TEAM)
    order = {
        "company": "Acme",
        "ordered_on": "2026-11-20",
        "amount": 2400.5,
        "currency": "usd",
        "ref": "SO-1001",
        "note": "first order",
    }
    first = api(app, "POST", "orders", token, order)
    assert first.status == 201, first.raw
    assert first.json == {
        "company": "Acme",
        "ordered_on": "2026-11-20",
        "amount": "2400.50",
        "currency": "USD",
        "ref": "SO-1001",
        "note": "first order",
        "owner": None,
        "created_at": "2026-12-01T09:00:00+00:00",
    }
    again = api(app, "POST", "orders", token, order)
    assert again.status == 200 and again.json == first.json
    other = api(app, "POST", "orders", token, {**order, "ref": "SO-1002", "amount": "1.2万", "currency": None})
    assert other.status == 201 and other.json["amount"] == "12000.00" and other.json["currency"] == "CNY"


def test_without_any_owner_the_lead_is_offered_in_the_mail_channel_and_claimed_there(app):
    app.slack.add_channel(ENQUIRIES, "enquiries")
    command(app, "inbound mail on", channel=ENQUIRIES)
    token = new_token(app, TEAM)
    sent = {
        "company": "Gulf Coatings",
        "contact": "Omar Haddad",
        "contact_email": "omar@gulf-coatings.example",
        "asked_for": "Price for 2 t of epoxy primer",
        "source": "website",
    }
    answer = api(app, "POST", "leads", token, sent)
    assert answer.status == 202, answer.raw
    assert answer.json == {"status": "offered", "channel": ENQUIRIES}
    assert api(app, "GET", "leads", token).json["items"] == []  # a lead once someone claims it

    tick(app, app.deps.clock.now())  # posted through the ledger, as an emailed enquiry is
    [posted] = [m for m in app.slack.messages(ENQUIRIES) if "HTTP API" in text_of(m)]
    assert "Omar Haddad" in text_of(posted) and "Price for 2 t of epoxy primer" in text_of(posted)
    [offer] = [m for m in app.slack.messages(ENQUIRIES) if m.get("thread_ts") == posted["ts"]]
    app.send.click(BOB, offer, "inbound_claim")
    app.slack.wait_for("chat.update", where=lambda c: c.params.get("ts") == offer["ts"])
    app.settle()
    [claimed] = api(app, "GET", "leads", token).json["items"]
    assert claimed["company"] == "Gulf Coatings" and claimed["owner"] == BOB
    assert "epoxy primer" in claimed["asked_for"]
    # The same company again is the lead it now is.
    again = api(app, "POST", "leads", token, sent)
    assert again.status == 409 and again.json["lead"]["number"] == claimed["number"]
