"""Builds the AWS adapters once per cold start from the settings; handlers ask here for what they need."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from leadflow.adapters.dynamodb import DynamoConfigStore, DynamoLeadStore, DynamoOutbox
from leadflow.adapters.dynamodb_matching import DynamoMatchIndex
from leadflow.adapters.enrichment import ChainedProvider, CircuitBreaker, DirectoryProvider, HttpEnrichmentProvider
from leadflow.adapters.eventbridge import EventBridgeBus
from leadflow.clock import current_clock
from leadflow.domain.enrichment import DomainDirectory
from leadflow.ports import EnrichmentProvider
from leadflow.services.pipeline_deps import PipelineDeps
from leadflow.settings import settings

# Standard retry mode backs off on throttling; a Lambda's own timeout bounds the total.
_BOTO_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=2, read_timeout=5)


@cache
def _dynamodb() -> Any:
    return boto3.resource("dynamodb", config=_BOTO_CONFIG)


@cache
def lead_store() -> DynamoLeadStore:
    return DynamoLeadStore(_dynamodb().Table(settings().leads_table))


@cache
def match_index() -> DynamoMatchIndex:
    return DynamoMatchIndex(_dynamodb().Table(settings().leads_table))


@cache
def config_store() -> DynamoConfigStore:
    return DynamoConfigStore(_dynamodb().Table(settings().config_table))


@cache
def outbox() -> DynamoOutbox:
    return DynamoOutbox(_dynamodb().Table(settings().outbox_table))


@cache
def event_bus() -> EventBridgeBus:
    return EventBridgeBus(boto3.client("events", config=_BOTO_CONFIG), settings().event_bus_name)


@cache
def domain_directory() -> DomainDirectory:
    return DomainDirectory.bundled()


@cache
def enrichment_provider() -> EnrichmentProvider:
    """The bundled directory, behind an external HTTP provider when ENRICHMENT_URL is set (off by default)."""
    directory = DirectoryProvider(domain_directory())
    config = settings()
    if not config.enrichment_enabled:
        return directory
    api_key = None
    if config.enrichment_api_key_parameter:
        ssm = boto3.client("ssm", config=_BOTO_CONFIG)
        parameter = ssm.get_parameter(Name=config.enrichment_api_key_parameter, WithDecryption=True)
        api_key = str(parameter["Parameter"]["Value"])
    http = HttpEnrichmentProvider(
        config.enrichment_url,
        api_key=api_key,
        timeout_seconds=config.enrichment_timeout_seconds,
        breaker=CircuitBreaker(clock=current_clock()),
    )
    return ChainedProvider(http, directory)


def pipeline_deps() -> PipelineDeps:
    return PipelineDeps(
        store=lead_store(),
        index=match_index(),
        config=config_store(),
        bus=event_bus(),
        outbox=outbox(),
        clock=current_clock(),
        directory=domain_directory(),
        enrichment=enrichment_provider(),
        api_base_url=settings().api_base_url,
    )


def reset() -> None:
    """Forget every client and setting, as a new cold start would (tests and the local runtime use this)."""
    for cached in (_dynamodb, lead_store, match_index, config_store, outbox, event_bus, enrichment_provider, settings):
        cached.cache_clear()
