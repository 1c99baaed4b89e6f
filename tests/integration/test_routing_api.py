"""Routing over HTTP on the local runtime: reps and teams, explained assignments, a manager's reassignment, and
routing rules refused naming the rule when they name a rep the roster lacks."""

from __future__ import annotations

import json
from typing import Any

import yaml

from infra.local.runtime import LocalRuntime
from tests.http_client import Client, Reply
from tests.integration.test_lifecycle_api import an_mql
from tests.unit.conftest import CONFIG_DIR


def put_config(client: Client, kind: str, body: dict[str, Any]) -> Reply:
    headers = {"content-type": "application/json", "x-api-key": client.api_key}
    return client.request("PUT", f"/v1/config/{kind}", json.dumps(body).encode(), headers)


def test_reps_lists_each_rep_with_availability_load_and_manager(client: Client) -> None:
    reply = client.get("/v1/reps")

    assert reply.status == 200, reply.body
    reps = {rep["rep_id"]: rep for rep in reply.json()["reps"]}
    assert reps["priya-raman"]["available"] is False and reps["priya-raman"]["unavailable_reason"] == "inactive"
    assert reps["marcus-okafor"]["manager"] == "dana-whitfield"
    assert isinstance(reps["dana-whitfield"]["open_leads"], int)


def test_teams_lists_members_weights_and_managers(client: Client) -> None:
    teams = {team["id"]: team for team in client.get("/v1/teams").json()["teams"]}

    assert teams["enterprise"]["manager"] == "tomas-lindqvist"
    assert {"rep": "dana-whitfield", "weight": 3} in teams["enterprise"]["members"]


def test_reps_and_teams_need_the_api_key(client: Client) -> None:
    assert client.get("/v1/reps", api_key="").status == 403


def test_an_mql_shows_why_it_was_assigned_and_a_manager_can_reassign_it(client: Client, runtime: LocalRuntime) -> None:
    lead = an_mql(client, runtime)
    assignment = lead["assignment"]
    assert assignment["rule"] and assignment["strategy"] and assignment["routing_version"] >= 1

    reply = client.post(f"/v1/leads/{lead['lead_id']}/reassign",
                 {"actor": "dana-whitfield", "reason": "knows the account", "to_rep": "marcus-okafor"})  # fmt: skip
    if lead["owner_id"] == "marcus-okafor":
        assert reply.status == 409
        return
    assert reply.status == 200, reply.body
    moved = reply.json()
    assert moved["owner_id"] == "marcus-okafor"
    assert moved["assignment"]["previous_owner"] == lead["owner_id"]
    assert moved["assignment"]["actor"] == "dana-whitfield"


def test_reassigning_to_an_unknown_rep_is_a_422_naming_the_field(client: Client, runtime: LocalRuntime) -> None:
    lead = an_mql(client, runtime)

    reply = client.post(f"/v1/leads/{lead['lead_id']}/reassign", {"actor": "m", "reason": "r", "to_rep": "zed"})

    assert reply.status == 422
    assert "to_rep" in reply.json()["message"]


def test_routing_rules_naming_an_unknown_rep_are_refused_naming_the_rule(client: Client) -> None:
    before = client.get("/v1/config/routing").json()["version"]
    body = yaml.safe_load((CONFIG_DIR / "routing.yaml").read_text(encoding="utf-8"))
    body["rules"].insert(0, {"id": "vip-accounts", "assign": {"rep": "nobody-here"}})

    reply = put_config(client, "routing", body)

    assert reply.status == 422
    assert "routing rule 'vip-accounts': unknown rep 'nobody-here'" in reply.json()["message"]
    assert client.get("/v1/config/routing").json()["version"] == before


def test_routing_rules_with_an_unknown_field_are_refused_naming_the_rule(client: Client) -> None:
    body = {"rules": [{"id": "shoes", "when": {"shoe_size": 9}, "assign": {"team": "inside-sales"}}]}

    reply = put_config(client, "routing", body)

    assert reply.status == 422
    assert "routing rule 'shoes'" in reply.json()["message"]
