"""Settings: defaults, one clear line per mistake, and every setting documented."""

from pathlib import Path

import pytest

from bot.config import SETTINGS, Settings, SettingsError

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_need_nothing_but_tokens():
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///leadbot.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.port == 3000 and settings.cadence == (2, 7, 14, 30, 60)


def test_api_url_gets_its_trailing_slash():
    assert Settings.from_env({"SLACK_API_URL": "http://127.0.0.1:9/api"}).slack_api_url == "http://127.0.0.1:9/api/"


@pytest.mark.parametrize(
    "name,value",
    [
        ("PORT", "eighty"),
        ("PORT", "70000"),
        ("LEADBOT_POTENTIAL_FACTOR", "2"),
        ("LEADBOT_POTENTIAL_FACTOR", "half"),
        ("LEADBOT_CADENCE", "2,soon"),
        ("LEADBOT_TEAM_TZ", "Mars/Olympus"),
        ("LEADBOT_ADMINS", "alice"),
        ("SLACK_API_URL", "slack.com"),
        ("LEADBOT_MIN_TOUCHES", "0"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(name, value):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({name: value})
    assert name in str(raised.value) and "\n" not in str(raised.value)


def test_serving_without_a_bot_token_names_the_variable():
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN"):
        Settings.from_env({}).require_slack()


def test_http_mode_needs_the_signing_secret():
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"}).require_slack()


def test_socket_mode_needs_an_app_level_token():
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN"):
        Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-wrong"}).require_slack()


def test_redacted_settings_hide_secrets():
    shown = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-secret", "SLACK_SIGNING_SECRET": "shh"}).redacted()
    assert "xoxb-secret" not in str(shown) and "shh" not in str(shown)


@pytest.mark.parametrize("document", [".env.example", "README.md"])
def test_every_setting_is_documented(document):
    text = (ROOT / document).read_text(encoding="utf-8")
    missing = [s.env for s in SETTINGS if s.env not in text]
    assert missing == []
