"""`/lead settings`: a rep's own digest time, workdays, hours and language; the team's rules for admins."""

from __future__ import annotations

import logging
from datetime import time

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import leads as lead_blocks
from bot.blocks.home import SETTINGS_ACTION
from bot.blocks.settings import SETTINGS_CALLBACK, SNOOZE_CHOICES, TEAM_TEXT_FIELDS, settings_modal
from bot.container import Deps
from bot.errors import FormInvalid, LeadbotError
from bot.text.i18n import LANGUAGES, t
from handlers.home import refresh_home
from handlers.replies import error_text, tell, to_user
from handlers.views import form_values

logger = logging.getLogger(__name__)


def open_settings(deps: Deps, client: WebClient, team_id: str, user_id: str, trigger_id: str) -> None:
    rep = deps.directory.rep(team_id, user_id, deps.clock.now())
    config = deps.config(team_id)
    is_admin = user_id in config.admins
    saved = deps.team_settings.saved(team_id).values if is_admin else {}
    try:
        client.views_open(trigger_id=trigger_id, view=settings_modal(rep, config if is_admin else None, saved))
    except SlackApiError as error:
        logger.warning("views.open failed: %s", error.response.get("error"))
        raise LeadbotError("error.slack_busy") from None


def register(app: App, deps: Deps) -> None:
    @app.action(SETTINGS_ACTION)
    def from_home(ack, body: dict, client: WebClient, respond) -> None:
        ack()
        try:
            open_settings(deps, client, body["team"]["id"], body["user"]["id"], body["trigger_id"])
        except LeadbotError as error:
            if respond is not None:
                tell(respond, error_text(error))

    @app.view(SETTINGS_CALLBACK)
    def save(ack, body: dict, view: dict, client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        values = form_values(view)
        errors = _own_errors(values)
        is_admin = user_id in deps.config(team_id).admins
        now = deps.clock.now()
        if not errors and is_admin:
            team_values = {
                field: values.get(field)
                for field in (*TEAM_TEXT_FIELDS, "summary_schedule", "default_owner", "manager")
            }
            try:
                deps.team_settings.save(team_id, team_values, user_id, now)
            except FormInvalid as invalid:
                errors = {field: t(key, **params) for field, (key, params) in invalid.fields.items()}
        if errors:
            ack(response_action="errors", errors=errors)
            return
        deps.directory.save_own_settings(
            team_id, user_id, now,
            digest_time=values.get("digest_time"),
            workdays=",".join(values.get("workdays") or []),
            work_hours=f"{values.get('work_start')}-{values.get('work_end')}",
            language=values.get("language") if values.get("language") in LANGUAGES else None,
            snooze_days=(
                int(values["snooze_days"]) if values.get("snooze_days") in {str(n) for n in SNOOZE_CHOICES} else None
            ),
        )
        ack()
        to_user(client, user_id, lead_blocks.notice(t("settings.saved")))
        refresh_home(deps, client, team_id, user_id)


def _own_errors(values: dict) -> dict[str, str]:
    errors = {}
    if not values.get("workdays"):
        errors["workdays"] = t("settings_error.workdays")
    try:
        start, end = (
            time.fromisoformat(values.get("work_start") or ""), time.fromisoformat(values.get("work_end") or "")
        )
        if end <= start:
            errors["work_end"] = t("settings_error.hours")
        time.fromisoformat(values.get("digest_time") or "")
    except ValueError:
        errors["work_end"] = t("settings_error.hours")
    return errors
