"""Every rule is kept by the service that changes the data: called directly, with no Slack request, it still refuses."""

import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from bot.container import build_deps
from bot.errors import FormInvalid, LeadbotError, NotAllowed
from bot.services.leads import LeadDraft, NewLeadForm
from bot.services.orders import OrderInput
from bot.text.company_names import COMPANY_MAX
from tests.conftest import ADMIN, ALICE, BOB, GENERAL, START, TEAM, make_settings

TODAY = START.date()
DRAFT = LeadDraft(
    company="Acme Oilfield", contact_name="Li Ming", contact_role="buyer", source="website", asked_for="a quote",
    situation="wants_to_buy", discovery_notes="", claimed_potential=None, potential_unit="", owner_id=ALICE,
    first_follow_up_on=TODAY + timedelta(days=2),
)


@pytest.fixture
def deps(db, slack):
    """The services as `leadbot serve` wires them, on the test's database; no Slack request reaches them."""
    return build_deps(make_settings(db.url, slack.base_url), db=db)


def _refused(key: str):
    """Expect a domain error with this catalog key: the sentence users read."""
    return pytest.raises(LeadbotError, match=rf"^{re.escape(key)}$")


def _edit_form(draft: LeadDraft, next_on) -> NewLeadForm:
    return NewLeadForm(
        company=draft.company, contact_name=draft.contact_name, contact_role=draft.contact_role, source=draft.source,
        asked_for=draft.asked_for, situation=draft.situation, discovery_notes=draft.discovery_notes,
        claimed_potential=None, potential_unit=draft.potential_unit, owner_id=draft.owner_id,
        first_follow_up=next_on.isoformat(),
    )


# -- team settings and the summary ---------------------------------------------------------------


def test_team_settings_from_a_non_admin_are_refused(deps):
    with _refused("settings.admins_only"):
        deps.team_settings.save(TEAM, {"cadence": "3,10"}, ALICE, START)
    assert deps.team_settings.saved(TEAM).values == {}
    deps.team_settings.save(TEAM, {"cadence": "3,10"}, ADMIN, START)
    assert deps.team_settings.saved(TEAM).values == {"cadence": "3,10"}


def test_only_an_admin_may_change_how_often_the_summary_comes(deps):
    with _refused("summary.admins_only"):
        deps.team_settings.set_summary_schedule(TEAM, "daily", ALICE, START)
    assert deps.config(TEAM).summary_schedule == "weekly"
    deps.team_settings.set_summary_schedule(TEAM, "daily", ADMIN, START)
    assert deps.team_settings.saved(TEAM).values == {"summary_schedule": "daily"}


def test_a_summary_cannot_go_to_a_direct_message(deps):
    with _refused("summary.not_in_dm"):
        deps.teams.set_summary_channel(TEAM, "DALICE01", ALICE, START)
    assert deps.teams.summary_channel(TEAM) == (None, None)


def test_only_an_admin_sees_the_team_on_home(deps):
    deps.leads.capture(TEAM, DRAFT, ALICE, START)
    assert deps.home.data(TEAM, ALICE, TODAY, "UTC", START).team is None
    assert [line.user_id for line in deps.home.data(TEAM, ADMIN, TODAY, "UTC", START).team] == [ALICE]


# -- inbound channels ------------------------------------------------------------------------------


def test_a_direct_message_cannot_become_an_inbound_channel(deps):
    with _refused("inbound.only_channels"):
        deps.inbound.set_enabled(TEAM, "DALICE01", True, ALICE, START)
    assert not deps.inbound.channel(TEAM, "DALICE01").enabled


def test_round_robin_needs_an_inbound_channel_first(deps):
    with _refused("inbound.needs_inbound"):
        deps.inbound.set_round_robin(TEAM, GENERAL, True, ALICE, START)
    deps.inbound.set_enabled(TEAM, GENERAL, True, ALICE, START)
    assert deps.inbound.set_round_robin(TEAM, GENERAL, True, ALICE, START).round_robin


# -- leads -----------------------------------------------------------------------------------------


def test_only_the_owner_or_an_admin_may_open_a_lead_for_changing(deps):
    number = str(deps.leads.capture(TEAM, DRAFT, ALICE, START).number)
    with pytest.raises(NotAllowed):
        deps.leads.editable(TEAM, number, BOB)
    assert deps.leads.editable(TEAM, number, ADMIN).owner_id == ALICE
    deps.leads.win(TEAM, number, ALICE, START)
    with _refused("error.closed"):
        deps.leads.editable(TEAM, number, ALICE)


def test_a_captured_lead_must_name_its_company_and_follow_up_from_today_on(deps):
    bad = replace(DRAFT, company="", first_follow_up_on=TODAY - timedelta(days=1), claimed_potential=Decimal("-5"))
    with pytest.raises(FormInvalid) as refused:
        deps.leads.capture(TEAM, bad, ALICE, START)
    assert refused.value.fields == {
        "company": ("field.company_required", {}),
        "first_follow_up": ("field.date_past", {}),
        "claimed_potential": ("field.potential_negative", {}),
    }
    assert deps.leads.list_open(TEAM).total == 0


def test_an_overdue_lead_may_keep_its_date_but_not_move_to_another_past_one(deps):
    lead = deps.leads.capture(TEAM, DRAFT, ALICE, START)
    later = START + timedelta(days=5)  # the follow-up date is three days overdue by now
    kept = deps.leads.update_details(
        TEAM, str(lead.number), ALICE, _edit_form(DRAFT, lead.next_follow_up_on), later, "UTC"
    )
    assert kept.next_follow_up_on == lead.next_follow_up_on
    with pytest.raises(FormInvalid) as refused:
        deps.leads.update_details(
            TEAM, str(lead.number), ALICE, _edit_form(DRAFT, TODAY + timedelta(days=3)), later, "UTC"
        )
    assert refused.value.fields == {"first_follow_up": ("field.date_past", {})}


def test_a_follow_up_of_an_unknown_kind_or_with_a_past_next_date_is_refused(deps):
    number = str(deps.leads.capture(TEAM, DRAFT, ALICE, START).number)
    with pytest.raises(FormInvalid) as refused:
        deps.leads.log_touch(TEAM, number, ALICE, "dance", "", START, "UTC", next_on=TODAY - timedelta(days=1))
    assert refused.value.fields == {"kind": ("field.required", {}), "next_follow_up": ("field.date_past", {})}
    assert deps.leads.find(TEAM, number).touch_count == 0


def test_only_the_owner_or_an_admin_may_reopen_a_won_lead_and_only_within_30_days(deps):
    number = str(deps.leads.capture(TEAM, DRAFT, ALICE, START).number)
    with _refused("error.reopen_not_won"):
        deps.leads.reopen(TEAM, number, ALICE, START, "UTC")
    deps.leads.win(TEAM, number, ALICE, START, value="1.2万", currency="CNY")
    with pytest.raises(NotAllowed):
        deps.leads.reopen(TEAM, number, BOB, START, "UTC")
    with _refused("error.reopen_too_late"):
        deps.leads.reopen(TEAM, number, ALICE, START + timedelta(days=31), "UTC")
    reopened = deps.leads.reopen(TEAM, number, ADMIN, START + timedelta(days=30), "UTC")
    assert reopened.status == "open" and reopened.won_value is None and reopened.next_follow_up_on is not None


def test_a_won_value_must_be_an_amount(deps):
    number = str(deps.leads.capture(TEAM, DRAFT, ALICE, START).number)
    with pytest.raises(FormInvalid) as refused:
        deps.leads.win(TEAM, number, ALICE, START, value="a lot", currency="CNY")
    assert refused.value.fields == {"won_value": ("field.won_value_not_amount", {})}
    won = deps.leads.win(TEAM, number, ALICE, START, value="$2.4k", currency="CNY")
    assert (won.status, won.won_value, won.won_currency) == ("won", Decimal("2400.00"), "USD")


def test_buyer_said_later_is_a_follow_up_and_a_refused_close_keeps_its_note(deps):
    number = str(deps.leads.capture(TEAM, DRAFT, ALICE, START).number)
    with _refused("field.date_past"):
        deps.leads.buyer_said_later(TEAM, number, ALICE, TODAY - timedelta(days=1), START, "UTC")
    later = deps.leads.buyer_said_later(TEAM, number, ALICE, TODAY + timedelta(days=14), START, "UTC")
    day = TODAY + timedelta(days=14)
    assert (later.touch_count, later.next_follow_up_on, later.buyer_date) == (1, day, day)
    with pytest.raises(LeadbotError):
        deps.leads.lose(TEAM, number, ALICE, "went_silent", "never answered", START)
    assert "2026-12-01: never answered" in deps.leads.find(TEAM, number).discovery_notes


def test_the_date_the_buyer_named_is_the_next_follow_up_unless_the_rep_chose_another(deps):
    number = str(deps.leads.capture(TEAM, DRAFT, ALICE, START).number)
    lead = deps.leads.log_touch(TEAM, number, ALICE, "call", "", START, "UTC", buyer_said="Decision on 14 Dec")
    assert (lead.next_follow_up_on, lead.buyer_date) == (TODAY.replace(day=14), TODAY.replace(day=14))
    chosen = TODAY.replace(day=10)
    lead = deps.leads.log_touch(TEAM, number, ALICE, "call", "", START, "UTC", buyer_said="14 Dec", next_on=chosen)
    assert lead.next_follow_up_on == chosen


# -- orders ----------------------------------------------------------------------------------------


def test_an_order_dated_after_today_is_refused(deps):
    tomorrow = OrderInput("Zhang Metalworks", Decimal("2400"), "CNY", TODAY + timedelta(days=1))
    with _refused("error.order_future"):
        deps.orders.record(TEAM, tomorrow, ALICE, START, "UTC")
    assert deps.small_buyers.account(TEAM, "Zhang Metalworks", TODAY) is None


def test_an_order_for_a_company_name_too_long_for_an_account_is_refused(deps):
    with _refused("error.company_too_long"):
        deps.orders.record(
            TEAM, OrderInput("Z" * (COMPANY_MAX + 1), Decimal("2400"), "CNY", TODAY), ALICE, START, "UTC"
        )


def test_an_order_above_the_ceiling_in_the_team_currency_is_big(deps):
    def big(amount: str, currency: str) -> bool:
        return deps.orders.record(
            TEAM, OrderInput("Zhang Metalworks", Decimal(amount), currency, TODAY), ALICE, START
        ).big

    assert big("20000", "CNY")
    assert not big("10000", "CNY")
    assert not big("20000", "USD")  # other currencies are left out of the small-order rule


# -- a rep's own settings --------------------------------------------------------------------------


def test_own_settings_without_a_workday_or_with_hours_ending_before_they_start_are_refused(deps):
    with pytest.raises(FormInvalid) as refused:
        deps.directory.save_own_settings(
            TEAM,
            ALICE,
            START,
            digest_time="09:00",
            workdays="",
            work_hours="18:00-09:00",
            language=None,
            snooze_days=None,
        )
    assert set(refused.value.fields) == {"workdays", "work_end"}
    assert deps.directory.rep(TEAM, ALICE, START).hours.start.hour == 9  # still the team's hours


def test_only_an_admin_may_turn_the_summary_on_or_off_or_move_it(deps):
    with _refused("summary.channel_admins_only"):
        deps.teams.set_summary_channel(TEAM, GENERAL, ALICE, START)
    assert deps.teams.summary_channel(TEAM) == (None, None)
    deps.teams.set_summary_channel(TEAM, GENERAL, ADMIN, START)
    with _refused("summary.channel_admins_only"):
        deps.teams.set_summary_channel(TEAM, None, ALICE, START)
    with _refused("summary.channel_admins_only"):
        deps.teams.set_summary_channel(TEAM, "C0RANDOM", ALICE, START)
    assert deps.teams.summary_channel(TEAM) == (GENERAL, ADMIN)


def test_a_team_change_is_addressed_to_the_manager_unless_they_made_it(db, slack):
    deps = build_deps(make_settings(db.url, slack.base_url, LEADBOT_MANAGER=BOB), db=db)
    change = deps.teams.set_summary_channel(TEAM, GENERAL, ADMIN, START)
    assert (change.actor, change.what, change.channel, change.tell) == (ADMIN, "summary_on", GENERAL, BOB)
    assert deps.team_settings.set_summary_schedule(TEAM, "daily", ADMIN, START).tell == BOB
    rules = deps.team_settings.save(TEAM, {"cadence": "3,10", "summary_schedule": "daily"}, ADMIN, START)
    assert rules.what == "rules" and rules.fields == ("cadence",)
    assert deps.team_settings.save(TEAM, {"cadence": "3,10", "summary_schedule": "daily"}, ADMIN, START) is None
    himself = build_deps(make_settings(db.url, slack.base_url, LEADBOT_MANAGER=ADMIN), db=db)
    assert himself.teams.set_summary_channel(TEAM, None, ADMIN, START).tell is None
