"""The leadflow tables exactly as template.yaml declares them, for tests that run DynamoDB under moto."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from infra.local.deployment import create_table_request
from infra.local.template import load_template


@dataclass(frozen=True)
class Tables:
    leads: Any
    config: Any
    outbox: Any
    idempotency: Any
    reports: Any


def create_tables(dynamodb: Any, prefix: str | None = None) -> Tables:
    """Create the template's tables on a boto3 DynamoDB resource under a unique prefix; return Table resources.

    The prefix keeps tests apart when they share moto's in-process backend (the local runtime fixture uses it too).
    """
    prefix = prefix or f"test-{uuid.uuid4().hex[:8]}"
    resources = load_template()["Resources"]
    created = {}
    for logical_id in ("LeadsTable", "ConfigTable", "OutboxTable", "IdempotencyTable", "ReportsTable"):
        request = create_table_request(f"{prefix}-{logical_id}", resources[logical_id]["Properties"])
        created[logical_id] = dynamodb.create_table(**request)
    return Tables(
        leads=created["LeadsTable"],
        config=created["ConfigTable"],
        outbox=created["OutboxTable"],
        idempotency=created["IdempotencyTable"],
        reports=created["ReportsTable"],
    )
