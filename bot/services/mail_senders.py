"""Who in Slack sent a mail: an address → a member's user id, asked of Slack sparingly and remembered a while."""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select

from bot.store.database import Database
from bot.store.models import Rep

logger = logging.getLogger(__name__)

# users.lookupByEmail is Slack's tier 3 (about 50 calls a minute): an answer, yes or no, is kept this long.
REMEMBER_SECONDS = 3600.0


class SlackMembers:
    """Answers from leadbot's own table of reps first, then from Slack; both answers are remembered."""

    def __init__(
        self, db: Database, lookup: Callable[[str, str], str | None], remember: float = REMEMBER_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        may_look_up: Callable[[str], bool] = lambda team_id: True,
        scope_missing: Callable[[str, str], None] = lambda team_id, scope: None,
    ) -> None:
        self.db = db
        self.lookup = lookup
        # Whether the team granted users:read.email; without it only leadbot's own table of reps answers.
        self.may_look_up = may_look_up
        self.scope_missing = scope_missing
        self.remember = remember
        self.monotonic = monotonic
        self._known: dict[tuple[str, str], tuple[str | None, float]] = {}
        self._lock = threading.Lock()
        self.asked = 0  # how many times Slack was asked, for the pass's report and the tests

    def user_for(self, team_id: str, email: str) -> str | None:
        """The Slack member with this address, or None; Slack being unreachable counts as "don't know" (None)."""
        email = email.strip().lower()
        if not email:
            return None
        key = (team_id, email)
        with self._lock:
            known = self._known.get(key)
            if known is not None and known[1] > self.monotonic():
                return known[0]
        user_id = self._from_table(team_id, email)
        if user_id is None:
            if not self.may_look_up(team_id):
                return None  # users:read.email not granted: the sender is simply not matched to a member
            try:
                self.asked += 1
                user_id = self.lookup(team_id, email)
            except Exception as error:
                if isinstance(error, SlackApiError) and error.response.get("error") == "missing_scope":
                    # The grant changed since it was last asked: skip the lookup, as when it is known missing.
                    self.scope_missing(team_id, str(error.response.get("needed", "")))
                    return None
                # Not remembered: the next pass asks again. The message is then read as from someone else.
                logger.warning("users.lookupByEmail failed for a sender; treating them as not a member", exc_info=True)
                return None
        with self._lock:
            self._known[key] = (user_id, self.monotonic() + self.remember)
        return user_id

    def _from_table(self, team_id: str, email: str) -> str | None:
        with self.db.read() as uow:
            return uow.session.scalar(
                select(Rep.user_id)
                .where(Rep.team_id == team_id, func.lower(Rep.email) == email, Rep.active.is_(True))
                .limit(1)
            )
