"""Error answers as RFC 9457 problem details, in English, naming each bad field."""

from __future__ import annotations

import re
from http import HTTPStatus

from pydantic import ValidationError

from bot.errors import Goal, LeadbotError, Msg
from bot.text.formatting import follow_up_goal
from bot.text.i18n import t

# Where the services call a field by its form's name, and the API by its own.
API_FIELD = {"contact_name": "contact", "first_follow_up": "next_follow_up", "won_value": "value"}


class ApiProblem(Exception):
    """An answer other than success: its status, why, and (optionally) the bad fields or extra members."""

    def __init__(
        self, status: int, detail: str, errors: list[dict] | None = None, headers: dict | None = None, **members: object
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.members = members

    def document(self) -> dict:
        body = {
            "type": "about:blank",
            "title": HTTPStatus(self.status).phrase,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors is not None:
            body["errors"] = self.errors
        return {**body, **self.members}


def invalid(field: str, detail: str) -> ApiProblem:
    """422 for one bad field."""
    return ApiProblem(422, f"{field}: {detail}", [{"field": field, "detail": detail}])


def from_validation(error: ValidationError) -> ApiProblem:
    """422 naming every field pydantic refused."""
    errors = [
        {"field": ".".join(str(part) for part in item["loc"]) or "(body)", "detail": item["msg"]}
        for item in error.errors(include_url=False)
    ]
    return ApiProblem(422, "Some fields are not valid: " + ", ".join(e["field"] for e in errors) + ".", errors)


def from_fields(fields: dict[str, tuple[str, dict]]) -> ApiProblem:
    """422 naming every field a service refused (FormInvalid), in the API's names."""
    errors = [
        {"field": API_FIELD.get(name, name), "detail": plain(t(key, "en", **params))}
        for name, (key, params) in fields.items()
    ]
    return ApiProblem(422, "Some fields are not valid: " + ", ".join(e["field"] for e in errors) + ".", errors)


def sentence(error: LeadbotError) -> str:
    """A service's refusal as the English sentence Slack would show, without Slack's markup."""
    params = {}
    for name, value in error.params.items():
        if isinstance(value, Msg):
            value = t(value.key, "en")
        elif isinstance(value, Goal):
            value = follow_up_goal(value.touches, value.min_touches, value.goal, "en")
        params[name] = value
    return plain(t(error.key, "en", **params))


def plain(text: str) -> str:
    """Slack's mrkdwn as plain text: `<@U1>` → U1, `*bold*` → bold, `<url|label>` → label."""
    text = re.sub(r"<@([A-Z0-9]+)>", r"\1", text)
    text = re.sub(r"<[^|>]+\|([^>]+)>", r"\1", text)
    return re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
