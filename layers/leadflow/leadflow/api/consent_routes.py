"""Marketing consent of a lead, given or withdrawn by an unsubscribe link, a preference centre or the CRM. Behind
the API key."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from leadflow import wiring
from leadflow.api.errors import API_KEY, WITH_BODY, error_response, responses
from leadflow.models.consent import ConsentRequest
from leadflow.models.lead import Lead
from leadflow.services.consent import change_consent
from leadflow.services.lead_updates import LeadNotFound

router = APIGatewayRouter()


@router.exception_handler(LeadNotFound)
def _no_lead(exc: LeadNotFound) -> Response[str]:
    return error_response(404, f"lead_id: no lead {exc.lead_id}")


LeadId = Annotated[str, Path(pattern=r"^lead_[0-9a-z]{26}$", max_length=31, description="A lead's id, as `lead_...`.")]


@router.post(
    "/v1/leads/<lead_id>/consent",
    summary="Give or withdraw the lead's marketing consent",
    description=(
        '`{"consent": false, "source": "email-link"}` withdraws marketing consent (an unsubscribe), `true` '
        "records a fresh opt-in. The lead keeps the decision with its source and time in `consent_record`, its "
        "history says so and a `lead.consent_changed` event announces it. Consent is not the score: the scoring "
        "rules see it only if they have a rule on `consent`. The same decision from the same source again changes "
        "nothing."
    ),
    responses=responses(
        {
            200: {
                "description": "The lead with its consent decision.",
                "content": {"application/json": {"model": Lead}},
            }
        },
        *WITH_BODY,
        403,
        404,
        e404="No such lead.",
    ),
    security=API_KEY,
    tags=["privacy"],
)
def consent(lead_id: LeadId, request: Annotated[ConsentRequest, Body()]) -> Lead:
    return change_consent(lead_id, request, wiring.pipeline_deps())
