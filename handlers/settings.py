"""`/lead settings`: a rep's own digest time, workdays, hours and language; the team's rules for admins."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor, wait

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import contract
from bot.blocks import leads as lead_blocks
from bot.blocks.settings import TEAM_TEXT_FIELDS, api_token_form, api_token_made_view, settings_modal
from bot.container import Deps
from bot.errors import FormInvalid, LeadbotError, StaleAction
from bot.home_tab import refresh_home
from bot.services.evidence import ClaimsCameTrue
from bot.services.reps import check_own_settings
from bot.text.i18n import t
from bot.worktime import WEEKDAYS
from handlers.replies import error_text, tell, tell_manager, to_user

logger = logging.getLogger(__name__)


# The form must open within 3 s of the click (Slack's trigger_id); the claims figure may take longer on a big team.
CLAIMS_WAIT_SECONDS = 1.5
_claims_pool: list[ThreadPoolExecutor] = []  # made on first use: nothing starts at import


def open_settings(deps: Deps, client: WebClient, team_id: str, user_id: str, trigger_id: str) -> None:
    """Open the form; for admins with how the team's claims came true, or, when that takes longer than the form may
    wait, with a line saying it is on its way and the figure put in when it is ready."""
    claims = None
    if deps.team_settings.is_admin(team_id, user_id):
        if not _claims_pool:
            _claims_pool.append(ThreadPoolExecutor(max_workers=2))
        team, now = deps.config(team_id), deps.clock.now()
        claims = _claims_pool[0].submit(
            deps.evidence.claims_came_true, team_id, now, team.currency, team.potential_factor
        )
        wait([claims], timeout=CLAIMS_WAIT_SECONDS)
    ready = claims.result() if claims is not None and claims.done() else None
    try:
        opened = client.views_open(
            trigger_id=trigger_id, view=_settings_view(deps, team_id, user_id, ready, pending=claims is not None)
        )
    except SlackApiError as error:
        logger.warning("views.open failed: %s", error.response.get("error"))
        raise LeadbotError("error.slack_busy") from None
    if claims is not None and ready is None:
        view = opened.get("view") or {}
        try:
            client.views_update(
                view_id=view.get("id"), hash=view.get("hash"),
                view=_settings_view(deps, team_id, user_id, claims.result()),
            )
        except SlackApiError as error:  # the admin already saved, closed or changed the form: fine
            logger.info("settings form not updated with the claims figure: %s", error.response.get("error"))


def _settings_view(
    deps: Deps, team_id: str, user_id: str, claims: ClaimsCameTrue | None = None, pending: bool = False
) -> dict:
    """The settings form; `claims` given (or `pending`, when it is still being worked out) for admins only."""
    now = deps.clock.now()
    rep = deps.directory.rep(team_id, user_id, now)
    is_admin = deps.team_settings.is_admin(team_id, user_id)
    saved = deps.team_settings.saved(team_id).values if is_admin else {}
    team = deps.config(team_id) if is_admin else None
    if team is not None and claims is None and not pending:
        claims = deps.evidence.claims_came_true(team_id, now, team.currency, team.potential_factor)
    return settings_modal(
        rep, team, saved, team_holidays=deps.settings.holidays, claims=claims if team is not None else None,
        claims_pending=team is not None and claims is None,
        webhooks=deps.webhooks.list(team_id) if team is not None else None,
        api_tokens=deps.api_tokens.list(team_id) if is_admin else None,
    )


def register(app: App, deps: Deps) -> None:
    @app.action(contract.HOME_SETTINGS)
    def from_home(ack, body: dict, client: WebClient, respond) -> None:
        ack()
        try:
            open_settings(deps, client, body["team"]["id"], body["user"]["id"], body["trigger_id"])
        except LeadbotError as error:
            tell(respond, error_text(error))

    @app.action(contract.USE_POTENTIAL_FACTOR)
    def use_factor(ack, body: dict, action: dict, client: WebClient, respond) -> None:
        """*Use 0.38*: the one click that changes the potential factor (nothing changes it by itself)."""
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        factor = contract.potential_factor(action)
        now = deps.clock.now()
        try:
            change = deps.team_settings.use_potential_factor(team_id, factor, user_id, now)
        except LeadbotError as error:
            to_user(client, user_id, lead_blocks.notice(error_text(error)))
            return
        view = body.get("view") or {}
        if view.get("id"):
            try:
                client.views_update(view_id=view["id"], view=_settings_view(deps, team_id, user_id))
            except SlackApiError as error:
                logger.warning("views.update failed: %s", error.response.get("error"))
        used = deps.config(team_id).potential_factor
        to_user(client, user_id, lead_blocks.notice(t("evidence.factor_used", factor=used)))
        refresh_home(deps, client, team_id, user_id)
        if change is not None and change.tell:
            tell_manager(client, change, deps.directory.language(team_id, change.tell, now))

    @app.action(contract.API_TOKEN_NEW_OPEN)
    def new_api_token(ack, body: dict, client: WebClient) -> None:
        """*New API token…*: the name form, pushed over the settings form (admins only)."""
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        if not deps.team_settings.is_admin(team_id, user_id):
            to_user(client, user_id, lead_blocks.notice(t("api_token.admins_only")))
            return
        try:
            client.views_push(trigger_id=body["trigger_id"], view=api_token_form())
        except SlackApiError as error:
            logger.warning("views.push failed: %s", error.response.get("error"))
            to_user(client, user_id, lead_blocks.notice(t("error.slack_busy")))

    @app.view(contract.API_TOKEN_FORM)
    def make_api_token(ack, body: dict, view: dict, client: WebClient) -> None:
        """The token is shown once, in the view that replaces this form, to the admin who made it: never posted,
        never logged (only its hash is kept)."""
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        name = contract.form_values(view).get(contract.API_TOKEN_NAME_BLOCK) or ""
        if not deps.team_settings.is_admin(team_id, user_id):
            ack(response_action="errors", errors={contract.API_TOKEN_NAME_BLOCK: t("api_token.admins_only")})
            return
        try:
            token = deps.api_tokens.create(team_id, name, deps.clock.now())
        except LeadbotError as error:
            ack(response_action="errors", errors={contract.API_TOKEN_NAME_BLOCK: error_text(error)})
            return
        ack(response_action="update", view=api_token_made_view(name.strip(), token))
        _show_tokens_in(client, view.get("previous_view_id"), team_id, user_id)

    @app.action(contract.API_TOKEN_REVOKE)
    def revoke_api_token(ack, body: dict, action: dict, client: WebClient) -> None:
        """Revoke (after Slack's confirm dialog): the token stops working at once (admins only)."""
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        name = contract.api_token_name(action)
        if not deps.team_settings.is_admin(team_id, user_id):
            to_user(client, user_id, lead_blocks.notice(t("api_token.admins_only")))
            return
        deps.api_tokens.revoke(team_id, name)  # already revoked (a second click): the list shows it so
        _show_tokens_in(client, (body.get("view") or {}).get("id"), team_id, user_id)

    def _show_tokens_in(client: WebClient, view_id: str | None, team_id: str, user_id: str) -> None:
        """Redraw the settings form `view_id` so its token list is current."""
        if not view_id:
            return
        try:
            client.views_update(view_id=view_id, view=_settings_view(deps, team_id, user_id))
        except SlackApiError as error:  # the admin closed the form meanwhile: nothing to redraw
            logger.info("settings form not redrawn after a token change: %s", error.response.get("error"))

    @app.view(contract.SETTINGS_FORM)
    def save(ack, body: dict, view: dict, client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        values = contract.form_values(view, multi=("workdays",))
        own = _own_settings(values)
        now = deps.clock.now()
        change = None
        try:
            # The rep's own part is checked before the team's is saved: a refused form changes nothing.
            check_own_settings(**own)
            # The form shows the team's part to admins only; the service refuses anyone else anyway.
            if deps.team_settings.is_admin(team_id, user_id):
                team_fields = (*TEAM_TEXT_FIELDS, "summary_schedule", "default_owner", "manager")
                team_values = {field: values.get(field) for field in team_fields}
                change = deps.team_settings.save(team_id, team_values, user_id, now)
        except FormInvalid as invalid:
            ack(
                response_action="errors",
                errors={field: t(key, **params) for field, (key, params) in invalid.fields.items()},
            )
            return
        deps.directory.save_own_settings(team_id, user_id, now, **own)
        ack()
        to_user(client, user_id, lead_blocks.notice(t("settings.saved")))
        refresh_home(deps, client, team_id, user_id)
        if change is not None and change.tell:
            tell_manager(client, change, deps.directory.language(team_id, change.tell, now))


def _own_settings(values: dict) -> dict:
    """The form's own part as `Directory.save_own_settings` takes it."""
    snooze = values.get("snooze_days")
    return {
        "digest_time": values.get("digest_time") or "",
        "workdays": _workdays(values.get("workdays") or []),
        "work_hours": f"{values.get('work_start') or ''}-{values.get('work_end') or ''}",
        "language": values.get("language") or None,
        # An option's value, one of SNOOZE_CHOICES; anything else is left for check_own_settings to refuse.
        "snooze_days": int(snooze) if snooze and snooze.isascii() and snooze.isdigit() and len(snooze) < 4 else None,
        "holidays": values.get("holidays") or None,
    }


def _workdays(days: list[str]) -> str:
    """The ticked days in week order, "mon,tue,…"; a day the form never offered means the form is out of date."""
    if any(day not in WEEKDAYS for day in days):
        raise StaleAction(f"workdays the form never offered: {days[:7]!r}")
    return ",".join(day for day in WEEKDAYS if day in days)
