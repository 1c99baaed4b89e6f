"""A rep's touch on a lead (call, email, meeting): the first one stops the SLA timer and fixes speed to lead.
Behind the API key."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from leadflow import wiring
from leadflow.api.errors import API_KEY, WITH_BODY, responses
from leadflow.models.lead import Lead
from leadflow.models.sla import TouchRequest
from leadflow.services.sla import touch_lead

router = APIGatewayRouter()

LeadId = Annotated[str, Path(pattern=r"^lead_[0-9a-z]{26}$", max_length=31, description="A lead's id, as `lead_...`.")]
RESPONSES: dict[int, OpenAPIResponse] = responses(
    {
        200: {
            "description": "The lead with its first touch and speed to lead (unchanged by a later touch).",
            "content": {"application/json": {"model": Lead}},
        }
    },
    *WITH_BODY,
    403,
    404,
    e404="No such lead.",
)


@router.post(
    "/v1/leads/<lead_id>/touch",
    summary="Record a rep's call, email or meeting with the lead",
    description=(
        "The first touch is kept as `first_touch`, sets `speed_to_lead_seconds` (capture to first touch) and meets "
        "the lead's SLA: its timer ends at the deadline without reassigning. Later touches are kept in the "
        "history only. Every touch is a `lead.touched` event."
    ),
    responses=RESPONSES,
    security=API_KEY,
    tags=["sla"],
)
def touch(lead_id: LeadId, request: Annotated[TouchRequest, Body()]) -> Lead:
    return touch_lead(lead_id, request, wiring.pipeline_deps())
