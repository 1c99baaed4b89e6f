"""`POST /_local/events` puts events on the bus again; a body it cannot take is a 400 naming what is wrong, and the
control needs the API key."""

from __future__ import annotations

import json

import pytest

from infra.local.runtime import LocalRuntime
from tests.http_client import Client

EVENT = {"source": "leadflow", "detail-type": "lead.stage_changed", "detail": {"lead_id": "lead_none"}}


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b"{not json", "not JSON"),
        (b"{}", "JSON list"),
        (b"[]", "1 to 10"),
        (json.dumps([EVENT] * 11).encode(), "1 to 10"),
        (b"[7]", "[0]: an event is a JSON object"),
        (json.dumps([{**EVENT, "detail": "text"}]).encode(), "[0].detail"),
        (json.dumps([{"detail-type": "x", "detail": {}}]).encode(), "[0].source"),
    ],
)
def test_a_body_it_cannot_take_is_400_naming_what_is_wrong(client: Client, body: bytes, named: str) -> None:
    reply = client.request("POST", "/_local/events", body, {"content-type": "application/json"})

    assert reply.status == 400 and named in reply.json()["message"], reply.body


def test_events_are_published_and_the_control_needs_the_key(client: Client, runtime: LocalRuntime) -> None:
    body = json.dumps([EVENT, EVENT]).encode()

    assert client.request("POST", "/_local/events", body).json() == {"published": 2}
    assert Client(runtime.url, api_key="").request("POST", "/_local/events", body).status == 401
