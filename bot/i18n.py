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
    "error.snooze_unreadable": "I couldn't read “{text}”. Snooze by days, weeks or to a date: `/lead snooze 12 3`, `/lead snooze 12 1w`, `/lead snooze 12 2026-12-20`.",
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
        "*`/lead snooze <number> [days|1w|YYYY-MM-DD]`* move the next follow-up (1 day by default)\n"
        "*`/lead won <number>`* mark it won\n"
        "*`/lead lost <number> <reason> [note]`* mark it lost — reasons: competitor, cancelled, budget, fit, silent, other\n"
        "*`/lead assign <number> @person`* give it to someone else\n"
        "*`/lead order <company> <amount> [currency] [YYYY-MM-DD] [note]`* record an order\n"
        "*`/lead summary on|off|daily|weekly`* the team summary in this channel\n"
        "*`/lead settings`* your digest time, workdays and hours (and the team's rules, for admins)\n"
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
    # Morning digest
    "digest.header": "Your leads for {date}",
    "digest.due": "*Follow up today* ({count})",
    "digest.buyer_dates": "*The buyer said today* ({count})",
    "digest.small_buyers": "*Steady small customers waiting for your answer* ({count})",
    "digest.wins": "*Won yesterday*: {leads}",
    "digest.lead_due": "*#{number} {company}* · {situation} · {touches} follow-ups so far",
    "digest.small_buyer": "*{company}* — why so little from us?",
    "digest.answer": "Answer",
    "digest.more": "…and {count} more — open leadbot's Home tab to see them all.",
    "digest.all_done": "✓ All caught up. Nice work.",
    "digest.fallback": "Your leads for today",
    "item.log": "Log follow-up",
    "item.snooze_day": "Snooze 1 day",
    "item.snooze_week": "Snooze 1 week",
    "item.show": "Show the lead",
    # App Home
    "home.header": "Your leads",
    "home.new_lead": "New lead",
    "home.settings": "Settings",
    "home.week": "*This week*: {follow_ups} follow-ups logged · {captured} enquiries captured · {won} won",
    "home.quiet": "*Gone quiet* ({count})",
    "home.due": "*Follow up today* ({count})",
    "home.small_buyers": "*Steady small customers to ask* ({count})",
    "home.open": "*My open leads* ({count}), most urgent first",
    "home.no_open": "No open leads. Capture the next enquiry the moment it arrives.",
    "home.more": "…and {count} more. `/lead list` shows them all.",
    "home.team": "*The team*",
    "home.team_line": "<@{user}> · {open} open · {quiet} quiet · {follow_ups} follow-ups this week",
    "home.lead_line": "*#{number} {company}* · next {next} · {touches} follow-ups",
    # Settings form
    "modal.settings_title": "leadbot settings",
    "settings.yours": "*Your settings*",
    "settings.team": "*Team settings* (admins only) — empty means the default from the server's settings",
    "settings.digest_time": "Morning digest at",
    "settings.workdays": "Your workdays",
    "settings.work_start": "Working day starts",
    "settings.work_end": "Working day ends",
    "settings.language": "Language",
    "settings.snooze": "Default snooze",
    "settings.cadence": "Follow-up cadence (days)",
    "settings.min_touches": "Follow-ups before “only wanted a proposal”",
    "settings.potential_factor": "Plan on this share of claimed potential",
    "settings.small_order_max": "Largest small order",
    "settings.small_window_months": "Months of orders for small buyers",
    "settings.summary_schedule": "Team summary",
    "settings.team_tz": "Team time zone",
    "settings.default_owner": "Default owner of customers",
    "settings.manager": "Sales manager",
    "settings.weekly": "Weekly, Monday 09:00",
    "settings.daily": "Daily, 17:00 on workdays",
    "settings.saved": "Settings saved.",
    "language.en": "English",
    "language.zh": "中文",
    "weekday.1": "Mon",
    "weekday.2": "Tue",
    "weekday.3": "Wed",
    "weekday.4": "Thu",
    "weekday.5": "Fri",
    "weekday.6": "Sat",
    "weekday.7": "Sun",
    # Team summary switch
    "summary.on": "Done — the team summary will come to <#{channel}> {schedule}. If I'm not in this channel yet, invite me with `/invite @leadbot`.",
    "summary.off": "Team summaries are off. Turn them on again with `/lead summary on` in the channel you want.",
    "summary.status_on": "The team summary goes to <#{channel}> {schedule}. Next one: {next}.",
    "summary.status_off": "Team summaries are off. Type `/lead summary on` in the channel that should get them.",
    "summary.schedule_weekly": "every Monday at 09:00 ({tz})",
    "summary.schedule_daily": "at 17:00 on workdays ({tz})",
    "summary.schedule_set": "The team summary now comes {schedule}.",
    "summary.not_in_dm": "Turn summaries on in the channel that should get them, not in a direct message.",
    "summary.usage": "Use `/lead summary on`, `/lead summary off`, `/lead summary daily` or `/lead summary weekly`.",
    "summary.admins_only": "Only an admin can change how often the summary comes.",
    "summary.invite_me": "I couldn't post the team summary in <#{channel}> because I'm not a member. Invite me there with `/invite @leadbot`.",
    # Settings form errors
    "settings_error.cadence": "Days separated by commas, such as 2,7,14,30,60.",
    "settings_error.min_touches": "A whole number, 1 or more.",
    "settings_error.potential_factor": "A number between 0 and 1, such as 0.5.",
    "settings_error.small_order_max": "A positive amount, such as 10000.",
    "settings_error.small_window_months": "A whole number of months, 1 or more.",
    "settings_error.summary_schedule": "Weekly or daily.",
    "settings_error.team_tz": "A time zone name such as Asia/Shanghai or Europe/Berlin.",
    "settings_error.default_owner": "Pick one person.",
    "settings_error.manager": "Pick one person.",
    "settings_error.hours": "Start before end, such as 09:00 and 18:00.",
    "settings_error.workdays": "Pick at least one day.",
    # Orders and small buyers
    "error.not_account_owner": "Only the owner (<@{owner}>) or an admin can answer for {company}.",
    "error.account_not_found": "I can't find that customer any more.",
    "error.order_usage": "Please write it like `/lead order Zhang Metalworks 2,400 CNY 2026-11-20 repeat order` — company, amount, then optional currency, date and note.",
    "error.order_amount": "I couldn't read “{text}” as an amount. Try `2400`, `2,400`, `¥2,400`, `2.4k` or `1.2万`.",
    "error.order_future": "That order date is in the future. Record orders once they are placed.",
    "order.recorded.one": "Recorded {amount} from {company} on {date} (the first order).",
    "order.recorded.other": "Recorded {amount} from {company} on {date} ({count} orders so far).",
    "order.recorded_big": "Recorded {amount} from {company} on {date}. That's above the small-order line of {ceiling}.",
    "source.existing_customer": "Existing customer",
    "small.header": "They keep buying — why so little from us?",
    "small.facts": "*{company}* has ordered {count} times since {first}, typically {typical} (largest {largest}); the last order was on {last}. A customer who keeps ordering keeps producing — and buys the rest somewhere else.",
    "small.ask": "Why do they buy so little from us?",
    "small.note_button": "Answer with a note…",
    "small.answered": "✓ <@{user}> answered: {reason}. Next step: {step} — by {date} (follow-up #{number}).",
    "small.step_saved": "Next step for {company}: {step} — by {date}. It's on your follow-ups as #{number}.",
    "reason_small.price": "Our price",
    "reason_small.unaware": "They don't know what else we make",
    "reason_small.habit": "Habit with another supplier",
    "reason_small.special_only": "They only bring us special items",
    "reason_small.think_weak": "They think we're not strong at the rest",
    "reason_small.never_tried": "Never tried us for more",
    "reason_small.will_ask": "I don't know — I'll ask them",
    "step.price": "Quote a volume price on their next order",
    "step.unaware": "Send the catalogue of the lines they don't buy from us",
    "step.habit": "Offer a trial order on one item",
    "step.special_only": "Ask which standard items they buy elsewhere and quote two of them",
    "step.think_weak": "Send a reference case from a similar customer for the rest of our range",
    "step.never_tried": "Propose one more product line with their next order",
    "step.will_ask": "Call them and ask: what else do you buy for this production, who supplies it, and what would make you try us?",
    "modal.small_title": "Why so little?",
    "form.small_reason": "Why do they buy so little from us?",
    "form.small_note": "Note",
    "expansion.text": "It worked: *{company}* just ordered {amount} — above the small-order line. Whatever you asked them, keep asking.",
    "account.header": "{company} — orders",
    "account.summary": "*Orders*\n{count} since {first}, typically {typical}",
    "account.spent": "*Spent in the last 12 months*\n{spent}",
    "account.claimed": "*Claimed potential*\n{claimed} (plan on {realistic})",
    "account.recent": "*Recent orders*\n{lines}",
    "account.order_line": "{date} · {amount}{note}",
    "account.answers": "*Why so little — answers*\n{lines}",
    "account.answer_line": "{date} · {reason} (<@{user}>){note}",
    "account.no_orders": "No orders recorded yet. Add one with `/lead order {company} 2400`.",
    "lead.buyer_date_set": "#{number} {company}: the buyer said {date}; I'll remind you then.",
    # Team summary (channel): what came in, who followed up, what went quiet, closed and is still open
    "summary.header": "Team summary — {period}",
    "summary.fallback": "Team summary — {period}: {new} new enquiries, {touches} follow-ups, {won} won, {lost} lost.",
    "summary.nothing": "A quiet period: no new enquiries, no follow-ups and no open leads.",
    "summary.new": "*New enquiries: {count}*\n{lines}",
    "summary.new_none": "*New enquiries*\nNone this period.",
    "summary.follow_ups": "*Follow-ups: {count}* — open leads at {min}+ follow-ups: {reached} of {open}\n{lines}",
    "summary.follow_ups_none": "*Follow-ups*\nNone logged this period — open leads at {min}+ follow-ups: {reached} of {open}",
    "summary.rep_line.one": "<@{user}> {count} follow-up · {reached} of {open} open leads at {min}+",
    "summary.rep_line.other": "<@{user}> {count} follow-ups · {reached} of {open} open leads at {min}+",
    "summary.goal_hint": "We aim for 3–5 follow-ups per lead: buyers take one to three months to decide.",
    "summary.quiet.one": "*Gone quiet*\n{count} lead went quiet and its owner was reminded; {revived} of them got a follow-up since.",
    "summary.quiet.other": "*Gone quiet*\n{count} leads went quiet and their owners were reminded; {revived} of them got a follow-up since.",
    "summary.quiet_none": "*Gone quiet*\nNo lead went quiet.",
    "summary.closed": "*Won: {won} · Lost: {lost}*{reasons}",
    "summary.lost_reasons": "\nLost because: {lines}",
    "summary.refused.one": "{count} closing as “only wanted a proposal” was refused for too few follow-ups — that lead stays open.",
    "summary.refused.other": "{count} closings as “only wanted a proposal” were refused for too few follow-ups — those leads stay open.",
    "summary.small_buyers": "*Small steady buyers — why so little from us?*\n{lines}",
    "summary.pipeline": "*Pipeline (open leads)*\nClaimed {claimed} · plan on {realistic} ({percent}% — customers exaggerate)",
    "summary.pipeline_none": "*Pipeline (open leads)*\nNo open lead has a claimed potential yet.",
    "summary.funnel": "*Open leads by follow-ups so far*\n{lines}",
    "summary.needs_owner.one": "⚠ {count} open lead needs a new owner — its owner is no longer in Slack. Give it one with `/lead assign <number> @person`.",
    "summary.needs_owner.other": "⚠ {count} open leads need a new owner — their owners are no longer in Slack. Give each one with `/lead assign <number> @person`.",
    "summary.count": "{label} {count}",
    "summary.more": "…and {count} more",
    "summary.footer": "Whoever follows up most diligently wins: follow up three to five times before giving up.",
    # Team summary chart; the chart's font has Latin letters only, so keep these plain ASCII
    "chart.reps_title": "Follow-ups logged per rep",
    "chart.funnel_title": "Open leads by follow-ups so far",
    "chart.funnel_axis": "follow-ups so far",
    "chart.no_follow_ups": "No follow-ups this period",
    "chart.no_open_leads": "No open leads",
    "chart.more_reps": "+{count} more",
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
