"""The message catalog: every key code asks for exists, so no user sees a KeyError."""

import re
from pathlib import Path

from bot.services.webhooks import EVENTS
from bot.text.i18n import message_ids, t

ROOT = Path(__file__).resolve().parent.parent
KEY_CALL = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z_]+)["']""")
KEY_ARG = re.compile(r"""["']((?:error|field|lead|list|help|form|modal)\.[a-z_]+)["']""")


def _used_keys() -> set[str]:
    keys = set()
    for folder in ("bot", "handlers", "scheduler"):
        for path in (ROOT / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            keys |= set(KEY_CALL.findall(source)) | set(KEY_ARG.findall(source))
    return keys - {"form.invalid"} - set(EVENTS)  # webhook event names (lead.created…) read like keys


def test_every_key_used_in_code_is_in_the_catalog():
    assert sorted(_used_keys() - message_ids("en")) == []


def test_each_situation_has_questions_to_ask():
    for situation in ("boss_research", "wants_to_buy", "comparing", "trial", "unknown"):
        assert len(t(f"ask.{situation}").split("\n")) >= 2
