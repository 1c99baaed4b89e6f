"""Read endpoints for sales tools and dashboards: a lead with its history, listings, and a submission's progress.

They sit behind an API key (an API Gateway usage plan on AWS; the local runtime checks the same header).
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from leadflow.api.deps import UseCase
from leadflow.api.errors import API_KEY, responses
from leadflow.api.params import LeadId
from leadflow.domain.identity import canonical_email
from leadflow.domain.scoring import score_lead
from leadflow.models.api import (
    AccountView,
    CommitteeMember,
    LeadDetail,
    LeadList,
    PossibleDuplicate,
    ScoreExplanation,
    SubmissionView,
)
from leadflow.models.email_address import checked_email
from leadflow.models.lead import Stage
from leadflow.models.rules import ScoringRuleSet
from leadflow.models.submission import MAX_EMAIL_LENGTH
from leadflow.services.pipeline_deps import ReadDeps, active_ruleset

router = APIGatewayRouter()

READS = UseCase[ReadDeps]("reads")

OWNER = r"^(queue:)?[a-z0-9][a-z0-9_-]{0,63}$"  # a rep id (as the roster allows) or a queue (`queue:unassigned`)


@router.get(
    "/v1/leads/<lead_id>",
    summary="A lead with its score, stage, owner and history",
    responses=responses(
        LeadDetail,
        "The lead.",
        403,
        404,
        e404="No such lead.",
    ),
    security=API_KEY,
    tags=["leads"],
)
def get_lead(lead_id: LeadId) -> LeadDetail:
    deps = READS.deps()
    store = deps.store
    lead = store.get_lead(lead_id)
    if lead is None:
        raise NotFoundError(f"lead_id: no lead {lead_id}")
    duplicates = [
        PossibleDuplicate(
            other_id=link.other_id,
            probability=link.probability,
            evidence=link.evidence,
            found_at=link.found_at,
            links={"other": f"/v1/leads/{link.other_id}", "resolve": f"/v1/leads/{lead_id}/duplicates/{link.other_id}"},
        )
        for link in deps.index.possible_duplicates(lead_id)
    ]
    return LeadDetail(**lead.model_dump(), history=store.history(lead_id), possible_duplicates=duplicates)


@router.get(
    "/v1/leads/<lead_id>/score",
    summary="A lead's score as it stands now, line by line",
    description="Fit and engagement under the active scoring rules at the time of the request: engagement decays "
    "from the events' times, so this is never stale. Every line names its rule; every event's points are listed "
    "as earned, with the rule's half-life.",
    responses=responses(
        ScoreExplanation,
        "The score now.",
        403,
        404,
        503,
        e404="No such lead.",
    ),
    security=API_KEY,
    tags=["leads"],
)
def get_score(lead_id: LeadId) -> ScoreExplanation:
    deps = READS.deps()
    lead = deps.store.get_lead(lead_id)
    if lead is None:
        raise NotFoundError(f"lead_id: no lead {lead_id}")
    rules = active_ruleset(deps.rules, "scoring", ScoringRuleSet)
    stored = lead.score
    now = deps.clock.now()
    score = score_lead(lead, rules, now, prediction=stored.predictive if stored else None)
    return ScoreExplanation(
        lead_id=lead.lead_id,
        stage=lead.stage,
        as_of=now,
        cell=score.cell,
        mql_cells=list(rules.mql_cells),
        score=score,
        stored_at=stored.scored_at if stored else None,
        due_at=lead.due_at,
    )


@router.get(
    "/v1/leads",
    summary="List leads by stage, owner or email",
    description="Any other query parameter is refused (422), so that a misspelt filter never answers with every lead.",
    responses=responses(LeadList, "A page of leads.", 403),
    security=API_KEY,
    tags=["leads"],
)
def list_leads(
    stage: Annotated[Stage | None, Query(description="Only leads in this lifecycle stage.")] = None,
    owner: Annotated[
        str | None, Query(pattern=OWNER, max_length=70, description="Only leads owned by this rep id (or queue).")
    ] = None,
    email: Annotated[
        str | None,
        Query(min_length=3, max_length=MAX_EMAIL_LENGTH, description="The lead with this email, matched canonically."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048, description="`next_cursor` of the previous page.")] = None,
) -> LeadList:
    store = READS.deps().store
    if email is not None:
        try:
            address = checked_email(email)
        except ValueError as exc:
            raise RequestValidationError([{"loc": ("query", "email"), "msg": str(exc), "type": "value_error"}]) from exc
        lead_id = store.lead_for_identity("email", canonical_email(address))
        lead = store.get_lead(lead_id) if lead_id else None
        matches = [lead] if lead and (stage is None or lead.stage == stage) and owner in (None, lead.owner_id) else []
        return LeadList(items=matches)
    try:
        page = store.list_leads(stage=stage, owner_id=owner, limit=limit, cursor=cursor)
    except ValueError as exc:  # the store could not read the cursor: the caller sent one it did not get from us
        raise RequestValidationError(
            [{"loc": ("query", "cursor"), "msg": f"not a cursor this API returned ({exc})", "type": "value_error"}]
        ) from exc
    return LeadList(items=page.items, next_cursor=page.cursor)


@router.get(
    "/v1/submissions/<submission_id>",
    summary="Where a submission is: received, processed (with its lead), spam or failed",
    responses=responses(
        SubmissionView,
        "The submission.",
        403,
        404,
        e404="No such submission.",
    ),
    security=API_KEY,
    tags=["intake"],
)
def get_submission(
    submission_id: Annotated[str, Path(pattern=r"^sub_[0-9a-z]{26}$", max_length=30)],
) -> SubmissionView:
    submission = READS.deps().store.get_submission(submission_id)
    if submission is None:
        raise NotFoundError(f"submission_id: no submission {submission_id}")
    links = {"lead": f"/v1/leads/{submission.lead_id}"} if submission.lead_id else {}
    return SubmissionView(
        submission_id=submission.submission_id,
        received_at=submission.received_at,
        status=submission.status,
        lead_id=submission.lead_id,
        error=submission.error,
        links=links,
    )


MAX_COMMITTEE = 100


@router.get(
    "/v1/accounts/<account_id>",
    summary="An account and its leads (the buying committee)",
    responses=responses(
        AccountView,
        "The account.",
        403,
        404,
        e404="No such account.",
    ),
    security=API_KEY,
    tags=["accounts"],
)
def get_account(
    account_id: Annotated[
        str, Path(pattern=r"^[a-z0-9.-]{1,253}$", max_length=253, description="The company's email domain.")
    ],
) -> AccountView:
    store = READS.deps().store
    account = store.get_account(account_id)
    if account is None:
        raise NotFoundError(f"account_id: no account {account_id}")
    members = []
    for lead_id in store.account_lead_ids(account_id)[-MAX_COMMITTEE:]:
        lead = store.get_lead(lead_id)
        if lead is not None and lead.merged_into is None:
            members.append(
                CommitteeMember(
                    lead_id=lead.lead_id,
                    first_name=lead.first_name,
                    last_name=lead.last_name,
                    title=lead.title,
                    email=lead.email,
                    stage=lead.stage,
                    owner_id=lead.owner_id,
                    score=lead.score.total if lead.score else None,
                )
            )
    return AccountView(**account.model_dump(), leads=members[::-1])
