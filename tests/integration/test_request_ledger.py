"""The request ledger on the running stack: what one lead costs in requests, counted where AWS would bill them, read
and reset through the control plane; the runtime's own bookkeeping is not billed."""

from __future__ import annotations

import uuid
from typing import Any

import boto3

from infra.local import ledger_hooks
from infra.local.runtime import LocalRuntime
from tests.http_client import Client

PIPELINE_STEPS = ("DedupeFunction", "EnrichFunction", "ScoreFunction", "RouteFunction", "NotifyFunction")


def mql(email: str) -> dict[str, Any]:
    return {
        "first_name": "Grace",
        "last_name": "Okafor",
        "email": email,
        "company": "Acme Robotics",
        "title": "VP Sales",
        "form_id": "demo-request",
        "consent": True,
    }


def one_lead(runtime: LocalRuntime, client: Client) -> dict[str, Any]:
    runtime.wait_for_executions()
    assert client.request("DELETE", "/_local/ledger").status == 200
    reply = client.post_lead(mql(f"grace.{uuid.uuid4().hex[:8]}@acme-robotics.com"))
    assert reply.status == 202
    runtime.wait_for_executions()  # polls ListExecutions: the runtime's own, not billed
    answer = client.request("GET", "/_local/ledger?calls=1")
    assert answer.status == 200
    document: dict[str, Any] = answer.json()
    return document


def test_one_mql_lead_costs_one_api_request_one_pipeline_run_and_each_step_once(
    runtime: LocalRuntime, client: Client
) -> None:
    ledger = one_lead(runtime, client)
    assert ledger["requests"]["apigateway"] == {"POST /v1/leads": 1}
    assert ledger["requests"]["states"]["LeadPipeline"] == 1
    invoked = ledger["requests"]["lambda"]
    assert invoked["IntakeFunction"] == 1
    assert all(invoked[step] == 1 for step in PIPELINE_STEPS)
    assert ledger["units"]["lambda.invocations"] == sum(invoked.values())
    assert ledger["units"]["states.express_executions"] == 1
    assert ledger["units"]["dynamodb.write_units"] > 0
    assert "stepfunctions ListExecutions" in ledger["unmetered"]  # counted apart, priced at nothing
    assert "states" not in ledger["by_caller"].get("?", {})


def test_the_lead_s_calls_make_one_path_from_the_api_to_the_rep(runtime: LocalRuntime, client: Client) -> None:
    from infra.local.ledger_paths import lead_path

    path = lead_path(one_lead(runtime, client)["calls"])
    assert path["notified_path"][:5] == [
        "apigateway POST /v1/leads",
        "lambda IntakeFunction",
        "dynamodb PutItem",
        "events PutEvents",
        "states LeadPipeline",
    ]
    assert path["assigned"] < path["notified"] < path["delivered"]


def test_a_1_5_kb_write_inside_a_function_costs_two_write_units(runtime: LocalRuntime) -> None:
    assert runtime.deployment is not None and runtime.ledger is not None
    table = runtime.deployment.tables["IdempotencyTable"]  # no index: the table's own units only
    dynamodb = boto3.Session(region_name="us-east-1").client("dynamodb")
    item = {"id": {"S": f"ledger-{uuid.uuid4().hex}"}, "data": {"S": "x" * (1536 - len("id") - 39 - len("data"))}}
    runtime.ledger.reset()
    with ledger_hooks.invocation("not-a-template-function", {}):
        dynamodb.put_item(TableName=table, Item=item)
    counted = runtime.ledger.snapshot()
    assert counted["tables"][table]["write_units"] == 2
    assert counted["requests"]["dynamodb"] == {"PutItem": 1}
    dynamodb.put_item(TableName=table, Item=item)  # outside any function: the runtime's own
    assert runtime.ledger.snapshot()["unmetered"] == {"dynamodb PutItem": 1}


def test_the_ledger_answers_only_get_and_delete(client: Client) -> None:
    assert client.request("POST", "/_local/ledger", b"{}").status == 405


def test_an_sla_timer_is_billed_by_its_state_transitions_through_its_deadline(
    runtime: LocalRuntime, client: Client
) -> None:
    one_lead(runtime, client)  # counting from before the lead, whose assignment starts the timer
    before = client.request("GET", "/_local/ledger").json()["workflows_started"]["SlaTimer"]
    assert before["states.standard_transitions"] >= 3  # Start, ComputeDeadline, WhatNext, then waiting
    runtime.advance_clock(days=4)  # past a deadline in business hours, even from a Friday evening
    after = client.request("GET", "/_local/ledger").json()["workflows_started"]["SlaTimer"]
    assert after["states.standard_transitions"] > before["states.standard_transitions"]
    assert after["lambda.invocations"] > before["lambda.invocations"]  # CheckTouched and what followed


def test_nothing_is_counted_before_the_ledger_is_started() -> None:
    from infra.local.ledger import Ledger
    from infra.local.ledger_dynamodb import DynamoDbMeter

    ledger = Ledger({}, {}, DynamoDbMeter(lambda _: None, lambda *_: None))  # type: ignore[arg-type,return-value]
    assert ledger.active is False
    ledger.reset()
    assert ledger.active is True and ledger.snapshot()["units"] == {}
