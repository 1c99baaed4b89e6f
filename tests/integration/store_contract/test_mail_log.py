"""The mail log's contract, for the DynamoDB adapter (under moto) and its in-memory twin alike: a message kept once
by its id, a lead's messages since a moment newest first, and the newest of all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import boto3
import pytest
from leadflow.adapters.dynamodb import DynamoMailLog
from leadflow.adapters.memory import InMemoryMailLog
from leadflow.ports import EmailMessage, MailLog
from moto import mock_aws

from infra.local.moto_hooks import query_partitions_not_tables, serialise_dynamodb_writes
from infra.local.runtime import MOTO_CONFIG
from tests.integration.store_contract.conftest import NOW, all_at_once
from tests.integration.tables import create_tables


@pytest.fixture(params=["dynamodb", "memory"])
def mail_log(request: pytest.FixtureRequest, aws_credentials: None) -> Iterator[MailLog]:
    if request.param == "memory":
        yield InMemoryMailLog()
        return
    with mock_aws(config=MOTO_CONFIG):
        serialise_dynamodb_writes()
        query_partitions_not_tables()
        yield DynamoMailLog(create_tables(boto3.resource("dynamodb", region_name="us-east-1")).outbox)


def message(message_id: str, lead_id: str = "lead-1", minutes: int = 0, **changes: object) -> EmailMessage:
    fields: dict[str, object] = {
        "message_id": message_id,
        "lead_id": lead_id,
        "to": f"{lead_id}@example.com",
        "kind": "marketing",
        "subject": "Hello",
        "text": "Hi",
        "html": "<p>Hi</p>",
        "created_at": NOW + timedelta(minutes=minutes),
        "unsubscribe_url": "https://x.example/u?token=t",
        "tags": {"track": "welcome", "step": "intro", "variant": "a"},
        **changes,
    }
    return EmailMessage(**fields)  # type: ignore[arg-type]


def test_a_message_is_kept_once_by_its_id_and_read_back_whole(mail_log: MailLog) -> None:
    assert mail_log.record(message("m-1")) is True
    assert mail_log.record(message("m-1", subject="a retry's copy")) is False

    assert mail_log.sent_to("lead-1", NOW) == [message("m-1")]


def test_a_leads_messages_since_a_moment_come_newest_first_and_others_leads_never(mail_log: MailLog) -> None:
    for n, minutes in enumerate((0, 10, 20)):
        mail_log.record(message(f"m-{n}", minutes=minutes))
    mail_log.record(
        message("other", lead_id="lead-2", minutes=30, html=None, unsubscribe_url=None, kind="transactional")
    )

    assert [m.message_id for m in mail_log.sent_to("lead-1", NOW + timedelta(minutes=10))] == ["m-2", "m-1"]
    assert mail_log.sent_to("lead-2", NOW)[0].kind == "transactional"


def test_the_newest_messages_of_every_lead_are_listed_first(mail_log: MailLog) -> None:
    for n in range(5):
        mail_log.record(message(f"m-{n}", lead_id=f"lead-{n}", minutes=n))

    assert [m.message_id for m in mail_log.recent(3)] == ["m-4", "m-3", "m-2"]


def test_ten_retries_of_one_send_at_once_keep_it_once(mail_log: MailLog) -> None:
    kept = all_at_once(10, lambda i: mail_log.record(message("m-1")))

    assert kept.count(True) == 1
