"""A person's rights over their data, behind the API key: `DELETE /v1/leads/{id}` forgets them everywhere and
`GET /v1/leads/{id}/export` hands over everything held about them. Each request is audited (who, when, which lead,
which action; no personal data) in the leads table and the log."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from leadflow.api.deps import UseCase
from leadflow.api.errors import API_KEY, error_response, responses
from leadflow.api.params import LeadId
from leadflow.models.erasure import ErasureOut, PersonExport
from leadflow.observability import logger
from leadflow.services.erasure import ErasureDeps, ErasureNotConfigured, LeadErasedAlready, Requester, erase, export

router = APIGatewayRouter()

ERASURE = UseCase[ErasureDeps]("erasure")
EXPORT = UseCase[ErasureDeps]("export")

Actor = Annotated[
    str | None,
    Header(
        alias="x-leadflow-actor",
        max_length=128,
        pattern=r"^[\x21-\x7e]+$",
        description="Who asks (a user or ticket id), kept in the audit record with the API key's id.",
    ),
]


def _requester(action: str, lead_id: str, actor: str | None) -> Requester:
    """Who asks, logged with what they ask for before anything is done."""
    context = router.current_event.request_context
    requester = Requester(
        actor=actor or "unnamed",
        api_key_id=context.identity.api_key_id or "unknown",
        request_id=context.request_id or "unknown",
    )
    logger.info(
        "personal data request",
        extra={"action": action, "lead_id": lead_id, "actor": requester.actor, "api_key_id": requester.api_key_id},
    )
    return requester


@router.exception_handler(ErasureNotConfigured)
def _not_configured(exc: ErasureNotConfigured) -> Response[str]:
    return error_response(503, str(exc))


@router.delete(
    "/v1/leads/<lead_id>",
    summary="Erase a person everywhere",
    description=(
        "Deletes the lead, every lead merged into it, and every item that names the person: submissions, identity "
        "claims, match-index entries, history, merge records, possible-duplicate links, account membership, webhook "
        "event records, parked engagement, outbox messages, idempotency records and training examples. Keeps a salted "
        "hash of each email on the suppression list and publishes `lead.erased` (ids and counts only). Answers 200 "
        "with `status: done`; the same request again answers the same record. A request that fails half-way leaves "
        "the erasure `in_progress`: send it again and it completes."
    ),
    responses=responses(
        ErasureOut,
        "Erased (now or before): the erasure record, ids and counts only.",
        403,
        404,
        503,
        e404="No lead with this id was ever stored (nor erased).",
        e503="Erasure is not set up: the suppression salt parameter does not exist yet.",
    ),
    security=API_KEY,
    tags=["privacy"],
)
def erase_lead(lead_id: LeadId, actor: Actor = None) -> Any:
    return erase(lead_id, _requester("erase", lead_id, actor), ERASURE.deps())


@router.get(
    "/v1/leads/<lead_id>/export",
    summary="Export everything held about a person",
    description=(
        "The person's lead and the leads merged into it, their submissions, history, engagement (on the lead or "
        "parked), outcomes, the notifications sent to reps about them, merge records and possible-duplicate links."
    ),
    responses=responses(
        PersonExport,
        "Everything held about the person, as JSON.",
        403,
        404,
        e404="No such lead, or the person was erased (the message says when).",
    ),
    security=API_KEY,
    tags=["privacy"],
)
def export_lead(lead_id: LeadId, actor: Actor = None) -> Any:
    try:
        return export(lead_id, _requester("export", lead_id, actor), EXPORT.deps())
    except LeadErasedAlready as exc:
        erased_at = exc.record.erased_at.isoformat() if exc.record.erased_at else "earlier"
        return error_response(404, f"lead_id: lead {lead_id} was erased at {erased_at}; nothing is held about it")
