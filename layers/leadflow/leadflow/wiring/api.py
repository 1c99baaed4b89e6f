"""The wiring of the API functions that read leads and take forms: their use cases' deps over the clients and
adapters of leadflow.wiring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from leadflow.clock import current_clock
from leadflow.wiring import config_store, event_bus, lead_store, match_index

if TYPE_CHECKING:
    from leadflow.adapters.dynamodb.config import DynamoConfigStore
    from leadflow.adapters.dynamodb.lead_store import DynamoLeadStore
    from leadflow.adapters.dynamodb_matching import DynamoMatchIndex
    from leadflow.adapters.eventbridge import EventBridgeBus
    from leadflow.ports import Clock
    from leadflow.services.intake import IntakeDeps
    from leadflow.services.pipeline_deps import ReadDeps


@dataclass(frozen=True)
class ReadAdapters:
    """What the read routes are handed: the leads table, the match index, the config table's rule sets, the clock."""

    store: DynamoLeadStore
    index: DynamoMatchIndex
    rules: DynamoConfigStore
    clock: Clock


def read_deps() -> ReadDeps:
    """Reading leads, scores, submissions and accounts (GET /v1/leads..., /v1/submissions/{id}, /v1/accounts/{id})."""
    return ReadAdapters(lead_store(), match_index(), config_store(), current_clock())


@dataclass(frozen=True)
class IntakeAdapters:
    """What the form endpoint is handed: the leads table its submissions go to, the bus and the clock."""

    store: DynamoLeadStore
    bus: EventBridgeBus
    clock: Clock


def intake_deps() -> IntakeDeps:
    """Accepting a form submission (POST /v1/leads)."""
    return IntakeAdapters(lead_store(), event_bus(), current_clock())
