"""The buyer's timeline: their date becomes the next follow-up, "buyer said later" is a contact, a refused close
keeps the rep's note, and Won asks to confirm, takes a value and can be reopened within 30 days."""

from datetime import date, timedelta

import pytest

from bot.text.buyer_dates import date_in_text
from tests.conftest import ADMIN, ALICE, BOB, WANG
from tests.support import answer, command, lead, nudges_to, text_of, tick

TODAY = date(2026, 12, 1)  # the tests' Tuesday
FRI_MORNING = "2026-12-04T01:00:00+00:00"  # 09:00 in Shanghai


@pytest.mark.parametrize("said, day", [
    ("Decision on 14 Dec", date(2026, 12, 14)),
    ("Budget meeting is on Dec 15th, call after", date(2026, 12, 15)),
    ("call me next week", date(2026, 12, 7)),
    ("they decide in 2 weeks", date(2026, 12, 15)),
    ("12月15日开会定", date(2026, 12, 15)),
    ("他说下周一给答复", date(2026, 12, 7)),
    ("3天后回复", date(2026, 12, 4)),
    ("预算会 2026-12-20", date(2026, 12, 20)),
])
def test_a_date_is_found_in_what_the_buyer_said(said, day):
    assert date_in_text(said, TODAY).day == day


@pytest.mark.parametrize("said", [
    "we need 40 valves", "twice a week they order", "visited a week ago", "Budget is decided in January", "3天前来过",
    "",
])
def test_words_without_a_date_name_none(said):
    assert date_in_text(said, TODAY) is None


def _log_form(app, user=ALICE, ref="1"):
    before = len(app.slack.calls("views.open"))
    app.send.command(f"log {ref}", user)
    return app.slack.view(app.slack.wait_for("views.open", count=before + 1)[-1].response["view"]["id"])


def _notice(app, user=ALICE) -> str:
    app.settle()
    return text_of(app.slack.ephemerals(user)[-1])


def test_the_buyers_date_becomes_the_next_follow_up_when_the_rep_leaves_the_offered_date(app):
    lead(app, "Acme")
    view = _log_form(app)
    assert app.send.submit_view(ALICE, view, {"buyer_said": "Decision on 14 Dec"}).body == ""
    assert "The buyer said Mon 14 Dec, so that is the next follow-up." in _notice(app)
    assert "Next follow-up*\nMon 14 Dec" in command(app, "show 1")


def test_a_chinese_rep_hears_about_the_buyers_date_in_chinese(app):
    lead(app, "张三金属", user=WANG)
    view = _log_form(app, WANG)
    assert app.send.submit_view(WANG, view, {"kind": "wechat", "buyer_said": "12月15日开会定"}).body == ""
    assert "客户说了 12月15日 周二，下次跟进就定在那天。" in _notice(app, WANG)


def test_a_date_the_rep_picked_wins_and_they_are_told_it_differs(app):
    lead(app, "Acme")
    view = _log_form(app)
    app.send.submit_view(ALICE, view, {"buyer_said": "Decision on 14 Dec", "next_follow_up": "2026-12-10"})
    assert "The buyer said Mon 14 Dec; the next follow-up stays Thu 10 Dec, as you chose." in _notice(app)
    assert "Thu 10 Dec" in command(app, "show 1")


def test_buyer_said_later_counts_as_a_follow_up(app):
    lead(app, "Acme")
    tick(app, FRI_MORNING)
    nudge = nudges_to(app, ALICE)[-1]
    app.send.click(ALICE, nudge, "lead_buyer_date", block_id="lead:1", selected_date="2026-12-16")
    app.settle()
    shown = command(app, "show 1")
    assert "Follow-ups*\n1" in shown
    assert "The buyer named a date by <@UALICE01>" in shown
    assert "The buyer said Wed 16 Dec" in text_of(app.slack.calls("chat.update")[-1].params)


def test_a_refused_proposal_close_keeps_the_reps_note_on_the_lead(app):
    lead(app, "Acme")
    refusal = command(app, "lost 1 silent they only wanted the price list")
    assert "Not yet" in refusal and "I kept your note on the lead." in refusal
    shown = command(app, "show 1")
    assert "Acme" in command(app, "list") and "they only wanted the price list" in shown
    assert "2026-12-01: they only wanted the price list" in shown


def test_a_refused_close_from_the_lost_form_keeps_the_note_too_in_chinese(app):
    lead(app, "张三金属", user=WANG)
    before = len(app.slack.calls("views.open"))
    tick(app, FRI_MORNING)  # Wang's morning digest, carrying the quiet lead's buttons
    app.send.click(WANG, app.slack.dms_to(WANG)[-1], "lead_lost_open", value="1")
    view = app.slack.view(app.slack.wait_for("views.open", count=before + 1)[-1].response["view"]["id"])
    updated = answer(app.send.submit_view(WANG, view, {"reason": "went_silent", "note": "只要了报价单"}))
    assert updated["response_action"] == "update" and "你写的备注已经记在这条线索上了。" in text_of(updated["view"])
    assert "只要了报价单" in command(app, "查看 1", user=WANG)


def test_won_with_a_deal_value_in_the_team_currency(app):
    lead(app, "Acme")
    won = command(app, "won 1 1.2万")
    assert "#1 Acme is won, worth ¥12,000." in won and "`/lead reopen 1`" in won
    assert "Won*\n¥12,000" in command(app, "show 1")


def test_won_in_the_form_takes_an_optional_value_and_refuses_words(app):
    lead(app, "Acme")
    tick(app, FRI_MORNING)
    nudge = nudges_to(app, ALICE)[-1]
    app.send.click(ALICE, nudge, "lead_won_open", value="1")
    view = app.slack.view(app.slack.wait_for("views.open", count=2)[-1].response["view"]["id"])
    assert "Deal value (CNY)" in text_of(view)
    refused = answer(app.send.submit_view(ALICE, view, {"won_value": "lots"}))
    assert "1.2万" in refused["errors"]["won_value"] and "Acme" in command(app, "list")
    assert app.send.submit_view(ALICE, view, {"won_value": "2.4k"}).body == ""
    app.settle()
    assert "¥2,400" in command(app, "show 1")


def test_a_won_lead_is_reopened_by_its_owner_within_30_days(app):
    lead(app, "Acme")
    command(app, "won 1")
    app.deps.clock.set(app.deps.clock.now() + timedelta(days=29))
    reopened = command(app, "reopen 1")
    assert "#1 Acme is open again." in reopened
    assert "Acme" in command(app, "list")


def test_reopening_in_chinese(app):
    lead(app, "张三金属", user=WANG)
    assert "`/lead 重新打开 1`" in command(app, "成交 1", user=WANG)
    assert "#1 张三金属 已重新打开" in command(app, "重新打开 1", user=WANG)


def test_a_won_lead_stays_won_after_30_days(app):
    lead(app, "Acme")
    command(app, "won 1")
    app.deps.clock.set(app.deps.clock.now() + timedelta(days=31))
    assert "won more than 30 days ago" in command(app, "reopen 1")


def test_only_the_owner_or_an_admin_may_reopen(app):
    lead(app, "Acme")
    command(app, "won 1")
    assert "Only the owner" in command(app, "reopen 1", user=BOB)
    assert "open again" in command(app, "reopen 1", user=ADMIN)
    assert "is not won" in command(app, "reopen 1")
