"""The OpenAPI 3.1 document, made from the routes and the pydantic models that check the requests, and a page
to read it."""

from __future__ import annotations

import html
from http import HTTPStatus

from pydantic.json_schema import models_json_schema

from api import schemas
from api.routes import ROUTES

REF = "#/components/schemas/{model}"
PROBLEM = "application/problem+json"


def openapi_document() -> dict:
    models = {schemas.Problem}
    for route in ROUTES:
        models.add(route.answer)
        models.update(model for _, model in route.also)
        if route.body is not None:
            models.add(route.body)
    modes = [(model, "validation" if model.__name__.endswith("In") else "serialization") for model in models]
    refs, top = models_json_schema(sorted(modes, key=lambda pair: pair[0].__name__), ref_template=REF)
    paths: dict[str, dict] = {}
    for route in ROUTES:
        operation: dict = {
            "summary": route.summary,
            "operationId": route.handler.__name__,
            "security": [{"bearer": []}],
            "responses": {
                str(status): {
                    "description": HTTPStatus(status).phrase,
                    "content": {"application/json": {"schema": refs[(model, _mode(model))]}},
                }
                for status, model in ((route.ok, route.answer), *route.also)
            }
            | {
                str(status): {
                    "description": HTTPStatus(status).phrase,
                    "content": {PROBLEM: {"schema": refs[(schemas.Problem, "serialization")]}},
                }
                for status in sorted(set(route.problems))
            },
        }
        parameters = _path_parameters(route.path) + _query_parameters(route.query)
        if parameters:
            operation["parameters"] = parameters
        if route.body is not None:
            operation["requestBody"] = {
                "required": any(f.is_required() for f in route.body.model_fields.values()),
                "content": {"application/json": {"schema": refs[(route.body, "validation")]}},
            }
        paths.setdefault("/api/v1" + route.path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "leadbot HTTP API",
            "version": "1",
            "description": "Leads, follow-ups and orders in and out of leadbot. Every request but this document and "
            "its page carries `Authorization: Bearer <token>` (`leadbot api-token create`). Errors are RFC 9457 "
            "problem details.",
        },
        "paths": paths,
        "components": {
            "schemas": top.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _mode(model) -> str:
    return "validation" if model.__name__.endswith("In") else "serialization"


def _path_parameters(path: str) -> list[dict]:
    if "{number}" not in path:
        return []
    return [
        {
            "name": "number",
            "in": "path",
            "required": True,
            "description": "The lead's number, as in Slack.",
            "schema": {"type": "integer", "minimum": 1},
        }
    ]


def _query_parameters(model) -> list[dict]:
    if model is None:
        return []
    schema = model.model_json_schema()
    return [
        {
            "name": name,
            "in": "query",
            "required": field.is_required(),
            "schema": schema["properties"][name],
            **({"description": field.description} if field.description else {}),
        }
        for name, field in model.model_fields.items()
    ]


def docs_page(document: dict) -> str:
    """A plain page listing every endpoint, its fields and its answers: readable without loading anything else."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>leadbot HTTP API</title>",
        "<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
        "code{background:#f3f3f3;padding:0 .2em}h2{margin-top:2em}td{padding:.1em .6em;vertical-align:top}</style>",
        "</head><body><h1>leadbot HTTP API</h1>",
        f"<p>{_markup(document['info']['description'])}</p>",
        "<p>The machine-readable document: <a href='/api/v1/openapi.json'>/api/v1/openapi.json</a> (OpenAPI 3.1).</p>",
    ]
    components = document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            parts.append(f"<h2><code>{method.upper()} {html.escape(path)}</code></h2>")
            parts.append(f"<p>{html.escape(operation['summary'])}</p>")
            fields = [(p["name"], p["schema"], p.get("description", "")) for p in operation.get("parameters", [])]
            body = operation.get("requestBody")
            if body is not None:
                model = components[_name(body["content"]["application/json"]["schema"])]
                fields += [
                    (
                        name,
                        prop,
                        prop.get("description", "") + (" (required)" if name in model.get("required", []) else ""),
                    )
                    for name, prop in model["properties"].items()
                ]
            if fields:
                parts.append("<table>")
                for name, prop, description in fields:
                    parts.append(
                        f"<tr><td><code>{html.escape(name)}</code></td><td>{_type(prop)}</td>"
                        f"<td>{_markup(description)}</td></tr>"
                    )
                parts.append("</table>")
            answers = ", ".join(f"{code} {html.escape(r['description'])}" for code, r in operation["responses"].items())
            parts.append(f"<p>Answers: {answers}.</p>")
    parts.append("</body></html>")
    return "".join(parts)


def _name(ref: dict) -> str:
    return ref["$ref"].rsplit("/", 1)[-1]


def _type(prop: dict) -> str:
    """A field's type in a few words: `string`, `one of: call, wechat…`, `date | null`."""
    options = prop.get("anyOf", [prop])
    words = []
    for option in options:
        if "enum" in option:
            words.append("one of: " + ", ".join(str(v) for v in option["enum"]))
        elif "const" in option:
            words.append(str(option["const"]))
        else:
            words.append(
                option.get("format") or option.get("type") or _name(option)
                if "$ref" in option
                else option.get("format") or option.get("type", "any")
            )
    return html.escape(" | ".join(words))


def _markup(text: str) -> str:
    """`code` in descriptions as <code>, everything else escaped."""
    pieces = html.escape(text).split("`")
    return "".join(f"<code>{piece}</code>" if i % 2 else piece for i, piece in enumerate(pieces))
