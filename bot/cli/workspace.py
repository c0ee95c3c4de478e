"""Which workspace a command acts for: --team, else the bot token's, else the one that added leadbot to Slack."""

from __future__ import annotations

from typing import Callable

from bot.config import SettingsError


def choose_team(deps, given: str | None, token_team: Callable[[], str]) -> str:
    """`given` (--team) when leadbot can act there; with one SLACK_BOT_TOKEN, `token_team()` (auth.test) by default;
    with Add to Slack, the one installed workspace, or a clear error naming them when there are several."""
    installed = deps.installed_teams()
    if installed is None:
        return given or token_team()
    if given:
        if given not in installed:
            raise SettingsError(f"leadbot is not installed in workspace {given}; installed: {_listed(installed)}")
        return given
    if len(installed) == 1:
        return installed[0]
    if not installed:
        raise SettingsError("no workspace has added leadbot to Slack yet: open /slack/install first")
    raise SettingsError(
        f"leadbot is installed in {len(installed)} workspaces ({_listed(installed)}): pass --team T… to say which"
    )


def _listed(teams: list[str]) -> str:
    return ", ".join(teams) if teams else "none"
