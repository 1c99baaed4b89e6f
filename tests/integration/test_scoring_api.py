"""Scoring rules as data over HTTP (GET/PUT /v1/config/scoring) and a lead's score explained line by line, in the
local runtime (the real template, ASL and handlers on moto)."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import pytest

from infra.local.runtime import LocalRuntime
from tests.http_client import Client, Reply


def put_config(client: Client, kind: str, body: dict[str, Any], api_key: str | None = None) -> Reply:
    headers = {"content-type": "application/json", "x-api-key": client.api_key if api_key is None else api_key}
    return client.request("PUT", f"/v1/config/{kind}", json.dumps(body).encode(), headers)


def active_scoring(client: Client) -> dict[str, Any]:
    reply = client.get("/v1/config/scoring")
    assert reply.status == 200, reply.body
    document: dict[str, Any] = reply.json()
    return document


def with_rule(body: dict[str, Any], section: str, index: int, **changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    changed[section][index].update(changes)
    return changed


def test_the_active_scoring_rules_are_readable(client: Client) -> None:
    document = active_scoring(client)

    assert document["kind"] == "scoring" and document["version"] >= 1
    assert {"grades", "engagement_levels", "mql_cells", "fit_rules", "behaviour_rules"} <= set(document["body"])


@pytest.mark.parametrize(
    ("break_it", "named"),
    [
        (lambda body: with_rule(body, "fit_rules", 0, field="shoe_size"), "'shoe_size'"),
        (lambda body: with_rule(body, "fit_rules", 0, matches="(vp", **{"in": None}), "valid regular expression"),
        (lambda body: with_rule(body, "behaviour_rules", 0, half_life_days=-3), "half_life_days"),
        (lambda body: {**body, "grades": {"A": 20, "B": 30, "C": 10}}, "grade thresholds overlap"),
        (lambda body: {**body, "mql_cells": ["A1", "E9"]}, "'E9'"),
    ],
    ids=["unknown-field", "bad-regex", "negative-half-life", "overlapping-grades", "unknown-cell"],
)
def test_an_invalid_rule_set_is_refused_naming_the_rule_and_the_active_version_stays(
    client: Client, break_it: Any, named: str
) -> None:
    before = active_scoring(client)
    broken = break_it(before["body"])

    reply = put_config(client, "scoring", broken)

    assert reply.status == 422, reply.body
    message = reply.json()["message"]
    assert named in message
    changed_rule = next(
        (
            rule["id"]
            for section in ("fit_rules", "behaviour_rules")
            for rule, original in zip(broken[section], before["body"][section], strict=True)
            if rule != original
        ),
        None,
    )
    if changed_rule is not None:
        assert repr(changed_rule) in message, "the error names the rule"
    assert active_scoring(client) == before


def test_a_valid_rule_set_is_published_as_the_next_version_and_scores_with_it(client: Client) -> None:
    before = active_scoring(client)
    body = with_rule(before["body"], "fit_rules", 0, description="Senior decision maker (edited)")

    reply = put_config(client, "scoring", body)

    assert reply.status == 200, reply.body
    assert reply.json() == {"kind": "scoring", "version": before["version"] + 1}
    after = active_scoring(client)
    assert after["version"] == before["version"] + 1
    assert after["body"]["fit_rules"][0]["description"] == "Senior decision maker (edited)"
    lead = submit(client, title="VP Marketing", form_id="demo-request")
    assert lead["score"]["ruleset_version"] >= after["version"]


def test_config_needs_the_api_key_and_a_known_kind(client: Client) -> None:
    assert put_config(client, "scoring", {}, api_key="wrong").status == 403
    assert client.get("/v1/config/scoring", api_key="").status == 403
    reply = client.get("/v1/config/horoscope")
    assert reply.status == 404 and "horoscope" in reply.json()["message"]


def submit(client: Client, **fields: Any) -> dict[str, Any]:
    document = {
        "email": f"dana.{uuid.uuid4().hex[:8]}@snowflake.com",
        "first_name": "Dana",
        "last_name": f"Whitfield{uuid.uuid4().hex[:6]}",
        "company": "Snowflake",
        "country": "US",
        **fields,
    }
    reply = client.post_lead(document)
    assert reply.status == 202, reply.body
    submission = client.wait_for_submission(reply.json()["submission_id"])
    assert submission["status"] == "processed", submission
    lead: dict[str, Any] = client.get(f"/v1/leads/{submission['lead_id']}").json()
    return lead


def test_a_leads_score_is_explained_line_by_line_as_of_now(client: Client, runtime: LocalRuntime) -> None:
    lead = submit(client, title="VP of Engineering", form_id="demo-request", phone="+1 415 555 0100")

    reply = client.get(f"/v1/leads/{lead['lead_id']}/score")

    assert reply.status == 200, reply.body
    explained = reply.json()
    score = explained["score"]
    assert explained["stage"] == "mql" and explained["cell"] in explained["mql_cells"]
    assert score["grade"] + str(score["level"]) == explained["cell"]
    rules = {line["rule_id"]: line for line in score["lines"]}
    assert {"executive", "phone-given", "demo-request"} <= set(rules)
    assert rules["demo-request"]["kind"] == "behaviour" and rules["demo-request"]["event_ids"]
    assert sum(line["points"] for line in score["lines"]) == pytest.approx(score["total"], abs=0.05)
    contribution = next(item for item in score["contributions"] if item["rule_id"] == "demo-request")
    assert contribution["points"] == 40 and contribution["half_life_days"] == 30
    assert explained["due_at"] is not None, "an MQL is filed for the decay job"
    assert client.get("/v1/leads/lead_00000000000000000000000000/score").status == 404
