"""The manager's note about leads going cold: open a lead, or give it to someone who will call."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bot.blocks import contract
from bot.blocks import leads as lead_blocks
from bot.blocks.kit import user_text
from bot.clock import local_today
from bot.container import Deps
from bot.errors import LeadbotError
from bot.home_tab import refresh_home
from bot.text.i18n import t
from handlers.replies import error_text, tell, to_user


def register(app: App, deps: Deps) -> None:
    @app.action(contract.ESCALATION_SHOW)
    def show(ack, body: dict, action: dict, client: WebClient, respond) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        number = contract.lead_of(action)
        try:
            lead = deps.leads.find(team_id, str(number), with_touches=True)
        except LeadbotError as error:
            tell(respond, error_text(error))
            return
        today = local_today(deps.clock.now(), deps.directory.cached_tz(team_id, user_id))
        to_user(client, user_id, lead_blocks.lead_card(lead, today, goal=deps.policy(team_id).touch_goal))

    @app.action(contract.ESCALATION_ASSIGN)
    def assign(ack, body: dict, action: dict, client: WebClient, respond) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        number, new_owner = contract.lead_of(action), contract.picked_user(action)
        if new_owner is None:
            return  # the select was cleared: nothing to do
        now = deps.clock.now()
        try:
            lead = deps.leads.assign(team_id, str(number), user_id, new_owner, now)
        except LeadbotError as error:
            to_user(client, user_id, lead_blocks.notice(error_text(error)))
            return
        company = user_text(lead.company, 120)
        to_user(client, user_id, lead_blocks.notice(t("lead.assigned", number=lead.number, company=company,
                                                      owner=new_owner)))
        if new_owner != user_id:
            today = local_today(now, deps.directory.cached_tz(team_id, new_owner))
            intro = t("lead.assigned_to_you", actor=user_id, number=lead.number, company=company)
            to_user(client, new_owner, lead_blocks.lead_card(lead, today, intro=intro,
                                                             goal=deps.policy(team_id).touch_goal))
        refresh_home(deps, client, team_id, user_id)
