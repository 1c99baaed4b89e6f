"""Marketing consent of a lead, given or withdrawn by an unsubscribe link, a preference centre or the CRM. Behind
the API key."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from leadflow.api.deps import UseCase
from leadflow.api.errors import API_KEY, WITH_BODY
from leadflow.api.params import LeadId, lead_responses
from leadflow.models.consent import ConsentRequest
from leadflow.models.lead import Lead
from leadflow.services.consent import change_consent
from leadflow.services.pipeline_deps import LeadChangeDeps

router = APIGatewayRouter()

CONSENT = UseCase[LeadChangeDeps]("consent")


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
    responses=lead_responses("The lead with its consent decision.", *WITH_BODY),
    security=API_KEY,
    tags=["privacy"],
)
def consent(lead_id: LeadId, request: Annotated[ConsentRequest, Body()]) -> Lead:
    return change_consent(lead_id, request, CONSENT.deps())
