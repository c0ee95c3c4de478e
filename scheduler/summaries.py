"""The team summary's extras: the chart beside it, and what to do when its channel is out of reach."""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk.errors import SlackApiError

from bot.blocks.chart import summary_chart
from bot.container import Deps
from bot.services.ledger import DeliveryView, Ledger
from bot.services.summary_schedule import SUMMARY_HELP
from bot.slack_out import slack_error
from scheduler.messages import summary_data

logger = logging.getLogger(__name__)



def upload_chart(deps: Deps, delivery: DeliveryView, channel: str, ts: str) -> None:
    """Upload the week's chart into the summary's thread; the text summary stands on its own if this fails."""
    data = summary_data(deps, delivery)
    labels = deps.directory.names(delivery.team_id, list(data.touches_by_rep))
    try:
        png = summary_chart(data, labels)
        deps.web.files_upload_v2(
            channel=channel, thread_ts=ts, content=png, filename="leadbot-summary.png",
            title=f"leadbot — {delivery.payload.get('label', '')}",
        )
    except SlackApiError as error:
        logger.warning("could not upload the summary chart to %s: %s", channel, slack_error(error))
    except Exception:
        logger.exception("could not draw or upload the summary chart for %s", delivery.team_id)


def summary_channel_gone(deps: Deps, delivery: DeliveryView, error: str, now: datetime) -> None:
    """Not invited: tell whoever turned summaries on how to invite leadbot. Archived or deleted: stop."""
    if error == "not_in_channel":
        enabled_by = delivery.payload.get("enabled_by")
        if enabled_by:
            with deps.db.uow() as uow:
                Ledger.claim(
                    uow.session, delivery.team_id, SUMMARY_HELP, delivery.target, delivery.period, enabled_by,
                    {"channel": delivery.target}, now,
                )
                uow.commit()
        return
    deps.teams.set_summary_channel(delivery.team_id, None, None, now)
    logger.warning(
        "team summary channel %s of %s answered %s; summaries are off", delivery.target, delivery.team_id, error
    )
