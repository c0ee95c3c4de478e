"""Webhooks out: the endpoints, and each event written to the delivery ledger in the transaction that made it."""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.services.lead_json import iso_time, lead_object, touch_object
from bot.services.lead_views import TouchView, lead_view
from bot.services.ledger import Ledger
from bot.store.database import Database
from bot.store.models import FAILED, PENDING, SKIPPED, Delivery, WebhookEndpoint

if TYPE_CHECKING:
    from bot.services.policy import Policy
    from bot.store.models import Lead, Touch

WEBHOOK = "webhook"  # the ledger kind of one event on its way to one endpoint
WEBHOOK_OFF = "webhook_off"  # the ledger kind of the admins' DM that an endpoint was turned off
EVENTS = (
    "lead.created",
    "lead.updated",
    "lead.assigned",
    "touch.logged",
    "lead.went_quiet",
    "buyer.replied",
    "lead.won",
    "lead.lost",
    "order.recorded",
    "small_buyer.answered",
)
SECRET_BYTES = 32  # the spec asks for 24 to 64 random bytes
# An event is tried for this long; an endpoint that failed every delivery for this long is turned off.
KEEP_TRYING = timedelta(hours=24)
# After the first attempt: then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h… (the spec's example schedule), until 24 h.
BACKOFF = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
)
# Who did it: a Slack user id; these when no person did.
LEADBOT, IMPORT, BUYER = "leadbot", "import", "buyer"

# The event's data, or a function that makes it: only called when some endpoint wants the event.
Data = dict | Callable[[], dict]


class BadEndpoint(ValueError):
    """A URL or event list `webhook add` refuses; the message is one line, for the person who typed it."""


@dataclass(frozen=True)
class Endpoint:
    id: int
    team_id: str
    url: str
    events: tuple[str, ...]  # empty: every event
    created_at: datetime
    failing_since: datetime | None
    last_error: str | None
    disabled_at: datetime | None

    @property
    def state(self) -> str:
        """One of: off (failed for 24 hours and turned off), failing (since `failing_since`), on."""
        return "off" if self.disabled_at else "failing" if self.failing_since else "on"


@dataclass(frozen=True)
class Target:
    """Where one ledger row goes, as the sender needs it."""

    url: str
    secret: str


# -- writing events (inside the caller's transaction) -------------------------------------------


def emit(
    session: Session,
    team_id: str,
    type: str,
    data: Data,
    actor: str,
    now: datetime,
    order_key: str,
    endpoints: list[tuple[int, str]] | None = None,
) -> int:
    """Write event `type` for every endpoint of the team that wants it and was added by `now`; returns how many.

    `order_key` groups the events that must arrive in order at an endpoint (`lead:12`): while one is waiting to be
    tried again, the later ones with the same key wait behind it. In the caller's transaction, so the event exists
    exactly when the change does. `endpoints`: `listening(…)` read once by a caller writing many events (an import).
    """
    if type not in EVENTS:
        raise ValueError(f"unknown webhook event {type!r}")
    if endpoints is None:
        endpoints = listening(session, team_id, now)
    wanting = [endpoint_id for endpoint_id, events in endpoints if not events or type in events.split(",")]
    if not wanting:
        return 0
    message_id = f"msg_{uuid.uuid4().hex}"
    envelope = {"type": type, "timestamp": iso_time(now), "actor": actor, "data": data() if callable(data) else data}
    for endpoint_id in wanting:
        Ledger.claim(
            session,
            team_id,
            WEBHOOK,
            order_key[:64],
            f"{endpoint_id}:{message_id}",
            target_of(endpoint_id),
            {"id": message_id, "event": envelope},
            now,
        )
    return len(wanting)


def listening(session: Session, team_id: str, now: datetime) -> list[tuple[int, str]]:
    """(id, events) of the team's endpoints that are on and were added by `now`."""
    rows = session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.events).where(
            WebhookEndpoint.team_id == team_id,
            WebhookEndpoint.disabled_at.is_(None),
            WebhookEndpoint.created_at <= now,
        )
    )
    return [(endpoint_id, events) for endpoint_id, events in rows]


def emit_lead(
    session: Session,
    policy: "Policy",
    lead: "Lead",
    type: str,
    actor: str,
    now: datetime,
    touch: "Touch | None" = None,
    reply: dict | None = None,
    endpoints: list[tuple[int, str]] | None = None,
) -> int:
    """A lead's event: its data is the lead as the API shows it; `touch.logged` carries `{lead, touch}`, and
    `buyer.replied` `{lead, reply}`.

    The lead must be flushed or fully set (its number and columns); nothing is read that the caller has not written.
    """
    def data() -> dict:
        shown = lead_object(lead_view(policy, lead))
        if reply is not None:
            return {"lead": shown, "reply": reply}
        if touch is None:
            return shown
        touched = TouchView(touch.kind, touch.note, touch.buyer_said, touch.logged_by, touch.logged_at, touch.source)
        return {"lead": shown, "touch": touch_object(touched)}

    return emit(session, lead.team_id, type, data, actor, now, lead_key(lead.number), endpoints)


def lead_key(number: int) -> str:
    return f"lead:{number}"


def target_of(endpoint_id: int) -> str:
    """Delivery.target of an endpoint's rows: its id, never its URL (which is longer than the column)."""
    return f"webhook:{endpoint_id}"


def endpoint_id_of(target: str) -> int | None:
    prefix, _, rest = target.partition(":")
    return int(rest) if prefix == "webhook" and rest.isdigit() else None


# -- endpoints -----------------------------------------------------------------------------------


def new_secret() -> str:
    """`whsec_` and the base64 of random bytes: the Standard Webhooks format every library reads."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def check_url(url: str) -> str:
    """Any http(s) URL with a host, loopback included: the admin who adds it is trusted."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise BadEndpoint(f"not an http(s) URL: {url!r}")
    if not parts.hostname:
        raise BadEndpoint(f"the URL names no host: {url!r}")
    if len(url) > 2000:
        raise BadEndpoint("the URL is longer than 2000 characters")
    return url


def parse_events(raw: str | None) -> tuple[str, ...]:
    """`lead.created,touch.logged` as event names, checked; None or empty: every event."""
    names = tuple(dict.fromkeys(name.strip() for name in (raw or "").split(",") if name.strip()))
    unknown = [name for name in names if name not in EVENTS]
    if unknown:
        raise BadEndpoint(f"unknown event {unknown[0]!r}; the events are: {', '.join(EVENTS)}")
    return names


class Webhooks:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, team_id: str, url: str, events: tuple[str, ...], now: datetime) -> tuple[Endpoint, str]:
        """A new endpoint and its signing secret (shown once). BadEndpoint when the team has that URL already."""
        url = check_url(url)
        secret = new_secret()
        with self.db.uow() as uow:
            row = WebhookEndpoint(team_id=team_id, url=url, secret=secret, events=",".join(events), created_at=now)
            uow.session.add(row)
            try:
                uow.session.flush()
            except IntegrityError:
                raise BadEndpoint(f"{url} is registered already; remove it first to get a new secret") from None
            endpoint = _endpoint(row)
            uow.commit()
        return endpoint, secret

    def list(self, team_id: str) -> list[Endpoint]:
        with self.db.read() as uow:
            rows = uow.session.scalars(
                select(WebhookEndpoint).where(WebhookEndpoint.team_id == team_id).order_by(WebhookEndpoint.id)
            )
            return [_endpoint(row) for row in rows]

    def remove(self, team_id: str, url: str) -> bool:
        """Forget the endpoint; what was still on its way to it is not sent. False when there is no such URL."""
        with self.db.uow() as uow:
            row = _by_url(uow.session, team_id, url)
            if row is None:
                return False
            _drop_pending(uow.session, team_id, row.id, SKIPPED, "endpoint removed")
            uow.session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == row.id))
            uow.commit()
        return True

    def target(self, team_id: str, url: str) -> Target | None:
        with self.db.read() as uow:
            row = _by_url(uow.session, team_id, url)
            return None if row is None else Target(row.url, row.secret)

    # -- the sender's part ---------------------------------------------------------------------

    def target_for(self, team_id: str, endpoint_id: int) -> Target | None:
        """The endpoint a ledger row goes to; None when it was removed or turned off."""
        with self.db.read() as uow:
            row = uow.session.scalar(
                select(WebhookEndpoint).where(
                    WebhookEndpoint.team_id == team_id,
                    WebhookEndpoint.id == endpoint_id,
                    WebhookEndpoint.disabled_at.is_(None),
                )
            )
            return None if row is None else Target(row.url, row.secret)

    def waiting_behind(
        self, delivery_id: int, team_id: str, target: str, order_key: str, now: datetime
    ) -> tuple[datetime, bool] | None:
        """The earliest earlier event with the same order key still pending for this endpoint: when it is next tried,
        and whether another sender is posting it right now. None when there is none (this one may go)."""
        with self.db.read() as uow:
            row = uow.session.execute(
                select(Delivery.next_attempt_at, Delivery.lease_until)
                .where(
                    Delivery.team_id == team_id,
                    Delivery.kind == WEBHOOK,
                    Delivery.target == target,
                    Delivery.subject == order_key,
                    Delivery.status == PENDING,
                    Delivery.id < delivery_id,
                )
                .order_by(Delivery.id)
                .limit(1)
            ).first()
        if row is None:
            return None
        return row.next_attempt_at, row.lease_until is not None and row.lease_until >= now

    def hold_endpoint(self, team_id: str, target: str, until: datetime, now: datetime) -> None:
        """The endpoint did not answer: its pending events due before `until` wait until then (untried, uncounted;
        ordered by when they were written again, since they come due together)."""
        with self.db.uow() as uow:
            uow.session.execute(
                update(Delivery)
                .where(
                    Delivery.team_id == team_id,
                    Delivery.kind == WEBHOOK,
                    Delivery.target == target,
                    Delivery.status == PENDING,
                    Delivery.next_attempt_at < until,
                    or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
                )
                .values(next_attempt_at=until)
                .execution_options(synchronize_session=False)
            )
            uow.commit()

    def delivered(self, team_id: str, endpoint_id: int) -> None:
        """An answer in 2xx: the endpoint works (again)."""
        with self.db.uow() as uow:
            uow.session.execute(
                update(WebhookEndpoint)
                .where(
                    WebhookEndpoint.team_id == team_id,
                    WebhookEndpoint.id == endpoint_id,
                    WebhookEndpoint.failing_since.is_not(None),
                )
                .values(failing_since=None, last_error=None)
            )
            uow.commit()

    def failed(self, team_id: str, endpoint_id: int, error: str, admins: list[str], now: datetime) -> bool:
        """A delivery failed. When every delivery has failed for KEEP_TRYING, the endpoint is turned off, what is
        still on its way to it is dropped, and each admin gets a DM (in the same transaction). True when turned off.
        """
        with self.db.uow() as uow:
            session = uow.session
            session.execute(
                update(WebhookEndpoint)
                .where(
                    WebhookEndpoint.team_id == team_id,
                    WebhookEndpoint.id == endpoint_id,
                    WebhookEndpoint.failing_since.is_(None),
                )
                .values(failing_since=now)
            )
            session.execute(
                update(WebhookEndpoint)
                .where(WebhookEndpoint.team_id == team_id, WebhookEndpoint.id == endpoint_id)
                .values(last_error=error[:64])
            )
            # One statement decides, so of two schedulers failing at once only one turns it off and tells.
            turned_off = session.execute(
                update(WebhookEndpoint)
                .where(
                    WebhookEndpoint.team_id == team_id,
                    WebhookEndpoint.id == endpoint_id,
                    WebhookEndpoint.disabled_at.is_(None),
                    WebhookEndpoint.failing_since <= now - KEEP_TRYING,
                )
                .values(disabled_at=now)
            ).rowcount
            if turned_off:
                row = session.get(WebhookEndpoint, endpoint_id)
                _drop_pending(session, team_id, endpoint_id, FAILED, "endpoint turned off")
                payload = {"url": row.url, "since": iso_time(row.failing_since), "error": error[:64]}
                for admin in admins:
                    Ledger.claim(session, team_id, WEBHOOK_OFF, str(endpoint_id), iso_time(now), admin, payload, now)
            uow.commit()
        return bool(turned_off)


def next_try(attempts: int, created_at: datetime, now: datetime, asked_wait: int | None = None) -> datetime | None:
    """When to try an event again after its `attempts`-th attempt failed; None: it has been tried for 24 hours.

    A wait the receiver asked for (Retry-After) is kept; the last attempt is made when the 24 hours are up.
    """
    give_up_at = created_at + KEEP_TRYING
    if now >= give_up_at:
        return None
    wait = timedelta(seconds=asked_wait) if asked_wait is not None else BACKOFF[min(attempts, len(BACKOFF)) - 1]
    return min(now + max(wait, timedelta(seconds=1)), give_up_at)


def _drop_pending(session: Session, team_id: str, endpoint_id: int, status: str, why: str) -> None:
    session.execute(
        update(Delivery)
        .where(
            Delivery.team_id == team_id,
            Delivery.kind == WEBHOOK,
            Delivery.target == target_of(endpoint_id),
            Delivery.status == PENDING,
        )
        .values(status=status, last_error=why, lease_until=None)
        .execution_options(synchronize_session=False)
    )


def _by_url(session: Session, team_id: str, url: str) -> WebhookEndpoint | None:
    return session.scalar(
        select(WebhookEndpoint).where(WebhookEndpoint.team_id == team_id, WebhookEndpoint.url == url.strip())
    )


def _endpoint(row: WebhookEndpoint) -> Endpoint:
    return Endpoint(
        id=row.id,
        team_id=row.team_id,
        url=row.url,
        events=tuple(e for e in row.events.split(",") if e),
        created_at=row.created_at,
        failing_since=row.failing_since,
        last_error=row.last_error,
        disabled_at=row.disabled_at,
    )
