"""What each LeadPipeline step touches, as the step's signature names it: the dedupe step the submissions, identity
claims and match index; enrichment the enrichment sources and accounts; scoring the parked engagement; notify
the outbox. Route takes routing's RoutingDeps. PipelineDeps (every adapter) satisfies them all."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from leadflow.ports import (
    Accounts,
    Clock,
    EngagementEvents,
    EnrichmentProvider,
    EventBus,
    IdentityClaims,
    MatchIndex,
    Outbox,
    RuleSets,
    Submissions,
)
from leadflow.services.pipeline_deps import LeadChangeDeps, LeadChanges, Writes

if TYPE_CHECKING:
    from leadflow.domain.enrichment import DomainDirectory


class DedupeStore(LeadChanges, Submissions, IdentityClaims, Protocol):
    """The dedupe step reads the submission, claims its identities, and creates or joins the lead that owns them."""


class DedupeDeps(LeadChangeDeps, Protocol):
    """What the dedupe step works with: a lead's changes with submissions and identity claims on the store, the
    match index, and whether an email's person was erased (None: no suppression list to ask)."""

    @property
    def store(self) -> DedupeStore: ...

    @property
    def index(self) -> MatchIndex: ...

    @property
    def suppressed(self) -> Callable[[str], bool] | None: ...

    @property
    def side_by_side(self) -> Callable[[Writes], list[object]]:
        """Makes independent writes together, each answer in order; the first error raised once all are done."""


class EnrichStore(LeadChanges, Accounts, Protocol):
    """Enrichment changes the lead and files it under its account (created on first sight)."""


class EnrichDeps(Protocol):
    """What the enrich step works with: the lead, its history and account, the enrichment sources, the bus and the
    clock."""

    @property
    def store(self) -> EnrichStore: ...

    @property
    def bus(self) -> EventBus: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def directory(self) -> DomainDirectory: ...

    @property
    def enrichment(self) -> EnrichmentProvider: ...


class ScoreStore(LeadChanges, EngagementEvents, Protocol):
    """Scoring takes in the engagement parked for the lead's email before it scores."""


class ScoreDeps(LeadChangeDeps, Protocol):
    """What the score and record-engagement steps work with: a lead's changes, with parked engagement on the
    store."""

    @property
    def store(self) -> ScoreStore: ...


class NotifyDeps(Protocol):
    """What the notify step works with: the lead and its history, the roster (rule sets), the outbox the rep's
    message is queued in, the API's address it links to, the bus and the clock."""

    @property
    def store(self) -> LeadChanges: ...

    @property
    def config(self) -> RuleSets: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def api_base_url(self) -> str: ...

    @property
    def bus(self) -> EventBus: ...

    @property
    def clock(self) -> Clock: ...
