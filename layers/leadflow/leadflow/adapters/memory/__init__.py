"""In-memory twins of the DynamoDB and EventBridge adapters, for unit tests and local runs without AWS.

They keep the same items as the real tables (built by `layout`, stored as JSON text so nothing is shared with the
caller) under one lock per store, and answer races, retries and pages as DynamoDB does. One contract test module
runs against both, so a twin that drifts fails there.
"""

from leadflow.adapters.memory.bus import InMemoryEventBus
from leadflow.adapters.memory.config import InMemoryConfigStore
from leadflow.adapters.memory.lead_store import InMemoryLeadStore
from leadflow.adapters.memory.mail_log import InMemoryMailLog
from leadflow.adapters.memory.matching import InMemoryMatchIndex
from leadflow.adapters.memory.nurture import InMemoryTrackCounters, InMemoryWorkflows
from leadflow.adapters.memory.outbox import InMemoryOutbox
from leadflow.adapters.memory.report_projection import InMemoryReportProjection

__all__ = [
    "InMemoryConfigStore",
    "InMemoryEventBus",
    "InMemoryLeadStore",
    "InMemoryMailLog",
    "InMemoryMatchIndex",
    "InMemoryOutbox",
    "InMemoryReportProjection",
    "InMemoryTrackCounters",
    "InMemoryWorkflows",
]
