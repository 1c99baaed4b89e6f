"""Sales actions and outcomes over HTTP on the local runtime, the recycle schedule on its clock, and the outcome
store contract (DynamoDB under moto and the in-memory twin alike)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from leadflow.adapters.dynamodb import DynamoLeadStore
from leadflow.adapters.memory import InMemoryLeadStore
from leadflow.models.lead import Outcome
from leadflow.ports import LeadStore
from moto import mock_aws

from infra.local.moto_hooks import query_partitions_not_tables, serialise_dynamodb_writes
from infra.local.runtime import MOTO_CONFIG, LocalRuntime
from tests.events import load_event
from tests.http_client import Client, Reply
from tests.integration.tables import create_tables
from tests.names import unique_surname

BANT = {"budget": "EUR 40k approved", "authority": "VP Engineering signs", "need": "routing", "timeline": "Q2"}
MISSING = "lead_00000000000000000000000000"


def an_mql(client: Client, runtime: LocalRuntime) -> dict[str, Any]:
    """A VP asking for a demo from a known company: marketing-qualified by the default scoring rules."""
    surname = unique_surname()
    reply = client.post_lead(
        {
            "email": f"dana.{surname}@snowflake.com".lower(),
            "first_name": "Dana",
            "last_name": surname,
            "title": "VP of Engineering",
            "company": "Snowflake",
            "form_id": "demo-request",
            "consent": True,
        }
    )
    assert reply.status == 202, reply.body
    runtime.wait_for_executions()
    lead_id = client.get(f"/v1/submissions/{reply.json()['submission_id']}").json()["lead_id"]
    lead: dict[str, Any] = client.get(f"/v1/leads/{lead_id}").json()
    assert lead["stage"] == "mql", "the default scoring rules should qualify a VP asking for a demo"
    return lead


def act(client: Client, lead_id: str, action: str, **fields: Any) -> Reply:
    return client.post(f"/v1/leads/{lead_id}/stage", {"action": action, "actor": "rep:dana-whitfield", **fields})


def test_sales_take_an_mql_through_to_customer(client: Client, runtime: LocalRuntime) -> None:
    lead_id = an_mql(client, runtime)["lead_id"]

    accepted = act(client, lead_id, "accept")
    qualified = act(client, lead_id, "qualify", qualification=BANT)
    opened = act(client, lead_id, "open_opportunity")
    won = act(client, lead_id, "win", note="signed")

    assert [r.status for r in (accepted, qualified, opened, won)] == [200, 200, 200, 200]
    assert accepted.json()["due_at"] is None  # the MQL's decay entry ended with the acceptance
    lead = client.get(f"/v1/leads/{lead_id}").json()
    assert lead["stage"] == "customer" and lead["qualification"] == BANT
    changes = [(h["detail"]["from"], h["detail"]["to"]) for h in lead["history"] if h["kind"] == "stage_changed"]
    assert changes[-4:] == [("mql", "sal"), ("sal", "sql"), ("sql", "opportunity"), ("opportunity", "customer")]


def test_a_retried_action_answers_the_same_lead_without_a_second_change(client: Client, runtime: LocalRuntime) -> None:
    lead_id = an_mql(client, runtime)["lead_id"]

    first = act(client, lead_id, "accept")
    second = act(client, lead_id, "accept")

    assert (first.status, second.status) == (200, 200)
    assert second.json()["version"] == first.json()["version"]


def test_an_action_the_stage_does_not_allow_is_409_naming_the_stage_and_what_it_allows(
    client: Client, runtime: LocalRuntime
) -> None:
    lead_id = an_mql(client, runtime)["lead_id"]

    reply = act(client, lead_id, "win")

    assert reply.status == 409
    body = reply.json()
    assert (body["stage"], body["allowed_actions"]) == ("mql", ["accept", "disqualify"])
    assert "is in stage mql: win moves a lead from opportunity to customer" in body["message"]
    assert "allowed from mql: accept, disqualify" in body["message"]


def test_a_request_missing_what_the_action_needs_is_422_naming_the_field(client: Client, runtime: LocalRuntime) -> None:
    lead_id = an_mql(client, runtime)["lead_id"]
    assert act(client, lead_id, "accept").status == 200

    no_timeline = act(client, lead_id, "qualify", qualification={**BANT, "timeline": " "})
    unknown_code = act(client, lead_id, "disqualify", reason_code="too_small")
    no_code = act(client, lead_id, "disqualify")
    bad_action = act(client, lead_id, "promote")
    no_actor = client.post(f"/v1/leads/{lead_id}/stage", {"action": "accept"})

    assert no_timeline.status == 422 and no_timeline.json()["errors"][0]["field"] == "qualification.timeline"
    assert unknown_code.status == 422 and unknown_code.json()["errors"][0]["field"] == "reason_code"
    assert "expected one of: no_budget, bad_timing" in unknown_code.json()["message"]
    assert no_code.status == 422 and no_code.json()["errors"][0]["field"] == "reason_code"
    assert bad_action.status == 422 and bad_action.json()["errors"][0]["field"] == "action"
    assert no_actor.status == 422 and no_actor.json()["errors"][0]["field"] == "actor"
    assert client.get(f"/v1/leads/{lead_id}").json()["stage"] == "sal"


def test_an_unknown_lead_is_404_and_no_api_key_is_403(client: Client) -> None:
    missing = client.post(f"/v1/leads/{MISSING}/stage", {"action": "accept", "actor": "rep:dana"})
    no_key = client.post(f"/v1/leads/{MISSING}/outcome", {"result": "won", "actor": "crm"}, api_key="")

    assert missing.status == 404 and MISSING in missing.json()["message"]
    assert no_key.status == 403


def test_a_won_outcome_makes_a_customer_and_a_lost_one_replaces_it(client: Client, runtime: LocalRuntime) -> None:
    lead_id = an_mql(client, runtime)["lead_id"]
    path = f"/v1/leads/{lead_id}/outcome"

    won = client.post(path, {"result": "won", "amount": 12000, "currency": "EUR", "actor": "crm:sfdc"})
    lost_without_reason = client.post(path, {"result": "lost", "actor": "crm:sfdc"})
    lost = client.post(path, {"result": "lost", "reason_code": "lost_to_competitor", "actor": "crm:sfdc"})

    assert won.status == 200 and won.json()["stage"] == "customer"
    assert won.json()["outcome"]["amount"] == 12000 and won.json()["outcome"]["currency"] == "EUR"
    assert lost_without_reason.status == 422 and lost_without_reason.json()["errors"][0]["field"] == "reason_code"
    assert lost.status == 200 and lost.json()["stage"] == "disqualified"
    assert lost.json()["outcome"]["result"] == "lost"
    assert lost.json()["disqualification"]["reason_code"] == "lost_to_competitor"
    kinds = [h["kind"] for h in client.get(f"/v1/leads/{lead_id}").json()["history"]]
    assert kinds.count("outcome") == 2


def test_the_daily_recycle_reopens_a_bad_timing_lead_90_days_on_but_never_a_spam_lead(
    client: Client, runtime: LocalRuntime
) -> None:
    timing = an_mql(client, runtime)["lead_id"]
    spam = an_mql(client, runtime)["lead_id"]
    assert act(client, timing, "disqualify", reason_code="bad_timing").status == 200
    assert act(client, spam, "disqualify", reason_code="spam").status == 200

    runtime.advance_clock(days=89)
    assert client.get(f"/v1/leads/{timing}").json()["stage"] == "disqualified"

    fired = runtime.advance_clock(days=1)

    assert any(f.function == "RecycleFunction" and f.error is None for f in fired), fired
    recycled = client.get(f"/v1/leads/{timing}").json()
    assert (recycled["stage"], recycled["reengage"]) == ("recycled", True)
    assert client.get(f"/v1/leads/{spam}").json()["stage"] == "disqualified"
    assert act(client, timing, "accept").json()["stage"] == "sal"  # sales may take a recycled lead straight back


@pytest.mark.parametrize("name", ["accept", "qualify", "disqualify", "outcome_won", "outcome_lost"])
def test_each_sample_action_event_is_a_valid_request_for_a_lead_that_does_not_exist(
    runtime: LocalRuntime, name: str
) -> None:
    reply = runtime.invoke("LeadActionsFunction", load_event(f"lead_actions/{name}.json"))

    assert reply["statusCode"] == 404, reply["body"]


def test_the_sample_scheduled_event_runs_the_recycle_function(runtime: LocalRuntime) -> None:
    assert set(runtime.invoke("RecycleFunction", load_event("recycle/scheduled.json"))) == {"recycled"}


# --- the outcome store contract ---------------------------------------------------------------------------------------

CLOSED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["dynamodb", "memory"])
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[LeadStore]:
    if request.param == "memory":
        yield InMemoryLeadStore()
        return
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws(config=MOTO_CONFIG):  # the runtime fixture may share this process's moto
        serialise_dynamodb_writes()
        query_partitions_not_tables()
        yield DynamoLeadStore(create_tables(boto3.resource("dynamodb", region_name="us-east-1")).leads)


def outcome(result: str = "won", closed_at: datetime = CLOSED, **fields: Any) -> Outcome:
    return Outcome.model_validate({"result": result, "closed_at": closed_at, "actor": "crm", **fields})


def test_an_outcome_reads_back_as_stored(store: LeadStore) -> None:
    stored = outcome(amount=1234.5, currency="EUR")

    store.put_outcome("lead-1", stored)

    (example,) = store.outcomes().items
    assert (example.lead_id, example.outcome) == ("lead-1", stored)


def test_a_later_outcome_replaces_the_lead_s_example_and_the_same_one_again_changes_nothing(store: LeadStore) -> None:
    store.put_outcome("lead-1", outcome("won"))
    store.put_outcome("lead-2", outcome("won", closed_at=CLOSED + timedelta(hours=1)))

    store.put_outcome("lead-1", outcome("lost", closed_at=CLOSED + timedelta(days=3)))
    store.put_outcome("lead-1", outcome("lost", closed_at=CLOSED + timedelta(days=3)))

    examples = [(e.lead_id, e.outcome.result) for e in store.outcomes().items]
    assert examples == [("lead-2", "won"), ("lead-1", "lost")]


def test_outcomes_page_oldest_first_each_once(store: LeadStore) -> None:
    for number in range(7):
        store.put_outcome(f"lead-{number}", outcome(closed_at=CLOSED + timedelta(minutes=number)))

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = store.outcomes(limit=3, cursor=cursor)
        seen += [example.lead_id for example in page.items]
        pages += 1
        cursor = page.cursor
        if cursor is None:
            break

    assert seen == [f"lead-{number}" for number in range(7)] and pages == 3


def test_a_forged_outcome_cursor_is_refused(store: LeadStore) -> None:
    with pytest.raises(ValueError, match="invalid cursor"):
        store.outcomes(cursor="bm90LWEta2V5")
