"""The endpoints: each turns a checked request into calls on the services, which hold every rule."""

from __future__ import annotations

import base64
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from pydantic import BaseModel
from slack_sdk.errors import SlackApiError

from api import schemas
from api.problems import ApiProblem, invalid, sentence
from bot.blocks import leads as lead_blocks
from bot.clock import local_today
from bot.container import Deps
from bot.errors import DuplicateLead, LeadbotError
from bot.home_tab import refresh_home
from bot.services.lead_json import API_LOST_REASONS, lead_object, lead_with_follow_ups, order_object
from bot.services.lead_views import LeadView
from bot.services.leads import NewLeadForm, check_new_lead
from bot.services.orders import OrderInput
from bot.text.amounts import AmountError, parse_amount, parse_currency
from bot.text.i18n import language, t

logger = logging.getLogger(__name__)

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
API_ACTOR = "api"  # who captured a lead or recorded an order sent through the API (Lead.created_by)


@dataclass
class Call:
    """One authenticated request: the workspace, the token's name, what it sent, and when."""

    deps: Deps
    team_id: str
    token_name: str
    now: datetime
    body: BaseModel | None = None
    query: BaseModel | None = None
    path: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as in the OpenAPI document: /leads/{number}
    handler: Callable[[Call], tuple[int, dict]]
    summary: str
    ok: int
    answer: type[BaseModel]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    problems: tuple[int, ...] = ()
    also: tuple[tuple[int, type[BaseModel]], ...] = ()  # other successful answers

    @property
    def pattern(self) -> re.Pattern:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[0-9]{1,9})", self.path) + "$")


# -- people ------------------------------------------------------------------------------------


def member(call: Call, given: str, name: str) -> str:
    """The Slack user id a field names: an id as given, or the member with that email (422 when there is none)."""
    given = given.strip()
    if USER_ID.match(given):
        return given
    if "@" not in given:
        raise invalid(name, "Give a Slack user id (U…) or the email of a member of the workspace.")
    known = call.deps.directory.user_by_email(call.team_id, given)
    if known:
        return known
    try:
        return call.deps.client_for(call.team_id).users_lookupByEmail(email=given)["user"]["id"]
    except (SlackApiError, OSError) as error:
        reason = error.response.get("error") if isinstance(error, SlackApiError) else type(error).__name__
        if reason == "users_not_found":
            raise invalid(name, f"No member of the workspace has the email {given}.") from None
        if reason == "missing_scope":
            raise invalid(
                name,
                "leadbot may not look up members by email in this workspace (Slack's users:read.email "
                "scope): give a Slack user id (U…).",
            ) from None
        logger.warning("users.lookupByEmail failed for the API: %s", reason)
        raise ApiProblem(
            503, "Slack could not be asked who that is; try again shortly.", headers={"Retry-After": "30"}
        ) from None


# -- leads -------------------------------------------------------------------------------------


def create_lead(call: Call) -> tuple[int, dict]:
    data: schemas.LeadIn = call.body
    deps, team_id = call.deps, call.team_id
    team = deps.config(team_id)
    today = local_today(call.now, team.team_tz)
    owner = member(call, data.owner, "owner") if data.owner else team.default_owner
    if not owner:
        return offer(call, data, today)
    first = data.next_follow_up or deps.leads.first_follow_up(team_id, owner, today)
    lead = deps.leads.capture_form(team_id, _form(data, owner, first), API_ACTOR, call.now, team.team_tz)
    _tell_owner(call, lead)
    return 201, lead_object(lead, lead.source_link)


def offer(call: Call, data: schemas.LeadIn, today) -> tuple[int, dict]:
    """No owner named and no default owner: the enquiry is offered in the mail channel, to be claimed there as an
    emailed one is — after the same checks as a lead, so that what is offered can become one."""
    deps, team_id = call.deps, call.team_id
    check_new_lead(_form(data, API_ACTOR, data.next_follow_up or today), API_ACTOR, today)
    existing = deps.leads.open_lead_for_company(team_id, data.company)
    if existing is not None:
        raise DuplicateLead(existing)
    lines = [data.asked_for or data.company, f"Company: {data.company}"]
    for label, value in (
        ("Contact", data.contact),
        ("Email", data.contact_email),
        ("Source", data.source),
        ("Situation", data.situation),
        ("Potential", _potential(data)),
    ):
        if value:
            lines.append(f"{label}: {value}")
    author = data.contact or data.company
    if data.contact_email:
        author = f"{author} <{data.contact_email}>"
    channel = deps.mail_enquiries.offer_from_api(team_id, author, "\n".join(lines), call.now)
    if channel is None:
        raise invalid(
            "owner",
            "No owner was given, LEADBOT_DEFAULT_OWNER is not set, and no channel takes enquiries to claim "
            "(/lead inbound mail on): name a Slack user id or a member's email.",
        )
    return 202, {"status": "offered", "channel": channel}


def _potential(data: schemas.LeadIn) -> str:
    if data.claimed_potential is None:
        return ""
    return f"{data.claimed_potential} {data.potential_unit or ''}".strip()


def _form(data: schemas.LeadIn, owner: str, first) -> NewLeadForm:
    potential = data.claimed_potential
    return NewLeadForm(
        company=data.company,
        contact_name=data.contact,
        contact_role=None,
        source=data.source or "other",
        asked_for=data.asked_for,
        situation=data.situation or "unknown",
        discovery_notes=None,
        claimed_potential=None if potential is None else str(potential),
        potential_unit=data.potential_unit,
        owner_id=owner,
        first_follow_up=first.isoformat(),
        contact_email=data.contact_email or "",
    )


def _tell_owner(call: Call, lead: LeadView) -> None:
    """The owner's DM and Home tab, as for a lead captured for them with `/lead new`; the lead is saved whether or
    not they arrive."""
    deps = call.deps
    try:
        tz = deps.directory.tz(call.team_id, lead.owner_id, call.now)
        with language(deps.directory.language(call.team_id, lead.owner_id, call.now)):
            intro = t("lead.captured_for_you_api", token=call.token_name)
            card = lead_blocks.lead_card(
                lead, local_today(call.now, tz), intro=intro, goal=deps.policy(call.team_id).touch_goal
            )
        client = deps.client_for(call.team_id)
        client.chat_postMessage(channel=lead.owner_id, **card)
        refresh_home(deps, client, call.team_id, lead.owner_id)
    except (SlackApiError, OSError) as error:
        reason = error.response.get("error") if isinstance(error, SlackApiError) else type(error).__name__
        logger.warning("could not show lead #%s to %s: %s", lead.number, lead.owner_id, reason)


def list_leads(call: Call) -> tuple[int, dict]:
    query: schemas.LeadQuery = call.query
    after = _cursor_number(query.cursor) if query.cursor else 0
    owner = member(call, query.owner, "owner") if query.owner else None
    leads = call.deps.leads.page(
        call.team_id,
        status=query.status,
        owner_id=owner,
        updated_since=query.updated_since,
        after=after,
        limit=query.limit + 1,
    )
    page = leads[: query.limit]
    more = len(leads) > query.limit
    return 200, {
        "items": [lead_object(lead, lead.source_link) for lead in page],
        "next_cursor": _cursor(page[-1].number) if more else None,
    }


def _cursor(number: int) -> str:
    return base64.urlsafe_b64encode(f"after:{number}".encode()).decode().rstrip("=")


def _cursor_number(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith("after:") and text[6:].isdigit() and len(text) < 20:
            return int(text[6:])
    except (ValueError, UnicodeDecodeError):
        pass
    raise invalid("cursor", "Not a cursor this API gave: pass `next_cursor` from the page before, as it was.")


def get_lead(call: Call) -> tuple[int, dict]:
    lead = call.deps.leads.find(call.team_id, call.path["number"], with_touches=True)
    return 200, lead_with_follow_ups(lead, lead.source_link)


def log_touch(call: Call) -> tuple[int, dict]:
    data: schemas.TouchIn = call.body
    deps, team_id, number = call.deps, call.team_id, call.path["number"]
    lead = deps.leads.find(team_id, number)
    by = member(call, data.by, "by") if data.by else lead.owner_id
    tz = deps.directory.cached_tz(team_id, lead.owner_id)
    deps.leads.log_touch(team_id, number, by, data.kind, data.note or "", call.now, tz, at=data.at)
    lead = deps.leads.find(team_id, number, with_touches=True)
    return 201, lead_with_follow_ups(lead, lead.source_link)


def win(call: Call) -> tuple[int, dict]:
    data: schemas.WonIn = call.body
    lead = call.deps.leads.find(call.team_id, call.path["number"])
    value = None if data.value is None else str(data.value)
    currency = call.deps.config(call.team_id).currency
    if data.currency:
        currency = parse_currency(data.currency)
        if currency is None:
            raise invalid("currency", "Not a currency code like CNY or USD.")
    lead = call.deps.leads.win(call.team_id, call.path["number"], lead.owner_id, call.now, value, currency)
    return 200, lead_object(lead, lead.source_link)


def lose(call: Call) -> tuple[int, dict]:
    data: schemas.LostIn = call.body
    lead = call.deps.leads.find(call.team_id, call.path["number"])
    lead = call.deps.leads.lose(
        call.team_id, call.path["number"], lead.owner_id, API_LOST_REASONS[data.reason], data.note or "", call.now,
        keep_refused=False,  # a refused request changes nothing
    )
    return 200, lead_object(lead, lead.source_link)


# -- orders ------------------------------------------------------------------------------------


def record_order(call: Call) -> tuple[int, dict]:
    data: schemas.OrderIn = call.body
    try:
        amount = parse_amount(str(data.amount))
    except AmountError:
        raise invalid("amount", 'Not an amount above zero, like 2400 or "2,400.50".') from None
    currency = amount.currency or call.deps.config(call.team_id).currency
    if data.currency:
        currency = parse_currency(data.currency)
        if currency is None:
            raise invalid("currency", "Not a currency code like CNY or USD.")
    item = OrderInput(
        data.company.strip(), amount.value, currency, data.ordered_on, note=data.note or "", ref=data.ref or ""
    )
    try:
        order, added = call.deps.orders.record_once(call.team_id, item, API_ACTOR, call.now)
    except LeadbotError as error:
        # The order rules speak of one field each; say which.
        field_of = {"error.order_amount": "amount", "error.order_future": "ordered_on"}
        raise invalid(field_of.get(error.key, "company"), sentence(error)) from None
    return (201 if added else 200), order_object(order)


COMMON = (401, 429)
WRITES = (*COMMON, 400, 413, 422)
ROUTES = (
    Route(
        "POST",
        "/leads",
        create_lead,
        "Capture a lead (or, with no owner and no default owner, offer it to be claimed in Slack)",
        201,
        schemas.Lead,
        body=schemas.LeadIn,
        problems=(*WRITES, 409, 503),
        also=((202, schemas.Offered),),
    ),
    Route(
        "GET",
        "/leads",
        list_leads,
        "List leads, a page at a time",
        200,
        schemas.LeadList,
        query=schemas.LeadQuery,
        problems=(*COMMON, 422, 503),
    ),
    Route(
        "GET",
        "/leads/{number}",
        get_lead,
        "One lead with its follow-ups",
        200,
        schemas.LeadWithFollowUps,
        problems=(*COMMON, 404),
    ),
    Route(
        "POST",
        "/leads/{number}/touches",
        log_touch,
        "Log a follow-up (a call, a visit…)",
        201,
        schemas.LeadWithFollowUps,
        body=schemas.TouchIn,
        problems=(*WRITES, 404, 409, 503),
    ),
    Route(
        "POST",
        "/leads/{number}/won",
        win,
        "Close a lead as won",
        200,
        schemas.Lead,
        body=schemas.WonIn,
        problems=(*WRITES, 404, 409),
    ),
    Route(
        "POST",
        "/leads/{number}/lost",
        lose,
        "Close a lead as lost",
        200,
        schemas.Lead,
        body=schemas.LostIn,
        problems=(*WRITES, 404, 409),
    ),
    Route(
        "POST",
        "/orders",
        record_order,
        "Record an order (once per ref)",
        201,
        schemas.Order,
        body=schemas.OrderIn,
        problems=WRITES,
    ),
)
