"""The composition root: builds every long-lived object once, from explicit settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from slack_sdk import WebClient

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.services.api_tokens import ApiTokens
from bot.services.buyer_replies import BuyerReplies
from bot.services.digests import Digests
from bot.services.evidence import EvidenceService
from bot.services.followups import FollowUps
from bot.services.health import Health
from bot.services.home import Home
from bot.services.inbound import InboundService
from bot.services.installations import Installations
from bot.services.leads import LeadService
from bot.services.ledger import Ledger
from bot.services.linked_channels import LinkedChannels
from bot.services.mail_actions import MailActions
from bot.services.mail_enquiries import MailEnquiries
from bot.services.mail_log import MailLog
from bot.services.mail_senders import SlackMembers
from bot.services.mailbox_state import MailboxStates
from bot.services.orders import Orders
from bot.services.pins import Pins
from bot.services.policy import Policy
from bot.services.reps import Directory
from bot.services.scheduler_runs import SchedulerRuns
from bot.services.scopes import USERS_READ_EMAIL, GrantedScopes
from bot.services.seen_events import SeenEvents
from bot.services.small_buyers import SmallBuyers
from bot.services.summary import TeamSummaries
from bot.services.team_data import TeamData
from bot.services.team_settings import TeamSettings
from bot.services.teams import Teams
from bot.services.webhooks import Webhooks
from bot.slack_out import make_web_client, users_by_email_lookup, users_info_lookup, workspace_lookup
from bot.store.database import Database
from bot.text.i18n import load_catalogs, set_default_language


@dataclass
class Deps:
    settings: Settings
    db: Database
    clock: Clock
    web: WebClient
    team_settings: TeamSettings
    leads: LeadService
    directory: Directory
    ledger: Ledger
    followups: FollowUps
    teams: Teams
    orders: Orders
    small_buyers: SmallBuyers
    digests: Digests
    home: Home
    summaries: TeamSummaries
    inbound: InboundService
    seen_events: SeenEvents
    scheduler_runs: SchedulerRuns
    health: Health
    mail_log: MailLog
    mail_enquiries: MailEnquiries
    buyer_replies: BuyerReplies
    linked_channels: LinkedChannels
    evidence: EvidenceService
    pins: Pins
    scopes: GrantedScopes
    team_data: TeamData
    webhooks: Webhooks
    api_tokens: ApiTokens
    # Add to Slack (SLACK_CLIENT_ID/SECRET, no SLACK_BOT_TOKEN): every installed workspace's token; else None.
    installations: Installations | None = None

    def client_for(self, team_id: str) -> WebClient:
        """The Web API client that acts for one workspace, with that workspace's own token.

        Everything that talks to Slack for a team (listeners, the scheduler, the CLI) asks here, so that a
        leadbot installed in many workspaces through OAuth uses each one's token; with one SLACK_BOT_TOKEN it is
        that token's client.
        """
        if self.installations is None:
            return self.web
        return self.installations.client_for(team_id)

    def forget_workspace(self, team_id: str) -> None:
        """The workspace left: its token, and what was learnt with it (granted scopes), are looked up afresh."""
        self.scopes.forget(team_id)
        if self.installations is not None:
            self.installations.forget(team_id)  # its client here, and Bolt's authorize answers for it

    def reinstalled(self, team_id: str, token: str | None) -> bool:
        """Whether the workspace now has another token than `token`, which Slack just refused: it added leadbot
        again, perhaps through another process. Its client is looked up afresh either way."""
        if self.installations is None:
            return False
        self.installations.forget(team_id)
        return self.installations.client_for(team_id).token not in (None, token)

    def installed_teams(self) -> list[str] | None:
        """The workspaces that added leadbot to Slack; None with one SLACK_BOT_TOKEN (ask Slack whose it is)."""
        return None if self.installations is None else self.installations.team_ids()

    def config(self, team_id: str) -> Settings:
        """Settings for one team: the environment's, with what its admins saved in Slack on top."""
        return self.team_settings.effective(team_id)

    def policy(self, team_id: str) -> Policy:
        return Policy.from_settings(self.config(team_id))

    def close(self) -> None:
        """Let go of the database's connections, when the process is done serving."""
        self.db.dispose()

    def before_fork(self) -> None:
        """Let go of the database's connections before forking processes that go on serving (see Database)."""
        self.db.before_fork()


def migrate_database(settings: Settings) -> None:
    """Bring the database's schema up to this code's newest revision (Alembic), before serving."""
    from bot.store.migrate import upgrade  # Alembic is loaded only by the processes that migrate

    upgrade(settings.database_url)


def build_deps(settings: Settings, clock: Clock | None = None, db: Database | None = None) -> Deps:
    load_catalogs()
    set_default_language(settings.language)
    db = db or Database(settings.database_url)
    # With Add to Slack there is no one token: this client carries SLACK_API_URL and the retry rules for the
    # per-workspace ones (and for Bolt's), and oauth.v2.access.
    web = make_web_client(None if settings.oauth else settings.bot_token, settings.slack_api_url)
    team_settings = TeamSettings(db, settings)

    def config(team_id: str) -> Settings:
        return team_settings.effective(team_id)

    teams = Teams(db, config)
    installations = (
        Installations(
            db, settings.client_id, settings.client_secret,
            lambda token: make_web_client(token, settings.slack_api_url), on_installed=teams.resume,
        )
        if settings.oauth
        else None
    )
    client_for = (lambda team_id: web) if installations is None else installations.client_for

    def policy(team_id: str) -> Policy:
        return Policy.from_settings(config(team_id))

    leads = LeadService(db, policy)
    digests = Digests(db, leads)
    hours = settings.working_hours
    claim_within = timedelta(hours=float(settings.inbound_claim_within))
    scheduler_runs = SchedulerRuns(db)
    inbound = InboundService(db, leads, policy, hours, claim_within)
    directory = Directory(db, users_info_lookup(client_for), settings)
    mailbox_states = MailboxStates(db)
    # Told how to reach each workspace (Deps.client_for) once Deps exists, below.
    scopes = GrantedScopes(client_for=None)
    if installations is not None:
        installations.also_forget(scopes.forget)  # a reinstall may grant other scopes
    members = SlackMembers(
        db, users_by_email_lookup(client_for), may_look_up=lambda team_id: scopes.has(team_id, USERS_READ_EMAIL),
        scope_missing=scopes.saw_missing,
    )
    mail_log = MailLog(
        db, settings, members, mailbox_states, mail_team(settings, web, installations),
        MailActions(policy, settings.free_mail_domains),
    )
    mail_health = None if settings.mail_url is None else partial(mailbox_states.health, settings.mail_url.name)
    deps = Deps(
        settings=settings,
        db=db,
        clock=clock or SystemClock(),
        web=web,
        team_settings=team_settings,
        leads=leads,
        directory=directory,
        ledger=Ledger(db),
        followups=FollowUps(db, settings.renudge_days, policy),
        teams=teams,
        orders=Orders(db, config),
        small_buyers=SmallBuyers(db, config),
        digests=digests,
        home=Home(db, leads, digests, team_settings.is_admin),
        summaries=TeamSummaries(db),
        inbound=inbound,
        seen_events=SeenEvents(db),
        scheduler_runs=scheduler_runs,
        health=Health(
            db, scheduler_runs, stale_after=timedelta(seconds=settings.scheduler_stale_seconds), mail=mail_health
        ),
        mail_log=mail_log,
        buyer_replies=BuyerReplies(db, policy),
        linked_channels=LinkedChannels(db, leads, policy),
        mail_enquiries=MailEnquiries(db, inbound, policy, hours, claim_within),
        evidence=EvidenceService(db),
        pins=Pins(db, leads),
        scopes=scopes,
        team_data=TeamData(db, settings.keep_data_days),
        installations=installations,
        webhooks=Webhooks(db),
        api_tokens=ApiTokens(db),
    )
    scopes.client_for = deps.client_for
    return deps


def mail_team(settings: Settings, web: WebClient, installations: Installations | None):
    """The workspace the sales mailbox reports to: LEADBOT_MAIL_TEAM; else the bot token's (auth.test), or with
    Add to Slack the one installed workspace."""
    token_team = workspace_lookup(web)

    def team_id() -> str:
        if settings.mail_team:
            return settings.mail_team
        if installations is None:
            return token_team()
        teams = installations.team_ids()
        if len(teams) != 1:
            raise LookupError(
                f"leadbot is installed in {len(teams)} workspaces: set LEADBOT_MAIL_TEAM to the one the mailbox"
                " reports to"
            )
        return teams[0]

    return team_id

