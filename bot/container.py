"""The composition root: builds every long-lived object once, from explicit settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from slack_sdk import WebClient

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.db import Database
from bot.services.followups import FollowUps
from bot.services.inbound import InboundService
from bot.services.leads import LeadService
from bot.services.ledger import Ledger
from bot.services.policy import Policy
from bot.services.reps import Directory
from bot.services.teams import Teams
from bot.slack_out import make_web_client, users_info_lookup
from bot.worktime import WorkingHours


@dataclass
class Deps:
    settings: Settings
    db: Database
    clock: Clock
    policy: Policy
    web: WebClient
    leads: LeadService
    directory: Directory
    ledger: Ledger
    followups: FollowUps
    teams: Teams
    inbound: InboundService


def build_deps(settings: Settings, clock: Clock | None = None, db: Database | None = None) -> Deps:
    db = db or Database(settings.database_url)
    policy = Policy.from_settings(settings)
    web = make_web_client(settings.bot_token, settings.slack_api_url)
    hours = WorkingHours(settings.workdays, *settings.work_hours)
    leads = LeadService(db, policy)
    claim_within = timedelta(hours=float(settings.inbound_claim_within))
    return Deps(
        settings=settings,
        db=db,
        clock=clock or SystemClock(),
        policy=policy,
        web=web,
        leads=leads,
        directory=Directory(db, users_info_lookup(web), settings.team_tz),
        ledger=Ledger(db),
        followups=FollowUps(db, policy, hours),
        teams=Teams(db),
        inbound=InboundService(db, leads, policy, hours, claim_within),
    )
