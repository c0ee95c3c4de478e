"""Every sentence a user reads, in one catalog keyed by message id, so it can be translated."""

from __future__ import annotations

from string import Formatter

DEFAULT_LANGUAGE = "en"

EN: dict[str, str] = {
    # Generic
    "error.unexpected": "Sorry — something went wrong on our side and nothing was changed. Please try again in a minute.",
    "error.slack_busy": "Slack took too long to open the form. Please run the command again.",
    "error.lead_not_found": "I can't find lead {ref}. Try `/lead list all` to see the open leads and their numbers.",
    "error.ref_missing": "Which lead? Give its number or company, e.g. `{example}`.",
    "error.not_allowed": "Only the owner (<@{owner}>) or an admin can change #{number}. Ask them, or ask an admin to `/lead assign` it to you.",
    "error.closed": "#{number} {company} is already {status}; there is nothing to change.",
    "error.company_too_long": "Company names can be at most {max} characters — that one has {length}. Please shorten it.",
    "error.user_missing": "Who should own it? Mention them, e.g. `/lead assign {number} @maria`.",
    "error.user_unresolved": "I couldn't read “{text}” as a person. Mention them with @ so Slack links the name, e.g. `/lead assign 12 @maria`.",
    "error.lost_reason_unknown": "Please pick why it was lost: {reasons}. Example: `/lead lost 12 competitor went with Zhang Coatings`.",
    "error.too_few_touches": "Not yet — #{number} has only {touches} of the {min} follow-ups we aim for. Buyers take one to three months to decide, and most go quiet while they do. Log a follow-up or set the next date instead (`/lead log {number}`).",
    # Form field errors
    "field.company_required": "Please enter the company.",
    "field.too_long": "At most {max} characters, please.",
    "field.potential_not_number": "Enter a number, such as 5000 (no units here; put them below).",
    "field.potential_negative": "The potential can't be negative.",
    "field.date_past": "Pick today or a later date.",
    "field.date_missing": "Pick a date for the next follow-up.",
    "field.required": "Please choose one.",
    # Commands and help
    "help.title": "leadbot — never let an enquiry die for lack of follow-up",
    "help.unknown": "I don't know `{command}`. Here is what I can do:",
    "help.body": (
        "*`/lead new [company — what they asked for]`* capture an enquiry (opens a form)\n"
        "*`/lead list [mine|all]`* open leads, most urgent first\n"
        "*`/lead show <number or company>`* one lead with its follow-ups\n"
        "*`/lead log <number or company> [call|email|visit|message|meeting] [note]`* record a follow-up\n"
        "*`/lead won <number>`* mark it won\n"
        "*`/lead lost <number> <reason> [note]`* mark it lost — reasons: competitor, cancelled, budget, fit, silent, other\n"
        "*`/lead assign <number> @person`* give it to someone else\n"
        "*`/lead inbound [on|off]`* make this channel an inbound channel: each new message gets *Claim*, *Assign to…*, *Not an enquiry*\n"
        "*`/lead inbound roundrobin on|off`* give enquiries nobody claims to the next rep in turn\n"
        "*Capture as lead* (on any message's ⋮ menu) turns that message into a lead\n"
        "*`/lead help`* this message"
    ),
    "help.footer": "Customers usually take one to three months to decide. Follow up three to five times before you give up.",
    # Lead card and list
    "lead.saved": "Saved #{number} {company}.",
    "lead.saved_for_owner": "Saved #{number} {company} for <@{owner}> — I've sent them the card.",
    "lead.captured_for_you": "<@{capturer}> captured a lead for you.",
    "lead.assigned_to_you": "<@{actor}> assigned #{number} {company} to you.",
    "lead.assigned": "#{number} {company} now belongs to <@{owner}>.",
    "lead.duplicate": "{company} already has an open lead: #{number}, owned by <@{owner}>. Nothing new was saved — log a follow-up on it instead.",
    "lead.duplicate_title": "Already a lead",
    "lead.touch_logged": "Logged a follow-up on #{number} {company} ({touches} so far). Next follow-up: {next}.",
    "lead.won": "#{number} {company} is won. Well done — the follow-ups paid off.",
    "lead.lost": "#{number} {company} is closed as lost ({reason}).",
    "lead.header": "#{number} {company}",
    "lead.owner": "*Owner*\n<@{owner}>",
    "lead.situation": "*Situation*\n{situation}",
    "lead.contact": "*Contact*\n{contact}",
    "lead.source": "*Came from*\n{source}",
    "lead.asked_for": "*Asked for*\n{text}",
    "lead.potential": "*Claimed potential*\n{claimed}",
    "lead.realistic": "*Plan on*\n{realistic} (customers exaggerate — we plan on {percent}%)",
    "lead.next": "*Next follow-up*\n{date}",
    "lead.next_none": "*Next follow-up*\nnone",
    "lead.touches": "*Follow-ups*\n{touches} of the {goal} we aim for",
    "lead.status": "*Status*\n{status}",
    "lead.notes": "*Discovery notes*\n{text}",
    "lead.questions": "*Ask next*\n{questions}",
    "lead.history": "*Follow-ups so far*\n{lines}",
    "lead.history_line": "{date} · {kind} by <@{user}>{note}",
    "lead.button_log": "Log follow-up",
    "list.title_mine": "Your open leads",
    "list.title_all": "All open leads",
    "list.empty_mine": "You have no open leads. Capture one with `/lead new`.",
    "list.empty_all": "There are no open leads yet. Capture one with `/lead new`.",
    "list.line": "*#{number} {company}* · <@{owner}> · {age} old · {touches} follow-ups · next {next}",
    "list.more": "…and {count} more. Use `/lead show <number>` for any of them.",
    "list.overdue": "{date} (overdue)",
    # Modals
    "modal.new_title": "New lead",
    "modal.log_title": "Log follow-up",
    "modal.save": "Save",
    "modal.cancel": "Cancel",
    "modal.close": "Close",
    "form.company": "Company",
    "form.company_hint": "e.g. Acme Oilfield Design Institute",
    "form.contact_name": "Contact name",
    "form.contact_role": "Their role",
    "form.source": "How they reached us",
    "form.asked_for": "What they asked for",
    "form.situation": "The buyer's situation",
    "form.situation_hint": "Ask plainly: “Sorry — three minutes now saves you many questions later.”",
    "form.discovery": "Discovery notes",
    "form.discovery_hint": "Situation, problem, implication, need-payoff",
    "form.potential": "Claimed potential",
    "form.potential_hint": "What they say — we'll plan on half",
    "form.potential_unit": "What it measures",
    "form.potential_unit_hint": "e.g. yearly volume in tonnes",
    "form.owner": "Owner",
    "form.first_follow_up": "First follow-up",
    "form.touch_kind": "How you followed up",
    "form.touch_note": "Note",
    "form.buyer_said": "What the buyer said",
    "form.next_follow_up": "Next follow-up",
    "form.next_follow_up_hint": "Leave as is to follow the cadence, or pick the date the buyer gave",
    # Value labels
    "source.website": "Website",
    "source.marketing": "Marketing",
    "source.referral": "Referral",
    "source.trade_show": "Trade show",
    "source.inbound_call": "Inbound call",
    "source.other": "Other",
    "situation.boss_research": "Their boss asked them to research whether to buy",
    "situation.wants_to_buy": "They mean to buy but don't know how yet",
    "situation.comparing": "Comparing vendors",
    "situation.trial": "Trial / small first order",
    "situation.unknown": "Don't know yet",
    "status.open": "open",
    "status.won": "won",
    "status.lost": "lost",
    "kind.call": "Call",
    "kind.email": "Email",
    "kind.visit": "Visit",
    "kind.message": "Message",
    "kind.meeting": "Meeting",
    "kind.other": "Follow-up",
    "reason.competitor": "chose a competitor",
    "reason.cancelled": "project cancelled",
    "reason.no_budget": "no budget",
    "reason.not_fit": "not a fit",
    "reason.went_silent": "stopped answering / only wanted a proposal",
    "reason.other": "other",
    # Discovery questions by situation
    "ask.boss_research": (
        "Who will decide, and who else sits in that meeting?\n"
        "What must their report answer — cost, feasibility, risk?\n"
        "When is the report due?"
    ),
    "ask.wants_to_buy": (
        "What made them start looking now?\n"
        "How does buying work there — project proposal, procurement meeting, technical selection?\n"
        "Can we help them write the project proposal?"
    ),
    "ask.comparing": (
        "Which other vendors are they looking at, and what do they like about them?\n"
        "What will decide it — price, delivery, technical fit?\n"
        "When will they choose?"
    ),
    "ask.trial": (
        "What does a successful trial look like to them?\n"
        "What volume follows if it works?\n"
        "Who signs off the bigger order?"
    ),
    "ask.unknown": (
        "What's the background — who asked for this, and why now?\n"
        "What happens if they do nothing?\n"
        "Who else is involved in the decision?"
    ),
    # Units of time
    "age.days": "{count}d",
    "days.one": "{count} day",
    "days.other": "{count} days",
    "date.today": "today",
    # Nudges: a lead went quiet
    "nudge.header": "Time to follow up",
    "nudge.intro.one": "One lead has gone quiet. Buyers take one to three months to decide, and most go silent while they do — a follow-up now keeps you in the running.",
    "nudge.intro.other": "{count} leads have gone quiet. Buyers take one to three months to decide, and most go silent while they do — whoever follows up wins.",
    "nudge.lead": "*#{number} {company}*{asked}\n{situation} · {silent} since the last contact · {touches} of the {min}–{goal} follow-ups we aim for\n_Ask:_ {question}",
    "nudge.asked": " — {text}",
    "nudge.more": "…and {count} more quiet leads. See them all with `/lead list`.",
    "nudge.snooze": "Snooze",
    "nudge.snooze_days.one": "{count} day",
    "nudge.snooze_days.other": "{count} days",
    "nudge.snooze_week": "1 week",
    "nudge.buyer_said_later": "Buyer said later",
    "nudge.won": "Won",
    "nudge.lost": "Lost…",
    "nudge.done_logged": "✓ Follow-up logged — next one {date}.",
    "nudge.done_rescheduled": "✓ Next follow-up {date}.",
    "nudge.done_buyer_date": "✓ The buyer said {date}; I'll remind you then.",
    "nudge.done_won": "✓ Won. Well done.",
    "nudge.done_lost": "✓ Closed as lost ({reason}).",
    "nudge.done_reassigned": "✓ Now with <@{owner}>.",
    # Escalation and owners who left
    "escalation.header": "Leads going cold",
    "escalation.intro": "Their owners have had {count} reminders without logging a follow-up. A word from you may help:",
    "escalation.line": "*#{number} {company}* · <@{owner}> · {silent} since the last contact · {touches} follow-ups",
    "orphan.text": "<@{owner}> is no longer reachable in Slack, so nobody is following up {count} open leads: {numbers}. Give each a new owner with `/lead assign <number> @person`.",
    "list.needs_owner": " · ⚠ needs a new owner",
    # Closing as lost, and rescheduling instead
    "modal.lost_title": "Close as lost",
    "modal.reschedule_title": "Next follow-up",
    "modal.schedule": "Schedule",
    "form.lost_reason": "Why was it lost?",
    "form.lost_note": "Note",
    "field.note_required": "Please add a short note for “other”.",
    "lost.offer_next": "Pick the next follow-up instead:",
    "lead.rescheduled": "#{number} {company}: next follow-up {date}.",
    "lead.buyer_date_set": "#{number} {company}: the buyer said {date}; I'll remind you then.",
    # --- Enquiries that arrive in Slack: capture from a message, inbound channels, claiming (issue 9) ---
    "source.slack_message": "Slack message",
    "source.inbound_channel": "Inbound channel",
    "lead.source_link": "*Came from*\n{source} · <{link}|see the message>",
    "lead.button_edit": "Edit details",
    "lead.details_saved": "Updated #{number} {company}.",
    "modal.edit_title": "Lead details",
    "inbound.company_taken": "{company} already has an open lead: #{number}, owned by <@{owner}>. Log this enquiry as a follow-up there and close this one, or use another name.",
    "inbound.reply": "*New enquiry* — who takes it? A buyer contacted within the hour is several times likelier to become a real lead.",
    "inbound.reply_hint": "If nobody has claimed it after {within}, I'll {then}.",
    "inbound.then_remind": "remind the channel",
    "inbound.then_round_robin": "give it to the next rep in turn",
    "inbound.claim": "Claim",
    "inbound.assign": "Assign to…",
    "inbound.dismiss": "Not an enquiry",
    "inbound.add_details": "Add details",
    "inbound.claimed": "✓ <@{owner}> claimed this {when} — lead #{number} {company}.",
    "inbound.assigned": "✓ <@{by}> assigned this to <@{owner}> {when} — lead #{number} {company}.",
    "inbound.round_robin": "✓ Nobody claimed this within {within}, so it went to <@{owner}> in turn {when} — lead #{number} {company}.",
    "inbound.details_hint": "<@{owner}>, add what you know — the company, who asked, their situation — with *Add details*.",
    "inbound.details_intro": "Lead #{number} is saved with you as owner. Add what you know now — the company, who asked, their situation — or later with *Edit details* on its card.",
    "inbound.dismissed": "✗ <@{by}> marked this as not an enquiry {when}.",
    "inbound.already_taken": "<@{owner}> already has this enquiry (lead #{lead}). One enquiry, one lead — ask them if you'd like to help.",
    "inbound.already_taken_when": "<@{owner}> took this enquiry {when} (lead #{number}). One enquiry, one lead — ask them if you'd like to help.",
    "inbound.already_dismissed": "<@{user}> already marked this as not an enquiry.",
    "inbound.unknown": "I have no record of this enquiry. Use *Capture as lead* on the message instead.",
    "inbound.reminder": "Still unclaimed after {within}. {mentions} — can one of you take it? Buyers contacted within the hour are far likelier to become real leads.",
    "inbound.assigned_to_you_round_robin": "An enquiry in <#{channel}> waited {within} without anyone claiming it, so it's yours — round-robin. Add what you know with *Edit details*, then follow up.",
    "inbound.assigned_to_you": "<@{by}> gave you an enquiry from <#{channel}>. Add what you know with *Edit details*, then follow up.",
    "inbound.placeholder_company": "Enquiry from {author}",
    "inbound.hours.one": "{count} working hour",
    "inbound.hours.other": "{count} working hours",
    "inbound.state_on": "<#{channel}> is an inbound channel: I offer each new message for claiming. Round-robin is {round_robin}. If nobody claims an enquiry within {within}, I {then}.",
    "inbound.state_off": "<#{channel}> is not an inbound channel. `/lead inbound on` makes it one: I'll reply to each new message there with *Claim*, *Assign to…* and *Not an enquiry*.",
    "inbound.now_remind": "remind the channel in its thread",
    "inbound.now_round_robin": "give it to the next rep in turn",
    "inbound.word_on": "on",
    "inbound.word_off": "off",
    "inbound.announce": "<@{user}> made this an inbound channel. I'll reply to each new message with *Claim*, *Assign to…* and *Not an enquiry*, and remind the channel about any enquiry nobody claims within {within}.",
    "inbound.turned_on": "<#{channel}> is now an inbound channel.",
    "inbound.turned_off": "<#{channel}> is no longer an inbound channel; I'll leave new messages there alone. Enquiries I already offered can still be claimed.",
    "inbound.round_robin_on": "Round-robin is on in <#{channel}>: an enquiry nobody claims within {within} goes to the next of {reps}, who hears about it by DM.",
    "inbound.round_robin_on_nobody": "Round-robin is on in <#{channel}>, but nobody has claimed an enquiry here yet, so there is nobody to take turns. Until someone does, unclaimed enquiries get a reminder in their thread.",
    "inbound.round_robin_off": "Round-robin is off in <#{channel}>: an enquiry nobody claims within {within} gets a reminder in its thread.",
    "inbound.needs_inbound": "<#{channel}> is not an inbound channel yet: `/lead inbound on` first.",
    "inbound.only_channels": "Run `/lead inbound` in the channel where enquiries arrive, not in a direct message.",
    "inbound.not_in_channel": "I'm not in <#{channel}>, so I can't see its messages. Invite me with `/invite @leadbot`, then run `/lead inbound on` again.",
    "inbound.usage": "Use `/lead inbound on`, `/lead inbound off`, `/lead inbound roundrobin on` or `off`, or `/lead inbound` to see how this channel is set up.",
}

CATALOGS: dict[str, dict[str, str]] = {"en": EN}


def t(key: str, lang: str | None = None, **params: object) -> str:
    """The message `key` in `lang` (falling back to English) with its placeholders filled."""
    catalog = CATALOGS.get(lang or DEFAULT_LANGUAGE, EN)
    template = catalog.get(key) or EN[key]
    return template.format(**params) if params else template


def tn(key: str, count: int, lang: str | None = None, **params: object) -> str:
    """A message with plural forms: `key.one` or `key.other` by `count`."""
    form = "one" if count == 1 else "other"
    return t(f"{key}.{form}", lang, count=count, **params)


def placeholders(template: str) -> set[str]:
    """The names a template expects, for the catalog consistency test."""
    return {name for _, name, _, _ in Formatter().parse(template) if name}
