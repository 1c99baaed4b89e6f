"""What the services work with: the whole set the pipeline's steps use (PipelineDeps), the narrower sets a use case
names in its signature (a Protocol listing only the role ports it touches, which PipelineDeps and each function's own
wiring satisfy), and how they read the active rule sets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import BaseModel

from leadflow.models.rules import parse_ruleset
from leadflow.ports import (
    Accounts,
    Clock,
    ConfigStore,
    DueIndex,
    EnrichmentProvider,
    EventBus,
    IdentityClaims,
    LeadHistory,
    LeadRecords,
    LeadStore,
    MatchIndex,
    MergeRecords,
    Outbox,
    RuleSets,
)

RuleSetT = TypeVar("RuleSetT", bound=BaseModel)

if TYPE_CHECKING:
    from leadflow.domain.enrichment import DomainDirectory


class MissingConfig(Exception):
    """A rule set the pipeline needs has never been published to the config table."""


Writes = Sequence[Callable[[], object]]
"""Independent writes a step makes at once."""


def one_after_another(writes: Writes) -> list[object]:
    """Make each write in turn (the in-memory twins answer at once; nothing is gained by threads there)."""
    return [write() for write in writes]


@dataclass(frozen=True)
class PipelineDeps:
    """Every adapter a service may touch, each port whole: it satisfies every use case's deps (LeadChangeDeps,
    DedupeDeps, SlaDeps, ...), so one set of in-memory twins can drive a test through several use cases. The
    functions are handed narrower sets (leadflow.wiring)."""

    store: LeadStore
    index: MatchIndex
    config: ConfigStore
    bus: EventBus
    outbox: Outbox
    clock: Clock
    directory: DomainDirectory
    enrichment: EnrichmentProvider
    api_base_url: str = ""
    # Whether a canonical email is on the suppression list (its person was erased); None: no list to ask.
    suppressed: Callable[[str], bool] | None = None
    # How a step makes independent writes: leadflow.adapters.side_by_side on AWS (one round trip for all).
    side_by_side: Callable[[Writes], list[object]] = one_after_another


class LeadChanges(LeadRecords, LeadHistory, Protocol):
    """What changing a lead touches of the leads table: the lead, under optimistic locking, and its history."""


class LeadChangeDeps(Protocol):
    """What a use case that changes one lead works with: the lead and its history, the rule sets it decides by and
    the counters it gives capacity back to (ConfigStore), the bus its events go to and the clock. Stage changes,
    outcomes, consent, re-scoring and recycling take this; the jobs over the due index take DueJobDeps.

    Read-only properties, so that any object with these attributes (a frozen dataclass of narrower adapters, or
    PipelineDeps) satisfies it."""

    @property
    def store(self) -> LeadChanges: ...

    @property
    def config(self) -> ConfigStore: ...

    @property
    def bus(self) -> EventBus: ...

    @property
    def clock(self) -> Clock: ...


class DueLeads(LeadChanges, DueIndex, Protocol):
    """A job over the due index: which leads are due, then each lead changed as LeadChangeDeps does."""


class DueJobDeps(LeadChangeDeps, Protocol):
    """What the decay and recycle jobs work with: LeadChangeDeps, with the due index on the store."""

    @property
    def store(self) -> DueLeads: ...


class RoutingStore(LeadChanges, Accounts, Protocol):
    """Routing reads the lead's account and the owners of its other leads, and writes the assignment."""


class RoutingDeps(LeadChangeDeps, Protocol):
    """What assigning and reassigning a lead work with: LeadChangeDeps, with accounts on the store (the counters on
    config hold the reps' capacity)."""

    @property
    def store(self) -> RoutingStore: ...


class SlaDeps(RoutingDeps, Protocol):
    """What the SLA timer's steps work with: routing's (a breach reassigns), the outbox the rep's and the manager's
    messages are queued in, and the API's address the messages link to."""

    @property
    def outbox(self) -> Outbox: ...

    @property
    def api_base_url(self) -> str: ...


class CurationStore(LeadChanges, MergeRecords, IdentityClaims, Protocol):
    """A person's merge and unmerge: both leads, the merge's record, and the identity claims moved between them."""


class CurationDeps(LeadChangeDeps, Protocol):
    """What merging, dismissing and undoing possible duplicates work with: a lead's changes with merge records and
    identity claims on the store, and the match index the pairs and the leads' blocking keys live in."""

    @property
    def store(self) -> CurationStore: ...

    @property
    def index(self) -> MatchIndex: ...


class ReadDeps(Protocol):
    """What the read routes work with: the leads table (read only), the possible duplicates in the match index, the
    scoring rules a score is explained by, and the clock a score is computed at."""

    @property
    def store(self) -> LeadStore: ...

    @property
    def index(self) -> MatchIndex: ...

    @property
    def rules(self) -> RuleSets: ...

    @property
    def clock(self) -> Clock: ...


def active_ruleset(config: RuleSets, kind: str, model: type[RuleSetT]) -> RuleSetT:
    """The active version of a rule set, validated; MissingConfig when none was ever published."""
    found: tuple[int, dict[str, Any]] | None = config.active(kind)
    if found is None:
        raise MissingConfig(f"no {kind} rule set is active; publish one with `leadflow config-push`")
    version, body = found
    ruleset = parse_ruleset(kind, body, version=version)
    if not isinstance(ruleset, model):
        raise TypeError(f"the {kind} rule set is a {type(ruleset).__name__}, not a {model.__name__}")
    return ruleset
