"""Builds the AWS adapters once per cold start from the settings; handlers ask here for what they need.

This module holds the clients, the adapters and the deps of the pipeline, the jobs and most routes; its submodules
build on it for one area each and are imported by the functions of that area only (a function loads what it uses):
`wiring.api` (reading leads, taking forms), `wiring.erasure` (a person's erasure and export, the suppression list),
`wiring.mail` (who may be mailed, unsubscribe, SES's delivery events) and `wiring.nurture` (enrolments, the mail
service and its log). It imports none of them at import time (the dedupe and engagement deps ask `wiring.erasure`
for the suppression check when they are built)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from leadflow.clock import current_clock
from leadflow.settings import settings

# Each factory imports its adapter where it builds it, so a function loads the adapters, services and models of the
# deps it asks for and no others (a cold start pays for every module imported).
if TYPE_CHECKING:
    from leadflow.adapters.dynamodb.config import DynamoConfigStore
    from leadflow.adapters.dynamodb.lead_store import DynamoLeadStore
    from leadflow.adapters.dynamodb.outbox import DynamoOutbox
    from leadflow.adapters.dynamodb_matching import DynamoMatchIndex
    from leadflow.adapters.eventbridge import EventBridgeBus
    from leadflow.domain.enrichment import DomainDirectory
    from leadflow.ports import Clock, EnrichmentProvider, Notifier, WebhookSecrets
    from leadflow.services.delivery import DeliveryDeps
    from leadflow.services.engagement import EngagementDeps
    from leadflow.services.outcomes import OutcomeDeps
    from leadflow.services.pipeline_deps import CurationDeps, DueJobDeps, LeadChangeDeps, RoutingDeps, SlaDeps, Writes
    from leadflow.services.predictive import TrainingDeps
    from leadflow.services.step_deps import DedupeDeps, EnrichDeps, NotifyDeps, ScoreDeps
    from leadflow.services.sweep import SweepDeps

# Standard retry mode backs off on throttling; a Lambda's own timeout bounds the total.
BOTO_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=2, read_timeout=5)


@cache
def _dynamodb() -> Any:
    from leadflow.adapters.dynamodb.conditions import build_conditions_per_thread

    return build_conditions_per_thread(boto3.resource("dynamodb", config=BOTO_CONFIG))


@cache
def table(name: str) -> Any:
    """A boto3 Table resource of this cold start's DynamoDB client (for the wiring modules beside this one), built
    once per name: building one runs boto3's resource factory, which the reports and nurture functions paid on every
    event."""
    return _dynamodb().Table(name)


@cache
def lead_store() -> DynamoLeadStore:
    from leadflow.adapters.dynamodb.lead_store import DynamoLeadStore

    return DynamoLeadStore(_dynamodb().Table(settings().leads_table))


@cache
def match_index() -> DynamoMatchIndex:
    from leadflow.adapters.dynamodb_matching import DynamoMatchIndex

    return DynamoMatchIndex(_dynamodb().Table(settings().leads_table))


@cache
def config_store() -> DynamoConfigStore:
    from leadflow.adapters.dynamodb.config import DynamoConfigStore

    # One store per process, so a rule set read by one step is kept for the next (and a publish forgets it).
    return DynamoConfigStore(_dynamodb().Table(settings().config_table), max_age=settings().rule_sets_max_age_seconds)


@cache
def outbox() -> DynamoOutbox:
    from leadflow.adapters.dynamodb.outbox import DynamoOutbox

    return DynamoOutbox(_dynamodb().Table(settings().outbox_table))


@cache
def event_bus() -> EventBridgeBus:
    from leadflow.adapters.eventbridge import EventBridgeBus

    return EventBridgeBus(boto3.client("events", config=BOTO_CONFIG), settings().event_bus_name)


@cache
def domain_directory() -> DomainDirectory:
    from leadflow.domain.enrichment import DomainDirectory

    return DomainDirectory.bundled()


@cache
def enrichment_provider() -> EnrichmentProvider:
    """The bundled directory, behind an external HTTP provider when ENRICHMENT_URL is set (off by default)."""
    from leadflow.adapters.circuit_breaker import CircuitBreaker
    from leadflow.adapters.enrichment import ChainedProvider, HttpEnrichmentProvider
    from leadflow.domain.enrichment import DirectoryProvider

    directory = DirectoryProvider(domain_directory())
    config = settings()
    if not config.enrichment_enabled:
        return directory
    api_key = None
    if config.enrichment_api_key_parameter:
        ssm = boto3.client("ssm", config=BOTO_CONFIG)
        parameter = ssm.get_parameter(Name=config.enrichment_api_key_parameter, WithDecryption=True)
        api_key = str(parameter["Parameter"]["Value"])
    http = HttpEnrichmentProvider(
        config.enrichment_url,
        api_key=api_key,
        timeout_seconds=config.enrichment_timeout_seconds,
        breaker=CircuitBreaker(clock=current_clock()),
    )
    return ChainedProvider(http, directory)


@cache
def webhook_secrets() -> WebhookSecrets:
    """The local runtime's secrets from LEADFLOW_WEBHOOK_SECRETS when set; otherwise SSM under WEBHOOK_SECRETS_PATH."""
    from leadflow.adapters.webhook_secrets import ParameterStoreWebhookSecrets, StaticWebhookSecrets

    config = settings()
    if config.webhook_secrets is not None:
        return StaticWebhookSecrets({name: key.get_secret_value() for name, key in config.webhook_secrets.items()})
    return ParameterStoreWebhookSecrets(config.webhook_secrets_path)


@cache
def notifiers() -> tuple[Notifier, ...]:
    """Slack for reps with a webhook; email through SES only when SES_FROM_ADDRESS is set (off by default)."""
    from leadflow.adapters.circuit_breaker import CircuitBreaker
    from leadflow.adapters.ses import SesNotifier
    from leadflow.adapters.slack import SlackNotifier

    found: list[Notifier] = [SlackNotifier(breaker=CircuitBreaker(clock=current_clock()))]
    if settings().ses_from_address:
        found.append(SesNotifier(boto3.client("sesv2", config=BOTO_CONFIG), settings().ses_from_address))
    return tuple(found)


def delivery_deps() -> DeliveryDeps:
    from leadflow.services.delivery import DeliveryDeps

    return DeliveryDeps(outbox=outbox(), config=config_store(), notifiers=notifiers(), clock=current_clock())


def engagement_deps() -> EngagementDeps:
    from leadflow.services.engagement import EngagementDeps
    from leadflow.wiring.erasure import suppression_check

    return EngagementDeps(store=lead_store(), bus=event_bus(), clock=current_clock(), suppressed=suppression_check())


def sweep_deps() -> SweepDeps:
    from leadflow.services.sweep import SweepDeps

    return SweepDeps(store=lead_store(), bus=event_bus(), clock=current_clock())


@dataclass(frozen=True)
class LeadChangeAdapters:
    """What a use case that changes leads outside the pipeline is handed: the leads and config tables, the bus and
    the clock, and none of the pipeline's other adapters (match index, outbox, enrichment). The use cases' own
    signatures narrow it further to the roles they touch."""

    store: DynamoLeadStore
    config: DynamoConfigStore
    bus: EventBridgeBus
    clock: Clock


def _lead_changes() -> LeadChangeAdapters:
    # The adapters are built once per cold start (cached above); the clock is read each time, as use_clock may
    # have changed it since (the local runtime's virtual clock).
    return LeadChangeAdapters(store=lead_store(), config=config_store(), bus=event_bus(), clock=current_clock())


def stage_change_deps() -> LeadChangeDeps:
    """Sales stage changes (POST /v1/leads/{id}/stage)."""
    return _lead_changes()


def outcome_deps() -> OutcomeDeps:
    """Closed-loop outcomes (POST /v1/leads/{id}/outcome)."""
    return _lead_changes()


def consent_deps() -> LeadChangeDeps:
    """Marketing consent (POST /v1/leads/{id}/consent)."""
    return _lead_changes()


def decay_deps() -> DueJobDeps:
    """The hourly decay job."""
    return _lead_changes()


def recycle_deps() -> DueJobDeps:
    """The daily recycle job."""
    return _lead_changes()


def training_deps() -> TrainingDeps:
    """The predictive model's training job."""
    return _lead_changes()


@dataclass(frozen=True)
class CurationAdapters(LeadChangeAdapters):
    """What duplicate resolution is handed: a lead's changes, and the match index."""

    index: DynamoMatchIndex


def curation_deps() -> CurationDeps:
    """Merging, dismissing and undoing possible duplicates (POST /v1/leads/{id}/duplicates/{other}, .../unmerge)."""
    changes = _lead_changes()
    return CurationAdapters(changes.store, changes.config, changes.bus, changes.clock, match_index())


def reassignment_deps() -> RoutingDeps:
    """The roster with the reps' load (GET /v1/reps, /v1/teams) and a manager's reassignment
    (POST /v1/leads/{id}/reassign)."""
    return _lead_changes()


def touch_deps() -> LeadChangeDeps:
    """A rep's touch (POST /v1/leads/{id}/touch)."""
    return _lead_changes()


@dataclass(frozen=True)
class SlaAdapters(LeadChangeAdapters):
    """What the SLA timer's steps and the notify step are handed: a lead's changes, and the outbox their messages
    are queued in."""

    outbox: DynamoOutbox
    api_base_url: str


def notify_deps() -> NotifyDeps:
    """The pipeline's notify step."""
    changes = _lead_changes()
    return SlaAdapters(changes.store, changes.config, changes.bus, changes.clock, outbox(), settings().api_base_url)


def sla_deps() -> SlaDeps:
    """The SLA timer's steps (start, check, reassign, escalate)."""
    changes = _lead_changes()
    return SlaAdapters(changes.store, changes.config, changes.bus, changes.clock, outbox(), settings().api_base_url)


@dataclass(frozen=True)
class EnrichAdapters:
    """What the enrich step is handed: the leads table, the enrichment sources, the bus and the clock."""

    store: DynamoLeadStore
    bus: EventBridgeBus
    clock: Clock
    directory: DomainDirectory
    enrichment: EnrichmentProvider


def enrich_deps() -> EnrichDeps:
    return EnrichAdapters(lead_store(), event_bus(), current_clock(), domain_directory(), enrichment_provider())


@dataclass(frozen=True)
class DedupeAdapters(CurationAdapters):
    """What the dedupe step is handed: a lead's changes, the match index and the suppression list's check."""

    suppressed: Callable[[str], bool] | None
    side_by_side: Callable[[Writes], list[object]]


def dedupe_deps() -> DedupeDeps:
    from leadflow.adapters.side_by_side import side_by_side
    from leadflow.wiring.erasure import suppression_check

    changes = _lead_changes()
    return DedupeAdapters(
        changes.store, changes.config, changes.bus, changes.clock, match_index(), suppression_check(), side_by_side
    )


def score_deps() -> ScoreDeps:
    """The score step (and engagement and rescore runs, which enter there)."""
    return _lead_changes()


def route_deps() -> RoutingDeps:
    return _lead_changes()


_ON_RESET: list[Callable[[], None]] = []


def on_reset(clear: Callable[[], None]) -> None:
    """Have reset() call `clear` too (the caches of the wiring modules beside this one)."""
    _ON_RESET.append(clear)


def reset() -> None:
    """Forget every client and setting, as a new cold start would (tests and the local runtime use this)."""
    for cached in (
        _dynamodb,
        table,
        lead_store,
        match_index,
        config_store,
        outbox,
        event_bus,
        enrichment_provider,
        settings,
    ):
        cached.cache_clear()
    notifiers.cache_clear()
    webhook_secrets.cache_clear()
    for clear in _ON_RESET:
        clear()
