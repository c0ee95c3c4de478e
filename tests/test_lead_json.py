"""The lead as the API answers it and webhooks carry it: the words integrations rely on."""

from bot.services.lead_json import API_LOST_REASONS, lead_with_follow_ups
from bot.services.leads import LOST_REASONS
from tests.conftest import TEAM
from tests.support import ALICE, capture, command


def test_every_stored_lost_reason_has_one_api_word():
    assert sorted(API_LOST_REASONS.values()) == sorted(LOST_REASONS)


def test_a_captured_lead_as_json(app):
    capture(app, "Acme Oilfield", claimed_potential="10000", potential_unit="USD")
    command(app, "log 1 call asked for a quote")
    lead = app.deps.leads.find(TEAM, "1", with_touches=True)
    shape = lead_with_follow_ups(lead)
    assert shape["number"] == 1 and shape["company"] == "Acme Oilfield" and shape["owner"] == ALICE
    assert shape["status"] == "open" and shape["touches"] == 1
    assert shape["claimed_potential"] == "10000.00" and shape["realistic_potential"] == "5000.00"
    assert shape["created_at"].endswith("+00:00")
    assert [(t["kind"], t["by"], t["source"]) for t in shape["follow_ups"]] == [("call", ALICE, "typed")]
