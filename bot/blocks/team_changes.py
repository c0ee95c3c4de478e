"""The manager's DM when an admin changes a team thing: the summary's channel or schedule, or the team's rules."""

from __future__ import annotations

from bot.blocks import kit
from bot.services.teams import TeamChange
from bot.text.i18n import t


def team_change_message(change: TeamChange, lang: str | None = None) -> dict:
    if change.what == "rules":
        fields = t("text.list_separator", lang).join(t(f"settings.{field}", lang) for field in change.fields)
        text = t("team_change.rules", lang, actor=change.actor, fields=fields)
    else:
        text = t(f"team_change.{change.what}", lang, actor=change.actor, channel=change.channel or "")
    return kit.message([kit.section(text), kit.context(t("team_change.why_you", lang))], text)
