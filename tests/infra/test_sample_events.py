"""Every function the template deploys has a sample event in events/<its code folder>/, and every sample is an event
that function is given: an API Gateway proxy event for one of its routes, a scheduled event, the state its state
machine hands it, or the bus event its rule delivers. Tests and `sam local invoke -e` share these samples, so a
sample that drifts from the models fails here rather than in a test that overrides it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser import envelopes, parse
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventModel, EventBridgeModel, SqsModel
from leadflow.models.enrolment import EnrolmentRun
from leadflow.models.events import (
    DomainEvent,
    EngagementState,
    LeadScored,
    LeadSubmitted,
    NotificationQueued,
    PipelineState,
    RescoreState,
    SubmissionState,
)
from leadflow.models.sla import SlaStep

from infra.local.template import load_template
from tests.events import EVENTS, load_event

TEMPLATE = load_template()
FUNCTIONS = {
    logical_id: resource["Properties"]
    for logical_id, resource in TEMPLATE["Resources"].items()
    if resource["Type"] == "AWS::Serverless::Function"
}
# What a function run by a state machine is handed (its handler's event model); the template does not say.
STATE_MODELS: dict[str, Any] = {
    "DedupeFunction": SubmissionState,
    "EnrichFunction": SubmissionState,
    "ScoreFunction": SubmissionState,
    "RecordEngagementFunction": EngagementState,
    "RescoreFunction": RescoreState,
    "RouteFunction": PipelineState,
    "NotifyFunction": PipelineState,
    "SlaFunction": SlaStep,
    "NurtureStepFunction": EnrolmentRun,
}
# The detail of the bus event a rule delivers to a function (the rule is its own resource in the template).
DETAIL_MODELS: dict[str, type[DomainEvent]] = {
    "DeliverFunction": NotificationQueued,
    "NurtureFunction": LeadScored,
}
# Samples of what starts a state machine rather than a function: folder -> the detail model of its start event.
STATE_MACHINE_STARTS: dict[str, type[DomainEvent]] = {"pipeline": LeadSubmitted}


def folder_of(logical_id: str) -> str:
    return Path(FUNCTIONS[logical_id]["CodeUri"]).name


def samples_of(logical_id: str) -> list[str]:
    folder = folder_of(logical_id)
    return sorted(f"{folder}/{path.name}" for path in (EVENTS / folder).glob("*.json"))


def events_of(logical_id: str, event_type: str) -> list[dict[str, Any]]:
    events = FUNCTIONS[logical_id].get("Events", {}).values()
    return [event["Properties"] for event in events if event["Type"] == event_type]


def samples_by_source(event_type: str) -> list[tuple[str, str]]:
    return [(lid, name) for lid in FUNCTIONS if events_of(lid, event_type) for name in samples_of(lid)]


def state_samples(models: dict[str, Any] | dict[str, type[DomainEvent]]) -> list[tuple[str, str]]:
    return [(lid, name) for lid in models for name in samples_of(lid)]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_function_has_a_sample_event(logical_id: str) -> None:
    assert samples_of(logical_id), f"{logical_id}: no sample event in events/{folder_of(logical_id)}/"


def test_every_sample_folder_belongs_to_a_function_or_starts_a_state_machine() -> None:
    folders = {path.name for path in EVENTS.iterdir() if path.is_dir()}

    assert folders - {folder_of(lid) for lid in FUNCTIONS} == set(STATE_MACHINE_STARTS)


@pytest.mark.parametrize(("logical_id", "name"), samples_by_source("Api"))
def test_an_api_sample_is_a_proxy_event_for_a_route_its_function_serves(logical_id: str, name: str) -> None:
    event = parse(event=load_event(name), model=APIGatewayProxyEventModel)
    routes = {(api["Path"], api["Method"].upper()) for api in events_of(logical_id, "Api")}

    assert (event.resource, event.httpMethod) in routes
    assert set(re.findall(r"{(\w+)}", event.resource)) == set(event.pathParameters or {})
    assert (event.requestContext.resourcePath, event.requestContext.httpMethod) == (event.resource, event.httpMethod)


@pytest.mark.parametrize(("logical_id", "name"), samples_by_source("Schedule"))
def test_a_scheduled_job_sample_is_a_scheduled_event(logical_id: str, name: str) -> None:
    event = parse(event=load_event(name), model=EventBridgeModel)

    assert (event.source, event.detail_type) == ("aws.events", "Scheduled Event")
    assert all(f":rule/leadflow-{logical_id}" in resource for resource in event.resources)


@pytest.mark.parametrize(("logical_id", "name"), state_samples(STATE_MODELS))
def test_a_state_machine_step_sample_is_the_state_its_function_takes(logical_id: str, name: str) -> None:
    parse(event=load_event(name), model=STATE_MODELS[logical_id])


@pytest.mark.parametrize(("logical_id", "name"), state_samples(DETAIL_MODELS))
def test_a_bus_sample_is_the_event_its_rule_delivers(logical_id: str, name: str) -> None:
    model = DETAIL_MODELS[logical_id]

    assert isinstance(parse(event=load_event(name), model=model, envelope=envelopes.EventBridgeEnvelope), model)
    assert load_event(name)["detail-type"] == model.detail_type


def detail_types_sent_to(queue: str) -> set[str]:
    """The detail types of the events the template's rules put on `queue`."""
    rules = [
        resource["Properties"]
        for resource in TEMPLATE["Resources"].values()
        if resource["Type"] == "AWS::Events::Rule"
        and any(target["Arn"] == {"Fn::GetAtt": [queue, "Arn"]} for target in resource["Properties"]["Targets"])
    ]
    return {detail_type for rule in rules for detail_type in rule["EventPattern"]["detail-type"]}


@pytest.mark.parametrize(("logical_id", "name"), samples_by_source("SQS"))
def test_a_queue_sample_is_a_batch_of_the_bus_events_its_queue_receives(logical_id: str, name: str) -> None:
    (source,) = events_of(logical_id, "SQS")
    queue = source["Queue"]["Fn::GetAtt"][0]
    batch = parse(event=load_event(name), model=SqsModel)

    assert len(batch.Records) > 1  # a batch, as the event source hands it
    for record in batch.Records:
        event = EventBridgeModel.model_validate_json(record.body)
        assert event.source == "leadflow" and event.detail_type in detail_types_sent_to(queue)
        assert record.eventSourceARN.endswith(f":leadflow-{queue}")


@pytest.mark.parametrize("folder", sorted(STATE_MACHINE_STARTS))
def test_a_state_machine_start_sample_is_the_event_that_starts_it(folder: str) -> None:
    model = STATE_MACHINE_STARTS[folder]
    for path in sorted((EVENTS / folder).glob("*.json")):
        event = load_event(f"{folder}/{path.name}")

        assert isinstance(parse(event=event, model=model, envelope=envelopes.EventBridgeEnvelope), model)
        assert event["detail-type"] == model.detail_type
