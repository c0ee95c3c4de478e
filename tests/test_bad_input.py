"""Whatever a rep types, they get a short helpful answer and nothing breaks."""

import pytest

from sandbox.slack_api import validate_blocks
from tests.conftest import ALICE
from tests.support import capture, command, text_of, wait_ephemeral


@pytest.mark.parametrize("text", ["", "   ", "help"])
def test_empty_input_or_help_gets_the_help_text(app, text):
    answer = command(app, text)
    assert "/lead new" in answer


@pytest.mark.parametrize("text", ["frobnicate", "🦄🦄", "'; DROP TABLE leads; --"])
def test_unknown_input_gets_one_line_pointing_at_the_help(app, text):
    answer = command(app, text)
    assert "I don't know" in answer and "`/lead help` lists what I can do" in answer and "/lead new" not in answer


def test_unknown_subcommand_is_named_back_safely(app):
    assert "I don't know `&lt;!channel&gt;`" in command(app, "<!channel> hello")


@pytest.mark.parametrize("ref", ["999", "#42", "nonexistent company", "'; DROP TABLE leads; --"])
def test_an_unknown_lead_gets_a_pointer_to_the_list(app, ref):
    assert "can't find lead" in command(app, f"show {ref}")


def test_subcommands_without_a_lead_ask_which_one(app):
    for sub in ("show", "log", "snooze", "won", "lost", "assign"):
        assert "Which lead?" in command(app, sub)


def test_a_five_thousand_character_company_is_refused_politely(app):
    answer = command(app, "new " + "A" * 5000)
    assert "at most 200 characters" in answer and "5000" in answer
    assert len(app.slack.calls("views.open")) == 0


def test_assign_without_a_mention_explains_how(app):
    capture(app, "Acme")
    wait_ephemeral(app, ALICE)
    assert "Mention them with @" in command(app, "assign 1 maria")
    assert "Who should own it?" in command(app, "assign 1")


@pytest.mark.parametrize(
    "company",
    [
        "张三金属加工有限公司",
        "Ölfeld & Söhne <GmbH> \"quoted\" 'single'",
        "Robert'); DROP TABLE leads;--",
        "🛢️ Oil & Gas 🚀",
    ],
)
def test_stored_text_round_trips_exactly(app, company, db):
    notes = f"Notes for {company}\nline two with `code` and *stars*"
    capture(app, company, discovery_notes=notes, asked_for="x" * 3000)
    wait_ephemeral(app, ALICE)
    lead = app.deps.leads.find("T0001", "1")
    assert lead.company == company and lead.discovery_notes == notes and lead.asked_for == "x" * 3000
    card = command(app, "show 1")
    assert "#1" in card


def test_a_card_full_of_long_text_is_still_valid_block_kit(app):
    capture(app, "C" * 200, asked_for="要" * 3000, discovery_notes="<&>" * 1000, contact_name="n" * 200)
    card = wait_ephemeral(app, ALICE)
    assert validate_blocks(card["blocks"], "message") == []
    assert "#1" in text_of(card)
