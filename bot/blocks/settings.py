"""The `/lead settings` modal: the rep's own settings, and the team's for admins."""

from __future__ import annotations

from bot.blocks import contract, kit
from bot.blocks.evidence import claims_block
from bot.config import Settings
from bot.services.api_tokens import TokenView
from bot.services.evidence import ClaimsCameTrue
from bot.services.reps import SNOOZE_CHOICES, RepView
from bot.services.webhooks import Endpoint
from bot.text.i18n import LANGUAGES, current_language, language_name, language_of_locale, t, tn
from bot.worktime import WEEKDAYS

TEAM_TEXT_FIELDS = ("cadence", "min_touches", "potential_factor", "small_order_max", "small_window_months", "team_tz")


def settings_modal(
    rep: RepView, team: Settings | None, saved: dict[str, str], lang: str | None = None,
    team_holidays: str | None = None, claims: ClaimsCameTrue | None = None, claims_pending: bool = False,
    webhooks: list[Endpoint] | None = None,
    api_tokens: list[TokenView] | None = None,
) -> dict:
    """`team` is given to admins only; `saved` is what the team's admins typed before; `team_holidays` is the team's
    country for public holidays (LEADBOT_HOLIDAYS), which a rep's own choice overrides; `claims` (admins) is how the
    team's claims came true, shown above the potential factor with a button to plan on it (`claims_pending`: a line
    saying it is still being worked out); `webhooks` (admins) the team's webhook endpoints, listed read-only;
    `api_tokens` (admins) are listed, each working one with a Revoke button, below a button to make a new one."""
    weekdays = [kit.option(t(f"weekday.{n}", lang), WEEKDAYS[n - 1]) for n in range(1, 8)]
    blocks = [
        kit.section(t("settings.yours", lang)),
        kit.time_input("digest_time", t("settings.digest_time", lang), initial=rep.digest_time.strftime("%H:%M")),
        kit.checkboxes_input(
            "workdays", t("settings.workdays", lang), weekdays,
            initial=[WEEKDAYS[n - 1] for n in sorted(rep.hours.workdays)],
        ),
        kit.time_input("work_start", t("settings.work_start", lang), initial=rep.hours.start.strftime("%H:%M")),
        kit.time_input("work_end", t("settings.work_end", lang), initial=rep.hours.end.strftime("%H:%M")),
        kit.text_input(
            "holidays", t("settings.holidays", lang), initial=rep.holidays or "", optional=True, max_length=64,
            placeholder=team_holidays or t("settings.holidays_team_none", lang),
            hint=t("settings.holidays_hint", lang, team=team_holidays or t("settings.holidays_team_none", lang)),
        ),
        kit.select_input(
            "language", t("settings.language", lang),
            [kit.option(language_name(code), code) for code in LANGUAGES],
            # The language the rep reads now (their choice, else their Slack's, else the team's): saving keeps it.
            initial=rep.language or language_of_locale(rep.locale) or lang or current_language(),
        ),
        kit.select_input(
            "snooze_days", t("settings.snooze", lang),
            [
                kit.option(tn("nudge.snooze_days", n, lang) if n < 7 else t("nudge.snooze_week", lang), str(n))
                for n in SNOOZE_CHOICES
            ],
            initial=str(rep.snooze_days or 1),
        ),
    ]
    if team is not None:
        blocks += [kit.divider(), kit.section(t("settings.team", lang))]
        defaults = {
            "cadence": ",".join(str(d) for d in team.cadence),
            "min_touches": str(team.min_touches),
            "potential_factor": str(team.potential_factor),
            "small_order_max": f"{team.small_order_max:f}",
            "small_window_months": str(team.small_window_months),
            "team_tz": team.team_tz,
        }
        for field in TEAM_TEXT_FIELDS:
            if field == "potential_factor" and claims is not None:
                blocks.append(claims_block(claims, lang))
            elif field == "potential_factor" and claims_pending:
                blocks.append(kit.section(t("evidence.claims_pending", lang), block_id=contract.CLAIMS_BLOCK))
            blocks.append(
                kit.text_input(field, t(f"settings.{field}", lang), initial=saved.get(field, ""), optional=True,
                               max_length=100, placeholder=defaults[field])
            )
        blocks.append(
            kit.select_input(
                "summary_schedule", t("settings.summary_schedule", lang),
                [kit.option(t("settings.weekly", lang), "weekly"), kit.option(t("settings.daily", lang), "daily")],
                initial=team.summary_schedule,
            )
        )
        blocks.append(
            kit.users_input(
                "default_owner", t("settings.default_owner", lang), initial_user=team.default_owner, optional=True
            )
        )
        blocks.append(kit.users_input("manager", t("settings.manager", lang), initial_user=team.manager, optional=True))
        blocks += webhooks_blocks(webhooks or [], lang)
        if api_tokens is not None:
            blocks += api_tokens_blocks(api_tokens, lang)
    return kit.modal(
        contract.SETTINGS_FORM, t("modal.settings_title", lang), blocks,
        submit=t("modal.save", lang), close=t("modal.cancel", lang),
    )


WEBHOOKS_SHOWN = 10  # a modal holds 100 blocks; more endpoints than this are for `leadbot webhook list`


def webhooks_blocks(endpoints: list[Endpoint], lang: str | None = None) -> list[dict]:
    """The team's webhooks, read-only: each URL, its events and whether it works (added with `leadbot webhook`)."""
    blocks = [kit.divider(), kit.section(t("settings.webhooks", lang))]
    if not endpoints:
        return [*blocks, kit.context(t("settings.webhooks_none", lang))]
    for endpoint in endpoints[:WEBHOOKS_SHOWN]:
        events = ", ".join(endpoint.events) if endpoint.events else t("settings.webhook_all_events", lang)
        state = t(f"settings.webhook_{endpoint.state}", lang, error=kit.escape(endpoint.last_error or "?"))
        blocks.append(kit.section(t("settings.webhook_line", lang, url=kit.user_text(endpoint.url, 300),
                                    events=events, state=state)))
    if len(endpoints) > WEBHOOKS_SHOWN:
        blocks.append(kit.context(t("settings.webhooks_more", lang, count=len(endpoints) - WEBHOOKS_SHOWN)))
    return blocks


def webhook_off_message(url: str, since: str, error: str, lang: str | None = None) -> dict:
    """The admins' DM: an endpoint that failed every delivery for 24 hours was turned off."""
    text = t("webhook.turned_off", lang, url=kit.user_text(url, 300), since=since, error=kit.escape(error))
    return kit.message([kit.section(text)], text)


API_TOKENS_SHOWN = 20  # a team has a handful of integrations; `leadbot api-token list` shows them all


def api_tokens_blocks(tokens: list[TokenView], lang: str | None = None) -> list[dict]:
    """The workspace's API tokens by name, when made and last used, never the token (only its hash is kept): a
    Revoke button (with a confirm dialog) beside each working one, and a button to make a new one."""
    blocks = [kit.divider(), kit.section(t("settings.api_tokens", lang))]
    if not tokens:
        blocks.append(kit.context(t("settings.api_tokens_none", lang)))
    for token in tokens[-API_TOKENS_SHOWN:]:
        used = token.last_used_at.date().isoformat() if token.last_used_at else t("settings.api_token_never", lang)
        key = "settings.api_token_revoked_line" if token.revoked else "settings.api_token_line"
        name = kit.user_text(token.name, 100)
        line = t(key, lang, name=name, created=token.created_at.date().isoformat(), used=used)
        revoke = None if token.revoked else kit.button(
            t("settings.api_token_revoke", lang), contract.API_TOKEN_REVOKE, contract.api_token_value(token.name),
            confirm=kit.confirm_dialog(
                t("settings.api_token_revoke_title", lang), t("settings.api_token_revoke_confirm", lang,
                                                              name=kit.fit(token.name, 100)),
                t("settings.api_token_revoke", lang), t("modal.cancel", lang),
            ),
        )
        blocks.append(kit.section(line, accessory=revoke))
    blocks.append(kit.actions(kit.button(t("settings.api_token_new", lang), contract.API_TOKEN_NEW_OPEN, "new")))
    return blocks


def api_token_form(lang: str | None = None) -> dict:
    """The small form pushed over the settings form: the new token's name."""
    blocks = [
        kit.text_input(
            contract.API_TOKEN_NAME_BLOCK, t("api_token.name_label", lang), max_length=contract.API_TOKEN_NAME_MAX,
            placeholder=t("api_token.name_placeholder", lang), hint=t("api_token.name_hint", lang),
        ),
    ]
    return kit.modal(
        contract.API_TOKEN_FORM, t("api_token.form_title", lang), blocks,
        submit=t("api_token.create", lang), close=t("modal.cancel", lang),
    )


def api_token_made_view(name: str, token: str, lang: str | None = None) -> dict:
    """The new token, shown this once to the admin who made it: only its hash is kept, so it cannot be shown again."""
    blocks = [
        kit.section(t("api_token.made", lang, name=kit.user_text(name, 100))),
        kit.section(f"`{token}`"),
        kit.context(t("api_token.copy_now", lang)),
    ]
    return kit.modal(contract.API_TOKEN_MADE_VIEW, t("api_token.form_title", lang), blocks, submit=None,
                     close=t("modal.close", lang))
