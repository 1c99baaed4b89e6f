"""The local runtime rebuilds its report projection on request (`POST /_local/reports/rebuild`, which `leadflow
reports rebuild --local` calls): a check finds a lead whose events were lost and changes nothing, an in-place rebuild
counts it again; bad options answer 400 naming them, and the control needs the API key."""

from __future__ import annotations

import json
import time

import pytest
from leadflow.adapters.dynamodb import DynamoReportProjection
from leadflow.ports.reports import StoredContribution

from infra.cli.main import main
from infra.local.runtime import LocalRuntime
from tests.http_client import Client
from tests.names import unique_surname

REBUILD = "/_local/reports/rebuild"


def projection(runtime: LocalRuntime) -> DynamoReportProjection:
    assert runtime.session is not None and runtime.deployment is not None
    table = runtime.session.resource("dynamodb").Table(runtime.deployment.tables["ReportsTable"])
    return DynamoReportProjection(table)


def projected_lead(client: Client, runtime: LocalRuntime) -> str:
    """A lead captured through the API and counted by the ReportsFunction."""
    surname = unique_surname()
    document = {"email": f"rhea.{surname}@example.org".lower(), "last_name": surname, "form_id": "contact-sales"}
    reply = client.post_lead(document)
    assert reply.status == 202, reply.body
    lead_id = str(client.wait_for_submission(reply.json()["submission_id"])["lead_id"])
    runtime.wait_for_executions(timeout=60)
    deadline = time.monotonic() + 20
    while projection(runtime).contribution(lead_id) is None:
        assert time.monotonic() < deadline, f"the ReportsFunction never counted {lead_id}"
        time.sleep(0.05)
    return lead_id


def lose_its_events(runtime: LocalRuntime, lead_id: str) -> None:
    """Take the lead out of the cells, as if the events that counted it had never been delivered."""
    live = projection(runtime)
    before = live.contribution(lead_id)
    assert before is not None and before.cells
    retracted = {cell: {name: -count for name, count in counters.items()} for cell, counters in before.cells.items()}
    after = StoredContribution(revision=before.revision + 1, lead_version=0, cells={})
    assert live.replace(lead_id, before, after, retracted)


def test_the_rebuild_control_checks_then_counts_a_lead_whose_events_were_lost(
    client: Client, runtime: LocalRuntime
) -> None:
    lead_id = projected_lead(client, runtime)
    lose_its_events(runtime, lead_id)

    check = client.post(REBUILD, {"check": True})

    assert check.status == 200, check.body
    found = check.json()
    assert found["leads"] >= 1 and found["changed"] == 0 and found["differences"]
    assert projection(runtime).contribution(lead_id).cells == {}  # type: ignore[union-attr]  # a check changes nothing

    rebuilt = client.post(REBUILD, {})

    assert rebuilt.status == 200, rebuilt.body
    assert rebuilt.json()["changed"] >= 1 and rebuilt.json()["differences"] == []
    assert projection(runtime).contribution(lead_id).cells  # type: ignore[union-attr]
    assert client.post(REBUILD, {"check": True}).json()["differences"] == []


def test_leadflow_reports_rebuild_local_asks_the_running_runtime(
    client: Client, runtime: LocalRuntime, capsys: pytest.CaptureFixture[str]
) -> None:
    lead_id = projected_lead(client, runtime)
    lose_its_events(runtime, lead_id)

    assert main(["reports", "rebuild", "--local", runtime.url, "--check"]) == 1
    assert "differs from a rebuild" in capsys.readouterr().out

    assert main(["reports", "rebuild", "--local", runtime.url]) == 0
    out = capsys.readouterr().out
    assert "rebuilt in place:" in out and " 0 whose counts changed" not in out

    assert main(["reports", "rebuild", "--local", runtime.url, "--check"]) == 0
    assert "equals a rebuild" in capsys.readouterr().out


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
