"""Every button, menu, form and shortcut is answered within Slack's 3 seconds: out-of-date ones with one friendly line.

`guarded` wraps each interactive listener as it is registered (handlers.app.LeadbotApp), so no
listener has to remember any of this:

* `StaleAction` — a value the contract (bot/blocks/contract.py) cannot read, or a button older than
  the lead it acts on — is acked, logged as a warning with the action or callback id, and
  answered with one line: the lead as it stands now when one is named and found, a refreshed
  Home tab when the click came from there, or a form's "out of date" under its first input.
* A refusal a listener let through (LeadbotError) is answered in its words. Any other exception is
  a bug: logged with its traceback, acked in time if it was not yet (a form keeps its typing, with
  an apology under its first input) and apologised for. Nothing reaches Bolt's error handling,
  which, for a listener that acked and then raised, drops the ack: Slack would get a 404 after
  3 seconds and show the rep an error.
* `respond` works everywhere: where Slack sent no response_url (the Home tab, forms) it writes to
  the rep's DM with leadbot instead of raising.
"""

from __future__ import annotations

import inspect
import logging
from typing import Callable

from slack_bolt.kwargs_injection.args import Args
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import leads as lead_blocks
from bot.blocks.kit import user_text
from bot.clock import local_today
from bot.container import Deps
from bot.errors import LeadbotError, StaleAction
from bot.home_tab import refresh_home
from bot.logs import mark_outcome
from bot.text.i18n import t
from handlers.replies import error_text

logger = logging.getLogger(__name__)


def guarded(deps: Deps, listener: Callable) -> Callable:
    """`listener` as Bolt should run it for an interactive request (see the module docstring)."""
    wanted = list(inspect.signature(listener).parameters)

    def answer(args: Args):
        offered = {name: getattr(args, name, None) for name in wanted}
        if "respond" in offered:
            offered["respond"] = replying(args.body, args.client, args.respond)
        try:
            try:
                return listener(**offered)
            except StaleAction as stale:
                mark_outcome("stale")
                answer_stale(deps, args, stale)
        except LeadbotError as error:
            _answer_failure(args, error_text(error))
        except Exception:
            mark_outcome("error")
            logger.exception("unexpected error answering %s %s", args.body.get("type"), _id_of(args.body))
            _answer_failure(args, t("error.unexpected"))
        return None

    # Bolt names the listener in its own log lines; give it the real one (not __wrapped__: Bolt would
    # read the wrapped function's arguments and never pass `args`).
    answer.__name__, answer.__qualname__ = listener.__name__, listener.__qualname__
    answer.__module__ = listener.__module__
    return answer


def replying(body: dict, client: WebClient, respond: Callable | None) -> Callable:
    """`respond` for this request: Bolt's where Slack gave a response_url, else a DM from leadbot."""
    if respond is not None and getattr(respond, "response_url", None):
        return respond
    user_id = (body.get("user") or {}).get("id", "")

    def by_dm(text: str = "", *, blocks: list | None = None, **_how) -> None:
        # replace_original / response_type mean nothing in a DM; what was said is what counts.
        try:
            client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
        except SlackApiError as error:
            logger.warning("could not answer %s by DM: %s", user_id, error.response.get("error"))

    return by_dm


def answer_stale(deps: Deps, args: Args, stale: StaleAction) -> None:
    body = args.body
    kind = body.get("type") or "request"
    team_id = (body.get("team") or {}).get("id", "")
    user_id = (body.get("user") or {}).get("id", "")
    logger.warning("out-of-date %s %s from %s: %s", kind, _id_of(body), user_id, stale.why)
    if kind == "view_submission":
        _answer_stale_form(args, user_id)
        return
    if args.ack.response is None:
        args.ack()
    message = lead_blocks.notice(t("stale.button"))
    lead = _lead_as_it_stands(deps, team_id, stale.lead)
    if lead is not None:
        today = local_today(deps.clock.now(), deps.directory.cached_tz(team_id, user_id))
        intro = t("stale.button_lead", number=lead.number, company=user_text(lead.company, 120))
        message = lead_blocks.lead_card(lead, today, intro=intro)
    if _from_home(body):
        refresh_home(deps, args.client, team_id, user_id)
    replying(body, args.client, args.respond)(**message, replace_original=False)


def _answer_stale_form(args: Args, user_id: str) -> None:
    """Keep the form open with the reason under its first input; a form without one closes, and a DM says why."""
    field = _first_input(args.body.get("view"))
    if args.ack.response is None and field:
        args.ack(response_action="errors", errors={field: t("stale.form")})
        return
    if args.ack.response is None:
        args.ack()
    replying(args.body, args.client, None)(**lead_blocks.notice(t("stale.form")))


def _lead_as_it_stands(deps: Deps, team_id: str, number: int | None):
    """The lead a stale click named, if it still exists in this workspace (anyone there may look at any lead)."""
    if number is None:
        return None
    try:
        return deps.leads.find(team_id, str(number), with_touches=True)
    except LeadbotError:
        return None


def _answer_failure(args: Args, text: str) -> None:
    """Answer within the request although the listener failed: a form stays open with the rep's typing."""
    is_form = args.body.get("type") == "view_submission"
    field = _first_input(args.body.get("view")) if is_form else None
    if args.ack.response is None and field:
        args.ack(response_action="errors", errors={field: text})
        return
    if args.ack.response is None:
        args.ack()
    try:
        replying(args.body, args.client, None if is_form else args.respond)(**lead_blocks.notice(text))
    except Exception:  # noqa: BLE001 - the failure is logged already; telling the rep is a courtesy
        logger.warning("could not tell %s about a failure", (args.body.get("user") or {}).get("id"))


def _first_input(view: object) -> str | None:
    blocks = view.get("blocks") if isinstance(view, dict) else None
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and block.get("type") == "input" and isinstance(block.get("block_id"), str):
            return block["block_id"]
    return None


def _from_home(body: dict) -> bool:
    view = body.get("view")
    return (body.get("container") or {}).get("type") == "view" and isinstance(view, dict) and view.get("type") == "home"


def _id_of(body: dict) -> str:
    """The action_id or callback_id a request was dispatched on, for the log."""
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        return str(actions[0].get("action_id"))[:100]
    view = body.get("view")
    if isinstance(view, dict):
        return str(view.get("callback_id"))[:100]
    return str(body.get("callback_id"))[:100]
