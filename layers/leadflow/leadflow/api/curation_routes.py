"""Duplicate resolution for RevOps: merge or dismiss a possible duplicate, undo a merge. Behind the API key."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, ConfigDict, Field

from leadflow.api.deps import UseCase
from leadflow.api.errors import API_KEY, WITH_BODY, error_response, responses
from leadflow.api.params import LeadId, lead_responses
from leadflow.models.api import PossibleDuplicate
from leadflow.models.lead import Lead
from leadflow.services.curation import CannotMerge, dismiss_pair, merge_pair, unmerge_lead
from leadflow.services.lead_updates import LeadNotFound
from leadflow.services.pipeline_deps import CurationDeps

router = APIGatewayRouter()

CURATION = UseCase[CurationDeps]("curation")


class DuplicateDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["merge", "dismiss"] = Field(
        description="`merge`: the other lead is merged into this one (undoable); `dismiss`: they are different people."
    )
    actor: str = Field(default="api", min_length=1, max_length=128, description="Who decided, for the lead's history.")


class UnmergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor: str = Field(default="api", min_length=1, max_length=128, description="Who undid it, for the history.")


class UnmergeResult(BaseModel):
    lead: Lead
    restored: Lead


class PendingDuplicate(PossibleDuplicate):
    lead_id: str = Field(description="The lead the other would be merged into by `merge`.")


class DuplicateQueue(BaseModel):
    items: list[PendingDuplicate]
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` to read the next page.")


@router.exception_handler(CannotMerge)
def _refused(exc: CannotMerge) -> Response[str]:
    return error_response(409, str(exc))


@router.post(
    "/v1/leads/<lead_id>/duplicates/<other_id>",
    summary="Resolve a possible duplicate: merge the other lead into this one, or dismiss the link",
    responses=lead_responses(
        "This lead, after the merge or dismissal.",
        *WITH_BODY,
        409,
        e409="Refused: the message says why (the same lead twice, a lead already merged, ...).",
    ),
    security=API_KEY,
    tags=["duplicates"],
)
def resolve_duplicate(lead_id: LeadId, other_id: LeadId, decision: Annotated[DuplicateDecision, Body()]) -> Any:
    deps = CURATION.deps()
    if decision.action == "merge":
        return merge_pair(lead_id, other_id, actor=decision.actor, deps=deps)
    dismiss_pair(lead_id, other_id, actor=decision.actor, deps=deps)
    lead = deps.store.get_lead(lead_id)
    if lead is None:  # erased between the dismissal and this read
        raise LeadNotFound(lead_id)
    return lead


@router.post(
    "/v1/leads/<lead_id>/unmerge",
    summary="Undo the latest merge into this lead: both leads return to their state before it",
    responses=responses(
        UnmergeResult,
        "Both leads.",
        *WITH_BODY,
        403,
        404,
        409,
        e404="No such lead.",
        e409="Refused: nothing was merged into this lead, or the merge can no longer be undone.",
    ),
    security=API_KEY,
    tags=["duplicates"],
)
def unmerge(lead_id: LeadId, request: Annotated[UnmergeRequest, Body()]) -> Any:
    deps = CURATION.deps()
    if deps.store.get_lead(lead_id) is None:  # an unknown id is a 404, not "nothing merged into it" (409)
        raise LeadNotFound(lead_id)
    lead, restored = unmerge_lead(lead_id, actor=request.actor, deps=deps)
    return UnmergeResult(lead=lead, restored=restored)


@router.get(
    "/v1/duplicates",
    summary="The possible duplicates waiting for a person to merge or dismiss them, oldest first",
    description="Each pair once, in pages of at most 100 (one bounded read each). Pairs linked before this listing "
    "existed are not in it; they stay on their leads (`possible_duplicates` of `GET /v1/leads/{id}`).",
    responses=responses(DuplicateQueue, "A page of pairs.", 403),
    security=API_KEY,
    tags=["duplicates"],
)
def list_duplicates(
    limit: Annotated[int, Query(ge=1, le=100, description="At most this many pairs.")] = 50,
    cursor: Annotated[str | None, Query(max_length=2048, description="`next_cursor` of the previous page.")] = None,
) -> DuplicateQueue:
    try:
        page = CURATION.deps().index.pending_duplicates(limit, cursor)
    except ValueError as exc:  # a cursor we did not hand out
        raise RequestValidationError(
            [{"loc": ("query", "cursor"), "msg": f"not a cursor this API returned ({exc})", "type": "value_error"}]
        ) from exc
    items = [
        PendingDuplicate(
            lead_id=link.lead_id,
            other_id=link.other_id,
            probability=link.probability,
            evidence=link.evidence,
            found_at=link.found_at,
            links={
                "lead": f"/v1/leads/{link.lead_id}",
                "other": f"/v1/leads/{link.other_id}",
                "resolve": f"/v1/leads/{link.lead_id}/duplicates/{link.other_id}",
            },
        )
        for link in page.links
    ]
    return DuplicateQueue(items=items, next_cursor=page.cursor)
