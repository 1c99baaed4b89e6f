"""The email channel of delivery: SES sends from the configured sender, and a refusal is not retried."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from leadflow.adapters.ses import SesNotifier
from leadflow.models.rules import RepRoster
from leadflow.ports import DeliveryFailed, Notification
from moto import mock_aws

from infra.local.runtime import MOTO_CONFIG

SENDER = "leads@leadflow.example"


@pytest.fixture
def sesv2(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    # The local runtime's config: a plain mock_aws() would switch its state machines off in a shared test process.
    with mock_aws(config=MOTO_CONFIG):
        yield boto3.client("sesv2", region_name="us-east-1")


def test_email_goes_from_the_configured_sender_with_the_subject_and_text(
    sesv2: Any, notification: Notification, default_reps: RepRoster
) -> None:
    boto3.client("ses", region_name="us-east-1").verify_email_identity(EmailAddress=SENDER)
    rep = default_reps.reps[0]

    SesNotifier(sesv2, SENDER).send(notification, rep)

    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    # The process's SES holds the local runtime's mail too (a test process shares one moto): read this sender's only.
    (sent,) = [m for m in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages if m.source == SENDER]
    assert (sent.source, sent.destinations["ToAddresses"]) == (SENDER, [rep.email])
    assert sent.subject == notification.subject and "Open the lead:" in sent.body


def test_email_rejected_by_ses_is_not_retryable(
    sesv2: Any, notification: Notification, default_reps: RepRoster
) -> None:
    never_verified = f"noreply-{uuid.uuid4().hex[:8]}@leadflow.example"  # moto's SES state outlives one mock
    with pytest.raises(DeliveryFailed) as failed:
        SesNotifier(sesv2, never_verified).send(notification, default_reps.reps[0])

    assert not failed.value.retryable and "MessageRejected" in str(failed.value)
