"""`leadbot import-leads` and `leadbot export`: leads in from a spreadsheet, everything out, and back in again."""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass

import pytest

from bot.cli.main import main
from tests.conftest import ADMIN, ALICE, BOB, BOT_TOKEN
from tests.support import command, lead, nudges_to, text_of, tick

HEADER = (
    "company,contact,source,asked_for,owner,created_on,last_touch_on,touches,next_follow_up,situation,"
    "claimed_potential,status\n"
)


@dataclass
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture
def leadbot(app, monkeypatch, tmp_path, capsys):
    """Run `leadbot …` in this process against the test's database, fake Slack and clock."""
    monkeypatch.chdir(tmp_path)  # no developer's .env gets read
    for name in list(os.environ):
        if name.startswith(("SLACK_", "LEADBOT_")) or name in ("DATABASE_URL", "PORT"):
            monkeypatch.delenv(name)
    for name, value in {
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": app.slack.base_url, "DATABASE_URL": app.deps.db.url,
        "LEADBOT_ADMINS": ADMIN,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("bot.container.SystemClock", lambda: app.deps.clock)

    def run(*argv: str) -> Ran:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run


def _file(tmp_path, text: str, name: str = "leads.csv", bom: bool = False):
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return str(path)


def test_a_spreadsheet_with_a_byte_order_mark_and_owner_emails_imports(app, leadbot, tmp_path):
    path = _file(tmp_path, HEADER + (
        "Acme Oilfield,Li Wei,Website,pipeline coating proposal,alice@example.com,2026-11-20,,,,boss_research,12000,\n"
        "张三金属加工有限公司,张三,trade show,涂层方案,UBOB0001,2026-11-25,2026-11-27,1,2026-12-10,,,open\n"
    ), bom=True)
    ran = leadbot("import-leads", path)
    assert ran.code == 0, ran.err
    assert "imported 2 leads" in ran.out and "T0001" in ran.out
    listing = command(app, "list all")
    assert "#1 Acme Oilfield* · <@UALICE01>" in listing and "#2 张三金属加工有限公司* · <@UBOB0001>" in listing
    card = command(app, "show 1")
    assert "12,000" in card and "6,000" in card and "Website" in card and "research whether to buy" in card
    assert "Thu 10 Dec" in command(app, "show 2")


BAD_ROWS = [
    ("Beta Co,Li,website,x,UALICE01,31/10/2026,,,,,,",
     "line 3: created_on must be a date like 2026-03-31, got '31/10/2026'"),
    ("Beta Co,Li,fax,x,UALICE01,2026-10-31,,,,,,", "line 3: source must be one of website, marketing"),
    ("Beta Co,Li,website,x,nobody@example.com,2026-10-31,,,,,,",
     "line 3: no Slack user in this workspace has the email nobody@example.com"),
    ("ACME oilfield,Li,website,x,UALICE01,2026-10-31,,,,,,", "line 3: ACME oilfield is already open on line 2"),
    ("Beta Co,Li,website,x,UALICE01,2026-10-31,,,,,lots,", "line 3: claimed_potential must be a number"),
    ("Beta Co,Li,website,x,UALICE01,2027-01-31,,,,,,", "line 3: created_on 2027-01-31 is in the future"),
    ("Beta Co,Li,website,x,UALICE01,2026-10-31,2026-10-01,1,,,,", "line 3: last_touch_on 2026-10-01 must be between"),
]


def test_a_bad_row_stops_the_file_with_its_line_and_imports_nothing(app, leadbot, tmp_path):
    for row, why in BAD_ROWS:
        path = _file(
            tmp_path, HEADER + "Acme Oilfield,Li Wei,website,proposal,UALICE01,2026-11-20,,,,,,\n" + row + "\n"
        )
        ran = leadbot("import-leads", path)
        assert ran.code == 1 and why in ran.err and "Nothing was imported" in ran.err, (row, ran.err)
        assert "Traceback" not in ran.err
    assert "no open leads" in command(app, "list all")


def test_a_file_without_the_required_columns_is_refused_at_line_one(app, leadbot, tmp_path):
    ran = leadbot("import-leads", _file(tmp_path, "company,owner\nAcme,UALICE01\n"))
    assert ran.code == 1 and "line 1: missing columns contact, source, asked_for, created_on" in ran.err


def test_a_file_that_is_not_utf8_is_refused_in_words(app, leadbot, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "Müller GmbH,Hans,website,x,UALICE01,2026-11-20,,,,,,\n").encode("latin-1"))
    ran = leadbot("import-leads", str(path))
    assert ran.code == 1 and "not UTF-8" in ran.err and "Traceback" not in ran.err


def test_importing_the_same_file_again_adds_nothing(app, leadbot, tmp_path):
    path = _file(tmp_path, HEADER + (
        "Acme Oilfield,Li Wei,website,proposal,UALICE01,2026-11-20,,,,,,\n"
        "Beta Pipes,Wang,referral,valves,UBOB0001,2026-06-01,2026-07-01,3,,,,won\n"
    ))
    assert "imported 2 leads" in leadbot("import-leads", path).out
    again = leadbot("import-leads", path)
    assert again.code == 0 and "imported 0 leads" in again.out and "(2 already there)" in again.out
    assert "(1)" in command(app, "list all")  # the won lead is not open


def test_an_imported_lead_long_quiet_is_nudged_once_not_once_per_missed_step(app, leadbot, tmp_path):
    # Last touched 40 days before Tue 1 Dec, after two follow-ups: the next step (14 days) passed long ago.
    rows = "".join(
        f"{company},Li,website,proposal,UALICE01,2026-09-01,2026-10-22,2,,comparing,,\n"
        for company in ("Alpha Pipes", "Beta Pipes", "Gamma Pipes")
    )
    assert leadbot("import-leads", _file(tmp_path, HEADER + rows)).code == 0
    assert "Thu 5 Nov (overdue)" in command(app, "list all")
    report = tick(app, "2026-12-01T09:00:00+00:00")  # 17:00 in Shanghai: Alice is at work
    assert report.sent == 1
    nudge = text_of(nudges_to(app, ALICE)[0])
    assert "3 leads have gone quiet" in nudge and "40 days since the last contact" in nudge
    assert tick(app, "2026-12-01T09:30:00+00:00").claimed == 0
    assert len(nudges_to(app, ALICE)) == 1
    # The next morning's digest lists them again, but as the same silence: one nudge each, no burst.
    tick(app, "2026-12-02T01:00:00+00:00")
    assert [app.deps.leads.find("T0001", str(n)).nudges_unanswered for n in (1, 2, 3)] == [1, 1, 1]


def test_a_big_file_shows_progress(app, leadbot, tmp_path):
    rows = "".join(f"Company {n},Li,website,x,UALICE01,2026-11-20,,,,,,won\n" for n in range(1001))
    ran = leadbot("import-leads", _file(tmp_path, HEADER + rows))
    assert ran.code == 0 and "imported 1001 leads" in ran.out
    assert "importing 1001/1001 rows (100%)" in ran.err


def test_export_then_import_reproduces_the_leads(app, leadbot, tmp_path):
    lead(app, "Acme Oilfield", asked_for="pipeline coating, 12 km", claimed_potential="12000", potential_unit="m")
    lead(app, "Zhang Metalworks", user=BOB, situation="comparing")
    command(app, "log 1 call spoke to Li about the budget meeting")
    command(app, "won 2", user=BOB)
    first = leadbot("export", "--out", str(tmp_path / "t1"))
    assert first.code == 0, first.err
    for name in ("leads", "touches", "enquiries", "inbound_channels", "settings"):
        assert (tmp_path / "t1" / f"{name}.csv").exists()
    touches = list(csv.DictReader((tmp_path / "t1" / "touches.csv").open(encoding="utf-8-sig")))
    assert [(t["lead"], t["kind"], t["note"]) for t in touches] == [
        ("1", "call", "spoke to Li about the budget meeting")
    ]

    # Into another workspace: the same leads, numbers and all.
    moved = leadbot("import-leads", str(tmp_path / "t1" / "leads.csv"), "--team", "T0002")
    assert moved.code == 0 and "imported 2 leads" in moved.out, moved.err
    assert leadbot("export", "--team", "T0002", "--out", str(tmp_path / "t2")).code == 0
    exported = (tmp_path / "t1" / "leads.csv").read_text(encoding="utf-8-sig")
    assert (tmp_path / "t2" / "leads.csv").read_text(encoding="utf-8-sig") == exported
    assert "Acme Oilfield" in exported and "12000.00" in exported and ",won," in exported

    # Back into the workspace it came from: nothing new.
    again = leadbot("import-leads", str(tmp_path / "t1" / "leads.csv"))
    assert "imported 0 leads" in again.out and "(2 already there)" in again.out


def test_export_as_json_holds_the_team_rules_but_no_secrets(app, leadbot, tmp_path):
    lead(app, "Acme Oilfield")
    ran = leadbot("export", "--format", "json", "--out", str(tmp_path / "out"))
    assert ran.code == 0 and "leads.json (1 rows)" in ran.out
    leads = json.loads((tmp_path / "out" / "leads.json").read_text(encoding="utf-8"))
    assert leads[0]["company"] == "Acme Oilfield" and leads[0]["number"] == 1 and leads[0]["touches"] == 0
    settings = {s["setting"]: s["value"] for s in json.loads((tmp_path / "out" / "settings.json").read_text())}
    assert settings["LEADBOT_CADENCE"] == "2,7,14,30,60" and settings["LEADBOT_WORKDAYS"] == "mon,tue,wed,thu,fri"
    assert settings["LEADBOT_WORK_HOURS"] == "09:00-18:00" and settings["LEADBOT_ADMINS"] == ADMIN
    text = (tmp_path / "out" / "settings.json").read_text()
    assert BOT_TOKEN not in text and "DATABASE_URL" not in text


def test_export_needs_to_know_the_workspace(app, leadbot, monkeypatch):
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    ran = leadbot("export")
    assert ran.code == 2 and "SLACK_BOT_TOKEN" in ran.err and "Traceback" not in ran.err


def test_export_carries_orders_and_small_buyer_answers_and_orders_import_back(app, leadbot, tmp_path):
    for order in ("2,400 2026-01-10", "3,000 2026-04-02", "2,500 2026-07-10"):
        command(app, f"order Zhang Metalworks {order}")
    tick(app, "2026-12-01T09:00:00+00:00")
    question = [m for m in app.slack.dms_to(ALICE) if "They keep buying" in text_of(m)][0]
    button = next(e for b in question["blocks"] if b["type"] == "actions" for e in b["elements"])
    app.send.click(ALICE, question, "small_buyer_answer:price", value=button["value"].split(":")[0] + ":price")
    app.slack.wait_for("chat.update")
    assert leadbot("export", "--out", str(tmp_path / "t1")).code == 0
    orders = list(csv.DictReader((tmp_path / "t1" / "orders.csv").open(encoding="utf-8-sig")))
    assert [(o["company"], o["ordered_on"], o["amount"]) for o in orders] == [
        ("Zhang Metalworks", "2026-01-10", "2400.00"), ("Zhang Metalworks", "2026-04-02", "3000.00"),
        ("Zhang Metalworks", "2026-07-10", "2500.00"),
    ]
    answers = list(csv.DictReader((tmp_path / "t1" / "small_buyer_answers.csv").open(encoding="utf-8-sig")))
    assert [(a["company"], a["reason"], a["answered_by"]) for a in answers] == [("Zhang Metalworks", "price", ALICE)]
    moved = leadbot("import-orders", str(tmp_path / "t1" / "orders.csv"), "--team", "T0002")
    assert moved.code == 0 and "imported 3 orders for 1 accounts" in moved.out, moved.err
    again = leadbot("import-orders", str(tmp_path / "t1" / "orders.csv"), "--team", "T0002")
    assert "imported 0 orders" in again.out


def test_a_claimed_potential_written_1_2_wan_imports(app, leadbot, tmp_path):
    path = _file(tmp_path, HEADER + "张三金属,张三,website,涂层方案,UWANG001,2026-11-20,,,,,1.2万,\n")
    ran = leadbot("import-leads", path)
    assert ran.code == 0, ran.err
    assert "12,000" in command(app, "show 1")


def test_a_won_deals_value_goes_out_and_comes_back(app, leadbot, tmp_path):
    lead(app, "Acme")
    command(app, "won 1 1.2万")
    ran = leadbot("export", "--out", str(tmp_path / "out"))
    assert ran.code == 0, ran.err
    exported = (tmp_path / "out" / "leads.csv").read_text(encoding="utf-8-sig")
    assert "won_value,won_currency" in exported.splitlines()[0] and "12000.00,CNY" in exported
    other = _file(tmp_path, exported.replace("Acme", "Beta").replace(",1,", ",2,", 1), name="back.csv")
    assert leadbot("import-leads", other).code == 0
    assert "Won*\n¥12,000" in command(app, "show Beta")


# -- issue 14: the contact's email ------------------------------------------------------------------


def test_a_contact_email_column_imports_lower_cased_and_a_bad_one_names_its_line(app, leadbot, tmp_path):
    header = "company,contact,source,asked_for,owner,created_on,contact_email\n"
    bad = _file(tmp_path, header + (
        "Acme Oilfield,Li Wei,website,x,UALICE01,2026-11-20,Li.Wei@Acme-Oil.com\n"
        "Beta Co,Wang,website,x,UALICE01,2026-11-20,wang at beta\n"
    ), name="bad.csv")
    ran = leadbot("import-leads", bad)
    assert ran.code != 0 and "line 3: contact_email is not an email address, got 'wang at beta'" in ran.err
    several = _file(tmp_path, header + "Beta Co,Wang,website,x,UALICE01,2026-11-20,a@beta.com; b@beta.com\n",
                    name="several.csv")
    ran = leadbot("import-leads", several)
    assert ran.code != 0 and "line 2: contact_email holds several addresses; give one" in ran.err
    assert "Acme" not in command(app, "list all")  # nothing from a refused file
    good = _file(tmp_path, header + (
        "Acme Oilfield,Li Wei,website,x,UALICE01,2026-11-20,Li.Wei@Acme-Oil.com\n"
        "Beta Co,Wang,website,x,UALICE01,2026-11-20,\n"
    ), name="good.csv")
    ran = leadbot("import-leads", good)
    assert ran.code == 0 and "imported 2 leads" in ran.out, ran.err
    assert "li.wei@acme-oil.com" in command(app, "show 1")
    assert "mailto" not in command(app, "show 2")


def test_contact_emails_and_where_follow_ups_came_from_go_out_and_come_back(app, leadbot, tmp_path):
    lead(app, "Acme Oilfield", contact_email="li.wei@acme-oil.com")
    lead(app, "Zhang Metalworks", user=BOB)
    command(app, "log 1 call spoke to Li")
    assert leadbot("export", "--out", str(tmp_path / "t1")).code == 0
    leads = list(csv.DictReader((tmp_path / "t1" / "leads.csv").open(encoding="utf-8-sig")))
    assert [(row["company"], row["contact_email"]) for row in leads] == [
        ("Acme Oilfield", "li.wei@acme-oil.com"), ("Zhang Metalworks", "")
    ]
    touches = list(csv.DictReader((tmp_path / "t1" / "touches.csv").open(encoding="utf-8-sig")))
    assert [(t["kind"], t["source"]) for t in touches] == [("call", "typed")]
    moved = leadbot("import-leads", str(tmp_path / "t1" / "leads.csv"), "--team", "T0002")
    assert moved.code == 0, moved.err
    assert leadbot("export", "--team", "T0002", "--out", str(tmp_path / "t2")).code == 0
    exported = (tmp_path / "t1" / "leads.csv").read_text(encoding="utf-8-sig")
    assert (tmp_path / "t2" / "leads.csv").read_text(encoding="utf-8-sig") == exported


def test_a_leads_background_goes_out_and_comes_back(app, leadbot, tmp_path):
    lead(app, "Acme", discovery_notes="P: corrosion at the welds")
    opened = len(app.slack.calls("views.open"))
    card = app.slack.ephemerals(ALICE)[-1]
    app.send.click(ALICE, card, "lead_log_open", value="1", ephemeral=True)
    app.slack.wait_for("views.open", count=opened + 1)
    view = app.slack.open_views(ALICE)[-1]
    assert app.send.submit_view(ALICE, view, {"bg_need_payoff": "Two fewer shutdowns a year"}).status == 200
    app.settle()
    ran = leadbot("export", "--out", str(tmp_path / "out"))
    assert ran.code == 0, ran.err
    exported = (tmp_path / "out" / "leads.csv").read_text(encoding="utf-8-sig")
    assert "background_problem" in exported.splitlines()[0] and "Two fewer shutdowns a year" in exported
    other = _file(tmp_path, exported.replace("Acme", "Beta").replace(",1,", ",2,", 1), name="back.csv")
    assert leadbot("import-leads", other).code == 0
    card = command(app, "show Beta")
    assert "Background:* 2 of 4 known — situation and implication still open" in card
    assert "*Need-payoff:* Two fewer shutdowns a year" in card and "*Problem:* corrosion at the welds" in card
