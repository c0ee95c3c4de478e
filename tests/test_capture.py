"""Capturing an enquiry with `/lead new`: the modal, validation, the card, no twins."""


from tests.conftest import ADMIN, ALICE, BOB
from tests.support import answer, capture, command, open_new_lead_form, text_of, wait_dm, wait_ephemeral


def _initial(view: dict, block_id: str):
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    element = block["element"]
    return element.get("initial_value") or element.get("initial_date") or element.get("initial_user")


def test_new_opens_the_form_with_owner_and_first_follow_up_in_two_days(app):
    view = open_new_lead_form(app)
    assert view["title"]["text"] == "New lead"
    assert _initial(view, "owner_id") == ALICE
    # Alice is in Shanghai but not cached yet: the team's zone (UTC) decides "today".
    assert _initial(view, "first_follow_up") == "2026-12-03"


def test_quick_capture_prefills_company_and_request(app):
    view = open_new_lead_form(app, "new Acme Oilfield Design Institute — wants a pipeline-coating proposal")
    assert _initial(view, "company") == "Acme Oilfield Design Institute"
    assert _initial(view, "asked_for") == "wants a pipeline-coating proposal"


def test_quick_capture_accepts_full_width_separators(app):
    view = open_new_lead_form(app, "new 张三金属加工有限公司——要一份涂层方案")
    assert _initial(view, "company") == "张三金属加工有限公司"
    assert _initial(view, "asked_for") == "要一份涂层方案"


def test_saving_shows_the_owner_a_card_with_the_realistic_half(app):
    reply = capture(
        app, "Acme Oilfield", situation="boss_research", claimed_potential="12000", potential_unit="metres a year"
    )
    assert reply.status == 200 and answer(reply) is None  # the modal closes
    card = text_of(wait_ephemeral(app, ALICE))
    assert "#1 Acme Oilfield" in card
    assert "12,000 metres a year" in card and "6,000 metres a year" in card and "50%" in card
    assert "research whether to buy" in card
    assert "Who will decide" in card  # questions suited to "their boss asked them to research"


def test_capturing_for_someone_else_sends_them_the_card_by_dm(app):
    capture(app, "Zhang Metalworks", owner_id=BOB)
    dm = text_of(wait_dm(app, BOB))
    assert "captured a lead for you" in dm and "Zhang Metalworks" in dm
    assert "for <@UBOB0001>" in text_of(wait_ephemeral(app, ALICE))


def test_the_card_falls_back_to_a_dm_when_the_bot_is_not_in_the_channel(app):
    app.slack.add_channel("CPRIVATE1", "deals", bot_is_member=False)
    view = open_new_lead_form(app, channel="CPRIVATE1")
    app.send.submit_view(ALICE, view, {"company": "Acme", "source": "referral", "situation": "comparing"})
    assert "#1 Acme" in text_of(wait_dm(app, ALICE))


def test_form_errors_come_back_on_their_fields_and_nothing_is_saved(app):
    view = open_new_lead_form(app)
    reply = app.send.submit_view(
        ALICE,
        view,
        {
            "company": "   ", "source": "website", "situation": "trial", "claimed_potential": "-5",
            "first_follow_up": "2026-11-30",
        },
        enforce_required=False,
    )
    errors = answer(reply)["errors"]
    assert set(errors) == {"company", "claimed_potential", "first_follow_up"}
    assert "negative" in errors["claimed_potential"] and "today or a later" in errors["first_follow_up"]
    assert "no open leads" in command(app, "list all")


def test_a_potential_that_is_not_a_number_is_refused(app):
    view = open_new_lead_form(app)
    reply = app.send.submit_view(
        ALICE, view, {"company": "Acme", "source": "website", "situation": "trial", "claimed_potential": "lots"}
    )
    assert "number" in answer(reply)["errors"]["claimed_potential"]


def test_the_same_company_typed_differently_is_not_captured_twice(app):
    capture(app, "Acme Oilfield")
    wait_ephemeral(app, ALICE)
    reply = capture(app, "  ＡＣＭＥ   oilfield ", user=BOB)
    updated = answer(reply)
    assert updated["response_action"] == "update"
    shown = text_of(updated["view"])
    assert "already has an open lead" in shown and "#1" in shown and "<@UALICE01>" in shown
    assert "(1)" in command(app, "list all")


def test_quick_capture_of_an_existing_company_shows_the_lead_instead_of_a_form(app):
    capture(app, "Acme Oilfield")
    wait_ephemeral(app, ALICE)
    opened = len(app.slack.calls("views.open"))
    text = command(app, "new acme oilfield — wants another quote", user=BOB)
    assert "already has an open lead" in text and "#1 Acme Oilfield" in text
    assert len(app.slack.calls("views.open")) == opened


def test_a_closed_lead_does_not_block_a_new_one_for_the_same_company(app):
    capture(app, "Acme")
    wait_ephemeral(app, ALICE)
    command(app, "won 1")
    capture(app, "Acme")
    assert "#2 Acme" in text_of(wait_ephemeral(app, ALICE, count=2))


def test_an_admin_capture_is_numbered_per_team(app):
    capture(app, "First Co", user=ADMIN)
    capture(app, "Second Co", user=ADMIN)
    listing = command(app, "list all")
    assert "#1 First Co" in listing and "#2 Second Co" in listing
