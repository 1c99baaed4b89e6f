"""The public one-click unsubscribe pages (RFC 8058), reached from the link in every marketing email: no API key, as
the person clicking has none; the signed token in the link is the only credential. Answers are HTML pages for people
(mail clients posting the one-click form read the status only)."""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from leadflow.api.deps import UseCase
from leadflow.api.errors import ERRORS
from leadflow.domain.unsubscribe_token import MAX_TOKEN_LENGTH, InvalidToken
from leadflow.models.answers import ErrorBody
from leadflow.services.unsubscribe import UnsubscribeDeps, check, unsubscribe

router = APIGatewayRouter()

UNSUBSCRIBE = UseCase[UnsubscribeDeps]("unsubscribe")

HTML = "text/html; charset=utf-8"
Token = Annotated[str, Query(max_length=MAX_TOKEN_LENGTH, description="The signed token of the link in the email.")]


def _page(status: int, title: str, body: str) -> Response[str]:
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="robots" content="noindex"><title>{escape(title)}</title></head>'
        f'<body style="font-family:sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem">'
        f"<h1>{escape(title)}</h1>{body}</body></html>"
    )
    # No caching anywhere: the page is about one person's link.
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
    return Response(status_code=status, content_type=HTML, body=page, headers=headers)


def _invalid() -> Response[str]:
    return _page(400, "This link is invalid or has expired", "<p>This unsubscribe link is invalid or has expired.</p>")


def _html(description: str) -> OpenAPIResponse:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def _answers(success: str) -> dict[int, Any]:
    return {
        200: _html(success),
        400: _html("The link is invalid or has expired (the page says only that)."),
        422: {"description": ERRORS[422], "content": {"application/json": {"model": ErrorBody}}},
    }


@router.get(
    "/v1/unsubscribe",
    summary="The unsubscribe confirmation page",
    description=(
        "Public (the link's signed token is the credential). Shows what unsubscribing does and one button that "
        "posts the one-click form; changes nothing itself, so a mail scanner following links unsubscribes nobody."
    ),
    responses=_answers("The confirmation page with the one-click form."),
    tags=["privacy"],
)
def confirm_page(token: Token = "") -> Response[str]:
    try:
        check(token, UNSUBSCRIBE.deps())
    except InvalidToken:
        return _invalid()
    body = (
        "<p>You will no longer receive marketing emails from us at this address. Messages you ask for, such as a "
        "reply to a form you send us, still reach you.</p>"
        f'<form method="post" action="?token={escape(token, quote=True)}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Unsubscribe</button></form>'
    )
    return _page(200, "Unsubscribe from marketing emails", body)


@router.post(
    "/v1/unsubscribe",
    summary="Unsubscribe (one click)",
    description=(
        "Public. The RFC 8058 one-click target of the `List-Unsubscribe` header: the body is "
        "`List-Unsubscribe=One-Click` (form-encoded) or empty. Withdraws marketing consent (the lead's consent "
        "ledger records source `email-link`), puts the address on the suppression list and publishes "
        "`lead.consent_changed`. Posting again changes nothing and answers the same page."
    ),
    responses=_answers("You are unsubscribed."),
    tags=["privacy"],
)
def one_click(token: Token = "") -> Response[str]:
    try:
        unsubscribe(token, UNSUBSCRIBE.deps())
    except InvalidToken:
        return _invalid()
    return _page(200, "You are unsubscribed", "<p>You will no longer receive marketing emails from us.</p>")
