"""Workspaces whose token stopped working: their scheduled sends pause instead of failing one by one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import or_, select, update

from bot.config import Settings
from bot.errors import LeadbotError
from bot.services.policy import Policy
from bot.store.database import Database
from bot.store.models import Team
from bot.store.upsert import insert_ignore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TeamChange:
    """What an admin changed about the team, for the manager's DM.

    `what` is "summary_on", "summary_off", "summary_daily", "summary_weekly" or "rules" (`fields` then names
    them); `tell` is the manager to tell, None when there is none or the manager made the change.
    """

    actor: str
    what: str
    tell: str | None
    channel: str | None = None
    fields: tuple[str, ...] = ()


def team_change(settings: Settings, actor: str, what: str, **details) -> TeamChange:
    """A change `actor` made, addressed to the team's manager unless they made it themselves."""
    manager = settings.manager or None
    return TeamChange(actor, what, manager if manager != actor else None, **details)


class Teams:
    def __init__(self, db: Database, config: Callable[[str], Settings]) -> None:
        self.db = db
        self.config = config

    def stopped(self) -> set[str]:
        """Workspaces nothing is sent to: their token stopped working, or they uninstalled leadbot (their data is
        kept for LEADBOT_KEEP_DATA_DAYS)."""
        with self.db.read_rows() as connection:
            return set(
                connection.scalars(
                    select(Team.team_id).where(or_(Team.sending_stopped.is_not(None), Team.delete_data_at.is_not(None)))
                )
            )

    def stop_sending(self, team_id: str, reason: str, now: datetime) -> None:
        with self.db.uow() as uow:
            insert_ignore(uow.session, Team, {"team_id": team_id, "last_lead_number": 0, "created_at": now})
            uow.session.execute(update(Team).where(Team.team_id == team_id).values(sending_stopped=reason))
            uow.commit()
        # With Add to Slack a reinstall resumes them by itself; with one SLACK_BOT_TOKEN, a restart does.
        fix = (
            "reinstall leadbot through Add to Slack (/slack/install) to send them"
            if self.config(team_id).oauth
            else "fix SLACK_BOT_TOKEN (reinstall the app) and restart leadbot to send them"
        )
        logger.error(
            "Slack answered %s for workspace %s: its token no longer works. Scheduled messages for it are paused "
            "and kept; %s.",
            reason,
            team_id,
            fix,
        )

    def set_summary_channel(self, team_id: str, channel: str | None, user_id: str, now: datetime) -> TeamChange:
        """Send the team summary to `channel` (None: stop it); a direct message is no team channel. Admins only:
        the summary shows every rep's figures to whoever is in the channel."""
        if channel is not None and channel.startswith("D"):
            raise LeadbotError("summary.not_in_dm")
        settings = self.config(team_id)
        if not Policy.from_settings(settings).is_admin(user_id):
            raise LeadbotError("summary.channel_admins_only")
        self._write_summary_channel(team_id, channel, user_id, now)
        what = "summary_on" if channel else "summary_off"
        return team_change(settings, user_id, what, channel=channel)

    def stop_summaries(self, team_id: str, now: datetime) -> None:
        """leadbot itself turns summaries off: their channel was archived or deleted."""
        self._write_summary_channel(team_id, None, None, now)

    def _write_summary_channel(self, team_id: str, channel: str | None, user_id: str | None, now: datetime) -> None:
        with self.db.uow() as uow:
            insert_ignore(uow.session, Team, {"team_id": team_id, "last_lead_number": 0, "created_at": now})
            uow.session.execute(
                update(Team).where(Team.team_id == team_id).values(summary_channel=channel, summary_enabled_by=user_id)
            )
            uow.commit()

    def summary_channel(self, team_id: str) -> tuple[str | None, str | None]:
        """(channel, who turned it on), or (None, None) when summaries are off."""
        with self.db.uow() as uow:
            team = uow.session.get(Team, team_id)
            return (team.summary_channel, team.summary_enabled_by) if team else (None, None)

    def with_summaries(self) -> list[tuple[str, str, str | None]]:
        """(team, channel, enabled by) for every team that has a summary channel."""
        with self.db.read_rows() as connection:
            rows = connection.execute(
                select(Team.team_id, Team.summary_channel, Team.summary_enabled_by).where(
                    Team.summary_channel.is_not(None)
                )
            )
            return [(team_id, channel, by) for team_id, channel, by in rows]

    def resume(self, team_id: str) -> None:
        """A workspace (re)installed leadbot: its paused scheduled messages go out again with the new token."""
        with self.db.uow() as uow:
            uow.session.execute(update(Team).where(Team.team_id == team_id).values(sending_stopped=None))
            uow.commit()

    def resume_all(self) -> None:
        """At start-up, with a possibly new token, give every paused workspace another try."""
        with self.db.uow() as uow:
            uow.session.execute(update(Team).where(Team.sending_stopped.is_not(None)).values(sending_stopped=None))
            uow.commit()
