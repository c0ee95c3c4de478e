"""*Capture as lead* on any message: the new-lead form, pre-filled from the message and linked back to it."""

from bot.text.message_text import plain
from sandbox.slack_api import validate_view
from tests.conftest import ALICE, BOB, CAROL, GENERAL
from tests.support import answer, command, lead, text_of, wait_ephemeral


def _shortcut(app, message: dict, user: str = ALICE) -> dict:
    """`user` picks *Capture as lead* on `message`; returns the form that opened."""
    before = len(app.slack.calls("views.open"))
    reply = app.send.message_action(user, message, callback_id="capture_as_lead")
    assert reply.status == 200, reply.body
    call = app.slack.wait_for("views.open", count=before + 1)[-1]
    assert call.ok, call.response
    return app.slack.view(call.response["view"]["id"])


def _inputs(view: dict) -> dict:
    return {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}


def test_capture_as_lead_prefills_the_form_and_saves_a_lead_linked_to_the_message(app):
    message = app.slack.add_message(
        GENERAL,
        "Zhang Metalworks asked for 200 t of pipe coating &amp; primer, "
        "contact <mailto:li@zhang.example|li@zhang.example>",
        user=CAROL,
    )
    form = _shortcut(app, message)
    inputs = _inputs(form)
    assert inputs["asked_for"]["initial_value"] == (
        "Zhang Metalworks asked for 200 t of pipe coating & primer, contact li@zhang.example"
    )
    assert inputs["source"]["initial_option"]["value"] == "slack_message"
    assert inputs["owner_id"]["initial_user"] == ALICE

    reply = app.send.submit_view(ALICE, form, {"company": "Zhang Metalworks", "situation": "wants_to_buy"})
    assert reply.status == 200 and answer(reply) is None
    card = wait_ephemeral(app, ALICE)
    link = app.slack.wait_for("chat.getPermalink")[-1].response["permalink"]
    assert "#1 Zhang Metalworks" in text_of(card) and "Slack message" in text_of(card)
    assert f"<{link}|see the message>" in text_of(card)
    assert link in command(app, "show 1")


def test_a_long_message_is_trimmed_to_fit_the_form(app):
    message = app.slack.add_message(GENERAL, "请报价" * 2000, user=CAROL)
    form = _shortcut(app, message)
    asked_for = _inputs(form)["asked_for"]["initial_value"]
    assert len(asked_for) <= 3000 and asked_for.endswith("…")
    assert validate_view(form) == []


def test_capturing_a_message_about_a_company_with_an_open_lead_shows_that_lead(app):
    lead(app, "Acme Oilfield")
    message = app.slack.add_message(GENERAL, "Acme called again about the coating quote", user=CAROL)
    form = _shortcut(app, message, user=BOB)
    updated = answer(app.send.submit_view(BOB, form, {"company": "ACME  oilfield", "situation": "comparing"}))
    assert updated["response_action"] == "update"
    assert "already has an open lead" in text_of(updated["view"]) and "#1" in text_of(updated["view"])
    assert "(1)" in command(app, "list all")


def test_slack_markup_reads_as_a_person_sees_it():
    assert plain("Hi <@U1|maria>, see <https://a.example/f?x=1&amp;y=2|the form> &lt;urgent&gt; <!here>") == (
        "Hi @maria, see the form (https://a.example/f?x=1&y=2) <urgent> @here"
    )
