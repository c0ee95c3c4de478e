"""Existing customers are not enquiries, an inbound claim guesses a short company name, and leads fold legal forms."""

import pytest

from bot.text.company_guess import guess_company
from tests.conftest import ALICE, WANG
from tests.support import command, lead, open_new_lead_form, text_of


def test_a_new_lead_with_a_legal_form_finds_the_open_lead_without_it(app):
    lead(app, "Acme")
    answer = command(app, "new Acme Inc.")
    assert "Acme already has an open lead: #1" in answer
    assert len(app.slack.calls("views.open")) == 1  # no second form


def test_a_chinese_company_with_its_legal_form_is_the_same_lead(app):
    lead(app, "张三金属", user=WANG)
    assert "#1" in command(app, "新建 张三金属有限公司", user=WANG)


def test_a_different_company_is_still_a_new_lead(app):
    lead(app, "Acme")
    form = open_new_lead_form(app, "new Acme Oilfield", user=ALICE)
    assert form["callback_id"] == "lead_new"


def _lead_from_a_small_buyer_answer(app, user=ALICE):
    from tests.support import answered, tick

    for order in ("2,400 CNY 2026-01-10", "¥3,000 2026-04-02", "2.5k 2026-07-10"):
        command(app, f"order Zhang Metalworks {order}", user=user)
    tick(app, "2026-12-01T09:00:00+00:00")  # 17:00 in Shanghai: the question comes
    question = [m for m in app.slack.dms_to(user) if "small_buyer_answer" in str(m["blocks"])][0]
    account = next(
        e["value"].split(":")[0] for b in question["blocks"] if b["type"] == "actions" for e in b["elements"]
        if e["action_id"].startswith("small_buyer_answer:")
    )
    answered(app, app.send.click(user, question, "small_buyer_answer:will_ask", value=f"{account}:will_ask"))
    app.settle()


def test_a_lead_from_a_small_buyer_answer_asks_about_the_account_not_the_enquiry(app):
    _lead_from_a_small_buyer_answer(app)
    card = command(app, "show 1")
    assert "What else do they buy for this line of work, and from whom?" in card
    # The background still open is asked about the rest of their buying: why it goes elsewhere.
    assert "Why does the rest go elsewhere — our price, habit, or they don't know we make it?" in card
    assert "who asked for it, and why now" not in card and "Existing customer" in card


def test_a_chinese_rep_gets_the_account_questions_in_chinese(app):
    _lead_from_a_small_buyer_answer(app, user=WANG)
    card = command(app, "查看 1", user=WANG)
    assert "这条线上他们还买哪些东西？从谁那里买？" in card and "老客户" in card


def test_a_lead_from_a_small_buyer_answer_is_no_new_enquiry(app):
    from datetime import datetime, timedelta, timezone

    _lead_from_a_small_buyer_answer(app)
    lead(app, "Acme")  # a real enquiry the same week
    start = datetime(2026, 11, 30, tzinfo=timezone.utc)
    factor = app.deps.policy("T0001").potential_factor
    data = app.deps.summaries.compute("T0001", start, start + timedelta(days=7), 3, factor)
    assert data.new_by_source == {"website": 1}
    home = app.deps.home.data("T0001", ALICE, start.date() + timedelta(days=1), "UTC", app.deps.clock.now())
    assert home.week.captured == 1


@pytest.mark.parametrize("text, author, guess", [
    ("Zhang Metalworks — RFQ for 40 valves DN50", "", "Zhang Metalworks"),
    ("Acme Oilfield needs a pipeline-coating proposal\nCall Li Wei", "", "Acme Oilfield"),
    ("New enquiry from the website\nCompany: Lakeside Packaging Inc.\nName: Bob", "", "Lakeside Packaging Inc"),
    ("Please quote 40 valves by Friday", "Li Ming <li@zhang-metalworks.com.cn>", "Zhang Metalworks"),
    ("Please quote 40 valves by Friday", "li@gmail.com", "Please quote 40 valves"),
    ("张三金属：要报价", "", "张三金属"),
    ("张三金属要一份涂层方案", "", "张三金属"),
    ("询价：公司：李四机械\n要 200 个阀门", "", "李四机械"),
])
def test_an_inbound_enquiry_gets_a_short_company_guess(text, author, guess):
    assert guess_company(text, author) == guess


def test_claiming_an_inbound_enquiry_asks_to_confirm_the_guessed_company(app):
    from tests.support import message_event, ts_at

    app.slack.add_channel("C0INBOX", "enquiries")
    command(app, "inbound on", channel="C0INBOX")
    message = app.slack.add_message("C0INBOX", "张三金属——要一份涂层方案，300 平方米", user="URECEPT01",
                                    ts=ts_at(app.deps.clock.now()))
    app.send.event(message_event(message))
    app.slack.wait_for("chat.postMessage", where=lambda c: c.params.get("thread_ts") == message["ts"])
    app.settle()
    offer = next(m for m in app.slack.messages("C0INBOX") if m.get("thread_ts") == message["ts"] and m.get("bot_id"))
    app.send.click(WANG, offer, "inbound_claim")
    form = app.slack.view(app.slack.wait_for("views.open")[-1].response["view"]["id"])
    company = next(b for b in form["blocks"] if b.get("block_id") == "company")["element"]["initial_value"]
    assert company == "张三金属" and "公司是 *张三金属* 吗？" in text_of(form)
