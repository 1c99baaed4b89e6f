"""The wiring of nurture: the enrolments' executions, the tracks' counts, the mail service and its log, over
leadflow.wiring's clients, with the one decision of who may be mailed from leadflow.wiring.mail; its caches are
cleared with wiring's (wiring.reset)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import boto3

from leadflow import wiring
from leadflow.clock import current_clock
from leadflow.settings import settings
from leadflow.wiring import mail as mail_wiring

if TYPE_CHECKING:
    from datetime import datetime

    from leadflow.adapters.dynamodb.config import DynamoConfigStore
    from leadflow.adapters.dynamodb.lead_store import DynamoLeadStore
    from leadflow.adapters.dynamodb.mail_log import DynamoMailLog
    from leadflow.adapters.dynamodb.outbox import DynamoOutbox
    from leadflow.adapters.dynamodb.track_counters import DynamoTrackCounters
    from leadflow.adapters.eventbridge import EventBridgeBus
    from leadflow.adapters.step_functions import StepFunctionsWorkflows
    from leadflow.models.lead import Lead
    from leadflow.ports import Clock, Mailer
    from leadflow.services.nurture_deps import NurtureDeps


@cache
def workflows() -> StepFunctionsWorkflows:
    """The NurtureTrack state machine's executions (NURTURE_STATE_MACHINE_ARN; functions that start none lack it)."""
    from leadflow.adapters.step_functions import StepFunctionsWorkflows

    client = boto3.client("stepfunctions", config=wiring.BOTO_CONFIG)
    return StepFunctionsWorkflows(client, settings().nurture_state_machine_arn)


@cache
def mailer() -> Mailer:
    """SES when SES_FROM_ADDRESS is set (with SES_CONFIGURATION_SET); else nothing leaves and the mail log is the
    record of what would have (the local runtime's outbox)."""
    from leadflow.adapters.ses_mailer import LogOnlyMailer, SesMailer

    config = settings()
    if not config.ses_from_address:
        return LogOnlyMailer()
    client = boto3.client("sesv2", config=wiring.BOTO_CONFIG)
    return SesMailer(client, config.ses_from_address, config.ses_configuration_set)


def mail_log() -> DynamoMailLog:
    from leadflow.adapters.dynamodb.mail_log import DynamoMailLog

    return DynamoMailLog(wiring.table(settings().outbox_table))


def track_counters() -> DynamoTrackCounters:
    from leadflow.adapters.dynamodb.track_counters import DynamoTrackCounters

    return DynamoTrackCounters(wiring.table(settings().config_table))


for _cached in (workflows, mailer):
    wiring.on_reset(_cached.cache_clear)


@dataclass(frozen=True)
class NurtureAdapters:
    """What nurture is handed: the leads and config tables, the bus and the clock, the enrolments' executions, the
    tracks' counts, the mail service and its log, the outbox (notify_owner), and the one decision of who may be
    mailed, with the one-click unsubscribe link."""

    store: DynamoLeadStore
    rules: DynamoConfigStore
    bus: EventBridgeBus
    clock: Clock
    workflows: StepFunctionsWorkflows
    counters: DynamoTrackCounters
    mail_log: DynamoMailLog
    mailer: Mailer
    outbox: DynamoOutbox
    mail_blocked: Callable[[Lead], str | None]
    transactional_blocked: Callable[[Lead], str | None]
    unsubscribe_link: Callable[[str, str, datetime], str]


def nurture_deps() -> NurtureDeps:
    """The nurture functions (its events, an enrolment's step, the nurture API)."""
    return NurtureAdapters(
        store=wiring.lead_store(),
        rules=wiring.config_store(),
        bus=wiring.event_bus(),
        clock=current_clock(),
        workflows=workflows(),
        counters=track_counters(),
        mail_log=mail_log(),
        mailer=mailer(),
        outbox=wiring.outbox(),
        mail_blocked=mail_wiring.marketing_blocked,
        transactional_blocked=mail_wiring.transactional_blocked,
        unsubscribe_link=mail_wiring.unsubscribe_link,
    )
