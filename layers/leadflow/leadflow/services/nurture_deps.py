"""What nurture works with, and how it reads the track versions its enrolments follow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Protocol

from leadflow.models.lead import Lead
from leadflow.models.nurture import NurtureRuleSet
from leadflow.models.rules import parse_ruleset
from leadflow.ports import (
    Clock,
    EventBus,
    LeadHistory,
    LeadRecords,
    Mailer,
    MailLog,
    Outbox,
    RuleSets,
    Submissions,
    TrackCounters,
    Workflows,
)
from leadflow.services.pipeline_deps import MissingConfig

KIND = "nurture"


class NurtureStore(LeadRecords, LeadHistory, Submissions, Protocol):
    """A lead and its history (enrolments live on the lead), and the submissions an auto-response answers."""


class NurtureDeps(Protocol):
    """Everything nurture touches. `mail_blocked` and `transactional_blocked` are the one decision of whether a lead
    may be mailed (leadflow.services.mail_permission): None when it may, else why not. `unsubscribe_link` makes the
    signed one-click link of a lead and list."""

    @property
    def store(self) -> NurtureStore: ...

    @property
    def rules(self) -> RuleSets: ...

    @property
    def bus(self) -> EventBus: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def workflows(self) -> Workflows: ...

    @property
    def counters(self) -> TrackCounters: ...

    @property
    def mail_log(self) -> MailLog: ...

    @property
    def mailer(self) -> Mailer: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def mail_blocked(self) -> Callable[[Lead], str | None]: ...

    @property
    def transactional_blocked(self) -> Callable[[Lead], str | None]: ...

    @property
    def unsubscribe_link(self) -> Callable[[str, str, datetime], str]: ...


def active_nurture(rules: RuleSets) -> NurtureRuleSet:
    """The active nurture rule set; MissingConfig when none was published."""
    found = rules.active(KIND)
    if found is None:
        raise MissingConfig("no nurture rule set is active; publish one with `leadflow config-push`")
    version, body = found
    return _parsed(version, body)


def nurture_version(rules: RuleSets, version: int) -> NurtureRuleSet:
    """A published version, as an enrolment made under it follows it to its end. Versions never change, so each is
    parsed once per store (a warm Lambda runs every enrolment's wake-up without re-reading the document)."""
    return _version_of(_Keyed(rules), version)


class _Keyed:
    """A store as a cache key: by identity (the store object lives as long as the function's cold start)."""

    def __init__(self, rules: RuleSets) -> None:
        self.rules = rules

    def __hash__(self) -> int:
        return id(self.rules)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Keyed) and other.rules is self.rules


@lru_cache(maxsize=32)
def _version_of(keyed: _Keyed, version: int) -> NurtureRuleSet:
    body = keyed.rules.version(KIND, version)
    if body is None:
        raise MissingConfig(f"nurture rule set version {version} was never published")
    return _parsed(version, body)


def _parsed(version: int, body: dict[str, object]) -> NurtureRuleSet:
    ruleset = parse_ruleset(KIND, dict(body), version=version)
    assert isinstance(ruleset, NurtureRuleSet)
    return ruleset
