"""Every sentence a user reads, from gettext catalogs (bot/text/locales/*/LC_MESSAGES/leadbot.po), by message id."""

from __future__ import annotations

import gettext
import io
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from string import Formatter
from typing import Iterator

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "leadbot"
# The one list of languages: the code a rep chooses (and LEADBOT_LANGUAGE, `leadbot sandbox --language`)
# and the catalog folder it reads. Everything that offers or checks a language derives from it; each
# catalog names its own language (`language.name`) and tag (`language.tag`), so a language is a .po + a line here.
LANGUAGES = {"en": "en", "zh": "zh_CN"}
DEFAULT_LANGUAGE = "en"
PLURAL_SUFFIX = " (plural)"

# The language of whoever is being answered right now: set per request and per scheduled message.
_current: ContextVar[str | None] = ContextVar("leadbot_language", default=None)
_default = [DEFAULT_LANGUAGE]


def set_default_language(lang: str) -> None:
    """The team default (LEADBOT_LANGUAGE), used when nobody's own language is known."""
    _default[0] = lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    return _current.get() or _default[0]


@contextmanager
def language(lang: str | None) -> Iterator[None]:
    """Speak `lang` inside the block (None keeps the team default)."""
    token = _current.set(lang if lang in LANGUAGES else None)
    try:
        yield
    finally:
        _current.reset(token)


def use_language(lang: str | None) -> None:
    """Speak `lang` for the rest of this request (a Bolt listener's whole run)."""
    _current.set(lang if lang in LANGUAGES else None)


def language_of_locale(locale: str | None) -> str | None:
    """Slack's `zh-CN` → "zh", `en-US` → "en"; None for a language we don't speak."""
    if not locale:
        return None
    code = locale.replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else None


def language_name(lang: str) -> str:
    """The language's name in itself ("English", "中文"), from its own catalog."""
    return t("language.name", lang)


def language_tag(lang: str) -> str:
    """The language's BCP 47 tag ("en-GB", "zh-CN"), from its own catalog."""
    return t("language.tag", lang)


def t(key: str, lang: str | None = None, **params: object) -> str:
    """The message `key` in `lang` (else the current language; English where a translation is missing)."""
    text = _translations(lang or current_language()).gettext(key)
    if text == key:
        text = _translations(DEFAULT_LANGUAGE).gettext(key)
        if text == key:
            raise KeyError(f"no message {key!r} in the catalog")
    return text.format(**params) if params else text


def tn(key: str, count: int | float, /, lang: str | None = None, **params: object) -> str:
    """A message with plural forms, chosen by `count` with the language's own plural rule.

    `{count}` shows `count` unless a `count=` parameter says how to write it (e.g. "1.5").
    """
    n = int(count) if count == int(count) else 2  # gettext plural rules take integers; 1.5 hours is plural
    text = _translations(lang or current_language()).ngettext(key, key + PLURAL_SUFFIX, n)
    if text in (key, key + PLURAL_SUFFIX):
        text = _translations(DEFAULT_LANGUAGE).ngettext(key, key + PLURAL_SUFFIX, n)
    return text.format(**{"count": count, **params})


def load_catalogs() -> None:
    """Read every catalog now, so a broken translation stops start-up instead of a reply."""
    for lang in LANGUAGES:
        _translations(lang)


def has_message(key: str) -> bool:
    return key in message_ids(DEFAULT_LANGUAGE)


@cache
def message_ids(lang: str) -> frozenset[str]:
    """Every message id in a language's catalog (plural entries by their singular id)."""
    catalog = _read_catalog(lang)
    return frozenset(m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id)


@cache
def _translations(lang: str) -> gettext.GNUTranslations:
    # Compiled in memory from the .po on first use: no build step, and no .mo file to go stale.
    buffer = io.BytesIO()
    write_mo(buffer, _read_catalog(lang))
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def _read_catalog(lang: str):
    folder = LANGUAGES.get(lang, LANGUAGES[DEFAULT_LANGUAGE])
    with (LOCALES / folder / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as handle:
        return read_po(handle, locale=folder)


def placeholders(template: str) -> set[str]:
    """The names a template expects, for the catalog consistency test."""
    return {name for _, name, _, _ in Formatter().parse(template) if name}
