"""Which bot scopes a workspace granted leadbot, as Slack says in every answer's `x-oauth-scopes` header."""

from __future__ import annotations

import logging
import threading
import time
from http.client import HTTPException
from typing import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import ScopeMissing, scope_feature_key
from bot.text.i18n import t

logger = logging.getLogger(__name__)

# A workspace's grant changes only when an admin reinstalls leadbot: asking again every few minutes is plenty.
REMEMBER_SECONDS = 300.0

# The optional scopes (manifest.yml, oauth_config.scopes.bot_optional) and the feature each one carries.
CHANNELS_HISTORY = "channels:history"  # inbound and linked public channels
GROUPS_HISTORY = "groups:history"  # inbound and linked private channels
USERS_READ_EMAIL = "users:read.email"  # matching owners and mail senders by email
FILES_WRITE = "files:write"  # the weekly summary's chart
OPTIONAL = frozenset({CHANNELS_HISTORY, GROUPS_HISTORY, USERS_READ_EMAIL, FILES_WRITE})


def history_scope(channel_id: str) -> str:
    """The scope needed to read a channel's new messages: G… ids are private channels (groups), C… public ones.

    Private channels made since 2017 have C… ids too; for those Slack answers `missing_scope` (groups:history) when
    leadbot reads them, which `GrantedScopes.saw_missing` notes.
    """
    return GROUPS_HISTORY if channel_id.startswith("G") else CHANNELS_HISTORY


def missing_line(scope: str, lang: str | None = None) -> str:
    """The one friendly line: what needs `scope`, and how an admin grants it (as ScopeMissing says in Slack)."""
    return t("scope.missing", lang, scope=scope, feature=t(scope_feature_key(scope), lang))


class GrantedScopes:
    """Asks `auth.test` with each workspace's own client and remembers the scopes its answer carries, a while."""

    def __init__(
        self,
        client_for: Callable[[str], WebClient],
        remember: float = REMEMBER_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client_for = client_for
        self.remember = remember
        self.monotonic = monotonic
        self._known: dict[str, tuple[frozenset[str], float]] = {}
        self._lock = threading.Lock()
        self.asked = 0  # how many times Slack was asked (the tests read it)

    def granted(self, team_id: str) -> frozenset[str] | None:
        """The team's granted bot scopes; None when Slack could not say (unreachable, or no header)."""
        with self._lock:
            known = self._known.get(team_id)
            if known is not None and known[1] > self.monotonic():
                return known[0]
        self.asked += 1
        try:
            response = self.client_for(team_id).auth_test()
        except (SlackApiError, OSError, HTTPException) as error:
            logger.warning("could not ask Slack which scopes team %s granted: %s", team_id, error)
            return None
        header = _header(response.headers, "x-oauth-scopes")
        if header is None:
            return None
        scopes = frozenset(scope.strip() for scope in header.split(",") if scope.strip())
        with self._lock:
            self._known[team_id] = (scopes, self.monotonic() + self.remember)
        return scopes

    def has(self, team_id: str, scope: str) -> bool:
        """Whether the team granted `scope`. When Slack could not say, yes: the call itself will tell."""
        scopes = self.granted(team_id)
        return scopes is None or scope in scopes

    def require(self, team_id: str, scope: str) -> None:
        """Raise ScopeMissing (its friendly line names the scope and how to grant it) unless the team granted it."""
        if not self.has(team_id, scope):
            raise ScopeMissing(scope)

    def forget(self, team_id: str) -> None:
        """The workspace left or installed again (maybe granting other scopes): ask Slack afresh next time."""
        with self._lock:
            self._known.pop(team_id, None)

    def saw_missing(self, team_id: str, scope: str = "") -> None:
        """Slack answered `missing_scope`: what was remembered is out of date; ask again next time."""
        self.forget(team_id)
        logger.info("team %s has not granted %s", team_id, scope or "a scope leadbot asked for")


def _header(headers, name: str) -> str | None:
    """A response header by name, whatever its case (urllib keeps the server's)."""
    for key, values in (headers or {}).items():
        if key.lower() == name:
            return values[0] if isinstance(values, list) else str(values)
    return None
