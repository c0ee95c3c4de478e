"""Team settings an admin saves in Slack, layered over the environment's defaults."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from datetime import datetime

from bot.config import Settings, SettingsError, parse_setting
from bot.errors import FormInvalid, LeadbotError
from bot.services.policy import Policy
from bot.services.teams import TeamChange, team_change
from bot.store.database import Database
from bot.store.models import TeamSetting
from bot.store.upsert import insert_ignore

# What an admin may change in `/lead settings`: form field → (environment variable, Settings attribute).
TEAM_FIELDS: dict[str, tuple[str, str]] = {
    "cadence": ("LEADBOT_CADENCE", "cadence"),
    "min_touches": ("LEADBOT_MIN_TOUCHES", "min_touches"),
    "potential_factor": ("LEADBOT_POTENTIAL_FACTOR", "potential_factor"),
    "small_order_max": ("LEADBOT_SMALL_ORDER_MAX", "small_order_max"),
    "small_window_months": ("LEADBOT_SMALL_WINDOW_MONTHS", "small_window_months"),
    "summary_schedule": ("LEADBOT_SUMMARY_SCHEDULE", "summary_schedule"),
    "team_tz": ("LEADBOT_TEAM_TZ", "team_tz"),
    "default_owner": ("LEADBOT_DEFAULT_OWNER", "default_owner"),
    "manager": ("LEADBOT_MANAGER", "manager"),
}


@dataclass(frozen=True)
class SavedTeamSettings:
    values: dict[str, str]  # as typed, for pre-filling the form


# Settings are read on every request; a few seconds' staleness across processes is harmless.
CACHE_SECONDS = 5.0


class TeamSettings:
    def __init__(self, db: Database, defaults: Settings) -> None:
        self.db = db
        self.defaults = defaults
        self._cache: dict[str, tuple[float, Settings]] = {}

    def effective(self, team_id: str) -> Settings:
        """The environment's settings with this team's saved choices on top."""
        cached = self._cache.get(team_id)
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        settings = self._effective(team_id)
        self._cache[team_id] = (time.monotonic(), settings)
        return settings

    def forget(self, team_id: str) -> None:
        """Drop this process's copy of the team's settings (its data was deleted)."""
        self._cache.pop(team_id, None)

    def _effective(self, team_id: str) -> Settings:
        saved = self.saved(team_id).values
        overrides = {}
        for field, raw in saved.items():
            env, attr = TEAM_FIELDS[field]
            try:
                overrides[attr] = parse_setting(env, raw) if raw != "" else None
            except SettingsError:
                continue  # a value valid when saved but not under today's rules falls back to the default
            if overrides[attr] is None:
                del overrides[attr]
        return replace(self.defaults, **overrides)

    def is_admin(self, team_id: str, user_id: str) -> bool:
        """Whether `user_id` is one of the team's admins (LEADBOT_ADMINS): they may change its rules and any lead."""
        return Policy.from_settings(self.effective(team_id)).is_admin(user_id)

    def saved(self, team_id: str) -> SavedTeamSettings:
        with self.db.read() as uow:
            row = uow.session.get(TeamSetting, team_id)
            values = json.loads(row.values) if row else {}
        return SavedTeamSettings({k: v for k, v in values.items() if k in TEAM_FIELDS})

    def save(self, team_id: str, typed: dict[str, str | None], user_id: str, now: datetime) -> TeamChange | None:
        """An admin's team settings, each checked as the environment's would be; FormInvalid names each bad field.

        Returns what changed, for the manager (None when the rules came out as they were).
        """
        if not self.is_admin(team_id, user_id):
            raise LeadbotError("settings.admins_only")
        before = self.effective(team_id)
        self._save(team_id, typed, user_id, now)
        after = self.effective(team_id)
        changed = tuple(f for f, (_, attr) in TEAM_FIELDS.items() if getattr(before, attr) != getattr(after, attr))
        return team_change(after, user_id, "rules", fields=changed) if changed else None

    def set_summary_schedule(self, team_id: str, schedule: str, user_id: str, now: datetime) -> TeamChange:
        """How often the team summary comes ("daily" or "weekly"); the other saved settings stay. Admins only."""
        if not self.is_admin(team_id, user_id):
            raise LeadbotError("summary.admins_only")
        self._save(team_id, {**self.saved(team_id).values, "summary_schedule": schedule}, user_id, now)
        return team_change(self.effective(team_id), user_id, f"summary_{schedule}")

    def use_potential_factor(self, team_id: str, factor: str, user_id: str, now: datetime) -> TeamChange | None:
        """An admin's one click on *Use 0.38*: the potential factor becomes `factor`, the other settings stay."""
        if not self.is_admin(team_id, user_id):
            raise LeadbotError("settings.admins_only")
        before = self.effective(team_id).potential_factor
        self._save(team_id, {**self.saved(team_id).values, "potential_factor": factor}, user_id, now)
        after = self.effective(team_id)
        if after.potential_factor == before:
            return None
        return team_change(after, user_id, "rules", fields=("potential_factor",))

    def _save(self, team_id: str, typed: dict[str, str | None], user_id: str, now: datetime) -> None:
        problems: dict[str, tuple[str, dict]] = {}
        clean: dict[str, str] = {}
        for field, raw in typed.items():
            if field not in TEAM_FIELDS:
                continue
            raw = (raw or "").strip()
            if raw:
                try:
                    parse_setting(TEAM_FIELDS[field][0], raw)
                except SettingsError:
                    problems[field] = (f"settings_error.{field}", {})
                    continue
            clean[field] = raw
        if problems:
            raise FormInvalid(problems)
        with self.db.uow() as uow:
            values = json.dumps(clean)
            if not insert_ignore(
                uow.session,
                TeamSetting,
                {"team_id": team_id, "values": values, "updated_by": user_id, "updated_at": now},
            ):
                row = uow.session.get(TeamSetting, team_id)
                row.values, row.updated_by, row.updated_at = values, user_id, now
            uow.commit()
        self._cache.pop(team_id, None)
