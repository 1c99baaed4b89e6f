"""Sales actions for reps and the CRM: move a lead through its lifecycle and record how its deal ended. Behind the
API key. A refusal says what the lead's stage allows (409) or which field to fix (422)."""

from __future__ import annotations

import json
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from leadflow.api.deps import UseCase
from leadflow.api.errors import API_KEY, WITH_BODY, error_response
from leadflow.api.params import LeadId, lead_responses
from leadflow.domain.lifecycle import InvalidAction, TransitionNotAllowed
from leadflow.models.lead import Lead
from leadflow.models.lifecycle import OutcomeRequest, StageRequest
from leadflow.services.lifecycle import change_stage
from leadflow.services.outcomes import OutcomeDeps, record_outcome
from leadflow.services.pipeline_deps import LeadChangeDeps

router = APIGatewayRouter()

STAGE_CHANGE = UseCase[LeadChangeDeps]("stage_change")
OUTCOME = UseCase[OutcomeDeps]("outcome")

CHANGED = lead_responses(
    "The lead after the change (unchanged when the same request was already carried out).",
    *WITH_BODY,
    409,
    503,
    e409="The lead's stage does not allow this: the message names the stage and what it allows.",
)


@router.exception_handler(InvalidAction)
def _invalid(exc: InvalidAction) -> Response[str]:
    problem = {"field": exc.field, "message": exc.problem, "type": "value_error"}
    return error_response(422, f"invalid request: {exc}", [problem])


@router.exception_handler(TransitionNotAllowed)
def _not_allowed(exc: TransitionNotAllowed) -> Response[str]:
    # The usual error shape, plus the lead's stage and what it allows, so a CRM can offer the right buttons.
    body = {"message": str(exc), "stage": exc.stage.value, "allowed_actions": exc.allowed}
    return Response(status_code=409, content_type="application/json", body=json.dumps(body))


@router.post(
    "/v1/leads/<lead_id>/stage",
    summary="Take a sales action on a lead: accept, qualify (with BANT answers), open an opportunity, win, disqualify",
    description=(
        "`accept`: mql or recycled → sal; `qualify`: sal → sql, with a non-empty answer to every configured "
        "qualification field; `open_opportunity`: sql → opportunity; `win`: opportunity → customer; `disqualify`: "
        "any open stage → disqualified, with a configured `reason_code` whose recycle delay decides when the lead "
        "comes back. Every change is a `lead.stage_changed` event with the actor and the reason."
    ),
    responses=CHANGED,
    security=API_KEY,
    tags=["lifecycle"],
)
def stage_action(lead_id: LeadId, request: Annotated[StageRequest, Body()]) -> Lead:
    return change_stage(lead_id, request, STAGE_CHANGE.deps())


@router.post(
    "/v1/leads/<lead_id>/outcome",
    summary="Record how the lead's deal ended (won or lost): the closed-loop label the predictive model learns from",
    description=(
        "`won` makes the lead a customer; `lost` disqualifies it with a configured `reason_code`, so its recycle "
        "delay applies from `closed_at`. The latest outcome recorded for a lead replaces any earlier one."
    ),
    responses=CHANGED,
    security=API_KEY,
    tags=["lifecycle"],
)
def outcome(lead_id: LeadId, request: Annotated[OutcomeRequest, Body()]) -> Lead:
    return record_outcome(lead_id, request, OUTCOME.deps())
