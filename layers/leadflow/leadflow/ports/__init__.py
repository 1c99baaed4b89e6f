"""The interfaces leadflow's services need from the outside world, one small port per role; adapters implement them
for AWS and in memory (one adapter class may play several roles). Everything is importable from here."""

from __future__ import annotations

from leadflow.ports.config import ConfigStore, Counters, RuleSets
from leadflow.ports.core import Clock, ConcurrentUpdate, EventBus, WebhookSecrets
from leadflow.ports.enrichment import EnrichmentProvider, EnrichmentUnavailable
from leadflow.ports.erasure import (
    AuditEntry,
    AuditLog,
    ErasureRecord,
    ErasureStatus,
    Footprint,
    PersonalDataStore,
    PersonalItem,
    Suppression,
    SuppressionList,
    SuppressionReason,
)
from leadflow.ports.leads import (
    Accounts,
    DueIndex,
    EngagementEvents,
    IdentityClaims,
    LeadHistory,
    LeadRecords,
    LeadStore,
    MergeRecords,
    OutcomeExample,
    OutcomePage,
    Outcomes,
    Page,
    Submissions,
)
from leadflow.ports.mail import EmailMessage, Mailer, MailKind, MailLog, MailNotSent
from leadflow.ports.matching import DuplicateLink, IndexedRecord, MatchIndex
from leadflow.ports.notifications import (
    SETTLED,
    Delivery,
    DeliveryFailed,
    DeliveryStatus,
    Notification,
    Notifier,
    Outbox,
    OutboxEntry,
)
from leadflow.ports.nurture import TrackCounters, Workflows
from leadflow.ports.reports import ERASED_VERSION, CellRead, ReportProjection, StoredContribution

__all__ = [
    "ERASED_VERSION",
    "SETTLED",
    "Accounts",
    "AuditEntry",
    "AuditLog",
    "CellRead",
    "Clock",
    "ConcurrentUpdate",
    "ConfigStore",
    "Counters",
    "Delivery",
    "DeliveryFailed",
    "DeliveryStatus",
    "DueIndex",
    "DuplicateLink",
    "EmailMessage",
    "EngagementEvents",
    "EnrichmentProvider",
    "EnrichmentUnavailable",
    "ErasureRecord",
    "ErasureStatus",
    "EventBus",
    "Footprint",
    "IdentityClaims",
    "IndexedRecord",
    "LeadHistory",
    "LeadRecords",
    "LeadStore",
    "MailKind",
    "MailLog",
    "MailNotSent",
    "Mailer",
    "MatchIndex",
    "MergeRecords",
    "Notification",
    "Notifier",
    "Outbox",
    "OutboxEntry",
    "OutcomeExample",
    "OutcomePage",
    "Outcomes",
    "Page",
    "PersonalDataStore",
    "PersonalItem",
    "ReportProjection",
    "RuleSets",
    "StoredContribution",
    "Submissions",
    "Suppression",
    "SuppressionList",
    "SuppressionReason",
    "TrackCounters",
    "WebhookSecrets",
    "Workflows",
]
