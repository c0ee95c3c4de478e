"""When `run_due` may next find work: the earliest due instant the database holds after a given moment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from bot.container import Deps
from bot.services.summary_schedule import next_send
from bot.store.models import ENQUIRY_OPEN, OPEN, PENDING, Account, Delivery, Enquiry, Lead, Rep


def next_due(deps: Deps, after: datetime) -> datetime | None:
    """The first instant after `after` at which something may be due, or None when nothing is planned.

    The due columns move to the exact moment work becomes real (working hours, time zones), so
    running `run_due` at each of these instants sends everything when it would have been sent by a
    scheduler ticking every minute. Escalations have no column: they ride along on a nudge, or wait
    for the manager's working hours.
    """
    with deps.db.read() as uow:
        session = uow.session
        found = [
            session.scalar(
                select(func.min(Rep.next_digest_at)).where(Rep.next_digest_at > after, Rep.active.is_(True))
            ),
            session.scalar(select(func.min(Lead.nudge_due_at)).where(Lead.nudge_due_at > after, Lead.status == OPEN)),
            session.scalar(select(func.min(Account.check_due_at)).where(Account.check_due_at > after)),
            session.scalar(
                select(func.min(Enquiry.remind_due_at)).where(
                    Enquiry.status == ENQUIRY_OPEN, Enquiry.remind_due_at > after
                )
            ),
            session.scalar(
                select(func.min(Delivery.next_attempt_at)).where(
                    Delivery.status == PENDING, Delivery.next_attempt_at > after
                )
            ),
        ]
    for team_id, _channel, _by in deps.teams.with_summaries():
        config = deps.config(team_id)
        found.append(next_send(after, config.summary_schedule, config.team_tz, config.workdays))
    if deps.settings.escalate_after:
        for team_id in deps.followups.teams_with_ignored_leads(deps.settings.escalate_after):
            manager = deps.config(team_id).manager
            if manager:
                rep = deps.directory.rep(team_id, manager, after)
                found.append(rep.hours.first_working_instant(after, rep.tz))
    later = [instant for instant in found if instant is not None and instant > after]
    return min(later) if later else None
