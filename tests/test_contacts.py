"""Mail finds its lead: by the contact's exact address, or the company's own domain (never a free-mail one)."""

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.config import Settings, SettingsError
from bot.container import build_deps
from bot.errors import FormInvalid, NotAllowed
from bot.services.contacts import domain_of, is_free_mail, open_lead_for_addresses
from bot.services.leads import LeadDraft
from bot.store.models import CHANNEL, EMAIL, TYPED, Lead, Touch
from tests.conftest import ALICE, BOB, START, TEAM, make_settings

TODAY = START.date()  # Tuesday 1 December 2026
FREE = frozenset({"gmail.com", "163.com", "qq.com"})
DRAFT = LeadDraft(
    company="Acme Oilfield", contact_name="Li Ming", contact_role="buyer", source="website", asked_for="a quote",
    situation="wants_to_buy", discovery_notes="", claimed_potential=None, potential_unit="", owner_id=ALICE,
    first_follow_up_on=TODAY + timedelta(days=2),
)


@pytest.fixture
def deps(db, slack):
    return build_deps(make_settings(db.url, slack.base_url), db=db)


def _lead(deps, company: str, email: str | None, at=START, owner=ALICE):
    return deps.leads.capture(TEAM, replace(DRAFT, company=company, contact_email=email, owner_id=owner), owner, at)


def _match(deps, *addresses: str, team: str = TEAM) -> int | None:
    with deps.db.read() as uow:
        lead = open_lead_for_addresses(uow.session, team, addresses, FREE)
        return None if lead is None else lead.number


def _lead_id(deps, number: int) -> int:
    with deps.db.read() as uow:
        return uow.session.scalar(select(Lead.id).where(Lead.team_id == TEAM, Lead.number == number))


def test_domains_and_free_mail():
    assert domain_of("Li.Ming@Acme-Oil.COM") == "acme-oil.com"
    assert domain_of("no address") == ""
    assert is_free_mail("gmail.com", FREE) and is_free_mail("GMAIL.com", FREE)
    assert is_free_mail("vip.163.com", FREE)  # a provider's paid tier is still many unrelated people
    assert not is_free_mail("acme.com", FREE) and not is_free_mail("notgmail.com", FREE)


def test_an_address_finds_its_lead_exactly_or_by_the_company_domain(deps):
    acme = _lead(deps, "Acme Oilfield", "li.ming@acme-oil.com")
    assert _match(deps, "Li.Ming@ACME-oil.com") == acme.number  # case does not matter
    assert _match(deps, "wang@acme-oil.com") == acme.number  # a colleague at the same company
    assert _match(deps, "someone@other.com", "purchasing@acme-oil.com") == acme.number  # any of To/Cc
    assert _match(deps, "li.ming@acme-oil.co") is None
    assert _match(deps, "li.ming@sub.acme-oil.com") is None
    assert _match(deps, "li.ming@acme-oil.com", team="T0OTHER") is None
    assert _match(deps) is None


def test_a_free_mail_address_matches_only_that_contact(deps):
    gmail = _lead(deps, "Zhang Metalworks", "zhang.metal@gmail.com")
    qq = _lead(deps, "深圳华为", "12345@QQ.com")
    assert _match(deps, "zhang.metal@gmail.com") == gmail.number
    assert _match(deps, "12345@qq.com") == qq.number
    # Another gmail user is nobody's buyer, even though a lead's contact is on gmail too.
    assert _match(deps, "someone.else@gmail.com") is None
    assert _match(deps, "54321@qq.com") is None


def test_closed_leads_are_not_matched(deps):
    acme = _lead(deps, "Acme Oilfield", "li@acme.com")
    deps.leads.lose(TEAM, str(acme.number), ALICE, "competitor", "", START)
    assert _match(deps, "li@acme.com") is None


def test_several_matches_go_to_the_most_recently_active_lead(deps):
    older = _lead(deps, "Acme Oilfield", "li@acme.com", at=START)
    newer = _lead(deps, "Acme Coatings", "wang@acme.com", at=START + timedelta(hours=1))
    assert _match(deps, "zhao@acme.com") == newer.number  # no follow-ups yet: the newest
    deps.leads.log_touch(TEAM, str(older.number), ALICE, "call", "", START + timedelta(days=1), "UTC")
    assert _match(deps, "zhao@acme.com") == older.number  # the latest follow-up decides
    deps.leads.log_touch(TEAM, str(newer.number), ALICE, "call", "", START + timedelta(days=2), "UTC")
    assert _match(deps, "zhao@acme.com") == newer.number


def test_the_exact_address_beats_a_more_active_lead_of_the_same_domain(deps):
    li = _lead(deps, "Acme Oilfield", "li@acme.com")
    wang = _lead(deps, "Acme Coatings", "wang@acme.com", at=START + timedelta(hours=1))
    deps.leads.log_touch(TEAM, str(wang.number), ALICE, "call", "", START + timedelta(days=1), "UTC")
    assert _match(deps, "li@acme.com") == li.number
    assert _match(deps, "wang@acme.com") == wang.number


def test_a_contact_email_is_stored_lower_cased_with_its_domain(deps):
    form = deps.leads.capture(TEAM, replace(DRAFT, contact_email="li@acme.com"), ALICE, START)
    assert form.contact_email == "li@acme.com"
    with deps.db.read() as uow:
        row = uow.session.scalar(select(Lead).where(Lead.number == form.number))
        assert (row.contact_email, row.contact_domain) == ("li@acme.com", "acme.com")
    with pytest.raises(FormInvalid) as refused:
        deps.leads.capture(TEAM, replace(DRAFT, company="Other", contact_email="Li@Acme"), ALICE, START)
    assert refused.value.fields == {"contact_email": ("field.email_invalid", {})}


# -- follow-ups nobody typed -------------------------------------------------------------------------


def _touches(deps, number: int) -> list[tuple]:
    with deps.db.read() as uow:
        lead_id = uow.session.scalar(select(Lead.id).where(Lead.number == number))
        return [
            (t.kind, t.source, t.logged_by, t.logged_at)
            for t in uow.session.scalars(select(Touch).where(Touch.lead_id == lead_id).order_by(Touch.id))
        ]


def test_an_email_follow_up_counts_from_the_day_it_was_sent(deps):
    lead = _lead(deps, "Acme Oilfield", "li@acme.com")
    sent = START + timedelta(days=1)  # Wed 2 Dec
    read = START + timedelta(days=5)  # read from the mailbox on Sun 6 Dec
    view = deps.leads.log_touch_from(TEAM, _lead_id(deps, lead.number), ALICE, "email", "Quote", sent, EMAIL, read)
    assert view.touch_count == 1
    assert view.last_touch_at == sent
    # Second step (7 days) from Wed 2 Dec, the day it was sent — not from the Sunday it was read.
    assert view.next_follow_up_on == TODAY + timedelta(days=8)
    assert _touches(deps, lead.number) == [("email", EMAIL, ALICE, sent)]
    shown = deps.leads.find(TEAM, str(lead.number), with_touches=True)
    assert [(t.source, t.logged_at) for t in shown.touches] == [(EMAIL, sent)]


def test_log_touch_takes_the_time_of_the_follow_up_and_its_source(deps):
    lead = _lead(deps, "Acme Oilfield", "li@acme.com")
    at = START + timedelta(days=1)
    view = deps.leads.log_touch(
        TEAM, str(lead.number), ALICE, "message", "in #acme", START + timedelta(days=3), "UTC", source=CHANNEL, at=at
    )
    assert view.last_touch_at == at and view.next_follow_up_on == TODAY + timedelta(days=8)
    typed = deps.leads.log_touch(TEAM, str(lead.number), ALICE, "call", "", START + timedelta(days=3), "UTC")
    assert [s for _k, s, _u, _a in _touches(deps, lead.number)] == [CHANNEL, TYPED]
    assert typed.last_touch_at == START + timedelta(days=3)


def test_an_email_read_late_does_not_undo_a_later_follow_up(deps):
    lead = _lead(deps, "Acme Oilfield", "li@acme.com")
    called = START + timedelta(days=3)  # Fri 4 Dec: a call, typed
    deps.leads.log_touch(TEAM, str(lead.number), ALICE, "call", "", called, "UTC")
    before = deps.leads.find(TEAM, str(lead.number))
    sent = START + timedelta(days=1)  # an email of Wed 2 Dec, read only now
    view = deps.leads.log_touch_from(TEAM, _lead_id(deps, lead.number), ALICE, "email", "", sent, EMAIL, called)
    assert view.touch_count == 2
    assert view.last_touch_at == called and view.next_follow_up_on == before.next_follow_up_on
    shown = deps.leads.find(TEAM, str(lead.number), with_touches=True)
    assert [t.kind for t in shown.touches] == ["email", "call"]  # the timeline is in the order they happened


def test_a_mail_dated_ahead_of_our_clock_counts_as_now(deps):
    lead = _lead(deps, "Acme Oilfield", "li@acme.com")
    now = START + timedelta(days=1)
    view = deps.leads.log_touch_from(
        TEAM, _lead_id(deps, lead.number), ALICE, "email", "", now + timedelta(days=2), EMAIL, now
    )
    assert view.last_touch_at == now


def test_a_colleague_s_email_counts_though_only_the_owner_may_type_one(deps):
    lead = _lead(deps, "Acme Oilfield", "li@acme.com")
    with pytest.raises(NotAllowed):
        deps.leads.log_touch(TEAM, str(lead.number), BOB, "email", "", START, "UTC")
    view = deps.leads.log_touch_from(TEAM, _lead_id(deps, lead.number), BOB, "email", "", START, EMAIL)
    assert view.touch_count == 1 and _touches(deps, lead.number)[0][2] == BOB


def test_a_follow_up_on_a_lead_closed_meanwhile_is_not_logged(deps):
    lead = _lead(deps, "Acme Oilfield", "li@acme.com")
    lead_id = _lead_id(deps, lead.number)
    deps.leads.win(TEAM, str(lead.number), ALICE, START)
    assert deps.leads.log_touch_from(TEAM, lead_id, ALICE, "email", "", START, EMAIL) is None
    assert deps.leads.log_touch_from(TEAM, 999_999, ALICE, "email", "", START, EMAIL) is None
    assert _touches(deps, lead.number) == []
    with pytest.raises(ValueError):
        deps.leads.log_touch_from(TEAM, lead_id, ALICE, "email", "", START, TYPED)


def test_free_mail_domains_are_a_setting_checked_at_start():
    assert "qq.com" in Settings.from_env({}).free_mail_domains
    assert "yeah.net" in Settings.from_env({}).free_mail_domains
    own = Settings.from_env({"LEADBOT_FREE_MAIL_DOMAINS": " Gmail.com, @mail.ru ,"}).free_mail_domains
    assert own == frozenset({"gmail.com", "mail.ru"})
    with pytest.raises(SettingsError, match="LEADBOT_FREE_MAIL_DOMAINS.*'gmail'"):
        Settings.from_env({"LEADBOT_FREE_MAIL_DOMAINS": "gmail, qq.com"})


def test_mail_sent_before_the_lead_was_captured_is_not_a_follow_up_on_it(deps):
    lead = _lead(deps, "Acme Oilfield", "li@acme.com", at=START)
    lead_id = _lead_id(deps, lead.number)
    assert deps.leads.log_touch_from(TEAM, lead_id, ALICE, "email", "", START - timedelta(hours=1), EMAIL) is None
    assert deps.leads.find(TEAM, str(lead.number)).next_follow_up_on == TODAY + timedelta(days=2)  # as captured
    assert deps.leads.log_touch_from(TEAM, lead_id, ALICE, "email", "", START, EMAIL).touch_count == 1
