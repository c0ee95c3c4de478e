"""The team summary in its channel (weekly with a chart, or daily), and the DM asking to invite leadbot there."""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk.errors import SlackApiError

from bot.blocks.chart import summary_chart
from bot.blocks.evidence import with_evidence
from bot.blocks.leads import notice
from bot.blocks.summary import summary_message
from bot.container import Deps
from bot.services.evidence import Evidence
from bot.services.ledger import DeliveryView
from bot.services.summary import SUMMARY, SUMMARY_HELP, SummaryData, due_periods, next_send
from bot.slack_out import slack_error
from bot.text.i18n import t
from scheduler.kinds.kind import Kind

logger = logging.getLogger(__name__)


def plan(deps: Deps, now: datetime, stopped: set[str]) -> int:
    """Each team's summary once per period, from its send time on (a run missed then catches up that period)."""
    claimed = 0
    for team_id, channel, enabled_by in deps.teams.with_summaries():
        if team_id in stopped:
            continue
        config = deps.config(team_id)
        for period in due_periods(now, config.summary_schedule, config.team_tz, config.calendar):
            if now < period.send_at:
                continue
            payload = {
                "start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label,
                "schedule": config.summary_schedule, "enabled_by": enabled_by,
            }
            claimed += deps.ledger.claim_one(team_id, SUMMARY, channel, period.key, channel, payload, now)
    return claimed


def render(deps: Deps, delivery: DeliveryView, now: datetime, tz: str | None) -> tuple[dict | None, dict | None]:
    """The period's numbers, or nothing when nothing happened and nothing is open."""
    data = _data(deps, delivery)
    start, end = datetime.fromisoformat(delivery.payload["start"]), datetime.fromisoformat(delivery.payload["end"])
    times = deps.inbound.response_times(delivery.team_id, start, end)
    replies = deps.buyer_replies.stats(delivery.team_id, start, end)
    if data.is_empty and not times and not replies.replies:
        return None, None
    currency = deps.config(delivery.team_id).currency
    message = summary_message(data, delivery.payload["label"], currency, response_times=times, buyer_replies=replies)
    evidence = _evidence(deps, delivery)
    return (with_evidence(message, evidence) if evidence is not None else message), None


def _evidence(deps: Deps, delivery: DeliveryView) -> Evidence | None:
    """Does the method pay, as of the period's end (so a redraw says the same): weekly summaries only."""
    if delivery.payload.get("schedule") != "weekly":
        return None
    config = deps.config(delivery.team_id)
    end = datetime.fromisoformat(delivery.payload["end"])
    return deps.evidence.report(delivery.team_id, end, config.evidence_months, config.currency)


def _data(deps: Deps, delivery: DeliveryView) -> SummaryData:
    config = deps.config(delivery.team_id)
    start = datetime.fromisoformat(delivery.payload["start"])
    end = datetime.fromisoformat(delivery.payload["end"])
    return deps.summaries.compute(
        delivery.team_id, start, end, config.min_touches, config.potential_factor,
        currency=config.currency, touch_goal=deps.policy(delivery.team_id).touch_goal,
    )


def upload_chart(deps: Deps, delivery: DeliveryView, channel: str, ts: str) -> None:
    """Upload the week's chart into the summary's thread; the text summary stands on its own if this fails."""
    if delivery.payload.get("schedule") != "weekly":
        return  # the chart comes with the weekly summary only
    data = _data(deps, delivery)
    labels = deps.directory.names(delivery.team_id, sorted(set(data.touches_by_rep) | set(data.goal_by_rep)))
    try:
        evidence = _evidence(deps, delivery)
        png = summary_chart(data, labels, follow_ups=evidence.follow_ups if evidence else None)
        deps.client_for(delivery.team_id).files_upload_v2(
            channel=channel, thread_ts=ts, content=png, filename="leadbot-summary.png",
            title=f"leadbot — {delivery.payload.get('label', '')}",
        )
    except SlackApiError as error:
        logger.warning("could not upload the summary chart to %s: %s", channel, slack_error(error))
    except Exception:
        logger.exception("could not draw or upload the summary chart for %s", delivery.team_id)


def channel_gone(deps: Deps, delivery: DeliveryView, error: str, now: datetime) -> None:
    """Not invited: tell whoever turned summaries on how to invite leadbot. Archived or deleted: stop."""
    if error == "not_in_channel":
        enabled_by = delivery.payload.get("enabled_by")
        if enabled_by:
            deps.ledger.claim_one(
                delivery.team_id, SUMMARY_HELP, delivery.target, delivery.period, enabled_by,
                {"channel": delivery.target}, now,
            )
        return
    deps.teams.stop_summaries(delivery.team_id, now)
    logger.warning(
        "team summary channel %s of %s answered %s; summaries are off", delivery.target, delivery.team_id, error
    )


def next_due(deps: Deps, after: datetime) -> datetime | None:
    found = []
    for team_id, _channel, _by in deps.teams.with_summaries():
        config = deps.config(team_id)
        found.append(next_send(after, config.summary_schedule, config.team_tz, config.calendar))
    return min(found, default=None)


def render_help(deps: Deps, delivery: DeliveryView, now: datetime, tz: str | None) -> tuple[dict | None, dict | None]:
    return notice(t("summary.invite_me", channel=delivery.payload["channel"])), None


KIND = Kind(SUMMARY, render, plan=plan, next_due=next_due, after_sent=upload_chart, target_gone=channel_gone)
# Written by `channel_gone` when leadbot is not in the summary's channel; a DM like any other.
HELP = Kind(SUMMARY_HELP, render_help)
