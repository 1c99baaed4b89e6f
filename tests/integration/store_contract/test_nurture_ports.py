"""The contract of nurture's two outside roles, for the AWS adapters (under moto) and their in-memory twins alike:
executions started and stopped by name, and per-track counts that count each event once."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest
from leadflow.adapters.dynamodb import DynamoTrackCounters
from leadflow.adapters.memory import InMemoryTrackCounters, InMemoryWorkflows
from leadflow.adapters.step_functions import StepFunctionsWorkflows
from leadflow.ports import TrackCounters, Workflows
from moto import mock_aws

from infra.local.moto_hooks import serialise_dynamodb_writes
from infra.local.runtime import MOTO_CONFIG
from tests.integration.store_contract.conftest import NOW, all_at_once
from tests.integration.tables import create_tables

WAITS_AN_HOUR = {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 3600, "End": True}}}


@dataclass(frozen=True)
class NurturePorts:
    workflows: Workflows
    counters: TrackCounters
    running: object  # () -> set of running execution names


def _running(sfn: Any, arn: str) -> set[str]:
    return {e["name"] for e in sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]}


@pytest.fixture(params=["aws", "memory"])
def ports(request: pytest.FixtureRequest, aws_credentials: None) -> Iterator[NurturePorts]:
    if request.param == "memory":
        workflows = InMemoryWorkflows()
        yield NurturePorts(workflows, InMemoryTrackCounters(), lambda: workflows.running)
        return
    # The local runtime's config, as the other contract fixtures: a test process may share the runtime's moto, whose
    # Step Functions run executions (a plain mock_aws() would switch that off and leave its executions unstoppable).
    with mock_aws(config=MOTO_CONFIG):
        serialise_dynamodb_writes()  # DynamoDB applies transactions atomically; moto needs the runtime's lock
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        arn = sfn.create_state_machine(
            name=f"nurture-track-{uuid.uuid4().hex[:8]}",  # its own: a shared moto keeps other tests' executions
            definition=json.dumps(WAITS_AN_HOUR),
            roleArn="arn:aws:iam::123456789012:role/nurture",
            type="STANDARD",
        )["stateMachineArn"]
        tables = create_tables(boto3.resource("dynamodb", region_name="us-east-1"))

        def running() -> set[str]:
            # moto's executions take a stop on their own thread (AWS answers StopExecution once it is done): wait
            # for the listing to hold still before reading it.
            listed = _running(sfn, arn)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                time.sleep(0.05)
                again = _running(sfn, arn)
                if again == listed:
                    break
                listed = again
            return listed

        yield NurturePorts(StepFunctionsWorkflows(sfn, arn), DynamoTrackCounters(tables.config), running)


def test_an_execution_starts_once_by_name(ports: NurturePorts) -> None:
    ports.workflows.start("nur_1", {"lead_id": "lead-1"})

    ports.workflows.start("nur_1", {"lead_id": "lead-1"})  # a redelivered event

    assert ports.running() == {"nur_1"}  # type: ignore[operator]


def test_a_name_that_ran_to_its_end_is_not_started_again(ports: NurturePorts) -> None:
    ports.workflows.start("nur_1", {"lead_id": "lead-1"})
    ports.workflows.stop("nur_1", "completed")

    ports.workflows.start("nur_1", {"lead_id": "lead-1"})

    assert ports.running() == set()  # type: ignore[operator]


def test_stopping_ends_the_named_execution_only(ports: NurturePorts) -> None:
    ports.workflows.start("nur_1", {})
    ports.workflows.start("nur_2", {})

    ports.workflows.stop("nur_1", "became_mql")

    assert ports.running() == {"nur_2"}  # type: ignore[operator]


def test_stopping_an_execution_that_never_started_or_ended_already_is_harmless(ports: NurturePorts) -> None:
    ports.workflows.start("nur_1", {})
    ports.workflows.stop("nur_1", "removed")

    ports.workflows.stop("nur_1", "removed")
    ports.workflows.stop("nur_never", "removed")

    assert ports.running() == set()  # type: ignore[operator]


def test_an_event_counts_once_however_often_it_is_delivered(ports: NurturePorts) -> None:
    assert ports.counters.count("welcome", "evt-1", ["enrolled"], NOW) is True
    assert ports.counters.count("welcome", "evt-1", ["enrolled"], NOW + timedelta(minutes=5)) is False
    assert ports.counters.count("welcome", "evt-2", ["enrolled", "intro.sent", "intro.a.sent"], NOW) is True

    assert ports.counters.counts("welcome") == {"enrolled": 2, "intro.sent": 1, "intro.a.sent": 1}
    assert ports.counters.counts("recapture") == {}


def test_twenty_events_counted_at_once_are_all_counted(ports: NurturePorts) -> None:
    all_at_once(20, lambda i: ports.counters.count("welcome", f"evt-{i}", ["enrolled"], NOW))

    assert ports.counters.counts("welcome") == {"enrolled": 20}
