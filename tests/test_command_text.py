"""How `/lead` text is read: subcommands, quick capture, lead references and mentions."""

import pytest

from bot.text.lead_command import lead_number, mentioned_user, parse, split_quick_capture


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text_asks_for_help(text):
    assert parse(text).name == "help"


def test_unknown_subcommand_keeps_the_word_for_the_answer():
    command = parse("frobnicate 12")
    assert (command.name, command.typed) == ("unknown", "frobnicate")


def test_subcommands_are_case_insensitive_and_keep_their_arguments():
    command = parse("LOG 12 call   spoke to Li ")
    assert (command.name, command.args) == ("log", "12 call   spoke to Li")


@pytest.mark.parametrize(
    "args",
    [
        "Acme Oilfield Design Institute — wants a pipeline-coating proposal",
        "Acme Oilfield Design Institute -- wants a pipeline-coating proposal",
        "Acme Oilfield Design Institute - wants a pipeline-coating proposal",
        "Acme Oilfield Design Institute——wants a pipeline-coating proposal",
        "Acme Oilfield Design Institute：wants a pipeline-coating proposal",
    ],
)
def test_quick_capture_splits_company_from_request_on_every_dash(args):
    assert split_quick_capture(args) == ("Acme Oilfield Design Institute", "wants a pipeline-coating proposal")


def test_hyphenated_company_names_are_not_split():
    assert split_quick_capture("Rolls-Royce Marine") == ("Rolls-Royce Marine", "")


def test_only_the_first_dash_splits():
    assert split_quick_capture("Acme — wants a quote — urgent") == ("Acme", "wants a quote — urgent")


@pytest.mark.parametrize("ref,number", [("12", 12), ("#12", 12), (" 7 ", 7), ("3M", None), ("Acme", None)])
def test_lead_numbers_and_company_references(ref, number):
    assert lead_number(ref) == number


@pytest.mark.parametrize(
    "text,user",
    [
        ("<@UBOB0001|bob>", "UBOB0001"), ("<@UBOB0001>", "UBOB0001"), ("UBOB0001", "UBOB0001"), ("@bob", None),
        ("bob", None),
    ],
)
def test_mentions_resolve_to_user_ids(text, user):
    assert mentioned_user(text) == user
