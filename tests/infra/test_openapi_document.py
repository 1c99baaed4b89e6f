"""The OpenAPI document tells a client everything the API will hold it to: which routes need the API key (as the
template says), every error each route can answer in the one error shape, and a bound on every string and number a
client can send, so that the limits are read from the document rather than found by trial."""

from __future__ import annotations

from typing import Any

import pytest

from infra.local.schemas import SCHEMA_DIR, contracts
from infra.local.template import TEMPLATE_PATH, load_template

DOCUMENT = contracts()[SCHEMA_DIR / "openapi.json"]
OPERATIONS = [
    (method.upper(), path, operation)
    for path, methods in DOCUMENT["paths"].items()
    for method, operation in methods.items()
]


def template_routes() -> dict[tuple[str, str], bool]:
    """(METHOD, path) -> whether the template makes the route need the API key."""
    routes = {}
    for resource in load_template(TEMPLATE_PATH)["Resources"].values():
        for event in (resource.get("Properties", {}).get("Events") or {}).values():
            if event.get("Type") == "Api" and event["Properties"]["Method"].upper() != "OPTIONS":
                props = event["Properties"]
                routes[(props["Method"].upper(), props["Path"])] = bool(props.get("Auth", {}).get("ApiKeyRequired"))
    return routes


def label(item: tuple[str, str, Any]) -> str:
    return f"{item[0]} {item[1]}"


@pytest.mark.parametrize("item", OPERATIONS, ids=label)
def test_a_route_behind_the_api_key_says_so_and_documents_the_403(item: tuple[str, str, Any]) -> None:
    method, path, operation = item
    keyed = template_routes()[(method, path)]

    assert (operation.get("security") == [{"apiKey": []}]) == keyed
    assert ("403" in operation["responses"]) == keyed


@pytest.mark.parametrize("item", OPERATIONS, ids=label)
def test_every_error_a_route_documents_has_the_error_shape(item: tuple[str, str, Any]) -> None:
    _, _, operation = item
    errors = {status: answer for status, answer in operation["responses"].items() if int(status) >= 400}

    assert "422" in errors
    # A page for people (the unsubscribe link) answers its own errors as a page too; validation's 422 stays JSON.
    page = "text/html" in operation["responses"].get("200", {}).get("content", {})
    for status, answer in errors.items():
        if page and status != "422":
            assert set(answer["content"]) == {"text/html"}
            continue
        assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}


@pytest.mark.parametrize("item", [i for i in OPERATIONS if "requestBody" in i[2]], ids=label)
def test_a_route_with_a_body_documents_the_body_errors(item: tuple[str, str, Any]) -> None:
    _, _, operation = item

    assert {"400", "413", "415", "422"} <= set(operation["responses"])


def unbounded(schema: dict[str, Any], where: str, found: list[str]) -> list[str]:
    """Every string without maxLength/pattern/enum/format and every number without both bounds, below `schema`."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return unbounded(DOCUMENT["components"]["schemas"][name], name, found)
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            unbounded(option, where, found)
    kind = schema.get("type")
    if kind == "string" and not {"maxLength", "pattern", "enum", "const", "format"} & set(schema):
        found.append(where)
    if kind in ("integer", "number") and not (
        {"maximum", "exclusiveMaximum"} & set(schema) and {"minimum", "exclusiveMinimum"} & set(schema)
    ):
        found.append(where)
    for name, child in (schema.get("properties") or {}).items():
        unbounded(child, f"{where}.{name}", found)
    for child in (schema.get("patternProperties") or {}).values():
        unbounded(child, f"{where}.*", found)
    if isinstance(schema.get("additionalProperties"), dict):
        unbounded(schema["additionalProperties"], f"{where}.*", found)
    if isinstance(schema.get("items"), dict):
        unbounded(schema["items"], f"{where}[]", found)
    return found


@pytest.mark.parametrize("item", OPERATIONS, ids=label)
def test_every_string_and_number_a_client_sends_is_bounded_in_the_document(item: tuple[str, str, Any]) -> None:
    _, _, operation = item
    found: list[str] = []
    for parameter in operation.get("parameters", []):
        unbounded(parameter["schema"], f"{parameter['in']}.{parameter['name']}", found)
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body is not None:
        unbounded(body, "body", found)

    assert found == []
