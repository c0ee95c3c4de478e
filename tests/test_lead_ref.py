"""Which lead a rep means: a number, or an unambiguous piece of a company's name, their own leads first."""

import pytest

from bot.text.lead_ref import PICK_LIST, Ambiguous, Candidate, Found, NotFound, resolve_lead

ALICE, BOB, CAROL, WANG, ADMIN = "UALICE01", "UBOB0001", "UCAROL01", "UWANG001", "UADMIN01"
LEADS = [
    Candidate(1, "Gulf Drilling Services LLC", ALICE),
    Candidate(2, "Lakeside Packaging Inc.", BOB),
    Candidate(3, "Acme", ALICE),
    Candidate(4, "Acme Tools", BOB),
    Candidate(5, "华为技术有限公司", WANG),
    Candidate(6, "Lakeside Foods", ALICE),
    Candidate(7, "深圳华强电子", WANG),
    Candidate(8, "Ｂｌｕｅ Ｒｉｖｅｒ Ｃｏ., Ｌｔｄ.", CAROL),
    Candidate(9, "Zhang Metalworks Co., Ltd.", BOB),
    Candidate(10, "Acme Oilfield Coatings", CAROL),
    Candidate(11, "Northwind", None),  # its owner left
]
BY_NUMBER = {lead.number: lead for lead in LEADS}


def _found(number: int) -> Found:
    return Found(BY_NUMBER[number])


def _ambiguous(*numbers: int) -> Ambiguous:
    return Ambiguous(tuple(BY_NUMBER[n] for n in numbers))


@pytest.mark.parametrize(
    "ref,user,expected",
    [
        # numbers
        ("3", ADMIN, _found(3)), ("#3", ADMIN, _found(3)), (" 10 ", ADMIN, _found(10)), ("12", ADMIN, NotFound()),
        # the start of a name
        ("gulf", ADMIN, _found(1)), ("Gulf", BOB, _found(1)), ("GULF DRILL", ADMIN, _found(1)),
        # two Lakesides: each owner gets their own, anyone else picks
        ("lakeside", BOB, _found(2)), ("lakeside", ALICE, _found(6)), ("lakeside", CAROL, _ambiguous(2, 6)),
        ("lakeside pack", ALICE, _found(2)),
        # the whole name, legal form and all, beats anyone's own partial match
        ("Lakeside Packaging Inc.", ALICE, _found(2)), ("lakeside packaging", ALICE, _found(2)),
        ("LAKESIDE PACKAGING, INC", CAROL, _found(2)),
        # Acme and Acme Tools: "acme" is exactly Acme; a piece of both is ambiguous unless one is yours
        ("acme", BOB, _found(3)), ("Acme", ADMIN, _found(3)), ("acme t", ADMIN, _found(4)),
        ("acm", ADMIN, _ambiguous(3, 4, 10)), ("acm", BOB, _found(4)), ("acm", CAROL, _found(10)),
        ("ＡＣＭＥ ＴＯＯＬＳ", ADMIN, _found(4)),
        # words inside the name, in order
        ("packaging", ADMIN, _found(2)), ("coatings", ADMIN, _found(10)), ("oilfield coat", ADMIN, _found(10)),
        ("drilling services", ADMIN, _found(1)), ("services drilling", ADMIN, NotFound()),
        # width and legal forms folded
        ("blue river", ADMIN, _found(8)), ("Blue River Co Ltd", ADMIN, _found(8)), ("ｂｌｕｅ", ADMIN, _found(8)),
        ("zhang metalworks co., ltd", ADMIN, _found(9)), ("zhang", ADMIN, _found(9)),
        # Chinese: a two-character prefix, or any two-character part
        ("华为", ADMIN, _found(5)), ("华为技术", BOB, _found(5)), ("华为技术有限公司", ADMIN, _found(5)),
        ("深圳", ADMIN, _found(7)), ("华强", ADMIN, _found(7)), ("华", ADMIN, NotFound()),
        # an unowned lead is found like any other
        ("north", ALICE, _found(11)),
        # nothing
        ("", ADMIN, NotFound()), ("a", ADMIN, NotFound()), ("xyz", ADMIN, NotFound()), ("小米", ADMIN, NotFound()),
        ("gulfstream", ADMIN, NotFound()),
    ],
)
def test_resolve_a_reference(ref, user, expected):
    assert resolve_lead(ref, LEADS, user) == expected


def test_a_long_pick_list_is_cut_short_and_says_how_many_more():
    many = [Candidate(n, f"Delta {n}", BOB) for n in range(20, 20 + PICK_LIST + 2)] + [Candidate(40, "Delta X", ALICE)]
    result = resolve_lead("delta", many, CAROL)
    assert isinstance(result, Ambiguous)
    assert [c.number for c in result.choices] == list(range(20, 20 + PICK_LIST)) and result.more == 3
    # The rep's own comes first in the list when there is no single one of theirs to take.
    mine = resolve_lead("delta", many + [Candidate(41, "Delta Y", ALICE)], ALICE)
    assert [c.number for c in mine.choices] == [40, 41] and mine.more == 0


def test_without_a_user_nothing_is_preferred():
    assert resolve_lead("lakeside", LEADS) == _ambiguous(2, 6)
