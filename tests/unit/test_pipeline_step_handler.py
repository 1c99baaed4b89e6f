"""A LeadPipeline step's function takes the runs its step's signature names: a run of another kind (an engagement
run reaching a step that needs a submission) fails at parsing, naming the run's kind, before the step touches
anything; a step every run shares is handed each run as its own kind."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from leadflow.models.events import EngagementState, PipelineState, RescoreState, RunState, SubmissionState
from leadflow.step_handler import pipeline_step_handler
from pydantic import ValidationError

from tests.events import load_event

SAMPLES = {
    "submission": "score/state_after_enrich.json",
    "engagement": "record_engagement/engagement_run.json",
    "rescore": "rescore/rescore_run.json",
}


@dataclass(frozen=True)
class Context:
    function_name: str = "StepFunction"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:StepFunction"
    aws_request_id: str = "req-1"


def submission_step(state: SubmissionState, deps: list[str]) -> SubmissionState:
    deps.append(state.submission_id)
    return state


def shared_step(state: PipelineState, deps: list[str]) -> PipelineState:
    deps.append(type(state).__name__)
    return state


@pytest.mark.parametrize("kind", ["engagement", "rescore"])
def test_a_step_that_takes_a_submission_refuses_another_run_by_its_kind(kind: str) -> None:
    # given the function of a step whose signature takes a submission's run
    touched: list[str] = []
    handler = pipeline_step_handler(submission_step, lambda: touched)

    # when the state machine hands it the state of an engagement or rescore run
    with pytest.raises(ValidationError) as refused:
        handler(load_event(SAMPLES[kind]), Context())

    # then parsing fails on the run's kind, and the step never ran
    assert any(error["loc"] == ("kind",) for error in refused.value.errors())
    assert touched == []


@pytest.mark.parametrize(
    ("kind", "model"),
    [("submission", SubmissionState), ("engagement", EngagementState), ("rescore", RescoreState)],
)
def test_a_step_every_run_shares_is_handed_each_run_as_its_kind(kind: str, model: type[RunState]) -> None:
    # given the function of a step every run passes through (as Route and Notify)
    handed: list[str] = []
    handler = pipeline_step_handler(shared_step, lambda: handed)

    # when the state machine hands it a run's state
    answer = handler(load_event(SAMPLES[kind]), Context())

    # then the step is handed that run's state type, and answers the state with its kind
    assert handed == [model.__name__]
    assert answer["kind"] == kind
