"""The HTTP API's refusals: each one a problem document (RFC 9457) that says why, and none of them changes
anything."""

from __future__ import annotations

from datetime import timedelta

from tests.api_client import api, new_token
from tests.conftest import ALICE, BOB, CAROL, TEAM
from tests.support import command

OTHER_TEAM = "T0002"


def _problem(answer, status: int) -> dict:
    assert answer.status == status, answer.raw
    assert answer.content_type == "application/problem+json"
    problem = answer.json
    assert problem["status"] == status and problem["title"] and problem["detail"]
    return problem


def _fields(problem: dict) -> set[str]:
    return {error["field"] for error in problem["errors"]}


def _leads(app, token) -> list[dict]:
    return api(app, "GET", "leads", token).json["items"]


def test_no_token_a_wrong_one_or_a_revoked_one_is_401(app):
    token = new_token(app, TEAM)
    for sent in (None, token + "x", "lbk_" + "A" * 43):
        problem = _problem(api(app, "GET", "leads", sent), 401)
        assert "Authorization: Bearer" in problem["detail"]
    assert api(app, "GET", "leads", None).headers["www-authenticate"].startswith("Bearer")
    assert _problem(api(app, "GET", "leads", None, headers={"Authorization": "Basic " + token}), 401)
    app.deps.api_tokens.revoke(TEAM, "website")
    _problem(api(app, "POST", "leads", token, {"company": "Acme", "owner": ALICE}), 401)
    assert "Acme" not in command(app, "list all")


def test_the_token_is_checked_before_the_body(app):
    # Neither unreadable nor huge bodies are looked at without a working token.
    _problem(api(app, "POST", "leads", None, raw=b"{not json"), 401)
    _problem(api(app, "POST", "leads", "wrong", raw=b"x" * 1_100_000), 401)


def test_unreadable_json_is_400(app):
    token = new_token(app, TEAM)
    problem = _problem(api(app, "POST", "leads", token, raw=b'{"company": "Acme",'), 400)
    assert "not readable JSON" in problem["detail"] and _fields(problem) == {"(body)"}
    _problem(api(app, "POST", "leads", token, raw=b'{"company": "\xff"}'), 400)
    _problem(api(app, "POST", "leads", token, raw=b'["Acme"]'), 400)
    assert _leads(app, token) == []


def test_invalid_fields_are_422_each_named(app):
    token = new_token(app, TEAM)
    problem = _problem(
        api(
            app,
            "POST",
            "leads",
            token,
            {
                "contact": "Li",
                "source": "billboard",
                "next_follow_up": "someday",
                "colour": "blue",
            },
        ),
        422,
    )
    assert _fields(problem) == {"company", "source", "next_follow_up", "colour"}
    # The services' own rules, named by the API's field names.
    problem = _problem(
        api(
            app,
            "POST",
            "leads",
            token,
            {
                "company": "Acme",
                "owner": ALICE,
                "claimed_potential": "-5",
                "contact_email": "not an address",
                "next_follow_up": "2026-11-01",
                "contact": "x" * 300,
            },
        ),
        422,
    )
    assert _fields(problem) == {"claimed_potential", "contact_email", "next_follow_up", "contact"}
    assert {"field": "next_follow_up", "detail": "Pick today or a later date."} in problem["errors"]
    problem = _problem(api(app, "POST", "leads", token, {"company": "Acme", "owner": "nobody@example.com"}), 422)
    assert _fields(problem) == {"owner"} and "nobody@example.com" in problem["detail"]
    assert _leads(app, token) == []


def test_without_owner_or_default_owner_the_lead_is_refused_naming_owner(app):
    problem = _problem(api(app, "POST", "leads", new_token(app, TEAM), {"company": "Acme"}), 422)
    assert _fields(problem) == {"owner"} and "LEADBOT_DEFAULT_OWNER" in problem["detail"]


def test_rules_from_slack_are_422_saying_why_in_english(app_with):
    app = app_with(LEADBOT_LANGUAGE="zh_CN")  # a team that reads Chinese; integrations read English
    token = new_token(app, TEAM)
    api(app, "POST", "leads", token, {"company": "Acme", "owner": ALICE})
    problem = _problem(
        api(app, "POST", "leads/1/lost", token, {"reason": "silent", "note": "only wanted a price"}), 422
    )
    assert problem["detail"].startswith("Not yet")
    lead = app.deps.leads.find(TEAM, "1")
    assert lead.status == "open" and "only wanted a price" not in lead.discovery_notes  # the refusal changed nothing
    problem = _problem(api(app, "POST", "leads/1/touches", token, {"kind": "call", "by": CAROL}), 422)
    assert _fields(problem) == {"by"} and "Only the owner" in problem["detail"]
    problem = _problem(api(app, "POST", "leads/1/lost", token, {"reason": "bored"}), 422)
    assert _fields(problem) == {"reason"}
    problem = _problem(
        api(app, "POST", "orders", token, {"company": "Acme", "ordered_on": "2027-01-01", "amount": "100"}), 422
    )
    assert _fields(problem) == {"ordered_on"} and "future" in problem["detail"]
    problem = _problem(
        api(app, "POST", "orders", token, {"company": "Acme", "ordered_on": "2026-11-01", "amount": "lots"}), 422
    )
    assert _fields(problem) == {"amount"}
    problem = _problem(api(app, "POST", "leads/1/won", token, {"value": "a lot", "currency": "beads"}), 422)
    assert _fields(problem) == {"currency"}
    assert _fields(_problem(api(app, "POST", "leads/1/won", token, {"value": "a lot"}), 422)) == {"value"}
    problem = _problem(api(app, "GET", "leads?limit=500&status=maybe", token), 422)
    assert _fields(problem) == {"limit", "status"}
    assert _fields(_problem(api(app, "GET", "leads?cursor=nonsense", token), 422)) == {"cursor"}
    assert api(app, "GET", "leads/1", token).json["touches"] == 0


def test_a_closed_lead_cannot_be_changed_409(app):
    token = new_token(app, TEAM)
    api(app, "POST", "leads", token, {"company": "Acme", "owner": ALICE})
    api(app, "POST", "leads/1/won", token)
    _problem(api(app, "POST", "leads/1/touches", token, {"kind": "call"}), 409)
    _problem(api(app, "POST", "leads/1/lost", token, {"reason": "competitor"}), 409)


def test_the_same_company_open_twice_is_409_with_the_existing_lead(app):
    token = new_token(app, TEAM)
    first = api(app, "POST", "leads", token, {"company": "Lakeside Packaging", "owner": ALICE}).json
    problem = _problem(api(app, "POST", "leads", token, {"company": "lakeside packaging", "owner": BOB}), 409)
    assert problem["lead"] == first and "already has an open lead" in problem["detail"]
    assert len(_leads(app, token)) == 1


def test_a_body_over_a_megabyte_is_413(app):
    token = new_token(app, TEAM)
    big = b'{"company": "Acme", "asked_for": "' + b"x" * 1_000_000 + b'"}'
    problem = _problem(api(app, "POST", "leads", token, raw=big), 413)
    assert "1000000" in problem["detail"]
    assert _leads(app, token) == []


def test_more_requests_a_minute_than_the_rate_are_429_with_retry_after(app_with, clock):
    app = app_with(LEADBOT_API_RATE="3")
    token, other = new_token(app, TEAM), new_token(app, TEAM, "phone")
    clock.set(clock.now() + timedelta(seconds=20))
    for _ in range(3):
        assert api(app, "GET", "leads", token).status == 200
    refused = api(app, "GET", "leads", token)
    _problem(refused, 429)
    assert refused.headers["retry-after"] == "40"
    assert api(app, "GET", "leads", other).status == 200  # the rate is per token
    clock.set(clock.now() + timedelta(seconds=40))
    assert api(app, "GET", "leads", token).status == 200


def test_a_token_sees_nothing_of_another_workspace(app):
    ours, theirs = new_token(app, TEAM), new_token(app, OTHER_TEAM)
    api(app, "POST", "leads", ours, {"company": "Acme", "owner": ALICE})
    api(app, "POST", "leads/1/touches", ours, {"kind": "call", "note": "secret pricing"})
    assert _leads(app, theirs) == []
    for method, path, body in (
        ("GET", "leads/1", None),
        ("POST", "leads/1/touches", {"kind": "call"}),
        ("POST", "leads/1/won", {}),
        ("POST", "leads/1/lost", {"reason": "competitor"}),
    ):
        problem = _problem(api(app, method, path, theirs, body), 404)
        assert "secret" not in str(problem) and "Acme" not in str(problem)
    # The same company is a lead of its own in the other workspace, numbered from 1 there.
    created = api(app, "POST", "leads", theirs, {"company": "Acme", "owner": "U0THEIRS1"})
    assert created.status == 201 and created.json["number"] == 1
    assert [lead["owner"] for lead in _leads(app, ours)] == [ALICE]
    assert api(app, "GET", "leads/1", ours).json["touches"] == 1


def test_unknown_paths_are_404_and_wrong_methods_405(app):
    token = new_token(app, TEAM)
    _problem(api(app, "GET", "deals", token), 404)
    _problem(api(app, "GET", "leads/abc", token), 404)
    wrong = api(app, "DELETE", "leads/1", token)
    _problem(wrong, 405)
    assert wrong.headers["allow"] == "GET"


def test_a_chunked_body_is_read_and_held_to_the_same_limit(app):
    token = new_token(app, TEAM)

    def chunked(payload: bytes) -> bytes:
        return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (payload[:10], payload[10:])) + b"0\r\n\r\n"

    headers = {"Transfer-Encoding": "chunked"}
    body = b'{"company": "Acme", "owner": "UALICE01"}'
    assert api(app, "POST", "leads", token, raw=chunked(body), headers=headers).status == 201
    big = b'{"company": "Gulf", "asked_for": "' + b"x" * 1_000_000 + b'"}'
    _problem(api(app, "POST", "leads", token, raw=chunked(big), headers=headers), 413)
    assert [lead["company"] for lead in _leads(app, token)] == ["Acme"]


def test_slack_unreachable_while_looking_up_an_owner_is_503_and_saves_nothing(app):
    token = new_token(app, TEAM)
    app.slack.fail_next("users.lookupByEmail", status=503, times=10)
    answer = api(app, "POST", "leads", token, {"company": "Acme", "owner": "carol@example.com"})
    assert "Slack" in _problem(answer, 503)["detail"] and answer.headers["retry-after"] == "30"
    assert _leads(app, token) == []


def test_an_owner_email_without_the_scope_to_look_it_up_is_422_asking_for_a_user_id(app):
    token = new_token(app, TEAM)
    app.slack.fail_next("users.lookupByEmail", error="missing_scope")
    problem = _problem(api(app, "POST", "leads", token, {"company": "Acme", "owner": "carol@example.com"}), 422)
    assert _fields(problem) == {"owner"} and "users:read.email" in problem["detail"]
    assert _leads(app, token) == []
