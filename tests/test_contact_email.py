"""A lead's contact email, as reps give it in the forms and read it on the card and in `/lead show`."""

from datetime import timedelta

from sqlalchemy import select

from bot.services.leads import NewLeadForm, log_touch_in
from bot.store.models import CHANNEL, EMAIL, Lead, LinkedChannel
from tests.conftest import ALICE, START, TEAM, WANG
from tests.support import answer, capture, command, lead, open_new_lead_form, text_of, wait_ephemeral

SHARED = "C0ACMESHR"


def _lead_id(app, number: int) -> int:
    with app.deps.db.read() as uow:
        return uow.session.scalar(select(Lead.id).where(Lead.team_id == TEAM, Lead.number == number))


def test_the_new_lead_form_takes_the_contact_email_and_the_card_shows_it(app):
    lead(app, "Acme Oilfield", contact_name="Li Ming", contact_email="  Li.Ming@Acme-Oil.COM ")
    card = text_of(wait_ephemeral(app, ALICE))
    assert "<mailto:li.ming@acme-oil.com|li.ming@acme-oil.com>" in card
    shown = command(app, "show 1")
    assert "Li Ming" in shown and "li.ming@acme-oil.com" in shown
    with app.deps.db.read() as uow:
        row = uow.session.scalar(select(Lead).where(Lead.number == 1))
        assert (row.contact_email, row.contact_domain) == ("li.ming@acme-oil.com", "acme-oil.com")


def test_a_lead_without_an_email_shows_none(app):
    lead(app, "Acme Oilfield", contact_name="Li Ming")
    assert "mailto" not in command(app, "show 1")


def test_a_wrong_address_is_refused_on_its_field_in_the_rep_s_language(app):
    reply = capture(app, "Acme Oilfield", contact_email="li.ming at acme-oil.com")
    assert answer(reply)["errors"] == {
        "contact_email": "That is not an email address; write it like li.ming@acme-oil.com."
    }
    reply = capture(app, "Acme Oilfield", contact_email="li@acme-oil.com; wang@acme-oil.com")
    assert answer(reply)["errors"] == {"contact_email": "Give one address only: the main contact's."}
    reply = capture(app, "深圳华为", user=WANG, contact_email="zhang@")
    assert answer(reply)["errors"] == {"contact_email": "这不是有效的邮箱地址，应写成 zhangsan@company.com 这样。"}
    with app.deps.db.read() as uow:
        assert uow.session.scalar(select(Lead.id)) is None  # nothing saved


def test_the_form_labels_the_field_in_both_languages(app):
    assert "Contact email" in text_of(open_new_lead_form(app))
    assert "联系人邮箱" in text_of(open_new_lead_form(app, user=WANG))


def test_the_edit_form_changes_or_clears_the_email_and_an_old_form_keeps_it(app):
    lead(app, "Acme Oilfield", contact_email="li@acme-oil.com")
    card = wait_ephemeral(app, ALICE)
    app.send.click(ALICE, card, "lead_edit_open", value="1", ephemeral=True)
    view = app.slack.view(app.slack.wait_for("views.open", count=2)[-1].response["view"]["id"])
    assert "li@acme-oil.com" in str(view["blocks"])  # filled in from the lead
    reply = app.send.submit_view(ALICE, view, {"contact_email": "wang@acme-oil.com"})
    assert reply.status == 200 and not reply.body.strip()
    assert "wang@acme-oil.com" in command(app, "show 1")
    # A form opened before the field existed has no contact_email block: saving it keeps the address.
    old_form = NewLeadForm(
        company="Acme Oilfield", contact_name="Li", contact_role="", source="website", asked_for="",
        situation="wants_to_buy", discovery_notes="", claimed_potential=None, potential_unit="", owner_id=ALICE,
        first_follow_up=(START.date() + timedelta(days=2)).isoformat(),
    )
    app.deps.leads.update_details(TEAM, "1", ALICE, old_form, START, "UTC")
    assert "wang@acme-oil.com" in command(app, "show 1")
    # Emptied in today's form: the address is gone.
    app.send.click(ALICE, card, "lead_edit_open", value="1", ephemeral=True)
    view = app.slack.view(app.slack.wait_for("views.open", count=3)[-1].response["view"]["id"])
    app.send.submit_view(ALICE, view, {"contact_email": ""})
    assert "mailto" not in command(app, "show 1")


def test_the_timeline_says_where_each_follow_up_came_from(app):
    lead(app, "Acme Oilfield", contact_email="li@acme-oil.com")
    lead_id = _lead_id(app, 1)
    command(app, "log 1 call spoke to Li")
    app.deps.leads.log_touch_from(TEAM, lead_id, ALICE, "email", "Re: coating quote", START, EMAIL)
    app.deps.leads.log_touch_from(TEAM, lead_id, ALICE, "message", "samples shipped", START, CHANNEL)
    shown = command(app, "show 1")
    lines = [line for line in shown.splitlines() if "<@UALICE01>" in line and "·" in line]
    assert any("Re: coating quote" in line and "from email" in line for line in lines), lines
    assert any("samples shipped" in line and "in the shared channel" in line for line in lines), lines
    assert any("spoke to Li" in line and "from email" not in line and "channel" not in line for line in lines)
    with app.deps.db.uow() as uow:  # the lead linked to its shared channel (`/lead link`)
        uow.session.add(LinkedChannel(team_id=TEAM, channel_id=SHARED, lead_id=lead_id, linked_by=ALICE,
                                      linked_at=START))
        uow.commit()
    assert f"samples shipped · in <#{SHARED}>" in command(app, "show 1")
    chinese = command(app, "查看 1", user=WANG)
    assert "来自邮件" in chinese and f"在 <#{SHARED}>" in chinese


def test_an_email_follow_up_counts_from_its_day_in_the_owner_s_time_zone(app):
    lead(app, "Acme Oilfield", contact_email="li@acme-oil.com")  # Alice is in Shanghai (UTC+8)
    sent = START.replace(day=2, hour=20)  # Wed 2 Dec 20:00 UTC: already Thu 3 Dec 04:00 in Shanghai
    view = app.deps.leads.log_touch_from(TEAM, _lead_id(app, 1), ALICE, "email", "x" * 5000, sent, EMAIL)
    assert str(view.next_follow_up_on) == "2026-12-10"  # 7 days from Thu 3 Dec, her day; not from Wed 2 Dec
    shown = app.deps.leads.find(TEAM, "1", with_touches=True)
    assert len(shown.touches[0].note) == 3000  # a long mail's note is cut to what a typed one may hold


def test_a_follow_up_written_in_the_caller_s_transaction_goes_with_it(app):
    lead(app, "Acme Oilfield", contact_email="li@acme-oil.com")
    policy = app.deps.policy(TEAM)
    with app.deps.db.uow() as uow:  # e.g. the mailbox pass, which fails before it records the mail as handled
        assert log_touch_in(uow.session, policy, TEAM, _lead_id(app, 1), ALICE, "email", "", START, EMAIL) is not None
        uow.session.rollback()
    assert app.deps.leads.find(TEAM, "1").touch_count == 0
    with app.deps.db.uow() as uow:
        log_touch_in(uow.session, policy, TEAM, _lead_id(app, 1), ALICE, "email", "", START, EMAIL)
        uow.commit()
    assert app.deps.leads.find(TEAM, "1").touch_count == 1
