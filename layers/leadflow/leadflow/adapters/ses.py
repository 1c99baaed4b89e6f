"""Email delivery through Amazon SES (API v2): the notification's subject and text body, from the configured sender
(SES_FROM_ADDRESS, a verified identity) to the rep's address in the roster.

SES throttling and its own 5xx are retryable; a rejected message (unverified sender or, in the sandbox, recipient;
a suppressed or malformed address; sending paused for the account) is not: retrying cannot change SES's mind.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from leadflow.models.rules import Rep
from leadflow.observability import logger
from leadflow.ports import DeliveryFailed, Notification

# Error codes of SendEmail that a later attempt may get past; any other client error is a rejection.
RETRYABLE_CODES = frozenset(
    {"TooManyRequestsException", "LimitExceededException", "Throttling", "ThrottlingException", "InternalFailure"}
)


class SesNotifier:
    """`client` is a boto3 `sesv2` client (its standard retry mode already backs off on throttling)."""

    channel: str = "email"

    def __init__(self, client: Any, from_address: str) -> None:
        if not from_address:
            raise ValueError("an email notifier needs a sender address (SES_FROM_ADDRESS)")
        self._client = client
        self.from_address = from_address

    def reaches(self, rep: Rep) -> bool:
        return bool(rep.email)

    def send(self, notification: Notification, rep: Rep) -> None:
        try:
            self._client.send_email(
                FromEmailAddress=self.from_address,
                Destination={"ToAddresses": [rep.email]},
                Content={
                    "Simple": {
                        "Subject": {"Data": notification.subject, "Charset": "UTF-8"},
                        "Body": {"Text": {"Data": notification.body, "Charset": "UTF-8"}},
                    }
                },
            )
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "Unknown"))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            retryable = code in RETRYABLE_CODES or status >= HTTPStatus.INTERNAL_SERVER_ERROR
            raise _failed(f"{code} {error.get('Message', '')}".strip(), retryable, rep) from exc
        except BotoCoreError as exc:  # connection errors and timeouts, after the client's own retries
            raise _failed(type(exc).__name__, True, rep) from exc


def _failed(reason: str, retryable: bool, rep: Rep) -> DeliveryFailed:
    logger.warning("email delivery failed", extra={"rep_id": rep.rep_id, "reason": reason, "retryable": retryable})
    return DeliveryFailed(f"email: {reason}", retryable=retryable)


__all__ = ["SesNotifier"]
