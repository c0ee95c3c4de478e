"""Discovery as the method teaches it: the plain opener and the questions still open where the rep is about to call,
the follow-up form that records the answers, the card that shows what is known, and nobody forgetting to ask."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import create_engine, text

from bot.store.migrate import upgrade
from bot.text.background import notes_beyond, read_notes
from tests.conftest import ADMIN, ALICE, BOB, GENERAL, TEAM, WANG
from tests.support import command, lead, text_of, tick, wait_ephemeral

OPENER_EN = (
    "Sorry, I just want to understand your situation properly — three minutes now saves you a lot of questions later."
)
OPENER_ZH = "不好意思，我想把咱们的情况了解清楚——现在花三分钟，以后就少问您很多事"
FRI_0900_SHANGHAI = "2026-12-04T01:00:00+00:00"  # leads captured on Tue 1 Dec are quiet by then
MONDAY_NINE = "2026-12-07T09:00:00+00:00"  # the team's time zone is UTC in the tests


# -- helpers ---------------------------------------------------------------------------------------


def _card(app, user: str = ALICE) -> dict:
    return wait_ephemeral(app, user)


def _open_log_form(app, card: dict, number: int, user: str = ALICE) -> dict:
    """Press Log follow-up on the card and return the form it opens."""
    opened = len(app.slack.calls("views.open"))
    reply = app.send.click(user, card, "lead_log_open", value=str(number), ephemeral=True)
    assert reply.status == 200, reply.body
    app.slack.wait_for("views.open", count=opened + 1)
    return app.slack.open_views(user)[-1]


def _initial(view: dict, block_id: str):
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    element = block["element"]
    return element.get("initial_value", (element.get("initial_option") or {}).get("value"))


def _submit(app, view: dict, values: dict, user: str = ALICE) -> None:
    reply = app.send.submit_view(user, view, values)
    assert reply.status == 200 and not reply.body.strip(), reply.body
    app.settle()


def _digest_item(app, user: str, number: int) -> str:
    """The section of the latest digest or nudge that shows lead `number`."""
    message = app.slack.dms_to(user)[-1]
    sections = [text_of({"blocks": [b]}) for b in message["blocks"] if b.get("type") == "section"]
    return next(s for s in sections if f"#{number} " in s)


def _quiet_digest_for(app, number: int, user: str = ALICE) -> str:
    """Run the scheduler at 09:00 in Shanghai the morning after lead `number` was due: its item in the digest."""
    due = app.deps.leads.find(TEAM, str(number)).next_follow_up_on
    before = len(app.slack.dms_to(user))
    for days in range(1, 5):  # the first working day after it
        tick(app, datetime(due.year, due.month, due.day, 1, tzinfo=timezone.utc) + timedelta(days=days))
        if len(app.slack.dms_to(user)) > before:
            return _digest_item(app, user, number)
    raise AssertionError(f"no digest about #{number}")


# -- where the rep is about to call: the card, the form, the digest ------------------------------


def test_the_card_shows_the_opener_and_what_to_ask_for_the_buyers_situation(app):
    lead(app, "Acme Oilfield", situation="boss_research")
    card = text_of(_card(app))
    assert "Background:* 0 of 4 known — situation, problem, implication and need-payoff still open" in card
    assert OPENER_EN in card
    assert "Who will decide" in card and "What made their boss ask now" in card
    # Their boss asked them to research: the next step is material for that report.
    assert "material for their report to the boss — cost, feasibility, risk" in card


def test_answers_logged_in_the_form_show_on_the_card_and_leave_the_questions(app):
    lead(app, "Acme Oilfield", situation="boss_research")
    form = _open_log_form(app, _card(app), 1)
    intro = text_of(form)
    assert OPENER_EN in intro and "Who will decide" in intro and "cost, feasibility, risk" in intro
    assert _initial(form, "situation") == "boss_research" and _initial(form, "bg_problem") in ("", None)
    _submit(app, form, {
        "kind": "call", "note": "Spoke to Li",
        "bg_situation": "40 km of pipeline, coated by hand today; the plant manager asked Li to look",
        "bg_implication": "Every leak stops the line for two days",
    })
    card = command(app, "show 1")
    assert "Background:* 2 of 4 known — problem and need-payoff still open" in card
    assert "*Situation:* 40 km of pipeline, coated by hand today" in card
    assert "*Implication:* Every leak stops the line for two days" in card
    # The questions follow from what is missing: no longer who decides (situation) nor what a leak costs.
    assert "What made their boss ask now" in card and "when is the report due" in card
    assert "Who will decide" not in card and "what happens if nothing changes" not in card
    assert OPENER_EN in card  # still something to ask
    assert app.deps.leads.find(TEAM, "1").touch_count == 1  # saved with the follow-up, counted once

    # The form opened again is filled with what is known, so the rep adds rather than retypes.
    again = _open_log_form(app, _card(app), 1)
    assert _initial(again, "bg_implication") == "Every leak stops the line for two days"
    assert "problem and need-payoff still open" in text_of(again) and "Who will decide" not in text_of(again)
    _submit(app, again, {"bg_problem": "Corrosion at the welds", "bg_need_payoff": "Two fewer stops a year"})
    card = command(app, "show 1")
    assert "Background:* all 4 known" in card and OPENER_EN not in card
    assert "*Situation:* 40 km of pipeline" in card  # kept as it was pre-filled


def test_a_first_call_sets_the_buyers_situation_and_the_next_step_follows_it(app):
    lead(app, "Acme Oilfield", situation="unknown")
    card = text_of(_card(app))
    assert "project proposal" not in card and "report to the boss" not in card
    _submit(app, _open_log_form(app, _card(app), 1), {"situation": "wants_to_buy", "bg_problem": "Old coating fails"})
    card = command(app, "show 1")
    assert "They mean to buy but don't know how yet" in card
    assert "help them write their project proposal — offer a template, or the figures it needs" in card
    assert "How does buying work there" in card  # the situation question for a buyer who means to buy


def test_a_form_from_before_the_background_fields_changes_neither_background_nor_situation(app):
    lead(app, "Acme Oilfield", situation="comparing", discovery_notes="P: the old supplier is late")
    form = _open_log_form(app, _card(app), 1)
    # The form as leadbot drew it before: no situation select, no background fields.
    form["blocks"] = [b for b in form["blocks"] if not str(b.get("block_id", "")).startswith(("bg_", "situation"))]
    _submit(app, form, {"kind": "email", "note": "Sent the datasheet"})
    shown = app.deps.leads.find(TEAM, "1")
    assert shown.touch_count == 1 and shown.situation == "comparing"
    assert shown.background.problem == "the old supplier is late"


def test_the_chinese_card_and_form_speak_the_methods_own_words(app):
    lead(app, "张三金属", user=WANG, situation="wants_to_buy")
    card = text_of(_card(app, WANG))
    assert OPENER_ZH in card
    assert "背景：* 已知 0/4 项——现状、问题、影响和需求价值还不清楚" in card
    assert "帮他把立项书写出来" in card and "他们那边采购怎么走" in card
    form = _open_log_form(app, _card(app, WANG), 1, user=WANG)
    assert OPENER_ZH in text_of(form) and "需求价值——解决了对他们值多少" in text_of(form)
    _submit(app, form, {"bg_situation": "现在手工涂装，40 公里管线", "bg_implication": "一漏就停线两天"}, user=WANG)
    card = command(app, "查看 1", user=WANG)
    assert "背景：* 已知 2/4 项——问题和需求价值还不清楚" in card
    assert "*现状：* 现在手工涂装，40 公里管线" in card and "*影响：* 一漏就停线两天" in card
    assert "为什么现在开始找" in card and "他们那边采购怎么走" not in card


def test_the_first_digest_item_for_a_lead_carries_the_opener_and_two_open_questions(app):
    lead(app, "Acme Oilfield", situation="wants_to_buy")  # due Thu 3 Dec, quiet on Friday
    lead(app, "Due Today", situation="boss_research", first_follow_up="2026-12-04")
    tick(app, FRI_0900_SHANGHAI)
    quiet = _digest_item(app, ALICE, 1)
    assert OPENER_EN in quiet
    assert "How does buying work there" in quiet and "What made them start looking now" in quiet
    assert "What happens if the project is not approved" not in quiet  # two questions, not four
    assert "help them write their project proposal" in quiet
    due = _digest_item(app, ALICE, 2)
    assert OPENER_EN in due and "Who will decide" in due and "report to the boss — cost, feasibility, risk" in due


def test_the_chinese_digest_item_carries_the_opener_and_the_questions(app):
    lead(app, "张三金属", user=WANG, situation="boss_research")
    tick(app, FRI_0900_SHANGHAI)
    item = _digest_item(app, WANG, 1)
    assert OPENER_ZH in item and "最后谁拍板" in item and "领导为什么现在让他研究" in item
    assert "向领导汇报的材料——成本、可行性、风险" in item


def test_once_the_background_is_known_the_digest_asks_one_question_about_the_situation(app):
    lead(app, "Acme Oilfield", situation="comparing", discovery_notes="S: a\nP: b\nI: c\nN: d")
    tick(app, FRI_0900_SHANGHAI)
    item = _digest_item(app, ALICE, 1)
    assert OPENER_EN not in item and "Still to ask" not in item
    assert "_Ask:_ Which other vendors are they looking at" in item


# -- nobody forgets: the mark after two follow-ups without background --------------------------


def test_two_follow_ups_and_still_no_background_is_marked_in_the_digest(app):
    lead(app, "Silent Co", situation="unknown")
    lead(app, "Known Co", situation="unknown", discovery_notes="P: leaks")
    for _ in range(2):
        command(app, "log 1 call left a voicemail")
        command(app, "log 2 call left a voicemail")
    item = _quiet_digest_for(app, 1)
    assert "2 follow-ups, still no background — ask plainly next time" in item and OPENER_EN in item
    assert "still no background" not in _digest_item(app, ALICE, 2)
    command(app, "log 1 call again nothing")
    assert "3 follow-ups, still no background — ask plainly next time" in _quiet_digest_for(app, 1)


def test_one_follow_up_without_background_is_not_marked_yet(app):
    lead(app, "Silent Co", situation="unknown")
    command(app, "log 1 call left a voicemail")
    assert "still no background" not in _quiet_digest_for(app, 1)


def test_the_chinese_mark_says_ask_plainly(app):
    lead(app, "张三金属", user=WANG, situation="unknown")
    command(app, "跟进 1 电话 没人接", user=WANG)
    command(app, "跟进 1 微信 没回", user=WANG)
    item = _quiet_digest_for(app, 1, user=WANG)
    assert "已经跟进 2 次，背景还是一无所知——下次直接问" in item and OPENER_ZH in item


# -- the weekly summary: open leads by how much background is known, per rep ------------------


def _leads_with_background(app) -> None:
    lead(app, "Nothing Co")
    lead(app, "Half Co", discovery_notes="S: 40 km of pipeline\nP: corrosion at the welds")
    lead(app, "Whole Co")
    form = _open_log_form(app, _card(app), 3)
    _submit(app, form, {"bg_situation": "a", "bg_problem": "b", "bg_implication": "c", "bg_need_payoff": "d"})
    lead(app, "Bob Co", user=BOB)
    lead(app, "Won Co", discovery_notes="S: x")
    command(app, "won 5")  # closed leads are not counted
    assert "come to <#C0GENERAL>" in command(app, "summary on", user=ADMIN, channel=GENERAL)


def _summary_text(app) -> str:
    tick(app, MONDAY_NINE)
    return text_of(next(m for m in app.slack.messages(GENERAL) if "summary" in text_of(m).lower()
                        or "汇总" in text_of(m)))


def test_the_weekly_summary_counts_each_reps_open_leads_by_background_known(app):
    _leads_with_background(app)
    summary = _summary_text(app)
    assert "Background known on open leads" in summary
    assert "<@UALICE01>: nothing known: 1 · 2/4: 1 · 4/4: 1" in summary
    assert "<@UBOB0001>: nothing known: 1" in summary


def test_the_chinese_summary_counts_background_known(app_with):
    app = app_with(LEADBOT_LANGUAGE="zh")
    _leads_with_background(app)
    summary = _summary_text(app)
    assert "在跟线索的背景摸清了几项" in summary
    assert "<@UALICE01>：一无所知：1 · 知 2 项：1 · 知 4 项：1" in summary


# -- existing notes keep their meaning ---------------------------------------------------------


def test_labelled_notes_are_read_as_their_parts_and_free_text_as_the_situation():
    assert read_notes("S: 40 km of pipeline\nP: corrosion\nat the welds") == {
        "situation": "40 km of pipeline", "problem": "corrosion\nat the welds",
    }
    assert read_notes("Wants 40 km coated by March") == {"situation": "Wants 40 km coated by March"}
    assert read_notes("现状：手工涂装\n影响：停线两天\n需求价值：一年少停两次") == {
        "situation": "手工涂装", "implication": "停线两天", "need_payoff": "一年少停两次",
    }
    # The dated lines leadbot adds when it refuses "only wanted a proposal" are remarks, not background.
    assert read_notes("2026-11-20: they will not answer") == {}
    assert notes_beyond("S: a\n2026-11-20: no answer", {"situation": "a"}) == "2026-11-20: no answer"


def test_the_migration_reads_existing_notes_as_background(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0009")
    engine = create_engine(url)
    notes = {1: "S: 40 km of pipeline\nP: corrosion at the welds", 2: "Wants 40 km coated", 3: "",
             4: "2026-11-20: they will not answer"}
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO teams (team_id, last_lead_number, created_at) VALUES ('T1', 4, :at)"),
                           {"at": datetime(2026, 1, 1)})
        for number, note in notes.items():
            connection.execute(
                text(
                    "INSERT INTO leads (team_id, number, company, company_key, account_key, contact_name, "
                    "contact_role, source, asked_for, situation, discovery_notes, potential_unit, owner_id, "
                    "created_by, status, lost_note, touch_count, nudges_unanswered, needs_new_owner, created_at, "
                    "updated_at) VALUES ('T1', :n, :c, :c, :c, '', '', 'website', '', 'unknown', :notes, '', 'U1', "
                    "'U1', 'open', '', 0, 0, false, :at, :at)"
                ),
                {"n": number, "c": f"company {number}", "notes": note, "at": datetime(2026, 1, 1)},
            )
    upgrade(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT number, bg_situation, bg_problem, bg_implication, bg_need_payoff, discovery_notes "
                 "FROM leads ORDER BY number")
        ).all()
    engine.dispose()
    assert [tuple(row[1:5]) for row in rows] == [
        ("40 km of pipeline", "corrosion at the welds", "", ""),
        ("Wants 40 km coated", "", "", ""),
        ("", "", "", ""),
        ("", "", "", ""),
    ]
    assert rows[0][5] == notes[1]  # the notes themselves stay as written


def test_a_nudge_on_its_own_carries_the_opener_and_the_questions(app):
    lead(app, "Acme Oilfield", situation="trial")
    app.deps.directory.save_own_settings(
        TEAM, ALICE, app.deps.clock.now(), digest_time="08:00", workdays=None, work_hours=None, language=None,
        snooze_days=None,
    )
    tick(app, "2026-12-04T00:00:00+00:00")  # 08:00 in Shanghai: the digest, before working hours
    tick(app, FRI_0900_SHANGHAI)  # 09:00: the nudge comes on its own
    nudge = app.slack.dms_to(ALICE)[-1]
    assert text_of(nudge).startswith("Time to follow up")
    item = _digest_item(app, ALICE, 1)
    assert OPENER_EN in item and "What is the trial for" in item and "Why try a new supplier" in item
