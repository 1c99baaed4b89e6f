"""SlaTimer steps: `start` (ComputeDeadline), `check` (CheckTouched), `reassign` (BreachAndReassign) and
`escalate`, chosen by the state machine's `action` field. Retries and the escalation fallback live in the ASL."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from leadflow import wiring
from leadflow.models.sla import SlaAction, SlaStep, SlaTimerState
from leadflow.observability import logger, metrics
from leadflow.services.pipeline_deps import SlaDeps
from leadflow.services.sla import breach_and_reassign, check_timer, escalate, start_timer
from leadflow.step_handler import event_handler

STEPS: dict[SlaAction, Any] = {
    "start": start_timer,
    "check": check_timer,
    "reassign": breach_and_reassign,
    "escalate": escalate,
}


def run_step(step: SlaStep) -> dict[str, Any]:
    logger.append_keys(lead_id=step.timer.lead_id, sla_action=step.action, timer_id=step.timer.timer_id)
    deps: SlaDeps = wiring.sla_deps()
    result: SlaTimerState = STEPS[step.action](step.timer, deps)
    logger.info("sla step done", extra={"decision": result.decision, "reason": result.reason})
    metrics.add_metric(name=f"Sla{step.action.title()}{result.decision.title()}", unit=MetricUnit.Count, value=1)
    return result.model_dump(mode="json")


handler = event_handler(SlaStep, run_step)
