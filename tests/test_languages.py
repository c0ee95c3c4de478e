"""One list of languages, in bot/text/i18n.py: whatever offers or checks a language derives from it.

Adding a language is a .po file and one line in LANGUAGES; these tests fail when a place keeps its own list.
"""

from __future__ import annotations

import ast
import re
from datetime import time
from pathlib import Path

import pytest

from bot.blocks.settings import settings_modal
from bot.cli.main import build_parser
from bot.config import Settings, SettingsError
from bot.services.reps import RepView
from bot.text.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    LOCALES,
    language_name,
    language_of_locale,
    language_tag,
    message_ids,
)
from bot.worktime import WorkingHours
from sandbox.page import Page

ROOT = Path(__file__).resolve().parent.parent
WEEKDAYS_9_TO_6 = WorkingHours(frozenset({1, 2, 3, 4, 5}), time(9), time(18))
REP = RepView("UALICE01", "Alice", "UTC", None, True, WEEKDAYS_9_TO_6, time(9))


@pytest.fixture
def one_more_language(monkeypatch):
    """What adding a language does to the code: one more entry in LANGUAGES (here reading the English catalog)."""
    monkeypatch.setitem(LANGUAGES, "xx", "en")
    return "xx"


def _language_options(lang: str | None = None) -> list[tuple[str, str]]:
    view = settings_modal(REP, None, {}, lang)
    block = next(b for b in view["blocks"] if b.get("block_id") == "language")
    return [(o["value"], o["text"]["text"]) for o in block["element"]["options"]]


def _sandbox_language_choices() -> list[str]:
    commands = next(a for a in build_parser()._actions if a.dest == "command")
    return list(next(a for a in commands.choices["sandbox"]._actions if a.dest == "language").choices)


def test_every_language_has_a_complete_catalog_that_names_itself():
    names = set()
    for code, folder in LANGUAGES.items():
        assert (LOCALES / folder / "LC_MESSAGES" / "leadbot.po").is_file(), code
        assert message_ids(code) == message_ids(DEFAULT_LANGUAGE), code
        names.add(language_name(code))
        assert language_of_locale(language_tag(code)) == code, code  # the tag starts with the code
    assert len(names) == len(LANGUAGES)  # a copied catalog still calling itself "English" is caught


def test_the_settings_form_offers_exactly_the_catalogs_languages_each_in_itself():
    for reader in LANGUAGES:
        assert _language_options(reader) == [(code, language_name(code)) for code in LANGUAGES]
    assert dict(_language_options())["zh"] == "中文" and dict(_language_options("zh"))["en"] == "English"


def test_the_sandbox_language_choices_are_the_catalogs():
    assert _sandbox_language_choices() == list(LANGUAGES)


def test_the_team_language_setting_accepts_exactly_the_catalogs_languages():
    for code in LANGUAGES:
        assert Settings.from_env({"LEADBOT_LANGUAGE": code}).language == code
    with pytest.raises(SettingsError, match="LEADBOT_LANGUAGE must be en or zh"):
        Settings.from_env({"LEADBOT_LANGUAGE": "fr"})


def test_one_line_in_languages_reaches_every_place_that_offers_or_checks_one(one_more_language):
    code = one_more_language
    assert (code, language_name(code)) in _language_options()
    assert code in _sandbox_language_choices()
    assert build_parser().parse_args(["sandbox", "--language", code]).language == code
    assert Settings.from_env({"LEADBOT_LANGUAGE": code}).language == code
    assert language_of_locale(f"{code}-YY") == code
    assert Page(workspace=None, language=code).language == code


def _codes_in(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and n.value in LANGUAGES}


def test_no_module_keeps_its_own_list_of_languages():
    """A tuple, list, set or dict naming two or more language codes, anywhere but bot/text/i18n.py."""
    found = []
    for folder in ("bot", "handlers", "scheduler", "sandbox"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == ROOT / "bot" / "text" / "i18n.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)) and len(_codes_in(node)) >= 2:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_the_sandbox_page_takes_its_language_and_locale_from_the_server():
    script = (ROOT / "sandbox" / "static" / "app.js").read_text(encoding="utf-8")
    named = {
        code for code in LANGUAGES
        if code != DEFAULT_LANGUAGE and re.search(rf"""["']{code}(-[A-Za-z]+)?["']""", script)
    }
    assert named == set()
