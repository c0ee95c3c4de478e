""""Did you mean …?" for unknown `/lead` sub-commands: typos and near words, English and Chinese."""

import pytest

from bot.text.i18n import t
from bot.text.lead_command import ALIASES, SUBCOMMANDS, parse
from bot.text.suggest import Suggestion, suggest_subcommand

MEANT = {
    # typos of the English sub-commands
    "lsit": ("list", "list"), "shwo": ("show", "show"), "lgo": ("log", "log"), "snoze": ("snooze", "snooze"),
    "snooz": ("snooze", "snooze"), "wno": ("won", "won"), "lsot": ("lost", "lost"), "asign": ("assign", "assign"),
    "ordr": ("order", "order"), "summery": ("summary", "summary"), "setting": ("settings", "settings"),
    "inbond": ("inbound", "inbound"), "hlep": ("help", "help"), "nwe": ("new", "new"), "LSIT": ("list", "list"),
    "ｌｓｉｔ": ("list", "list"), "list12": ("list", "list"), "shwo 12": ("show", "show"),
    # words reps reach for
    "add": ("new", "new"), "ls": ("list", "list"), "win": ("won", "won"), "lose": ("lost", "lost"),
    "transfer": ("assign", "assign"), "view": ("show", "show"), "followup": ("log", "log"),
    # Chinese: a first character, a typo, a near word; what followed the word does not matter
    "丢": ("lost", "丢单"), "丢 12 竞品": ("lost", "丢单"), "丢12": ("lost", "丢单"), "跟": ("log", "跟进"),
    "跟近": ("log", "跟进"), "成": ("won", "成交"), "赢单": ("won", "成交"), "输单": ("lost", "丢单"),
    "新增": ("new", "新建"), "查": ("show", "查看"), "列": ("list", "列表"), "推": ("snooze", "推迟"),
    "延期": ("snooze", "推迟"), "设": ("settings", "设置"), "帮": ("help", "帮助"), "询": ("inbound", "询盘"),
    "订": ("order", "订单"), "转": ("assign", "转交"), "汇": ("summary", "汇总"), "下单": ("order", "订单"),
}


@pytest.mark.parametrize("typed,meant", MEANT.items(), ids=list(MEANT))
def test_an_unknown_word_suggests_what_was_meant(typed, meant):
    # Each of these really is unknown to the parser, or there would be nothing to suggest.
    assert parse(typed).name == "unknown"
    assert suggest_subcommand(typed) == Suggestion(*meant)


# "lst" is one slip from both list and lost: asking would be a guess.
FAR = ["frobnicate", "xyz", "zzz", "banana", "lst", "12", "#12", "", "   ", "你好", "谢谢", "我", "定单", "🙂"]


@pytest.mark.parametrize("typed", FAR)
def test_nothing_close_suggests_nothing(typed):
    assert suggest_subcommand(typed) is None


def test_every_suggestion_is_a_word_the_parser_knows():
    for typed in MEANT:
        suggestion = suggest_subcommand(typed)
        assert parse(suggestion.word).name == suggestion.name
    assert set(ALIASES.values()) <= set(SUBCOMMANDS)


@pytest.mark.parametrize("lang,expected", [("en", "did you mean `/lead list`?"), ("zh", "`/lead 丢单`")])
def test_the_question_is_in_the_catalog(lang, expected):
    word = "list" if lang == "en" else suggest_subcommand("丢").word
    assert expected in t("help.did_you_mean", lang, command="x", suggestion=word)
