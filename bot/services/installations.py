"""Workspaces that added leadbot to Slack (OAuth): their installations, and a Web API client with each one's token."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import select

from bot.store.database import Database
from bot.store.models import SLACK_BOTS

logger = logging.getLogger(__name__)

# A workspace's client is looked up again after this long, so a reinstall's new token is picked up by every process.
RECHECK_SECONDS = 60.0
# An install link is good for this long (Bolt's default).
STATE_EXPIRES_SECONDS = 600
# With token rotation on, a bot token is refreshed this long before it expires (Bolt's default).
ROTATE_BEFORE_MINUTES = 120


class InstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store on leadbot's own tables, telling leadbot when a workspace (re)installs."""

    def __init__(self, client_id: str, db: Database, on_saved: Callable[[str], None]) -> None:
        super().__init__(client_id=client_id, engine=db.engine)
        # The tables as leadbot's models (and migration 0015) define them; identical to the ones just built.
        self.on_saved = on_saved

    def save(self, installation: Installation) -> None:
        super().save(installation)
        if installation.team_id:
            self.on_saved(installation.team_id)


@dataclass
class _Cached:
    client: WebClient
    checked_at: float
    bot: Bot | None


class Installations:
    """Each installed workspace's bot token, as a WebClient; refreshed before it expires when rotation is on."""

    def __init__(
        self,
        db: Database,
        client_id: str,
        client_secret: str,
        make_client: Callable[[str | None], WebClient],
        on_installed: Callable[[str], None] = lambda team_id: None,
        rotate_before_minutes: int = ROTATE_BEFORE_MINUTES,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.client_id = client_id
        self.make_client = make_client
        self.rotate_before_minutes = rotate_before_minutes
        self.monotonic = monotonic
        self._on_installed = on_installed
        self.store = InstallationStore(client_id, db, self._saved)
        self.state_store = SQLAlchemyOAuthStateStore(expiration_seconds=STATE_EXPIRES_SECONDS, engine=db.engine)
        # oauth.v2.access (grant_type=refresh_token) goes where every other Web API call goes: SLACK_API_URL.
        self.rotator = TokenRotator(client_id=client_id, client_secret=client_secret, client=make_client(None))
        self._clients: dict[str, _Cached] = {}
        self._lock = threading.Lock()
        # Others that remember something per workspace token (Bolt's authorize): told when one is forgotten.
        self._also_forget: list[Callable[[str], None]] = []

    def team_ids(self) -> list[str]:
        """The workspaces leadbot is installed in (with a bot token), in the order they installed."""
        with self.db.read() as uow:
            rows = uow.session.execute(
                select(SLACK_BOTS.c.team_id, SLACK_BOTS.c.installed_at)
                .where(
                    SLACK_BOTS.c.client_id == self.client_id,
                    SLACK_BOTS.c.team_id.is_not(None),
                    SLACK_BOTS.c.bot_token.is_not(None),
                )
                .order_by(SLACK_BOTS.c.installed_at)
            ).all()
        return list(dict.fromkeys(team_id for team_id, _ in rows))

    def client_for(self, team_id: str) -> WebClient:
        """That workspace's client. Without an installation its calls answer not_authed, as Slack does: the
        scheduler then pauses the workspace's messages, and a reinstall resumes them."""
        now = self.monotonic()
        with self._lock:
            cached = self._clients.get(team_id)
            if cached is not None and now - cached.checked_at < RECHECK_SECONDS and not self._expiring(cached.bot):
                return cached.client
            bot = self.store.find_bot(enterprise_id=None, team_id=team_id)
            bot = self._rotated(bot)
            same_token = cached is not None and _token(cached.bot) == _token(bot)
            if same_token and cached is not None:
                client = cached.client  # keep the client (and what hangs on it: the posting and reading siblings)
            else:
                client = self.make_client(None if bot is None else bot.bot_token)
            self._clients[team_id] = _Cached(client, now, bot)
            return client

    def _expiring(self, bot: Bot | None) -> bool:
        if bot is None or bot.bot_token_expires_at is None:
            return False
        return bot.bot_token_expires_at - time.time() < self.rotate_before_minutes * 60

    def _rotated(self, bot: Bot | None) -> Bot | None:
        """With token rotation on, a bot token close to expiring is refreshed (oauth.v2.access) and saved."""
        if bot is None or bot.bot_refresh_token is None:
            return bot
        try:
            refreshed = self.rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=self.rotate_before_minutes
            )
        except SlackTokenRotationError as error:
            # The old token may still work a while; Slack answers token_expired once it does not.
            logger.warning("could not refresh the bot token of workspace %s: %s", bot.team_id, error.api_error)
            return bot
        if refreshed is None:
            return bot
        self.store.save_bot(refreshed)
        logger.info("refreshed the bot token of workspace %s", bot.team_id)
        return refreshed

    def forget(self, team_id: str) -> None:
        """Look the workspace's token up afresh next time (it was reinstalled, or uninstalled)."""
        with self._lock:
            self._clients.pop(team_id, None)
        for forget in self._also_forget:
            forget(team_id)

    def also_forget(self, forget: Callable[[str], None]) -> None:
        """Call `forget(team_id)` too whenever a workspace's token is forgotten."""
        self._also_forget.append(forget)

    def _saved(self, team_id: str) -> None:
        self.forget(team_id)
        self._on_installed(team_id)


def _token(bot: Bot | None) -> str | None:
    return None if bot is None else bot.bot_token
