"""Inbound channels: offer each new message for claiming, and turn a claim or an assignment into one lead."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import contract
from bot.blocks import inbound as inbound_blocks
from bot.blocks import leads as lead_blocks
from bot.blocks.kit import user_text
from bot.clock import local_today
from bot.container import Deps
from bot.errors import EnquiryHandled, LeadbotError
from bot.services.inbound import ASSIGN, CLAIM
from bot.text.i18n import t
from bot.text.message_text import new_top_level_message, said_in_channel
from handlers.modals import open_edit_modal
from handlers.replies import error_text, permalink, tell

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    # Every message event is taken here (Bolt answers unhandled events with 404, which Slack would
    # retry); Bolt has already dropped leadbot's own posts, the rest is sorted below.
    @app.event("message")
    def on_message(body: dict, event: dict, client: WebClient) -> None:
        team_id = body.get("team_id") or event.get("team") or ""
        said = said_in_channel(event)
        if said is not None and deps.linked_channels.said(team_id, said, deps.clock.now()) is not None:
            return  # a channel tied to a lead: a follow-up or the buyer's reply, and nothing posted there
        incoming = new_top_level_message(event)
        if incoming is None:
            return
        enquiry = deps.inbound.record(team_id, incoming, deps.clock.now())
        if enquiry is None:
            return  # not an inbound channel, or a retried or duplicate delivery of a message we have
        state = deps.inbound.channel(team_id, incoming.channel_id)
        offer = inbound_blocks.offer(
            incoming.ts, deps.settings.inbound_claim_within, state.round_robin and bool(state.claimers)
        )
        try:
            posted = client.chat_postMessage(channel=incoming.channel_id, thread_ts=incoming.ts, **offer)
            deps.inbound.replied(team_id, incoming.channel_id, incoming.ts, posted["ts"])
        except SlackApiError as error:
            # The reminder still reaches the thread later; the shortcut works on the message meanwhile.
            logger.warning("could not offer %s/%s: %s", incoming.channel_id, incoming.ts, error.response.get("error"))
        link = permalink(client, incoming.channel_id, incoming.ts)
        deps.inbound.set_permalink(team_id, incoming.channel_id, incoming.ts, link)

    def taking(how: str):
        def listener(ack, body: dict, action: dict, client: WebClient, respond) -> None:
            ack()
            team_id, user_id = body["team"]["id"], body["user"]["id"]
            channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")
            offer_ts = (body.get("container") or {}).get("message_ts")
            enquiry_ts = contract.enquiry_ts(action)
            owner = contract.picked_user(action) if how == ASSIGN else user_id
            if not owner:
                return
            now = deps.clock.now()
            try:
                taken = deps.inbound.take(
                    team_id, channel_id, enquiry_ts, owner, user_id, how, now, deps.directory.cached_tz(team_id, owner)
                )
            except EnquiryHandled as error:
                tell(respond, inbound_blocks.already_handled(error.enquiry))
                return
            except LeadbotError as error:
                tell(respond, error_text(error))
                return
            origin = {"channel": channel_id, "message_ts": offer_ts}
            lead = taken.lead
            if owner == user_id:
                # trigger_id lives 3 seconds: the form first, the thread after.
                try:
                    open_edit_modal(deps, client, team_id, user_id, str(lead.number), body["trigger_id"], origin,
                                    intro=t("inbound.details_intro", number=lead.number,
                                            company=user_text(lead.company, 120)))
                except LeadbotError:
                    pass  # the offer keeps an Add details button
            _redraw(
                client, channel_id, offer_ts,
                inbound_blocks.taken(taken.enquiry, lead, deps.settings.inbound_claim_within),
            )
            rep = deps.directory.rep(team_id, owner, now)
            if owner != user_id:
                intro = t("inbound.assigned_to_you", by=user_id, channel=channel_id)
                card = lead_blocks.lead_card(lead, local_today(now, rep.tz), intro=intro)
                try:
                    client.chat_postMessage(channel=owner, **card)
                except SlackApiError as error:
                    logger.warning(
                        "could not tell %s about lead #%s: %s", owner, lead.number, error.response.get("error")
                    )

        return listener

    app.action(contract.INBOUND_CLAIM)(taking(CLAIM))
    app.action(contract.INBOUND_ASSIGN)(taking(ASSIGN))

    @app.action(contract.INBOUND_DISMISS)
    def dismiss(ack, body: dict, action: dict, client: WebClient, respond) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")
        enquiry_ts = contract.enquiry_ts(action)
        try:
            enquiry = deps.inbound.dismiss(team_id, channel_id, enquiry_ts, user_id, deps.clock.now())
        except EnquiryHandled as error:
            tell(respond, inbound_blocks.already_handled(error.enquiry))
            return
        except LeadbotError as error:
            tell(respond, error_text(error))
            return
        _redraw(client, channel_id, (body.get("container") or {}).get("message_ts"), inbound_blocks.dismissed(enquiry))


def _redraw(client: WebClient, channel_id: str, ts: str | None, message: dict) -> None:
    """Show the thread what became of the enquiry; the change itself is saved whatever Slack says."""
    if not ts:
        return
    try:
        client.chat_update(channel=channel_id, ts=ts, **message)
    except SlackApiError as error:
        logger.warning("could not update the offer %s/%s: %s", channel_id, ts, error.response.get("error"))
