"""What many routes share, defined once so that each documents and answers it alike: the lead id in a path, and the
answers of a route that acts on one lead."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from leadflow.api.errors import responses
from leadflow.models.lead import Lead

LeadId = Annotated[str, Path(pattern=r"^lead_[0-9a-z]{26}$", max_length=31, description="A lead's id, as `lead_...`.")]


def lead_responses(description: str, *statuses: int, **descriptions: str) -> dict[int, OpenAPIResponse]:
    """The documented answers of a route that acts on one lead and answers with it: 200 with the lead (`description`
    says in what state), 403 without the API key, 404 for no such lead, and `statuses` (errors.WITH_BODY for a route
    with a body) described as errors.responses describes them."""
    return responses(Lead, description, 403, 404, *statuses, success=200, **{"e404": "No such lead.", **descriptions})
