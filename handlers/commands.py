"""`/lead` and its subcommands."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable
from zoneinfo import ZoneInfo

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import inbound as inbound_blocks
from bot.blocks import kit
from bot.blocks import leads as lead_blocks
from bot.blocks.accounts import account_blocks
from bot.blocks.evidence import stats_message
from bot.blocks.followups import refusal_with_date_picker
from bot.blocks.kit import user_text
from bot.clock import local_today
from bot.container import Deps
from bot.errors import FormInvalid, LeadbotError, LeadNotFound, Msg, ReasonNeeded, ScopeMissing, TooFewTouches
from bot.home_tab import refresh_home
from bot.services.leads import REOPEN_DAYS, check_company
from bot.services.orders import OrderInput
from bot.services.scopes import history_scope
from bot.services.summary import next_send
from bot.slack_out import PERMANENT_TARGET_ERRORS, slack_error
from bot.text import formatting
from bot.text.amounts import money
from bot.text.i18n import t, tn
from bot.text.lead_command import (
    MAIL_WORDS,
    ROUND_ROBIN_WORDS,
    SUMMARY_WORDS,
    Command,
    OrderSyntaxError,
    list_scope,
    mentioned_user,
    parse,
    parse_order,
    split_channel,
    split_quick_capture,
    split_ref,
    stats_scope,
    touch_kind,
)
from bot.text.suggest import suggest_subcommand
from handlers.errors import answer_error
from handlers.modals import open_log_modal, open_lost_modal
from handlers.replies import Answer, error_text, tell, tell_manager, to_user
from handlers.settings import open_settings

logger = logging.getLogger(__name__)

# These only read, quickly: they run on the request's thread and their answer travels in the ack.
ANSWERED_IN_ACK = {"help", "unknown", "list", "show"}


@dataclass
class Call:
    """One `/lead` invocation, reduced to plain values."""

    deps: Deps
    client: WebClient
    respond: Callable
    team_id: str
    user_id: str
    channel_id: str
    trigger_id: str

    def reply(self, message: dict) -> None:
        self.respond(**message, replace_original=False)

    def today(self):
        now = self.deps.clock.now()
        return local_today(now, self.deps.directory.tz(self.team_id, self.user_id, now))


class OnTheRequestsThread(Middleware):
    """What Slack waits for happens here, on the request's own thread, never queued for a listener thread
    behind slower work (forms opening, posts to Slack): a quick read-only command runs whole and answers in
    the ack (its HTTP response); any other is acked at once, and goes on on a listener thread after.

    The command is run from here either way, not by Bolt's listener runner: Bolt would work out the listener's
    arguments anew and wrap it in its bookkeeping, about a twentieth of a `/lead new`. A Bolt Middleware object
    rather than a function, for the same reason: Bolt works out a function middleware's arguments on every
    request."""

    def __init__(self, command: Callable) -> None:
        self._command = command

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]):  # noqa: A002
        context = req.context
        arguments = (context.ack, req.body, context.respond, context.client)
        if parse(req.body.get("text", "")).name in ANSWERED_IN_ACK:
            self._run(*arguments)
        else:
            context.ack()
            context.listener_runner.listener_executor.submit(self._run, *arguments)
        return context.ack.response

    def _run(self, ack: Callable, body: dict, respond: Callable, client: WebClient) -> None:
        try:
            self._command(ack, body, respond, client)
        except Exception as error:  # Bolt's own error handler: told in words, the unexpected logged
            answer_error(error, body, respond)


def register(app: App, deps: Deps) -> None:
    on_the_requests_thread = OnTheRequestsThread(lambda *args: lead_command(*args))  # defined just below

    @app.command("/lead", middleware=[on_the_requests_thread])
    def lead_command(ack, body: dict, respond, client: WebClient) -> None:
        command = parse(body.get("text", ""))
        answer = Answer(ack, respond)
        call = Call(
            deps=deps,
            client=client,
            respond=answer,
            team_id=body["team_id"],
            user_id=body["user_id"],
            channel_id=body.get("channel_id", ""),
            trigger_id=body.get("trigger_id", ""),
        )
        try:
            ROUTES.get(command.name, show_help)(call, command)
        except LeadbotError as error:
            tell(answer, error_text(error))
            return
        finally:
            answer.ack_now()  # a command that said nothing, or failed unexpectedly, is still acked
        if command.name in CHANGES_LEADS:
            refresh_home(deps, client, call.team_id, call.user_id)


def show_help(call: Call, command: Command) -> None:
    call.reply(lead_blocks.help_message())


def unknown(call: Call, command: Command) -> None:
    """A word that is no sub-command: ask about the one it most likely meant, rather than print the whole help."""
    typed = user_text(command.typed, 60)
    suggestion = suggest_subcommand(command.typed)
    if suggestion is None:
        tell(call.respond, t("help.unknown_short", command=typed))
    else:
        tell(call.respond, t("help.did_you_mean", command=typed, suggestion=suggestion.word))


def new(call: Call, command: Command) -> None:
    company, asked_for = split_quick_capture(command.args)
    check_company(company)  # refused before the form opens, in words rather than on a field
    deps = call.deps
    now = deps.clock.now()
    if company:
        existing = deps.leads.open_lead_for_company(call.team_id, company)
        if existing is not None:
            today = local_today(now, deps.directory.cached_tz(call.team_id, call.user_id))
            intro = t(
                "lead.duplicate", company=user_text(existing.company, 120),
                number=existing.number, owner=existing.owner_id,
            )
            call.reply(lead_blocks.lead_card(existing, today, intro=intro, goal=deps.policy(call.team_id).touch_goal))
            return
    # trigger_id expires 3 s after Slack sent the command: open first, look things up after.
    today = local_today(now, deps.directory.cached_tz(call.team_id, call.user_id))
    view = lead_blocks.new_lead_modal(
        lead_blocks.NewLeadPrefill(company=company, asked_for=asked_for),
        owner_id=call.user_id,
        first_follow_up=deps.policy(call.team_id).next_follow_up(
            0, today, deps.directory.calendar(call.team_id, call.user_id)
        ),
        metadata={"channel": call.channel_id},
    )
    try:
        call.client.views_open(trigger_id=call.trigger_id, view=view)
    except SlackApiError as error:
        logger.warning("views.open failed: %s", error.response.get("error"))
        tell(call.respond, t("error.slack_busy"))
        return
    deps.directory.rep(call.team_id, call.user_id, now)  # warm the time zone cache for the submission


def list_leads(call: Call, command: Command) -> None:
    mine = list_scope(command.args) != "all"
    page = call.deps.leads.list_open(call.team_id, owner_id=call.user_id if mine else None)
    now = call.deps.clock.now()
    call.reply(lead_blocks.lead_list(page, mine, call.today(), now))


def show(call: Call, command: Command) -> None:
    """A lead's card, followed by its account's orders and answers; or the account alone."""
    ref = _require_ref(command.args, "show")
    deps = call.deps
    today = call.today()
    try:
        lead = deps.leads.find(call.team_id, ref, with_touches=True, user_id=call.user_id)
    except LeadNotFound:
        account = deps.small_buyers.account(call.team_id, ref, today)
        if account is None:
            raise
        call.reply(
            kit.message(account_blocks(account, today, deps.policy(call.team_id).potential_factor), account.name)
        )
        return
    card = lead_blocks.lead_card(lead, today, goal=deps.policy(call.team_id).touch_goal)
    account = deps.small_buyers.account(call.team_id, lead.company, today)
    if account is not None and account.orders:
        card = kit.message(
            card["blocks"] + [kit.divider()]
            + account_blocks(account, today, deps.policy(call.team_id).potential_factor),
            card["text"],
        )
    call.reply(card)


def order(call: Call, command: Command) -> None:
    """`/lead order <company> <amount> [currency] [YYYY-MM-DD] [note]`."""
    deps = call.deps
    try:
        parsed = parse_order(command.args)
    except OrderSyntaxError as error:
        if error.word:
            raise LeadbotError("error.order_amount", text=error.word) from None
        raise LeadbotError("error.order_usage") from None
    now = deps.clock.now()
    tz = deps.directory.tz(call.team_id, call.user_id, now)
    today = local_today(now, tz)
    ordered_on = parsed.ordered_on or today
    config = deps.config(call.team_id)
    currency = parsed.currency or config.currency
    item = OrderInput(parsed.company, parsed.amount.value, currency, ordered_on, parsed.note)
    recorded = deps.orders.record(call.team_id, item, call.user_id, now, tz)
    account = deps.small_buyers.account(call.team_id, recorded.account_id, today)
    amount = money(item.amount, currency)
    company = user_text(recorded.account_name, 120)
    if recorded.big:
        text = t("order.recorded_big", amount=amount, company=company, date=formatting.day(ordered_on, today),
                 ceiling=money(config.small_order_max, currency))
    else:
        text = tn("order.recorded", len(account.orders), amount=amount, company=company,
                  date=formatting.day(ordered_on, today))
    tell(call.respond, text)


def log(call: Call, command: Command) -> None:
    deps = call.deps
    ref, rest = _reference(call, command, "log")
    if not rest:
        open_log_modal(
            deps, call.client, call.team_id, call.user_id, ref, call.trigger_id, {"channel": call.channel_id}
        )
        return
    first, after = split_ref(rest)
    kind = touch_kind(first)
    kind, note = (kind, after) if kind else ("other", rest)
    now = deps.clock.now()
    tz = deps.directory.tz(call.team_id, call.user_id, now)
    lead = deps.leads.log_touch(call.team_id, ref, call.user_id, kind, note, now, tz)
    tell(call.respond, lead_blocks.touch_logged_text(lead, local_today(now, tz)))


def snooze(call: Call, command: Command) -> None:
    """`/lead snooze 12 [3|3d|1w|tomorrow|next week|monday|12/15|下周一|…]`: push the next follow-up out, no touch."""
    ref, rest = _reference(call, command, "snooze")
    deps = call.deps
    now = deps.clock.now()
    tz = deps.directory.tz(call.team_id, call.user_id, now)
    if rest:
        lead = deps.leads.reschedule(call.team_id, ref, call.user_id, rest, now, tz)
    else:
        days = deps.directory.rep(call.team_id, call.user_id, now).snooze_days or 1
        lead = deps.leads.snooze(call.team_id, ref, call.user_id, days, now, tz)
    today = local_today(now, tz)
    text = t("lead.rescheduled", number=lead.number, company=user_text(lead.company, 120),
             date=formatting.day(lead.next_follow_up_on, today))
    typed = tn("days", int(rest)) if rest.isdigit() else rest
    tell(call.respond, lead_blocks.with_date_note(text, lead, today, typed=typed))


def won(call: Call, command: Command) -> None:
    """`/lead won 12 [deal value]`: typed on purpose, so no dialog; the answer says how to undo it."""
    ref, value = _reference(call, command, "won")
    deps = call.deps
    try:
        lead = deps.leads.win(
            call.team_id, ref, call.user_id, deps.clock.now(), value=value, currency=deps.config(call.team_id).currency
        )
    except FormInvalid:
        raise LeadbotError("field.won_value_not_amount") from None
    tell(call.respond, lead_blocks.won_text(lead, REOPEN_DAYS))


def reopen(call: Call, command: Command) -> None:
    """`/lead reopen 12`: a lead won by mistake (or whose deal fell through) is open again, within 30 days."""
    ref, _ = _reference(call, command, "reopen")
    deps = call.deps
    now = deps.clock.now()
    tz = deps.directory.tz(call.team_id, call.user_id, now)
    lead = deps.leads.reopen(call.team_id, ref, call.user_id, now, tz)
    today = local_today(now, tz)
    text = t("lead.reopened", number=lead.number, company=user_text(lead.company, 120),
             date=formatting.day(lead.next_follow_up_on, today))
    tell(call.respond, lead_blocks.with_date_note(text, lead, today))


def lost(call: Call, command: Command) -> None:
    """`/lead lost 12 <why, in any words>`: the reason is read from the text; with none found, the Lost… form opens
    with the text as its note."""
    ref, rest = _reference(call, command, "lost")
    try:
        lead = call.deps.leads.lose_as_typed(call.team_id, ref, call.user_id, rest, call.deps.clock.now())
    except ReasonNeeded as needed:
        open_lost_modal(
            call.deps, call.client, call.team_id, call.user_id, str(needed.lead.number), call.trigger_id,
            {"channel": call.channel_id}, note=needed.note,
        )
        return
    except TooFewTouches as error:
        today = call.today()
        suggested = call.deps.leads.suggested_next(error.lead, today)
        refusal = error_text(error) + (" " + t("lost.note_kept") if error.note_kept else "")
        call.reply(refusal_with_date_picker(refusal, error.lead, suggested))
        return
    tell(
        call.respond,
        t("lead.lost", number=lead.number, company=user_text(lead.company, 120),
          reason=t(f"reason.{lead.lost_reason}")),
    )


def assign(call: Call, command: Command) -> None:
    ref, rest = _reference(call, command, "assign")
    if not rest:
        raise LeadbotError("error.user_missing", number=ref)
    new_owner = mentioned_user(rest.split()[0])
    if new_owner is None:
        raise LeadbotError("error.user_unresolved", text=rest.split()[0])
    deps = call.deps
    lead = deps.leads.assign(call.team_id, ref, call.user_id, new_owner, deps.clock.now())
    company = user_text(lead.company, 120)
    tell(call.respond, t("lead.assigned", number=lead.number, company=company, owner=new_owner))
    if new_owner != call.user_id:
        intro = t("lead.assigned_to_you", actor=call.user_id, number=lead.number, company=company)
        to_user(
            call.client, new_owner,
            lead_blocks.lead_card(lead, call.today(), intro=intro, goal=deps.policy(call.team_id).touch_goal),
        )


def inbound(call: Call, command: Command) -> None:
    """`/lead inbound [on|off|roundrobin on|off|mail on|off]` in the channel where enquiries land."""
    deps = call.deps
    channel = call.channel_id
    deps.inbound.check_channel(channel)  # before anything is posted there
    words = command.args.lower().split()
    within = deps.settings.inbound_claim_within
    now = deps.clock.now()
    if not words:
        state = deps.inbound.channel(call.team_id, channel)
        text = inbound_blocks.state_text(channel, state, within)
        if state.mail:
            text += " " + inbound_blocks.mail_state_text(channel, True)
        if state.enabled and not deps.scopes.has(call.team_id, history_scope(channel)):
            # Turned on while the scope was granted, since taken away: no message arrives here any more.
            text += "\n" + error_text(ScopeMissing(history_scope(channel)))
        tell(call.respond, text)
    elif words == ["on"]:
        # An inbound channel is read message by message: without the history scope nothing would ever arrive.
        deps.scopes.require(call.team_id, history_scope(channel))
        # Saying so in the channel tells everyone what the buttons will be, and proves leadbot can post there.
        announcement = t("inbound.announce", user=call.user_id, within=inbound_blocks.within_text(within))
        try:
            call.client.chat_postMessage(channel=channel, **lead_blocks.notice(announcement))
        except SlackApiError as error:
            if slack_error(error) in PERMANENT_TARGET_ERRORS:
                raise LeadbotError("inbound.not_in_channel", channel=channel) from None
            raise
        state = deps.inbound.set_enabled(call.team_id, channel, True, call.user_id, now)
        tell(
            call.respond,
            t("inbound.turned_on", channel=channel) + " " + inbound_blocks.state_text(channel, state, within),
        )
    elif words == ["off"]:
        deps.inbound.set_enabled(call.team_id, channel, False, call.user_id, now)
        tell(call.respond, t("inbound.turned_off", channel=channel))
    elif len(words) == 2 and words[0] in ROUND_ROBIN_WORDS and words[1] in ("on", "off"):
        state = deps.inbound.set_round_robin(call.team_id, channel, words[1] == "on", call.user_id, now)
        tell(call.respond, inbound_blocks.round_robin_text(channel, state, within))
    elif words and words[0] in MAIL_WORDS and (len(words) == 1 or (len(words) == 2 and words[1] in ("on", "off"))):
        _inbound_mail(call, channel, None if len(words) == 1 else words[1] == "on")
    else:
        raise LeadbotError("inbound.usage")


def _inbound_mail(call: Call, channel: str, on: bool | None) -> None:
    """`/lead inbound mail on|off`: enquiries that arrive in the sales mailbox are posted here (or no longer)."""
    deps = call.deps
    if on is None:
        on = deps.inbound.channel(call.team_id, channel).mail
    elif on:
        # As for `/lead inbound on`: saying so proves leadbot can post here before any mail is sent its way.
        try:
            announcement = t("inbound.mail_announce", user=call.user_id)
            call.client.chat_postMessage(channel=channel, **lead_blocks.notice(announcement))
        except SlackApiError as error:
            if slack_error(error) in PERMANENT_TARGET_ERRORS:
                raise LeadbotError("inbound.not_in_channel", channel=channel) from None
            raise
        deps.inbound.set_mail(call.team_id, channel, True, call.user_id, deps.clock.now())
    else:
        deps.inbound.set_mail(call.team_id, channel, False, call.user_id, deps.clock.now())
    text = inbound_blocks.mail_state_text(channel, on)
    if not deps.mail_log.configured:
        text += " " + t("inbound.mail_not_set")
    tell(call.respond, text)


def link(call: Call, command: Command) -> None:
    """`/lead link <number> [#channel]`: tie a lead to a channel (here, unless another is named), usually one
    shared with the customer; what is said there then logs itself."""
    deps = call.deps
    words, channel = split_channel(command.args)
    channel = channel or call.channel_id
    if not words:
        raise LeadbotError("link.usage")
    ref, _rest = _reference(call, Command(command.name, words), "link")
    lead = deps.linked_channels.check_link(call.team_id, ref, channel, call.user_id)
    # What is said in a linked channel logs itself only if leadbot may read it.
    deps.scopes.require(call.team_id, history_scope(channel))
    if channel not in deps.linked_channels.channels_of(call.team_id, lead.number):
        # The one line leadbot says in that channel (the customer reads it too), and proof it may post there.
        try:
            call.client.chat_postMessage(channel=channel, **lead_blocks.notice(t("link.announce", user=call.user_id)))
        except SlackApiError as error:
            if slack_error(error) in PERMANENT_TARGET_ERRORS:
                raise LeadbotError("link.not_in_channel", channel=channel) from None
            raise
    lead = deps.linked_channels.link(call.team_id, ref, channel, call.user_id, deps.clock.now())
    tell(call.respond, t("link.linked", channel=channel, number=lead.number, company=user_text(lead.company, 120)))


def unlink(call: Call, command: Command) -> None:
    """`/lead unlink <number>`: its channels' messages are no longer follow-ups or replies."""
    ref, _rest = _reference(call, command, "unlink")
    lead, channels = call.deps.linked_channels.unlink(call.team_id, ref, call.user_id)
    listed = t("text.list_separator").join(f"<#{channel}>" for channel in channels)
    tell(call.respond, t("link.unlinked", channels=listed, number=lead.number, company=user_text(lead.company, 120)))


def _require_ref(args: str, subcommand: str) -> str:
    if not args.strip():
        raise LeadbotError("error.ref_missing", example=Msg(f"example.{subcommand}"))
    return args.strip()


def _reference(call: Call, command: Command, subcommand: str) -> tuple[str, str]:
    """The lead the command's text starts with (its number, as the services take it) and the words after it.

    Which lead a word like `gulf` means is the service's rule; the handler only passes the text on.
    """
    found = call.deps.leads.reference(call.team_id, call.user_id, _require_ref(command.args, subcommand))
    return str(found.number), found.rest


def summary(call: Call, command: Command) -> None:
    """`/lead summary [on|off|daily|weekly]`: where and how often the team summary comes."""
    deps = call.deps
    word = command.args.strip().lower()
    word = SUMMARY_WORDS.get(word, word)
    now = deps.clock.now()
    config = deps.config(call.team_id)
    if word == "on":
        change = deps.teams.set_summary_channel(call.team_id, call.channel_id, call.user_id, now)
        tell(call.respond, t("summary.on", channel=call.channel_id, schedule=_schedule_text(config)))
    elif word == "off":
        change = deps.teams.set_summary_channel(call.team_id, None, call.user_id, now)
        tell(call.respond, t("summary.off"))
    elif word in ("daily", "weekly"):
        change = deps.team_settings.set_summary_schedule(call.team_id, word, call.user_id, now)
        tell(call.respond, t("summary.schedule_set", schedule=_schedule_text(deps.config(call.team_id))))
    elif word:
        raise LeadbotError("summary.usage")
    else:
        channel, _ = deps.teams.summary_channel(call.team_id)
        if channel is None:
            tell(call.respond, t("summary.status_off"))
            return
        when = next_send(now, config.summary_schedule, config.team_tz, config.calendar)
        local = when.astimezone(ZoneInfo(config.team_tz))
        next_text = f"{formatting.day(local.date(), local.date())} {local:%H:%M}"
        tell(call.respond, t("summary.status_on", channel=channel, schedule=_schedule_text(config), next=next_text))
        return
    if change.tell:
        tell_manager(call.client, change, deps.directory.language(call.team_id, change.tell, now))


def _schedule_text(config) -> str:
    return t(f"summary.schedule_{config.summary_schedule}", tz=config.team_tz)


def stats(call: Call, command: Command) -> None:
    """`/lead stats [me]`: does the method pay, in the team's (or one's own) numbers; only the asker sees it."""
    deps = call.deps
    config = deps.config(call.team_id)
    owner = call.user_id if stats_scope(command.args) == "me" else None
    evidence = deps.evidence.report(call.team_id, deps.clock.now(), config.evidence_months, config.currency, owner)
    call.reply(stats_message(evidence))


def settings(call: Call, command: Command) -> None:
    open_settings(call.deps, call.client, call.team_id, call.user_id, call.trigger_id)


ROUTES: dict[str, Callable[[Call, Command], None]] = {
    "help": show_help,
    "unknown": unknown,
    "new": new,
    "list": list_leads,
    "show": show,
    "log": log,
    "snooze": snooze,
    "won": won,
    "reopen": reopen,
    "lost": lost,
    "assign": assign,
    "order": order,
    "summary": summary,
    "settings": settings,
    "inbound": inbound,
    "link": link,
    "unlink": unlink,
    "stats": stats,
}
# After these, a rep's Home tab may show something different.
CHANGES_LEADS = {"log", "snooze", "won", "reopen", "lost", "assign", "order"}
