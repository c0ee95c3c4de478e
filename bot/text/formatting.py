"""Numbers, dates and ages the way a rep reads them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.text.i18n import current_language, t, tn

WAN = Decimal(10_000)


def number(value: Decimal) -> str:
    """12345.5 → "12,345.50" (whole numbers lose the cents); in Chinese 24000 → "2.4万", as a reader expects."""
    if current_language() == "zh" and abs(value) >= WAN:
        return t("unit.ten_thousand", value=f"{(value / WAN).quantize(Decimal('0.01')).normalize():f}")
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def amount(value: Decimal | None, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{number(value)} {unit}".strip()


def day(value: date, today: date) -> str:
    """"Tue 1 Dec" / "12月1日 周二", with the year only when it is not this year."""
    key = "format.day" if value.year == today.year else "format.day_year"
    weekday, month = t(f"weekday.{value.isoweekday()}"), t(f"month.{value.month}")
    return t(key, weekday=weekday, day=value.day, month=month, year=value.year)


def goal_aim(min_touches: int, goal: int) -> str:
    """The follow-ups we aim for per lead: "3–5" from LEADBOT_MIN_TOUCHES to 5, or just the minimum above 5."""
    return f"{min_touches}–{goal}" if goal > min_touches else str(min_touches)


def follow_up_goal(touches: int, min_touches: int, goal: int, lang: str | None = None) -> str:
    """"1 of 3 follow-ups (aim for 3–5)": a lead against the goal, said the same way on every surface."""
    return tn("goal.progress", min_touches, lang, count=touches, min=min_touches, aim=goal_aim(min_touches, goal))


def lead_goal(lead, lang: str | None = None) -> str:
    """`follow_up_goal` for a lead view (its touch count, and the team's minimum and goal it was read with)."""
    return follow_up_goal(lead.touch_count, lead.min_touches, lead.touch_goal, lang)


def age_days(since: datetime, now: datetime) -> int:
    return max(0, (now - since).days)


def calendar_days(since: datetime, today: date, tz: str) -> int:
    """Calendar days from `since` to `today` on the reader's own calendar."""
    return max(0, (today - since.astimezone(ZoneInfo(tz)).date()).days)


def slack_date(instant: datetime) -> str:
    """A time every reader sees in their own time zone (Slack's date token), with a UTC fallback."""
    return f"<!date^{int(instant.timestamp())}^{{date_short_pretty}} at {{time}}|{instant:%Y-%m-%d %H:%M} UTC>"


def plain_number(value: Decimal) -> str:
    """1 → "1", 0.50 → "0.5", 10 → "10" (never "1E+1")."""
    return format(value.normalize(), "f")
