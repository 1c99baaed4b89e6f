"""Marketing email through SES v2 (under moto): one raw MIME message with both parts, the one-click unsubscribe
headers of RFC 8058, the configuration set and the tags its delivery events come back with."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message
from typing import Any

import boto3
import pytest
from leadflow.adapters.ses_mailer import SesMailer
from leadflow.ports import EmailMessage, MailNotSent
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

SENDER = "news@leadflow.example"
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@pytest.fixture
def sesv2(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        boto3.client("ses", region_name="us-east-1").verify_email_identity(EmailAddress=SENDER)
        yield boto3.client("sesv2", region_name="us-east-1")


def a_message(**changes: Any) -> EmailMessage:
    fields: dict[str, Any] = {
        "message_id": "nur_1.intro.1",
        "lead_id": "lead_1",
        "to": "ada@acme.example",
        "kind": "marketing",
        "subject": "Welcome, Ada",
        "text": "Hello Ada. Unsubscribe: https://api.example/v1/unsubscribe?token=t",
        "html": "<p>Hello Ada</p>",
        "created_at": NOW,
        "unsubscribe_url": "https://api.example/v1/unsubscribe?token=t",
        "tags": {"track": "welcome", "step": "intro", "variant": "a"},
        **changes,
    }
    return EmailMessage(**fields)


def sent_raw(to: str) -> list[Message]:
    """What moto's SES took for `to` (the backend is the process's: other tests may have sent mail through it)."""
    backend = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    found = [email.message_from_string(m.raw_data) for m in backend.sent_messages if hasattr(m, "raw_data")]
    return [message for message in found if message["To"] == to]


def test_a_marketing_email_carries_both_parts_and_the_one_click_unsubscribe_headers(sesv2: Any) -> None:
    SesMailer(sesv2, SENDER).send(a_message(to="marketing.reader@acme.example"))

    [sent] = sent_raw("marketing.reader@acme.example")
    assert sent["List-Unsubscribe"] == "<https://api.example/v1/unsubscribe?token=t>"
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent["Subject"] == "Welcome, Ada"
    assert [part.get_content_type() for part in sent.walk() if not part.is_multipart()] == ["text/plain", "text/html"]


def test_a_transactional_email_has_no_unsubscribe_headers(sesv2: Any) -> None:
    to = "form.sender@acme.example"
    SesMailer(sesv2, SENDER).send(a_message(to=to, kind="transactional", unsubscribe_url=None, html=None))

    [sent] = sent_raw(to)
    assert sent["List-Unsubscribe"] is None
    assert sent.get_content_type() == "text/plain"


def test_a_refused_message_is_mail_not_sent(sesv2: Any) -> None:
    with pytest.raises(MailNotSent, match=r"nur_1\.intro\.1"):
        SesMailer(sesv2, "unverified@elsewhere.example").send(a_message())


def test_the_configuration_set_and_tags_go_with_the_message() -> None:
    calls: list[dict[str, Any]] = []

    class Client:
        def send_email(self, **request: Any) -> None:
            calls.append(request)

    SesMailer(Client(), SENDER, "leadflow-mail").send(a_message(tags={"track": "welcome", "step": "intro/1"}))

    [request] = calls
    assert request["ConfigurationSetName"] == "leadflow-mail"
    assert {"Name": "step", "Value": "intro_1"} in request["EmailTags"]  # SES allows [A-Za-z0-9_.-] only
    assert {"Name": "lead_id", "Value": "lead_1"} in request["EmailTags"]
