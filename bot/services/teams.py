"""Workspaces whose token stopped working: their scheduled sends pause instead of failing one by one."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update

from bot.errors import LeadbotError
from bot.store.database import Database
from bot.store.models import Team
from bot.store.upsert import insert_ignore

logger = logging.getLogger(__name__)


class Teams:
    def __init__(self, db: Database) -> None:
        self.db = db

    def stopped(self) -> set[str]:
        with self.db.uow() as uow:
            return set(uow.session.scalars(select(Team.team_id).where(Team.sending_stopped.is_not(None))))

    def stop_sending(self, team_id: str, reason: str, now: datetime) -> None:
        with self.db.uow() as uow:
            insert_ignore(uow.session, Team, {"team_id": team_id, "last_lead_number": 0, "created_at": now})
            uow.session.execute(update(Team).where(Team.team_id == team_id).values(sending_stopped=reason))
            uow.commit()
        logger.error(
            "Slack answered %s for workspace %s: its token no longer works. Scheduled messages for it are paused "
            "and kept; fix SLACK_BOT_TOKEN (reinstall the app) and restart leadbot to send them.",
            reason,
            team_id,
        )

    def set_summary_channel(self, team_id: str, channel: str | None, user_id: str | None, now: datetime) -> None:
        """Send the team summary to `channel` (None: stop it); a direct message is no team channel."""
        if channel is not None and channel.startswith("D"):
            raise LeadbotError("summary.not_in_dm")
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
        with self.db.uow() as uow:
            rows = uow.session.execute(
                select(Team.team_id, Team.summary_channel, Team.summary_enabled_by).where(
                    Team.summary_channel.is_not(None)
                )
            )
            return [(team_id, channel, by) for team_id, channel, by in rows]

    def resume_all(self) -> None:
        """At start-up, with a possibly new token, give every paused workspace another try."""
        with self.db.uow() as uow:
            uow.session.execute(update(Team).where(Team.sending_stopped.is_not(None)).values(sending_stopped=None))
            uow.commit()
