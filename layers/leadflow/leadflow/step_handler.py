"""The Lambda handler shapes leadflow's step and job functions share: Powertools context (logger, tracer, metrics),
the event parsed into its model, and one service call with the deps its function's wiring builds (each service names
the role ports it touches), so that a function's app.py only names its service and its deps.

Errors are not caught here: Step Functions sees a step's errors by type and its Retry/Catch in the ASL decide what
follows; a scheduled job's error fails the invocation, and the schedule's retries and dead-letter queue take over.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any, Literal, TypeVar

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from leadflow.models.events import RunState, SubmissionState
from leadflow.observability import log_metrics, logger, metrics, tracer

DepsT = TypeVar("DepsT")
StateT = TypeVar("StateT", bound=RunState)
RunT = TypeVar("RunT")
EventT = TypeVar("EventT", bound=BaseModel)
Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def _state_model(step: Callable[..., Any]) -> Any:
    """The type of `step`'s first parameter (one kind of run, or the PipelineState union). Only that annotation is
    resolved, by name in the step's module: its deps type may be imported there under TYPE_CHECKING only, so that a
    step's module loads no more than it runs."""
    annotation = next(iter(step.__annotations__.values()))
    if not isinstance(annotation, str):
        return annotation
    if annotation not in step.__globals__:
        raise TypeError(f"{step.__qualname__}: its state's type {annotation!r} must be a name its module imports")
    return step.__globals__[annotation]


def pipeline_step_handler(step: Callable[[StateT, DepsT], StateT], deps: Callable[[], DepsT]) -> Handler:
    """The handler of `step`, handed `deps()` (the function's wiring: adapters built once per cold start). The state
    is parsed into the type `step` declares (one kind of run, or PipelineState for a step every run shares), so a
    run of a kind the step does not take fails at parsing, naming the kind."""
    metric_prefix = "".join(part.title() for part in step.__name__.split("_"))  # enrich_lead -> EnrichLead
    state_model = _state_model(step)

    @logger.inject_lambda_context(clear_state=True)
    @tracer.capture_lambda_handler
    @log_metrics
    @event_parser(model=state_model)
    def handler(state: StateT, context: LambdaContext) -> dict[str, Any]:
        if state.lead is not None:
            logger.append_keys(lead_id=state.lead.lead_id)
        logger.append_keys(run=state.kind)
        if isinstance(state, SubmissionState):
            logger.append_keys(submission_id=state.submission_id)
        result = step(state, deps()).model_dump(mode="json")
        # One count per step and outcome lets a dashboard show the pipeline's flow; failures are the state machine's.
        metrics.add_metric(name=f"{metric_prefix}Succeeded", unit=MetricUnit.Count, value=1)
        return result

    return handler


def event_handler(model: type[EventT], run: Callable[[EventT], dict[str, Any]]) -> Handler:
    """The handler of a function driven by one typed event (an SLA timer's step, a bus event): the event parsed into
    `model` and handed to `run`, which calls the service with its function's deps and says what the step did. An
    EventBridge event's model is an EventBridgeModel with its `detail` typed (Powertools' envelopes module would
    build the model of every envelope it has, on every cold start)."""

    @logger.inject_lambda_context(clear_state=True)
    @tracer.capture_lambda_handler
    @log_metrics
    @event_parser(model=model)
    def handler(event: EventT, context: LambdaContext) -> dict[str, Any]:
        return run(event)

    return handler


LogLine = tuple[Literal["info", "warning"], str]


def _run_summary(run: Any) -> dict[str, Any]:
    return asdict(run)


def scheduled_job_handler(
    job: Callable[[DepsT], RunT],
    deps: Callable[[], DepsT],
    *,
    counts: Mapping[str, Callable[[RunT], int]],
    log: Callable[[RunT], LogLine | None],
    summary: Callable[[RunT], dict[str, Any]] = _run_summary,
) -> Handler:
    """The handler of a scheduled job (the EventBridge Scheduler's event carries nothing the job reads): run `job`
    with `deps()`, count what `counts` names (metric name -> the count in the run), log the line `log` chooses (None:
    nothing worth a line) with the run's summary, and answer the summary."""

    @logger.inject_lambda_context(clear_state=True)
    @tracer.capture_lambda_handler
    @log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        run = job(deps())
        for name, count in counts.items():
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=count(run))
        answer = summary(run)
        line = log(run)
        if line is not None:
            level, message = line
            (logger.warning if level == "warning" else logger.info)(message, extra=answer)
        return answer

    return handler
