"""A rep pins a lead to the top of *Call these first*, or lets it go back to its rank."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from bot.services.lead_views import LeadView
from bot.services.leads import LeadService
from bot.store.database import Database
from bot.store.models import OPEN, Lead


class Pins:
    def __init__(self, db: Database, leads: LeadService) -> None:
        self.db = db
        self.leads = leads

    def pin(self, team_id: str, ref: str, user_id: str, pinned: bool, now: datetime) -> LeadView:
        """Pin (or unpin) an open lead; its owner or an admin only, as for any change to a lead."""
        lead = self.leads.editable(team_id, ref, user_id)  # refuses anyone else, and closed leads
        with self.db.uow() as uow:
            uow.session.execute(
                update(Lead)
                .where(Lead.team_id == team_id, Lead.number == lead.number, Lead.status == OPEN)
                .values(pinned_at=now if pinned else None)
            )
            uow.commit()
        return self.leads.find(team_id, str(lead.number))
