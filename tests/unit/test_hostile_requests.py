"""Whatever a client sends, the answer is a 4xx naming what is wrong, never a 5xx: bodies that are not JSON objects,
nesting without end, numbers no store can hold, bytes that are not UTF-8, unknown query parameters; and the request
models bound every number and length they take."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
import yaml
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from leadflow.api.resolver import build_resolver, resolve_with_form_bodies
from leadflow.models.lifecycle import OutcomeRequest
from leadflow.models.rules import parse_ruleset
from leadflow.models.submission import SubmissionIn
from leadflow.settings import settings
from pydantic import ValidationError

from tests.events import api_request

router = APIGatewayRouter()


@router.put("/v1/things/<kind>")
def put_thing(kind: str, body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    return {"kind": kind, "keys": sorted(body)}


@router.get("/v1/things")
def list_things(stage: Annotated[str | None, Query(max_length=10)] = None) -> dict[str, Any]:
    return {"stage": stage}


APP = build_resolver(router)
CONFIG_DIR = Path(__file__).resolve().parents[2] / "infra" / "config"


@pytest.fixture(autouse=True)
def function_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The settings every HTTP function reads (the body size limit among them); no table is touched here."""
    for name in ("LEADS_TABLE", "CONFIG_TABLE", "IDEMPOTENCY_TABLE", "OUTBOX_TABLE", "EVENT_BUS_NAME"):
        monkeypatch.setenv(name, "unused")
    settings.cache_clear()
    yield
    settings.cache_clear()


def request(method: str, path: str, body: bytes | None = None, query: dict[str, str] | None = None) -> dict[str, Any]:
    text, encoded = None, False
    if body is not None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:  # API Gateway hands binary bodies over as base64
            text, encoded = base64.b64encode(body).decode(), True
    headers = {"content-type": "application/json"}
    event = api_request(
        "intake/post_lead_json.json", method, path, headers=headers, query=query, body=text, base64_encoded=encoded
    )
    return resolve_with_form_bodies(APP, event, None)


def answer(response: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return response["statusCode"], json.loads(response["body"])


def named(document: dict[str, Any]) -> set[str]:
    return {error["field"] for error in document.get("errors", [])}


def test_a_put_body_that_is_not_utf8_is_400_naming_the_body() -> None:
    status, document = answer(request("PUT", "/v1/things/scoring", b'{"name": "\xff\xfe"}'))

    assert status == 400
    assert named(document) == {"body"} and "UTF-8" in document["message"]


@pytest.mark.parametrize(
    ("body", "kind"), [(b'[{"email": "n@gmail.com"}]', "an array"), (b'"n@gmail.com"', "a string")]
)
def test_a_body_that_is_not_a_json_object_is_422(body: bytes, kind: str) -> None:
    status, document = answer(request("PUT", "/v1/things/scoring", body))

    assert status == 422
    assert named(document) == {"body"} and f"expected a JSON object, got {kind}" in document["message"]


def test_a_value_nested_a_thousand_levels_deep_is_422() -> None:
    deep = b'{"fields": {"n": ' + b"[" * 1000 + b"]" * 1000 + b"}}"

    status, document = answer(request("PUT", "/v1/things/scoring", deep))

    assert status == 422
    assert "nested deeper than" in document["message"]


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1e126", "1e-131", str(10**126), "1" * 39])
def test_a_number_no_store_can_hold_is_422_naming_where_it_is(number: str) -> None:
    status, document = answer(request("PUT", "/v1/things/scoring", f'{{"fields": {{"n": {number}}}}}'.encode()))

    assert status == 422
    assert named(document) == {"fields.n"}


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_non_json_number_is_422_as_malformed_json(constant: str) -> None:
    status, document = answer(request("PUT", "/v1/things/scoring", f'{{"n": {constant}}}'.encode()))

    assert status == 422
    assert "malformed JSON" in document["message"]


def test_an_unknown_query_parameter_is_422_naming_it() -> None:
    status, document = answer(request("GET", "/v1/things", query={"utm_source": "google"}))

    assert status == 422
    assert named(document) == {"utm_source"}
    assert "accepted: stage" in document["message"]


def test_declared_query_parameters_still_filter() -> None:
    status, document = answer(request("GET", "/v1/things", query={"stage": "mql"}))

    assert (status, document) == (200, {"stage": "mql"})


# --- request models ---------------------------------------------------------------------------------------------


def submission_errors(fields: dict[str, Any]) -> list[tuple[Any, ...]]:
    with pytest.raises(ValidationError) as refused:
        SubmissionIn.model_validate({"email": "n@gmail.com", "fields": fields})
    return [error["loc"] for error in refused.value.errors()]


@pytest.mark.parametrize("value", [1e16, -1e16, 10**100, float("inf"), float("nan"), 1e-131])
def test_a_custom_field_number_out_of_bounds_is_refused_naming_the_field(value: float) -> None:
    assert submission_errors({"seats": value}) == [("fields", "seats")]


@pytest.mark.parametrize("value", [["a"], {"nested": {"deeper": 1}}])
def test_a_custom_field_that_is_not_flat_is_refused_naming_the_field(value: Any) -> None:
    assert submission_errors({"plan": value}) == [("fields", "plan")]


def test_custom_fields_within_bounds_are_kept_as_sent() -> None:
    fields = {"seats": 25, "budget": 1e15, "ratio": 0.25, "trial": True, "plan": "pro", "none": None, "zero": 0}

    assert SubmissionIn.model_validate({"email": "n@gmail.com", "fields": fields}).fields == fields


def test_the_custom_field_bounds_are_published_in_the_schema() -> None:
    schema = SubmissionIn.model_json_schema()["properties"]["fields"]

    assert schema["maxProperties"] == 50
    assert schema["propertyNames"]["maxLength"] == 64
    value_types = next(iter(schema["patternProperties"].values()))["anyOf"]
    assert {"type": "integer", "minimum": -(10**15), "maximum": 10**15} in value_types
    assert {"type": "string", "maxLength": 1000} in value_types


@pytest.mark.parametrize("amount", [7.5e307, 1e12 + 1, -1])
def test_a_deal_amount_out_of_bounds_is_refused(amount: float) -> None:
    with pytest.raises(ValidationError) as refused:
        OutcomeRequest.model_validate({"result": "won", "amount": amount, "currency": "EUR", "actor": "rep:dana"})

    assert [error["loc"] for error in refused.value.errors()] == [("amount",)]


def test_the_deal_amount_bounds_are_published_in_the_schema() -> None:
    amount = OutcomeRequest.model_json_schema()["properties"]["amount"]["anyOf"][0]

    assert (amount["minimum"], amount["maximum"]) == (0, 1e12)


def default_scoring() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((CONFIG_DIR / "scoring.yaml").read_text(encoding="utf-8"))
    return document


@pytest.mark.parametrize("points", [10**40, -5000, 1001])
def test_a_scoring_rule_with_points_beyond_any_rule_is_refused_naming_it(points: int) -> None:
    document = default_scoring()
    rule = document["fit_rules"][0]
    rule["points"] = points

    with pytest.raises(ValidationError, match=f"fit rule '{rule['id']}'"):
        parse_ruleset("scoring", document)
