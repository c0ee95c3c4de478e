"""The public contract of leadbot's buttons, menus and forms: every id and value Slack sends back to us, versioned.

Slack keeps leadbot's messages for months and sends back exactly what leadbot once wrote into
them: an element's action_id and value, an option's value, a block_id, a form's callback_id and
private_metadata. Whatever the code looks like by then, those clicks must still be answered. So:

* Every id is a constant here with its entry in `CONTRACT` (the version that first sent it, its
  old names), and every value format is in the table below with the version that first wrote it.
  Builders write values only with the helpers here; handlers read them only with the parsers
  here, which return plain values or raise `StaleAction`.
* An id is never reused or dropped. To rename one, give its constant the new id and put the old
  one in its entry's `old_ids`: `handlers.app.LeadbotApp` registers every listener for its id and
  all of that id's old ids, so messages already in Slack keep reaching it.
* A value's format is never changed in place. A new format gets its own line in the table with the
  new version, and the parser keeps reading every older one.
* A value the parsers cannot read (missing, the wrong type, a lead number that is no number, an
  unknown reason, a form's metadata that is not JSON) raises `StaleAction`: handlers/stale.py
  tells the rep the button is out of date; nobody sees an error or waits in vain.
* The payloads recorded from every surface in tests/payloads/ are replayed after every change and
  are never edited (tests/payloads/README.md).

What each id carries, by the leadbot version that first wrote it:

Buttons, selects, date pickers and menus (block_actions)
  lead_log_open          button Log follow-up: lead card, nudge, digest
      0.1.0  value: the lead number, `12`; on a nudge or digest also block_id `lead:12`
  lead_edit_open         button Edit / Add details: lead card; inbound offer once taken
      0.1.0  value: the lead number
  lead_lost_open         button Lost…: nudge, digest
      0.1.0  value: the lead number; block_id `lead:12`
  lead_won               button Won: nudge, digest (messages sent before Won asked to confirm; still wins at once)
      0.1.0  value: the lead number; block_id `lead:12`
  lead_won_open          button Won…: nudge, digest; opens the Won confirm form
      0.1.0  value: the lead number; block_id `lead:12`
  lead_snooze            static select Snooze: nudge, digest
      0.1.0  selected_option.value: days, `1`, `3` or `7` (1 to 365 is read); block_id `lead:12`
  lead_buyer_date        date picker Buyer said later: nudge, digest
      0.1.0  selected_date: YYYY-MM-DD; block_id `lead:12`
  lead_next_date         date picker in the refusal of `/lead lost N silent`
      0.1.0  selected_date: YYYY-MM-DD; block_id `lead:12`
  digest_item            overflow menu on a lead line: digest, Home tab
      0.1.0  selected_option.value: `log:12`, `snooze:1:12` or `snooze:7:12` (days, then lead), `show:12`
      0.1.0  also `pin:12`, `unpin:12` (Home): pin the lead on top of *Call these first*, or let it go
  small_buyer_answer:<reason>   one-click answers to "why so little from us?"
      0.1.0  value: `<account id>:<reason>`, reason one of bot.services.small_buyers.REASONS; the
             action_id repeats the reason only to keep ids apart within a block
  small_buyer_note_open  button Answer with a note… / Answer: the question, digest, Home tab
      0.1.0  value: the account id, `3`
  home_new_lead          button New lead: Home tab
      0.1.0  value `new`, not read
  home_settings          button Settings: Home tab
      0.1.0  value `settings`, not read
  inbound_claim          button Claim: the offer in an inbound enquiry's thread
      0.1.0  block_id `enquiry:<the enquiry message's ts>`; value: the same ts, not read
  inbound_assign         users select Give to…: the inbound offer
      0.1.0  block_id `enquiry:<ts>`; selected_user: the new owner
  inbound_dismiss        button Not an enquiry: the inbound offer
      0.1.0  block_id `enquiry:<ts>`; value: the same ts, not read
  reply_log_open         button Log follow-up: the DM that a buyer wrote back
      0.1.0  value: the lead number; block_id `reply:<reply id>:<lead number>`
  reply_snooze           static select Snooze: the buyer-reply DM
      0.1.0  selected_option.value: days, `1`, `3` or `7` (1 to 365 is read); block_id `reply:<reply id>:<lead>`
  reply_buyer_date       date picker Buyer said later: the buyer-reply DM
      0.1.0  selected_date: YYYY-MM-DD; block_id `reply:<reply id>:<lead>`
  escalation_show        button Open the lead: the manager's note about leads going cold
      0.1.0  value: the lead number; block_id `lead:12`
  escalation_assign      users select Give to…: the manager's note about leads going cold
      0.1.0  block_id `lead:12`; selected_user: the new owner
  use_potential_factor   button Use 0.38: the settings form, beside the claims that came true (admins)
      0.1.0  value: the factor to plan on, `0.38` (a decimal above 0, at most 1); block_id `claims`
  api_token_new_open     button New API token…: the settings form (admins); pushes the new-token form
      0.1.0  value `new`, not read
  api_token_revoke       button Revoke, with a confirm dialog: beside each working API token in the settings form
      0.1.0  value: the token's name (1 to 100 characters), never the token

Forms (view_submission); their inputs are read by block_id, their private_metadata is a JSON object.
"Origin" is `channel` and `message_ts`: the message the form was opened from (absent or "" when none).
  lead_new               the new-lead form: `/lead new`, Home tab, Capture as lead
      0.1.0  private_metadata: origin (`channel` only); `from_message`: the captured message's ts
  lead_edit              the lead's details form
      0.1.0  private_metadata: `lead`: the lead number (a JSON number); origin
  lead_log               the log-a-follow-up form
      0.1.0  private_metadata: `lead`; origin
      0.1.0  optional inputs (issue 22) `situation` (the buyer's situation) and `bg_situation`, `bg_problem`,
             `bg_implication`, `bg_need_payoff` (the background, pre-filled): a form without them changes neither
  lead_won_confirm       the Won confirm form, asking for the deal's value (block `won_value`, optional)
      0.1.0  private_metadata: `lead`; origin
  lead_lost              the Lost… form
      0.1.0  private_metadata: `lead`; origin
  lead_reschedule        the schedule-instead form the Lost… form turns into
      0.1.0  private_metadata: `lead`; origin
  small_buyer_note       the small buyer's answer-with-a-note form
      0.1.0  private_metadata: `account`: the account id (a JSON number); origin
  settings               the settings form: `/lead settings`, Home tab
      0.1.0  no private_metadata
  api_token_new          the new-API-token form pushed over the settings form (admins): input block `api_token_name`
      0.1.0  no private_metadata; answered with the token-made view (`api_token_made`, no submit: nothing comes back)

Message shortcuts (message_action); the callback_id is also in manifest.yml
  capture_as_lead        Capture as lead, on any message
      0.1.0  nothing of ours: the message is Slack's
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

from bot.errors import StaleAction
from bot.services.api_tokens import NAME_MAX as API_TOKEN_NAME_MAX
from bot.services.small_buyers import REASONS

# -- block_actions: buttons, selects, date pickers, overflow menus -------------------------------

LEAD_LOG_OPEN = "lead_log_open"
LEAD_EDIT_OPEN = "lead_edit_open"
LEAD_LOST_OPEN = "lead_lost_open"
LEAD_WON = "lead_won"  # old messages: wins at once
LEAD_WON_OPEN = "lead_won_open"
LEAD_SNOOZE = "lead_snooze"
LEAD_BUYER_DATE = "lead_buyer_date"
LEAD_NEXT_DATE = "lead_next_date"
DIGEST_ITEM = "digest_item"
SMALL_BUYER_ANSWER = "small_buyer_answer"  # a prefix: one id per reason, `small_buyer_answer:<reason>`
SMALL_BUYER_NOTE_OPEN = "small_buyer_note_open"
HOME_NEW_LEAD = "home_new_lead"
HOME_SETTINGS = "home_settings"
INBOUND_CLAIM = "inbound_claim"
INBOUND_ASSIGN = "inbound_assign"
INBOUND_DISMISS = "inbound_dismiss"
REPLY_LOG_OPEN = "reply_log_open"
REPLY_SNOOZE = "reply_snooze"
REPLY_BUYER_DATE = "reply_buyer_date"
USE_POTENTIAL_FACTOR = "use_potential_factor"
ESCALATION_SHOW = "escalation_show"
ESCALATION_ASSIGN = "escalation_assign"
API_TOKEN_NEW_OPEN = "api_token_new_open"
API_TOKEN_REVOKE = "api_token_revoke"

# -- view_submission: forms ---------------------------------------------------------------------

NEW_LEAD_FORM = "lead_new"
EDIT_LEAD_FORM = "lead_edit"
LOG_FORM = "lead_log"
WON_FORM = "lead_won_confirm"
LOST_FORM = "lead_lost"
RESCHEDULE_FORM = "lead_reschedule"
SMALL_BUYER_NOTE_FORM = "small_buyer_note"
SETTINGS_FORM = "settings"
API_TOKEN_FORM = "api_token_new"
API_TOKEN_MADE_VIEW = "api_token_made"  # shows a new token once; it has no submit, so Slack sends nothing back

# -- message_action: message shortcuts ----------------------------------------------------------

CAPTURE_SHORTCUT = "capture_as_lead"


@dataclass(frozen=True)
class Entry:
    """One id leadbot answers; what it carries is in the module docstring."""

    id: str
    kind: str  # the payload type: block_actions, view_submission, message_action
    since: str  # the leadbot version that first sent it
    old_ids: tuple[str, ...] = ()  # earlier names of the same thing, still answered
    prefix: bool = False  # the id is `<id>:<something>`


CONTRACT: tuple[Entry, ...] = (
    Entry(LEAD_LOG_OPEN, "block_actions", "0.1.0"),
    Entry(LEAD_EDIT_OPEN, "block_actions", "0.1.0"),
    Entry(LEAD_LOST_OPEN, "block_actions", "0.1.0"),
    Entry(LEAD_WON, "block_actions", "0.1.0"),
    Entry(LEAD_WON_OPEN, "block_actions", "0.1.0"),
    Entry(LEAD_SNOOZE, "block_actions", "0.1.0"),
    Entry(LEAD_BUYER_DATE, "block_actions", "0.1.0"),
    Entry(LEAD_NEXT_DATE, "block_actions", "0.1.0"),
    Entry(DIGEST_ITEM, "block_actions", "0.1.0"),
    Entry(SMALL_BUYER_ANSWER, "block_actions", "0.1.0", prefix=True),
    Entry(SMALL_BUYER_NOTE_OPEN, "block_actions", "0.1.0"),
    Entry(HOME_NEW_LEAD, "block_actions", "0.1.0"),
    Entry(HOME_SETTINGS, "block_actions", "0.1.0"),
    Entry(INBOUND_CLAIM, "block_actions", "0.1.0"),
    Entry(INBOUND_ASSIGN, "block_actions", "0.1.0"),
    Entry(INBOUND_DISMISS, "block_actions", "0.1.0"),
    Entry(REPLY_LOG_OPEN, "block_actions", "0.1.0"),
    Entry(REPLY_SNOOZE, "block_actions", "0.1.0"),
    Entry(REPLY_BUYER_DATE, "block_actions", "0.1.0"),
    Entry(USE_POTENTIAL_FACTOR, "block_actions", "0.1.0"),
    Entry(ESCALATION_SHOW, "block_actions", "0.1.0"),
    Entry(ESCALATION_ASSIGN, "block_actions", "0.1.0"),
    Entry(API_TOKEN_NEW_OPEN, "block_actions", "0.1.0"),
    Entry(API_TOKEN_REVOKE, "block_actions", "0.1.0"),
    Entry(NEW_LEAD_FORM, "view_submission", "0.1.0"),
    Entry(EDIT_LEAD_FORM, "view_submission", "0.1.0"),
    Entry(LOG_FORM, "view_submission", "0.1.0"),
    Entry(WON_FORM, "view_submission", "0.1.0"),
    Entry(LOST_FORM, "view_submission", "0.1.0"),
    Entry(RESCHEDULE_FORM, "view_submission", "0.1.0"),
    Entry(SMALL_BUYER_NOTE_FORM, "view_submission", "0.1.0"),
    Entry(SETTINGS_FORM, "view_submission", "0.1.0"),
    Entry(API_TOKEN_FORM, "view_submission", "0.1.0"),
    Entry(CAPTURE_SHORTCUT, "message_action", "0.1.0"),
)


def listens_for(current_id: str, entries: tuple[Entry, ...] = CONTRACT) -> str | re.Pattern:
    """What a listener for `current_id` is registered for: the id itself, or a pattern also taking its old ids."""
    item = next((known for known in entries if known.id == current_id), None)
    names = (current_id, *(item.old_ids if item else ()))
    if item is not None and item.prefix:
        return re.compile("^(?:" + "|".join(map(re.escape, names)) + "):")
    if len(names) == 1:
        return current_id
    return re.compile("^(?:" + "|".join(map(re.escape, names)) + ")$")


# -- writing values (builders) ---------------------------------------------------------------------

LEAD_BLOCK_PREFIX = "lead:"
ENQUIRY_BLOCK_PREFIX = "enquiry:"
REPLY_BLOCK_PREFIX = "reply:"
LEAD_NUMBER_MAX = 2_147_483_647  # the database column is a 32-bit integer
SNOOZE_DAYS_MAX = 365


def lead_value(number: int) -> str:
    return str(number)


def lead_block_id(number: int) -> str:
    return f"{LEAD_BLOCK_PREFIX}{number}"


def digest_option(verb: str, number: int, days: int | None = None) -> str:
    """An overflow option's value on a lead line: `log:12`, `show:12`, `snooze:7:12`."""
    return f"{verb}:{days}:{number}" if verb == "snooze" else f"{verb}:{number}"


def small_buyer_answer_id(reason: str) -> str:
    # Action ids must differ within a block; the reason rides in both.
    return f"{SMALL_BUYER_ANSWER}:{reason}"


def small_buyer_answer_value(account_id: int, reason: str) -> str:
    return f"{account_id}:{reason}"


def account_value(account_id: int) -> str:
    return str(account_id)


CLAIMS_BLOCK = "claims"


def factor_value(factor) -> str:
    """The Use-this-factor button's value: the factor as written, `0.38`."""
    return f"{factor:f}"


API_TOKEN_NAME_BLOCK = "api_token_name"


def api_token_value(name: str) -> str:
    """The Revoke button's value: the token's name, never the token."""
    return name


def enquiry_block_id(ts: str) -> str:
    return f"{ENQUIRY_BLOCK_PREFIX}{ts}"


def reply_block_id(reply_id: int, number: int) -> str:
    """The buyer-reply DM's actions: which reply it answers, and the lead it acts on."""
    return f"{REPLY_BLOCK_PREFIX}{reply_id}:{number}"


def private_metadata(origin: dict, **fields: object) -> str:
    """A form's private_metadata: where it was opened from (`channel`, `message_ts`…) plus `lead` or `account`."""
    return json.dumps({**origin, **fields})


# -- reading values (handlers) ---------------------------------------------------------------------

_WHOLE_NUMBER = re.compile(r"[0-9]{1,10}")
_MESSAGE_TS = re.compile(r"[0-9]{1,12}\.[0-9]{1,9}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
LATEST_DAY = date(2999, 12, 31)  # far beyond any follow-up; later dates overflow date arithmetic
DIGEST_VERBS = ("log", "snooze", "show", "pin", "unpin")


@dataclass(frozen=True)
class MenuChoice:
    """An option picked in a lead line's overflow menu."""

    verb: str  # log, snooze, show, pin or unpin
    lead: int
    days: int | None = None  # for snooze


def _show(value: object) -> str:
    """A value as the log shows it: short, whatever it holds."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def whole_number(value: object, highest: int, what: str) -> int:
    """A positive whole number written in ASCII digits, at most `highest`; StaleAction otherwise."""
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value) and 0 < int(value) <= highest:
        return int(value)
    raise StaleAction(f"{what} is not a number from 1 to {highest}: {_show(value)}")


def lead_number(value: object) -> int:
    """A button's value naming a lead: `12` → 12."""
    return whole_number(value, LEAD_NUMBER_MAX, "lead")


def lead_of(action: dict) -> int:
    """The lead an element acts on: a button's value, else its block_id `lead:12` (selects, date pickers)."""
    value = action.get("value")
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        return lead_number(value)
    block_id = action.get("block_id")
    if isinstance(block_id, str) and block_id.startswith(LEAD_BLOCK_PREFIX):
        return lead_number(block_id[len(LEAD_BLOCK_PREFIX):])
    raise StaleAction(f"no lead in value {_show(value)} or block_id {_show(block_id)}")


def selected_value(action: dict) -> str:
    """A select's or overflow menu's chosen option value."""
    option = action.get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    if not isinstance(value, str):
        raise StaleAction(f"no selected option: {_show(option)}")
    return value


def snooze_days(action: dict) -> int:
    return whole_number(selected_value(action), SNOOZE_DAYS_MAX, "days")


def picked_date(action: dict) -> date:
    """A date picker's `selected_date`, YYYY-MM-DD."""
    return day(action.get("selected_date"))


def day(value: object) -> date:
    """A date as Slack's pickers send it, YYYY-MM-DD, up to LATEST_DAY."""
    if isinstance(value, str) and _DAY.fullmatch(value):
        try:
            picked = date.fromisoformat(value)
        except ValueError:
            picked = None
        if picked is not None and picked <= LATEST_DAY:
            return picked
    raise StaleAction(f"not a date: {_show(value)}")


def digest_item(action: dict) -> MenuChoice:
    """The overflow option picked on a lead line: `log:12`, `show:12`, `snooze:<days>:12`, `pin:12`, `unpin:12`."""
    value = selected_value(action)
    verb, _, rest = value.partition(":")
    if verb == "snooze":
        days, _, number = rest.partition(":")
        return MenuChoice(verb, lead_number(number), whole_number(days, SNOOZE_DAYS_MAX, "days"))
    if verb in DIGEST_VERBS:
        return MenuChoice(verb, lead_number(rest))
    raise StaleAction(f"unknown menu choice {_show(value)}")


_FACTOR = re.compile(r"(?:0(?:\.[0-9]{1,4})?|1(?:\.0{1,4})?)")


def potential_factor(action: dict) -> str:
    """The Use-this-factor button's value, `0.38`: a decimal above 0 and at most 1, as text for the settings."""
    value = action.get("value")
    if isinstance(value, str) and _FACTOR.fullmatch(value) and float(value) > 0:
        return value
    raise StaleAction(f"not a potential factor: {_show(value)}")


def api_token_name(action: dict) -> str:
    """The Revoke button's value: the name of the token to revoke."""
    value = action.get("value")
    if isinstance(value, str) and 0 < len(value) <= API_TOKEN_NAME_MAX:
        return value
    raise StaleAction(f"not an API token name: {_show(value)}")


def small_buyer_answer(action: dict) -> tuple[int, str]:
    """A one-click answer's value `<account id>:<reason>` → (account id, reason)."""
    value = action.get("value")
    account, _, reason = value.partition(":") if isinstance(value, str) else ("", "", "")
    if reason not in REASONS:
        raise StaleAction(f"unknown small-buyer reason in {_show(value)}")
    return account_id(account), reason


def account_id(value: object) -> int:
    """A button's value naming an account: `3` → 3."""
    return whole_number(value, LEAD_NUMBER_MAX, "account")


@dataclass(frozen=True)
class ReplyAction:
    """An element of the buyer-reply DM: the reply it was drawn for and the lead it acts on."""

    reply: int
    lead: int


def reply_action(action: dict) -> ReplyAction:
    """The reply and lead a buyer-reply DM's element acts on: block_id `reply:<reply id>:<lead number>`."""
    block_id = action.get("block_id")
    if isinstance(block_id, str) and block_id.startswith(REPLY_BLOCK_PREFIX):
        reply, _, number = block_id[len(REPLY_BLOCK_PREFIX):].partition(":")
        return ReplyAction(whole_number(reply, LEAD_NUMBER_MAX, "reply"), lead_number(number))
    raise StaleAction(f"no buyer reply in block_id {_show(block_id)}")


def enquiry_ts(action: dict) -> str:
    """The enquiry an inbound offer's element belongs to: block_id `enquiry:<ts>` → the message ts."""
    block_id = action.get("block_id")
    ts = block_id[len(ENQUIRY_BLOCK_PREFIX):] if isinstance(block_id, str) else ""
    if isinstance(block_id, str) and block_id.startswith(ENQUIRY_BLOCK_PREFIX) and _MESSAGE_TS.fullmatch(ts):
        return ts
    raise StaleAction(f"no enquiry in block_id {_show(block_id)}")


def picked_user(action: dict) -> str | None:
    """A users select's `selected_user`; None when it was cleared."""
    user = action.get("selected_user")
    if user is None or user == "":
        return None
    if isinstance(user, str) and _USER_ID.fullmatch(user):
        return user
    raise StaleAction(f"not a user id: {_show(user)}")


_METADATA_TYPES = {"channel": str, "message_ts": str, "from_message": str, "lead": int, "account": int}


def metadata(view: dict, *required: str) -> dict:
    """A form's private_metadata as a dict, each known key of its type, `required` keys present.

    Empty metadata is {}. Lead numbers and account ids are ints (written as JSON numbers; a string
    of digits is read too). Unknown keys are kept: a newer leadbot may have written them.
    """
    raw = view.get("private_metadata") if isinstance(view, dict) else None
    if raw in (None, ""):
        found: object = {}
    elif not isinstance(raw, str):
        raise StaleAction(f"private_metadata is not text: {_show(raw)}")
    else:
        try:
            found = json.loads(raw)
        except ValueError:
            raise StaleAction(f"private_metadata is not JSON: {_show(raw)}") from None
    if not isinstance(found, dict):
        raise StaleAction(f"private_metadata is not an object: {_show(raw)}")
    read = dict(found)
    for key, kind in _METADATA_TYPES.items():
        value = read.get(key)
        if value is None:
            read.pop(key, None)
        elif kind is int:
            if isinstance(value, str):
                value = whole_number(value, LEAD_NUMBER_MAX, key)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= LEAD_NUMBER_MAX:
                raise StaleAction(f"private_metadata {key} is not a number: {_show(value)}")
            read[key] = value
        elif not isinstance(value, kind):
            raise StaleAction(f"private_metadata {key} is not text: {_show(value)}")
    missing = [key for key in required if key not in read]
    if missing:
        raise StaleAction(f"private_metadata has no {', '.join(missing)}: {_show(raw)}")
    return read


def origin(meta: dict) -> dict:
    """The message a form was opened from, as handlers.modals.origin_of gives it: `channel`, maybe `message_ts`."""
    found = {"channel": meta.get("channel") or ""}
    if meta.get("message_ts"):
        found["message_ts"] = meta["message_ts"]
    return found


_STATE_TEXT_KEYS = (
    "value", "selected_user", "selected_date", "selected_time", "selected_conversation", "selected_channel"
)
_TIME = re.compile(r"[0-2][0-9]:[0-5][0-9]")
_CONVERSATION = re.compile(r"[CGD][A-Z0-9]{2,20}")


def _is_day(text: str) -> bool:
    try:
        day(text)
    except StaleAction:
        return False
    return True


# What Slack's pickers send, so that nothing else reaches a service (or a column of limited width).
_STATE_SHAPES = {
    "selected_user": _USER_ID.fullmatch,
    "selected_date": _is_day,
    "selected_time": _TIME.fullmatch,
    "selected_conversation": _CONVERSATION.fullmatch,
    "selected_channel": _CONVERSATION.fullmatch,
}


def form_values(view: dict, multi: tuple[str, ...] = ()) -> dict:
    """A submitted form's state.values → {block_id: str or None}; the blocks in `multi` → a list of str.

    Whatever the element type (text, select, date, user…). A state Slack would not send — values
    of the wrong type — raises StaleAction.
    """
    state = view.get("state") if isinstance(view, dict) else None
    values_by_block = state.get("values") if isinstance(state, dict) else None
    if not isinstance(values_by_block, dict):
        raise StaleAction(f"a form without state.values: {_show(state)}")
    values: dict = {}
    for block_id, by_action in values_by_block.items():
        if not isinstance(by_action, dict):
            raise StaleAction(f"form block {_show(block_id)} holds {_show(by_action)}")
        for element in by_action.values():
            values[block_id] = _element_value(block_id, element, block_id in multi)
    return values


def _element_value(block_id: str, element: object, many: bool):
    if not isinstance(element, dict):
        raise StaleAction(f"form block {_show(block_id)} holds {_show(element)}")
    if "selected_options" in element:
        options = element["selected_options"] or []
        if not isinstance(options, list):
            raise StaleAction(f"form block {_show(block_id)} holds {_show(element)}")
        chosen = [_option_value(block_id, option) for option in options]
    elif "selected_option" in element:
        option = element["selected_option"]
        chosen = [] if option is None else [_option_value(block_id, option)]
    else:
        key = next((key for key in _STATE_TEXT_KEYS if key in element), None)
        value = element.get(key) if key else None
        shape = _STATE_SHAPES.get(key or "")
        if value is not None and not (isinstance(value, str) and (shape is None or shape(value))):
            raise StaleAction(f"form block {_show(block_id)} holds {_show(element)}")
        chosen = [] if value is None else [value]
    if many:
        return chosen
    if len(chosen) > 1:
        raise StaleAction(f"form block {_show(block_id)} holds several values")
    return chosen[0] if chosen else None


def _option_value(block_id: str, option: object) -> str:
    value = option.get("value") if isinstance(option, dict) else None
    if not isinstance(value, str):
        raise StaleAction(f"form block {_show(block_id)} has an option without a value: {_show(option)}")
    return value
