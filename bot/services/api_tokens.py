"""API tokens: made, listed and revoked by admins; checked, counted and rate-limited on every API request."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update

from bot.errors import LeadbotError
from bot.store.database import Database
from bot.store.models import ApiToken

PREFIX = "lbk_"  # says what the secret is when it turns up in a log or a paste
NAME_MAX = 100
WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenView:
    """What may be shown of a token: never the token itself."""

    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


@dataclass(frozen=True)
class Caller:
    """Who an API request comes from, and whether it is over its rate."""

    team_id: str
    name: str
    retry_after: int | None  # seconds until the token may call again; None while within its rate


def token_hash(token: str) -> str:
    """SHA-256 is enough for a 256-bit random token: there is nothing to guess from its hash."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokens:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, team_id: str, name: str, now: datetime) -> str:
        """A new token called `name` for the workspace, returned once: only its hash is kept.

        A revoked token's name may be given to a new one; a name in use may not.
        """
        name = name.strip()
        if not name or len(name) > NAME_MAX:
            raise LeadbotError("api_token.bad_name", max=NAME_MAX)
        token = PREFIX + secrets.token_urlsafe(32)
        with self.db.uow() as uow:
            session = uow.session
            existing = session.scalar(select(ApiToken).where(ApiToken.team_id == team_id, ApiToken.name == name))
            if existing is not None and not existing.revoked:
                raise LeadbotError("api_token.name_taken", name=name)
            if existing is not None:
                session.execute(delete(ApiToken).where(ApiToken.id == existing.id))
            session.add(ApiToken(team_id=team_id, name=name, token_hash=token_hash(token), created_at=now))
            uow.commit()
        return token

    def list(self, team_id: str) -> list[TokenView]:
        """The workspace's tokens, revoked ones too, oldest first."""
        with self.db.read() as uow:
            rows = uow.session.scalars(
                select(ApiToken).where(ApiToken.team_id == team_id).order_by(ApiToken.created_at, ApiToken.name)
            )
            return [TokenView(row.name, row.created_at, row.last_used_at, row.revoked) for row in rows]

    def revoke(self, team_id: str, name: str) -> bool:
        """Stop the token called `name` from working; False when the workspace has no such working token."""
        with self.db.uow() as uow:
            changed = uow.session.execute(
                update(ApiToken)
                .where(ApiToken.team_id == team_id, ApiToken.name == name.strip(), ApiToken.revoked.is_(False))
                .values(revoked=True)
            ).rowcount
            uow.commit()
            return bool(changed)

    def authenticate(self, token: str, rate: int, now: datetime) -> Caller | None:
        """The workspace a presented token belongs to, counting this request against its rate; None when the token
        is unknown or revoked.

        One statement finds the token, notes its use and counts the request in the current minute, so the limit
        holds across every web worker. A request over the rate is still counted: a client that keeps hammering
        stays refused until the minute is over.
        """
        digest = token_hash(token)
        minute = now.replace(second=0, microsecond=0)
        with self.db.uow() as uow:
            row = uow.session.execute(
                update(ApiToken)
                .where(ApiToken.token_hash == digest, ApiToken.revoked.is_(False))
                .values(
                    last_used_at=now,
                    window_count=case((ApiToken.window_start == minute, ApiToken.window_count + 1), else_=1),
                    window_start=minute,
                )
                .returning(ApiToken.team_id, ApiToken.name, ApiToken.token_hash, ApiToken.window_count)
            ).first()
            uow.commit()
        # The lookup was by hash already; this says in code that the comparison does not leak by its timing.
        if row is None or not hmac.compare_digest(row.token_hash, digest):
            return None
        retry_after = None
        if row.window_count > rate:
            retry_after = max(1, int((minute + WINDOW - now).total_seconds() + 0.999))
        return Caller(row.team_id, row.name, retry_after)
