"""No personal data in logs: a lead driven through the whole local pipeline (form, dedupe of a second submission,
enrichment, scoring, routing, notification, a webhook event and refused requests) at DEBUG leaves no email, phone or
name of theirs in any log line: neither in the functions' JSON lines nor in what reaches the root logger."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from leadflow.log_masking import mask_handlers
from leadflow.models.submission import SubmissionIn
from leadflow.observability import logger
from pydantic import ValidationError

from infra.local.runtime import LocalRuntime
from tests.http_client import Client

PERSON = {
    "email": "Zephyrine.Quillfeather+webinar@snowflake.com",
    "first_name": "Zephyrine",
    "last_name": "Quillfeather",
    "phone": "+1 (415) 555-0142",
    "title": "VP of Sales",
    "company": "Snowflake",
    "form_id": "demo-request",
    "consent": True,
}
# What must never appear, in every form the pipeline derives: canonical email, E.164 phone, name parts.
SECRETS = [
    "zephyrine",
    "quillfeather",
    "zephyrine.quillfeather@snowflake.com",
    "+14155550142",
    "4155550142",
    "555-0142",
]


@pytest.fixture
def captured(runtime: LocalRuntime) -> Iterator[io.StringIO]:
    """Every line the functions' Powertools Logger writes, at DEBUG, and every record reaching the root logger at INFO
    through a handler masked as the Lambda runtime's is (observability masks the root handlers it finds)."""
    lines = io.StringIO()
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    previous_stream, previous_level = handler.setStream(lines), logger.log_level
    root = logging.getLogger()
    root_handler = logging.StreamHandler(lines)
    root.addHandler(root_handler)
    mask_handlers(root)
    previous_root_level = root.level
    root.setLevel(logging.INFO)
    logger.setLevel("DEBUG")
    try:
        yield lines
    finally:
        logger.setLevel(previous_level)
        root.setLevel(previous_root_level)
        root.removeHandler(root_handler)
        handler.setStream(previous_stream)


def signed_webhook(client: Client, event: dict[str, object]) -> int:
    body = json.dumps(event)
    stamp = str(int(time.time()))
    signature = hmac.new(b"local-webhook-secret", f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
    headers = {
        "content-type": "application/json",
        "X-Leadflow-Timestamp": stamp,
        "X-Leadflow-Signature": f"v1={signature}",
    }
    return client.request("POST", "/v1/webhooks/generic", body.encode(), headers).status


def test_a_lead_driven_through_the_pipeline_at_debug_leaves_no_personal_data_in_the_logs(
    runtime: LocalRuntime, client: Client, captured: io.StringIO
) -> None:
    first = client.post_lead(PERSON)
    lead_id = client.wait_for_submission(first.json()["submission_id"])["lead_id"]
    again = client.post_lead({**PERSON, "email": "zephyrine.quillfeather@snowflake.com", "form_id": "ebook-download"})
    client.wait_for_submission(again.json()["submission_id"])
    event = {
        "event_id": f"evt-mask-{lead_id}",
        "type": "page_visit",
        "email": PERSON["email"],
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    assert signed_webhook(client, event) == 202
    refused = client.post_lead({**PERSON, "email": "Zephyrine Quillfeather <not an address>", "fields": "x"})
    assert refused.status == 422
    runtime.wait_for_executions()
    lead = client.get(f"/v1/leads/{lead_id}").json()
    # What a handler would log when something goes wrong: the record it held, and the error it caught.
    logger.debug("lead as read back", extra={"lead": lead})
    try:
        SubmissionIn.model_validate({**PERSON, "phone": "call Zephyrine on +1 (415) 555-0142", "title": ["VP"]})
    except ValidationError:
        logger.exception("submission refused: %s", PERSON["email"], extra={"submission": PERSON})
    logging.getLogger("botocore.example").error("could not store %s", json.dumps({"lead": lead}))

    logs = captured.getvalue()

    assert lead["owner_id"] and lead["stage"] == "mql"  # it went all the way: scored, routed, notified
    assert len(logs.splitlines()) >= 3, logs  # the pipeline did log, at DEBUG
    leaked = [secret for secret in SECRETS if secret in logs.lower()]
    assert leaked == [], [line for line in logs.splitlines() if any(s in line.lower() for s in leaked)][:5]
