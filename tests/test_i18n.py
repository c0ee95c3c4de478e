"""English and Simplified Chinese: complete catalogs, no text outside them, each rep in their own language."""

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.blocks.chart import CJK_FONTS
from bot.text.i18n import LANGUAGES, LOCALES, message_ids, placeholders
from sandbox.slack_api import validate_blocks, validate_view
from tests.conftest import ADMIN, ALICE, WANG
from tests.support import command, lead, open_new_lead_form, text_of, tick

ROOT = Path(__file__).resolve().parent.parent


def _catalog(folder: str):
    with (LOCALES / folder / "LC_MESSAGES" / "leadbot.po").open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def _forms(string) -> tuple[str, ...]:
    return string if isinstance(string, tuple) else (string,)


@pytest.mark.parametrize("folder", [folder for folder in LANGUAGES.values() if folder != "en"])
def test_every_message_exists_in_every_language_with_the_same_placeholders(folder):
    english, other = _catalog("en"), _catalog(folder)
    assert set(english) == set(other)
    for key, text in english.items():
        allowed = set().union(*(placeholders(form) for form in _forms(text)))
        for form in _forms(other[key]):
            assert form, key
            assert placeholders(form) <= allowed, key
        if not isinstance(key, tuple):
            assert placeholders(other[key]) == placeholders(text), key


def test_both_languages_are_offered_and_load():
    assert {"en", "zh"} <= set(LANGUAGES)
    assert message_ids("en") == message_ids("zh")


# Strings that reach no Slack user: HTTP headers, a file name.
NOT_USER_FACING = {
    "503 Service Unavailable", "400 Bad Request", "413 Payload Too Large", "wsgi.input", "Content-Type",
    "Content-Length", "leadbot-summary.png", "404 Not Found", "x-request-id",
} | {path for path, _ in CJK_FONTS}  # font files the chart looks for
WORDS = re.compile(r"[A-Za-z]{2,}[ ,.!?:;\u2014-]+ ?[A-Za-z]{2,}|[\u4e00-\u9fff]")
INTERNAL_CALLS = {"debug", "info", "warning", "error", "exception", "critical", "getLogger", "compile", "t", "tn"}
# Prometheus metrics' help texts are for whoever reads /metrics, not for reps.
INTERNAL_CALLS |= {"Counter", "Histogram", "Gauge", "GaugeMetricFamily", "CounterMetricFamily"}


def _user_visible_literals(path: Path) -> list[tuple[int, str]]:
    """String literals that read like words, outside docstrings, log lines, exceptions and catalog look-ups."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node) is not None:
            skip.add(id(node.body[0].value))
        if isinstance(node, ast.FunctionDef) and node.name == "__str__":
            skip.update(id(sub) for sub in ast.walk(node))  # operator output, e.g. `leadbot tick`'s report
        if isinstance(node, ast.Raise):
            skip.update(id(sub) for sub in ast.walk(node))  # an exception's message, whatever its class is named
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in INTERNAL_CALLS or name.endswith(("Error", "Exception")):
                skip.update(id(sub) for sub in ast.walk(node))
    keys = message_ids("en")
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
        and WORDS.search(node.value) and node.value not in keys and node.value not in NOT_USER_FACING
    ]


def test_no_user_facing_text_bypasses_the_catalog():
    files = [*(ROOT / "handlers").rglob("*.py"), *(ROOT / "scheduler").rglob("*.py")]
    files += [*(ROOT / "bot" / "blocks").rglob("*.py"), ROOT / "bot" / "text" / "formatting.py"]
    found = {str(p.relative_to(ROOT)): _user_visible_literals(p) for p in files}
    assert {path: hits for path, hits in found.items() if hits} == {}


def test_a_chinese_rep_gets_the_form_the_card_and_the_digest_in_chinese(app):
    form = open_new_lead_form(app, "新建 张三金属加工——要一份涂层方案", user=WANG)
    assert form["title"]["text"] == "新线索" or "线索" in form["title"]["text"]
    assert validate_view(form) == []
    company = next(b for b in form["blocks"] if b.get("block_id") == "company")["element"]["initial_value"]
    assert company == "张三金属加工"
    app.send.submit_view(WANG, form, {"source": "website", "situation": "boss_research", "claimed_potential": "24000"})
    card = app.slack.wait_for("chat.postEphemeral", where=lambda c: c.params.get("user") == WANG)[-1].params
    assert validate_blocks(card["blocks"], "message") == []
    text = text_of(card)
    assert "张三金属加工" in text and "2.4万" in text and "1.2万" in text and "12月3日 周四" in text
    tick(app, "2026-12-04T01:00:00+00:00")  # Friday 09:00 in Shanghai: quiet, so the digest carries the nudge
    digest = app.slack.dms_to(WANG)[-1]
    assert validate_blocks(digest["blocks"], "message") == []
    assert "12月4日 周五" in text_of(digest) and "跟进" in text_of(digest)


def test_an_english_rep_gets_english(app):
    lead(app, "Acme")
    tick(app, "2026-12-04T01:00:00+00:00")
    digest = text_of(app.slack.dms_to(ALICE)[-1])
    assert "Your leads for Fri 4 Dec" in digest and "跟进" not in digest


def test_chinese_subcommands_and_words(app):
    assert open_new_lead_form(app, "新建", user=WANG)["callback_id"] == "lead_new"
    lead(app, "Acme")
    assert "Acme" in command(app, "列表")
    answer = command(app, "跟进 1 电话 聊了预算")
    assert "Tue 8 Dec" in answer  # Alice reads English; the Chinese words still work
    assert "Call by <@UALICE01> — 聊了预算" in command(app, "查看 1")
    assert "closed as lost (chose a competitor)" in command(app, "丢单 1 竞品")


def test_choosing_chinese_in_settings_switches_the_replies(app):
    before = len(app.slack.calls("views.open"))
    app.send.command("settings", ALICE)
    view = app.slack.view(app.slack.wait_for("views.open", count=before + 1)[-1].response["view"]["id"])
    app.send.submit_view(ALICE, view, {"language": "zh"})
    assert "线索" in command(app, "help")


def test_the_team_summary_uses_the_team_language(app_with):
    app = app_with(LEADBOT_LANGUAGE="zh")
    lead(app, "Acme")
    command(app, "summary on", user=ADMIN)
    tick(app, "2026-12-07T09:00:00+00:00")
    summary = [m for m in app.slack.messages("C0GENERAL") if m.get("blocks")][-1]
    assert validate_blocks(summary["blocks"], "message") == []
    assert re.search(r"[\u4e00-\u9fff]", text_of(summary))


def test_every_surface_stays_within_slacks_limits_in_chinese():
    from dataclasses import replace
    from datetime import date, datetime, time, timezone
    from decimal import Decimal

    from bot.blocks import leads as lead_blocks
    from bot.blocks.followups import lost_modal, nudge_message
    from bot.blocks.settings import settings_modal
    from bot.services.lead_views import LeadView
    from bot.services.reps import RepView
    from bot.text.i18n import language
    from bot.worktime import WorkingHours
    from tests.conftest import make_settings

    now = datetime(2026, 12, 4, 1, tzinfo=timezone.utc)
    today = date(2026, 12, 4)
    lead_view = LeadView(
        number=12, company="张" * 200, contact_name="王" * 200, contact_role="总工", source="website",
        asked_for="要" * 3000, situation="boss_research", discovery_notes="", claimed_potential=Decimal("123456789"),
        realistic_potential=Decimal("61728394.5"), potential_factor=Decimal("0.5"), potential_unit="吨/年",
        owner_id="UWANG001", status="open", lost_reason=None, touch_count=2, next_follow_up_on=date(2026, 12, 1),
        last_touch_at=None, created_at=now,
    )
    rep = RepView(
        "UWANG001", "王芳", "Asia/Shanghai", "zh-CN", True, WorkingHours(frozenset({1, 2, 3, 4, 5}), time(9), time(18)),
        time(9),
    )
    team = make_settings("sqlite://", "http://127.0.0.1:1/api/")
    with language("zh"):
        for message in (
            lead_blocks.lead_card(lead_view, today),
            nudge_message([replace(lead_view, number=n) for n in range(1, 13)], now, now, "Asia/Shanghai", 3, 5),
            lead_blocks.help_message(),
        ):
            assert validate_blocks(message["blocks"], "message") == []
        for view in (
            lead_blocks.new_lead_modal(lead_blocks.NewLeadPrefill(company="张" * 200), "UWANG001", today, {}),
            lead_blocks.log_touch_modal(lead_view, today, {}),
            lost_modal(lead_view, {}),
            settings_modal(rep, team, {}),
        ):
            assert validate_view(view) == []
