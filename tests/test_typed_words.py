"""`/lead` as people type it, in English and Chinese: leads by a piece of their name, lost reasons in any words,
dates in words, `全部`, and "did you mean …?" for a slip."""

import pytest
from sqlalchemy import select

from bot.store.models import Lead
from tests.conftest import ALICE, BOB, CAROL, TEAM, WANG
from tests.support import command, lead, text_of


def _closed(app, number: int) -> tuple[str, str | None, str]:
    with app.deps.db.read() as uow:
        row = uow.session.scalar(select(Lead).where(Lead.team_id == TEAM, Lead.number == number))
        return row.status, row.lost_reason, row.lost_note


def _opened_view(app, text: str, user: str = ALICE) -> dict:
    before = len(app.slack.calls("views.open"))
    app.send.command(text, user)
    return app.slack.wait_for("views.open", count=before + 1)[-1].response["view"]


# -- lost: the reason found anywhere in the words -----------------------------------------------------


@pytest.mark.parametrize(
    "user,typed,said,reason,note",
    [
        (ALICE, "lost 1 chose a competitor", "closed as lost (chose a competitor)", "competitor", ""),
        (ALICE, "lost 1 they went with a cheaper supplier", "closed as lost (chose a competitor)", "competitor",
         "they went with a cheaper supplier"),
        (ALICE, "lost 1 project cancelled by HQ", "closed as lost (project cancelled)", "cancelled",
         "project cancelled by HQ"),
        (WANG, "丢单 1 客户选了别家", "已按丢单关闭（选了竞品）", "competitor", ""),
        (WANG, "丢单1 预算砍了，明年再说", "已按丢单关闭（没有预算）", "no_budget", "明年再说"),
    ],
)
def test_a_lost_reason_is_read_from_the_rep_s_own_words(app, user, typed, said, reason, note):
    lead(app, "Acme", user=user)
    assert said in command(app, typed, user=user)
    assert _closed(app, 1) == ("lost", reason, note)


@pytest.mark.parametrize(
    "user,typed,refused",
    [(ALICE, "lost 1 only wanted a proposal", "only 0 of 3 follow-ups"), (WANG, "丢单 1 客户只要方案", "已跟进 0 次")],
)
def test_only_wanted_a_proposal_in_any_words_is_still_refused_before_three_follow_ups(app, user, typed, refused):
    lead(app, "Acme", user=user)
    assert refused in command(app, typed, user=user)
    assert _closed(app, 1)[0] == "open"


def test_lost_with_no_reason_opens_the_lost_form_with_what_was_typed_as_the_note(app):
    lead(app, "Acme")
    lead(app, "Beta")
    alone = _opened_view(app, "lost 1")
    assert alone["callback_id"] == "lead_lost" and "#1 Acme" in text_of(alone)
    note = _opened_view(app, "lost 2 they said thanks but no thanks")
    field = next(b for b in note["blocks"] if b.get("block_id") == "note")
    assert field["element"]["initial_value"] == "they said thanks but no thanks"
    assert _closed(app, 1)[0] == _closed(app, 2)[0] == "open"


# -- which lead: a number, or a piece of its company -----------------------------------------------------


def _three_companies(app):
    lead(app, "Gulf Drilling Services LLC")  # #1, Alice's
    lead(app, "Lakeside Packaging Inc.")  # #2, Alice's
    lead(app, "Lakeside Foods", user=BOB)  # #3, Bob's


def test_log_finds_the_lead_by_a_word_of_its_company(app):
    _three_companies(app)
    assert "Logged a follow-up on #1 Gulf Drilling Services LLC" in command(app, "log gulf call left voicemail")
    assert "Call by <@UALICE01> — left voicemail" in command(app, "show 1")


def test_the_whole_name_legal_form_and_all_is_read_before_the_follow_up(app):
    _three_companies(app)
    said = command(app, "log Lakeside Packaging Inc. call sent the samples")
    assert "#2 Lakeside Packaging Inc." in said
    assert "Call by <@UALICE01> — sent the samples" in command(app, "show 2")


def test_a_shared_word_means_my_own_lead_and_anyone_else_gets_a_pick_list(app):
    _three_companies(app)
    assert "#2 Lakeside Packaging Inc." in command(app, "show lakeside")
    assert "#3 Lakeside Foods" in command(app, "show lakeside", user=BOB)
    assert "Which one? #2 Lakeside Packaging Inc., #3 Lakeside Foods. Use its number instead." in command(
        app, "show lakeside", user=CAROL
    )


def test_a_chinese_name_is_found_by_a_part_of_it(app):
    lead(app, "深圳华为技术有限公司", user=WANG)
    said = command(app, "跟进 华为 电话 聊了预算会", user=WANG)
    assert "#1 深圳华为技术有限公司" in said
    assert "电话" in command(app, "查看 深圳华为", user=WANG) and "聊了预算会" in command(app, "查看 1", user=WANG)


def test_a_word_that_names_no_lead_is_said_back(app):
    _three_companies(app)
    assert "I can't find lead nowhere" in command(app, "log nowhere call hi")


# -- dates in words ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user,typed,said",
    [
        # The suite's today is Tuesday 1 December 2026, in Shanghai.
        (ALICE, "tomorrow", "Wed 2 Dec"), (ALICE, "next week", "Mon 7 Dec"), (ALICE, "monday", "Mon 7 Dec"),
        (ALICE, "in 3 days", "Fri 4 Dec"), (ALICE, "3 days", "Fri 4 Dec"), (ALICE, "3", "Fri 4 Dec"),
        (ALICE, "2w", "Tue 15 Dec"), (ALICE, "12/15", "Tue 15 Dec"),
        (WANG, "明天", "12月2日 周三"), (WANG, "下周", "12月7日 周一"), (WANG, "下周一", "12月7日 周一"),
        (WANG, "3天", "12月4日 周五"), (WANG, "1周", "12月8日 周二"), (WANG, "12月15日", "12月15日 周二"),
    ],
)
def test_snooze_takes_the_date_as_people_say_it(app, user, typed, said):
    lead(app, "Acme", user=user)
    verb = "推迟" if user == WANG else "snooze"
    assert said in command(app, f"{verb} acme {typed}", user=user)


@pytest.mark.parametrize(
    "user,typed,said", [(ALICE, "someday", "couldn't read “someday”"), (WANG, "改天", "没看懂“改天”")]
)
def test_a_date_nobody_can_read_is_said_back_with_examples(app, user, typed, said):
    lead(app, "Acme", user=user)
    assert said in command(app, f"snooze 1 {typed}", user=user)


# -- lists and slips ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("user,words", [(ALICE, "list all"), (WANG, "列表 全部"), (WANG, "列表全部")])
def test_all_lists_everyone_s_leads_in_either_language(app, user, words):
    lead(app, "Mine Co", user=user)
    lead(app, "Bobs Co", user=BOB)
    listing = command(app, words, user=user)
    assert "Mine Co" in listing and "Bobs Co" in listing
    mine = command(app, "列表 我的" if user == WANG else "list mine", user=user)
    assert "Mine Co" in mine and "Bobs Co" not in mine


@pytest.mark.parametrize(
    "user,typed,said",
    [
        (ALICE, "lsit", "I don't know `lsit` — did you mean `/lead list`?"),
        (ALICE, "snoze 1 3", "did you mean `/lead snooze`?"),
        (WANG, "丢 1 竞品", "你是想用 `/lead 丢单` 吗？"),
    ],
)
def test_a_slip_gets_did_you_mean_not_the_whole_help(app, user, typed, said):
    answer = command(app, typed, user=user)
    assert said in answer and "/lead new" not in answer and "/lead order" not in answer


@pytest.mark.parametrize("user,typed", [(ALICE, "help"), (ALICE, ""), (WANG, "帮助")])
def test_the_whole_help_comes_on_help_or_nothing(app, user, typed):
    assert "/lead order" in command(app, typed, user=user)
