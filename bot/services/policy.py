"""The team's follow-up rules: cadence, minimum touches, how much to believe a claim."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from bot.config import Settings
from bot.work_calendar import WorkCalendar


@dataclass(frozen=True)
class Policy:
    cadence: tuple[int, ...]
    keep_warm_days: int
    min_touches: int
    touch_goal: int
    potential_factor: Decimal
    admins: frozenset[str]
    team_tz: str
    renudge_days: int
    # The team's working days (LEADBOT_WORKDAYS less LEADBOT_HOLIDAYS), for owners who chose none of their own.
    calendar: WorkCalendar = WorkCalendar(frozenset(range(1, 6)))
    # Quiet leads a rep can call in a day (LEADBOT_DAILY_FOCUS), and the money realistic potentials are ranked in.
    daily_focus: int = 5
    currency: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> "Policy":
        return cls(
            cadence=settings.cadence,
            keep_warm_days=settings.keep_warm_days,
            min_touches=settings.min_touches,
            touch_goal=max(settings.min_touches, 5),
            potential_factor=settings.potential_factor,
            admins=settings.admins,
            team_tz=settings.team_tz,
            renudge_days=settings.renudge_days,
            calendar=settings.calendar,
            daily_focus=settings.daily_focus,
            currency=settings.currency,
        )

    def is_admin(self, user_id: str) -> bool:
        """Admins (LEADBOT_ADMINS) may change any lead and the team's rules."""
        return user_id in self.admins

    def days_to_step(self, step: int) -> int:
        """Days from the last touch to follow-up number `step` (0 = first after capture)."""
        return self.cadence[step] if step < len(self.cadence) else self.keep_warm_days

    def next_follow_up(self, step: int, from_day: date, calendar: WorkCalendar | None = None) -> date:
        """The cadence's date for follow-up `step`, on the owner's next working day when it lands on a rest day.

        `calendar` is the owner's; the team's when not given.
        """
        return (calendar or self.calendar).next_working_day(from_day + timedelta(days=self.days_to_step(step)))

    def realistic(self, claimed: Decimal | None) -> Decimal | None:
        return None if claimed is None else (claimed * self.potential_factor).quantize(Decimal("0.01"))
