"""`POST /_local/reports/rebuild` refuses bad options with a 400 naming them, and needs the API key (the rebuild itself
is tested against its own `leadflow run` in tests/e2e/test_reports_rebuild_local.py)."""

from __future__ import annotations

import json

import pytest

from infra.local.runtime import LocalRuntime
from tests.http_client import Client

REBUILD = "/_local/reports/rebuild"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b'{"fresh": "yes"}', "fresh"),
        (b'{"check": 1}', "check"),
        (b'{"dry_run": true}', "dry_run"),
        (b'{"fresh": true, "check": true}', "fresh and check"),
        (b"[true]", "JSON object"),
        (b"{fresh", "JSON"),
    ],
)
def test_bad_options_answer_400_naming_them(client: Client, body: bytes, named: str) -> None:
    reply = client.request("POST", REBUILD, body, {"content-type": "application/json"})

    assert reply.status == 400 and named in reply.json()["message"]


def test_the_rebuild_control_needs_the_api_key(runtime: LocalRuntime) -> None:
    reply = Client(runtime.url, api_key="").request("POST", REBUILD, json.dumps({"check": True}).encode())

    assert reply.status == 401
