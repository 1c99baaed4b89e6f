"""Nothing accepted is lost and nothing is done twice, in the local runtime with the real ASL and handlers: failures
injected into pipeline steps (raise, time out, throttle), redrive from the dead-letter queue, and the sweeper."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from leadflow import wiring
from leadflow.ids import new_id
from leadflow.models.submission import StoredSubmission, SubmissionIn
from leadflow.services.sweep import first_sweep_at

from infra.local.faults import parse_faults
from infra.local.runtime import LocalRuntime
from tests.http_client import Client
from tests.integration.test_lead_pipeline import unique_email, vp_demo_request


@pytest.fixture
def faults(runtime: LocalRuntime) -> Iterator[Any]:
    """Set faults with faults({...}); every fault is cleared after the test, and the dead-letter queue is emptied
    before it (other tests share the runtime)."""
    assert runtime.runner is not None
    runner = runtime.runner
    runtime.wait_for_executions()
    runtime.redrive()
    runtime.wait_for_executions()

    def configure(document: dict[str, Any]) -> None:
        runner.faults.configure(*parse_faults(document, runner.logical_ids()))

    yield configure
    runner.faults.configure({})


def demo_request(tag: str) -> dict[str, Any]:
    """A VP's demo request from a person no other test uses: a shared name would make possible duplicates."""
    token = uuid.uuid4().hex[:10]
    return vp_demo_request(unique_email(tag, "snowflake.com"), first_name=f"Q{token[:5]}", last_name=f"X{token[5:]}")


def post(client: Client, document: dict[str, Any]) -> str:
    reply = client.post_lead(document)
    assert reply.status == 202, reply.body
    submission_id: str = reply.json()["submission_id"]
    return submission_id


def lead_of(client: Client, submission_id: str) -> dict[str, Any]:
    submission = client.get(f"/v1/submissions/{submission_id}").json()
    lead: dict[str, Any] = client.get(f"/v1/leads/{submission['lead_id']}").json()
    return lead


def notifications_of(runtime: LocalRuntime, lead_id: str) -> list[dict[str, Any]]:
    return [n for n in runtime.notifications() if n.get("lead_id") == lead_id]


def dead_letters_of(runtime: LocalRuntime, submission_id: str) -> int:
    """How many dead letters name this submission: the runtime is shared, and while a fault is set any other run
    that reaches the step fails as well."""
    return sum(submission_id in body for body in runtime.dead_letter_bodies())


def kinds(lead: dict[str, Any]) -> list[str]:
    return [entry["kind"] for entry in lead["history"]]


def wait_until(condition: Any, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.02)


def test_redrive_after_an_injected_notify_failure_tells_each_rep_exactly_once(
    runtime: LocalRuntime, client: Client, faults: Any
) -> None:
    faults({"NotifyFunction": {"rate": 1, "kind": "raise"}})
    submissions = [post(client, demo_request(f"notify{n}")) for n in range(3)]
    failed = [client.wait_for_submission(sid) for sid in submissions]
    runtime.wait_for_executions()
    faults({})
    assert [s["status"] for s in failed] == ["failed"] * 3
    assert all(notifications_of(runtime, s["lead_id"]) == [] for s in failed)

    assert all(dead_letters_of(runtime, sid) == 1 for sid in submissions)
    assert runtime.redrive() >= 3  # other tests' background runs that reached Notify meanwhile failed too
    runtime.wait_for_executions()

    for submission_id in submissions:
        lead = lead_of(client, submission_id)
        assert client.get(f"/v1/submissions/{submission_id}").json()["status"] == "processed"
        assert [n["rep_id"] for n in notifications_of(runtime, lead["lead_id"])] == [lead["owner_id"]]
        assert kinds(lead).count("assigned") == 1 and kinds(lead).count("notified") == 1
        assert lead["notified_assignment"] is not None


def test_redrive_after_a_route_step_that_timed_out_having_routed_routes_the_lead_exactly_once(
    runtime: LocalRuntime, client: Client, faults: Any
) -> None:
    # Each attempt routes (the first one wins), then times out: the retries change nothing, the run fails.
    faults({"RouteFunction": {"rate": 1, "kind": "timeout"}})
    submission_id = post(client, demo_request("route"))
    failed = client.wait_for_submission(submission_id, timeout=30)
    runtime.wait_for_executions()
    faults({})
    routed = lead_of(client, submission_id)
    assert failed["status"] == "failed" and "Sandbox.Timedout" in failed["error"]
    assert routed["owner_id"] is not None and notifications_of(runtime, routed["lead_id"]) == []

    assert dead_letters_of(runtime, submission_id) == 1
    assert runtime.redrive() >= 1
    runtime.wait_for_executions()

    lead = lead_of(client, submission_id)
    assert lead["owner_id"] == routed["owner_id"] and lead["assignment"] == routed["assignment"]
    assert kinds(lead).count("assigned") == 1
    assert [n["rep_id"] for n in notifications_of(runtime, lead["lead_id"])] == [lead["owner_id"]]
    assert client.get(f"/v1/submissions/{submission_id}").json()["status"] == "processed"


@pytest.mark.parametrize("kind", ["throttle", "timeout"])
def test_a_throttled_or_timed_out_step_is_retried_by_the_state_machine(
    runtime: LocalRuntime, client: Client, faults: Any, kind: str
) -> None:
    assert runtime.runner is not None
    injected = runtime.runner.faults.injected
    before = injected[("EnrichFunction", kind)]
    faults({"EnrichFunction": {"rate": 1, "kind": kind}})
    submission_id = post(client, demo_request(kind))
    wait_until(lambda: injected[("EnrichFunction", kind)] > before)
    faults({})  # the next attempt, a second later, goes through

    done = client.wait_for_submission(submission_id, timeout=30)

    assert done["status"] == "processed"
    assert injected[("EnrichFunction", kind)] == before + 1
    assert lead_of(client, submission_id)["firmographics"]["company_name"]


def test_the_sweeper_completes_a_submission_whose_run_was_lost(runtime: LocalRuntime, client: Client) -> None:
    # Stored as intake stores it, but its lead.submitted never started a run (a crash between the two).
    now = runtime.clock.now()
    data = SubmissionIn.model_validate(demo_request("lost"))
    stranded = StoredSubmission(
        submission_id=new_id("sub", now), received_at=now, data=data, due_at=first_sweep_at(now)
    )
    wiring.lead_store().put_submission(stranded)

    fired = runtime.advance_clock(minutes=6)

    assert "SweepFunction" in [firing.function for firing in fired]
    submission = client.wait_for_submission(stranded.submission_id)
    assert submission["status"] == "processed"
    lead = lead_of(client, stranded.submission_id)
    assert lead["owner_id"] is not None and lead["submission_ids"] == [stranded.submission_id]
    assert len(notifications_of(runtime, lead["lead_id"])) == 1


def test_faults_are_set_and_read_through_the_control_plane(runtime: LocalRuntime, client: Client) -> None:
    headers = {"x-api-key": runtime.options.api_key, "content-type": "application/json"}
    body = b'{"seed": 7, "DecayFunction": {"rate": 0.5, "kind": ["raise", "throttle"]}}'

    set_reply = client.request("POST", "/_local/faults", body, headers)
    bad_reply = client.request("POST", "/_local/faults", b'{"NoSuchFunction": {"rate": 2}}', headers)
    client.request("POST", "/_local/faults", b"{}", headers)
    cleared = client.request("GET", "/_local/faults", headers=headers).json()

    assert set_reply.status == 200
    assert set_reply.json()["faults"] == {"DecayFunction": {"rate": 0.5, "kind": ["raise", "throttle"]}}
    assert set_reply.json()["seed"] == 7
    assert bad_reply.status == 400 and "NoSuchFunction" in bad_reply.json()["message"]
    assert cleared["faults"] == {}


def test_sweep_entries_leave_the_index_once_processed(runtime: LocalRuntime, client: Client) -> None:
    submission_id = post(client, demo_request("index"))
    client.wait_for_submission(submission_id)
    runtime.wait_for_executions()

    item = next(i for i in runtime.table_items("LeadsTable") if i["pk"] == f"SUBMISSION#{submission_id}")

    assert item["status"] == "processed"
    assert {"gsi3pk", "gsi3sk", "due_at"}.isdisjoint(item)
