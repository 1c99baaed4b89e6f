"""A rep's touch on a lead (call, email, meeting): the first one stops the SLA timer and fixes speed to lead.
Behind the API key."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from leadflow.api.deps import UseCase
from leadflow.api.errors import API_KEY, WITH_BODY
from leadflow.api.params import LeadId, lead_responses
from leadflow.models.lead import Lead
from leadflow.models.sla import TouchRequest
from leadflow.services.pipeline_deps import LeadChangeDeps
from leadflow.services.sla import touch_lead

router = APIGatewayRouter()

TOUCH = UseCase[LeadChangeDeps]("touch")


@router.post(
    "/v1/leads/<lead_id>/touch",
    summary="Record a rep's call, email or meeting with the lead",
    description=(
        "The first touch is kept as `first_touch`, sets `speed_to_lead_seconds` (capture to first touch) and meets "
        "the lead's SLA: its timer ends at the deadline without reassigning. Later touches are kept in the "
        "history only. Every touch is a `lead.touched` event."
    ),
    responses=lead_responses(
        "The lead with its first touch and speed to lead (unchanged by a later touch).", *WITH_BODY
    ),
    security=API_KEY,
    tags=["sla"],
)
def touch(lead_id: LeadId, request: Annotated[TouchRequest, Body()]) -> Lead:
    return touch_lead(lead_id, request, TOUCH.deps())
