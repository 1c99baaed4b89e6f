"""`leadflow run` rebuilds its report projection on request (`POST /_local/reports/rebuild`, which `leadflow reports
rebuild --local` calls): the ReportsFunction fails for a while (an injected fault), so the leads captured meanwhile
are missing from the reports; a check finds them and changes nothing, an in-place rebuild counts them, and a second
check finds nothing left. Its own process: a rebuild reads every lead of the runtime."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.cli.main import main
from tests.e2e.local_process import RuntimeProcess
from tests.http_client import Client
from tests.names import unique_surname

REBUILD = "/_local/reports/rebuild"


def control(client: Client, path: str, body: object) -> dict[str, object]:
    headers = {"content-type": "application/json", "x-api-key": client.api_key}
    reply = client.request("POST", path, json.dumps(body).encode(), headers)
    assert reply.status == 200, reply.body
    document: dict[str, object] = reply.json()
    return document


def captured_today(client: Client) -> int:
    day = str(client.request("GET", "/_local/state").json()["clock"])[:10]  # the runtime's clock, UTC
    funnel = client.get(f"/v1/reports/funnel?from={day}&to={day}&group_by=day").json()
    return int(funnel["total"]["leads"])


@pytest.fixture
def running(tmp_path: Path) -> Iterator[RuntimeProcess]:
    with RuntimeProcess(tmp_path / "data") as process:
        yield process


def lose_the_reports_of_two_leads(client: Client) -> None:
    """Two leads captured while the ReportsFunction fails every time: their events never count."""
    control(client, "/_local/faults", {"ReportsFunction": {"rate": 1.0, "kind": "raise"}, "seed": 1})
    for _ in range(2):
        surname = unique_surname()
        reply = client.post_lead({"email": f"rhea.{surname}@example.org".lower(), "last_name": surname})
        assert reply.status == 202, reply.body
        client.wait_for_submission(reply.json()["submission_id"])
    control(client, "/_local/clock/advance", {"seconds": 0})  # settled
    control(client, "/_local/faults", {})


def test_a_check_finds_lost_events_and_an_in_place_rebuild_counts_them(running: RuntimeProcess) -> None:
    client = running.client
    lose_the_reports_of_two_leads(client)
    assert captured_today(client) == 0

    checked = control(client, REBUILD, {"check": True})
    assert checked["changed"] == 0 and checked["differences"]
    assert captured_today(client) == 0  # a check changes nothing

    rebuilt = control(client, REBUILD, {})
    assert rebuilt["leads"] == 2 and rebuilt["changed"] == 2 and rebuilt["differences"] == []
    assert captured_today(client) == 2
    assert control(client, REBUILD, {"check": True})["differences"] == []


def test_leadflow_reports_rebuild_local_asks_the_running_runtime(
    running: RuntimeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    lose_the_reports_of_two_leads(running.client)

    assert main(["reports", "rebuild", "--local", running.client.base_url, "--check"]) == 1
    assert "differs from a rebuild" in capsys.readouterr().out

    assert main(["reports", "rebuild", "--local", running.client.base_url]) == 0
    out = capsys.readouterr().out
    assert "rebuilt in place:" in out and " 0 whose counts changed" not in out

    assert main(["reports", "rebuild", "--local", running.client.base_url, "--check"]) == 0
    assert "equals a rebuild" in capsys.readouterr().out
    assert captured_today(running.client) == 2
