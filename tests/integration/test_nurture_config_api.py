"""Nurture tracks as data over HTTP (GET/PUT /v1/config/nurture) on the local runtime: the demo document with its
templates is active from the start, and a broken track is refused with 422 naming the track and step while the
active version stays."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from infra.config_documents import read_document
from tests.http_client import Client, Reply

Edit = Callable[[dict[str, Any]], None]


def put_nurture(client: Client, body: dict[str, Any]) -> Reply:
    headers = {"content-type": "application/json", "x-api-key": client.api_key}
    return client.request("PUT", "/v1/config/nurture", json.dumps(body).encode(), headers)


def welcome_step(body: dict[str, Any], step_id: str) -> dict[str, Any]:
    welcome = next(track for track in body["tracks"] if track["id"] == "welcome")
    return next(step for step in welcome["steps"] if step["id"] == step_id)


def _unknown_template(body: dict[str, Any]) -> None:
    welcome_step(body, "intro")["variants"][0]["template"] = "no-such-template"


def _branch_to_a_missing_step(body: dict[str, Any]) -> None:
    welcome_step(body, "engaged")["arms"][0]["next"] = "nowhere"


def _loop_without_a_wait(body: dict[str, Any]) -> None:
    welcome_step(body, "use-cases")["next"] = "engaged"  # engaged -> use-cases -> engaged, no wait between


def _weight_of_zero(body: dict[str, Any]) -> None:
    welcome_step(body, "intro")["variants"][1]["weight"] = 0


def _unknown_field_set(body: dict[str, Any]) -> None:
    welcome_step(body, "mark-interested")["field"] = "shoe_size"


def _unknown_entry_field(body: dict[str, Any]) -> None:
    next(track for track in body["tracks"] if track["id"] == "welcome")["entry"]["when"] = {"shoe_size": 42}


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_unknown_template, "track 'welcome': step 'intro': unknown template 'no-such-template'"),
        (_branch_to_a_missing_step, "track 'welcome': step 'engaged': goes to missing step 'nowhere'"),
        (_loop_without_a_wait, "track 'welcome': step 'engaged': loops back without a wait"),
        (_weight_of_zero, "track 'welcome': step 'intro': variants.1.weight: weight must be more than 0"),
        (_unknown_field_set, "track 'welcome': step 'mark-interested': field: unknown field 'shoe_size'"),
        (_unknown_entry_field, "track 'welcome': entry.when: unknown field 'shoe_size'"),
    ],
    ids=["unknown template", "branch to a missing step", "loop without a wait", "weight 0", "unknown field",
         "unknown entry field"],
)  # fmt: skip
def test_a_broken_track_is_refused_naming_track_and_step_and_the_active_version_stays(
    client: Client, edit: Edit, expected: str
) -> None:
    # Given the active nurture rule set
    before = client.get("/v1/config/nurture").json()
    body = read_document("nurture")

    # When a version with one mistake is put
    edit(body)
    reply = put_nurture(client, body)

    # Then it is refused naming the track and step, and the version before stays active, unchanged
    assert reply.status == 422, reply.body
    assert expected in reply.json()["message"]
    after = client.get("/v1/config/nurture").json()
    assert after["version"] == before["version"] and after["body"] == before["body"]


def test_the_demo_tracks_and_templates_are_active_and_a_valid_edit_publishes_a_new_version(client: Client) -> None:
    active = client.get("/v1/config/nurture").json()
    assert {track["id"] for track in active["body"]["tracks"]} == {"welcome", "re-engagement", "competitive-recapture"}
    assert "welcome-intro-a" in active["body"]["templates"]

    # An edit that changes no behaviour: the runtime is shared with the tests that run the tracks.
    body = read_document("nurture")
    body["tracks"][0]["description"] = "Edited over the API."
    reply = put_nurture(client, body)

    assert reply.status == 200, reply.body
    assert reply.json()["version"] == active["version"] + 1
    assert client.get("/v1/config/nurture").json()["body"]["tracks"][0]["description"] == "Edited over the API."
