"""Bad input to the intake API gets a 4xx that names the problem — never a 500, and nothing is stored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from leadflow.models.submission import MAX_CUSTOM_FIELD_VALUE_LENGTH, MAX_CUSTOM_FIELDS

from tests.http_client import Client, Reply

GOOD = {"email": "jo.bloggs@snowflake.com", "form_id": "demo-request"}


def post_json(client: Client, document: Any) -> Reply:
    return client.request("POST", "/v1/leads", json.dumps(document).encode(), {"content-type": "application/json"})


def fields_named(reply: Reply) -> set[str]:
    return {error["field"] for error in reply.json().get("errors", [])}


def test_missing_email_is_422_naming_email(client: Client) -> None:
    reply = post_json(client, {"first_name": "Jo"})

    assert reply.status == 422
    assert fields_named(reply) == {"email"}
    assert "email: required" in reply.json()["message"]


@pytest.mark.parametrize("email", ["not-an-email", "jo@", "@snowflake.com", "jo@@snowflake.com", "jo@snow flake.com"])
def test_invalid_email_is_422_naming_email(client: Client, email: str) -> None:
    reply = post_json(client, {**GOOD, "email": email})

    assert reply.status == 422
    assert fields_named(reply) == {"email"}


@pytest.mark.parametrize(
    ("field", "value"),
    [("first_name", 123), ("consent", "maybe"), ("fields", ["a", "b"]), ("email", None), ("form_id", "Demo Request!")],
)
def test_wrong_type_is_422_naming_the_field(client: Client, field: str, value: Any) -> None:
    reply = post_json(client, {**GOOD, field: value})

    assert reply.status == 422
    assert field in {f.split(".")[0] for f in fields_named(reply)}


def test_unknown_top_level_field_is_422_pointing_to_custom_fields(client: Client) -> None:
    reply = post_json(client, {**GOOD, "favourite_colour": "blue"})

    assert reply.status == 422
    assert fields_named(reply) == {"favourite_colour"}
    assert "fields" in reply.json()["errors"][0]["message"]


def test_too_many_custom_fields_is_422_naming_fields(client: Client) -> None:
    reply = post_json(client, {**GOOD, "fields": {f"f{i}": i for i in range(MAX_CUSTOM_FIELDS + 1)}})

    assert reply.status == 422
    assert fields_named(reply) == {"fields"}
    assert f"at most {MAX_CUSTOM_FIELDS}" in reply.json()["message"]


def test_too_large_custom_field_is_422_naming_it(client: Client) -> None:
    reply = post_json(client, {**GOOD, "fields": {"notes": "x" * (MAX_CUSTOM_FIELD_VALUE_LENGTH + 1)}})

    assert reply.status == 422
    assert fields_named(reply) == {"fields.notes"}
    assert f"at most {MAX_CUSTOM_FIELD_VALUE_LENGTH}" in reply.json()["message"]


def test_malformed_json_is_422_saying_so(client: Client) -> None:
    reply = client.request("POST", "/v1/leads", b'{"email": "jo@snowflake.com",', {"content-type": "application/json"})

    assert reply.status == 422
    assert fields_named(reply) == {"body"}
    assert "malformed JSON" in reply.json()["message"]


def test_json_that_is_not_an_object_is_422(client: Client) -> None:
    reply = post_json(client, ["jo@snowflake.com"])

    assert reply.status == 422


def test_body_over_the_size_limit_is_413_with_the_limit(client: Client) -> None:
    reply = post_json(client, {**GOOD, "message": "x" * 70_000})

    assert reply.status == 413
    assert "65536 bytes" in reply.json()["message"]


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x", "application/xml"])
def test_wrong_content_type_is_415_naming_what_is_accepted(client: Client, content_type: str) -> None:
    reply = client.request("POST", "/v1/leads", json.dumps(GOOD).encode(), {"content-type": content_type})

    assert reply.status == 415
    assert "application/json" in reply.json()["message"]


def test_body_that_is_not_utf8_is_400(client: Client) -> None:
    reply = client.request("POST", "/v1/leads", b'{"email": "\xff\xfe@x.com"}', {"content-type": "application/json"})

    assert reply.status == 400
    assert "UTF-8" in reply.json()["message"]


def test_reading_leads_without_the_api_key_is_403(client: Client) -> None:
    assert client.get("/v1/leads?stage=mql", api_key="").status == 403
    assert client.get("/v1/leads?stage=mql", api_key="wrong").status == 403


def test_unknown_lead_is_404_naming_it(client: Client) -> None:
    reply = client.get("/v1/leads/lead_00000000000000000000000000")

    assert reply.status == 404
    assert "lead_00000000000000000000000000" in reply.json()["message"]


def test_malformed_lead_id_and_bad_filters_are_422(client: Client) -> None:
    assert client.get("/v1/leads/not-a-lead").status == 422
    reply = client.get("/v1/leads?stage=hot")
    assert reply.status == 422 and fields_named(reply) == {"stage"}
    assert client.get("/v1/leads?limit=0").status == 422
    assert client.get("/v1/leads?stage=mql&cursor=garbage").status == 422


def test_cors_preflight_answers_configured_origins_only(client: Client) -> None:
    own = client.base_url.replace("127.0.0.1", "localhost")  # the default origins follow the runtime's port
    allowed = client.request("OPTIONS", "/v1/leads", headers={"origin": own})
    refused = client.request("OPTIONS", "/v1/leads", headers={"origin": "https://evil.example"})

    assert allowed.status == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == own
    assert refused.status == 403
    assert "Access-Control-Allow-Origin" not in refused.headers
