"""`POST /v1/leads`: the public form endpoint. Validates, stores, answers 202; the pipeline does the rest."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit

from leadflow.api.deps import UseCase
from leadflow.api.errors import WITH_BODY, error_response, responses
from leadflow.api.resolver import document_form_body
from leadflow.ids import INTAKE_IDEMPOTENCY_PREFIX
from leadflow.models.answers import SubmissionAccepted
from leadflow.models.submission import SubmissionIn
from leadflow.observability import metrics
from leadflow.services.intake import IntakeDeps, accept_submission
from leadflow.settings import settings

# Powertools' idempotency (its DynamoDB persistence layer) is imported by the first request that sends an
# Idempotency-Key: most forms send none, and a Lambda's cold start pays for every module imported.
if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

router = APIGatewayRouter()

INTAKE = UseCase[IntakeDeps]("intake")

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
document_form_body("post", "/v1/leads", "fields")  # a website form posts `fields[plan]=pro`


def _accept(body: dict[str, Any], idempotency_key: str | None) -> dict[str, Any]:
    deps = INTAKE.deps()
    submission = accept_submission(
        SubmissionIn.model_validate(body),
        store=deps.store,
        bus=deps.bus,
        clock=deps.clock,
        idempotency_key=idempotency_key,
    )
    metrics.add_metric(name="SubmissionsAccepted", unit=MetricUnit.Count, value=1)
    if submission.status == "spam":
        metrics.add_metric(name="SubmissionsSpam", unit=MetricUnit.Count, value=1)
    sid = submission.submission_id
    return SubmissionAccepted(submission_id=sid, links={"submission": f"/v1/submissions/{sid}"}).model_dump()


@cache
def _idempotent_accept() -> tuple[Any, IdempotencyConfig]:
    """Built on first use: the persistence layer needs the table name, which is read per cold start, not at import."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    persistence = DynamoDBPersistenceLayer(table_name=settings().idempotency_table, boto3_session=None)
    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="body",
        expires_after_seconds=IDEMPOTENCY_TTL_SECONDS,
    )

    # A fixed key prefix, not the function's name: erasing a person deletes their submission's record from another
    # function (leadflow.ids.idempotency_record_id).
    @idempotent_function(
        data_keyword_argument="request",
        persistence_store=persistence,
        config=config,
        key_prefix=INTAKE_IDEMPOTENCY_PREFIX,
    )
    def accept_once(request: dict[str, Any]) -> dict[str, Any]:
        return _accept(request["body"], request["key"])

    return accept_once, config


@router.post(
    "/v1/leads",
    status_code=202,
    summary="Submit a lead",
    description=(
        "Accepts a form submission as JSON or application/x-www-form-urlencoded (custom fields as `fields[name]`). "
        "Answers 202 once the submission is stored; dedupe, enrichment, scoring and routing follow within seconds."
    ),
    responses=responses(
        SubmissionAccepted,
        "Stored; the pipeline will process it.",
        *WITH_BODY,
        409,
        success=202,
        e409="A request with this Idempotency-Key is still being processed.",
        e413="Body over 64 KiB.",
    ),
    tags=["intake"],
)
def submit_lead(
    submission: Annotated[SubmissionIn, Body()],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="idempotency-key",
            max_length=128,
            description="Repeating a request with the same key returns the first answer and stores nothing new.",
        ),
    ] = None,
) -> Response[Any]:
    body = submission.model_dump(mode="json", exclude_none=True)
    if idempotency_key is None:
        accepted = _accept(body, None)
    else:
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        try:
            accept_once, config = _idempotent_accept()
            config.register_lambda_context(router.lambda_context)  # in-progress records expire with the invocation
            accepted = accept_once(request={"key": idempotency_key, "body": body})
        except IdempotencyValidationError:
            return error_response(
                422, "idempotency-key: this key was used with a different body", [{"field": "idempotency-key"}]
            )
        except IdempotencyAlreadyInProgressError:
            return error_response(409, "idempotency-key: a request with this key is still being processed")
    return Response(status_code=202, content_type="application/json", body=accepted)


def reset() -> None:
    """Forget the idempotency layer built for this cold start (tests and the local runtime)."""
    _idempotent_accept.cache_clear()
