"""The OpenAPI document: valid OpenAPI 3.1, readable without a token, and true to the endpoints it describes."""

from __future__ import annotations

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from tests.api_client import api, new_token
from tests.conftest import ALICE, TEAM

EXAMPLES = {  # a body each write accepts, for walking the document
    ("post", "/api/v1/leads"): {"company": "Walked In", "owner": ALICE},
    ("post", "/api/v1/leads/{number}/touches"): {"kind": "call"},
    ("post", "/api/v1/leads/{number}/won"): {},
    ("post", "/api/v1/leads/{number}/lost"): {"reason": "competitor"},
    ("post", "/api/v1/orders"): {"company": "Walked In", "ordered_on": "2026-11-30", "amount": "100"},
}


def test_the_document_validates_and_needs_no_token(app):
    answer = api(app, "GET", "openapi.json")
    assert answer.status == 200 and answer.content_type == "application/json"
    document = answer.json
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {
        "/api/v1/leads",
        "/api/v1/leads/{number}",
        "/api/v1/leads/{number}/touches",
        "/api/v1/leads/{number}/won",
        "/api/v1/leads/{number}/lost",
        "/api/v1/orders",
    }
    lead_in = document["components"]["schemas"]["LeadIn"]
    assert lead_in["required"] == ["company"] and "owner" in lead_in["properties"]


def test_the_docs_page_lists_every_endpoint(app):
    page = api(app, "GET", "docs")
    assert page.status == 200 and page.content_type.startswith("text/html")
    html = page.raw.decode()
    for line in ("POST /api/v1/leads", "GET /api/v1/leads/{number}", "POST /api/v1/orders", "claimed_potential"):
        assert line in html


def test_every_documented_operation_answers_as_documented(app):
    token = new_token(app, TEAM)
    document = api(app, "GET", "openapi.json").json
    api(app, "POST", "leads", token, {"company": "Acme", "owner": ALICE})
    walked = 0
    for path, operations in document["paths"].items():
        # The lost one last: a closed lead takes no follow-up.
        for method in sorted(operations, key=lambda m: (m != "get", path.endswith("/won"), path.endswith("/lost"))):
            number = "2" if path.endswith("/lost") else "1"
            concrete = path.replace("{number}", number)
            body = EXAMPLES.get((method, path))
            if path.endswith("/lost"):
                api(app, "POST", "leads", token, {"company": "Lost Co", "owner": ALICE})
            answer = api(app, method.upper(), concrete, token, body if method == "post" else None)
            assert answer.status not in (404, 405), (method, concrete, answer.raw)
            documented = operations[method]["responses"].get(str(answer.status))
            assert documented is not None, (method, concrete, answer.status, answer.raw)
            # The answer has the shape the document gives it.
            schema = documented["content"][answer.content_type]["schema"]
            errors = list(_validator(document, schema).iter_errors(answer.json))
            assert not errors, (method, concrete, [e.message for e in errors])
            walked += 1
    assert walked == 7


def _validator(document: dict, schema: dict) -> Draft202012Validator:
    """A JSON Schema validator for one of the document's schemas, its references resolved within the document."""
    return Draft202012Validator({**schema, "components": document["components"]})
