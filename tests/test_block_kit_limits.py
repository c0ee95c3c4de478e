"""The Block Kit builders stay inside Slack's limits whatever a user typed."""

from datetime import date, datetime, timezone
from decimal import Decimal

from bot.blocks import kit
from bot.blocks import leads as lead_blocks
from bot.services.lead_views import LeadView, TouchView
from bot.services.leads import LeadPage
from sandbox.slack_api import validate_blocks, validate_view

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)


def make_lead(number=1, company="Acme", **changes) -> LeadView:
    values = dict(
        number=number, company=company, contact_name="Li Wei", contact_role="engineer", source="website",
        asked_for="a proposal", situation="boss_research", discovery_notes="", claimed_potential=Decimal("1000"),
        realistic_potential=Decimal("500"), potential_factor=Decimal("0.5"), potential_unit="t/yr", owner_id="UALICE01",
        status="open", lost_reason=None, touch_count=0, next_follow_up_on=TODAY, last_touch_at=None, created_at=NOW,
    )
    values.update(changes)
    return LeadView(**values)


def test_user_text_is_escaped_and_never_cut_inside_an_entity():
    text = kit.user_text("<" * 100, 50)
    assert len(text) <= 50 and text.endswith(kit.ELLIPSIS) and "&lt" in text and "<" not in text
    assert "&lt;" * 12 in text and not text[:-1].endswith(("&", "&l", "&lt"))


def test_a_card_with_huge_texts_is_valid():
    huge = "名" * 5000
    lead = make_lead(
        company="Ａ" * 200, contact_name=huge, contact_role=huge, asked_for=huge, discovery_notes=huge,
        potential_unit=huge,
        touches=tuple(TouchView("call", huge, huge, "UBOB0001", NOW) for _ in range(40)),
    )
    message = lead_blocks.lead_card(lead, TODAY, intro="x" * 4000)
    assert validate_blocks(message["blocks"], "message") == []


def test_a_list_of_hundreds_of_leads_stays_under_fifty_blocks_and_says_how_many_more():
    page = LeadPage(tuple(make_lead(n, f"Company {n} " + "z" * 300) for n in range(1, 301)), 300)
    message = lead_blocks.lead_list(page, mine=False, today=TODAY, now=NOW)
    assert len(message["blocks"]) <= kit.MESSAGE_BLOCKS_MAX
    assert validate_blocks(message["blocks"], "message") == []
    assert "260 more" in message["blocks"][-1]["elements"][0]["text"]


def test_the_new_lead_modal_with_long_prefill_is_valid():
    view = lead_blocks.new_lead_modal(
        lead_blocks.NewLeadPrefill(company="C" * 200, asked_for="ask " * 2000), "UALICE01", TODAY, {"channel": "C1"}
    )
    assert validate_view(view) == []


def test_user_text_cannot_ping_the_channel():
    lead = make_lead(asked_for="<!channel> call me <@UBOB0001>")
    text = str(lead_blocks.lead_card(lead, TODAY)["blocks"])
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text


def test_a_nudge_for_thirty_quiet_leads_shows_ten_and_counts_the_rest():
    from bot.blocks.followups import nudge_message

    leads = [
        make_lead(n, "名" * 200, asked_for="要" * 3000, next_follow_up_on=date(2026, 11, 20)) for n in range(1, 31)
    ]
    message = nudge_message(leads, NOW, NOW, "Asia/Shanghai", 3, 5)
    assert validate_blocks(message["blocks"], "message") == []
    assert "20 more quiet leads" in message["blocks"][-1]["elements"][0]["text"]
    assert sum(1 for b in message["blocks"] if b["type"] == "actions") == 10


def test_the_small_buyer_question_is_valid_with_a_long_chinese_name():
    from bot.blocks.accounts import question_message
    from bot.services.small_buyers import AccountView

    orders = tuple((date(2026, m, 1), Decimal(2000 + m), "CNY") for m in range(1, 12))
    account = AccountView(7, "张" * 200, "UALICE01", orders, (), None, Decimal(0), "CNY")
    assert validate_blocks(question_message(account, None, TODAY)["blocks"], "message") == []


def _reply(number: int, note: str):
    from bot.services.buyer_replies import BuyerReplyView

    return BuyerReplyView(
        id=number, team_id="T1", lead_id=number, lead_number=number, owner_id="UALICE01", source="email",
        ref=f"mail:<{number}>", note=note, replied_at=NOW, answered_at=None, answered_how=None,
    )


def test_the_buyer_reply_dm_is_valid_with_a_huge_reply_and_cannot_ping():
    from bot.blocks.buyer_replies import reply_message

    reply = _reply(1, "<!channel> 请报价\n" * 3000)
    message = reply_message(reply, make_lead(company="名" * 300), TODAY, "Asia/Shanghai")
    assert validate_blocks(message["blocks"], "message") == []
    assert "<!channel>" not in str(message["blocks"])


def test_a_digest_full_of_replies_and_quiet_leads_stays_under_fifty_blocks():
    from bot.blocks.digest import digest_message
    from bot.services.digests import DigestData, WaitingAccount, WaitingReply

    quiet = [make_lead(n, "Q" * 200, next_follow_up_on=date(2026, 11, 20)) for n in range(1, 31)]
    due = [make_lead(n, "D" * 200) for n in range(31, 61)]
    replies = tuple(WaitingReply(_reply(n, "回复" * 2000), make_lead(n, "R" * 200)) for n in range(61, 91))
    data = DigestData(
        day=TODAY, due_today=due, quiet=quiet, buyer_dates=due[:5], wins=due[:3],
        small_buyers=[WaitingAccount(n, "S" * 200) for n in range(10)], replies=replies,
    )
    message = digest_message(data, "Asia/Shanghai", NOW, NOW)
    assert len(message["blocks"]) <= kit.MESSAGE_BLOCKS_MAX
    assert validate_blocks(message["blocks"], "message") == []


def test_a_card_a_follow_up_form_and_a_digest_with_a_huge_background_are_valid():
    from bot.blocks.digest import digest_message
    from bot.services.background import Background
    from bot.services.digests import DigestData

    huge = "<&>名" * 750  # 3000 characters typed, far more once escaped
    lead = make_lead(background=Background(huge, huge, huge, huge), discovery_notes=huge, touch_count=4)
    assert validate_blocks(lead_blocks.lead_card(lead, TODAY)["blocks"], "message") == []
    assert validate_view(lead_blocks.log_touch_modal(lead, TODAY, {"channel": "C1"})) == []
    quiet = [make_lead(n, "名" * 200, asked_for="要" * 3000, next_follow_up_on=date(2026, 11, 20),
                       touch_count=3) for n in range(1, 12)]
    due = [make_lead(n, "名" * 200, situation="wants_to_buy") for n in range(20, 32)]
    data = DigestData(day=TODAY, due_today=due, quiet=quiet, buyer_dates=[], wins=[], small_buyers=[])
    assert validate_blocks(digest_message(data, "Asia/Shanghai", NOW, NOW)["blocks"], "message") == []
