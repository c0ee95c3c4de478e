"""Orders in, steady small buyers spotted, their owner asked why so little, answers turned into steps."""

from bot.store.models import SmallBuyerAnswer
from tests.conftest import ADMIN, ALICE, BOB
from tests.support import answered, capture, command, text_of, tick, wait_ephemeral

# Tue 1 Dec 2026 09:00 UTC is 17:00 for Alice in Shanghai: inside her working day.
NOW = "2026-12-01T09:00:00+00:00"
SMALL_ORDERS = ("2,400 CNY 2026-01-10", "¥3,000 2026-04-02", "2.5k 2026-07-10 valves")


def _steady_customer(app, company="Zhang Metalworks Co., Ltd.", user=ALICE):
    for order in SMALL_ORDERS:
        assert "Recorded" in command(app, f"order {company} {order}", user=user)


def _questions(app, user=ALICE):
    return [m for m in app.slack.dms_to(user) if "They keep buying — why so little from us?" in text_of(m)]


def test_order_records_against_one_account_however_the_name_is_written(app):
    assert "Recorded ¥2,400 from Zhang Metalworks Co., Ltd. on Sun 1 Nov (the first order)" in command(
        app, "order Zhang Metalworks Co., Ltd. 2,400 2026-11-01"
    )
    assert "(2 orders so far)" in command(app, "order zhang metalworks 0.8万 CNY 2026-11-20 repeat order")
    shown = command(app, "show ZHANG METALWORKS")
    assert "2 since Sun 1 Nov" in shown and "¥8,000" in shown and "¥2,400" in shown


def test_a_company_name_with_a_number_is_quoted(app):
    assert "from Studio 54" in command(app, 'order "Studio 54" 2400 2026-11-01')


def test_order_explains_the_form_when_it_cannot_read_it(app):
    assert "I couldn't read “lots”" not in command(app, "order Acme lots")
    assert "company, amount, then optional currency" in command(app, "order Acme lots")
    assert "I couldn't read “12x4” as an amount" in command(app, "order Acme 12x4")
    assert "in the future" in command(app, "order Acme 2400 2027-01-01")


def test_a_steady_small_buyer_gets_its_owner_asked_once(app):
    _steady_customer(app)
    assert tick(app, NOW).sent == 1
    question = text_of(_questions(app)[0])
    assert "Zhang Metalworks Co., Ltd.* has ordered 3 times since Sat 10 Jan" in question
    assert "typically ¥2,500" in question and "largest ¥3,000" in question
    for answer in ("Our price", "They don't know what else we make", "Habit with another supplier",
                   "They only bring us special items", "They think we're not strong at the rest",
                   "Never tried us for more", "I don't know — I'll ask them", "Answer with a note…"):
        assert answer in question
    tick(app, NOW)
    tick(app, "2026-12-02T02:00:00+00:00")  # the next morning's digest reminds; no second question
    assert len(_questions(app)) == 1
    assert "Zhang Metalworks Co., Ltd.* — why so little from us?" in text_of(app.slack.dms_to(ALICE)[-1])


def test_an_answer_becomes_a_dated_next_step_on_the_follow_ups(app, db):
    _steady_customer(app)
    tick(app, NOW)
    question = _questions(app)[0]
    reply = app.send.click(ALICE, question, "small_buyer_answer:unaware", value=f"{_account_id(question)}:unaware")
    told = answered(app, reply)
    assert "Send the catalogue of the lines they don't buy from us — by Thu 3 Dec" in told and "#1" in told
    redrawn = app.slack.wait_for("chat.update")[-1].params
    assert "answered: They don't know what else we make" in text_of(redrawn)
    assert "small_buyer_answer" not in str(redrawn["blocks"])
    card = command(app, "show 1")
    assert "Existing customer" in card and "Send the catalogue" in card and "Thu 3 Dec" in card
    with db.uow() as uow:
        assert [(a.reason, a.answered_by) for a in uow.session.query(SmallBuyerAnswer)] == [("unaware", ALICE)]


def test_an_answer_moves_the_accounts_open_lead_instead_of_adding_one(app):
    capture(app, "Zhang Metalworks", claimed_potential="100000", first_follow_up="2026-12-20")
    wait_ephemeral(app, ALICE)
    _steady_customer(app)
    tick(app, NOW)
    question = _questions(app)[0]
    app.send.click(ALICE, question, "small_buyer_answer:will_ask", value=f"{_account_id(question)}:will_ask")
    app.slack.wait_for("chat.update")
    assert "(1)" in command(app, "list")  # still one lead
    shown = command(app, "show 1")
    assert "Fri 4 Dec" in shown  # a call within 3 days, sooner than the 20th
    assert "Claimed potential*\n100,000 (plan on 50,000)" in shown and "Spent in the last 12 months*\n¥7,900" in shown
    assert "I don't know — I'll ask them" in shown


def test_an_answer_with_a_note_through_the_form(app):
    _steady_customer(app)
    tick(app, NOW)
    question = _questions(app)[0]
    app.send.click(ALICE, question, "small_buyer_note_open", value=str(_account_id(question)))
    view = app.slack.view(app.slack.wait_for("views.open")[-1].response["view"]["id"])
    assert app.send.submit_view(ALICE, view, {"reason": "habit", "note": "Buys bolts from Li for years"}).body == ""
    assert "Offer a trial order on one item" in text_of(wait_ephemeral(app, ALICE))
    assert "Buys bolts from Li for years" in command(app, "show zhang metalworks")


def test_only_the_owner_or_an_admin_may_answer(app):
    _steady_customer(app)
    tick(app, NOW)
    question = _questions(app)[0]
    reply = app.send.click(BOB, question, "small_buyer_answer:price", value=f"{_account_id(question)}:price")
    assert "Only the owner (<@UALICE01>) or an admin can answer for Zhang Metalworks" in answered(app, reply)
    app.send.click(ADMIN, question, "small_buyer_answer:price", value=f"{_account_id(question)}:price")
    assert "answered: Our price" in text_of(app.slack.wait_for("chat.update")[-1].params)


def test_the_same_account_is_asked_again_only_after_ninety_days(app):
    _steady_customer(app)
    tick(app, NOW)
    command(app, "order Zhang Metalworks 1800 2026-12-01")  # still small, still steady
    tick(app, "2026-12-02T02:00:00+00:00")
    tick(app, "2027-02-26T02:00:00+00:00")  # 87 days
    assert len(_questions(app)) == 1
    tick(app, "2027-03-02T02:00:00+00:00")  # 91 days, a Tuesday morning
    assert len(_questions(app)) == 2


def test_a_big_order_after_asking_is_expansion_and_ends_the_questions(app):
    _steady_customer(app)
    tick(app, NOW)
    assert "above the small-order line of ¥10,000" in command(app, "order Zhang Metalworks 24,000 2026-12-01")
    tick(app, "2026-12-01T09:01:00+00:00")
    worked = [m for m in app.slack.dms_to(ALICE) if "It worked" in text_of(m)]
    assert len(worked) == 1 and "¥24,000" in text_of(worked[0])
    tick(app, "2027-03-02T02:00:00+00:00")
    assert len(_questions(app)) == 1


def test_one_big_order_or_a_one_off_is_not_a_small_buyer(app):
    for order in ("2,400 2026-01-10", "20,000 2026-04-02", "2,500 2026-07-10"):
        command(app, f"order Big Buyer {order}")
    command(app, "order One Off 2,000 2026-11-01")
    tick(app, NOW)
    assert _questions(app) == []


def test_no_owner_is_flooded_by_an_import_full_of_small_buyers(app):
    for name in ("Alpha", "Beta", "Gamma", "Delta", "Epsilon"):
        _steady_customer(app, f"{name} Pumps")
    tick(app, NOW)
    assert len(_questions(app)) == 3
    tick(app, "2026-12-01T09:30:00+00:00")
    assert len(_questions(app)) == 3
    tick(app, "2026-12-02T01:00:00+00:00")
    assert len(_questions(app)) == 5


def _account_id(question: dict) -> int:
    actions = [e for b in question["blocks"] if b["type"] == "actions" for e in b["elements"]]
    return int(actions[0]["value"].split(":")[0])


def test_a_question_held_up_by_a_slack_outage_goes_out_once_later(app):
    _steady_customer(app)
    # A 503 may hide a post: it is not resent in the run; a later one looks for it first, then posts.
    app.slack.fail_next("chat.postMessage", status=503, times=2)
    assert tick(app, NOW).retry_later == 1 and _questions(app) == []
    tick(app, "2026-12-01T09:05:00+00:00")
    tick(app, "2026-12-01T09:10:00+00:00")
    assert len(_questions(app)) == 1


def test_answers_roll_up_by_reason_and_rep_for_the_summary(app):
    from datetime import datetime, timezone

    for name in ("Alpha", "Beta"):
        _steady_customer(app, f"{name} Pumps")
    tick(app, NOW)
    for question, reason in zip(_questions(app), ("price", "price"), strict=True):
        app.send.click(ALICE, question, f"small_buyer_answer:{reason}", value=f"{_account_id(question)}:{reason}")
    app.slack.wait_for("chat.update", count=2)
    rollup = app.deps.small_buyers.answers_by_reason(
        "T0001", datetime(2026, 11, 30, tzinfo=timezone.utc), datetime(2026, 12, 7, tzinfo=timezone.utc)
    )
    assert {rep: dict(counts) for rep, counts in rollup.items()} == {ALICE: {"price": 2}}
