"""`POST /v1/webhooks/{provider}`: signed engagement events from marketing automation and the website.

No API key: the signature authenticates the sender. The checks run cheapest and least revealing first: the provider
must be known (404), the body small enough (413) and JSON (415), the signature valid and fresh (401); only then is
the body parsed (422), so nobody without the secret learns anything about the event format or the stored data.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit

from leadflow.api.deps import UseCase
from leadflow.api.errors import WITH_BODY, error_response, responses
from leadflow.api.form_bodies import JSON, BodyRejected
from leadflow.api.resolver import document_raw_body
from leadflow.domain.webhook_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureRejected, verify
from leadflow.models.engagement import EngagementAccepted, EventsInvalid, WebhookBody, parse_events
from leadflow.observability import logger, metrics
from leadflow.ports import WebhookSecrets
from leadflow.services.engagement import EngagementDeps, receive_engagement

router = APIGatewayRouter()

WEBHOOK_SECRETS = UseCase[WebhookSecrets]("webhook_secrets")
ENGAGEMENT = UseCase[EngagementDeps]("engagement")

MAX_WEBHOOK_BODY_BYTES = 256 * 1024
# Provider names become SSM parameter names and DynamoDB keys: lowercase letters, digits, - and _ only.
PROVIDER = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def _raw_body(event: dict[str, Any]) -> bytes:
    """The body exactly as the sender signed it: API Gateway passes text as is and binary as base64."""
    body = event.get("body") or ""
    if not event.get("isBase64Encoded"):
        return str(body).encode("utf-8")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BodyRejected(400, "body: isBase64Encoded is set but the body is not valid base64") from exc


def _check_framing(body: bytes) -> None:
    if len(body) > MAX_WEBHOOK_BODY_BYTES:
        raise BodyRejected(413, f"body: {len(body)} bytes is over the limit of {MAX_WEBHOOK_BODY_BYTES} bytes")
    media_type = (_header("content-type") or "").split(";")[0].strip().lower()
    if media_type != JSON:
        raise BodyRejected(415, f"content-type: {media_type or 'none'} is not accepted; send {JSON}")


def _header(name: str) -> str | None:
    value = router.current_event.headers.get(name)  # Powertools matches header names case-insensitively
    return str(value) if value is not None else None


def _parsed(body: bytes) -> Any:
    def no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not a JSON number")

    try:
        return json.loads(body, parse_constant=no_constants)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise EventsInvalid(
            [{"field": "body", "message": f"body: malformed JSON: {exc}", "type": "json_invalid"}]
        ) from exc


document_raw_body("post", "/v1/webhooks/{provider}", WebhookBody)


def _invalid(exc: EventsInvalid) -> Response[str]:
    return error_response(422, str(exc), exc.errors)


@router.post(
    "/v1/webhooks/<provider>",
    status_code=202,
    summary="Receive signed engagement events",
    description=(
        'One event or `{"events": [...]}` (1 to 100), signed with HMAC-SHA256 over `{timestamp}.{body}` in '
        f"`{SIGNATURE_HEADER}: v1=<hex>` with the unix time in `{TIMESTAMP_HEADER}`. Each event is handled once "
        "per provider and `event_id`; the answer lists what became of each."
    ),
    responses=responses(
        EngagementAccepted,
        "Received; `results` has a receipt per event, in order.",
        *WITH_BODY,
        401,
        404,
        success=202,
        e404="No such provider.",
        e413="Body over 256 KiB.",
        e415="Content type other than application/json.",
        e422="Invalid event; `errors` names each event (index and event_id) and field.",
    ),
    tags=["webhooks"],
)
def receive_webhook(
    # Only the length is bounded here (422): any other name outside PROVIDER is an unknown provider (404).
    provider: Annotated[
        str, Path(max_length=64, description="Who sends the events, such as `generic`: 1-64 of a-z, 0-9, `_`, `-`.")
    ],
) -> Response[Any]:
    # Provider names outside the pattern are unknown providers too: they never reach SSM.
    secret = WEBHOOK_SECRETS.deps().secret(provider) if PROVIDER.fullmatch(provider) else None
    if secret is None:
        return error_response(404, f"provider: no webhook provider named {provider[:64]!r}")
    event = router.current_event.raw_event
    try:
        body = _raw_body(event)
        _check_framing(body)
    except BodyRejected as exc:
        return error_response(
            exc.status, exc.message, [{"field": exc.message.split(":", 1)[0], "message": exc.message}]
        )
    try:
        # The replay window is about the network, so it reads the wall clock: a sender signs with real time even
        # when the local runtime's clock has been moved forward.
        verify(secret, _header(TIMESTAMP_HEADER), _header(SIGNATURE_HEADER), body, now=datetime.now(UTC))
    except SignatureRejected as exc:
        logger.info("webhook signature rejected", extra={"provider": provider, "reason": type(exc).__name__})
        return error_response(401, str(exc))
    deps = ENGAGEMENT.deps()
    try:
        events = parse_events(_parsed(body), now=deps.clock.now())
    except EventsInvalid as exc:
        return _invalid(exc)
    receipts = receive_engagement(provider, events, deps)
    metrics.add_metric(name="EngagementEventsReceived", unit=MetricUnit.Count, value=len(events))
    accepted = EngagementAccepted(received=len(events), results=receipts)
    return Response(
        status_code=202, content_type="application/json", body=accepted.model_dump(mode="json", exclude_none=True)
    )
