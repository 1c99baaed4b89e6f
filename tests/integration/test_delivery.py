"""Delivery on the outbox: the DynamoDB outbox and its twin record deliveries alike, and in the local runtime a
queued notification reaches the DeliverFunction, which records the outcome without calling the internet."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from leadflow.adapters.dynamodb import DynamoOutbox
from leadflow.adapters.memory import InMemoryOutbox
from leadflow.ports import Notification, Outbox
from moto import mock_aws

from infra.local.runtime import MOTO_CONFIG, LocalRuntime
from tests.http_client import Client
from tests.integration.tables import create_tables
from tests.integration.test_lead_pipeline import submit_and_wait, unique_email, vp_demo_request

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
NOTE = Notification(
    notification_id="assigned#lead-1#2026-03-02T09:30:00+00:00",
    rep_id="dana-whitfield",
    lead_id="lead-1",
    channel="email",
    subject="New lead for you: Ada Lovelace",
    body="Hi Dana,",
    created_at=AT,
    payload={"lead_url": "https://api.example/v1/leads/lead-1"},
)


@pytest.fixture(params=["dynamodb", "memory"])
def outbox(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Outbox]:
    if request.param == "memory":
        yield InMemoryOutbox()
        return
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws(config=MOTO_CONFIG):
        yield DynamoOutbox(create_tables(boto3.resource("dynamodb", region_name="us-east-1")).outbox)


def test_a_queued_notification_reads_back_with_no_delivery_yet(outbox: Outbox) -> None:
    outbox.queue(NOTE)

    entry = outbox.get(NOTE.rep_id, NOTE.notification_id)

    assert entry is not None and entry.notification == NOTE
    assert (entry.delivery.status, entry.delivery.attempts, entry.delivery.sent) == (None, 0, frozenset())
    assert outbox.get(NOTE.rep_id, "assigned#other") is None


def test_attempts_count_and_the_settled_one_keeps_its_time_channels_and_clears_the_error(outbox: Outbox) -> None:
    outbox.queue(NOTE)
    outbox.record_attempt(NOTE.rep_id, NOTE.notification_id, status="retrying", at=AT, error="email: Throttling")
    outbox.record_sent(NOTE.rep_id, NOTE.notification_id, "slack")
    outbox.record_sent(NOTE.rep_id, NOTE.notification_id, "slack")
    outbox.record_sent(NOTE.rep_id, NOTE.notification_id, "email")
    outbox.record_attempt(NOTE.rep_id, NOTE.notification_id, status="delivered", at=AT, error=None)

    entry = outbox.get(NOTE.rep_id, NOTE.notification_id)

    assert entry is not None
    delivery = entry.delivery
    assert (delivery.status, delivery.attempts, delivery.sent) == ("delivered", 2, frozenset({"slack", "email"}))
    assert (delivery.delivered_at, delivery.last_error, delivery.settled) == (AT, None, True)
    assert outbox.recent() == [NOTE]  # the dashboard's view of the notification is unchanged


def test_recording_a_delivery_of_a_notification_never_queued_creates_nothing(outbox: Outbox) -> None:
    with pytest.raises(LookupError):
        outbox.record_attempt(NOTE.rep_id, NOTE.notification_id, status="failed", at=AT, error="x")
    with pytest.raises(LookupError):
        outbox.record_sent(NOTE.rep_id, NOTE.notification_id, "slack")

    assert outbox.get(NOTE.rep_id, NOTE.notification_id) is None


def test_one_sender_claims_a_notification_until_it_records_the_attempt(outbox: Outbox) -> None:
    outbox.queue(NOTE)
    stale = AT - timedelta(seconds=30)

    first = outbox.claim(NOTE.rep_id, NOTE.notification_id, token="a", at=AT, stale_before=stale)
    second = outbox.claim(NOTE.rep_id, NOTE.notification_id, token="b", at=AT, stale_before=stale)
    held = outbox.get(NOTE.rep_id, NOTE.notification_id)
    outbox.record_attempt(NOTE.rep_id, NOTE.notification_id, status="retrying", at=AT, error="slack: HTTP 503")
    after_retry = outbox.claim(NOTE.rep_id, NOTE.notification_id, token="c", at=AT, stale_before=stale)
    outbox.record_attempt(NOTE.rep_id, NOTE.notification_id, status="delivered", at=AT, error=None)
    after_settled = outbox.claim(NOTE.rep_id, NOTE.notification_id, token="d", at=AT, stale_before=stale)

    assert (first, second, after_retry, after_settled) == (True, False, True, False)
    assert held is not None and (held.delivery.status, held.delivery.claimed_at) == ("sending", AT)
    entry = outbox.get(NOTE.rep_id, NOTE.notification_id)
    assert entry is not None and (entry.delivery.status, entry.delivery.claimed_at) == ("delivered", None)


def test_a_claim_older_than_the_stale_time_is_taken_over(outbox: Outbox) -> None:
    outbox.queue(NOTE)
    outbox.claim(NOTE.rep_id, NOTE.notification_id, token="crashed", at=AT, stale_before=AT - timedelta(seconds=30))
    later = AT + timedelta(seconds=31)

    taken = outbox.claim(
        NOTE.rep_id, NOTE.notification_id, token="b", at=later, stale_before=later - timedelta(seconds=30)
    )

    entry = outbox.get(NOTE.rep_id, NOTE.notification_id)
    assert taken and entry is not None and entry.delivery.claimed_at == later


def test_a_notification_never_queued_cannot_be_claimed_and_is_not_created(outbox: Outbox) -> None:
    claimed = outbox.claim(NOTE.rep_id, NOTE.notification_id, token="a", at=AT, stale_before=AT)

    assert claimed is False and outbox.get(NOTE.rep_id, NOTE.notification_id) is None


def wait_for(probe: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := probe():
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_queued_notification_is_delivered_to_the_outbox_only_by_the_local_runtime(
    client: Client, runtime: LocalRuntime
) -> None:
    # A person no other test submits, so the shared runtime's matching never links this lead to theirs.
    document = vp_demo_request(unique_email("imogen", "sap.com"), first_name="Imogen", last_name="Castellanos")
    submission = submit_and_wait(client, {**document, "company": "SAP"})

    def delivered() -> list[dict[str, Any]]:
        items = runtime.notifications()
        mine = [n for n in items if n.get("lead_id") == submission["lead_id"]]
        return [n for n in mine if n.get("delivery_status") not in (None, "sending")]  # claimed, then recorded

    (item,) = wait_for(delivered)
    # The demo reps have no Slack webhook and the runtime configures no email sender: nothing leaves the machine.
    assert (item["delivery_status"], int(item["delivery_attempts"])) == ("outbox_only", 1)
    assert item["delivered_at"] and "last_error" not in item
