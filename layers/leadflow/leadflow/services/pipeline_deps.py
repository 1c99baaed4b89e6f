"""What the pipeline's steps work with, and how they read the active rule sets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from leadflow.domain.enrichment import DomainDirectory
from leadflow.models.rules import parse_ruleset
from leadflow.ports import Clock, ConfigStore, EnrichmentProvider, EventBus, LeadStore, MatchIndex, Outbox, RuleSets

RuleSetT = TypeVar("RuleSetT", bound=BaseModel)


class MissingConfig(Exception):
    """A rule set the pipeline needs has never been published to the config table."""


@dataclass(frozen=True)
class PipelineDeps:
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
